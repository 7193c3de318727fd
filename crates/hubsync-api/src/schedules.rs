//! Scheduled pushes and pulls: adding, listing, pausing and removing a portal's schedules, and
//! firing whatever is due, once, for the app's timer and `hubsync schedule run-due` alike. A
//! firing is preview → guardrails → run (or held), the same path as a run an admin starts.
//!
//! Safe with two processes at once: a slot is claimed by compare-and-set before it fires (it
//! fires once however many processes look), and a schedule claims its portal only while no other
//! run of it is under way (a live run, a preview being made, another schedule's job); otherwise
//! it lets the slot pass and says what it waited for. A schedule missed while nothing was running
//! fires once at the next look, however many slots passed.

use std::time::Instant;

use chrono::{DateTime, NaiveTime, Utc};
use hubsync_schedule::{Cadence, Due, Schedule};
use hubsync_store::{LastFiring, Portal, ScheduleOutcome, ScheduleRecord, ScheduleScope, Store};
use hubsync_sync::Cancel;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::guardrails;
use crate::plans::{CONCURRENCY, Plan, PlanRequest};
use crate::words::capitalized;
use crate::workspace::Workspace;

/// When a schedule fires, as the shells send and show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum CadenceSpec {
    /// Every `minutes` minutes (1 minute to 7 days).
    Every { minutes: u32 },
    /// Every day at `at` ("07:00"), in the schedule's zone.
    Daily { at: String },
    /// Monday to Friday at `at`.
    Weekdays { at: String },
}

impl CadenceSpec {
    fn cadence(&self) -> Result<Cadence, ApiError> {
        let time = |at: &str| {
            NaiveTime::parse_from_str(at, "%H:%M").map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidSchedule,
                    format!("{at:?} is not a time of day: write it as HH:MM, 24-hour (07:00, 18:30)."),
                )
            })
        };
        let cadence = match self {
            CadenceSpec::Every { minutes } => Cadence::every_minutes(*minutes),
            CadenceSpec::Daily { at } => Cadence::daily(time(at)?),
            CadenceSpec::Weekdays { at } => Cadence::weekdays(time(at)?),
        };
        cadence.map_err(schedule_error)
    }

    fn of(cadence: Cadence) -> CadenceSpec {
        match cadence {
            Cadence::Every { minutes } => CadenceSpec::Every { minutes },
            Cadence::Daily { at } => CadenceSpec::Daily { at: at.format("%H:%M").to_string() },
            Cadence::Weekdays { at } => CadenceSpec::Weekdays { at: at.format("%H:%M").to_string() },
        }
    }
}

fn schedule_error(error: hubsync_schedule::ScheduleError) -> ApiError {
    ApiError::new(ErrorCode::InvalidSchedule, format!("{}.", capitalized(&error.to_string())))
}

/// A schedule to add.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct NewSchedule {
    pub scope: ScheduleScope,
    pub cadence: CadenceSpec,
    /// An IANA time zone ("Europe/Paris") for daily and weekday times.
    pub zone: String,
    /// Also tell the admin when a run completes (failed, held and stopped runs always are).
    #[serde(default)]
    pub notify_success: bool,
}

/// A schedule as the shells show it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ScheduleView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub portal_id: u64,
    pub scope: ScheduleScope,
    pub cadence: CadenceSpec,
    pub zone: String,
    pub paused: bool,
    pub notify_success: bool,
    /// When it fires next: `None` while it (or every schedule of its portal) is paused.
    #[ts(type = "string | null")]
    pub next_run: Option<DateTime<Utc>>,
    pub last: Option<LastFiringView>,
}

/// What a schedule's last firing came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LastFiringView {
    pub outcome: ScheduleOutcome,
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    /// A failure's error code, or what it waited for (`run-12`, `schedule-3`, `job`,
    /// `portal-not-active`), or `nothing-to-write`.
    pub detail: Option<String>,
    #[ts(type = "string")]
    pub ended_at: DateTime<Utc>,
}

impl From<LastFiring> for LastFiringView {
    fn from(last: LastFiring) -> Self {
        LastFiringView { outcome: last.outcome, run_id: last.run_id, detail: last.detail, ended_at: last.ended_at }
    }
}

/// A portal's schedules as the overview shows them: "pause all", the next run, the last outcome.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SchedulesSummary {
    pub paused_all: bool,
    pub schedules: Vec<ScheduleView>,
    /// The schedule that fires next, and when.
    #[ts(type = "number | null")]
    pub next_schedule_id: Option<i64>,
    #[ts(type = "string | null")]
    pub next_run: Option<DateTime<Utc>>,
    /// The latest firing of any of them, and whose.
    #[ts(type = "number | null")]
    pub last_schedule_id: Option<i64>,
    pub last: Option<LastFiringView>,
}

fn view(record: ScheduleRecord, paused_all: bool, now: DateTime<Utc>) -> ScheduleView {
    let next_run = (!record.paused && !paused_all).then(|| match record.timing.due(record.last_slot, now) {
        // Due now: it fires at the next look.
        Due::Now { .. } => now,
        Due::NotYet { next } => next,
    });
    ScheduleView {
        id: record.id,
        portal_id: record.portal_id,
        scope: record.scope,
        cadence: CadenceSpec::of(record.timing.cadence()),
        zone: record.timing.zone().name().to_string(),
        paused: record.paused,
        notify_success: record.notify_success,
        next_run,
        last: record.last.map(Into::into),
    }
}

/// Portal `portal_id`'s schedules, oldest first, with "pause all", the next run and the last
/// outcome.
pub fn summary(store: &Store, portal_id: u64, now: DateTime<Utc>) -> Result<SchedulesSummary, ApiError> {
    let paused_all = store.schedules_paused(portal_id)?;
    let schedules: Vec<ScheduleView> =
        store.schedules(Some(portal_id))?.into_iter().map(|s| view(s, paused_all, now)).collect();
    let next = schedules.iter().filter_map(|s| s.next_run.map(|at| (at, s.id))).min();
    let last =
        schedules.iter().filter_map(|s| s.last.as_ref().map(|l| (l.ended_at, s.id, l.clone()))).max_by_key(|l| l.0);
    Ok(SchedulesSummary {
        paused_all,
        next_schedule_id: next.map(|n| n.1),
        next_run: next.map(|n| n.0),
        last_schedule_id: last.as_ref().map(|l| l.1),
        last: last.map(|l| l.2),
        schedules,
    })
}

/// The active portal, which schedules are added to and listed for.
fn active(store: &Store) -> Result<Portal, ApiError> {
    store.active_portal()?.ok_or_else(|| {
        ApiError::new(ErrorCode::NotConnected, "No portal is connected: connect one, then schedule its syncs.")
    })
}

/// The active portal's schedules (`summary`).
pub fn active_summary(store: &Store, now: DateTime<Utc>) -> Result<SchedulesSummary, ApiError> {
    summary(store, active(store)?.portal_id, now)
}

/// Adds a schedule to the active portal, its slots counted from `now`.
pub fn add(store: &mut Store, new: &NewSchedule, now: DateTime<Utc>) -> Result<ScheduleView, ApiError> {
    let portal = active(store)?;
    let timing = Schedule::with_zone_name(new.cadence.cadence()?, &new.zone, hubsync_store::whole_seconds(now))
        .map_err(schedule_error)?;
    let record = store.add_schedule(portal.portal_id, new.scope, &timing, new.notify_success)?;
    let paused_all = store.schedules_paused(portal.portal_id)?;
    Ok(view(record, paused_all, now))
}

/// Removes schedule `id`; the runs it started stay in the history.
pub fn remove(store: &mut Store, id: i64) -> Result<(), ApiError> {
    store.remove_schedule(id)?;
    Ok(())
}

/// Pauses schedule `id`, or lets it fire again from `now` on.
pub fn set_paused(store: &mut Store, id: i64, paused: bool, now: DateTime<Utc>) -> Result<ScheduleView, ApiError> {
    let record = store.set_schedule_paused(id, paused, now)?;
    let paused_all = store.schedules_paused(record.portal_id)?;
    Ok(view(record, paused_all, now))
}

/// "Pause all" for the active portal, or lets its schedules fire again.
pub fn set_all_paused(store: &mut Store, paused: bool, now: DateTime<Utc>) -> Result<SchedulesSummary, ApiError> {
    let portal = active(store)?;
    store.set_schedules_paused(portal.portal_id, paused, now)?;
    summary(store, portal.portal_id, now)
}

/// What one firing came to, for the shell to tell (a notification, a line of `run-due`).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Firing {
    #[ts(type = "number")]
    pub schedule_id: i64,
    pub scope: ScheduleScope,
    #[ts(type = "string")]
    pub slot: DateTime<Utc>,
    /// Earlier slots this one covers (missed while nothing was running).
    pub missed: u32,
    pub outcome: ScheduleOutcome,
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    /// As `LastFiringView::detail`.
    pub detail: Option<String>,
    /// What happened, in words: the error, what it waited for, what held it.
    pub message: String,
    /// Whether the admin is told: anything but a completed run, or a completed one when asked.
    pub notify: bool,
}

/// Fires every schedule of the active portal that is due at `now`, one after another, each as
/// the process's one job; schedules of other portals wait until theirs is active again.
pub async fn run_due(ws: &Workspace, now: DateTime<Utc>) -> Result<Vec<Firing>, ApiError> {
    let (records, active_portal, paused_all) = {
        let store = ws.store.lock().await;
        let active = store.active_portal()?.map(|p| p.portal_id);
        let paused: Vec<u64> = store
            .portals()?
            .into_iter()
            .filter(|p| store.schedules_paused(p.portal_id).unwrap_or(false))
            .map(|p| p.portal_id)
            .collect();
        (store.schedules(None)?, active, paused)
    };
    let mut firings = Vec::new();
    for record in records {
        if record.paused || paused_all.contains(&record.portal_id) {
            continue;
        }
        let Due::Now { slot, missed } = record.timing.due(record.last_slot, now) else { continue };
        // One process fires a slot; whoever loses the claim leaves it.
        if !ws.store.lock().await.claim_slot(record.id, record.last_slot, slot)? {
            continue;
        }
        let firing = if active_portal != Some(record.portal_id) {
            waited(&record, slot, missed, "portal-not-active".into(), "its portal is not the active one".into())
        } else {
            fire(ws, &record, slot, missed).await
        };
        ws.store.lock().await.record_firing(record.id, firing.outcome, firing.run_id, firing.detail.as_deref())?;
        tracing::info!(
            schedule_id = record.id,
            outcome = firing.outcome.as_str(),
            run_id = firing.run_id,
            missed,
            "schedule fired"
        );
        firings.push(firing);
    }
    Ok(firings)
}

fn waited(record: &ScheduleRecord, slot: DateTime<Utc>, missed: u32, detail: String, why: String) -> Firing {
    Firing {
        schedule_id: record.id,
        scope: record.scope,
        slot,
        missed,
        outcome: ScheduleOutcome::Waited,
        run_id: None,
        detail: Some(detail),
        message: format!("Waited for its next slot: {why}."),
        notify: false,
    }
}

/// What a schedule of `scope` asks for.
fn request(scope: ScheduleScope) -> PlanRequest {
    match scope {
        ScheduleScope::AllLeads => PlanRequest::push(Vec::new()),
        ScheduleScope::ChangedLeads => PlanRequest::Push { emails: Vec::new(), changed_only: true },
        ScheduleScope::PullRules => PlanRequest::Pull,
    }
}

/// Fires `record` for `slot`: claims its portal (or waits), takes the process's job slot (or
/// waits), plans, holds or runs, and says what came of it.
async fn fire(ws: &Workspace, record: &ScheduleRecord, slot: DateTime<Utc>, missed: u32) -> Firing {
    let kind = record.scope.kind();
    let portal_id = record.portal_id;
    let base = |outcome, run_id, detail: Option<String>, message: String| {
        let notify = outcome != ScheduleOutcome::Completed || record.notify_success;
        Firing { schedule_id: record.id, scope: record.scope, slot, missed, outcome, run_id, detail, message, notify }
    };
    let failed = |error: ApiError| {
        base(ScheduleOutcome::Failed, None, Some(error.code.as_str().to_string()), error.message.clone())
    };
    let (portal, client) = match ws.connected(|_| {}).await {
        Ok(connected) => connected,
        Err(error) => return failed(error),
    };
    let started = Instant::now();
    let job_kind = crate::jobs::JobKind::new(crate::jobs::JobStep::Run, kind);
    let job = match ws.jobs.start(job_kind, portal.portal_id, crate::sync::job_start(started, None)) {
        Ok(job) => job,
        Err(_) => return waited(record, slot, missed, "job".into(), "another sync is running in this process".into()),
    };
    let cancel = job.cancel.clone();
    let _watch = crate::jobs::stop_when_portal_leaves(ws.db_path.clone(), portal_id, cancel.clone());
    let db_path = ws.db_path.clone();
    let schedule_id = record.id;
    let scope = record.scope;
    let outcome = crate::sync::off_thread(move || async move {
        let mut store = crate::workspace::open_store_at(&db_path)?;
        if let Some(busy) = store.claim_portal_for_schedule(portal_id, schedule_id)? {
            return Ok(Fired::Waited(busy));
        }
        let fired = plan_and_run(&mut store, &client, scope, schedule_id, &cancel).await;
        client.record_outcome(&mut store)?;
        if let Err(error) = store.release_schedule_claim(portal_id) {
            tracing::warn!(%error, "could not end the schedule's claim on its portal");
        }
        fired
    })
    .await;
    match outcome {
        Ok(Fired::Waited(busy)) => {
            let why = match &busy {
                hubsync_store::PortalBusy::Run { run_id } => format!("run {run_id} is writing to the portal"),
                hubsync_store::PortalBusy::Plan { run_id } => format!("preview {run_id} is being made"),
                hubsync_store::PortalBusy::Schedule { schedule_id } => format!("schedule {schedule_id} is running"),
            };
            waited(record, slot, missed, busy.code(), why)
        }
        Ok(Fired::Nothing) => base(
            ScheduleOutcome::Completed,
            None,
            Some("nothing-to-write".into()),
            "Nothing to write: the plan had no row to write.".into(),
        ),
        Ok(Fired::Held(hold)) => base(
            ScheduleOutcome::Held,
            Some(hold.run_id),
            None,
            format!(
                "Held, nothing written: {}. Approve or refuse run {} in History.",
                guardrails::words(&hold.crossed),
                hold.run_id
            ),
        ),
        Ok(Fired::Ran(run)) if run.status == hubsync_store::RunStatus::Completed => base(
            ScheduleOutcome::Completed,
            Some(run.id),
            None,
            format!(
                "Run {} completed: {} updated, {} created, {} failed.",
                run.id, run.counts.updated, run.counts.created, run.counts.failed
            ),
        ),
        Ok(Fired::Ran(run)) => base(
            ScheduleOutcome::Stopped,
            Some(run.id),
            run.stopped_by.map(|g| g.as_str().to_string()),
            format!(
                "Run {} stopped with rows still to write: {}. Resume it from History.",
                run.id,
                run.stop_reason.clone().unwrap_or_else(|| "it stopped early".into())
            ),
        ),
        Err(error) => failed(error),
    }
}

/// How a firing's job ended.
enum Fired {
    Waited(hubsync_store::PortalBusy),
    Nothing,
    Held(hubsync_store::RunHold),
    Ran(hubsync_store::Run),
}

/// Preview → guardrails → run, for schedule `schedule_id`, on a store connection of the job's own.
async fn plan_and_run(
    store: &mut Store,
    client: &hubsync_auth::portals::PortalClient,
    scope: ScheduleScope,
    schedule_id: i64,
    cancel: &Cancel,
) -> Result<Fired, ApiError> {
    let request = request(scope);
    let plan = Plan::prepare(store, client, request.clone(), CONCURRENCY, cancel, &mut |_| {}).await?;
    if plan.writes() == 0 {
        plan.discard(store)?;
        return Ok(Fired::Nothing);
    }
    store.mark_scheduled(plan.journaled().run_id, schedule_id)?;
    let limits = store.guardrails()?;
    if let Some(hold) = guardrails::hold_if_crossed(store, &plan, &request, &limits)? {
        return Ok(Fired::Held(hold));
    }
    let run = plan.run(store, client, CONCURRENCY, &limits, cancel, &mut |_| {}).await?;
    Ok(Fired::Ran(run))
}
