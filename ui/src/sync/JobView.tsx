import type { Crossing } from "../bindings/Crossing";
import { CrossedList, HeldRunPanel } from "../guardrails/HeldRunPanel";
import { crossingWords } from "../guardrails/words";
import { useActivePortal } from "../shared/activePortal";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted, numberFormat } from "../shared/format";
import { ConfirmDialog } from "./ConfirmDialog";
import { retryFailed } from "./ipc";
import { PreviewSummaryView } from "./PreviewSummaryView";
import { ProgressView } from "./ProgressView";
import { ResultView } from "./ResultView";
import { RunRows } from "./RunRows";
import type { SyncJob } from "./useSyncJob";
import { aboutDuration, actionLabel, nameToType, portalWords, readWords, targetWords } from "./words";

/** A job's preview, confirmation, progress and result (or hold), whichever it is at. */
export function JobView({ job }: { job: SyncJob }) {
  const { state, error } = job;
  const portal = useActivePortal();
  // A preview whose live run a guardrail would hold.
  const held = state.step === "previewed" && state.summary.crossed.length > 0;
  return (
    <>
      {error !== null && <ErrorMessage error={error.error} title={error.title} />}
      {error?.error.code === "job_running" && (
        // The job may have been started from a screen since closed, which had its Cancel.
        <div className="actions">
          <button type="button" data-testid="cancel-running-job" onClick={job.cancel}>
            Cancel the running job
          </button>
        </div>
      )}
      {job.note !== null && (
        <p className="status-line" role="status" data-testid="job-note">
          {job.note}
        </p>
      )}
      {state.step === "previewing" && (
        <>
          <p className="status-line" role="status" aria-live="polite" data-testid="preview-progress">
            <span className="spinner" aria-hidden="true" />{" "}
            {state.cancelling
              ? "Stopping the preview; nothing is recorded."
              : state.progress === null || state.progress.total === 0
                ? "Reading HubSpot…"
                : `Reading HubSpot: ${readWords(state.progress)}…`}
          </p>
          <div className="actions">
            <button type="button" data-testid="preview-cancel" onClick={job.cancel} disabled={state.cancelling}>
              {state.cancelling ? "Cancelling…" : "Cancel the preview"}
            </button>
          </div>
        </>
      )}
      {state.step === "previewed" && (
        <>
          <PreviewSummaryView summary={state.summary} />
          <RunRows
            key={state.summary.run_id}
            runId={state.summary.run_id}
            kind={state.summary.kind}
            label={`Rows of preview ${String(state.summary.run_id)}`}
            companies={state.summary.companies}
          />
          {held && state.summary.writes > 0 && <CrossedWarning crossed={state.summary.crossed} />}
          <div className="actions">
            <button
              type="button"
              className="button-primary"
              data-testid="sync-run"
              disabled={state.summary.writes === 0}
              aria-describedby={state.summary.writes === 0 ? "nothing-to-write" : undefined}
              onClick={() => {
                job.confirm(true);
              }}
            >
              {held ? "Run — will be held for approval…" : "Run for real…"}
            </button>
          </div>
          {state.summary.writes === 0 && (
            <p className="field-hint" id="nothing-to-write">
              Nothing to write: every row is unchanged, skipped or invalid.
            </p>
          )}
          {state.confirming && held && (
            <ConfirmDialog
              title="Run it to be held for approval?"
              confirmLabel="Run — hold for approval"
              onConfirm={() => {
                job.run();
              }}
              onCancel={() => {
                job.confirm(false);
              }}
            >
              <p>A guardrail holds this run before it writes anything: it would cross</p>
              <CrossedList crossed={state.summary.crossed} />
              <p className="muted">It then waits in History until you approve it once or refuse it.</p>
            </ConfirmDialog>
          )}
          {state.confirming && !held && (
            <ConfirmDialog
              title={
                state.summary.kind === "undo"
                  ? `Undo run ${String(state.summary.undo_of ?? "")}?`
                  : "Run this sync for real?"
              }
              confirmLabel="Run for real"
              typedName={nameToType(state.summary.kind, state.summary.portal_id, state.summary.portal_name, portal)}
              onConfirm={() => {
                job.run();
              }}
              onCancel={() => {
                job.confirm(false);
              }}
            >
              <p>
                This writes to <strong data-testid="confirm-target">{targetWords(state.summary, portal)}</strong>
                {state.summary.kind === "pull" && ` from ${portalWords(state.summary, portal)}`}:
              </p>
              <ul data-testid="confirm-counts">
                {state.summary.kind === "undo" ? (
                  <>
                    <li>restore {counted(state.summary.counts.update, "contact")}</li>
                    <li>archive {counted(state.summary.counts.archive, "contact")}</li>
                    {state.summary.companies !== undefined && (
                      <>
                        <li>
                          restore {counted(state.summary.companies.counts.update, "company", "companies")}, archive{" "}
                          {counted(state.summary.companies.counts.archive, "company", "companies")}
                        </li>
                        <li>take back {counted(state.summary.companies.counts.unassociate, "association")}</li>
                      </>
                    )}
                  </>
                ) : (
                  <>
                    <li>
                      {actionLabel(state.summary.kind, "update")}: {numberFormat.format(state.summary.counts.update)}
                    </li>
                    <li>
                      {actionLabel(state.summary.kind, "create")}: {numberFormat.format(state.summary.counts.create)}
                    </li>
                    {state.summary.companies !== undefined && (
                      <>
                        <li>
                          companies to create: {numberFormat.format(state.summary.companies.counts.create)}, to update:{" "}
                          {numberFormat.format(state.summary.companies.counts.update)}
                        </li>
                        <li>
                          contacts to associate with a company:{" "}
                          {numberFormat.format(state.summary.companies.counts.associate)}
                        </li>
                      </>
                    )}
                  </>
                )}
              </ul>
              <p className="muted">
                {counted(state.summary.api_calls, "API call")}, {aboutDuration(state.summary.seconds)}. Cancel stops
                it between batches; the rest can be resumed.
              </p>
            </ConfirmDialog>
          )}
        </>
      )}
      {state.step === "running" && (
        <ProgressView
          progress={state.progress}
          estimate={state.summary?.seconds ?? null}
          cancelling={state.cancelling}
          onCancel={job.cancel}
        />
      )}
      {state.step === "held" && (
        <HeldRunPanel
          hold={state.hold}
          typedName={nameToType(
            state.kind,
            state.summary?.portal_id ?? portal?.portal_id ?? null,
            state.summary?.portal_name ?? portal?.name ?? null,
            portal,
          )}
          busy={false}
          onApprove={() => {
            job.approve(state.hold.run_id, state.kind);
          }}
          onRefused={(hold) => {
            job.refused(hold.run_id);
          }}
        />
      )}
      {state.step === "finished" && (
        <ResultView
          run={state.run}
          onResume={(runId) => {
            job.resume(runId, state.run.kind);
          }}
          onRetry={(runId) => {
            job.preview("push", () => retryFailed(runId));
          }}
        />
      )}
    </>
  );
}

/** Above the Run button of a preview a guardrail would hold: what it crosses, one line each. */
function CrossedWarning({ crossed }: { crossed: readonly Crossing[] }) {
  const [only] = crossed;
  return (
    <div className="notice notice-warning" data-testid="preview-crossed">
      <p className="notice-title">
        A live run would be held{crossed.length === 1 && only !== undefined ? `: ${crossingWords(only)}` : ":"}
      </p>
      {crossed.length > 1 && <CrossedList crossed={crossed} />}
      <p>
        Nothing is written until you approve it once in History. To run it at once, raise the limits on Guardrails
        and preview again.
      </p>
    </div>
  );
}
