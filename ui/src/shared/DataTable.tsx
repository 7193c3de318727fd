// One table for every list of records: sticky headers, sorting by a header, columns to choose
// and resize (remembered per table), and a virtual body that draws only the rows in view.
//
// TanStack Table keeps the columns' state (which show, their widths, the sort) and sorts the
// rows a small table holds in memory; TanStack Virtual says which rows are in view. The markup,
// keyboard and words are ours.

import {
  columnResizingFeature,
  columnSizingFeature,
  columnVisibilityFeature,
  createSortedRowModel,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type Header,
  type RowData,
  type SortingState,
  type Updater,
} from "@tanstack/react-table";
import { observeElementRect, useVirtualizer, type Rect, type Virtualizer } from "@tanstack/react-virtual";
import {
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from "react";

import { useColumnPrefs } from "./useColumnPrefs";
import "./table.css";

/** A column of a `DataTable`. */
export interface DataColumn<T> {
  /** Stable: the remembered widths and choices are kept by it. */
  id: string;
  header: string;
  /** The cell's text: shown, its tooltip, and what an in-memory table sorts by. */
  text: (row: T) => string;
  /** What the cell shows instead of its text (the text stays its tooltip). */
  render?: (row: T) => ReactNode;
  /** What an in-memory table sorts by, when not the text (a number, a time). */
  sortValue?: (row: T) => string | number;
  /** Whether a click on the header sorts by it. */
  sortable?: boolean;
  /** Whether the Columns menu may hide it (the column that names a row can't be hidden). */
  hideable?: boolean;
  /** Width in pixels until the person resizes it. */
  size?: number;
  /** Figures: right-aligned, in even-width digits. */
  numeric?: boolean;
  /** A `data-testid` for its cells. */
  cellTestId?: string;
}

/** The sort a table shows: a column, and which way. */
export interface TableSort {
  id: string;
  desc: boolean;
}

interface CommonProps<T> {
  /** The name its column choices and widths are remembered by. */
  tableId: string;
  /** What the table is called, for screen readers. */
  label: string;
  columns: readonly DataColumn<T>[];
  rowKey: (row: T) => string | number;
  selectedKey?: string | number | null;
  /** A click, Enter or Space on a row (and with `followFocus`, the arrow keys). */
  onSelect?: (row: T, index: number) => void;
  /** Moving between rows with the keys selects the row moved to (a list beside its detail). */
  followFocus?: boolean;
  /** Attributes for a row's element (`data-testid`, `data-*`). */
  rowAttributes?: (row: T) => Record<string, string | number | undefined>;
  /** Pixels; every row is as high, so a row's place follows from its index. */
  rowHeight?: number;
  /** Shown when there are no rows. */
  empty?: ReactNode;
  testId?: string;
  /** Changes when the rows are another view's: the table goes back to its top. */
  scrollKey?: string;
  className?: string;
}

/** Rows the backend reads a page at a time and sorts itself. */
interface PagedProps<T> extends CommonProps<T> {
  data?: undefined;
  rowCount: number;
  rowAt: (index: number) => T | undefined;
  sort: TableSort | null;
  onSort: (sort: TableSort) => void;
  /**
   * The rows drawn changed (from `first`, before `last`, a few beyond the viewport's edges):
   * read their pages. `seen` is the rows inside the viewport, for a count to show.
   */
  onRangeChange?: (first: number, last: number, seen: { first: number; last: number }) => void;
}

/** Rows held in memory, sorted here. */
interface InMemoryProps<T> extends CommonProps<T> {
  data: readonly T[];
  initialSort?: TableSort;
}

export type DataTableProps<T> = PagedProps<T> | InMemoryProps<T>;

export const DEFAULT_ROW_HEIGHT = 36;
const DEFAULT_WIDTH = 160;
const MIN_WIDTH = 64;
const MAX_WIDTH = 1200;
/** How far an arrow key moves a column's edge. */
export const RESIZE_STEP = 16;
/** Rows drawn beyond each edge of the viewport, so a quick scroll shows no gap. */
const OVERSCAN = 8;
/** The viewport's size before it is measured, and where nothing is laid out (as in tests). */
const FALLBACK_RECT: Rect = { width: 960, height: 480 };

const features = tableFeatures({
  columnSizingFeature,
  columnResizingFeature,
  columnVisibilityFeature,
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
});

type Features = typeof features;

const NO_ROWS: never[] = [];

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
}

/** The viewport's measured size, or the fallback where it has none. */
function observeRect(instance: Virtualizer<HTMLDivElement, Element>, cb: (rect: Rect) => void) {
  return observeElementRect(instance, (rect) => {
    cb(rect.height > 0 ? rect : FALLBACK_RECT);
  });
}

/** Scrolls by `scrollTop`, which every engine has (jsdom has no `scrollTo` on elements). */
function scrollTo(offset: number, options: { adjustments?: number }, instance: Virtualizer<HTMLDivElement, Element>) {
  const element = instance.scrollElement;
  if (element) element.scrollTop = offset + (options.adjustments ?? 0);
}

function apply<T>(updater: Updater<T>, old: T): T {
  return typeof updater === "function" ? (updater as (old: T) => T)(old) : updater;
}

/**
 * A full-width table of any number of rows: only the rows in view are in the page. Headers
 * stay in view and sort by a click, Enter or Space; the Columns menu hides and shows columns;
 * a column's edge drags (or takes the arrow keys) to resize it; both are remembered per table.
 */
export function DataTable<T extends RowData>(props: DataTableProps<T>) {
  const {
    tableId,
    label,
    columns,
    rowKey,
    selectedKey = null,
    onSelect,
    followFocus = false,
    rowAttributes,
    rowHeight = DEFAULT_ROW_HEIGHT,
    empty,
    testId,
    scrollKey,
    className,
  } = props;
  const paged = props.data === undefined ? props : null;
  const prefs = useColumnPrefs(tableId);
  const [ownSort, setOwnSort] = useState<TableSort | null>(props.data !== undefined ? (props.initialSort ?? null) : null);
  const sort = paged ? paged.sort : ownSort;
  const sorting = useMemo<SortingState>(() => (sort ? [{ id: sort.id, desc: sort.desc }] : []), [sort]);

  const definitions = useMemo(
    () =>
      columns.map(
        (c): ColumnDef<Features, T> => ({
          id: c.id,
          header: c.header,
          accessorFn: (row: T) => (c.sortValue ? c.sortValue(row) : c.text(row)),
          sortFn: (a, b, id) => compareValues(a.getValue(id), b.getValue(id)),
          enableSorting: c.sortable ?? false,
          enableHiding: c.hideable ?? true,
          size: c.size ?? DEFAULT_WIDTH,
          minSize: MIN_WIDTH,
          maxSize: MAX_WIDTH,
        }),
      ),
    [columns],
  );

  const onSortingChange = (updater: Updater<SortingState>) => {
    const next = apply(updater, sorting)[0];
    if (!next) return;
    if (paged) paged.onSort({ id: next.id, desc: next.desc });
    else setOwnSort({ id: next.id, desc: next.desc });
  };

  const table = useTable({
    features,
    columns: definitions,
    data: props.data ?? NO_ROWS,
    getRowId: (row: T) => String(rowKey(row)),
    manualSorting: paged !== null,
    enableMultiSort: false,
    enableSortingRemoval: false,
    sortDescFirst: false,
    columnResizeMode: "onChange",
    state: { sorting, columnVisibility: prefs.visibility, columnSizing: prefs.widths },
    onSortingChange,
    onColumnVisibilityChange: prefs.setVisibility,
    onColumnSizingChange: prefs.setWidths,
  });

  const memoryRows = paged ? null : table.getRowModel().rows;
  const rowCount = paged ? paged.rowCount : (memoryRows?.length ?? 0);
  const rowAt = (index: number): T | undefined => (paged ? paged.rowAt(index) : memoryRows?.[index]?.original);

  const scroller = useRef<HTMLDivElement>(null);
  // Nothing here is memoised by the React Compiler (the app doesn't run it), so the
  // virtualizer's functions, new each render, are never kept stale.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer<HTMLDivElement, Element>({
    count: rowCount,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: OVERSCAN,
    initialRect: FALLBACK_RECT,
    observeElementRect: observeRect,
    scrollToFn: scrollTo,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = (items.at(-1)?.index ?? -1) + 1;

  const seenFirst = virtualizer.range?.startIndex ?? 0;
  const seenLast = Math.min(rowCount, (virtualizer.range?.endIndex ?? -1) + 1);
  const onRangeChange = paged?.onRangeChange;
  useEffect(() => {
    onRangeChange?.(first, last, { first: seenFirst, last: seenLast });
  }, [onRangeChange, first, last, seenFirst, seenLast]);

  // Another view of the rows shows its first rows; changed rows are read where the table is.
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [scrollKey]);

  // Keyboard: one row is in the tab order (the one last moved to); the arrows move between rows.
  const [active, setActive] = useState(0);
  const pendingFocus = useRef<number | null>(null);
  const focusRow = useCallback((index: number) => {
    const row = scroller.current?.querySelector<HTMLElement>(`[data-row-index="${String(index)}"]`);
    if (row) {
      row.focus();
      pendingFocus.current = null;
      return true;
    }
    return false;
  }, []);
  useEffect(() => {
    if (pendingFocus.current !== null) focusRow(pendingFocus.current);
  });

  /** Moves the focus to row `index` (within the rows), scrolled into view; returns where it went. */
  function moveTo(index: number): number | null {
    const next = Math.min(Math.max(index, 0), rowCount - 1);
    if (next < 0) return null;
    setActive(next);
    if (!focusRow(next)) {
      pendingFocus.current = next;
      virtualizer.scrollToIndex(next);
    }
    return next;
  }

  function onRowKey(event: KeyboardEvent<HTMLDivElement>, index: number, row: T) {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? FALLBACK_RECT.height) / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: rowCount - 1,
    };
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect?.(row, index);
    } else if (event.key in moves) {
      event.preventDefault();
      const next = moveTo(moves[event.key] ?? index);
      const moved = next === null ? undefined : rowAt(next);
      if (followFocus && next !== null && moved !== undefined) onSelect?.(moved, next);
    }
  }

  const visible = table.getVisibleLeafColumns();
  const byId = new Map(columns.map((c) => [c.id, c]));
  // An empty track after the columns takes what room is left, so the table fills its width
  // and every column keeps the width it was given.
  const template = [...visible.map((column) => `${String(column.getSize())}px`), "minmax(0, 1fr)"].join(" ");
  const minWidth = `${String(table.getTotalSize())}px`;
  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  const focusable = items.some((item) => item.index === active) ? active : first;

  return (
    <div className={`data-table${className ? ` ${className}` : ""}`}>
      <div className="data-table-bar">
        <ColumnMenu
          label={label}
          columns={table.getAllLeafColumns().map((column) => ({
            id: column.id,
            header: byId.get(column.id)?.header ?? column.id,
            visible: column.getIsVisible(),
            canHide: column.getCanHide(),
            toggle: (show: boolean) => {
              column.toggleVisibility(show);
            },
          }))}
          onReset={prefs.reset}
        />
      </div>
      <div
        ref={scroller}
        className="data-table-scroller"
        role="grid"
        aria-label={label}
        aria-readonly="true"
        aria-rowcount={rowCount + 1}
        aria-colcount={visible.length}
        data-testid={testId}
      >
        <div className="data-table-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template, minWidth }}>
          {headers.map((header, i) => (
            <HeaderCell key={header.id} header={header} column={byId.get(header.column.id)} index={i} />
          ))}
        </div>
        <div className="data-table-body" role="rowgroup" style={{ height: virtualizer.getTotalSize(), minWidth }}>
          {items.map((item) => {
            const row = rowAt(item.index);
            const style = {
              transform: `translateY(${String(item.start)}px)`,
              height: rowHeight,
              gridTemplateColumns: template,
            };
            if (row === undefined) {
              return (
                <div
                  key={`pending-${String(item.index)}`}
                  className="data-table-row data-table-row-pending"
                  role="row"
                  aria-rowindex={item.index + 2}
                  style={style}
                >
                  <span role="gridcell" className="muted">
                    Loading…
                  </span>
                </div>
              );
            }
            const key = rowKey(row);
            return (
              <div
                key={key}
                {...rowAttributes?.(row)}
                className="data-table-row"
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={key === selectedKey}
                data-row-index={item.index}
                tabIndex={item.index === focusable ? 0 : -1}
                style={style}
                onClick={() => {
                  setActive(item.index);
                  onSelect?.(row, item.index);
                }}
                onFocus={() => {
                  setActive(item.index);
                }}
                onKeyDown={(e) => {
                  onRowKey(e, item.index, row);
                }}
              >
                {visible.map((column) => {
                  const c = byId.get(column.id);
                  if (!c) return null;
                  const text = c.text(row);
                  return (
                    <span
                      key={c.id}
                      role="gridcell"
                      className={c.numeric ? "data-table-cell numeric" : "data-table-cell"}
                      title={text}
                      data-testid={c.cellTestId}
                    >
                      {c.render ? c.render(row) : text}
                    </span>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
      {/* Outside the grid: its buttons are no grid cells, and a grid holds only rows. */}
      {rowCount === 0 && empty !== undefined && <div className="data-table-empty">{empty}</div>}
    </div>
  );
}

function HeaderCell<T extends RowData>({
  header,
  column,
  index,
}: {
  header: Header<Features, T>;
  column: DataColumn<T> | undefined;
  index: number;
}) {
  const name = column?.header ?? header.column.id;
  const sorted = header.column.getIsSorted();
  const canSort = header.column.getCanSort();
  const ariaSort = sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none";
  const size = header.getSize();
  const resize = header.getResizeHandler();

  function onResizeKey(event: KeyboardEvent<HTMLDivElement>) {
    const steps: Record<string, number> = { ArrowLeft: -RESIZE_STEP, ArrowRight: RESIZE_STEP };
    const step = steps[event.key];
    if (step !== undefined) {
      event.preventDefault();
      const next = Math.min(Math.max(size + step, MIN_WIDTH), MAX_WIDTH);
      header.getContext().table.setColumnSizing((old) => ({ ...old, [header.column.id]: next }));
    } else if (event.key === "Home" || event.key === "Delete") {
      event.preventDefault();
      header.column.resetSize();
    }
  }

  return (
    <div
      role="columnheader"
      aria-colindex={index + 1}
      aria-sort={canSort ? ariaSort : undefined}
      className={column?.numeric ? "data-table-header numeric" : "data-table-header"}
    >
      {canSort ? (
        <button
          type="button"
          className="data-table-sort"
          onClick={() => {
            header.column.toggleSorting(sorted === "asc");
          }}
        >
          {name}
          <span aria-hidden="true" className="data-table-sort-mark">
            {sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}
          </span>
        </button>
      ) : (
        <span className="data-table-header-text">{name}</span>
      )}
      <div
        role="separator"
        aria-orientation="vertical"
        aria-label={`Resize the ${name} column`}
        aria-valuenow={size}
        aria-valuemin={MIN_WIDTH}
        aria-valuemax={MAX_WIDTH}
        tabIndex={0}
        className={header.column.getIsResizing() ? "data-table-resizer resizing" : "data-table-resizer"}
        onMouseDown={resize}
        onTouchStart={resize}
        onDoubleClick={() => {
          header.column.resetSize();
        }}
        onKeyDown={onResizeKey}
      />
    </div>
  );
}

interface MenuColumn {
  id: string;
  header: string;
  visible: boolean;
  canHide: boolean;
  toggle: (show: boolean) => void;
}

/** "Columns": a checkbox per column to show or hide it, and a way back to the defaults. */
function ColumnMenu({ label, columns, onReset }: { label: string; columns: MenuColumn[]; onReset: () => void }) {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (menu.current && event.target instanceof Node && !menu.current.contains(event.target)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => {
      document.removeEventListener("mousedown", close);
    };
  }, [open]);

  const shown = columns.filter((c) => c.visible).length;
  return (
    <div
      className="column-menu"
      ref={menu}
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          e.stopPropagation();
          setOpen(false);
          menu.current?.querySelector("button")?.focus();
        }
      }}
    >
      <button
        type="button"
        className="column-menu-button"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => {
          setOpen(!open);
        }}
      >
        Columns ({shown}/{columns.length})
      </button>
      {open && (
        <div className="column-menu-panel" id={id} role="group" aria-label={`Columns to show in ${label}`}>
          {columns.map((c) => (
            <label key={c.id} className="field-check">
              <input
                type="checkbox"
                checked={c.visible}
                // The last column shown stays: a table of no columns shows nothing.
                disabled={!c.canHide || (c.visible && shown === 1)}
                onChange={(e) => {
                  c.toggle(e.currentTarget.checked);
                }}
              />
              {c.header}
            </label>
          ))}
          <button type="button" className="link-button" onClick={onReset}>
            Reset columns and widths
          </button>
        </div>
      )}
    </div>
  );
}
