// Words and figures for runs: durations, time left, actions and outcomes.

import type { ItemOutcome } from "../bindings/ItemOutcome";
import type { PreviewSummary } from "../bindings/PreviewSummary";
import type { Run } from "../bindings/Run";
import type { RunAction } from "../bindings/RunAction";
import type { RunKind } from "../bindings/RunKind";
import type { SyncProgress } from "../bindings/SyncProgress";
import type { Portal } from "../bindings/Portal";
import { asksForName } from "../shared/environment";
import { isSandbox, numberFormat } from "../shared/format";

/** "under a second", "42 s", "3 min", "1 h 5 min". */
export function durationWords(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 1) return "under a second";
  if (seconds < 90) return `${String(Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${String(minutes)} min`;
  return `${String(Math.floor(minutes / 60))} h ${String(minutes % 60)} min`;
}

/** A duration as an estimate: "about 42 s", but "under a second" as it is. */
export function aboutDuration(seconds: number): string {
  const words = durationWords(seconds);
  return words === "under a second" ? words : `about ${words}`;
}

/**
 * Seconds left of a job: from the rate so far once rows are done, else what the preview
 * estimated less the time gone; `null` when neither says.
 */
export function secondsLeft(progress: SyncProgress, estimate: number | null): number | null {
  const elapsed = progress.elapsed_ms / 1000;
  if (progress.done > 0 && elapsed > 0) {
    return ((progress.total - progress.done) * elapsed) / progress.done;
  }
  if (estimate !== null) return Math.max(estimate - elapsed, 0);
  return null;
}

/** How long a run took, or "still running". */
export function runDuration(run: Run): string {
  if (run.ended_at === null) return run.status === "running" ? "still running" : "—";
  const ms = new Date(run.ended_at).getTime() - new Date(run.started_at).getTime();
  if (Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${String(ms)} ms`;
  // Short runs to a tenth of a second, so two quick runs can be told apart.
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : durationWords(ms / 1000);
}

/** The planned actions a kind of run has, in the order the counts show. */
export function actionsOf(kind: RunKind): RunAction[] {
  switch (kind) {
    case "push":
      return ["update", "create", "skip", "invalid"];
    case "pull":
      return ["create", "update", "skip", "invalid"];
    case "undo":
      return ["update", "archive", "skip"];
  }
}

export function actionLabel(kind: RunKind, action: RunAction): string {
  if (kind === "pull" && action === "create") return "new lead";
  if (kind === "pull" && action === "update") return "update lead";
  if (kind === "undo" && action === "update") return "restore";
  return action;
}

export function outcomeLabel(outcome: ItemOutcome | null): string {
  return outcome ?? "pending";
}

/** What a kept field says: the value already there stays. */
export function keptWords(kind: RunKind): string {
  return kind === "pull" ? "kept, lead value not empty" : "kept, HubSpot value not empty";
}

/** Where a run writes, in words. */
export function targetWords(summary: PreviewSummary, portal: Pick<Portal, "portal_id" | "token_kind"> | null): string {
  return summary.kind === "pull" ? "the lead store" : portalWords(summary, portal);
}

/** The portal a run reads or writes, as its confirmation names it; `portal` is the active one. */
export function portalWords(summary: PreviewSummary, portal: Pick<Portal, "portal_id" | "token_kind"> | null): string {
  const id = String(summary.portal_id);
  if (portal?.portal_id === summary.portal_id && isSandbox(portal)) return `the built-in sandbox portal (${id})`;
  return `HubSpot portal ${summary.portal_name} (${id})`;
}

/** The emails pasted or typed: one per line, or separated by commas, semicolons or spaces. */
export function parseEmails(text: string): string[] {
  return text.split(/[\s,;]+/).filter((e) => e !== "");
}

/** Which rows of how many a list shows: "Rows 1–40 of 1,200" (`noun` "row"), or "0 rows". */
export function shownRowsWords(range: { first: number; last: number }, total: number, noun: string): string {
  if (total === 0) return `0 ${noun}s`;
  const last = Math.min(range.last, total);
  return `${capitalized(noun)}s ${numberFormat.format(range.first + 1)}–${numberFormat.format(last)} of ${numberFormat.format(total)}`;
}

export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a push preview", "a pull", "an undo". */
export function jobWords(kind: RunKind, preview: boolean): string {
  const article = kind === "undo" ? "an" : "a";
  return `${article} ${kind}${preview ? " preview" : ""}`;
}

/**
 * A running job in one line, for the indicator every screen shows: "Push running — 1,234 of
 * 5,000 · 40 s left", "Pull preview — reading 300 of 1,000".
 */
export function indicatorWords(
  kind: RunKind,
  preview: boolean,
  progress: SyncProgress | null,
  estimate: number | null,
  cancelling: boolean,
): string {
  const name = capitalized(kind);
  if (cancelling) return `${name}${preview ? " preview" : ""} stopping…`;
  const head = preview ? `${name} preview —` : `${name} running —`;
  if (progress === null || progress.total === 0) return `${head} starting…`;
  if (preview) return `${head} reading ${readWords(progress)}`;
  const rows = `${numberFormat.format(progress.done)} of ${numberFormat.format(progress.total)}`;
  const left = secondsLeft(progress, estimate);
  return `${head} ${rows}${left === null ? "" : ` · ${durationWords(left)} left`}`;
}

/**
 * How far a preview's reading is: "300 of 1,237", or "300 so far" where HubSpot gives no total
 * (a pull of every contact pages through the list, whose total is what has come in).
 */
export function readWords(progress: SyncProgress): string {
  const done = numberFormat.format(progress.done);
  return progress.done < progress.total ? `${done} of ${numberFormat.format(progress.total)}` : `${done} so far`;
}

/**
 * The portal name the admin types before a live run of `kind` to portal `portalId` (named
 * `portalName`): asked when it writes to a production HubSpot portal, a push or an undo (a pull
 * writes only the lead store) to a portal not known to be a sandbox or test account.
 */
export function nameToType(
  kind: RunKind,
  portalId: number | null,
  portalName: string | null,
  active: Portal | null,
): string | undefined {
  if (kind === "pull" || portalName === null) return undefined;
  const portal = active !== null && active.portal_id === portalId ? active : null;
  return portal === null || asksForName(portal) ? portalName : undefined;
}
