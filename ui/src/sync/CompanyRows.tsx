import { useCallback, useMemo, useState } from "react";

import type { RunAssociationRow } from "../bindings/RunAssociationRow";
import type { RunCompanyRow } from "../bindings/RunCompanyRow";
import { DataTable, type DataColumn } from "../shared/DataTable";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted, numberFormat } from "../shared/format";
import type { CommandError } from "../shared/ipc";
import { keysetPages } from "../shared/keysetPages";
import { usePagedRows } from "../shared/usePagedRows";
import { companySourceWords } from "../leads/words";
import {
  associationActionLabel,
  associationOutcomeShown,
  associationReasonWords,
  companyActionLabel,
  companyOutcomeShown,
  companyReasonWords,
} from "./companyWords";
import { runAssociationsPage, runCompaniesPage } from "./ipc";
import { Change } from "./RowDiff";
import { capitalized } from "./words";
import "./preview.css";

/** Rows asked for at a time. */
export const COMPANY_PAGE_SIZE = 100;
/** The names the lists' column choices are remembered by (one for every run's rows). */
export const RUN_COMPANIES_TABLE_ID = "run-companies";
export const RUN_ASSOCIATIONS_TABLE_ID = "run-associations";

interface ListProps {
  runId: number;
  /** Every row of the list, from the run's counts. */
  total: number;
  /** Changes when the rows may have changed (a live run's outcomes): they are read again. */
  reload: string;
  /** What the list is called, for screen readers. */
  label: string;
}

/** A run's rows of one list, read a page at a time after the last row read, and the one chosen. */
function useRunRows<T extends { seq: number }>(
  runId: number,
  total: number,
  reload: string,
  readAfter: (runId: number, afterSeq: number, limit: number) => Promise<{ items: T[] }>,
) {
  const [error, setError] = useState<CommandError | null>(null);
  const view = JSON.stringify([runId, total]);
  // A new reader for each reload: its pages remember the rows read before.
  const fetchPage = useMemo(
    () =>
      keysetPages(
        (afterSeq, limit) => readAfter(runId, afterSeq, limit).then((page) => page.items),
        (row: T) => row.seq,
        total,
        COMPANY_PAGE_SIZE,
      ),
    // `reload` is why the pages are read again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [runId, total, readAfter, reload],
  );
  const rows = usePagedRows<T>({ view, reload, pageSize: COMPANY_PAGE_SIZE, fetchPage, onError: setError });
  const [range, setRange] = useState({ first: 0, last: 0 });
  const showRange = rows.showRange;
  const onRangeChange = useCallback(
    (first: number, last: number, seen: { first: number; last: number }) => {
      showRange(first, last);
      setRange(seen);
    },
    [showRange],
  );
  // The chosen row, while the list shows the view it was chosen in; the first row otherwise.
  const [chosen, setChosen] = useState<{ view: string; row: T } | null>(null);
  const selected = chosen?.view === view ? chosen.row : rows.rowAt(0);
  const choose = useCallback(
    (row: T) => {
      setChosen({ view, row });
    },
    [view],
  );
  return { rows, error, range, onRangeChange, view, selected, choose };
}

/** Which rows of how many the list shows. */
function pageWords(range: { first: number; last: number }, total: number, noun: string): string {
  if (total === 0) return `0 ${noun}s`;
  return `${capitalized(noun)}s ${numberFormat.format(range.first + 1)}–${numberFormat.format(Math.min(range.last, total))} of ${numberFormat.format(total)}`;
}

const companyColumns: DataColumn<RunCompanyRow>[] = [
  { id: "domain", header: "Domain", text: (r) => r.domain, hideable: false, size: 220 },
  { id: "name", header: "Name", text: (r) => r.name ?? "", size: 180 },
  {
    id: "action",
    header: "Action",
    text: (r) => {
      const outcome = companyOutcomeShown(r.outcome);
      const action = companyActionLabel(r.action, r.reason_codes);
      return outcome === null ? action : `${action} · ${outcome}`;
    },
    render: (r) => {
      const outcome = companyOutcomeShown(r.outcome);
      return (
        <>
          {companyActionLabel(r.action, r.reason_codes)}
          {outcome !== null && <span className={`outcome outcome-${outcome}`}> · {outcome}</span>}
        </>
      );
    },
    size: 150,
  },
  {
    id: "changes",
    header: "Changes",
    text: (r) => {
      const written = r.changes.filter((c) => !c.kept && c.after !== null).length;
      return written === 0 ? "" : counted(written, "field");
    },
    size: 110,
  },
  {
    id: "why",
    header: "Why",
    text: (r) => r.error ?? (r.reason_codes[0] === undefined ? "" : companyReasonWords(r.reason_codes[0]).why),
    render: (r) =>
      r.error !== null ? (
        <span className="row-error" data-testid="company-row-error">
          {r.error}
        </span>
      ) : r.reason_codes[0] === undefined ? (
        ""
      ) : (
        companyReasonWords(r.reason_codes[0]).why
      ),
    size: 300,
  },
  { id: "company", header: "Company", text: (r) => r.company_id ?? "—", size: 110 },
];

/** A push's company rows beside the chosen one's change, field by field. */
export function CompanyRows({ runId, total, reload, label }: ListProps) {
  const list = useRunRows<RunCompanyRow>(runId, total, reload, runCompaniesPage);
  const selected = list.selected;
  return (
    <div className="preview" data-testid="company-rows" data-run-id={runId}>
      {list.error !== null && <ErrorMessage error={list.error} title="The company rows could not be read" />}
      <div className="table-split preview-split">
        <DataTable<RunCompanyRow>
          tableId={RUN_COMPANIES_TABLE_ID}
          label={label}
          columns={companyColumns}
          rowCount={list.rows.total ?? 0}
          rowAt={list.rows.rowAt}
          onRangeChange={list.onRangeChange}
          sort={null}
          onSort={() => undefined}
          scrollKey={list.view}
          rowKey={(r) => r.seq}
          selectedKey={selected?.seq ?? null}
          onSelect={list.choose}
          followFocus
          rowAttributes={(r) => ({
            "data-testid": "company-row",
            "data-domain": r.domain,
            "data-action": companyActionLabel(r.action, r.reason_codes),
            "data-outcome": r.outcome ?? "pending",
          })}
        />
        {selected === undefined ? (
          <div className="side-panel row-diff-none">
            <p className="muted">Choose a company to see its fields.</p>
          </div>
        ) : (
          <CompanyDiff row={selected} />
        )}
      </div>
      <p className="muted preview-count" data-testid="company-page">
        {list.rows.total === null ? "Reading the companies…" : pageWords(list.range, total, "company row")}
      </p>
    </div>
  );
}

/** One company row: why it is held back and what would change that, its fields, its notes. */
function CompanyDiff({ row }: { row: RunCompanyRow }) {
  const outcome = companyOutcomeShown(row.outcome);
  return (
    <aside className="side-panel row-diff" data-testid="company-diff" data-domain={row.domain} aria-label={`Company ${row.domain}`}>
      <h3 className="row-diff-title">{row.domain}</h3>
      <p className="row-diff-head">
        <span className={`row-diff-action action-${row.action}`}>
          {capitalized(companyActionLabel(row.action, row.reason_codes))}
        </span>
        {outcome !== null && <span className={`outcome outcome-${outcome}`}> · {outcome}</span>}
        {row.name !== null && <span className="muted"> · {row.name}</span>}
        {row.company_id !== null && <span className="muted"> · company {row.company_id}</span>}
      </p>
      {row.reason_codes.length > 0 && (
        <section className={row.action === "invalid" ? "row-why row-why-invalid" : "row-why"}>
          <h4>{row.action === "invalid" ? "Why it can't be written" : "Why it is skipped"}</h4>
          <ul>
            {row.reason_codes.map((reason, i) => {
              const words = companyReasonWords(reason);
              return (
                <li key={`${String(i)}-${reason.code}`} data-testid="company-reason" data-code={reason.code}>
                  <p className="row-why-text">{words.why}</p>
                  {words.todo !== null && <p className="row-why-todo">{words.todo}</p>}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {row.error !== null && (
        <section className="row-why row-why-invalid">
          <h4>Why it failed</h4>
          <p className="row-error" data-testid="company-diff-error">
            {row.error}
          </p>
        </section>
      )}
      <h4>Fields: HubSpot now → after the push</h4>
      {row.changes.length === 0 ? (
        <p className="muted">No field changes.</p>
      ) : (
        <ul className="row-diff-fields">
          {row.changes.map((change) => (
            <Change key={change.field} change={change} kind="push" rule={null} />
          ))}
        </ul>
      )}
      {row.notes.length > 0 && (
        <>
          <h4>Notes</h4>
          <ul className="row-diff-notes">
            {row.notes.map((note) => (
              <li key={note} className="row-note">
                {note}
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}

const associationColumns: DataColumn<RunAssociationRow>[] = [
  { id: "email", header: "Lead email", text: (r) => r.email, hideable: false, size: 230 },
  { id: "domain", header: "Company domain", text: (r) => r.domain ?? "—", size: 180 },
  {
    id: "action",
    header: "Action",
    text: (r) => {
      const outcome = associationOutcomeShown(r.outcome);
      const action = associationActionLabel(r.action, r.reason_code);
      return outcome === null ? action : `${action} · ${outcome}`;
    },
    render: (r) => {
      const outcome = associationOutcomeShown(r.outcome);
      return (
        <>
          {associationActionLabel(r.action, r.reason_code)}
          {outcome !== null && <span className={`outcome outcome-${outcome}`}> · {outcome}</span>}
        </>
      );
    },
    size: 170,
  },
  {
    id: "why",
    header: "Why",
    text: (r) => r.error ?? (r.reason_code === null ? "" : associationReasonWords(r.reason_code).why),
    render: (r) =>
      r.error !== null ? (
        <span className="row-error" data-testid="association-row-error">
          {r.error}
        </span>
      ) : r.reason_code === null ? (
        ""
      ) : (
        associationReasonWords(r.reason_code).why
      ),
    size: 300,
  },
  { id: "previous", header: "Primary before", text: (r) => r.previous_primary ?? "—", size: 130 },
  { id: "contact", header: "Contact", text: (r) => r.contact_id ?? "—", size: 110 },
];

/** A push's association rows, one per lead: its contact's company, or why it gets none. */
export function AssociationRows({ runId, total, reload, label }: ListProps) {
  const list = useRunRows<RunAssociationRow>(runId, total, reload, runAssociationsPage);
  const selected = list.selected;
  return (
    <div className="preview" data-testid="association-rows" data-run-id={runId}>
      {list.error !== null && <ErrorMessage error={list.error} title="The association rows could not be read" />}
      <div className="table-split preview-split">
        <DataTable<RunAssociationRow>
          tableId={RUN_ASSOCIATIONS_TABLE_ID}
          label={label}
          columns={associationColumns}
          rowCount={list.rows.total ?? 0}
          rowAt={list.rows.rowAt}
          onRangeChange={list.onRangeChange}
          sort={null}
          onSort={() => undefined}
          scrollKey={list.view}
          rowKey={(r) => r.seq}
          selectedKey={selected?.seq ?? null}
          onSelect={list.choose}
          followFocus
          rowAttributes={(r) => ({
            "data-testid": "association-row",
            "data-email": r.email,
            "data-domain": r.domain ?? "",
            "data-action": r.action,
            "data-outcome": r.outcome ?? "pending",
          })}
        />
        {selected === undefined ? (
          <div className="side-panel row-diff-none">
            <p className="muted">Choose a lead to see its association.</p>
          </div>
        ) : (
          <AssociationDetail row={selected} />
        )}
      </div>
      <p className="muted preview-count" data-testid="association-page">
        {list.rows.total === null ? "Reading the associations…" : pageWords(list.range, total, "association row")}
      </p>
    </div>
  );
}

/** One lead's association: its company, how its domain was found, and why it gets none. */
function AssociationDetail({ row }: { row: RunAssociationRow }) {
  const outcome = associationOutcomeShown(row.outcome);
  const words = row.reason_code === null ? null : associationReasonWords(row.reason_code);
  return (
    <aside className="side-panel row-diff" data-testid="association-detail" data-email={row.email} aria-label={`Association of ${row.email}`}>
      <h3 className="row-diff-title">{row.email}</h3>
      <p className="row-diff-head">
        <span className="row-diff-action">{capitalized(associationActionLabel(row.action, row.reason_code))}</span>
        {outcome !== null && <span className={`outcome outcome-${outcome}`}> · {outcome}</span>}
      </p>
      <dl className="row-diff-record">
        <div>
          <dt>Company domain</dt>
          <dd>{row.domain ?? <span className="muted">none</span>}</dd>
        </div>
        {row.source !== null && (
          <div>
            <dt>Found</dt>
            <dd>{companySourceWords(row.source)}</dd>
          </div>
        )}
        <div>
          <dt>Company</dt>
          <dd>{row.company_id ?? <span className="muted">{row.action === "associate" ? "made by this push" : "—"}</span>}</dd>
        </div>
        <div>
          <dt>Contact</dt>
          <dd>{row.contact_id ?? <span className="muted">{row.action === "associate" ? "made by this push" : "—"}</span>}</dd>
        </div>
        <div>
          <dt>Primary before</dt>
          <dd data-testid="association-previous">{row.previous_primary ?? <span className="muted">none</span>}</dd>
        </div>
      </dl>
      {words !== null && (
        <section className="row-why">
          <h4>{row.reason_code?.code === "already-associated" ? "Why nothing is done" : "Why it gets no association"}</h4>
          <p className="row-why-text" data-testid="association-reason">
            {words.why}
          </p>
          {words.todo !== null && <p className="row-why-todo">{words.todo}</p>}
        </section>
      )}
      {row.error !== null && (
        <section className="row-why row-why-invalid">
          <h4>Why it failed</h4>
          <p className="row-error">{row.error}</p>
        </section>
      )}
    </aside>
  );
}
