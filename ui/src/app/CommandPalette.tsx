import * as Radix from "@radix-ui/react-dialog";
import { Command } from "cmdk";
import { useRef } from "react";

/** One thing the palette can do, in the group it is listed under. */
export interface PaletteCommand {
  id: string;
  label: string;
  group: string;
  /** More words it is found by. */
  keywords?: readonly string[];
  /** Its shortcut, key by key, when it has one. */
  keys?: readonly string[] | undefined;
  run: () => void;
}

interface Props {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  commands: readonly PaletteCommand[];
}

/**
 * The command palette (Ctrl/⌘+K): type to find a screen or an action, arrows to move, Enter to do
 * it, Escape to close. cmdk does the filtering and the listbox's keyboard and ARIA; the dialog
 * is Radix's, without its overlay, whose scroll lock would add a <style> the CSP refuses.
 */
export function CommandPalette({ open, onOpenChange, commands }: Props) {
  const groups = [...new Set(commands.map((c) => c.group))];
  // Where focus was when the palette opened (a shortcut opens it from anywhere): it goes back there.
  const returnTo = useRef<HTMLElement | null>(null);
  return (
    <Radix.Root open={open} onOpenChange={onOpenChange}>
      <Radix.Portal>
        <div className="palette-backdrop">
          <Radix.Content
            className="palette"
            aria-describedby={undefined}
            data-testid="command-palette"
            onOpenAutoFocus={() => {
              returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
            }}
            onCloseAutoFocus={(event) => {
              event.preventDefault();
              if (returnTo.current?.isConnected) returnTo.current.focus();
            }}
          >
            <Radix.Title className="sr-only">Command palette</Radix.Title>
            <Command label="Commands" loop>
              <Command.Input className="palette-input" placeholder="Type a command or a screen…" />
              <Command.List className="palette-list">
                <Command.Empty className="palette-empty">No command matches.</Command.Empty>
                {groups.map((group) => (
                  <Command.Group key={group} heading={group} className="palette-group">
                    {commands
                      .filter((c) => c.group === group)
                      .map((c) => (
                        <Command.Item
                          key={c.id}
                          value={c.label}
                          keywords={[...(c.keywords ?? [])]}
                          className="palette-item"
                          data-testid={`palette-${c.id}`}
                          onSelect={() => {
                            onOpenChange(false);
                            c.run();
                          }}
                        >
                          <span>{c.label}</span>
                          {c.keys !== undefined && <Keys keys={c.keys} />}
                        </Command.Item>
                      ))}
                  </Command.Group>
                ))}
              </Command.List>
            </Command>
          </Radix.Content>
        </div>
      </Radix.Portal>
    </Radix.Root>
  );
}

/** A shortcut as keycaps: Ctrl + Shift + Enter. */
export function Keys({ keys }: { keys: readonly string[] }) {
  return (
    <span className="keys">
      {keys.map((key, index) => (
        <kbd key={index}>{key}</kbd>
      ))}
    </span>
  );
}
