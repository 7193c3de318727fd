import { useMemo, useState, type ReactNode } from "react";

import type { RunAssociationRow } from "../bindings/RunAssociationRow";
import type { RunCompanyRow } from "../bindings/RunCompanyRow";
import { DataTable, type DataColumn } from "../shared/DataTable";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted } from "../shared/format";
import type { CommandError } from "../shared/ipc";
import { keysetPages } from "../shared/keysetPages";
import { usePagedRows, useSeenRange } from "../shared/usePagedRows";
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
import { Change, Notes, WhyList } from "./RowDiff";
import { capitalized, shownRowsWords } from "./words";
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

interface KeyedListProps<T> extends ListProps {
  /** Up to `limit` rows after row `afterSeq` (-1: from the first), in order. */
  readAfter: (runId: number, afterSeq: number, limit: number) => Promise<{ items: T[] }>;
  tableId: string;
  columns: readonly DataColumn<T>[];
  rowAttributes: (row: T) => Record<string, string>;
  /** What a row is, in words: "company row". */
  noun: string;
  /** The `data-testid`s of the list and of its page line. */
  testId: string;
  pageTestId: string;
  /** What the panel beside the list says before a row is chosen. */
  choose: string;
  /** The chosen row, beside the list. */
  detail: (row: T) => ReactNode;
}

/**
 * A run's rows of one list beside the chosen row: read a page at a time after the last row
 * read, as the list scrolls.
 */
function KeyedRowList<T extends { seq: number }>(props: KeyedListProps<T>) {
  const { runId, total, reload, label, readAfter, noun } = props;
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
  const { range, onRangeChange } = useSeenRange(rows.showRange);
  // The chosen row, while the list shows the view it was chosen in; the first row otherwise.
  const [chosen, setChosen] = useState<{ view: string; row: T } | null>(null);
  const selected = chosen?.view === view ? chosen.row : rows.rowAt(0);
  return (
    <div className="preview" data-testid={props.testId} data-run-id={runId}>
      {error !== null && <ErrorMessage error={error} title={`The ${noun}s could not be read`} />}
      <div className="table-split preview-split">
        <DataTable<T>
          tableId={props.tableId}
          label={label}
          columns={props.columns}
          rowCount={rows.total ?? 0}
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
          rowAttributes={props.rowAttributes}
        />
        {selected === undefined ? (
          <div className="side-panel row-diff-none">
            <p className="muted">{props.choose}</p>
          </div>
        ) : (
          props.detail(selected)
        )}
      </div>
      <p className="muted preview-count" data-testid={props.pageTestId}>
        {rows.total === null ? `Reading the ${noun}s…` : shownRowsWords(range, total, noun)}
      </p>
    </div>
  );
}

/** A list's Action column: the planned action, and the outcome when it says more. */
function actionColumn<T>(action: (row: T) => string, outcome: (row: T) => string | null, size: number): DataColumn<T> {
  return {
    id: "action",
    header: "Action",
    text: (r) => {
      const shown = outcome(r);
      return shown === null ? action(r) : `${action(r)} · ${shown}`;
    },
    render: (r) => {
      const shown = outcome(r);
      return (
        <>
          {action(r)}
          {shown !== null && <span className={`outcome outcome-${shown}`}> · {shown}</span>}
        </>
      );
    },
    size,
  };
}

/** A list's Why column: HubSpot's error for a row that failed, else why it is held back. */
function whyColumn<T>(error: (row: T) => string | null, why: (row: T) => string, errorTestId: string): DataColumn<T> {
  return {
    id: "why",
    header: "Why",
    text: (r) => error(r) ?? why(r),
    render: (r) => {
      const failed = error(r);
      return failed === null ? (
        why(r)
      ) : (
        <span className="row-error" data-testid={errorTestId}>
          {failed}
        </span>
      );
    },
    size: 300,
  };
}

const companyColumns: DataColumn<RunCompanyRow>[] = [
  { id: "domain", header: "Domain", text: (r) => r.domain, hideable: false, size: 220 },
  { id: "name", header: "Name", text: (r) => r.name ?? "", size: 180 },
  actionColumn(
    (r) => companyActionLabel(r.action, r.reason_codes),
    (r) => companyOutcomeShown(r.outcome),
    150,
  ),
  {
    id: "changes",
    header: "Changes",
    text: (r) => {
      const written = r.changes.filter((c) => !c.kept && c.after !== null).length;
      return written === 0 ? "" : counted(written, "field");
    },
    size: 110,
  },
  whyColumn(
    (r) => r.error,
    (r) => (r.reason_codes[0] === undefined ? "" : companyReasonWords(r.reason_codes[0]).why),
    "company-row-error",
  ),
  { id: "company", header: "Company", text: (r) => r.company_id ?? "—", size: 110 },
];

/** A push's company rows beside the chosen one's change, field by field. */
export function CompanyRows(props: ListProps) {
  return (
    <KeyedRowList<RunCompanyRow>
      {...props}
      readAfter={runCompaniesPage}
      tableId={RUN_COMPANIES_TABLE_ID}
      columns={companyColumns}
      rowAttributes={(r) => ({
        "data-testid": "company-row",
        "data-domain": r.domain,
        "data-action": companyActionLabel(r.action, r.reason_codes),
        "data-outcome": r.outcome ?? "pending",
      })}
      noun="company row"
      testId="company-rows"
      pageTestId="company-page"
      choose="Choose a company to see its fields."
      detail={(row) => <CompanyDiff row={row} />}
    />
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
        <WhyList
          title={row.action === "invalid" ? "Why it can't be written" : "Why it is skipped"}
          invalid={row.action === "invalid"}
          reasons={row.reason_codes.map((reason) => ({ code: reason.code, words: companyReasonWords(reason) }))}
          testId="company-reason"
        />
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
      <Notes notes={row.notes} />
    </aside>
  );
}

const associationColumns: DataColumn<RunAssociationRow>[] = [
  { id: "email", header: "Lead email", text: (r) => r.email, hideable: false, size: 230 },
  { id: "domain", header: "Company domain", text: (r) => r.domain ?? "—", size: 180 },
  actionColumn(
    (r) => associationActionLabel(r.action, r.reason_code),
    (r) => associationOutcomeShown(r.outcome),
    170,
  ),
  whyColumn(
    (r) => r.error,
    (r) => (r.reason_code === null ? "" : associationReasonWords(r.reason_code).why),
    "association-row-error",
  ),
  { id: "previous", header: "Primary before", text: (r) => r.previous_primary ?? "—", size: 130 },
  { id: "contact", header: "Contact", text: (r) => r.contact_id ?? "—", size: 110 },
];

/** A push's association rows, one per lead: its contact's company, or why it gets none. */
export function AssociationRows(props: ListProps) {
  return (
    <KeyedRowList<RunAssociationRow>
      {...props}
      readAfter={runAssociationsPage}
      tableId={RUN_ASSOCIATIONS_TABLE_ID}
      columns={associationColumns}
      rowAttributes={(r) => ({
        "data-testid": "association-row",
        "data-email": r.email,
        "data-domain": r.domain ?? "",
        "data-action": r.action,
        "data-outcome": r.outcome ?? "pending",
      })}
      noun="association row"
      testId="association-rows"
      pageTestId="association-page"
      choose="Choose a lead to see its association."
      detail={(row) => <AssociationDetail row={row} />}
    />
  );
}

/** One lead's association: its company, how its domain was found, and why it gets none. */
function AssociationDetail({ row }: { row: RunAssociationRow }) {
  const outcome = associationOutcomeShown(row.outcome);
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
      {row.reason_code !== null && (
        <WhyList
          title={row.reason_code.code === "already-associated" ? "Why nothing is done" : "Why it gets no association"}
          invalid={false}
          reasons={[{ code: row.reason_code.code, words: associationReasonWords(row.reason_code) }]}
          testId="association-reason"
        />
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
