// Rows a command reads after a row's key (`after_seq`, -1 for the first), for a table that asks
// for them by place (`usePagedRows`): page n is read after page n-1's last row, each page once,
// so a jump to a far page reads the pages before it first.

import type { RowsPage } from "./usePagedRows";

/**
 * The `fetchPage` of `usePagedRows` over `readAfter`. `total` is every row's count, known
 * beforehand (a run's counts); one `keysetPages` serves one view of one run.
 */
export function keysetPages<T>(
  readAfter: (afterSeq: number, limit: number) => Promise<T[]>,
  seqOf: (row: T) => number,
  total: number,
  pageSize: number,
): (offset: number, limit: number) => Promise<RowsPage<T>> {
  const pages = new Map<number, Promise<T[]>>();
  const page = (index: number): Promise<T[]> => {
    const known = pages.get(index);
    if (known !== undefined) return known;
    const after: Promise<number | null> =
      index === 0
        ? Promise.resolve(-1)
        : page(index - 1).then((rows) => {
            const last = rows.at(-1);
            return last === undefined ? null : seqOf(last);
          });
    const read = after.then((seq) => (seq === null ? [] : readAfter(seq, pageSize)));
    pages.set(index, read);
    // A page that failed is read again when asked again.
    read.catch(() => {
      pages.delete(index);
    });
    return read;
  };
  return (offset) => page(Math.floor(offset / pageSize)).then((rows) => ({ rows, total }));
}
