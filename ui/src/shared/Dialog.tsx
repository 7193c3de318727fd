import * as Radix from "@radix-ui/react-dialog";
import { useLayoutEffect, useRef, type ReactNode, type RefObject } from "react";

/** What gets the focus when a dialog opens, unless told otherwise: its first control but the ×. */
const FIRST_CONTROL =
  "input:not(:disabled), select:not(:disabled), textarea:not(:disabled), button:not(:disabled):not(.dialog-close), a[href]";

interface Props {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** "form": wide and scrolling, closed by the × in its head too; "question": narrow, answered by its own buttons. */
  kind: "form" | "question";
  /** Focused when the dialog opens (a question's safe answer); by default its first control. */
  initialFocus?: RefObject<HTMLElement | null>;
  /** The id of the text that says more than the title. */
  describedBy?: string;
  testId?: string;
}

/**
 * The app's one modal dialog, on Radix's: focus moves in and stays in, Escape closes it, focus
 * returns where it was, and the page behind is hidden from screen readers, takes no clicks and
 * can't scroll. A click beside it closes nothing, so a half-filled form isn't lost to a stray click.
 */
export function Dialog({ title, onClose, children, kind, initialFocus, describedBy, testId }: Props) {
  const content = useRef<HTMLDivElement>(null);
  // Where focus was before the dialog took it; no trigger of Radix's opens these dialogs.
  const returnTo = useRef<HTMLElement | null>(null);
  useLayoutEffect(() => {
    returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  }, []);
  // The page behind stays put. Radix's Overlay would lock it by adding a <style> element, which
  // the app's CSP (style-src 'self') refuses, so the backdrop is a plain element and the lock
  // goes through the CSSOM, which the CSP allows.
  useLayoutEffect(() => {
    const root = document.documentElement;
    const overflow = root.style.overflow;
    root.style.overflow = "hidden";
    return () => {
      root.style.overflow = overflow;
    };
  }, []);

  const form = kind === "form";
  return (
    <Radix.Root
      open
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
    >
      <Radix.Portal>
        <div className={form ? "dialog-backdrop" : "modal-backdrop"}>
          <Radix.Content
            ref={content}
            className={form ? "dialog card" : "modal"}
            aria-modal="true"
            aria-describedby={describedBy}
            data-testid={testId}
            onOpenAutoFocus={(event) => {
              event.preventDefault();
              const first = initialFocus?.current ?? content.current?.querySelector<HTMLElement>(FIRST_CONTROL);
              (first ?? content.current)?.focus();
            }}
            onCloseAutoFocus={(event) => {
              event.preventDefault();
              if (returnTo.current?.isConnected) returnTo.current.focus();
            }}
            onInteractOutside={(event) => {
              event.preventDefault();
            }}
          >
            {form ? (
              <div className="dialog-head">
                <Radix.Title>{title}</Radix.Title>
                <Radix.Close className="dialog-close" aria-label="Close">
                  ×
                </Radix.Close>
              </div>
            ) : (
              <Radix.Title>{title}</Radix.Title>
            )}
            {children}
          </Radix.Content>
        </div>
      </Radix.Portal>
    </Radix.Root>
  );
}
