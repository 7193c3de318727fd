// The Schedules screen's commands (src-tauri/src/commands/schedules.rs). The app's timer fires
// the schedules; these list, add, pause and remove them.

import type { NewSchedule } from "../bindings/NewSchedule";
import type { SchedulesSummary } from "../bindings/SchedulesSummary";
import type { ScheduleView } from "../bindings/ScheduleView";
import { call } from "../shared/ipc";

/** The active portal's schedules, with "pause all", the next run and the last outcome. */
export function schedules(): Promise<SchedulesSummary> {
  return call("schedules");
}

/** Adds a schedule to the active portal; its cadence and zone are checked by the core. */
export function addSchedule(schedule: NewSchedule): Promise<ScheduleView> {
  return call("add_schedule", { schedule });
}

/** Removes a schedule; the runs it started stay in History. */
export function removeSchedule(id: number): Promise<void> {
  return call("remove_schedule", { id });
}

/** Pauses a schedule, or lets it fire again from now on. */
export function pauseSchedule(id: number, paused: boolean): Promise<ScheduleView> {
  return call("pause_schedule", { id, paused });
}

/** Pauses every schedule of the active portal, or lets them fire again. */
export function pauseAllSchedules(paused: boolean): Promise<SchedulesSummary> {
  return call("pause_all_schedules", { paused });
}
