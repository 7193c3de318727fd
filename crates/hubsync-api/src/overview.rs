//! The overview: the app's first screen once a portal is connected, and `hubsync status`'s
//! local part. The active portal (with what kind of account it is) and how it was last found,
//! today's API use against the daily limit as HubSpot last stated it, the newest runs, the
//! leads as they stand with the portal, and a setup checklist. All from the store and the rate
//! ledger: nothing here calls HubSpot.

use chrono::{DateTime, Duration, Utc};
use hubsync_store::{
    LeadSyncCounts, Portal, PortalStatus, Run, RunCounts, RunKind, RunMode, RunStatus, Store, SyncMilestones,
};
use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;
use crate::status::{DailyUse, daily_use};
use crate::workspace::Workspace;

/// How many of the newest runs the overview shows.
pub const RECENT_RUNS: usize = 5;

/// HubSpot's daily count starts again at midnight in the portal's time zone: a figure stated a
/// whole day ago is from before a reset, whatever the zone.
const DAILY_RESET_WITHIN: Duration = Duration::hours(24);

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Overview {
    /// The moment the overview was made.
    pub as_of: DateTime<Utc>,
    /// The active portal, with its `environment`; `None` before any portal was connected.
    pub portal: Option<Portal>,
    pub health: Option<PortalHealth>,
    /// The portal's daily API use as HubSpot last stated it to any process using the store
    /// (private apps; OAuth apps have no daily limit), if it ever did.
    pub daily_use: Option<DailyUse>,
    /// That figure was stated over a day ago, so HubSpot's count has started again since: it
    /// says little of today's use.
    pub daily_use_outdated: bool,
    /// The portal's newest runs and previews, newest first: five at most.
    pub recent_runs: Vec<RecentRun>,
    /// The leads as they stand with the portal.
    pub leads: LeadSyncCounts,
    /// Each step of the setup, in order, done or not.
    pub checklist: Vec<ChecklistItem>,
}

/// How the portal was last found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PortalHealth {
    pub status: PortalStatus,
    /// Why the status is not `connected`, in words.
    pub status_detail: Option<String>,
    /// When it was last checked (connected, Test Connection, a status check), and whether
    /// that check passed.
    pub checked_at: Option<DateTime<Utc>>,
    pub check_passed: Option<bool>,
    /// Connected, and its last check did not fail: a sync can go.
    pub healthy: bool,
}

impl PortalHealth {
    fn of(portal: &Portal) -> PortalHealth {
        PortalHealth {
            status: portal.status,
            status_detail: portal.status_detail.clone(),
            checked_at: portal.checked_at,
            check_passed: portal.check_passed,
            healthy: portal.status == PortalStatus::Connected && portal.check_passed != Some(false),
        }
    }
}

/// How a run came out, for a list to show at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum RunOutcome {
    /// A plan still being made, or kept waiting for a confirmation.
    Planning,
    /// A preview: planned and shown, nothing written.
    Previewed,
    /// A live run writing now.
    Running,
    /// A live run that stopped before its end (cancelled, the daily limit, a lost connection,
    /// a crash): resumable, `stop_reason` says why when it is known.
    Stopped,
    /// A live run that wrote every row it planned to.
    Completed,
    /// A live run that went to its end with rows HubSpot refused (`counts.failed`).
    CompletedWithFailures,
}

/// One of the newest runs.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RecentRun {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: RunKind,
    pub mode: RunMode,
    pub outcome: RunOutcome,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub stop_reason: Option<String>,
    pub counts: RunCounts,
}

/// A step of the setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum SetupStep {
    /// A portal is active, connected, and its last check did not fail.
    PortalConnected,
    /// A lead field beyond the email is mapped to a property.
    MappingBeyondEmail,
    /// The push rules were saved once for this portal (creating contacts turned on or off,
    /// or kept as it was).
    PushRulesDecided,
    /// The store holds a lead.
    LeadsPresent,
    /// A push or pull was planned and shown with this portal.
    FirstPreview,
    /// A live push or pull ran to its end with this portal.
    FirstLiveRun,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ChecklistItem {
    pub step: SetupStep,
    pub done: bool,
}

/// The overview as of `now`, from the store alone.
pub async fn overview(ws: &Workspace, now: DateTime<Utc>) -> Result<Overview, ApiError> {
    let store = ws.store.lock().await;
    let portal = store.active_portal()?;
    let daily_use = match &portal {
        Some(portal) => daily_use(ws, portal)?,
        None => None,
    };
    let daily_use_outdated = daily_use.as_ref().is_some_and(|d| now - d.seen_at >= DAILY_RESET_WITHIN);
    let recent_runs = match &portal {
        Some(portal) => recent_runs(&store, portal.portal_id)?,
        None => Vec::new(),
    };
    let leads = store.lead_sync_counts()?;
    let milestones = match &portal {
        Some(portal) => store.sync_milestones(portal.portal_id)?,
        None => SyncMilestones::default(),
    };
    let health = portal.as_ref().map(PortalHealth::of);
    let done = |step| -> Result<bool, ApiError> {
        Ok(match step {
            SetupStep::PortalConnected => health.as_ref().is_some_and(|h| h.healthy),
            SetupStep::MappingBeyondEmail => store.mappings()?.iter().any(|m| m.field_key != "email"),
            SetupStep::PushRulesDecided => store.push_rules_decided_at()?.is_some(),
            SetupStep::LeadsPresent => leads.total > 0,
            SetupStep::FirstPreview => milestones.previewed,
            SetupStep::FirstLiveRun => milestones.ran_live,
        })
    };
    let checklist = [
        SetupStep::PortalConnected,
        SetupStep::MappingBeyondEmail,
        SetupStep::PushRulesDecided,
        SetupStep::LeadsPresent,
        SetupStep::FirstPreview,
        SetupStep::FirstLiveRun,
    ]
    .into_iter()
    .map(|step| Ok(ChecklistItem { step, done: done(step)? }))
    .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Overview { as_of: now, portal, health, daily_use, daily_use_outdated, recent_runs, leads, checklist })
}

/// The portal's newest runs, each with how it came out.
fn recent_runs(store: &Store, portal_id: u64) -> Result<Vec<RecentRun>, ApiError> {
    store
        .recent_runs(Some(portal_id), RECENT_RUNS)?
        .into_iter()
        .map(|run| {
            let writing =
                run.mode == RunMode::Live && run.status == RunStatus::Running && store.run_writer(run.id)?.is_some();
            Ok(RecentRun {
                outcome: outcome(&run, writing),
                id: run.id,
                kind: run.kind,
                mode: run.mode,
                started_at: run.started_at,
                ended_at: run.ended_at,
                stop_reason: run.stop_reason,
                counts: run.counts,
            })
        })
        .collect()
}

/// How `run` came out; `writing` says a live process holds it now.
fn outcome(run: &Run, writing: bool) -> RunOutcome {
    match (run.mode, run.status) {
        (RunMode::Preview, RunStatus::Completed) => RunOutcome::Previewed,
        (RunMode::Preview, _) => RunOutcome::Planning,
        (RunMode::Live, RunStatus::Completed) if run.counts.failed > 0 => RunOutcome::CompletedWithFailures,
        (RunMode::Live, RunStatus::Completed) => RunOutcome::Completed,
        (RunMode::Live, RunStatus::Running) if writing => RunOutcome::Running,
        // Running with no writer: cut off by a crash.
        (RunMode::Live, _) => RunOutcome::Stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mode: RunMode, status: RunStatus, failed: u64) -> Run {
        Run {
            id: 1,
            kind: RunKind::Push,
            mode,
            status,
            portal_id: Some(42),
            settings: serde_json::Value::Null,
            estimate: serde_json::Value::Null,
            api_calls: 0,
            started_at: "2026-05-01T12:00:00Z".parse().unwrap(),
            ended_at: None,
            stop_reason: None,
            counts: RunCounts { failed, ..RunCounts::default() },
            base_url: None,
            stopped_by: None,
            schedule_id: None,
            hold: None,
        }
    }

    #[test]
    fn a_run_comes_out_as_its_mode_status_failures_and_writer_say() {
        use RunMode::{Live, Preview};
        use RunStatus::{Completed, Interrupted, Running};
        let cases = [
            (run(Preview, Running, 0), false, RunOutcome::Planning),
            (run(Preview, Completed, 0), false, RunOutcome::Previewed),
            (run(Live, Running, 0), true, RunOutcome::Running),
            (run(Live, Running, 0), false, RunOutcome::Stopped),
            (run(Live, Interrupted, 0), false, RunOutcome::Stopped),
            (run(Live, Completed, 0), false, RunOutcome::Completed),
            (run(Live, Completed, 2), false, RunOutcome::CompletedWithFailures),
        ];
        for (run, writing, expected) in cases {
            assert_eq!(outcome(&run, writing), expected, "{:?} {:?} writing {writing}", run.mode, run.status);
        }
    }
}
