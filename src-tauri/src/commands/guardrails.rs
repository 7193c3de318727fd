//! The Guardrails screen and held runs: the active portal's limits on every live run, the runs
//! they held, and approving (as a job, like a run) or refusing one.

use hubsync_api::guardrails;
use hubsync_api::sync;
use hubsync_store::{Guardrails, Run, RunHold};
use tauri::{AppHandle, State};

use crate::commands::sync::{ended, reporter, run_kind};
use crate::error::CommandError;
use crate::notices::{self, RunEnd};
use crate::state::AppWorkspace;

/// The active portal's guardrails (none set: no limits).
#[tauri::command]
pub async fn guardrails(workspace: State<'_, AppWorkspace>) -> Result<Guardrails, CommandError> {
    guardrails::get(&*workspace.get().await?.store.lock().await)
}

/// Saves the active portal's guardrails, checked whole first; answers with them as saved.
#[tauri::command]
pub async fn set_guardrails(
    workspace: State<'_, AppWorkspace>,
    limits: Guardrails,
) -> Result<Guardrails, CommandError> {
    guardrails::set(&mut *workspace.get().await?.store.lock().await, &limits)
}

/// The active portal's runs a guardrail held, waiting for approval, newest first.
#[tauri::command]
pub async fn held_runs(workspace: State<'_, AppWorkspace>) -> Result<Vec<RunHold>, CommandError> {
    guardrails::held_runs(&*workspace.get().await?.store.lock().await)
}

/// Approves held run `run_id` once: planned again and run as the app's job (its progress and
/// end go out as a run's do); answers with the live run.
#[tauri::command]
pub async fn approve_held_run(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
) -> Result<Run, CommandError> {
    let ws = workspace.get().await?;
    let kind = run_kind(ws, run_id).await?;
    let send = reporter(&app, ws);
    let run = sync::approve_held(ws, run_id, send).await;
    ended(&app, kind, run.as_ref().ok().map(|r| r.id));
    notices::run_ended(&app, &RunEnd::from_answer(kind, Some(run_id), &run));
    run
}

/// Refuses held run `run_id`: it is never run.
#[tauri::command]
pub async fn refuse_held_run(workspace: State<'_, AppWorkspace>, run_id: i64) -> Result<RunHold, CommandError> {
    guardrails::refuse(&mut *workspace.get().await?.store.lock().await, run_id)
}
