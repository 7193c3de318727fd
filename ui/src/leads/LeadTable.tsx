import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

import type { Field } from "../bindings/Field";
import type { Lead } from "../bindings/Lead";
import type { LeadFilter } from "../bindings/LeadFilter";
import type { LeadSort } from "../bindings/LeadSort";
import type { SortKey } from "../bindings/SortKey";
import { formatTime } from "../shared/format";
import { useStoreChanges } from "../shared/storeChanges";
import { toCommandError, type CommandError } from "../shared/ipc";
import { leadsPage } from "./ipc";

/** Each row's height in pixels: fixed, so a row's place follows from its index. */
export const ROW_HEIGHT = 36;
/** Rows asked for at a time. */
export const PAGE_SIZE = 100;
/** Rows drawn beyond each edge of the viewport, so a quick scroll shows no gap. */
const OVERSCAN = 8;
/** The viewport's height before it is measured (and where nothing is laid out, as in tests). */
const DEFAULT_HEIGHT = 480;

interface Column {
  id: string;
  label: string;
  sort: SortKey | null;
  value: (lead: Lead) => string;
}

function columnsFor(fields: Field[]): Column[] {
  return [
    { id: "email", label: "Email", sort: { kind: "email" }, value: (l) => l.email },
    { id: "hubspot", label: "HubSpot ID", sort: null, value: (l) => l.hubspot_id ?? "" },
    ...fields
      .filter((f) => f.key !== "email")
      .map(
        (f): Column => ({
          id: f.key,
          label: f.label,
          sort: { kind: "field", key: f.key },
          value: (l) => l.values[f.key] ?? "",
        }),
      ),
    { id: "created", label: "Added", sort: { kind: "created" }, value: (l) => formatTime(l.created_at) },
    { id: "updated", label: "Changed", sort: { kind: "updated" }, value: (l) => formatTime(l.updated_at) },
  ];
}

function sameKey(a: SortKey, b: SortKey): boolean {
  if (a.kind === "field" && b.kind === "field") return a.key === b.key;
  return a.kind === b.kind;
}

interface PageCache {
  key: string;
  /** The search, filters and sort the pages answer; a reload keeps it. */
  view: string;
  pages: Map<number, Lead[]>;
  total: number | null;
}

function emptyCache(key: string, view: string): PageCache {
  return { key, view, pages: new Map(), total: null };
}

/**
 * The pages to show for `key`: its own, or while a reload of the same view is read, the ones
 * before it (rows don't blink to "Loading…" and the table keeps its place); another view starts
 * from nothing.
 */
function cacheFor(cache: PageCache, key: string, view: string): PageCache {
  if (cache.key === key) return cache;
  return cache.view === view ? { ...cache, key } : emptyCache(key, view);
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
 * pages of rows in view are asked for, so it stays smooth at any number of leads.
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
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(DEFAULT_HEIGHT);
  // The pages read for one query (and reload); another query starts from nothing.
  const viewKey = JSON.stringify([search, filters, sort]);
  // A change to the store by any process (an import on the command line) reads the pages again.
  const storeChanges = useStoreChanges();
  const queryKey = JSON.stringify([viewKey, reloadKey, storeChanges]);
  const [cache, setCache] = useState<PageCache>(() => emptyCache(queryKey, viewKey));
  const shown = cacheFor(cache, queryKey, viewKey);
  const latestKey = useRef(queryKey);
  const asked = useRef(new Set<string>());

  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const measure = () => {
      if (element.clientHeight > 0) setHeight(element.clientHeight);
    };
    measure();
    window.addEventListener("resize", measure);
    return () => {
      window.removeEventListener("resize", measure);
    };
  }, []);

  useEffect(() => {
    latestKey.current = queryKey;
    asked.current = new Set([...asked.current].filter((a) => a.startsWith(`${queryKey}#`)));
  }, [queryKey]);

  // Another search, filter or sort shows its first rows from the top; changed leads (an edit,
  // an import) are read again where the table is.
  useEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
  }, [viewKey]);

  const fetchPage = useCallback(
    (key: string, index: number) => {
      const id = `${key}#${String(index)}`;
      if (asked.current.has(id)) return;
      asked.current.add(id);
      leadsPage({ search, filters, sort, offset: index * PAGE_SIZE, limit: PAGE_SIZE }).then(
        (page) => {
          if (key !== latestKey.current) return;
          setCache((old) => {
            const base = cacheFor(old, key, viewKey);
            const pages = new Map(base.pages);
            pages.set(index, page.leads);
            return { ...base, pages, total: page.total };
          });
          onTotal(page.total);
          onError(null);
        },
        (error: unknown) => {
          asked.current.delete(id);
          if (key === latestKey.current) onError(toCommandError(error));
        },
      );
    },
    [search, filters, sort, viewKey, onTotal, onError],
  );

  const rowCount = shown.total ?? 0;
  const top = scrollTop;
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rowCount, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);

  useEffect(() => {
    if (shown.total === null) {
      // The page where the table is: the top after a new query, the same place after a reload.
      fetchPage(queryKey, Math.floor(first / PAGE_SIZE));
      return;
    }
    // At least the page where the table is: a reload that keeps an empty view's rows (no lead
    // yet) must still read whether there are some now.
    const firstPage = Math.floor(first / PAGE_SIZE);
    const lastPage = Math.max(firstPage, Math.floor((last - 1) / PAGE_SIZE));
    for (let page = firstPage; page <= lastPage; page += 1) {
      fetchPage(queryKey, page);
    }
  }, [queryKey, first, last, shown.total, fetchPage]);

  const columns = columnsFor(fields);
  // Fixed widths, so the header and the rows (laid out apart) line up; the email, the widest
  // value and the one that names a lead, gets more room.
  const template = `16rem repeat(${String(columns.length - 1)}, 10rem)`;
  const width = `${String(16 + (columns.length - 1) * 10)}rem`;

  function rowAt(index: number): Lead | undefined {
    return shown.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  function onRowKey(event: KeyboardEvent<HTMLDivElement>, index: number, lead: Lead) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect(lead.id);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = index + (event.key === "ArrowDown" ? 1 : -1);
      const target = viewport.current?.querySelector<HTMLElement>(`[aria-rowindex="${String(next + 2)}"]`);
      target?.focus();
      if (!target && viewport.current && next >= 0 && next < rowCount) {
        viewport.current.scrollTop = next * ROW_HEIGHT;
      }
    }
  }

  const rows = Array.from({ length: Math.max(0, last - first) }, (_, offset) => {
    const index = first + offset;
    const lead = rowAt(index);
    const style = { top: index * ROW_HEIGHT, height: ROW_HEIGHT, gridTemplateColumns: template };
    return lead === undefined ? (
        <div key={`pending-${String(index)}`} className="lead-row lead-row-pending" role="row" aria-rowindex={index + 2} style={style}>
          <span role="cell" className="muted">
            Loading…
          </span>
        </div>
      ) : (
        <div
          key={lead.id}
          className="lead-row"
          role="row"
          data-testid="lead-row"
          data-email={lead.email}
          aria-rowindex={index + 2}
          aria-selected={lead.id === selectedId}
          tabIndex={0}
          style={style}
          onClick={() => {
            onSelect(lead.id);
          }}
          onKeyDown={(e) => {
            onRowKey(e, index, lead);
          }}
        >
          {columns.map((c) => (
            <span key={c.id} role="cell" title={c.value(lead)}>
              {c.value(lead)}
            </span>
          ))}
        </div>
      );
  });

  return (
    <div
      className="lead-table"
      role="table"
      aria-label="Leads"
      aria-rowcount={rowCount + 1}
      data-testid="leads-table"
      ref={viewport}
      onScroll={(e) => {
        setScrollTop(e.currentTarget.scrollTop);
      }}
    >
      <div className="lead-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template, width }}>
        {columns.map((c) => {
          const active = c.sort !== null && sameKey(c.sort, sort.key);
          const ariaSort = active ? (sort.descending ? "descending" : "ascending") : "none";
          return (
            <div key={c.id} role="columnheader" aria-sort={c.sort ? ariaSort : undefined}>
              {c.sort === null ? (
                c.label
              ) : (
                <button
                  type="button"
                  className="sort-button"
                  onClick={() => {
                    if (c.sort) onSort({ key: c.sort, descending: active ? !sort.descending : false });
                  }}
                >
                  {c.label}
                  <span aria-hidden="true">{active ? (sort.descending ? " ▼" : " ▲") : ""}</span>
                </button>
              )}
            </div>
          );
        })}
      </div>
      <div className="lead-body" role="rowgroup" style={{ height: rowCount * ROW_HEIGHT, width }}>
        {rows}
      </div>
      {shown.total === 0 &&
        (whenEmpty !== undefined && search.trim() === "" && filters.length === 0 ? (
          <div className="lead-empty">{whenEmpty}</div>
        ) : (
          <p className="lead-empty muted">No lead matches.</p>
        ))}
    </div>
  );
}
