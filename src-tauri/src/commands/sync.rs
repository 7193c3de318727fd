//! The Sync and History screens' commands: previews, live runs, cancel, resume, undo, retry of
//! failed rows, exports and the run history. Each is a thin call into `hubsync_sync` as the
//! command line makes it. A job runs on a thread of its own with its own store connection (the
//! shared one stays free for the other screens) and streams `SyncProgress` through a channel.

pub mod jobs;
pub mod progress;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use hubsync_auth::portals::{PortalClient, usable};
use hubsync_store::{Portal, Run, RunCounts, RunItemFilter, RunItemPage, RunKind, Store, StoreError, SystemClock};
use hubsync_sync::{Cancel, PushOptions, UndoOptions};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use ts_rs::TS;

use self::jobs::{
    JobKind, JobStart, JobStep, LastProgress, Prepared, SyncJobStatus, SyncJobs, store_error, sync_error,
};
use self::progress::{CountWatch, Reporter, SyncProgress};
use super::active;
use super::leads::{file_stamp, save_dir, unique_path};
use crate::error::CommandError;
use crate::workspace::{AppWorkspace, Workspace};

/// The reason a run cancelled from the Sync screen shows in its history.
pub const CANCELLED_IN_APP: &str = "cancelled in the app";
/// The most rows one page of a run's table carries.
const MAX_PAGE: u64 = 500;

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

/// A count of a kind-specific outcome of a plan, in words (a pull's "unchanged", an undo's
/// "changed in HubSpot since").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CountLine {
    pub key: String,
    pub label: String,
    #[ts(type = "number")]
    pub count: u64,
}

/// A recorded preview: what the live run would do and cost, and where.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PreviewSummary {
    #[ts(type = "number")]
    pub run_id: i64,
    pub kind: RunKind,
    /// The run an undo preview undoes.
    #[ts(type = "number | null")]
    pub undo_of: Option<i64>,
    #[ts(type = "number")]
    pub portal_id: u64,
    pub portal_name: String,
    /// Rows by planned action (update, create, skip, invalid, archive).
    pub counts: RunCounts,
    pub details: Vec<CountLine>,
    /// What the live run will cost: API calls and seconds at the portal's rate limit.
    #[ts(type = "number")]
    pub api_calls: u64,
    pub seconds: f64,
    /// Rows the live run writes; nothing to write means nothing to run.
    #[ts(type = "number")]
    pub writes: u64,
}

/// Where a run's export went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportedRun {
    #[ts(type = "number")]
    pub run_id: i64,
    pub folder: String,
    pub success_file: String,
    #[ts(type = "number")]
    pub success_rows: u64,
    pub error_file: String,
    #[ts(type = "number")]
    pub error_rows: u64,
}

/// One run with what belongs to it: the undo runs made of it, and the portal's name.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RunDetail {
    pub run: Run,
    pub undo_runs: Vec<Run>,
    pub portal_name: Option<String>,
}

/// What a preview reads, by kind.
enum PreviewRequest {
    Push { emails: Vec<String> },
    Pull,
    Undo { run_id: i64, options: UndoOptions },
}

impl PreviewRequest {
    fn kind(&self) -> RunKind {
        match self {
            PreviewRequest::Push { .. } => RunKind::Push,
            PreviewRequest::Pull => RunKind::Pull,
            PreviewRequest::Undo { .. } => RunKind::Undo,
        }
    }
}

/// Reads HubSpot's side and plans a push or pull, without writing; records the preview run and
/// keeps its plan for `sync_run`. `emails` picks the leads to push (none or empty: all).
#[tauri::command]
pub async fn sync_preview(
    workspace: State<'_, AppWorkspace>,
    jobs: State<'_, SyncJobs>,
    kind: SyncDirection,
    emails: Option<Vec<String>>,
    on_progress: Channel<SyncProgress>,
) -> Result<PreviewSummary, CommandError> {
    let request = match kind {
        SyncDirection::Push => PreviewRequest::Push { emails: clean_emails(emails.unwrap_or_default()) },
        SyncDirection::Pull => PreviewRequest::Pull,
    };
    preview(workspace.get()?, &jobs, request, sender(on_progress)).await
}

/// What undoing live run `run_id` would put back, recorded as a preview; `sync_run` runs it.
#[tauri::command]
pub async fn undo_preview(
    workspace: State<'_, AppWorkspace>,
    jobs: State<'_, SyncJobs>,
    run_id: i64,
    archive_created: bool,
    force: bool,
    on_progress: Channel<SyncProgress>,
) -> Result<PreviewSummary, CommandError> {
    let options = UndoOptions { archive_created, force, ..UndoOptions::default() };
    let request = PreviewRequest::Undo { run_id, options };
    preview(workspace.get()?, &jobs, request, sender(on_progress)).await
}

/// A push preview of the leads whose rows failed in push run `run_id`.
#[tauri::command]
pub async fn retry_failed(
    workspace: State<'_, AppWorkspace>,
    jobs: State<'_, SyncJobs>,
    run_id: i64,
    on_progress: Channel<SyncProgress>,
) -> Result<PreviewSummary, CommandError> {
    let ws = workspace.get()?;
    let emails = hubsync_sync::failed_emails(&*ws.store.lock().await, run_id).map_err(sync_error)?;
    preview(ws, &jobs, PreviewRequest::Push { emails }, sender(on_progress)).await
}

/// Runs the plan preview `preview_run_id` showed, for real; resolves to the finished run, or
/// the interrupted one (with its reason) when it was cancelled or stopped early.
#[tauri::command]
pub async fn sync_run(
    workspace: State<'_, AppWorkspace>,
    jobs: State<'_, SyncJobs>,
    preview_run_id: i64,
    on_progress: Channel<SyncProgress>,
) -> Result<Run, CommandError> {
    run_preview(workspace.get()?, &jobs, preview_run_id, Instant::now(), sender(on_progress)).await
}

/// Stops the running job: a preview between its reads (recording nothing), a live run between
/// batches or chunks (keeping its rows left to write for Resume).
#[tauri::command]
pub async fn sync_cancel(jobs: State<'_, SyncJobs>) -> Result<bool, CommandError> {
    Ok(jobs.cancel(CANCELLED_IN_APP))
}

/// What job runs now, if any, and how far it is: for a page that (re)loaded while the job went
/// on and so has no channel to it. A live run's rows and counts are read from the store.
#[tauri::command]
pub async fn sync_job_status(
    workspace: State<'_, AppWorkspace>,
    jobs: State<'_, SyncJobs>,
) -> Result<Option<SyncJobStatus>, CommandError> {
    let store = workspace.get()?.store.lock().await;
    jobs.status(&store, Instant::now()).map_err(store_error)
}

/// Finishes a live push, pull or undo that stopped early.
#[tauri::command]
pub async fn resume_run(
    workspace: State<'_, AppWorkspace>,
    jobs: State<'_, SyncJobs>,
    run_id: i64,
    on_progress: Channel<SyncProgress>,
) -> Result<Run, CommandError> {
    resume(workspace.get()?, &jobs, run_id, sender(on_progress)).await
}

/// Every run, newest first.
#[tauri::command]
pub async fn runs_list(workspace: State<'_, AppWorkspace>) -> Result<Vec<Run>, CommandError> {
    workspace.get()?.store.lock().await.runs().map_err(store_error)
}

#[tauri::command]
pub async fn run_detail(workspace: State<'_, AppWorkspace>, run_id: i64) -> Result<RunDetail, CommandError> {
    let store = workspace.get()?.store.lock().await;
    detail(&store, run_id)
}

/// A page of a run's rows, filtered, with how many rows match in all.
#[tauri::command]
pub async fn run_items_page(
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
    filter: RunItemFilter,
    offset: u64,
    limit: u64,
) -> Result<RunItemPage, CommandError> {
    let store = workspace.get()?.store.lock().await;
    store.run_items_page(run_id, &filter, offset, limit.min(MAX_PAGE)).map_err(store_error)
}

/// Writes a run's success and error files into the Downloads folder (the app's data folder
/// when there is none), in a folder of their own; returns where. A run of 100,000 rows takes a
/// moment: it is read on a connection of its own, off the UI thread.
#[tauri::command]
pub async fn export_run(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    run_id: i64,
) -> Result<ExportedRun, CommandError> {
    let base = save_dir(&app)?;
    let db_path = workspace.get()?.db_path.clone();
    let stamp = file_stamp();
    off_thread(move || async move { export_into(&open_job_store(&db_path)?, run_id, &base, &stamp) }).await
}

/// Opens an export's folder in the file manager (only a folder `export_run` made).
#[tauri::command]
pub async fn open_export_folder(app: AppHandle, folder: String) -> Result<(), CommandError> {
    let base = save_dir(&app)?;
    let folder = PathBuf::from(folder);
    let ours = folder.parent() == Some(base.as_path())
        && folder.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(EXPORT_PREFIX));
    if !ours || !folder.is_dir() {
        return Err(CommandError::new(
            "not_an_export",
            format!("{} is not a folder of this app's exports; export the run again.", folder.display()),
        ));
    }
    open::that_detached(&folder).map_err(|e| {
        CommandError::new("open_failed", format!("The export is in {}; it could not be opened: {e}", folder.display()))
    })
}

const EXPORT_PREFIX: &str = "hubsync-run-";

/// Exports run `run_id` into a new folder of `base` named after the run and `stamp`.
pub fn export_into(store: &Store, run_id: i64, base: &Path, stamp: &str) -> Result<ExportedRun, CommandError> {
    let folder = unique_path(base, &format!("{EXPORT_PREFIX}{run_id}"), "", stamp);
    let export = hubsync_sync::export_run(store, run_id, &folder).map_err(sync_error)?;
    Ok(ExportedRun {
        run_id,
        folder: folder.display().to_string(),
        success_file: export.success_file.display().to_string(),
        success_rows: export.success_rows,
        error_file: export.error_file.display().to_string(),
        error_rows: export.error_rows,
    })
}

pub fn detail(store: &Store, run_id: i64) -> Result<RunDetail, CommandError> {
    let run = store.run(run_id).map_err(store_error)?.ok_or_else(|| store_error(StoreError::RunNotFound(run_id)))?;
    let undo_runs = store.undo_runs_of(run_id).map_err(store_error)?;
    let portal_name = match run.portal_id {
        Some(id) => store.portal(id).map_err(store_error)?.map(|p| p.name),
        None => None,
    };
    Ok(RunDetail { run, undo_runs, portal_name })
}

/// Pasted emails, one per line or separated by commas, semicolons or spaces.
fn clean_emails(raw: Vec<String>) -> Vec<String> {
    raw.iter()
        .flat_map(|chunk| chunk.split(|c: char| c == ',' || c == ';' || c.is_whitespace()))
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// Sends on the page's channel; a page that went away just stops listening.
fn sender(channel: Channel<SyncProgress>) -> impl FnMut(SyncProgress) + Send + 'static {
    move |progress| {
        if let Err(error) = channel.send(progress) {
            tracing::debug!(%error, "the page stopped listening to a job's progress");
        }
    }
}

/// Keeps each progress message as the job's latest (for `sync_job_status`), then sends it.
fn tracked(
    last: LastProgress,
    mut send: impl FnMut(SyncProgress) + Send + 'static,
) -> impl FnMut(SyncProgress) + Send + 'static {
    move |progress| {
        *last.lock().unwrap_or_else(|e| e.into_inner()) = Some(progress.clone());
        send(progress)
    }
}

/// A job starting at `started`, now; `run_id` is the run a resume finishes.
async fn job_start(ws: &Workspace, started: Instant, run_id: Option<i64>) -> Result<JobStart, CommandError> {
    let runs_before = ws.store.lock().await.newest_run_id().map_err(store_error)?;
    let started_at = hubsync_store::Clock::now(&SystemClock).to_rfc3339();
    Ok(JobStart { started, started_at, runs_before, run_id })
}

/// The active portal, connected, with a client for a long job.
async fn connected(ws: &Workspace) -> Result<(Portal, PortalClient), CommandError> {
    let portal = active(ws).await?;
    usable(&portal)?;
    let client = ws.client_for(portal.clone(), |_| {})?;
    Ok((portal, client))
}

fn open_job_store(db_path: &Path) -> Result<Store, CommandError> {
    Store::open(db_path, Arc::new(SystemClock)).map_err(store_error)
}

/// Runs a job's future to its end on a blocking thread of its own: the core's futures borrow
/// the job's store and progress callback, so they stay on one thread, never the UI's.
async fn off_thread<T, Fut>(job: impl FnOnce() -> Fut + Send + 'static) -> Result<T, CommandError>
where
    T: Send + 'static,
    Fut: Future<Output = Result<T, CommandError>>,
{
    tauri::async_runtime::spawn_blocking(move || tauri::async_runtime::block_on(job())).await.map_err(|e| {
        CommandError::new("job_failed", format!("The job stopped unexpectedly: {e}. The logs say more."))
    })?
}

async fn preview(
    ws: &Workspace,
    jobs: &SyncJobs,
    request: PreviewRequest,
    send: impl FnMut(SyncProgress) + Send + 'static,
) -> Result<PreviewSummary, CommandError> {
    let (portal, client) = connected(ws).await?;
    let started = Instant::now();
    let kind = JobKind::new(JobStep::Preview, request.kind());
    let job = jobs.start(kind, portal.portal_id, job_start(ws, started, None).await?)?;
    let cancel = job.cancel.clone();
    let send = tracked(job.last.clone(), send);
    let db_path = ws.db_path.clone();
    let portal_id = portal.portal_id;
    let (summary, prepared) = off_thread(move || async move {
        let mut store = open_job_store(&db_path)?;
        let mut reporter = Reporter::new(send, started, None);
        let mut on_progress = |p| reporter.core(p, Instant::now());
        let prepared = match request {
            PreviewRequest::Push { emails } => {
                let options = PushOptions { emails, ..PushOptions::default() };
                hubsync_sync::prepare_push(&mut store, &client, &options, &cancel, &mut on_progress)
                    .await
                    .map(Prepared::Push)
            }
            PreviewRequest::Pull => {
                hubsync_sync::prepare_pull(&mut store, &client, &cancel, &mut on_progress).await.map(Prepared::Pull)
            }
            PreviewRequest::Undo { run_id, options } => hubsync_sync::prepare_undo(
                &mut store,
                &client,
                run_id,
                Some(portal_id),
                options,
                &cancel,
                &mut on_progress,
            )
            .await
            .map(Prepared::Undo),
        };
        // What reading learned about the session is kept whether or not the plan came out.
        client.record_outcome(&mut store).map_err(store_error)?;
        let prepared = prepared.map_err(sync_error)?;
        let run_id = prepared.record_preview(&mut store).map_err(sync_error)?;
        let run =
            store.run(run_id).map_err(store_error)?.ok_or_else(|| store_error(StoreError::RunNotFound(run_id)))?;
        Ok((summarize(&run, &prepared, &portal), prepared))
    })
    .await?;
    jobs.keep(summary.run_id, portal_id, started, prepared);
    Ok(summary)
}

fn line(key: &str, label: &str, count: u64) -> CountLine {
    CountLine { key: key.into(), label: label.into(), count }
}

fn summarize(run: &Run, prepared: &Prepared, portal: &Portal) -> PreviewSummary {
    let (estimate, undo_of, details, writes) = match prepared {
        Prepared::Push(p) => {
            let c = &p.counts;
            (&p.plan.estimate, None, Vec::new(), (c.update + c.create) as u64)
        }
        Prepared::Pull(p) => {
            let c = &p.counts;
            let details = vec![
                line("unchanged", "unchanged", c.unchanged as u64),
                line("no-email", "no email (skipped)", c.no_email as u64),
                line("already-in-store", "already in the store (skipped)", c.already_in_store as u64),
            ];
            (&p.plan.estimate, None, details, (c.new + c.update) as u64)
        }
        Prepared::Undo(p) => {
            let c = &p.counts;
            let details = vec![
                line("restore", "restore", c.restore),
                line("archive", "archive", c.archive),
                line("changed-since", "changed in HubSpot since", c.changed_since),
                line("nothing-to-do", "nothing to do", c.skip),
            ];
            (&p.plan.estimate, Some(p.undo_of), details, c.restore + c.archive)
        }
    };
    PreviewSummary {
        run_id: run.id,
        kind: run.kind,
        undo_of,
        portal_id: portal.portal_id,
        portal_name: portal.name.clone(),
        counts: run.counts.clone(),
        details,
        api_calls: estimate.api_calls,
        seconds: estimate.seconds,
        writes,
    }
}

/// The job's store and a second connection that watches the live run's counts.
fn job_stores(db_path: &Path) -> Result<(Store, Store), CommandError> {
    Ok((open_job_store(db_path)?, open_job_store(db_path)?))
}

pub(crate) async fn run_preview(
    ws: &Workspace,
    jobs: &SyncJobs,
    preview_run_id: i64,
    now: Instant,
    send: impl FnMut(SyncProgress) + Send + 'static,
) -> Result<Run, CommandError> {
    let (portal, client) = connected(ws).await?;
    // The slot first: a refused start must not lose the kept plan.
    let job =
        jobs.start(JobKind::new(JobStep::Run, RunKind::Push), portal.portal_id, job_start(ws, now, None).await?)?;
    let (prepared, preview_portal) = jobs.take(preview_run_id, now)?;
    job.set_kind(prepared.kind());
    if preview_portal != portal.portal_id {
        return Err(CommandError::new(
            "preview_stale",
            format!(
                "Preview again: preview {preview_run_id} was made for portal {preview_portal}, and {} is active now.",
                portal.label()
            ),
        ));
    }
    let cancel = job.cancel.clone();
    let send = tracked(job.last.clone(), send);
    let db_path = ws.db_path.clone();
    off_thread(move || async move {
        let (mut store, watch_store) = job_stores(&db_path)?;
        let watch = CountWatch::new_run(watch_store, prepared.kind()).map_err(store_error)?;
        let mut reporter = Reporter::new(send, now, Some(watch));
        let options = PushOptions::default();
        let run = match prepared {
            Prepared::Push(p) => {
                let mut on_progress = |p| reporter.core(p, Instant::now());
                hubsync_sync::run_push(&mut store, &client, p, &options, &cancel, &mut on_progress).await
            }
            Prepared::Undo(p) => {
                let mut on_progress = |p| reporter.core(p, Instant::now());
                let options = UndoOptions::default();
                hubsync_sync::run_undo(&mut store, &client, p, &options, &cancel, &mut on_progress).await
            }
            Prepared::Pull(p) => {
                // A live pull applies its plan to the store without calling HubSpot again.
                let mut on_progress = |p| reporter.core(p, Instant::now());
                hubsync_sync::run_pull(&mut store, p, &cancel, &mut on_progress)
            }
        };
        client.record_outcome(&mut store).map_err(store_error)?;
        run.map_err(sync_error)
    })
    .await
}

pub(crate) async fn resume(
    ws: &Workspace,
    jobs: &SyncJobs,
    run_id: i64,
    send: impl FnMut(SyncProgress) + Send + 'static,
) -> Result<Run, CommandError> {
    let run = ws.store.lock().await.run(run_id).map_err(store_error)?;
    let run = run.ok_or_else(|| store_error(StoreError::RunNotFound(run_id)))?;
    let db_path = ws.db_path.clone();
    let started = Instant::now();
    let kind = JobKind::new(JobStep::Resume, run.kind);
    if run.kind == RunKind::Pull {
        // A live pull's remaining rows are local writes: no connection needed.
        let at = job_start(ws, started, Some(run_id)).await?;
        let job = jobs.start(kind, run.portal_id.unwrap_or_default(), at)?;
        let cancel = job.cancel.clone();
        let send = tracked(job.last.clone(), send);
        return off_thread(move || async move {
            let (mut store, watch_store) = job_stores(&db_path)?;
            let mut reporter = Reporter::new(send, started, Some(CountWatch::run(watch_store, run_id, run.kind)));
            let mut on_progress = |p| reporter.core(p, Instant::now());
            hubsync_sync::resume_pull(&mut store, run_id, &cancel, &mut on_progress).map_err(sync_error)
        })
        .await;
    }
    let (portal, client) = connected(ws).await?;
    let job = jobs.start(kind, portal.portal_id, job_start(ws, started, Some(run_id)).await?)?;
    let cancel: Cancel = job.cancel.clone();
    let send = tracked(job.last.clone(), send);
    off_thread(move || async move {
        let (mut store, watch_store) = job_stores(&db_path)?;
        let mut reporter = Reporter::new(send, started, Some(CountWatch::run(watch_store, run_id, run.kind)));
        let mut on_progress = |p| reporter.core(p, Instant::now());
        let portal = Some(portal.portal_id);
        let resumed = if run.kind == RunKind::Undo {
            let options = UndoOptions::default();
            hubsync_sync::resume_undo(&mut store, &client, run_id, portal, &options, &cancel, &mut on_progress).await
        } else {
            let options = PushOptions::default();
            hubsync_sync::resume_push(&mut store, &client, run_id, portal, &options, &cancel, &mut on_progress).await
        };
        client.record_outcome(&mut store).map_err(store_error)?;
        resumed.map_err(sync_error)
    })
    .await
}

#[cfg(test)]
mod tests;
