//! Guardrails on live runs: a plan past a limit is held before anything is written and runs only
//! once approved (once); an approval whose plan grew is refused; failures past the failed share
//! stop a run between batches, resumable; and each limit measures what its name says.

use std::time::Instant;

use hubsync_api::guardrails::{self, LiveOutcome};
use hubsync_api::plans::{Plan, PlanRequest};
use hubsync_api::sync::{approve_held, preview, resume, run_previewed};
use hubsync_sandbox::{Fixture, LifecycleBackward};
use hubsync_store::{Guardrail, Guardrails, HoldState, RunStatus};
use hubsync_sync::UndoOptions;
use serde_json::json;

use crate::support::{connected_workspace, portal_with_token};

const TOKEN: &str = "pat-na1-guardrails-test";

/// An empty portal and a workspace connected to it, create on, with a lead for each email.
async fn with_leads(emails: &[&str]) -> (hubsync_sandbox::Sandbox, tempfile::TempDir, hubsync_api::Workspace) {
    let sandbox = portal_with_token(TOKEN, |_| {}).await;
    let (dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    {
        let mut store = ws.store.lock().await;
        store.set_push_rules(Some(true), Some(true)).unwrap();
        for email in emails {
            store.add_lead(email, &[]).unwrap();
        }
    }
    (sandbox, dir, ws)
}

fn codes(crossed: &[hubsync_store::Crossing]) -> Vec<&'static str> {
    crossed.iter().map(|c| c.guardrail.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_past_a_limit_is_held_writing_nothing_and_runs_once_approved() {
    let (sandbox, _dir, ws) = with_leads(&["a@example.com", "b@example.com", "c@example.com"]).await;
    let ws = &ws;
    guardrails::set(&mut *ws.store.lock().await, &Guardrails { max_creates: Some(2), ..Guardrails::default() })
        .unwrap();

    let summary = preview(ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    assert_eq!(codes(&summary.crossed), ["creates"], "the preview says a live run would be held");
    assert_eq!(summary.crossed[0].to_string(), "3 creates, your limit is 2");
    let LiveOutcome::Held { hold } = run_previewed(ws, summary.run_id, Instant::now(), |_| {}).await.unwrap() else {
        panic!("a plan of 3 creates under a limit of 2 is held")
    };
    assert_eq!((hold.run_id, hold.state), (summary.run_id, HoldState::Held));
    assert_eq!(sandbox.contact_count(), 0, "nothing was written");
    let held = ws.store.lock().await.run(hold.run_id).unwrap().unwrap();
    assert_eq!((held.hold, held.mode), (Some(HoldState::Held), hubsync_store::RunMode::Preview));
    let portal = ws.store.lock().await.active_portal().unwrap().unwrap().portal_id;
    assert_eq!(ws.store.lock().await.held_runs(portal).unwrap().len(), 1);

    let run = approve_held(ws, hold.run_id, |_| {}).await.unwrap();
    assert_eq!((run.status, run.counts.created), (RunStatus::Completed, 3));
    assert_eq!(sandbox.contact_count(), 3);
    let decided = ws.store.lock().await.run_hold(hold.run_id).unwrap().unwrap();
    assert_eq!((decided.state, decided.approved_run_id), (HoldState::Approved, Some(run.id)));
    assert!(ws.store.lock().await.held_runs(portal).unwrap().is_empty());

    let again = approve_held(ws, hold.run_id, |_| {}).await.unwrap_err();
    assert_eq!(again.code, "hold_decided", "approved once: {again:?}");
    let refused = guardrails::refuse(&mut *ws.store.lock().await, hold.run_id).unwrap_err();
    assert_eq!(refused.code, "hold_decided");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_run_never_runs_and_an_approval_that_grew_stays_held() {
    let (sandbox, _dir, ws) = with_leads(&["a@example.com", "b@example.com"]).await;
    let ws = &ws;
    guardrails::set(&mut *ws.store.lock().await, &Guardrails { max_creates: Some(1), ..Guardrails::default() })
        .unwrap();
    let summary = preview(ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let held = run_previewed(ws, summary.run_id, Instant::now(), |_| {}).await.unwrap();
    let LiveOutcome::Held { hold } = held else { panic!("held: {held:?}") };
    let refused = guardrails::refuse(&mut *ws.store.lock().await, hold.run_id).unwrap();
    assert_eq!(refused.state, HoldState::Refused);
    let error = approve_held(ws, hold.run_id, |_| {}).await.unwrap_err();
    assert_eq!(error.code, "hold_decided");

    // Held at 2 creates; a third lead since makes the plan bigger than what is approved.
    let summary = preview(ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let LiveOutcome::Held { hold } = run_previewed(ws, summary.run_id, Instant::now(), |_| {}).await.unwrap() else {
        panic!("held")
    };
    ws.store.lock().await.add_lead("late@example.com", &[]).unwrap();
    let error = approve_held(ws, hold.run_id, |_| {}).await.unwrap_err();
    assert_eq!(error.code, "approval_exceeded", "{error:?}");
    assert!(error.message.contains("3 creates, your limit is 2"), "{}", error.message);
    let still = ws.store.lock().await.run_hold(hold.run_id).unwrap().unwrap();
    assert_eq!(still.state, HoldState::Held, "it can be approved later");
    assert_eq!(sandbox.contact_count(), 0);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overwrites_their_share_and_archives_are_measured_and_held() {
    let fixture: Fixture = serde_json::from_value(json!({ "contacts": [
        { "id": "701", "properties": { "email": "a@example.com", "company": "Old A" } },
        { "id": "702", "properties": { "email": "b@example.com" } },
        { "id": "703", "properties": { "email": "c@example.com", "company": "Same" } },
        { "id": "704", "properties": { "email": "d@example.com", "company": "Old D" } }
    ]}))
    .unwrap();
    let sandbox = portal_with_token(TOKEN, |config| config.fixture = Some(fixture)).await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    {
        let mut store = ws.store.lock().await;
        store.set_push_rules(Some(true), Some(true)).unwrap();
        store.set_mapping("company", "company", None).unwrap();
        for (email, company) in [("a", "New A"), ("b", "New B"), ("c", "Same"), ("d", "New D"), ("e", "New E")] {
            store.add_lead(&format!("{email}@example.com"), &[("company", company)]).unwrap();
        }
    }
    // a and d overwrite a value, b fills an empty one, c is unchanged, e is created: 2 of 5 rows.
    let limits = Guardrails { max_overwrites: Some(1), max_overwrite_percent: Some(30.0), ..Guardrails::default() };
    guardrails::set(&mut *ws.store.lock().await, &limits).unwrap();
    let summary = preview(&ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let figures = ws.store.lock().await.plan_figures(summary.run_id).unwrap();
    assert_eq!((figures.rows, figures.creates, figures.overwrites, figures.archives), (5, 1, 2, 0));
    assert_eq!(codes(&summary.crossed), ["overwrites", "overwrite-share"]);
    assert_eq!(summary.crossed[1].to_string(), "40 % of the rows overwrite a non-empty value, your limit is 30 %");

    // Within the limits it runs; its undo archives the one it created, past a limit of none.
    guardrails::set(&mut *ws.store.lock().await, &Guardrails { max_archives: Some(0), ..Guardrails::default() })
        .unwrap();
    let summary = preview(&ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    assert!(summary.crossed.is_empty());
    let run = run_previewed(&ws, summary.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    assert_eq!((run.counts.updated, run.counts.created), (3, 1));
    let options = UndoOptions { archive_created: true, ..UndoOptions::default() };
    let undo = preview(&ws, PlanRequest::Undo { run_id: run.id, options }, |_| {}).await.unwrap();
    assert_eq!(codes(&undo.crossed), ["archives"]);
    let held = run_previewed(&ws, undo.run_id, Instant::now(), |_| {}).await.unwrap();
    assert!(matches!(held, LiveOutcome::Held { .. }), "{held:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_past_the_failed_share_stop_the_run_between_batches_and_it_resumes() {
    // 250 contacts at "subscriber"; the leads say "lead"; the portal refuses a stage moved back.
    let contacts: Vec<_> = (0..250)
        .map(|i| json!({ "id": format!("{}", 10_000 + i), "properties": { "email": format!("c{i:03}@example.com"), "lifecyclestage": "subscriber" } }))
        .collect();
    let fixture: Fixture = serde_json::from_value(json!({ "contacts": contacts })).unwrap();
    let sandbox = portal_with_token(TOKEN, |config| {
        config.fixture = Some(fixture);
        config.lifecycle_backward = LifecycleBackward::Reject;
    })
    .await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    {
        let mut store = ws.store.lock().await;
        store.set_mapping("lifecycle_stage", "lifecyclestage", None).unwrap();
        for i in 0..250 {
            store.add_lead(&format!("c{i:03}@example.com"), &[("lifecycle_stage", "lead")]).unwrap();
        }
    }
    let (_, client) = ws.connected(|_| {}).await.unwrap();
    let cancel = hubsync_sync::Cancel::default();
    // One batch in flight at a time, so what follows the first is certainly not sent yet.
    let plan = {
        let mut store = ws.store.lock().await;
        Plan::prepare(&mut store, &client, PlanRequest::push(Vec::new()), 1, &cancel, &mut |_| {}).await.unwrap()
    };
    assert_eq!(plan.writes(), 250);
    // Between the plan and the run, the first 100 contacts become customers: "lead" is backwards.
    let inputs: Vec<_> = (0..100)
        .map(|i| json!({ "id": format!("{}", 10_000 + i), "properties": { "lifecyclestage": "customer" } }))
        .collect();
    let reply = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/contacts/batch/update", sandbox.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({ "inputs": inputs }))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{}", reply.status());

    let limits = Guardrails { max_failed_percent: Some(20.0), ..Guardrails::default() };
    let run = {
        let mut store = ws.store.lock().await;
        plan.run(&mut store, &client, 1, &limits, &cancel, &mut |_| {}).await.unwrap()
    };
    assert_eq!((run.status, run.stopped_by), (RunStatus::Interrupted, Some(Guardrail::FailedShare)), "{run:?}");
    assert_eq!((run.counts.failed, run.counts.pending), (100, 150), "stopped after the first batch");
    let reason = run.stop_reason.clone().unwrap_or_default();
    assert!(reason.contains("100 % of the rows written failed, your limit is 20 %"), "{reason}");

    // Resumed without the limit, the rows left are written; the stop is no longer the run's.
    let resumed = resume(&ws, run.id, |_| {}).await.unwrap();
    assert_eq!((resumed.status, resumed.stopped_by, resumed.counts.pending), (RunStatus::Completed, None, 0));
    assert_eq!((resumed.counts.updated, resumed.counts.failed), (150, 100));
    sandbox.shutdown().await;
}
