//! The run history as a terminal reads it: every run, one run with its writer and all its rows
//! (or the failed ones), and its export into a folder of the admin's choosing.

use std::time::Instant;

use hubsync_api::plans::PlanRequest;
use hubsync_api::runs::{self, RunDetail};
use hubsync_api::sync::{preview, run_previewed};
use hubsync_store::{ItemOutcome, RunItemFilter, RunMode};

use crate::support::fixture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_lists_a_run_shows_all_its_rows_and_exports_them_where_asked() {
    let f = fixture().await;
    let ws = &f.workspace;
    let summary = preview(ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let run = run_previewed(ws, summary.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");

    let store = ws.store.lock().await;
    let listed: Vec<(i64, RunMode)> = runs::list(&store).unwrap().iter().map(|r| (r.id, r.mode)).collect();
    assert_eq!(listed, vec![(run.id, RunMode::Live), (summary.run_id, RunMode::Preview)], "newest first");

    let RunDetail { run: shown, writer, portal_name, .. } = runs::detail(&store, run.id).unwrap();
    assert_eq!(shown, run);
    assert_eq!(writer, None, "nobody writes a finished run");
    assert_eq!(portal_name.as_deref(), Some(hubsync_api::builtin::SANDBOX_NAME));

    let all = runs::items(&store, run.id, &RunItemFilter::default()).unwrap();
    let mut emails: Vec<&str> = all.iter().map(|i| i.email.as_str()).collect();
    emails.sort_unstable();
    assert_eq!(emails, ["Sync-A@example.com", "sync-b@example.com"], "as the leads have them");
    let failed = RunItemFilter { outcome: Some(ItemOutcome::Failed), ..RunItemFilter::default() };
    assert!(runs::items(&store, run.id, &failed).unwrap().is_empty());
    assert_eq!(runs::items(&store, 999, &failed).unwrap_err().code, "run_not_found");
    assert_eq!(runs::get(&store, 999).unwrap_err().code, "run_not_found");

    // The folder is the admin's: made when missing, the files named after the run.
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("exports").join("today");
    let exported = runs::export(&store, run.id, &folder).unwrap();
    assert_eq!((exported.success_rows, exported.error_rows), (2, 0));
    assert_eq!(exported.folder, folder.display().to_string());
    let success = std::fs::read_to_string(folder.join(format!("run-{}-success.csv", run.id))).unwrap();
    assert!(success.contains("Sync-A@example.com") && success.contains("sync-b@example.com"), "{success}");
    assert_eq!(runs::export(&store, 999, &folder).unwrap_err().code, "run_not_found");
    drop(store);
    f.builtin.shutdown().await;
}
