//! The overview, the app's first screen once connected: the portal and how it was last found,
//! today's API use, the newest runs, the leads as they stand with the portal, and the setup
//! checklist, as a first run goes through it. Nothing of it calls HubSpot.

use std::time::Instant;

use chrono::{Duration, Utc};
use hubsync_api::config;
use hubsync_api::overview::{ChecklistItem, RunOutcome, SetupStep, overview};
use hubsync_api::plans::PlanRequest;
use hubsync_api::sync::{preview, run_previewed};
use hubsync_sandbox::{AccountType, Fixture};
use hubsync_store::{LeadSyncCounts, PortalEnvironment, PortalStatus, RunKind, RunMode};
use serde_json::json;

use crate::support::{connected_workspace, open_workspace, portal_with_token};

const TOKEN: &str = "pat-na1-overview";

/// The setup's steps, in the order the checklist lists them.
const EVERY_STEP: [SetupStep; 6] = [
    SetupStep::PortalConnected,
    SetupStep::MappingBeyondEmail,
    SetupStep::PushRulesDecided,
    SetupStep::LeadsPresent,
    SetupStep::FirstPreview,
    SetupStep::FirstLiveRun,
];

/// The steps done, by code, in the checklist's order.
fn done(checklist: &[ChecklistItem]) -> Vec<SetupStep> {
    checklist.iter().filter(|item| item.done).map(|item| item.step).collect()
}

fn counts(total: u64, linked: u64, changed_since_sync: u64) -> LeadSyncCounts {
    LeadSyncCounts { total, linked, not_linked: total - linked, changed_since_sync }
}

#[tokio::test]
async fn before_any_portal_the_overview_has_only_the_store_and_nothing_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open_workspace(dir.path());
    let now = Utc::now();
    let seen = overview(&ws, now).await.unwrap();
    assert_eq!(seen.as_of, now);
    assert!(seen.portal.is_none() && seen.health.is_none() && seen.daily_use.is_none(), "{seen:?}");
    assert!(seen.recent_runs.is_empty());
    assert_eq!(seen.leads, counts(0, 0, 0));
    let steps: Vec<SetupStep> = seen.checklist.iter().map(|item| item.step).collect();
    assert_eq!(steps, EVERY_STEP);
    assert_eq!(done(&seen.checklist), []);
    let json = serde_json::to_value(&seen).unwrap();
    assert_eq!(json["checklist"][1], json!({ "step": "mapping-beyond-email", "done": false }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_run_goes_down_the_checklist_and_the_overview_follows_it() {
    let sandbox = portal_with_token(TOKEN, |config| {
        config.portal.account_type = AccountType::Standard;
        config.fixture = Some(
            serde_json::from_value::<Fixture>(
                json!({ "contacts": [{ "properties": { "email": "ann@example.com" } }] }),
            )
            .unwrap(),
        );
    })
    .await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;

    // Connected: the portal, how it was found, the day's use its replies stated, the mapping a
    // first portal starts with. Creating contacts is as it came: not decided yet.
    let now = Utc::now();
    let seen = overview(&ws, now).await.unwrap();
    let portal = seen.portal.as_ref().unwrap();
    assert_eq!((portal.portal_id, portal.environment), (sandbox.portal_id(), PortalEnvironment::Production));
    let health = seen.health.as_ref().unwrap();
    assert_eq!((health.status, health.check_passed, health.healthy), (PortalStatus::Connected, Some(true), true));
    assert!(health.checked_at.is_some());
    let daily = seen.daily_use.as_ref().expect("a private app's replies state the daily limit");
    assert_eq!(daily.limit, 250_000);
    assert!(daily.used > 0 && !seen.daily_use_outdated, "{daily:?}");
    assert_eq!(done(&seen.checklist), [SetupStep::PortalConnected, SetupStep::MappingBeyondEmail]);
    assert!(overview(&ws, now + Duration::hours(25)).await.unwrap().daily_use_outdated, "a day old: reset since");

    {
        let mut store = ws.store.lock().await;
        store.add_lead("ann@example.com", &[("first_name", "Ann")]).unwrap();
        store.add_lead("bo@example.com", &[("first_name", "Bo")]).unwrap();
    }
    let seen = overview(&ws, Utc::now()).await.unwrap();
    assert_eq!(seen.leads, counts(2, 0, 2), "never pushed");
    assert!(done(&seen.checklist).contains(&SetupStep::LeadsPresent));

    // A preview, then creating turned on (decided) and the push run for real.
    let summary = preview(&ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let seen = overview(&ws, Utc::now()).await.unwrap();
    let newest = &seen.recent_runs[0];
    assert_eq!(
        (newest.id, newest.kind, newest.mode, newest.outcome),
        (summary.run_id, RunKind::Push, RunMode::Preview, RunOutcome::Previewed)
    );
    assert_eq!((newest.counts.update, newest.counts.skip), (1, 1), "bo: no contact, creating off");
    assert!(done(&seen.checklist).contains(&SetupStep::FirstPreview));
    assert!(!done(&seen.checklist).contains(&SetupStep::PushRulesDecided));

    config::set_push_rules(&ws, None, Some(true)).await.unwrap();
    let summary = preview(&ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let run = run_previewed(&ws, summary.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    let seen = overview(&ws, Utc::now()).await.unwrap();
    assert_eq!(done(&seen.checklist), EVERY_STEP);
    let runs: Vec<(i64, RunMode, RunOutcome)> = seen.recent_runs.iter().map(|r| (r.id, r.mode, r.outcome)).collect();
    assert_eq!(runs[0], (run.id, RunMode::Live, RunOutcome::Completed), "{runs:?}");
    assert_eq!(runs[1], (summary.run_id, RunMode::Preview, RunOutcome::Previewed), "{runs:?}");
    let newest = &seen.recent_runs[0];
    assert_eq!((newest.counts.updated, newest.counts.created), (1, 1));
    assert!(newest.ended_at.is_some());
    assert_eq!(seen.leads, counts(2, 2, 0), "both in step with their contact");

    // Changed here since: a push would send it.
    {
        let mut store = ws.store.lock().await;
        let bo = store.lead_by_email("bo@example.com").unwrap().unwrap();
        store.update_lead(bo.id, &[("city", "Oslo")]).unwrap();
    }
    assert_eq!(overview(&ws, Utc::now()).await.unwrap().leads, counts(2, 2, 1));

    // Five runs at most, the newest first.
    for _ in 0..4 {
        preview(&ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    }
    let seen = overview(&ws, Utc::now()).await.unwrap();
    assert_eq!(seen.recent_runs.len(), hubsync_api::overview::RECENT_RUNS);
    assert!(seen.recent_runs.windows(2).all(|w| w[0].id > w[1].id));
    sandbox.shutdown().await;
}
