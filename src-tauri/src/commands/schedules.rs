//! The Schedules screen: the active portal's scheduled pushes and pulls, added, paused and
//! removed here; the app's timer fires them (`hubsync_api::schedules::run_due`). The clock is
//! read here, at the edge.

use hubsync_api::schedules::{self, NewSchedule, ScheduleView, SchedulesSummary};
use hubsync_store::{Clock, SystemClock};
use tauri::State;

use crate::error::CommandError;
use crate::state::AppWorkspace;

/// The active portal's schedules with "pause all", the next run and the last outcome.
#[tauri::command]
pub async fn schedules(workspace: State<'_, AppWorkspace>) -> Result<SchedulesSummary, CommandError> {
    schedules::active_summary(&*workspace.get().await?.store.lock().await, SystemClock.now())
}

/// Adds a schedule to the active portal, its slots counted from now.
#[tauri::command]
pub async fn add_schedule(
    workspace: State<'_, AppWorkspace>,
    schedule: NewSchedule,
) -> Result<ScheduleView, CommandError> {
    schedules::add(&mut *workspace.get().await?.store.lock().await, &schedule, SystemClock.now())
}

/// Removes a schedule; the runs it started stay in History.
#[tauri::command]
pub async fn remove_schedule(workspace: State<'_, AppWorkspace>, id: i64) -> Result<(), CommandError> {
    schedules::remove(&mut *workspace.get().await?.store.lock().await, id)
}

/// Pauses a schedule, or lets it fire again from now on.
#[tauri::command]
pub async fn pause_schedule(
    workspace: State<'_, AppWorkspace>,
    id: i64,
    paused: bool,
) -> Result<ScheduleView, CommandError> {
    schedules::set_paused(&mut *workspace.get().await?.store.lock().await, id, paused, SystemClock.now())
}

/// "Pause all" for the active portal's schedules, or lets them fire again.
#[tauri::command]
pub async fn pause_all_schedules(
    workspace: State<'_, AppWorkspace>,
    paused: bool,
) -> Result<SchedulesSummary, CommandError> {
    schedules::set_all_paused(&mut *workspace.get().await?.store.lock().await, paused, SystemClock.now())
}
