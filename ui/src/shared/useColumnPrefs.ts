// Which columns a table shows and how wide they are, remembered per table on this computer.

import { useCallback, useEffect, useState } from "react";

/** Column id → false when hidden (a column not named is shown). */
export type ColumnVisibility = Record<string, boolean>;
/** Column id → width in pixels (a column not named has its default width). */
export type ColumnWidths = Record<string, number>;

export interface ColumnPrefs {
  visibility: ColumnVisibility;
  widths: ColumnWidths;
}

const EMPTY: ColumnPrefs = { visibility: {}, widths: {} };

/** Where a table's choices are kept in localStorage. */
export function columnPrefsKey(tableId: string): string {
  return `hubsync.columns.${tableId}`;
}

/** Only what a saved value holds of the right shape: a hand-edited or older entry can't break the table. */
function entries<T>(value: unknown, keep: (v: unknown) => v is T): Record<string, T> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, T] => keep(entry[1])));
}

const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
const isWidth = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;

export function readColumnPrefs(tableId: string): ColumnPrefs {
  let saved: unknown;
  try {
    saved = JSON.parse(window.localStorage.getItem(columnPrefsKey(tableId)) ?? "null");
  } catch {
    return EMPTY;
  }
  if (typeof saved !== "object" || saved === null) return EMPTY;
  const { visibility, widths } = saved as Record<string, unknown>;
  return { visibility: entries(visibility, isBoolean), widths: entries(widths, isWidth) };
}

function writeColumnPrefs(tableId: string, prefs: ColumnPrefs) {
  // Only what differs from the defaults: a column shown again is as if never hidden.
  const hidden = Object.fromEntries(Object.entries(prefs.visibility).filter(([, shown]) => !shown));
  try {
    if (Object.keys(hidden).length === 0 && Object.keys(prefs.widths).length === 0) {
      window.localStorage.removeItem(columnPrefsKey(tableId));
    } else {
      window.localStorage.setItem(columnPrefsKey(tableId), JSON.stringify({ visibility: hidden, widths: prefs.widths }));
    }
  } catch {
    // A full or refused storage only means the choice isn't remembered next time.
  }
}

type Update<T> = T | ((old: T) => T);

function apply<T>(update: Update<T>, old: T): T {
  return typeof update === "function" ? (update as (old: T) => T)(old) : update;
}

/**
 * The columns a table shows and their widths, read from and written to localStorage under
 * `tableId`, so a table opens as it was left.
 */
export function useColumnPrefs(tableId: string) {
  const [prefs, setPrefs] = useState<{ tableId: string; value: ColumnPrefs }>(() => ({
    tableId,
    value: readColumnPrefs(tableId),
  }));
  // Another table id (the same component showing another table) reads its own choices.
  const current = prefs.tableId === tableId ? prefs.value : readColumnPrefs(tableId);
  if (prefs.tableId !== tableId) setPrefs({ tableId, value: current });

  useEffect(() => {
    writeColumnPrefs(prefs.tableId, prefs.value);
  }, [prefs]);

  const setVisibility = useCallback(
    (update: Update<ColumnVisibility>) => {
      setPrefs((old) => ({ ...old, value: { ...old.value, visibility: apply(update, old.value.visibility) } }));
    },
    [],
  );
  const setWidths = useCallback((update: Update<ColumnWidths>) => {
    setPrefs((old) => ({ ...old, value: { ...old.value, widths: apply(update, old.value.widths) } }));
  }, []);
  const reset = useCallback(() => {
    setPrefs((old) => ({ ...old, value: EMPTY }));
  }, []);

  return { visibility: current.visibility, widths: current.widths, setVisibility, setWidths, reset };
}
