//! Sync jobs end to end against the built-in sandbox portal: preview, live run with progress,
//! cancel and resume, undo, retry and export, as the app runs them.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use hubsync_api::jobs::{JobKind, JobStart, JobStep, SyncJobStatus};
use hubsync_api::plans::PlanRequest;
use hubsync_api::progress::SyncProgress;
use hubsync_api::runs::{associations_page, companies_page, detail, export_into};
use hubsync_api::sync::{preview, resume, run_previewed};
use hubsync_store::{
    AssociationAction, AssociationOutcome, ItemOutcome, RunAction, RunItemFilter, RunKind, RunMode, RunStatus, Store,
    SystemClock,
};
use hubsync_sync::Phase;
use hubsync_sync::UndoOptions;

use crate::support::fixture;

/// The reason the app gives a run it cancels.
const CANCELLED_IN_APP: &str = "cancelled in the app";

type Sent = Arc<Mutex<Vec<SyncProgress>>>;

fn collect() -> (Sent, impl FnMut(SyncProgress) + Send + 'static) {
    let sent: Sent = Arc::default();
    let into = sent.clone();
    (sent, move |p| into.lock().unwrap().push(p))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_preview_counts_the_leads_it_skips_by_reason() {
    let f = fixture().await;
    f.workspace.store.lock().await.set_push_rules(None, Some(false)).unwrap();
    let summary = preview(&f.workspace, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    assert_eq!((summary.counts.skip, summary.writes), (2, 0));
    let details: Vec<_> = summary.details.iter().map(|l| (l.key.as_str(), l.count)).collect();
    // Neither lead has a contact and creating is off: the one reason there is, and no zero lines.
    assert_eq!(details, [("no-match-create-off", 2)]);
}

/// With the company rules on, the preview's summary counts the companies and associations, the
/// rows to write include them, and the run's detail has their outcomes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_preview_and_its_run_carry_the_companies_and_associations() {
    let f = fixture().await;
    f.workspace.store.lock().await.set_company_push_rules(Some(true), Some(true)).unwrap();
    let summary = preview(&f.workspace, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    let companies = summary.companies.clone().expect("the company rules are on");
    let k = &companies.counts;
    assert_eq!(k.create + k.update + k.unchanged, 1, "one domain, example.com: {k:?}");
    assert_eq!(k.associate, 2, "both new contacts get its company");
    assert_eq!(summary.writes, 2 + k.create + k.update + 2, "contacts, the company, the associations");
    {
        // The app reads the rows a page at a time, after the last row it has.
        let store = f.workspace.store.lock().await;
        let companies = companies_page(&store, summary.run_id, -1, 10).unwrap();
        let domains: Vec<_> = companies.items.iter().map(|c| c.domain.as_str()).collect();
        assert_eq!(domains, ["example.com"]);
        assert!(companies_page(&store, summary.run_id, companies.items[0].seq, 10).unwrap().items.is_empty());
        let first = associations_page(&store, summary.run_id, -1, 1).unwrap();
        let rest = associations_page(&store, summary.run_id, first.items[0].seq, 10).unwrap();
        let rows: Vec<_> = first.items.iter().chain(&rest.items).map(|a| (a.action, a.domain.as_deref())).collect();
        assert_eq!(rows, [(AssociationAction::Associate, Some("example.com")); 2], "one page each");
        let shown = serde_json::to_value(&first).unwrap();
        assert!(shown["items"][0]["reason_code"].is_null(), "{shown}");
        assert_eq!(companies_page(&store, 9999, -1, 10).unwrap_err().code, "run_not_found");
    }
    let run =
        run_previewed(&f.workspace, summary.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    assert_eq!(run.status, RunStatus::Completed);
    let shown = detail(&*f.workspace.store.lock().await, run.id).unwrap().companies.unwrap();
    assert_eq!((shown.counts.associated, shown.counts.association_failed, shown.counts.failed), (2, 0, 0));
    let associations = associations_page(&*f.workspace.store.lock().await, run.id, -1, 10).unwrap();
    assert!(
        associations.items.iter().all(|a| a.outcome == Some(AssociationOutcome::Associated) && a.contact_id.is_some()),
        "{associations:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_is_previewed_run_exported_and_undone() {
    let f = fixture().await;
    let (sent, send) = collect();
    let request = PlanRequest::push(Vec::new());
    let summary = preview(&f.workspace, request, send).await.unwrap();
    assert_eq!((summary.kind, summary.counts.create, summary.counts.update, summary.writes), (RunKind::Push, 2, 0, 2));
    assert_eq!(summary.portal_name, hubsync_api::builtin::SANDBOX_NAME);
    assert!(summary.api_calls > 0 && summary.seconds >= 0.0, "{summary:?}");
    assert!(sent.lock().unwrap().iter().any(|p| p.phase == Phase::Reading), "reading is reported");
    {
        let store = f.workspace.store.lock().await;
        let page = store.run_items_page(summary.run_id, &RunItemFilter::default(), 0, 50).unwrap();
        assert_eq!(page.total, 2);
        assert!(page.items.iter().all(|i| i.action == RunAction::Create && i.outcome == Some(ItemOutcome::Previewed)));
    }

    let (sent, send) = collect();
    let run = run_previewed(&f.workspace, summary.run_id, Instant::now(), send).await.unwrap().ran().expect("not held");
    assert_eq!(
        (run.mode, run.status, run.counts.created, run.counts.failed),
        (RunMode::Live, RunStatus::Completed, 2, 0)
    );
    let sent = sent.lock().unwrap().clone();
    let last = sent.last().unwrap();
    assert_eq!((last.phase, last.done, last.total), (Phase::Writing, 2, 2));
    assert_eq!(last.run_id, Some(run.id), "the live run is found for its counts");
    let live = last.counts.as_ref().unwrap();
    assert_eq!((live.created, live.pending), (2, 0), "the last message has the final counts");

    let again = run_previewed(&f.workspace, summary.run_id, Instant::now(), |_| {}).await.unwrap_err();
    assert_eq!(again.code, "preview_stale", "a preview runs once");

    {
        let store = f.workspace.store.lock().await;
        let out = tempfile::tempdir().unwrap();
        let first = export_into(&store, run.id, out.path(), "20261124-120000").unwrap();
        let second = export_into(&store, run.id, out.path(), "20261124-120000").unwrap();
        assert_ne!(first.folder, second.folder, "an export never replaces an earlier one");
        assert!(second.folder.ends_with(&format!("hubsync-run-{}-20261124-120000-2", run.id)));
        assert_eq!((first.success_rows, first.error_rows), (2, 0));
        let success = std::fs::read_to_string(&first.success_file).unwrap();
        assert!(success.contains("sync-b@example.com"), "{success}");
        assert_eq!(hubsync_sync::failed_emails(&store, run.id).unwrap_err().code(), "no_failed_rows");
    }

    let request =
        PlanRequest::Undo { run_id: run.id, options: UndoOptions { archive_created: true, ..UndoOptions::default() } };
    let undo = preview(&f.workspace, request, |_| {}).await.unwrap();
    assert_eq!((undo.kind, undo.undo_of, undo.counts.archive, undo.writes), (RunKind::Undo, Some(run.id), 2, 2));
    let undone =
        run_previewed(&f.workspace, undo.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    assert_eq!((undone.kind, undone.status, undone.counts.archived), (RunKind::Undo, RunStatus::Completed, 2));
    let store = f.workspace.store.lock().await;
    assert_eq!(detail(&store, run.id).unwrap().undo_runs[0].id, undone.id);
    assert_eq!(hubsync_sync::failed_emails(&store, undone.id).unwrap_err().code(), "not_a_push_run");
    drop(store);
    f.builtin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_keeps_its_rows_for_resume_and_one_job_runs_at_a_time() {
    let f = fixture().await;
    let summary = preview(&f.workspace, PlanRequest::Pull, |_| {}).await.unwrap();
    assert_eq!(summary.kind, RunKind::Pull);
    let summary = preview(&f.workspace, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();

    // Cancelled as writing begins: nothing is sent, every row stays pending.
    let jobs = f.workspace.jobs.clone();
    let run = run_previewed(&f.workspace, summary.run_id, Instant::now(), move |p: SyncProgress| {
        if p.phase == Phase::Writing {
            let at = JobStart { started: Instant::now(), started_at: String::new(), run_id: None };
            let second = jobs.start(JobKind::new(JobStep::Preview, RunKind::Pull), 1, at).unwrap_err();
            assert_eq!(second.code, "job_running");
            jobs.cancel(CANCELLED_IN_APP);
        }
    })
    .await
    .unwrap()
    .ran()
    .expect("not held");
    assert_eq!(
        (run.status, run.stop_reason.as_deref(), run.counts.pending),
        (RunStatus::Interrupted, Some(CANCELLED_IN_APP), 2)
    );
    assert!(run.is_resumable());

    let resumed = resume(&f.workspace, run.id, |_| {}).await.unwrap();
    assert_eq!((resumed.id, resumed.status, resumed.counts.created), (run.id, RunStatus::Completed, 2));
    assert!(!f.workspace.jobs.cancel("nothing runs"), "the slot is free again");
    f.builtin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_cancelled_while_reading_records_nothing_and_frees_the_slot() {
    let f = fixture().await;
    let before = f.workspace.store.lock().await.newest_run_id().unwrap();
    let jobs = f.workspace.jobs.clone();
    let (sent, send) = collect();
    let mut send = send;
    let db_path = f.workspace.db_path.clone();
    let error = preview(&f.workspace, PlanRequest::Pull, move |p: SyncProgress| {
        assert_eq!(p.phase, Phase::Reading);
        jobs.cancel(CANCELLED_IN_APP);
        // A reloaded page asking now: a pull preview, no run yet, the progress just sent.
        let store = Store::open(&db_path, Arc::new(SystemClock)).unwrap();
        let status = jobs.status(&store, Instant::now()).unwrap().unwrap();
        assert_eq!((status.step, status.kind, status.run_id), (JobStep::Preview, RunKind::Pull, None));
        assert_eq!(status.progress.as_ref(), Some(&p));
        assert!(status.cancelling);
        send(p);
    })
    .await
    .unwrap_err();
    assert_eq!(error.code, "cancelled");
    assert!(error.message.contains(CANCELLED_IN_APP), "{}", error.message);
    assert_eq!(sent.lock().unwrap().len(), 1, "no page read after the cancel");
    let store = f.workspace.store.lock().await;
    assert_eq!(store.newest_run_id().unwrap(), before, "no preview recorded");
    assert_eq!(f.workspace.jobs.status(&store, Instant::now()).unwrap(), None, "the slot is free");
    drop(store);
    f.builtin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_pull_reports_to_the_page_and_to_the_status_and_cancels_resumably() {
    let f = fixture().await;
    let summary = preview(&f.workspace, PlanRequest::Pull, |_| {}).await.unwrap();
    let rows = summary.writes;
    assert!(rows > 0, "{summary:?}");

    // The page reloads while the pull runs: the status tells what runs and how far it is.
    let jobs = f.workspace.jobs.clone();
    let db_path = f.workspace.db_path.clone();
    let statuses: Arc<Mutex<Vec<SyncJobStatus>>> = Arc::default();
    let seen = statuses.clone();
    let (sent, send) = collect();
    let mut send = send;
    let run = run_previewed(&f.workspace, summary.run_id, Instant::now(), move |p: SyncProgress| {
        if p.phase == Phase::Applying {
            jobs.cancel(CANCELLED_IN_APP);
        }
        let store = Store::open(&db_path, Arc::new(SystemClock)).unwrap();
        seen.lock().unwrap().push(jobs.status(&store, Instant::now()).unwrap().unwrap());
        send(p);
    })
    .await
    .unwrap()
    .ran()
    .expect("not held");
    assert_eq!((run.status, run.stop_reason.as_deref()), (RunStatus::Interrupted, Some(CANCELLED_IN_APP)));
    assert_eq!((run.counts.created + run.counts.updated, run.counts.pending), (0, rows), "stopped before a chunk");
    let sent = sent.lock().unwrap().clone();
    let applied: Vec<(u64, u64)> =
        sent.iter().filter(|p| p.phase == Phase::Applying).map(|p| (p.done, p.total)).collect();
    assert_eq!(applied, vec![(0, rows)]);

    let statuses = statuses.lock().unwrap().clone();
    let last = statuses.last().unwrap();
    assert_eq!((last.step, last.kind, last.run_id), (JobStep::Run, RunKind::Pull, Some(run.id)));
    let progress = last.progress.as_ref().unwrap();
    assert_eq!((progress.phase, progress.total), (Phase::Applying, rows));
    assert_eq!(progress.done, 0, "rows done read from the run in the store");
    assert!(last.cancelling && last.started_at.contains('T'), "{last:?}");
    assert_eq!(f.workspace.jobs.status(&*f.workspace.store.lock().await, Instant::now()).unwrap(), None);

    let (sent, send) = collect();
    let resumed = resume(&f.workspace, run.id, send).await.unwrap();
    assert_eq!((resumed.status, resumed.counts.pending, resumed.counts.created), (RunStatus::Completed, 0, rows));
    let applied: Vec<(u64, u64)> = sent.lock().unwrap().iter().map(|p| (p.done, p.total)).collect();
    assert_eq!(applied, vec![(0, rows), (rows, rows)], "the core's chunks, as they are applied");
    f.builtin.shutdown().await;
}

/// A pull's preview counts the contacts' companies and deals beside its rows, and a lead it
/// brought shows its company and deals; without the companies scope, that part is named as
/// skipped and the contacts still come in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_preview_counts_companies_and_deals_and_a_pulled_lead_shows_them() {
    let f = fixture().await;
    let summary = preview(&f.workspace, PlanRequest::Pull, |_| {}).await.unwrap();
    let details: std::collections::HashMap<&str, u64> =
        summary.details.iter().map(|l| (l.key.as_str(), l.count)).collect();
    assert!(details["with-company"] > 0 && details["new-companies"] > 0 && details["deals"] > 0, "{details:?}");
    assert_eq!(details["company-rule-left-out"], 0);
    assert!(summary.skipped_parts.is_empty(), "{:?}", summary.skipped_parts);
    run_previewed(&f.workspace, summary.run_id, Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    let store = f.workspace.store.lock().await;
    let shown: Vec<_> =
        store.leads().unwrap().iter().map(|l| hubsync_api::leads::detail(&store, l.id).unwrap()).collect();
    let deals: u64 = shown.iter().map(|d| d.deals.len() as u64).sum();
    assert_eq!(deals, details["deals"], "every deal the preview counted, on its lead");
    assert_eq!(shown.iter().filter(|d| d.company.is_some()).count() as u64, details["with-company"]);
    drop(store);
    f.builtin.shutdown().await;

    let token = "pat-na1-no-companies";
    let sandbox = crate::support::portal_with_token(token, |config| {
        config.seed_contacts = 20;
        config.private_tokens[0].scopes.retain(|s| !s.contains("companies"));
    })
    .await;
    let (_dir, workspace) = crate::support::connected_workspace(&sandbox, token).await;
    let summary = preview(&workspace, PlanRequest::Pull, |_| {}).await.unwrap();
    let skipped = &summary.skipped_parts;
    assert_eq!(
        (skipped.len(), skipped[0].part, skipped[0].code.as_str()),
        (1, hubsync_sync::RelatedPart::Companies, "missing_scopes")
    );
    assert!(summary.counts.create > 0, "the contacts still come in: {:?}", summary.counts);
    let with_company = summary.details.iter().find(|l| l.key == "with-company").unwrap();
    assert_eq!(with_company.count, 0);
}
