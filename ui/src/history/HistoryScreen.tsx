import { useCallback, useState } from "react";

import type { Run } from "../bindings/Run";
import { ErrorMessage } from "../shared/ErrorMessage";
import { numberFormat } from "../shared/format";
import { useLoadable } from "../shared/useLoadable";
import { runsList } from "../sync/ipc";
import { originRun, useJobStore } from "../sync/jobState";
import { runDuration } from "../sync/words";
import { RunDetailView } from "./RunDetailView";
import { RunsChart } from "./RunsChart";

const shortFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

/** A run's start, short enough for a table cell. */
function shortTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : shortFormat.format(date);
}

/** History: every preview and live run, a chart of what they changed, and one run's detail. */
export function HistoryScreen() {
  const { job } = useJobStore();
  // Coming back while a run's undo or resume goes on (or has its result) opens that run again.
  const [selected, setSelected] = useState<number | null>(() => originRun(job.origin));
  // Bumped when a job adds to the history: the list is read again.
  const [reads, setReads] = useState(0);
  const [runs] = useLoadable(runsList, reads);
  const refresh = useCallback(() => {
    setReads((n) => n + 1);
  }, []);

  return (
    <div className="screen">
      <section className="card run-card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <p className="muted">Every preview and live run, newest first. Open one for its rows, undo or resume.</p>
        {runs.status === "loading" && <p aria-busy="true">Loading the runs…</p>}
        {runs.status === "failed" && <ErrorMessage error={runs.error} title="The runs could not be read" />}
        {runs.status === "ready" && (
          <>
            <RunsChart runs={runs.value} />
            <RunsTable runs={runs.value} selected={selected} onSelect={setSelected} />
          </>
        )}
      </section>
      {selected !== null && <RunDetailView key={selected} runId={selected} onChanged={refresh} onOpen={setSelected} />}
    </div>
  );
}

function RunsTable({
  runs,
  selected,
  onSelect,
}: {
  runs: readonly Run[];
  selected: number | null;
  onSelect: (runId: number) => void;
}) {
  if (runs.length === 0) return <p className="muted">No runs yet: a preview on the Sync screen makes the first.</p>;
  return (
    <div className="table-wrap">
      <table className="table runs-table" data-testid="runs-table" aria-label="Runs">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Changed</th>
            <th scope="col">Failed</th>
            <th scope="col">Skipped</th>
            <th scope="col">API calls</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const c = run.counts;
            const changed = run.mode === "live" ? c.updated + c.created + c.archived : c.update + c.create + c.archive;
            return (
              <tr
                key={run.id}
                data-testid="run-row"
                data-run-id={run.id}
                data-kind={run.kind}
                data-mode={run.mode}
                data-status={run.status}
                aria-selected={run.id === selected}
              >
                <th scope="row">
                  <button
                    type="button"
                    className="link-button"
                    aria-label={`Open run ${String(run.id)}`}
                    onClick={() => {
                      onSelect(run.id);
                    }}
                  >
                    {run.id}
                  </button>{" "}
                  <span className="muted nowrap">
                    {run.kind} · {run.mode}
                  </span>
                </th>
                <td>{run.status}</td>
                <td>{shortTime(run.started_at)}</td>
                <td className="nowrap">{runDuration(run)}</td>
                <td className="numeric" data-testid="run-changed">
                  {numberFormat.format(changed)}
                  {run.mode === "preview" && <span className="muted"> planned</span>}
                </td>
                <td className="numeric" data-testid="run-failed">
                  {numberFormat.format(c.failed)}
                </td>
                <td className="numeric">{numberFormat.format(c.skip)}</td>
                <td className="numeric">{numberFormat.format(run.api_calls)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
