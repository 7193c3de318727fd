// Words for the overview: how long ago, how a run came out, what each setup step asks.

import type { RecentRun } from "../bindings/RecentRun";
import type { RunOutcome } from "../bindings/RunOutcome";
import type { SetupStep } from "../bindings/SetupStep";
import type { Screen } from "../app/screens";
import { counted, numberFormat } from "../shared/format";
import { capitalized } from "../sync/words";

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "just now", "5 minutes ago", "yesterday": `iso` as seen from `now`. */
export function agoWords(iso: string, now: string): string {
  const seconds = (new Date(iso).getTime() - new Date(now).getTime()) / 1000;
  if (Number.isNaN(seconds)) return iso;
  const past = Math.min(seconds, 0);
  if (past > -45) return "just now";
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ["minute", 60],
    ["hour", 3600],
    ["day", 86_400],
  ];
  let unit: Intl.RelativeTimeFormatUnit = "minute";
  let size = 60;
  for (const [u, s] of steps) {
    if (-past >= s) {
      unit = u;
      size = s;
    }
  }
  return relative.format(Math.round(past / size), unit);
}

export function outcomeWords(outcome: RunOutcome): string {
  switch (outcome) {
    case "planning":
      return "being planned";
    case "previewed":
      return "previewed";
    case "running":
      return "running";
    case "stopped":
      return "stopped, can be resumed";
    case "completed":
      return "completed";
    case "completed-with-failures":
      return "completed with failed rows";
  }
}

/** What the run did, the counts that matter for its kind and mode. */
export function runCountWords(run: RecentRun): string {
  const c = run.counts;
  if (run.mode === "preview") {
    const parts =
      run.kind === "undo"
        ? [`${counted(c.update, "value")} to restore`, `${counted(c.archive, "contact")} to archive`]
        : [`${numberFormat.format(c.update)} to update`, `${numberFormat.format(c.create)} to create`, `${numberFormat.format(c.skip)} skipped`];
    return parts.join(", ");
  }
  const parts =
    run.kind === "undo"
      ? [`${numberFormat.format(c.updated)} restored`, `${numberFormat.format(c.archived)} archived`]
      : [`${numberFormat.format(c.updated)} updated`, `${numberFormat.format(c.created)} created`];
  if (c.failed > 0) parts.push(`${numberFormat.format(c.failed)} failed`);
  if (c.pending > 0) parts.push(`${numberFormat.format(c.pending)} still to write`);
  return parts.join(", ");
}

export function kindWords(run: RecentRun): string {
  const kind = capitalized(run.kind);
  return run.mode === "preview" ? `${kind} preview` : kind;
}

/** Each setup step: what it asks, what is done when it is, and the screen that does it. */
export const SETUP_STEPS: Record<SetupStep, { todo: string; done: string; screen: Screen; action: string }> = {
  "portal-connected": {
    todo: "Connect a HubSpot portal, or use the built-in sandbox",
    done: "A portal is connected and answers",
    screen: "connection",
    action: "Open Connection",
  },
  "mapping-beyond-email": {
    todo: "Map lead fields beyond the email to HubSpot properties",
    done: "Lead fields are mapped to HubSpot properties",
    screen: "mapping",
    action: "Open Mapping",
  },
  "push-rules-decided": {
    todo: "Decide whether a push may create contacts HubSpot doesn't have",
    done: "The push rules are set",
    screen: "push-rules",
    action: "Open Push rules",
  },
  "leads-present": {
    todo: "Add leads: import a CSV file, add one, or pull contacts from HubSpot",
    done: "The lead store has leads",
    screen: "leads",
    action: "Open Leads",
  },
  "first-preview": {
    todo: "Preview a sync: see every change before anything is written",
    done: "A sync was previewed",
    screen: "sync",
    action: "Open Sync",
  },
  "first-live-run": {
    todo: "Run a previewed sync for real",
    done: "A sync ran for real",
    screen: "sync",
    action: "Open Sync",
  },
};
