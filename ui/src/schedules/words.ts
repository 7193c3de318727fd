// Words for schedules, from their codes: what they run, when, when next, and how the last
// firing went (its detail a code: an error's, or what it waited for).

import type { CadenceSpec } from "../bindings/CadenceSpec";
import type { LastFiringView } from "../bindings/LastFiringView";
import type { ScheduleScope } from "../bindings/ScheduleScope";
import { formatTime } from "../shared/format";

/** What each scope runs, in the order the form offers them. */
export const SCOPES: readonly { scope: ScheduleScope; label: string }[] = [
  { scope: "changed-leads", label: "Push the leads changed since their last push" },
  { scope: "all-leads", label: "Push every lead" },
  { scope: "pull-rules", label: "Pull contacts as the pull rules select them" },
];

export function scopeWords(scope: ScheduleScope): string {
  return SCOPES.find((s) => s.scope === scope)?.label ?? scope;
}

/** "Every 15 minutes", "Every 2 hours", "Daily at 07:00 (Europe/Paris)". */
export function cadenceWords(cadence: CadenceSpec, zone: string): string {
  switch (cadence.kind) {
    case "every": {
      const m = cadence.minutes;
      if (m % 60 === 0) return m === 60 ? "Every hour" : `Every ${String(m / 60)} hours`;
      return m === 1 ? "Every minute" : `Every ${String(m)} minutes`;
    }
    case "daily":
      return `Daily at ${cadence.at} (${zone})`;
    case "weekdays":
      return `Weekdays, Monday to Friday, at ${cadence.at} (${zone})`;
  }
}

/** How long until `iso`, from `nowMs`: "in 4 min", "in 2 h 5 min", "in 3 days"; "due now" once passed. */
export function untilWords(iso: string, nowMs: number): string {
  const seconds = (new Date(iso).getTime() - nowMs) / 1000;
  if (Number.isNaN(seconds)) return iso;
  if (seconds < 1) return "due now";
  if (seconds < 60) return "in under a minute";
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `in ${String(minutes)} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest === 0 ? `in ${String(hours)} h` : `in ${String(hours)} h ${String(rest)} min`;
  }
  return `in ${String(Math.round(hours / 24))} days`;
}

/** When a schedule fires next: "14 Dec 2026, 07:00 (in 4 min)", or why it doesn't. */
export function nextRunWords(nextRun: string | null, paused: boolean, nowMs: number): string {
  if (nextRun === null) return paused ? "Paused" : "Not while every schedule is paused";
  return `${formatTime(nextRun)} (${untilWords(nextRun, nowMs)})`;
}

/** A failed firing's error, by its code, in a few words; the code is shown beside them. */
const FAILED_BECAUSE: Partial<Record<string, string>> = {
  not_connected: "no portal was connected",
  reconnect_needed: "the portal needs connecting again",
  hubspot_unreachable: "HubSpot could not be reached",
  hubspot_interrupted: "the connection to HubSpot broke off",
  hubspot_unauthorized: "HubSpot refused the token",
  hubspot_forbidden: "HubSpot refused access",
  hubspot_rate_limited: "HubSpot's rate limit was reached",
  hubspot_daily_limit: "the portal's daily API limit was reached",
  daily_reserve_reached: "the API calls kept free for the portal's other apps were reached",
  hubspot_unavailable: "HubSpot was unavailable",
  hubspot_rejected: "HubSpot refused the request",
  missing_scopes: "the connection lacks a scope it needs",
  wrong_portal: "the token answers for another portal",
  run_in_progress: "another Hubsync was writing to the portal",
  lease_lost: "another Hubsync took the run over",
  cancelled: "it was cancelled",
  invalid_rule: "a pull rule is not valid",
  keychain_unavailable: "the token could not be read from the keychain",
  keychain_error: "the token could not be read from the keychain",
  store_busy: "the lead store was busy",
  internal: "an unexpected error (the logs say more)",
};

/** What a waiting firing waited for, from its detail: "run-12", "schedule-3", "job", "portal-not-active". */
function waitedFor(detail: string | null): string {
  if (detail === "job") return "another sync was running in this app";
  if (detail === "portal-not-active") return "its portal was not the active one";
  const run = /^run-(\d+)$/.exec(detail ?? "");
  if (run !== null) return `run ${run[1] ?? ""} was under way on the portal`;
  const schedule = /^schedule-(\d+)$/.exec(detail ?? "");
  if (schedule !== null) return `schedule ${schedule[1] ?? ""} was running`;
  return "another run of the portal was under way";
}

/** How a schedule's last firing came out, in words; its run (if any) is linked beside them. */
export function lastWords(last: LastFiringView): string {
  switch (last.outcome) {
    case "completed":
      return last.detail === "nothing-to-write" ? "Nothing to write" : "Completed";
    case "held":
      return "Held by a guardrail: approve or refuse it in History";
    case "stopped":
      return last.detail === "failed-share"
        ? "Stopped itself at the failed share: its other rows wait to be resumed"
        : "Stopped with rows left to write: resume it in History";
    case "failed": {
      const because = last.detail === null ? undefined : FAILED_BECAUSE[last.detail];
      return `Failed: ${because ?? "an error"}`;
    }
    case "waited":
      return `Waited for its next time: ${waitedFor(last.detail)}`;
  }
}

/** The computer's own time zone (IANA), the form's default. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Every IANA time zone the page knows, `also` among them, sorted. */
export function timeZones(also: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set([...known, also])].sort();
}
