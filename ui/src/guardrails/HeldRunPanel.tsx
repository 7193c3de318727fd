import { useState } from "react";

import type { Crossing } from "../bindings/Crossing";
import type { RunHold } from "../bindings/RunHold";
import type { CommandError } from "../shared/commandError";
import { ErrorMessage } from "../shared/ErrorMessage";
import { formatTime } from "../shared/format";
import { toCommandError } from "../shared/ipc";
import { ConfirmDialog } from "../sync/ConfirmDialog";
import { refuseHeldRun } from "./ipc";
import { crossingWords } from "./words";

/** What a plan crossed, one line each. */
export function CrossedList({ crossed, testId }: { crossed: readonly Crossing[]; testId?: string }) {
  return (
    <ul className="crossed-list" data-testid={testId}>
      {crossed.map((c) => (
        <li key={c.guardrail}>{crossingWords(c)}</li>
      ))}
    </ul>
  );
}

interface Props {
  hold: RunHold;
  /** The portal's name to type before approving, for a run that writes to a production portal. */
  typedName?: string | undefined;
  /** A job runs: nothing else can start. */
  busy: boolean;
  /** Approval confirmed: run it as a job. */
  onApprove: () => void;
  onRefused: (hold: RunHold) => void;
  /** Opens the live run an approval became. */
  onOpenRun?: (runId: number) => void;
}

/**
 * A run a guardrail held: what it crossed, and Approve once or Refuse, each confirmed first; once
 * decided, what became of it.
 */
export function HeldRunPanel({ hold, typedName, busy, onApprove, onRefused, onOpenRun }: Props) {
  const [asking, setAsking] = useState<"approve" | "refuse" | null>(null);
  const [refusing, setRefusing] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const id = String(hold.run_id);

  if (hold.state !== "held") {
    return (
      <div className="notice notice-hint" data-testid="held-run">
        <p className="notice-title">
          {hold.state === "approved" ? "Held by a guardrail, then approved" : "Held by a guardrail, then refused"}
          {hold.decided_at !== null && ` ${formatTime(hold.decided_at)}`}
        </p>
        <CrossedList crossed={hold.crossed} />
        {hold.state === "refused" && <p>It never ran: nothing was written.</p>}
        {hold.state === "approved" &&
          (hold.approved_run_id === null ? (
            <p>Its approved run is starting.</p>
          ) : (
            <p>
              It ran as{" "}
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  onOpenRun?.(hold.approved_run_id ?? 0);
                }}
              >
                run {hold.approved_run_id}
              </button>
              .
            </p>
          ))}
      </div>
    );
  }

  function refuse() {
    setAsking(null);
    setRefusing(true);
    setError(null);
    refuseHeldRun(hold.run_id).then(
      (refused) => {
        setRefusing(false);
        onRefused(refused);
      },
      (e: unknown) => {
        setRefusing(false);
        setError(toCommandError(e));
      },
    );
  }

  return (
    <div className="notice notice-warning" data-testid="held-run">
      <p className="notice-title">Held by a guardrail, nothing written</p>
      <p>
        Run {id} would cross {hold.crossed.length === 1 ? "this limit" : "these limits"}:
      </p>
      <CrossedList crossed={hold.crossed} testId="held-reasons" />
      <p className="muted">
        Approve once: it is planned again from what HubSpot and the leads hold now, and runs if it does no more than
        this; your guardrails stay as they are. Refuse: it never runs.
      </p>
      <div className="actions">
        <button
          type="button"
          className="button-primary"
          disabled={busy || refusing}
          onClick={() => {
            setAsking("approve");
          }}
        >
          Approve once…
        </button>
        <button
          type="button"
          disabled={busy || refusing}
          onClick={() => {
            setAsking("refuse");
          }}
        >
          {refusing ? "Refusing…" : "Refuse…"}
        </button>
      </div>
      {error !== null && <ErrorMessage error={error} title={`Run ${id} was not refused`} />}
      {asking === "approve" && (
        <ConfirmDialog
          title={`Approve held run ${id} once?`}
          confirmLabel="Approve and run"
          typedName={typedName}
          onConfirm={() => {
            setAsking(null);
            onApprove();
          }}
          onCancel={() => {
            setAsking(null);
          }}
        >
          <p>It crossed:</p>
          <CrossedList crossed={hold.crossed} />
          <p className="muted">
            Hubsync plans it again first. If it now does more than this, nothing is written and it stays held.
          </p>
        </ConfirmDialog>
      )}
      {asking === "refuse" && (
        <ConfirmDialog
          title={`Refuse held run ${id}?`}
          confirmLabel="Refuse it"
          onConfirm={refuse}
          onCancel={() => {
            setAsking(null);
          }}
        >
          <p>It will never run. Its preview stays in History; nothing was written.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
