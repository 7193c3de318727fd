import { useEffect, useRef, type ReactNode } from "react";

const FOCUSABLE = "input, select, textarea, button, a[href]";

/**
 * A modal dialog over the screen: focus moves into it, Escape or the close button closes it,
 * and focus returns where it was.
 */
export function Dialog({ title, onClose, children, testId }: { title: string; onClose: () => void; children: ReactNode; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = `dialog-${title.replace(/\W+/g, "-").toLowerCase()}`;

  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    box.current?.querySelector<HTMLElement>("input, select, textarea, button:not(.dialog-close)")?.focus();
    return () => {
      before?.focus();
    };
  }, []);

  return (
    <div className="dialog-backdrop">
      <div
        className="dialog card"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        ref={box}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.stopPropagation();
            onClose();
          } else if (e.key === "Tab" && box.current) {
            // Focus stays in the dialog: past the last control it comes back to the first.
            const controls = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((c) => !c.hasAttribute("disabled"));
            const first = controls[0];
            const last = controls[controls.length - 1];
            if (e.shiftKey && document.activeElement === first) {
              e.preventDefault();
              last?.focus();
            } else if (!e.shiftKey && document.activeElement === last) {
              e.preventDefault();
              first?.focus();
            }
          }
        }}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="dialog-close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}
