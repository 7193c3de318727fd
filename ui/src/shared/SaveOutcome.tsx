import { ErrorMessage } from "./ErrorMessage";
import type { ActionError } from "./useAction";

/** What the last save said: its status line, a warning it was saved with, or why it failed. */
export function SaveOutcome({
  status,
  warning,
  error,
  warningTestId,
}: {
  status: string;
  warning: string | null;
  error: ActionError | null;
  warningTestId: string;
}) {
  return (
    <>
      <div aria-live="polite">
        <p className="status-line" role="status">
          {status}
        </p>
        {warning !== null && (
          <p className="notice notice-warning" data-testid={warningTestId}>
            Saved with a warning: {warning}
          </p>
        )}
      </div>
      {error !== null && <ErrorMessage error={error.error} title={error.title} />}
    </>
  );
}
