import { useCallback, useId, useState } from "react";

import type { FieldChange } from "../bindings/FieldChange";
import type { ItemOutcome } from "../bindings/ItemOutcome";
import type { RunAction } from "../bindings/RunAction";
import type { RunItem } from "../bindings/RunItem";
import type { RunKind } from "../bindings/RunKind";
import { ErrorMessage } from "../shared/ErrorMessage";
import { numberFormat } from "../shared/format";
import { useLoadable } from "../shared/useLoadable";
import { runItemsPage } from "./ipc";
import { actionLabel, actionsOf, keptWords, outcomeLabel } from "./words";

/** Rows a page shows: a run of 100,000 rows is read a page at a time. */
export const PAGE_SIZE = 50;

const OUTCOMES: readonly ItemOutcome[] = [
  "updated",
  "created",
  "archived",
  "failed",
  "skipped",
  "invalid",
  "previewed",
];

interface Props {
  runId: number;
  kind: RunKind;
  /** Rows with this outcome only (a result's failed rows); no outcome filter is offered then. */
  outcome?: ItemOutcome;
  /** Offer a filter by outcome (a live run's detail). */
  outcomeFilter?: boolean;
  /** What the table is called, for screen readers. */
  label: string;
}

/** The filter as the page holds it: "" for any. */
interface Filter {
  action: RunAction | "";
  outcome: ItemOutcome | "";
  search: string;
}

/** A run's rows with each field's current and new value, filterable, searchable and paged. */
export function PreviewTable({ runId, kind, outcome, outcomeFilter = false, label }: Props) {
  const [filter, setFilter] = useState<Filter>({ action: "", outcome: outcome ?? "", search: "" });
  const [offset, setOffset] = useState(0);
  const ids = useId();
  const load = useCallback(
    () =>
      runItemsPage(
        runId,
        {
          action: filter.action === "" ? null : filter.action,
          outcome: filter.outcome === "" ? null : filter.outcome,
          pending: false,
          search: filter.search.trim() === "" ? null : filter.search,
        },
        offset,
        PAGE_SIZE,
      ),
    [runId, filter, offset],
  );
  const [page] = useLoadable(load);

  function change(next: Partial<Filter>) {
    setFilter((f) => ({ ...f, ...next }));
    setOffset(0);
  }

  const total = page.status === "ready" ? page.value.total : 0;
  const shown = page.status === "ready" ? page.value.items.length : 0;
  return (
    <div className="preview-table">
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
      {page.status === "failed" && <ErrorMessage error={page.error} title="The rows could not be read" />}
      <div className="table-wrap">
        <table className="table" data-testid="preview-table" aria-label={label} aria-busy={page.status === "loading"}>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Action</th>
              <th scope="col">Contact</th>
              <th scope="col">
                {kind === "pull" ? "Lead field: lead now → new value" : "Property: HubSpot now → new value"}
              </th>
            </tr>
          </thead>
          <tbody>
            {page.status === "ready" && page.value.items.map((item) => <Row key={item.seq} item={item} kind={kind} />)}
            {page.status === "ready" && shown === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No rows match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => {
            setOffset(Math.max(offset - PAGE_SIZE, 0));
          }}
        >
          Previous
        </button>
        <span className="muted" data-testid="preview-page" aria-live="polite">
          {total === 0
            ? "0 rows"
            : `Rows ${numberFormat.format(offset + 1)}–${numberFormat.format(offset + shown)} of ${numberFormat.format(total)}`}
        </span>
        <button
          type="button"
          disabled={offset + PAGE_SIZE >= total}
          onClick={() => {
            setOffset(offset + PAGE_SIZE);
          }}
        >
          Next
        </button>
      </div>
    </div>
  );
}

function Row({ item, kind }: { item: RunItem; kind: RunKind }) {
  // The outcome says something the action doesn't once the row was written (or failed, or waits).
  const said = ["previewed", "skipped", "invalid"] as const;
  const shown = !said.some((o) => o === item.outcome);
  return (
    <tr data-testid="preview-row" data-email={item.email} data-action={item.action}>
      <th scope="row">{item.email === "" ? <span className="muted">(no email)</span> : item.email}</th>
      <td>
        {actionLabel(kind, item.action)}
        {shown && (
          <span className={`outcome outcome-${outcomeLabel(item.outcome)}`}> · {outcomeLabel(item.outcome)}</span>
        )}
      </td>
      <td>{item.contact_id ?? <span className="muted">—</span>}</td>
      <td>
        {item.changes.length > 0 && (
          <ul className="changes">
            {item.changes.map((c) => (
              <Change key={c.field} change={c} kind={kind} />
            ))}
          </ul>
        )}
        {item.reasons.length > 0 && (
          <ul className={item.action === "invalid" ? "reasons reasons-invalid" : "reasons"}>
            {item.reasons.map((r) => (
              <li key={r} data-testid="row-reason">
                {r}
              </li>
            ))}
          </ul>
        )}
        {item.error !== null && (
          <p className="row-error" data-testid="row-error">
            {item.error}
          </p>
        )}
        {item.notes.map((n) => (
          <p key={n} className="muted row-note">
            {n}
          </p>
        ))}
      </td>
    </tr>
  );
}

function Change({ change, kind }: { change: FieldChange; kind: RunKind }) {
  const name = kind === "pull" ? change.field : change.property;
  return (
    <li data-testid="field-change" data-field={change.field}>
      <span className="change-name">{name}</span>:{" "}
      <span data-testid="field-before" className="change-before">
        {change.before === null || change.before === "" ? "(empty)" : change.before}
      </span>{" "}
      →{" "}
      <span data-testid="field-after" className={change.kept ? "change-after change-kept" : "change-after"}>
        {change.after === null
          ? change.kept
            ? keptWords(kind)
            : "(not written)"
          : change.after === ""
            ? "(cleared)"
            : change.after}
      </span>
    </li>
  );
}
