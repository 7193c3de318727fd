// The window's keyboard shortcuts, as pure functions of a key event: what it asks for, if
// anything. The palette lists the same shortcuts beside its commands.

import { screenOfDigit, type Screen } from "./screens";

export type ShortcutAction =
  | { kind: "palette" }
  | { kind: "open"; screen: Screen }
  | { kind: "search" }
  | { kind: "preview" }
  | { kind: "run" };

type KeyLike = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey"> & {
  target: EventTarget | null;
};

/** Whether the key goes to a field being typed in (where "/" is a character, not a command). */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** What `event` asks for; `mac` says whether ⌘ (not Ctrl) is the command key. */
export function shortcutOf(event: KeyLike, mac: boolean): ShortcutAction | null {
  const mod = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  if (mod && !event.altKey) {
    const key = event.key.toLowerCase();
    if (key === "k" && !event.shiftKey) return { kind: "palette" };
    if (key === "f" && !event.shiftKey) return { kind: "search" };
    if (key === "enter") return event.shiftKey ? { kind: "run" } : { kind: "preview" };
    const screen = event.shiftKey ? undefined : screenOfDigit(event.key);
    if (screen !== undefined) return { kind: "open", screen };
    return null;
  }
  if (!mod && !event.ctrlKey && !event.metaKey && !event.altKey && event.key === "/" && !typingIn(event.target)) {
    return { kind: "search" };
  }
  return null;
}

/** The shortcuts as the UI shows them, for `mod` ("Ctrl" or "⌘"). */
export function shortcutKeys(mod: string): Record<ShortcutAction["kind"], string[]> {
  return {
    palette: [mod, "K"],
    open: [mod, "1…9"],
    search: [mod, "F"],
    preview: [mod, "Enter"],
    run: [mod, "Shift", "Enter"],
  };
}
