import { useId, useRef, type ReactNode } from "react";

import { Dialog } from "../shared/Dialog";

interface Props {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A question before a run: Escape or Cancel keeps it unrun, and the safe choice has the focus. */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel }: Props) {
  const bodyId = useId();
  const cancel = useRef<HTMLButtonElement>(null);
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
      <div className="actions">
        <button type="button" className="button-primary" data-testid="confirm-run" onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button ref={cancel} type="button" data-testid="confirm-cancel" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
