//! The Sync and History screens: previews, live runs (or their holds), cancel, resume, undo,
//! retry of failed rows, exports and the run history. A job's progress goes to every page by one
//! route, the `sync-job` event, then an `ended` event once its command answered (a page that
//! reloaded meanwhile follows the job all the same). A live run's end (or hold) is also notified
//! to the OS when the window is not focused (`notices`).

use std::path::PathBuf;
use std::time::Instant;

use hubsync_api::files::file_stamp;
use hubsync_api::guardrails::LiveOutcome;
use hubsync_api::jobs::SyncJobStatus;
use hubsync_api::plans::{PlanRequest, PreviewSummary};
use hubsync_api::progress::SyncProgress;
use hubsync_api::runs::{self, ExportedRun, RunDetail};
use hubsync_api::sync::{self, SyncJobEvent, blocking, clean_emails};
use hubsync_store::{Run, RunAssociationPage, RunCompanyPage, RunItemFilter, RunItemPage, RunKind};
use hubsync_sync::UndoOptions;
use serde::Deserialize;
use tauri::{AppHandle, Emitter, State};
use ts_rs::TS;

use crate::error::CommandError;
use crate::folders::save_dir;
use crate::notices::{self, RunEnd};
use crate::state::AppWorkspace;
use hubsync_api::error::ErrorCode;

/// The event a job's progress and its end go out as.
pub const SYNC_JOB_EVENT: &str = "sync-job";
/// The reason a run cancelled from the Sync screen shows in its history.
pub const CANCELLED_IN_APP: &str = "cancelled in the app";

/// Which way a sync goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum SyncDirection {
    /// Leads to HubSpot contacts.
    Push,
    /// HubSpot contacts to leads.
    Pull,
}

/// Plans a push (of these emails; none: every lead) or a pull, writing nothing to HubSpot; the
/// preview is recorded and its plan kept for `sync_run`.
#[tauri::command]
pub async fn sync_preview(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    kind: SyncDirection,
    emails: Option<Vec<String>>,
) -> Result<PreviewSummary, CommandError> {
    let request = match kind {
        SyncDirection::Push => PlanRequest::push(clean_emails(emails.unwrap_or_default())),
        SyncDirection::Pull => PlanRequest::Pull,
    };
    preview(app, workspace.get().await?, request).await
}

/// What undoing live run `run_id` would put back, recorded as a preview; `sync_run` runs it.
#[tauri::command]
pub async fn undo_preview(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
    archive_created: bool,
    force: bool,
) -> Result<PreviewSummary, CommandError> {
    let request =
        PlanRequest::Undo { run_id, options: UndoOptions { archive_created, force, ..UndoOptions::default() } };
    preview(app, workspace.get().await?, request).await
}

/// A push preview of the leads whose rows failed in push run `run_id`.
#[tauri::command]
pub async fn retry_failed(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
) -> Result<PreviewSummary, CommandError> {
    preview(app, workspace.get().await?, PlanRequest::RetryFailed { run_id }).await
}

/// Runs the plan preview `preview_run_id` showed, for real, unless it crosses the active
/// portal's guardrails: then it is held, nothing written, for the admin to approve or refuse.
#[tauri::command]
pub async fn sync_run(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    preview_run_id: i64,
) -> Result<LiveOutcome, CommandError> {
    let ws = workspace.get().await?;
    let kind = run_kind(ws, preview_run_id).await?;
    let send = reporter(&app, ws);
    let outcome = sync::run_previewed(ws, preview_run_id, Instant::now(), send).await;
    let run_id = outcome.as_ref().ok().map(|o| match o {
        LiveOutcome::Ran { run } => run.id,
        LiveOutcome::Held { hold } => hold.run_id,
    });
    ended(&app, kind, run_id);
    notices::run_ended(&app, &RunEnd::from_outcome(kind, &outcome));
    outcome
}

/// Stops the running job: a preview between its reads (recording nothing), a live run between
/// batches (keeping its rows left to write for Resume).
#[tauri::command]
pub async fn sync_cancel(workspace: State<'_, AppWorkspace>) -> Result<bool, CommandError> {
    Ok(workspace.get().await?.jobs.cancel(CANCELLED_IN_APP))
}

/// What job runs now, if any, and how far it is: for a page that (re)loaded while it went on.
#[tauri::command]
pub async fn sync_job_status(workspace: State<'_, AppWorkspace>) -> Result<Option<SyncJobStatus>, CommandError> {
    sync::job_status(workspace.get().await?).await
}

/// Finishes a live push, pull or undo that stopped early.
#[tauri::command]
pub async fn resume_run(app: AppHandle, workspace: State<'_, AppWorkspace>, run_id: i64) -> Result<Run, CommandError> {
    let ws = workspace.get().await?;
    let kind = run_kind(ws, run_id).await?;
    let send = reporter(&app, ws);
    let run = sync::resume(ws, run_id, send).await;
    ended(&app, kind, Some(run_id));
    notices::run_ended(&app, &RunEnd::from_answer(kind, Some(run_id), &run));
    run
}

/// Every run, newest first.
#[tauri::command]
pub async fn runs_list(workspace: State<'_, AppWorkspace>) -> Result<Vec<Run>, CommandError> {
    runs::list(&*workspace.get().await?.store.lock().await)
}

#[tauri::command]
pub async fn run_detail(workspace: State<'_, AppWorkspace>, run_id: i64) -> Result<RunDetail, CommandError> {
    runs::detail(&*workspace.get().await?.store.lock().await, run_id)
}

#[tauri::command]
pub async fn run_items_page(
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
    filter: RunItemFilter,
    offset: u64,
    limit: u64,
) -> Result<RunItemPage, CommandError> {
    runs::items_page(&*workspace.get().await?.store.lock().await, run_id, &filter, offset, limit)
}

/// Up to `limit` of a push's company rows after row `after_seq` (-1: from the first), in order.
#[tauri::command]
pub async fn run_companies_page(
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
    after_seq: i64,
    limit: u64,
) -> Result<RunCompanyPage, CommandError> {
    runs::companies_page(&*workspace.get().await?.store.lock().await, run_id, after_seq, limit)
}

/// Up to `limit` of a push's association rows after row `after_seq` (-1: from the first), in order.
#[tauri::command]
pub async fn run_associations_page(
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
    after_seq: i64,
    limit: u64,
) -> Result<RunAssociationPage, CommandError> {
    runs::associations_page(&*workspace.get().await?.store.lock().await, run_id, after_seq, limit)
}

/// Writes a run's success and error files into a folder of their own in the Downloads folder.
#[tauri::command]
pub async fn export_run(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
) -> Result<ExportedRun, CommandError> {
    let base = save_dir(&app)?;
    let store = workspace.get().await?.open_job_store()?;
    blocking(move || runs::export_into(&store, run_id, &base, &file_stamp())).await
}

/// Opens an export's folder in the file manager (only a folder `export_run` made).
#[tauri::command]
pub async fn open_export_folder(app: AppHandle, folder: String) -> Result<(), CommandError> {
    let folder = PathBuf::from(folder);
    if !runs::is_export_folder(&save_dir(&app)?, &folder) {
        return Err(CommandError::new(
            ErrorCode::NotAnExport,
            format!("{} is not a folder of this app's exports; export the run again.", folder.display()),
        ));
    }
    super::open_with_system(&folder.display().to_string(), "The export")
}

async fn preview(
    app: AppHandle,
    ws: &hubsync_api::Workspace,
    request: PlanRequest,
) -> Result<PreviewSummary, CommandError> {
    let kind = request.kind();
    let send = reporter(&app, ws);
    let summary = sync::preview(ws, request, send).await;
    ended(&app, kind, summary.as_ref().ok().map(|s| s.run_id));
    summary
}

/// Sends each progress message to every page as the job's status.
pub(crate) fn reporter(app: &AppHandle, ws: &hubsync_api::Workspace) -> impl FnMut(SyncProgress) + Send + 'static {
    let app = app.clone();
    let jobs = ws.jobs.clone();
    move |progress| {
        if let Some(job) = jobs.snapshot(progress, Instant::now()) {
            emit(&app, SyncJobEvent::Progress { job });
        }
    }
}

/// The kind of run `run_id` (a preview's kind is its live run's).
pub(crate) async fn run_kind(ws: &hubsync_api::Workspace, run_id: i64) -> Result<RunKind, CommandError> {
    Ok(runs::get(&*ws.store.lock().await, run_id)?.kind)
}

pub(crate) fn ended(app: &AppHandle, kind: RunKind, run_id: Option<i64>) {
    emit(app, SyncJobEvent::Ended { kind, run_id });
}

fn emit(app: &AppHandle, event: SyncJobEvent) {
    if let Err(error) = app.emit(SYNC_JOB_EVENT, event) {
        tracing::debug!(%error, "a job's event could not be sent");
    }
}
