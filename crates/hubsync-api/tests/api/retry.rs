//! Rows HubSpot refused at write time, retried once their cause is fixed: the retry plans only
//! the failed rows, as the app's "Retry failed rows" and a push by email do.

use std::time::Instant;

use hubsync_api::plans::PlanRequest;
use hubsync_api::runs;
use hubsync_api::sync::{preview, run_previewed};
use hubsync_sandbox::{Fixture, LifecycleBackward, Sandbox};
use hubsync_store::{ItemOutcome, RunItemFilter, RunStatus};
use serde_json::json;

use crate::support::{connected_workspace, portal_with_token};

const TOKEN: &str = "pat-na1-retry-test";

/// Moves a contact's lifecycle stage in the portal, as someone in HubSpot would.
async fn set_stage(sandbox: &Sandbox, id: &str, stage: &str) {
    let reply = reqwest::Client::new()
        .patch(format!("{}/crm/v3/objects/contacts/{id}", sandbox.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({ "properties": { "lifecyclestage": stage } }))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{}", reply.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_row_fails_alone_and_its_retry_plans_only_it() {
    // This portal refuses moving a contact's stage backwards, as HubSpot does.
    let fixture: Fixture = serde_json::from_value(json!({
        "contacts": [{ "id": "501", "properties": { "email": "kept@example.com", "lifecyclestage": "subscriber" } }]
    }))
    .unwrap();
    let sandbox = portal_with_token(TOKEN, |config| {
        config.fixture = Some(fixture);
        config.lifecycle_backward = LifecycleBackward::Reject;
    })
    .await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    {
        let mut store = ws.store.lock().await;
        store.set_push_rules(Some(true), Some(true)).unwrap();
        store.set_mapping("lifecycle_stage", "lifecyclestage", None).unwrap();
        store.add_lead("kept@example.com", &[("lifecycle_stage", "lead")]).unwrap();
        store.add_lead("new@example.com", &[("lifecycle_stage", "lead")]).unwrap();
    }
    let summary = preview(&ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    assert_eq!((summary.counts.update, summary.counts.create), (1, 1));

    // Between the preview and the run, the contact moves on to customer: "lead" is backwards now.
    set_stage(&sandbox, "501", "customer").await;
    let run = run_previewed(&ws, summary.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    assert_eq!((run.status, run.counts.created, run.counts.failed), (RunStatus::Completed, 1, 1));
    let failed_only = RunItemFilter { outcome: Some(ItemOutcome::Failed), ..RunItemFilter::default() };
    let failed = runs::items(&*ws.store.lock().await, run.id, &failed_only).unwrap();
    assert_eq!(failed.iter().map(|i| i.email.as_str()).collect::<Vec<_>>(), ["kept@example.com"]);
    let error = failed[0].error.as_ref().map(ToString::to_string).unwrap_or_default();
    assert!(error.contains("VALIDATION_ERROR") && error.contains("lifecyclestage"), "{error}");

    // The cause fixed in HubSpot (a stage moves back once cleared), the retry plans the failed
    // row alone and it lands.
    set_stage(&sandbox, "501", "").await;
    let retry = preview(&ws, PlanRequest::RetryFailed { run_id: run.id }, |_| {}).await.unwrap();
    assert_eq!((retry.counts.update, retry.counts.create, retry.writes), (1, 0, 1), "{retry:?}");
    let retried = run_previewed(&ws, retry.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    assert_eq!((retried.status, retried.counts.updated, retried.counts.failed), (RunStatus::Completed, 1, 0));

    let nothing = preview(&ws, PlanRequest::RetryFailed { run_id: retried.id }, |_| {}).await.unwrap_err();
    assert_eq!(nothing.code, "no_failed_rows", "{nothing:?}");
    sandbox.shutdown().await;
}
