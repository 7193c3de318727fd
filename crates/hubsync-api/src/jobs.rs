//! A process's sync jobs: at most one preview, run, undo or resume at a time (two would race for
//! the portal's rate limit and the same leads), its `Cancel`, the last progress it reported
//! (a page that reloaded asks `sync_job_status` for it), and the latest preview's plan, kept so
//! that "Run for real" runs exactly what the admin looked at.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hubsync_store::{RunKind, Store};
use hubsync_sync::{Cancel, Phase};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::plans::{Plan, PlanRequest};
use crate::progress::SyncProgress;
use crate::words::capitalized;

/// How long a preview may be run for real: after that HubSpot has likely moved on.
pub const PREVIEW_TTL: Duration = Duration::from_secs(15 * 60);

/// What a job does with its run kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum JobStep {
    /// Reading HubSpot for a plan; writes nothing.
    Preview,
    /// Running a previewed plan for real.
    Run,
    /// Finishing a live run that stopped early.
    Resume,
}

/// What the running job is, in a form the page can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobKind {
    pub step: JobStep,
    pub kind: RunKind,
}

impl JobKind {
    pub fn new(step: JobStep, kind: RunKind) -> JobKind {
        JobKind { step, kind }
    }

    /// "a push preview", "a pull", "resuming an undo".
    fn words(self) -> String {
        let kind = self.kind.as_str();
        let article = if kind.starts_with('u') { "an" } else { "a" };
        match self.step {
            JobStep::Preview => format!("{article} {kind} preview"),
            JobStep::Run => format!("{article} {kind}"),
            JobStep::Resume => format!("resuming {article} {kind}"),
        }
    }
}

/// The running job as `sync_job_status` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncJobStatus {
    pub step: JobStep,
    pub kind: RunKind,
    /// The live run, once the job has one (a resume has it from the start).
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    /// When the job started (RFC 3339).
    pub started_at: String,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
    /// The latest progress, its rows and counts read afresh from the live run when it has one.
    pub progress: Option<SyncProgress>,
    pub cancelling: bool,
}

/// The last progress a job reported, shared with the job's sender.
pub type LastProgress = Arc<Mutex<Option<SyncProgress>>>;

/// The latest preview's plan: which run recorded it, for which portal, and when.
#[derive(Debug)]
struct Kept {
    run_id: i64,
    portal_id: u64,
    made: Instant,
    plan: Plan,
    /// What was asked: a plan that crosses a guardrail is held with it.
    request: PlanRequest,
}

#[derive(Debug)]
struct Running {
    id: u64,
    kind: JobKind,
    portal_id: u64,
    cancel: Cancel,
    started: Instant,
    started_at: String,
    run_id: Option<i64>,
    last: LastProgress,
}

#[derive(Debug, Default)]
struct Inner {
    running: Option<Running>,
    // Only the latest preview is kept: a plan of 100,000 rows is big, and an older preview
    // is one the admin has already looked past.
    kept: Option<Kept>,
    started: u64,
}

/// The process's one job slot and kept preview.
#[derive(Debug, Default)]
pub struct Jobs {
    inner: Mutex<Inner>,
}

/// The running job: its `Cancel` and where its progress is kept; dropping it frees the slot,
/// however the job ended.
#[derive(Debug)]
pub struct JobGuard<'a> {
    jobs: &'a Jobs,
    id: u64,
    pub cancel: Cancel,
    pub last: LastProgress,
}

impl JobGuard<'_> {
    /// What the job turned out to be (a run's kind is known once its plan is taken).
    pub fn set_kind(&self, kind: RunKind) {
        if let Some(running) = self.jobs.lock().running.as_mut().filter(|r| r.id == self.id) {
            running.kind.kind = kind;
        }
    }
}

/// Where a job starts: its time, for the page and for the time gone.
#[derive(Clone, Debug)]
pub struct JobStart {
    pub started: Instant,
    pub started_at: String,
    /// The run a resume finishes.
    pub run_id: Option<i64>,
}

impl Drop for JobGuard<'_> {
    fn drop(&mut self) {
        let mut inner = self.jobs.lock();
        if inner.running.as_ref().is_some_and(|r| r.id == self.id) {
            inner.running = None;
        }
    }
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the job slot for `kind` on `portal_id`, or says what holds it.
    pub fn start(&self, kind: JobKind, portal_id: u64, at: JobStart) -> Result<JobGuard<'_>, ApiError> {
        let mut inner = self.lock();
        if let Some(running) = &inner.running {
            return Err(ApiError::new(
                ErrorCode::JobRunning,
                format!(
                    "{} is still going: wait for it to finish, or cancel it, before starting another.",
                    capitalized(&running.kind.words())
                ),
            ));
        }
        inner.started += 1;
        let cancel = Cancel::default();
        let last = LastProgress::default();
        let id = inner.started;
        inner.running = Some(Running {
            id,
            kind,
            portal_id,
            cancel: cancel.clone(),
            started: at.started,
            started_at: at.started_at,
            run_id: at.run_id,
            last: last.clone(),
        });
        Ok(JobGuard { jobs: self, id, cancel, last })
    }

    /// What runs now, if anything, at `now`: its latest progress, with the rows and counts of
    /// its live run read from `store` (the page that asks has no channel to the job).
    pub fn status(&self, store: &Store, now: Instant) -> hubsync_store::Result<Option<SyncJobStatus>> {
        let Some((kind, run_id, started, started_at, last, cancelling)) = self.lock().running.as_ref().map(|r| {
            let last = r.last.lock().unwrap_or_else(|e| e.into_inner()).clone();
            (r.kind, r.run_id, r.started, r.started_at.clone(), last, r.cancel.is_cancelled())
        }) else {
            return Ok(None);
        };
        // A resume knows its run from the start; a live run is named by its progress.
        let run_id = run_id.or(last.as_ref().and_then(|p| p.run_id));
        let elapsed_ms = now.saturating_duration_since(started).as_millis() as u64;
        let mut progress = last;
        if let Some(run) = run_id.map(|id| store.run(id)).transpose()?.flatten() {
            let c = run.counts;
            let total = c.update + c.create + c.archive;
            let phase = if kind.kind == RunKind::Pull { Phase::Applying } else { Phase::Writing };
            progress = Some(SyncProgress {
                phase,
                done: total.saturating_sub(c.pending),
                total,
                run_id: Some(run.id),
                counts: Some(c),
                elapsed_ms,
            });
        }
        Ok(Some(SyncJobStatus {
            step: kind.step,
            kind: kind.kind,
            run_id,
            started_at,
            elapsed_ms,
            progress,
            cancelling,
        }))
    }

    /// The running job as it stands with `progress` its latest message, read without the store
    /// (a message of a live run carries the run's counts): what a shell pushes to its pages.
    pub fn snapshot(&self, progress: SyncProgress, now: Instant) -> Option<SyncJobStatus> {
        let inner = self.lock();
        let running = inner.running.as_ref()?;
        Some(SyncJobStatus {
            step: running.kind.step,
            kind: running.kind.kind,
            run_id: running.run_id.or(progress.run_id),
            started_at: running.started_at.clone(),
            elapsed_ms: now.saturating_duration_since(running.started).as_millis() as u64,
            progress: Some(progress),
            cancelling: running.cancel.is_cancelled(),
        })
    }

    /// Cancels the running job, if any, with the reason its run will show. A live run stops
    /// between batches and stays resumable.
    pub fn cancel(&self, reason: &str) -> bool {
        match &self.lock().running {
            Some(running) => {
                running.cancel.cancel_because(reason);
                true
            }
            None => false,
        }
    }

    /// Cancels the running job if it talks to `portal_id` (that portal is being disconnected).
    pub fn cancel_portal(&self, portal_id: u64, reason: &str) -> bool {
        match &self.lock().running {
            Some(running) if running.portal_id == portal_id => {
                running.cancel.cancel_because(reason);
                true
            }
            _ => false,
        }
    }

    /// Keeps a preview's plan (replacing any older one) for `take`.
    pub fn keep(&self, run_id: i64, portal_id: u64, made: Instant, plan: Plan, request: PlanRequest) {
        self.lock().kept = Some(Kept { run_id, portal_id, made, plan, request });
    }

    /// Hands over the plan preview run `run_id` recorded, if it is the latest and younger than
    /// `PREVIEW_TTL` at `now`; returns it with its portal and what was asked. It can be run once.
    pub fn take(&self, run_id: i64, now: Instant) -> Result<(Plan, u64, PlanRequest), ApiError> {
        let mut inner = self.lock();
        let stale = |why: &str| ApiError::new(ErrorCode::PreviewStale, format!("Preview again: {why}."));
        let Some(kept) = inner.kept.take_if(|k| k.run_id == run_id) else {
            return Err(stale(&format!(
                "preview {run_id} is not the latest one this app made since it started, or it has run already"
            )));
        };
        let age = now.saturating_duration_since(kept.made);
        if age > PREVIEW_TTL {
            return Err(stale(&format!(
                "preview {run_id} is {} minutes old, and HubSpot may have changed since",
                age.as_secs() / 60
            )));
        }
        Ok((kept.plan, kept.portal_id, kept.request))
    }
}

/// How often a running job looks whether its portal is still connected.
const PORTAL_CHECK_EVERY: Duration = Duration::from_millis(500);

/// Cancels `cancel` once portal `portal_id` is disconnected or needs a reconnect, which any
/// process (the app, a `hubsync` command) may record while the job goes on: a preview stops
/// between reads, a live run between batches, resumable. Watches on a store connection of its
/// own until `cancel` is cancelled or the returned watch is dropped.
pub fn stop_when_portal_leaves(db_path: std::path::PathBuf, portal_id: u64, cancel: Cancel) -> PortalWatch {
    let task = tokio::spawn(async move {
        let Ok(store) = Store::open(&db_path, Arc::new(hubsync_store::SystemClock)) else { return };
        let mut every = tokio::time::interval(PORTAL_CHECK_EVERY);
        while !cancel.is_cancelled() {
            every.tick().await;
            if let Ok(Some(portal)) = store.portal(portal_id)
                && portal.status != hubsync_store::PortalStatus::Connected
            {
                let status = match portal.status {
                    hubsync_store::PortalStatus::ReconnectNeeded => "left needing a reconnect",
                    _ => "disconnected",
                };
                cancel.cancel_because(format!("{} was {status} while the run went on", portal.label()));
            }
        }
    });
    PortalWatch(Some(task.abort_handle()))
}

/// A job's watch on its portal; it stops when dropped, with the job.
#[derive(Debug)]
pub struct PortalWatch(Option<tokio::task::AbortHandle>);

impl PortalWatch {
    /// Lets the watch go on until its job's `Cancel` is cancelled or the process ends (a
    /// command line runs one job and exits).
    pub fn detach(mut self) {
        self.0 = None;
    }
}

impl Drop for PortalWatch {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull_plan() -> Plan {
        Plan::Pull(hubsync_sync::PreparedPull {
            plan: hubsync_sync::JournaledPlan {
                run_id: 1,
                portal_id: Some(7),
                estimate: hubsync_sync::Estimate {
                    api_calls: 0,
                    setup_calls: 0,
                    read_calls: 0,
                    write_calls: 0,
                    company_read_calls: 0,
                    company_write_calls: 0,
                    rate_limit_per_window: 100,
                    rate_limit_window_ms: 10_000,
                    seconds: 0.0,
                },
                api_calls: 0,
            },
            counts: Default::default(),
            read_time: Duration::ZERO,
            owners: Vec::new(),
        })
    }

    fn at() -> JobStart {
        JobStart { started: Instant::now(), started_at: "2026-11-24T12:00:00+00:00".into(), run_id: None }
    }

    const PUSH: JobKind = JobKind { step: JobStep::Run, kind: RunKind::Push };

    #[test]
    fn one_job_at_a_time_and_the_slot_frees_however_the_job_ends() {
        let jobs = Jobs::default();
        let first = jobs.start(PUSH, 7, at()).unwrap();
        let refused = jobs.start(JobKind::new(JobStep::Preview, RunKind::Pull), 7, at()).unwrap_err();
        assert_eq!(refused.code, "job_running");
        assert!(refused.message.starts_with("A push is still going"), "{}", refused.message);
        first.set_kind(RunKind::Undo);
        let refused = jobs.start(PUSH, 7, at()).unwrap_err();
        assert!(refused.message.starts_with("An undo is still going"), "{}", refused.message);
        drop(first);
        let second = jobs.start(JobKind::new(JobStep::Resume, RunKind::Pull), 7, at()).unwrap();
        assert!(!second.cancel.is_cancelled());
        let refused = jobs.start(PUSH, 7, at()).unwrap_err();
        assert!(refused.message.starts_with("Resuming a pull is still going"), "{}", refused.message);
    }

    #[test]
    fn cancel_reaches_the_running_job_with_its_reason() {
        let jobs = Jobs::default();
        assert!(!jobs.cancel("cancelled in the app"), "nothing runs");
        let job = jobs.start(PUSH, 7, at()).unwrap();
        assert!(!jobs.cancel_portal(8, "portal 8 was disconnected"), "another portal's job goes on");
        assert!(!job.cancel.is_cancelled());
        assert!(jobs.cancel_portal(7, "portal 7 was disconnected in the app"));
        assert!(jobs.cancel("cancelled in the app"));
        assert!(job.cancel.is_cancelled());
        assert_eq!(job.cancel.reason(), "portal 7 was disconnected in the app", "the first reason wins");
    }

    #[test]
    fn a_preview_runs_once_while_it_is_the_latest_and_fresh() {
        let jobs = Jobs::default();
        let made = Instant::now();
        jobs.keep(3, 7, made, pull_plan(), PlanRequest::Pull);
        jobs.keep(4, 7, made, pull_plan(), PlanRequest::Pull);
        let older = jobs.take(3, made).unwrap_err();
        assert_eq!(older.code, "preview_stale");
        assert!(older.message.starts_with("Preview again: preview 3 is not the latest"), "{}", older.message);

        let (prepared, portal, _) = jobs.take(4, made + PREVIEW_TTL).unwrap();
        assert!(matches!(prepared, Plan::Pull(_)) && portal == 7);
        assert_eq!(jobs.take(4, made).unwrap_err().code, "preview_stale", "a plan runs once");

        jobs.keep(5, 7, made, pull_plan(), PlanRequest::Pull);
        let old = jobs.take(5, made + PREVIEW_TTL + Duration::from_secs(60)).unwrap_err();
        assert!(old.message.contains("preview 5 is 16 minutes old"), "{}", old.message);
        assert_eq!(jobs.take(5, made).unwrap_err().code, "preview_stale", "a stale plan is dropped");
    }
}
