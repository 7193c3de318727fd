import type { SyncProgress } from "../bindings/SyncProgress";
import { counted, numberFormat } from "../shared/format";
import { aboutDuration, durationWords, secondsLeft } from "./words";

const PHASES = { reading: "Reading HubSpot", writing: "Writing to HubSpot", applying: "Writing to the lead store" };

interface Props {
  progress: SyncProgress | null;
  /** The preview's estimate, in seconds, until the rate shows. */
  estimate: number | null;
  cancelling: boolean;
  onCancel: () => void;
}

/** A running job: its bar, live counts, time gone and left, and Cancel. */
export function ProgressView({ progress, estimate, cancelling, onCancel }: Props) {
  const done = progress?.done ?? 0;
  const total = progress?.total ?? 0;
  const left = progress === null ? null : secondsLeft(progress, estimate);
  const counts = progress?.counts ?? null;
  return (
    <section className="sync-progress" data-testid="sync-progress" aria-label="Run in progress">
      <p className="progress-title">{progress === null ? "Starting…" : PHASES[progress.phase]}</p>
      <div
        className="progress-bar"
        role="progressbar"
        aria-label="Rows done"
        aria-valuemin={0}
        aria-valuemax={Math.max(total, 1)}
        aria-valuenow={done}
        aria-valuetext={`${numberFormat.format(done)} of ${counted(total, "row")}`}
      >
        <div className="progress-fill" style={{ width: `${String(total === 0 ? 0 : (100 * done) / total)}%` }} />
      </div>
      <p data-testid="progress-rows">
        {numberFormat.format(done)} of {counted(total, "row")}
        {counts !== null &&
          ` · ${numberFormat.format(counts.updated)} updated, ${numberFormat.format(counts.created)} created, ${numberFormat.format(counts.failed)} failed`}
      </p>
      <p className="muted" data-testid="progress-time">
        {progress === null ? "" : `${durationWords(progress.elapsed_ms / 1000)} so far`}
        {left !== null && ` · ${aboutDuration(left)} left`}
      </p>
      <div className="actions">
        <button type="button" data-testid="sync-cancel" onClick={onCancel} disabled={cancelling}>
          {cancelling ? "Cancelling…" : "Cancel"}
        </button>
      </div>
      <p className="status-line" role="status" aria-live="polite">
        {cancelling ? "Stopping after the batches in flight; the rows left can be resumed later." : ""}
      </p>
    </section>
  );
}
