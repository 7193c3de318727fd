// What the History chart draws: live runs' records changed and failed, per day.

import type { Run } from "../bindings/Run";

export interface ChartDay {
  /** The day, YYYY-MM-DD (UTC, as the runs' times are kept). */
  day: string;
  runs: number;
  /** Records a run wrote: updated, created, archived. */
  changed: number;
  failed: number;
}

/** Live runs grouped by the day they started, oldest first; previews change nothing and are left out. */
export function chartData(runs: readonly Run[]): ChartDay[] {
  const days = new Map<string, ChartDay>();
  for (const run of runs) {
    if (run.mode !== "live") continue;
    const day = run.started_at.slice(0, 10);
    const entry = days.get(day) ?? { day, runs: 0, changed: 0, failed: 0 };
    entry.runs += 1;
    entry.changed += run.counts.updated + run.counts.created + run.counts.archived;
    entry.failed += run.counts.failed;
    days.set(day, entry);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/** The chart in one sentence, for everyone who doesn't see it. */
export function chartSummary(days: readonly ChartDay[]): string {
  if (days.length === 0) return "No live runs yet: previews change nothing, so they are not charted.";
  const runs = days.reduce((n, d) => n + d.runs, 0);
  const changed = days.reduce((n, d) => n + d.changed, 0);
  const failed = days.reduce((n, d) => n + d.failed, 0);
  const span =
    days.length === 1 ? `on ${days[0]?.day ?? ""}` : `from ${days[0]?.day ?? ""} to ${days.at(-1)?.day ?? ""}`;
  return `${String(runs)} live ${runs === 1 ? "run" : "runs"} ${span}: ${String(changed)} records changed, ${String(failed)} failed.`;
}
