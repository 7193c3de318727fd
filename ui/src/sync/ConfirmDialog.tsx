import { useId, useRef, useState, type ReactNode } from "react";

import { Dialog } from "../shared/Dialog";

interface Props {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /**
   * A name the admin types before the confirm button works: a production portal's, so nobody
   * writes to real contacts by a reflex click. Compared ignoring case and spaces around it.
   */
  typedName?: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A question before a run: Escape or Cancel keeps it unrun, and the safe choice has the focus. */
export function ConfirmDialog({ title, children, confirmLabel, typedName, onConfirm, onCancel }: Props) {
  const bodyId = useId();
  const typedId = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  const [typed, setTyped] = useState("");
  const nameMatches = typedName === undefined || typed.trim().toLowerCase() === typedName.trim().toLowerCase();
  return (
    <Dialog
      kind="question"
      title={title}
      onClose={onCancel}
      initialFocus={cancel}
      describedBy={bodyId}
      testId="confirm-dialog"
    >
      <div id={bodyId}>{children}</div>
      <form
        aria-label="Confirm"
        onSubmit={(e) => {
          e.preventDefault();
          if (nameMatches) onConfirm();
        }}
      >
        {typedName !== undefined && (
          <label className="field confirm-typed" htmlFor={typedId}>
            <span>
              Type the portal's name, <strong>{typedName}</strong>, to confirm
            </span>
            <input
              id={typedId}
              data-testid="confirm-portal-name"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(e) => {
                setTyped(e.currentTarget.value);
              }}
            />
          </label>
        )}
        <div className="actions">
          <button type="submit" className="button-primary" data-testid="confirm-run" disabled={!nameMatches}>
            {confirmLabel}
          </button>
          <button ref={cancel} type="button" data-testid="confirm-cancel" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
