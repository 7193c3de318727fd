//! Sync jobs as a long-lived shell (the app) runs them: one at a time per process, each on a
//! thread of its own with its own store connection (the shared one stays free for everything
//! else), reporting `SyncProgress` as it goes; a preview's plan is kept so that "run for real"
//! runs exactly what the admin looked at.

use std::future::Future;
use std::time::Instant;

use hubsync_store::{Run, RunKind, SystemClock};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::guardrails::{self, LiveOutcome};
use crate::jobs::{JobKind, JobStart, JobStep, LastProgress, SyncJobStatus, stop_when_portal_leaves};
use crate::plans::{self, CONCURRENCY, Plan, PlanRequest, PreviewSummary};
use crate::progress::{CountWatch, Reporter, SyncProgress};
use crate::workspace::{Workspace, open_store_at};

/// What a shell hears of a job: its progress while it runs, then that it ended (after the call
/// that ran it answered), so a page that reloaded meanwhile can follow it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum SyncJobEvent {
    Progress {
        job: SyncJobStatus,
    },
    Ended {
        kind: RunKind,
        #[ts(type = "number | null")]
        run_id: Option<i64>,
    },
}

/// Plans `request` on the active portal without writing to HubSpot, records the preview run and
/// keeps its plan for `run_previewed`.
pub async fn preview(
    ws: &Workspace,
    request: PlanRequest,
    send: impl FnMut(SyncProgress) + Send + 'static,
) -> Result<PreviewSummary, ApiError> {
    let (portal, client) = ws.connected(|_| {}).await?;
    let started = Instant::now();
    let kind = JobKind::new(JobStep::Preview, request.kind());
    let job = ws.jobs.start(kind, portal.portal_id, job_start(started, None))?;
    let cancel = job.cancel.clone();
    let _watch = stop_when_portal_leaves(ws.db_path.clone(), portal.portal_id, cancel.clone());
    let send = tracked(job.last.clone(), send);
    let db_path = ws.db_path.clone();
    let portal_id = portal.portal_id;
    let kept_request = request.clone();
    let (summary, plan) = off_thread(move || async move {
        let mut store = open_store_at(&db_path)?;
        let mut reporter = Reporter::new(send, started, None);
        let mut on_progress = |p| reporter.core(p, Instant::now());
        let plan = Plan::prepare(&mut store, &client, request, CONCURRENCY, &cancel, &mut on_progress).await;
        // What reading learned about the session is kept whether or not the plan came out.
        client.record_outcome(&mut store)?;
        let plan = plan?;
        let run_id = plan.record(&mut store)?;
        let run = crate::runs::get(&store, run_id)?;
        Ok((plan.summary(&store, &run, &portal)?, plan))
    })
    .await?;
    ws.jobs.keep(summary.run_id, portal_id, started, plan, kept_request);
    Ok(summary)
}

/// Runs the plan preview `preview_run_id` showed, for real, unless it crosses the active
/// portal's guardrails: then it is held, nothing written. Answers with the finished run, the
/// interrupted one (with its reason) when it was cancelled or stopped early, or the hold.
pub async fn run_previewed(
    ws: &Workspace,
    preview_run_id: i64,
    now: Instant,
    send: impl FnMut(SyncProgress) + Send + 'static,
) -> Result<LiveOutcome, ApiError> {
    let (portal, client) = ws.connected(|_| {}).await?;
    // The slot first: a refused start must not lose the kept plan.
    let at = job_start(now, None);
    let job = ws.jobs.start(JobKind::new(JobStep::Run, RunKind::Push), portal.portal_id, at)?;
    let (plan, preview_portal, request) = ws.jobs.take(preview_run_id, now)?;
    job.set_kind(plan.kind());
    if preview_portal != portal.portal_id {
        return Err(ApiError::new(
            ErrorCode::PreviewStale,
            format!(
                "Preview again: preview {preview_run_id} was made for portal {preview_portal}, and {} is active now.",
                portal.label()
            ),
        ));
    }
    let cancel = job.cancel.clone();
    let _watch = stop_when_portal_leaves(ws.db_path.clone(), portal.portal_id, cancel.clone());
    let send = tracked(job.last.clone(), send);
    let db_path = ws.db_path.clone();
    off_thread(move || async move {
        let (mut store, mut reporter) = live_job(&db_path, now, send)?;
        let limits = store.guardrails()?;
        if let Some(hold) = guardrails::hold_if_crossed(&mut store, &plan, &request, &limits)? {
            return Ok(LiveOutcome::Held { hold });
        }
        let mut on_progress = |p| reporter.core(p, Instant::now());
        let run = plan.run(&mut store, &client, CONCURRENCY, &limits, &cancel, &mut on_progress).await;
        client.record_outcome(&mut store)?;
        Ok(LiveOutcome::Ran { run: run? })
    })
    .await
}

/// Approves held run `run_id` once (`guardrails::approve`: planned again, run within what was
/// approved), as the process's one job.
pub async fn approve_held(
    ws: &Workspace,
    run_id: i64,
    send: impl FnMut(SyncProgress) + Send + 'static,
) -> Result<Run, ApiError> {
    let (portal, client) = ws.connected(|_| {}).await?;
    let started = Instant::now();
    let kind = crate::runs::get(&*ws.store.lock().await, run_id)?.kind;
    let job = ws.jobs.start(JobKind::new(JobStep::Run, kind), portal.portal_id, job_start(started, None))?;
    let cancel = job.cancel.clone();
    let _watch = stop_when_portal_leaves(ws.db_path.clone(), portal.portal_id, cancel.clone());
    let send = tracked(job.last.clone(), send);
    let db_path = ws.db_path.clone();
    off_thread(move || async move {
        let (mut store, mut reporter) = live_job(&db_path, started, send)?;
        let mut on_progress = |p| reporter.core(p, Instant::now());
        let run = guardrails::approve(&mut store, &client, run_id, CONCURRENCY, &cancel, &mut on_progress).await;
        client.record_outcome(&mut store)?;
        run
    })
    .await
}

/// Finishes a live push, pull or undo that stopped early.
pub async fn resume(
    ws: &Workspace,
    run_id: i64,
    send: impl FnMut(SyncProgress) + Send + 'static,
) -> Result<Run, ApiError> {
    let run = crate::runs::get(&*ws.store.lock().await, run_id)?;
    let started = Instant::now();
    let (portal_id, client) = if plans::needs_connection(run.kind) {
        let (portal, client) = ws.connected(|_| {}).await?;
        (portal.portal_id, Some(client))
    } else {
        (run.portal_id.unwrap_or_default(), None)
    };
    let at = job_start(started, Some(run_id));
    let job = ws.jobs.start(JobKind::new(JobStep::Resume, run.kind), portal_id, at)?;
    let cancel = job.cancel.clone();
    // A pull's resume writes only the store: its portal may come and go meanwhile.
    let _watch = client.as_ref().map(|_| stop_when_portal_leaves(ws.db_path.clone(), portal_id, cancel.clone()));
    let send = tracked(job.last.clone(), send);
    let db_path = ws.db_path.clone();
    off_thread(move || async move {
        let (mut store, mut reporter) = live_job(&db_path, started, send)?;
        let mut on_progress = |p| reporter.core(p, Instant::now());
        let limits = store.guardrails()?;
        let resumed =
            plans::resume(&mut store, run_id, client.as_ref(), CONCURRENCY, &limits, &cancel, &mut on_progress).await;
        if let Some(client) = &client {
            client.record_outcome(&mut store)?;
        }
        Ok(resumed?)
    })
    .await
}

/// What job runs now, if any, and how far it is; a live run's rows and counts are read from
/// the store.
pub async fn job_status(ws: &Workspace) -> Result<Option<SyncJobStatus>, ApiError> {
    let store = ws.store.lock().await;
    Ok(ws.jobs.status(&store, Instant::now())?)
}

/// A live job's store connection, and its reporter with a second connection that reads the
/// run's counts, both on the job's own thread.
fn live_job<F: FnMut(SyncProgress)>(
    db_path: &std::path::Path,
    started: Instant,
    send: F,
) -> Result<(hubsync_store::Store, Reporter<F>), ApiError> {
    let store = open_store_at(db_path)?;
    let watch = CountWatch::new(open_store_at(db_path)?);
    Ok((store, Reporter::new(send, started, Some(watch))))
}

/// Keeps each progress message as the job's latest (for `job_status`), then sends it.
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
pub(crate) fn job_start(started: Instant, run_id: Option<i64>) -> JobStart {
    let started_at = hubsync_store::Clock::now(&SystemClock).to_rfc3339();
    JobStart { started, started_at, run_id }
}

/// Runs a job's future to its end on a blocking thread of its own: the core's futures borrow
/// the job's store and progress callback, so they stay on one thread, never a shell's UI
/// thread.
pub async fn off_thread<T, Fut>(job: impl FnOnce() -> Fut + Send + 'static) -> Result<T, ApiError>
where
    T: Send + 'static,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || runtime.block_on(job())).await.map_err(|e| {
        ApiError::new(ErrorCode::Internal, format!("The job stopped unexpectedly: {e}. The logs say more."))
    })?
}

/// Runs blocking work (a file read or written, a second store connection) off the async
/// threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ApiError::new(ErrorCode::Internal, format!("The work stopped unexpectedly: {e}. The logs say more."))
    })?
}

/// Pasted emails, one per line or separated by commas, semicolons or spaces.
pub fn clean_emails(raw: Vec<String>) -> Vec<String> {
    raw.iter()
        .flat_map(|chunk| chunk.split(|c: char| c == ',' || c == ';' || c.is_whitespace()))
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_emails_split_on_lines_commas_and_spaces() {
        let pasted = vec!["a@x.test, b@x.test;c@x.test\n\n  d@x.test ".to_string()];
        assert_eq!(clean_emails(pasted), vec!["a@x.test", "b@x.test", "c@x.test", "d@x.test"]);
        assert!(clean_emails(vec![" \n".into()]).is_empty(), "blank is every lead");
    }
}
