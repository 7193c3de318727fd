import { useCallback, useState } from "react";

import type { Run } from "../bindings/Run";
import { DataTable, type DataColumn } from "../shared/DataTable";
import { ErrorMessage } from "../shared/ErrorMessage";
import { numberFormat } from "../shared/format";
import { useLoadable } from "../shared/useLoadable";
import { runsList } from "../sync/ipc";
import { originRun, useJobStore } from "../sync/jobState";
import { runDuration } from "../sync/words";
import { HeldRuns } from "./HeldRuns";
import { runMarks } from "./marks";
import { RunDetailView } from "./RunDetailView";
import { RunsChart } from "./RunsChart";
import "./history.css";

const shortFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

/** A run's start, short enough for a table cell. */
function shortTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : shortFormat.format(date);
}

/** History: every preview and live run, a chart of what they changed, and one run's detail. */
export function HistoryScreen({ openRun = null }: { openRun?: number | null }) {
  const { job } = useJobStore();
  // Coming back while a run's undo or resume goes on (or has its result) opens that run again.
  // A run asked for (the overview, a notification) opens; else the one a job of a run goes on in.
  const [selected, setSelected] = useState<number | null>(() => openRun ?? originRun(job.origin));
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
            <HeldRuns runs={runs.value} version={reads} onOpen={setSelected} />
            <RunsChart runs={runs.value} />
            <RunsTable runs={runs.value} selected={selected} onSelect={setSelected} />
          </>
        )}
      </section>
      {selected !== null && <RunDetailView key={selected} runId={selected} onChanged={refresh} onOpen={setSelected} />}
    </div>
  );
}

/** Rows planned (a preview) or written (a live run): updated, created and archived. */
function changedOf(run: Run): number {
  const c = run.counts;
  return run.mode === "live" ? c.updated + c.created + c.archived : c.update + c.create + c.archive;
}

function durationMs(run: Run): number {
  if (run.ended_at === null) return Number.POSITIVE_INFINITY;
  const ms = new Date(run.ended_at).getTime() - new Date(run.started_at).getTime();
  return Number.isNaN(ms) ? -1 : ms;
}

/** The outcome columns come first, so they stay in view on a narrow window. */
const RUN_COLUMNS: DataColumn<Run>[] = [
  {
    id: "run",
    header: "Run",
    text: (run) => String(run.id),
    sortValue: (run) => run.id,
    render: (run) => (
      // The row opens the run (a click, Enter or Space); the button names it for a reader.
      <button type="button" className="link-button" tabIndex={-1} aria-label={`Open run ${String(run.id)}`}>
        {run.id}
      </button>
    ),
    sortable: true,
    hideable: false,
    size: 72,
  },
  { id: "kind", header: "Kind", text: (run) => `${run.kind} · ${run.mode}`, sortable: true, size: 140 },
  {
    id: "status",
    header: "Status",
    text: (run) => [run.status, ...runMarks(run).map((m) => m.label)].join(" · "),
    render: (run) => (
      <>
        {run.status}
        {runMarks(run).map((mark) => (
          <span
            key={mark.label}
            className={mark.tone === "warning" ? "badge badge-warning run-mark" : "badge run-mark"}
            data-testid="run-mark"
          >
            {mark.label}
          </span>
        ))}
      </>
    ),
    sortable: true,
    // A status and two marks ("completed HELD SCHEDULE 12") side by side.
    size: 330,
  },
  {
    id: "changed",
    header: "Changed",
    text: (run) => `${numberFormat.format(changedOf(run))}${run.mode === "preview" ? " planned" : ""}`,
    sortValue: changedOf,
    render: (run) => (
      <>
        {numberFormat.format(changedOf(run))}
        {run.mode === "preview" && <span className="muted"> planned</span>}
      </>
    ),
    sortable: true,
    numeric: true,
    cellTestId: "run-changed",
    size: 110,
  },
  {
    id: "failed",
    header: "Failed",
    text: (run) => numberFormat.format(run.counts.failed),
    sortValue: (run) => run.counts.failed,
    sortable: true,
    numeric: true,
    cellTestId: "run-failed",
    size: 80,
  },
  {
    id: "started",
    header: "Started",
    text: (run) => shortTime(run.started_at),
    sortValue: (run) => new Date(run.started_at).getTime() || 0,
    sortable: true,
    size: 180,
  },
  { id: "duration", header: "Duration", text: runDuration, sortValue: durationMs, sortable: true, numeric: true, size: 100 },
  {
    id: "skipped",
    header: "Skipped",
    text: (run) => numberFormat.format(run.counts.skip),
    sortValue: (run) => run.counts.skip,
    sortable: true,
    numeric: true,
    size: 100,
  },
  {
    id: "api_calls",
    header: "API calls",
    text: (run) => numberFormat.format(run.api_calls),
    sortValue: (run) => run.api_calls,
    sortable: true,
    numeric: true,
    size: 100,
  },
];

/** Every run, newest first until a header sorts them another way; a row opens its run below. */
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
    <DataTable<Run>
      tableId="runs"
      label="Runs"
      testId="runs-table"
      className="runs-list"
      columns={RUN_COLUMNS}
      data={runs}
      rowKey={(run) => run.id}
      selectedKey={selected}
      onSelect={(run) => {
        onSelect(run.id);
      }}
      rowAttributes={(run) => ({
        "data-testid": "run-row",
        "data-run-id": run.id,
        "data-kind": run.kind,
        "data-mode": run.mode,
        "data-status": run.status,
      })}
    />
  );
}
