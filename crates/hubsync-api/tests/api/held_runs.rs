//! Held runs as the app lists and opens them: the active portal's runs waiting for approval,
//! and a run's detail carrying what held it and what became of it.

use std::time::Instant;

use hubsync_api::guardrails::{self, LiveOutcome};
use hubsync_api::plans::PlanRequest;
use hubsync_api::runs;
use hubsync_api::sync::{preview, run_previewed};
use hubsync_store::{Guardrail, Guardrails, HoldState};

use crate::support::fixture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_run_is_listed_until_decided_and_its_detail_says_why_and_what_became_of_it() {
    let f = fixture().await;
    let ws = &f.workspace;
    let limits = Guardrails { max_creates: Some(1), ..Guardrails::default() };
    guardrails::set(&mut *ws.store.lock().await, &limits).unwrap();
    assert!(guardrails::held_runs(&*ws.store.lock().await).unwrap().is_empty());

    let summary = preview(ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let LiveOutcome::Held { hold } = run_previewed(ws, summary.run_id, Instant::now(), |_| {}).await.unwrap() else {
        panic!("two creates cross a limit of one");
    };
    let mut store = ws.store.lock().await;
    let held = guardrails::held_runs(&store).unwrap();
    assert_eq!(held.iter().map(|h| h.run_id).collect::<Vec<_>>(), [hold.run_id]);

    let detail = runs::detail(&store, hold.run_id).unwrap();
    assert_eq!(detail.run.hold, Some(HoldState::Held));
    let shown = detail.hold.expect("a held run's detail has its hold");
    assert_eq!(
        shown.crossed.iter().map(|c| (c.guardrail, c.planned, c.limit)).collect::<Vec<_>>(),
        [(Guardrail::Creates, 2.0, 1.0)]
    );
    let json = serde_json::to_value(runs::detail(&store, summary.run_id).unwrap()).unwrap();
    assert_eq!(json["hold"]["state"], "held", "{json}");

    let refused = guardrails::refuse(&mut store, hold.run_id).unwrap();
    assert_eq!(refused.state, HoldState::Refused);
    assert!(guardrails::held_runs(&store).unwrap().is_empty(), "a refused run waits for nothing");
    let decided = runs::detail(&store, hold.run_id).unwrap().hold.unwrap();
    assert_eq!((decided.state, decided.decided_at.is_some()), (HoldState::Refused, true));
    assert_eq!(guardrails::refuse(&mut store, hold.run_id).unwrap_err().code, "hold_decided");

    guardrails::set(&mut store, &Guardrails::default()).unwrap();
    drop(store);

    let summary = preview(ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let run = run_previewed(ws, summary.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("no limits");
    let json = serde_json::to_value(runs::detail(&*ws.store.lock().await, run.id).unwrap()).unwrap();
    assert!(json.get("hold").is_none(), "a run never held has no hold: {json}");
    f.builtin.shutdown().await;
}
