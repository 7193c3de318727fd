// Rows read from the backend a page at a time, as a virtual table scrolls over them.

import { useCallback, useEffect, useRef, useState } from "react";

import { toCommandError, type CommandError } from "./ipc";

export interface RowsPage<T> {
  rows: T[];
  /** Every row the view matches, not only this page's. */
  total: number;
}

interface PageCache<T> {
  key: string;
  /** The search, filters and sort the pages answer; a reload keeps it. */
  view: string;
  pages: Map<number, T[]>;
  total: number | null;
}

function emptyCache<T>(key: string, view: string): PageCache<T> {
  return { key, view, pages: new Map(), total: null };
}

/**
 * The pages to show for `key`: its own, or while a reload of the same view is read, the ones
 * before it (rows don't blink to "Loading…" and the table keeps its place); another view starts
 * from nothing.
 */
function cacheFor<T>(cache: PageCache<T>, key: string, view: string): PageCache<T> {
  if (cache.key === key) return cache;
  return cache.view === view ? { ...cache, key } : emptyCache(key, view);
}

export interface PagedRowsOptions<T> {
  /** The search, filters and sort: another view starts from nothing. */
  view: string;
  /** Changes when the rows changed (an edit, an import): every page in view is read again, where the table is. */
  reload: string;
  pageSize: number;
  fetchPage: (offset: number, limit: number) => Promise<RowsPage<T>>;
  onTotal?: (total: number) => void;
  onError?: (error: CommandError | null) => void;
}

export interface PagedRows<T> {
  /** Every row of the view, once the first page said; `null` until then. */
  total: number | null;
  /** The row at `index`, if its page has been read. */
  rowAt: (index: number) => T | undefined;
  /** The rows in view (from `first`, before `last`): their pages are read. */
  showRange: (first: number, last: number) => void;
}

/**
 * A view's rows a page at a time: only the pages of rows in view are asked for (once each), so
 * a table of any number of rows stays quick.
 */
export function usePagedRows<T>({ view, reload, pageSize, fetchPage, onTotal, onError }: PagedRowsOptions<T>): PagedRows<T> {
  const key = JSON.stringify([view, reload]);
  const [cache, setCache] = useState<PageCache<T>>(() => emptyCache(key, view));
  const shown = cacheFor(cache, key, view);
  // The rows in view, for the view they were in view of: another view starts at the top.
  const [seen, setSeen] = useState({ view, first: 0, last: 0 });
  const range = seen.view === view ? seen : { view, first: 0, last: 0 };
  const latestKey = useRef(key);
  const asked = useRef(new Set<string>());
  // The callbacks of the latest render, so a page answered late reports to the current ones.
  const callbacks = useRef({ fetchPage, onTotal, onError });
  useEffect(() => {
    callbacks.current = { fetchPage, onTotal, onError };
  });

  useEffect(() => {
    latestKey.current = key;
    asked.current = new Set([...asked.current].filter((a) => a.startsWith(`${key}#`)));
  }, [key]);

  const read = useCallback(
    (index: number) => {
      const id = `${key}#${String(index)}`;
      if (asked.current.has(id)) return;
      asked.current.add(id);
      callbacks.current.fetchPage(index * pageSize, pageSize).then(
        (page) => {
          if (key !== latestKey.current) return;
          setCache((old) => {
            const base = cacheFor(old, key, view);
            const pages = new Map(base.pages);
            pages.set(index, page.rows);
            return { ...base, pages, total: page.total };
          });
          callbacks.current.onTotal?.(page.total);
          callbacks.current.onError?.(null);
        },
        (error: unknown) => {
          asked.current.delete(id);
          if (key === latestKey.current) callbacks.current.onError?.(toCommandError(error));
        },
      );
    },
    [key, view, pageSize],
  );

  useEffect(() => {
    // At least the page where the table is: a new view's first, the same place after a
    // reload, and a reload that keeps an empty view's rows (none yet) must still read whether
    // there are some now.
    const firstPage = Math.floor(range.first / pageSize);
    const lastPage = Math.max(firstPage, Math.floor((range.last - 1) / pageSize));
    for (let page = firstPage; page <= lastPage; page += 1) read(page);
  }, [range.first, range.last, pageSize, read]);

  const rowAt = useCallback(
    (index: number) => shown.pages.get(Math.floor(index / pageSize))?.[index % pageSize],
    [shown, pageSize],
  );
  const showRange = useCallback(
    (first: number, last: number) => {
      setSeen((old) => (old.view === view && old.first === first && old.last === last ? old : { view, first, last }));
    },
    [view],
  );

  return { total: shown.total, rowAt, showRange };
}

/**
 * The rows inside a paged table's viewport, for a count to show, and the `onRangeChange` that
 * keeps them and reads the pages of the rows drawn (`showRange`).
 */
export function useSeenRange(showRange: (first: number, last: number) => void) {
  const [range, setRange] = useState({ first: 0, last: 0 });
  const onRangeChange = useCallback(
    (first: number, last: number, seen: { first: number; last: number }) => {
      showRange(first, last);
      setRange(seen);
    },
    [showRange],
  );
  return { range, onRangeChange };
}
