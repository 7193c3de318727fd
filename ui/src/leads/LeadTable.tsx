import { useCallback, useMemo, type ReactNode } from "react";

import type { Field } from "../bindings/Field";
import type { CompanyPart } from "../bindings/CompanyPart";
import type { Lead } from "../bindings/Lead";
import type { LeadCompanyCells } from "../bindings/LeadCompanyCells";
import type { LeadFilter } from "../bindings/LeadFilter";
import type { LeadSort } from "../bindings/LeadSort";
import type { SortKey } from "../bindings/SortKey";
import { DataTable, type DataColumn, type TableSort } from "../shared/DataTable";
import { formatTime } from "../shared/format";
import type { CommandError } from "../shared/ipc";
import { useStoreChanges } from "../shared/storeChanges";
import { usePagedRows } from "../shared/usePagedRows";
import { leadsPage } from "./ipc";

/** Each row's height in pixels: fixed, so a row's place follows from its index. */
export const ROW_HEIGHT = 36;
/** Rows asked for at a time. */
export const PAGE_SIZE = 100;
/** The name the table's column choices are remembered by. */
export const LEADS_TABLE_ID = "leads";

/** A field's column: its own id, so a custom field named "created" is not the Added column. */
const fieldColumn = (key: string) => `field:${key}`;
/** A column of the lead's company: apart from a lead field named "company". */
const companyColumn = (part: CompanyPart) => `company:${part}`;

/** A lead as the table shows it: with its company's name and domain, when it has a company. */
export interface LeadRow extends Lead {
  company: LeadCompanyCells | null;
}

/** The column a sort key sorts, or none (the order leads were added in). */
function columnOf(key: SortKey): string | null {
  switch (key.kind) {
    case "id":
      return null;
    case "field":
      return fieldColumn(key.key);
    case "company":
      return companyColumn(key.part);
    default:
      return key.kind;
  }
}

/** The sort key a column's header sorts by. */
function sortKeyOf(column: string): SortKey | null {
  if (column === "email" || column === "created" || column === "updated") return { kind: column };
  if (column.startsWith("field:")) return { kind: "field", key: column.slice("field:".length) };
  if (column === companyColumn("name")) return { kind: "company", part: "name" };
  if (column === companyColumn("domain")) return { kind: "company", part: "domain" };
  return null;
}

function columnsFor(fields: Field[]): DataColumn<LeadRow>[] {
  return [
    { id: "email", header: "Email", text: (l) => l.email, sortable: true, hideable: false, size: 256 },
    { id: "hubspot_id", header: "HubSpot ID", text: (l) => l.hubspot_id ?? "", size: 128 },
    ...fields
      .filter((f) => f.key !== "email")
      .map(
        (f): DataColumn<LeadRow> => ({
          id: fieldColumn(f.key),
          header: f.label,
          text: (l) => l.values[f.key] ?? "",
          sortable: true,
          numeric: f.type === "number",
        }),
      ),
    {
      id: companyColumn("name"),
      header: "Company name",
      text: (l) => l.company?.name ?? "",
      sortable: true,
      cellTestId: "lead-company-name",
    },
    {
      id: companyColumn("domain"),
      header: "Company domain",
      text: (l) => l.company?.domain ?? "",
      sortable: true,
      cellTestId: "lead-company-domain",
    },
    { id: "created", header: "Added", text: (l) => formatTime(l.created_at), sortable: true, size: 190 },
    { id: "updated", header: "Changed", text: (l) => formatTime(l.updated_at), sortable: true, size: 190 },
  ];
}

export interface LeadTableProps {
  fields: Field[];
  search: string;
  filters: LeadFilter[];
  sort: LeadSort;
  onSort: (sort: LeadSort) => void;
  /** Changes when the leads changed (an edit, an import): every page is read again. */
  reloadKey: number;
  selectedId: number | null;
  onSelect: (id: number) => void;
  /** The count of every match, once known. */
  onTotal: (total: number) => void;
  onError: (error: CommandError | null) => void;
  /** What to show when the store holds no lead at all (no search, no filter), instead of "No lead matches." */
  whenEmpty?: ReactNode;
}

/**
 * The lead table: only the rows in view (and a few around them) are in the page, and only the
 * pages of rows in view are asked for, so it stays smooth at any number of leads. The backend
 * sorts, so a sort is over every lead, not the ones read.
 */
export function LeadTable({
  fields,
  search,
  filters,
  sort,
  onSort,
  reloadKey,
  selectedId,
  onSelect,
  onTotal,
  onError,
  whenEmpty,
}: LeadTableProps) {
  // The pages read for one query; another query starts from nothing.
  const view = JSON.stringify([search, filters, sort]);
  // A change to the store by any process (an import on the command line) reads the pages again.
  const storeChanges = useStoreChanges();
  const fetchPage = useCallback(
    (offset: number, limit: number) =>
      leadsPage({ search, filters, sort, offset, limit }).then((page) => {
        const companies = new Map(page.companies.map((c) => [c.lead_id, c]));
        const rows = page.leads.map((lead): LeadRow => ({ ...lead, company: companies.get(lead.id) ?? null }));
        return { rows, total: page.total };
      }),
    [search, filters, sort],
  );
  const rows = usePagedRows<LeadRow>({
    view,
    reload: JSON.stringify([reloadKey, storeChanges]),
    pageSize: PAGE_SIZE,
    fetchPage,
    onTotal,
    onError,
  });
  const columns = useMemo(() => columnsFor(fields), [fields]);
  const sorted = columnOf(sort.key);
  const tableSort = useMemo<TableSort | null>(
    () => (sorted === null ? null : { id: sorted, desc: sort.descending }),
    [sorted, sort.descending],
  );

  const empty =
    rows.total !== 0 ? undefined : whenEmpty !== undefined && search.trim() === "" && filters.length === 0 ? (
      whenEmpty
    ) : (
      <p className="muted">No lead matches.</p>
    );

  return (
    <DataTable<LeadRow>
      tableId={LEADS_TABLE_ID}
      label="Leads"
      testId="leads-table"
      columns={columns}
      rowCount={rows.total ?? 0}
      rowAt={rows.rowAt}
      onRangeChange={rows.showRange}
      rowHeight={ROW_HEIGHT}
      sort={tableSort}
      onSort={(next) => {
        const key = sortKeyOf(next.id);
        if (key) onSort({ key, descending: next.desc });
      }}
      scrollKey={view}
      rowKey={(lead) => lead.id}
      selectedKey={selectedId}
      onSelect={(lead) => {
        onSelect(lead.id);
      }}
      rowAttributes={(lead) => ({ "data-testid": "lead-row", "data-email": lead.email })}
      empty={empty}
    />
  );
}
