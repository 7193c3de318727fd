//! Schedules fired by `run_due`, with the instant passed in: a schedule missed for an hour fires
//! once; a slot fires once however often it is looked at; paused schedules don't fire; a firing
//! goes preview → guardrails → run or held; a schedule whose portal is busy waits and says why.

use chrono::{Duration, Utc};
use hubsync_api::guardrails;
use hubsync_api::schedules::{self, CadenceSpec, NewSchedule};
use hubsync_store::{Guardrails, HoldState, RunMode, ScheduleOutcome, ScheduleScope};

use crate::support::{connected_workspace, portal_with_token};

const TOKEN: &str = "pat-na1-schedules-test";

fn every(minutes: u32, scope: ScheduleScope) -> NewSchedule {
    NewSchedule { scope, cadence: CadenceSpec::Every { minutes }, zone: "UTC".into(), notify_success: false }
}

async fn workspace(leads: usize) -> (hubsync_sandbox::Sandbox, tempfile::TempDir, hubsync_api::Workspace) {
    let sandbox = portal_with_token(TOKEN, |_| {}).await;
    let (dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    {
        let mut store = ws.store.lock().await;
        store.set_push_rules(Some(true), Some(true)).unwrap();
        for i in 0..leads {
            store.add_lead(&format!("lead{i}@example.com"), &[]).unwrap();
        }
    }
    (sandbox, dir, ws)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_missed_for_an_hour_fires_once_and_each_slot_once() {
    let (sandbox, _dir, ws) = workspace(2).await;
    let now = hubsync_store::whole_seconds(Utc::now());
    let an_hour_ago = now - Duration::minutes(60) - Duration::seconds(30);
    let added =
        schedules::add(&mut *ws.store.lock().await, &every(15, ScheduleScope::ChangedLeads), an_hour_ago).unwrap();
    assert_eq!(added.next_run, Some(an_hour_ago + Duration::minutes(15)));
    assert!(schedules::run_due(&ws, an_hour_ago + Duration::minutes(14)).await.unwrap().is_empty(), "not yet");

    let firings = schedules::run_due(&ws, now).await.unwrap();
    assert_eq!(firings.len(), 1, "four slots passed; it fires once: {firings:?}");
    let firing = &firings[0];
    assert_eq!((firing.outcome, firing.missed, firing.notify), (ScheduleOutcome::Completed, 3, false));
    assert_eq!(firing.slot, an_hour_ago + Duration::minutes(60));
    let run = ws.store.lock().await.run(firing.run_id.expect("its run")).unwrap().unwrap();
    assert_eq!((run.mode, run.schedule_id, run.counts.created), (RunMode::Live, Some(added.id), 2));
    assert_eq!(sandbox.contact_count(), 2);

    assert!(schedules::run_due(&ws, now).await.unwrap().is_empty(), "that slot has fired");
    // The next slot: the leads pushed since are in step, so nothing to write.
    let next = schedules::run_due(&ws, now + Duration::minutes(15)).await.unwrap();
    assert_eq!(next[0].detail.as_deref(), Some("nothing-to-write"), "{next:?}");
    let summary = schedules::active_summary(&*ws.store.lock().await, now + Duration::minutes(15)).unwrap();
    let last = summary.last.expect("a last outcome");
    assert_eq!((last.outcome, summary.last_schedule_id), (ScheduleOutcome::Completed, Some(added.id)));
    assert_eq!(summary.next_run, Some(an_hour_ago + Duration::minutes(90)));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_schedules_do_not_fire_and_resume_from_now() {
    let (sandbox, _dir, ws) = workspace(1).await;
    let now = hubsync_store::whole_seconds(Utc::now());
    let start = now - Duration::hours(2);
    let one = schedules::add(&mut *ws.store.lock().await, &every(30, ScheduleScope::AllLeads), start).unwrap();
    let two = schedules::add(&mut *ws.store.lock().await, &every(30, ScheduleScope::PullRules), start).unwrap();
    schedules::set_paused(&mut *ws.store.lock().await, one.id, true, now).unwrap();
    schedules::set_all_paused(&mut *ws.store.lock().await, true, now).unwrap();
    assert!(schedules::run_due(&ws, now).await.unwrap().is_empty(), "everything paused");
    let summary = schedules::set_all_paused(&mut *ws.store.lock().await, false, now).unwrap();
    assert!(!summary.paused_all);
    let views: Vec<_> = summary.schedules.iter().map(|s| (s.id, s.paused, s.next_run)).collect();
    assert_eq!(views, [(one.id, true, None), (two.id, false, Some(now + Duration::minutes(30)))], "from now on");
    assert!(schedules::run_due(&ws, now).await.unwrap().is_empty(), "what it slept through is not made up");
    let firings = schedules::run_due(&ws, now + Duration::minutes(30)).await.unwrap();
    assert_eq!(firings.iter().map(|f| f.schedule_id).collect::<Vec<_>>(), [two.id]);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_run_past_a_guardrail_is_held_and_told() {
    let (sandbox, _dir, ws) = workspace(3).await;
    let now = hubsync_store::whole_seconds(Utc::now());
    let added =
        schedules::add(&mut *ws.store.lock().await, &every(5, ScheduleScope::AllLeads), now - Duration::minutes(6))
            .unwrap();
    guardrails::set(&mut *ws.store.lock().await, &Guardrails { max_creates: Some(2), ..Guardrails::default() })
        .unwrap();
    let firings = schedules::run_due(&ws, now).await.unwrap();
    let firing = &firings[0];
    assert_eq!((firing.outcome, firing.notify), (ScheduleOutcome::Held, true));
    assert!(firing.message.contains("3 creates, your limit is 2"), "{}", firing.message);
    let held = ws.store.lock().await.run(firing.run_id.unwrap()).unwrap().unwrap();
    assert_eq!((held.hold, held.schedule_id, held.mode), (Some(HoldState::Held), Some(added.id), RunMode::Preview));
    assert_eq!(sandbox.contact_count(), 0, "nothing was written");

    let run = hubsync_api::sync::approve_held(&ws, held.id, |_| {}).await.unwrap();
    assert_eq!((run.counts.created, run.schedule_id), (3, Some(added.id)), "the approved run is the schedule's");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_whose_portal_is_busy_waits_for_its_next_slot_and_says_why() {
    let (sandbox, dir, ws) = workspace(1).await;
    let now = hubsync_store::whole_seconds(Utc::now());
    let start = now - Duration::minutes(11);
    let first = schedules::add(&mut *ws.store.lock().await, &every(10, ScheduleScope::AllLeads), start).unwrap();
    let second = schedules::add(&mut *ws.store.lock().await, &every(10, ScheduleScope::PullRules), start).unwrap();
    // Another process runs schedule `first` on the portal right now.
    let other = crate::support::open_workspace(dir.path());
    let portal = ws.store.lock().await.active_portal().unwrap().unwrap().portal_id;
    assert_eq!(other.store.lock().await.claim_portal_for_schedule(portal, first.id).unwrap(), None);

    let firings = schedules::run_due(&ws, now).await.unwrap();
    let outcomes: Vec<_> = firings.iter().map(|f| (f.schedule_id, f.outcome, f.detail.clone())).collect();
    let busy = Some(format!("schedule-{}", first.id));
    assert_eq!(
        outcomes,
        [(first.id, ScheduleOutcome::Waited, busy.clone()), (second.id, ScheduleOutcome::Waited, busy)],
        "both wait while the other process runs"
    );
    assert!(firings[0].message.contains(&format!("schedule {} is running", first.id)), "{}", firings[0].message);
    assert!(schedules::run_due(&ws, now).await.unwrap().is_empty(), "the slot passed: they wait for the next");

    other.store.lock().await.release_schedule_claim(portal).unwrap();
    let later = schedules::run_due(&ws, now + Duration::minutes(10)).await.unwrap();
    let outcomes: Vec<_> = later.iter().map(|f| f.outcome).collect();
    assert_eq!(outcomes, [ScheduleOutcome::Completed, ScheduleOutcome::Completed], "{later:?}");
    sandbox.shutdown().await;
}
