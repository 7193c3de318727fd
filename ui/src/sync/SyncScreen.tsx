import { useEffect, useId, useRef, type SubmitEvent } from "react";

import type { SyncDirection } from "../bindings/SyncDirection";
import { counted } from "../shared/format";
import { syncPreview } from "./ipc";
import { useJobStore } from "./jobState";
import { JobView } from "./JobView";
import { useSyncJob, type JobState } from "./useSyncJob";
import { parseEmails } from "./words";

const DIRECTIONS: readonly { direction: SyncDirection; label: string }[] = [
  { direction: "push", label: "Push: leads to HubSpot contacts" },
  { direction: "pull", label: "Pull: HubSpot contacts to leads (as the pull rules select them)" },
];

function directionOf(state: JobState): SyncDirection {
  const kind =
    state.step === "previewing" || state.step === "running" || state.step === "held"
      ? state.kind
      : state.step === "previewed"
        ? state.summary.kind
        : state.step === "finished"
          ? state.run.kind
          : "push";
  return kind === "pull" ? "pull" : "push";
}

/**
 * What a shortcut or the command palette asks of the screen: a preview (in a direction, or the
 * form's), or the confirmation of the previewed run. `n` tells one ask from the next.
 */
export interface SyncAsk {
  what: "preview" | "run";
  direction: SyncDirection | null;
  n: number;
}

/** Sync: preview a push or pull, look at every row, then run it for real. */
export function SyncScreen({ asked = null, onAnswered }: { asked?: SyncAsk | null; onAnswered?: () => void }) {
  const job = useSyncJob("sync");
  // The form lives with the job, so it is as the admin left it when the screen opens again;
  // until they pick, it says what the job is (a pull going on: pull).
  const { draft, setDraft } = useJobStore();
  const direction: SyncDirection = draft.direction ?? directionOf(job.state);
  const emails = draft.emails;
  const ids = useId();
  const busy = job.state.step === "previewing" || job.state.step === "running";

  function startPreview(chosen: SyncDirection) {
    const picked = chosen === "push" ? parseEmails(emails) : [];
    job.preview(chosen, () => syncPreview(chosen, picked));
  }

  function onSubmit(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    startPreview(direction);
  }

  // Each ask is answered once, as the buttons would answer it, when the screen has it.
  const answered = useRef(0);
  useEffect(() => {
    if (asked === null || asked.n === answered.current) return;
    answered.current = asked.n;
    // Answered once: the ask is dropped, so the screen opened again later doesn't repeat it.
    onAnswered?.();
    if (asked.what === "run") {
      job.confirm(true);
      return;
    }
    if (busy) return;
    if (asked.direction !== null && asked.direction !== direction) setDraft({ ...draft, direction: asked.direction });
    startPreview(asked.direction ?? direction);
  });

  return (
    <div className="screen">
      <section className="card run-card" aria-labelledby="sync-title">
        <h2 id="sync-title">Sync</h2>
        <p className="muted">
          Preview first: it reads HubSpot and shows every row without writing anything. Then run it for real.
        </p>
        <form onSubmit={onSubmit}>
          <fieldset className="rules" disabled={busy}>
            <legend>Direction</legend>
            {DIRECTIONS.map((d) => (
              <label key={d.direction} className="field-check">
                <input
                  type="radio"
                  name="direction"
                  value={d.direction}
                  data-testid={`sync-direction-${d.direction}`}
                  checked={direction === d.direction}
                  onChange={() => {
                    setDraft({ ...draft, direction: d.direction });
                  }}
                />
                {d.label}
              </label>
            ))}
            {direction === "push" && (
              <label className="field" htmlFor={`${ids}-emails`}>
                Which leads
                <textarea
                  id={`${ids}-emails`}
                  data-testid="sync-emails"
                  rows={3}
                  value={emails}
                  placeholder="Empty: every lead. Or paste emails, one per line."
                  aria-describedby={`${ids}-emails-hint`}
                  onChange={(e) => {
                    setDraft({ ...draft, emails: e.currentTarget.value });
                  }}
                />
                <span className="field-hint" id={`${ids}-emails-hint`}>
                  {parseEmails(emails).length === 0
                    ? "Every lead will be pushed."
                    : `${counted(parseEmails(emails).length, "lead")} picked by email.`}
                </span>
              </label>
            )}
            <div className="actions">
              <button type="submit" className="button-primary" data-testid="sync-preview">
                {job.state.step === "previewing" ? "Previewing…" : "Preview"}
              </button>
            </div>
          </fieldset>
        </form>
        <JobView job={job} />
      </section>
    </div>
  );
}
