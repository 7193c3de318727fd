// Schedules for the Schedules screen's and the overview card's tests.

import type { ScheduleView } from "../bindings/ScheduleView";

/** Schedule 3: a push of the changed leads every 15 minutes, next at 12:04:10 UTC, its last run completed. */
export function schedule(overrides: Partial<ScheduleView> = {}): ScheduleView {
  return {
    id: 3,
    portal_id: 4_412_345,
    scope: "changed-leads",
    cadence: { kind: "every", minutes: 15 },
    zone: "Europe/Paris",
    paused: false,
    notify_success: false,
    next_run: "2026-12-07T12:04:10Z",
    last: { outcome: "completed", run_id: 12, detail: null, ended_at: "2026-12-07T11:50:00Z" },
    ...overrides,
  };
}
