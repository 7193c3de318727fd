import { useCallback, useId, useMemo, useState } from "react";

import type { ItemOutcome } from "../bindings/ItemOutcome";
import type { RunAction } from "../bindings/RunAction";
import type { RunKind } from "../bindings/RunKind";
import type { RunRow } from "../bindings/RunRow";
import { DataTable, type DataColumn } from "../shared/DataTable";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted } from "../shared/format";
import type { CommandError } from "../shared/ipc";
import { usePagedRows, useSeenRange } from "../shared/usePagedRows";
import { useLoadable } from "../shared/useLoadable";
import { runDetail, runItemsPage } from "./ipc";
import { RowDiff } from "./RowDiff";
import { reasonSummary, writeRules } from "./rowWords";
import { actionLabel, actionsOf, outcomeLabel, shownRowsWords } from "./words";
import "./preview.css";

/** Rows asked for at a time: a run of 100,000 rows is read a page at a time as the list scrolls. */
export const PAGE_SIZE = 100;
/** The name the rows' column choices are remembered by (one for every run's rows). */
export const RUN_ROWS_TABLE_ID = "run-rows";

const OUTCOMES: readonly ItemOutcome[] = [
  "updated",
  "created",
  "archived",
  "failed",
  "skipped",
  "invalid",
  "previewed",
];

export interface PreviewTableProps {
  runId: number;
  kind: RunKind;
  /** Rows with this outcome only (a result's failed rows); no outcome filter is offered then. */
  outcome?: ItemOutcome;
  /** Offer a filter by outcome (a live run's detail). */
  outcomeFilter?: boolean;
  /** What the list is called, for screen readers. */
  label: string;
  /** The run's settings, for each field's write rule; read with the run when not given. */
  settings?: unknown;
}

/** The filter as the page holds it: "" for any. */
interface Filter {
  action: RunAction | "";
  outcome: ItemOutcome | "";
  search: string;
}

/** The outcome says something the action doesn't once the row was written (or failed, or waits). */
function outcomeShown(row: RunRow): boolean {
  return !(["previewed", "skipped", "invalid"] as const).some((o) => o === row.outcome);
}

/** A row's changes in a few words, for the list. */
function changesSummary(row: RunRow): string {
  const kept = row.changes.filter((c) => c.kept).length;
  const written = row.changes.filter((c) => !c.kept && c.after !== null).length;
  const parts = [];
  if (written > 0) parts.push(counted(written, "field"));
  if (kept > 0) parts.push(`${String(kept)} kept`);
  return parts.join(", ");
}

function columnsFor(kind: RunKind): DataColumn<RunRow>[] {
  return [
    {
      id: "email",
      header: kind === "pull" ? "Contact email" : "Lead email",
      text: (r) => (r.email === "" ? "(no email)" : r.email),
      hideable: false,
      size: 240,
    },
    {
      id: "action",
      header: "Action",
      text: (r) => (outcomeShown(r) ? `${actionLabel(kind, r.action)} · ${outcomeLabel(r.outcome)}` : actionLabel(kind, r.action)),
      render: (r) => (
        <>
          {actionLabel(kind, r.action)}
          {outcomeShown(r) && (
            <span className={`outcome outcome-${outcomeLabel(r.outcome)}`}> · {outcomeLabel(r.outcome)}</span>
          )}
        </>
      ),
      size: 140,
    },
    { id: "changes", header: "Changes", text: changesSummary, size: 140 },
    {
      id: "why",
      header: "Why",
      text: (r) => r.error ?? reasonSummary(r.reason_codes, kind),
      render: (r) =>
        r.error !== null ? (
          <span className="row-error" data-testid="row-error">
            {r.error}
          </span>
        ) : (
          reasonSummary(r.reason_codes, kind)
        ),
      size: 320,
    },
    { id: "contact", header: "Contact", text: (r) => r.contact_id ?? "—", size: 110 },
  ];
}

/**
 * A run's rows as a list beside the chosen row's field-by-field change: filterable by action
 * (and outcome), searchable by email, read a page at a time as the list scrolls.
 */
export function PreviewTable({ runId, kind, outcome, outcomeFilter = false, label, settings }: PreviewTableProps) {
  const [filter, setFilter] = useState<Filter>({ action: "", outcome: outcome ?? "", search: "" });
  const [error, setError] = useState<CommandError | null>(null);
  const ids = useId();
  const query = useMemo(
    () => ({
      action: filter.action === "" ? null : filter.action,
      outcome: filter.outcome === "" ? null : filter.outcome,
      pending: false,
      search: filter.search.trim() === "" ? null : filter.search,
    }),
    [filter],
  );
  const view = JSON.stringify([runId, query]);
  const fetchPage = useCallback(
    (offset: number, limit: number) =>
      runItemsPage(runId, query, offset, limit).then((page) => ({ rows: page.items, total: page.total })),
    [runId, query],
  );
  const rows = usePagedRows<RunRow>({ view, reload: "", pageSize: PAGE_SIZE, fetchPage, onError: setError });
  const { range, onRangeChange } = useSeenRange(rows.showRange);

  // The write rules the run was made with: given, or read with the run (a preview's summary
  // has none). Without them a change still shows, only not which rule made it.
  const loadSettings = useCallback(
    () => (settings !== undefined ? Promise.resolve(settings) : runDetail(runId).then((d) => d.run.settings)),
    [runId, settings],
  );
  const [loadedSettings] = useLoadable(loadSettings);
  const rules = useMemo(
    () => writeRules(loadedSettings.status === "ready" ? loadedSettings.value : null),
    [loadedSettings],
  );

  // The chosen row, while the list shows the view it was chosen in; the first row otherwise.
  const [chosen, setChosen] = useState<{ view: string; row: RunRow } | null>(null);
  const selected = chosen?.view === view ? chosen.row : rows.rowAt(0);
  const columns = useMemo(() => columnsFor(kind), [kind]);

  function change(next: Partial<Filter>) {
    setFilter((f) => ({ ...f, ...next }));
  }

  const total = rows.total;
  return (
    <div className="preview" data-testid="preview-table" data-run-id={runId}>
      <div className="field-row table-filters">
        {outcome === undefined && (
          <label className="field field-narrow" htmlFor={`${ids}-action`}>
            Action
            <select
              id={`${ids}-action`}
              data-testid="preview-filter-action"
              value={filter.action}
              onChange={(e) => {
                change({ action: e.currentTarget.value as RunAction | "" });
              }}
            >
              <option value="">All actions</option>
              {actionsOf(kind).map((a) => (
                <option key={a} value={a}>
                  {actionLabel(kind, a)}
                </option>
              ))}
            </select>
          </label>
        )}
        {outcomeFilter && outcome === undefined && (
          <label className="field field-narrow" htmlFor={`${ids}-outcome`}>
            Outcome
            <select
              id={`${ids}-outcome`}
              data-testid="run-filter-outcome"
              value={filter.outcome}
              onChange={(e) => {
                change({ outcome: e.currentTarget.value as ItemOutcome | "" });
              }}
            >
              <option value="">All outcomes</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field" htmlFor={`${ids}-search`}>
          Search by email
          <input
            id={`${ids}-search`}
            type="search"
            data-testid="preview-search"
            value={filter.search}
            placeholder="part of an email"
            onChange={(e) => {
              change({ search: e.currentTarget.value });
            }}
          />
        </label>
      </div>
      {error !== null && <ErrorMessage error={error} title="The rows could not be read" />}
      <div className="table-split preview-split">
        <DataTable<RunRow>
          tableId={RUN_ROWS_TABLE_ID}
          label={label}
          columns={columns}
          rowCount={total ?? 0}
          rowAt={rows.rowAt}
          onRangeChange={onRangeChange}
          sort={null}
          onSort={() => undefined}
          scrollKey={view}
          rowKey={(r) => r.seq}
          selectedKey={selected?.seq ?? null}
          onSelect={(row) => {
            setChosen({ view, row });
          }}
          followFocus
          rowAttributes={(r) => ({ "data-testid": "preview-row", "data-email": r.email, "data-action": r.action })}
          empty={total === 0 ? <p className="muted">No rows match.</p> : undefined}
        />
        {selected === undefined ? (
          <div className="side-panel row-diff-none">
            <p className="muted">{total === 0 ? "No row to show." : "Choose a row to see its fields."}</p>
          </div>
        ) : (
          <RowDiff row={selected} kind={kind} rules={rules} />
        )}
      </div>
      <p className="muted preview-count" data-testid="preview-page">
        {total === null ? "Reading the rows…" : shownRowsWords(range, total, "row")}
      </p>
    </div>
  );
}
