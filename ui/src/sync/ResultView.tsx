import { useCallback, useState } from "react";

import type { CompanyCounts } from "../bindings/CompanyCounts";

import type { ExportedRun } from "../bindings/ExportedRun";
import type { Run } from "../bindings/Run";
import type { CommandError } from "../shared/commandError";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted, numberFormat } from "../shared/format";
import { toCommandError } from "../shared/ipc";
import { useLoadable } from "../shared/useLoadable";
import { exportRun, openExportFolder, runDetail } from "./ipc";
import { PreviewTable } from "./PreviewTable";
import { runDuration } from "./words";

interface Props {
  run: Run;
  onRetry: (runId: number) => void;
  onResume: (runId: number) => void;
}

/** A finished or stopped run: its counts, failed rows, retry, export, and resume when it stopped. */
export function ResultView({ run, onRetry, onResume }: Props) {
  const c = run.counts;
  const stopped = run.status !== "completed";
  // A push's (or its undo's) companies and associations are counted with the run's detail.
  const loadCompanies = useCallback(
    () => (run.kind !== "pull" ? runDetail(run.id).then((d) => d.companies ?? null) : Promise.resolve(null)),
    [run.id, run.kind],
  );
  const [companies] = useLoadable(loadCompanies);
  return (
    <section className="sync-result" data-testid="sync-result" aria-labelledby={`result-${String(run.id)}`}>
      <h3 id={`result-${String(run.id)}`}>
        Run {run.id} {stopped ? "stopped early" : "completed"}
      </h3>
      {stopped && (
        <div className="notice notice-warning" role="alert">
          <p className="notice-title">
            {counted(c.pending, "row")} {c.pending === 1 ? "was" : "were"} not written: {run.stop_reason ?? "the run stopped early"}.
          </p>
          <p>Resume writes exactly the rows left; nothing is written twice.</p>
          <div className="actions">
            <button
              type="button"
              className="button-primary"
              data-testid="result-resume"
              onClick={() => {
                onResume(run.id);
              }}
            >
              Resume
            </button>
          </div>
        </div>
      )}
      <dl className="counts">
        {run.kind === "undo" ? (
          <>
            <Count label="restored" value={c.updated} testId="result-updated" />
            <Count label="archived" value={c.archived} testId="result-archived" />
          </>
        ) : (
          <>
            <Count label="updated" value={c.updated} testId="result-updated" />
            <Count label="created" value={c.created} testId="result-created" />
          </>
        )}
        <Count label="failed" value={c.failed} testId="result-failed" />
        <Count label="skipped" value={c.skip} testId="result-skipped" />
        <Count label="invalid" value={c.invalid} testId="result-invalid" />
      </dl>
      {companies.status === "ready" && companies.value !== null && (
        <CompanyOutcomes counts={companies.value.counts} undo={run.kind === "undo"} />
      )}
      <p className="muted">
        {numberFormat.format(run.api_calls)} API calls · {runDuration(run)}
      </p>
      {c.failed > 0 && (
        <>
          <h4>Failed rows</h4>
          <PreviewTable
            runId={run.id}
            kind={run.kind}
            outcome="failed"
            label={`Failed rows of run ${String(run.id)}`}
            settings={run.settings}
          />
        </>
      )}
      <div className="actions">
        {c.failed > 0 && run.kind === "push" && (
          <button
            type="button"
            data-testid="result-retry-failed"
            onClick={() => {
              onRetry(run.id);
            }}
          >
            Retry failed rows
          </button>
        )}
      </div>
      <ExportRun runId={run.id} />
    </section>
  );
}

/** A push's (or an undo's) company writes and associations, as they went; History lists each row. */
function CompanyOutcomes({ counts: k, undo }: { counts: CompanyCounts; undo: boolean }) {
  const n = (value: number) => numberFormat.format(value);
  const left = k.pending + k.association_pending;
  if (undo)
    return (
      <p data-testid="result-companies">
        Companies: {n(k.updated)} restored, {n(k.archived)} archived, {n(k.failed)} failed. Associations:{" "}
        {n(k.unassociated)} taken back, {n(k.association_failed)} failed{left > 0 ? `, ${n(left)} not written yet` : ""}.
        {k.failed + k.association_failed > 0 && " History shows each company's and association's row, with HubSpot's error."}
      </p>
    );
  return (
    <p data-testid="result-companies">
      Companies: {n(k.created)} created, {n(k.updated)} updated, {n(k.failed)} failed. Associations: {n(k.associated)}{" "}
      associated, {n(k.association_failed)} failed{left > 0 ? `, ${n(left)} not written yet` : ""}.
      {k.failed + k.association_failed > 0 && " History shows each company's and association's row, with HubSpot's error."}
    </p>
  );
}

function Count({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{numberFormat.format(value)}</dd>
    </div>
  );
}

type ExportState =
  | { status: "idle" }
  | { status: "exporting" }
  | { status: "done"; exported: ExportedRun }
  | { status: "failed"; error: CommandError };

/** Export results: the success and error files in the Downloads folder, and Open folder. */
export function ExportRun({ runId }: { runId: number }) {
  const [state, setState] = useState<ExportState>({ status: "idle" });
  const [openError, setOpenError] = useState<CommandError | null>(null);
  return (
    <div className="action-block">
      <div className="actions">
        <button
          type="button"
          data-testid="result-export"
          disabled={state.status === "exporting"}
          onClick={() => {
            setState({ status: "exporting" });
            exportRun(runId).then(
              (exported) => {
                setState({ status: "done", exported });
              },
              (e: unknown) => {
                setState({ status: "failed", error: toCommandError(e) });
              },
            );
          }}
        >
          {state.status === "exporting" ? "Exporting…" : "Export results"}
        </button>
      </div>
      <div aria-live="polite">
        {state.status === "failed" && <ErrorMessage error={state.error} title="The results could not be exported" />}
        {state.status === "done" && (
          <div className="notice notice-success" data-testid="export-paths">
            <p className="notice-title">Exported run {state.exported.run_id}</p>
            <p>
              {counted(state.exported.success_rows, "row")} that went through:{" "}
              <code>{state.exported.success_file}</code>
            </p>
            <p>
              {counted(state.exported.error_rows, "row")} that {state.exported.error_rows === 1 ? "needs" : "need"} attention:{" "}
              <code>{state.exported.error_file}</code>
            </p>
            <div className="actions">
              <button
                type="button"
                onClick={() => {
                  setOpenError(null);
                  openExportFolder(state.exported.folder).catch((e: unknown) => {
                    setOpenError(toCommandError(e));
                  });
                }}
              >
                Open folder
              </button>
            </div>
          </div>
        )}
        {openError !== null && <ErrorMessage error={openError} title="The folder could not be opened" />}
      </div>
    </div>
  );
}
