import { useJobStore, type JobOrigin } from "./jobState";
import { indicatorWords } from "./words";

/** The running job in one line on every screen; it opens the screen the job belongs to. */
export function JobIndicator({ onOpen }: { onOpen: (origin: JobOrigin) => void }) {
  const { job } = useJobStore();
  const { state, origin } = job;
  if (origin === null || (state.step !== "previewing" && state.step !== "running")) return null;
  const preview = state.step === "previewing";
  const estimate = state.step === "running" ? (state.summary?.seconds ?? null) : null;
  const words = indicatorWords(state.kind, preview, state.progress, estimate, state.cancelling);
  return (
    <div className="job-indicator" role="status" data-testid="job-indicator">
      <span className="spinner" aria-hidden="true" />
      <button
        type="button"
        className="link-button"
        onClick={() => {
          onOpen(origin);
        }}
      >
        {words}
      </button>
    </div>
  );
}
