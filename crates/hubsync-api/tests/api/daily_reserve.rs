//! The share of a private app's daily limit kept for the portal's other apps: a live run stops
//! before it, resumable, and goes on once the admin lowers the reserve.

use std::time::Instant;

use hubsync_api::connect::set_daily_reserve;
use hubsync_api::plans::PlanRequest;
use hubsync_api::status::status;
use hubsync_api::sync::{preview, resume, run_previewed};
use hubsync_store::{ImportOptions, LeadRow, RunStatus};

use crate::support::{connected_workspace, portal_with_token};

const TOKEN: &str = "pat-na1-reserve-test";
const LEADS: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stops_before_the_daily_reserve_and_resumes_once_it_is_lowered() {
    let sandbox = portal_with_token(TOKEN, |_| {}).await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    assert_eq!(ws.active_portal().await.unwrap().daily_reserve_percent, 10, "ten percent unless told");
    {
        let mut store = ws.store.lock().await;
        store.set_push_rules(Some(true), Some(true)).unwrap();
        let rows: Vec<LeadRow> = (0..LEADS)
            .map(|i| LeadRow { row: i + 1, email: format!("lead{i}@example.com"), values: Vec::new() })
            .collect();
        store.import_leads(&rows, ImportOptions::default()).unwrap();
    }
    let summary = preview(&ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    assert_eq!(summary.counts.create, LEADS as u64);

    // A few calls above the reserve: the portal check and the first batches go (each sent while
    // the last reply left more than the reserve), the others wait for the admin.
    sandbox.set_daily_calls_left(25_005);
    let run = run_previewed(&ws, summary.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    assert_eq!(run.status, RunStatus::Interrupted, "{run:?}");
    assert!(run.counts.pending > 0 && run.counts.created > 0, "{:?}", run.counts);
    let reason = run.stop_reason.clone().unwrap_or_default();
    assert!(reason.contains("kept free for its other apps"), "{reason}");
    let seen = status(&ws).await.unwrap().daily_use.expect("the day's use is known");
    assert_eq!((seen.limit, seen.reserve_percent), (250_000, 10));
    assert!(seen.remaining <= 25_000, "{seen:?}");

    set_daily_reserve(&ws, None, 0).await.unwrap();
    let resumed = resume(&ws, run.id, |_| {}).await.unwrap();
    assert_eq!(
        (resumed.status, resumed.counts.created, resumed.counts.pending),
        (RunStatus::Completed, LEADS as u64, 0)
    );
    assert_eq!(set_daily_reserve(&ws, None, 91).await.unwrap_err().code, "invalid_daily_reserve");
    sandbox.shutdown().await;
}
