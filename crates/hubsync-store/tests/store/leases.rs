//! One writer per run, across connections to one store file, as across processes: each
//! connection's lease holds its own OS lock, which another connection finds taken. (A holder
//! that ended is taken over: `crates/hubsync-cli/tests/cli/crash.rs` kills real processes.)

use hubsync_store::journal::{Journal, PlanJournal};
use hubsync_store::{ItemOutcome, ItemResult, RunAction, RunMode, RunStatus, Store, StoreError};

use super::portals::connection;
use super::runs::{item, new_run};

fn open(path: &std::path::Path) -> Store {
    Store::open(path, super::clock()).unwrap()
}

fn created(seq: i64, contact: &str) -> ItemResult {
    ItemResult { seq, outcome: ItemOutcome::Created, contact_id: Some(contact.into()), error: None }
}

#[test]
fn a_second_writer_is_refused_while_a_live_run_holds_its_portal() {
    let dir = super::temp_dir("lease-two-writers");
    let path = dir.join("hubsync.db");
    let mut first = open(&path);
    first.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
    let a = first.add_lead("a@example.com", &[]).unwrap();
    let b = first.add_lead("b@example.com", &[]).unwrap();
    let rows = [
        item(0, a.id, "a@example.com", RunAction::Create, None),
        item(1, b.id, "b@example.com", RunAction::Create, None),
    ];
    let run_id = first.create_run(&new_run(RunMode::Live), &rows).unwrap();

    let mut second = open(&path);
    let writer = second.run_writer(run_id).unwrap().expect("the first connection writes it");
    assert_eq!((writer.run_id, writer.pid), (run_id, std::process::id()));
    // Resuming it from elsewhere is refused, naming the run and its writer.
    let refused = second.reopen_run(run_id).unwrap_err();
    assert!(
        matches!(&refused, StoreError::RunInProgress { run_id: r, pid, .. } if *r == run_id && *pid == std::process::id()),
        "{refused:?}"
    );
    assert_eq!(refused.code(), "run_in_progress");
    assert!(refused.to_string().contains(&format!("run {run_id}")), "{refused}");
    // So is another live run of the same portal, which leaves no trace.
    let runs_before = second.runs().unwrap().len();
    let other = second.create_run(&new_run(RunMode::Live), &rows[..1]).unwrap_err();
    assert_eq!(other.code(), "run_in_progress");
    assert_eq!(second.runs().unwrap().len(), runs_before);
    // A connection without the lease records nothing and can't end the run.
    let lost = second.record_outcomes(run_id, &[created(0, "501")], 3).unwrap_err();
    assert_eq!(lost.code(), "lease_lost");
    assert!(second.finish_run(run_id, None, 3).is_err());
    assert!(second.mark_sent(run_id, &[1]).is_err());
    assert_eq!(second.run(run_id).unwrap().unwrap().counts.pending, 2, "nothing was recorded by the second");

    // The holder writes on, stops, and gives the run back: now the second may resume it.
    first.record_outcomes(run_id, &[created(0, "501")], 3).unwrap();
    assert_eq!(first.finish_run(run_id, Some("cancelled"), 3).unwrap(), RunStatus::Interrupted);
    assert!(second.run_writer(run_id).unwrap().is_none());
    assert_eq!(second.reopen_run(run_id).unwrap().status, RunStatus::Running);
    assert_eq!(first.reopen_run(run_id).unwrap_err().code(), "run_in_progress", "and the first is refused now");
    second.record_outcomes(run_id, &[created(1, "502")], 4).unwrap();
    assert_eq!(second.finish_run(run_id, None, 4).unwrap(), RunStatus::Completed);
    // A closed connection gives its lease back too.
    let again = first.create_run(&new_run(RunMode::Live), &rows[..1]).unwrap();
    drop(first);
    assert!(second.run_writer(again).unwrap().is_none());
}

#[test]
fn each_portal_has_its_own_writer() {
    let dir = super::temp_dir("lease-two-portals");
    let path = dir.join("hubsync.db");
    let mut first = open(&path);
    first.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
    let lead = first.add_lead("a@example.com", &[]).unwrap();
    let rows = [item(0, lead.id, "a@example.com", RunAction::Create, None)];
    first.create_run(&new_run(RunMode::Live), &rows).unwrap();
    let mut second = open(&path);
    let mut elsewhere = new_run(RunMode::Live);
    elsewhere.portal_id = Some(43);
    second.connect_portal(&connection(43, "other.hubspot.com")).unwrap();
    second.create_run(&elsewhere, &rows).expect("portal 43 is free");
}

#[test]
fn an_outcome_once_recorded_never_goes_back() {
    let mut store = super::runs::store();
    let lead = store.add_lead("a@example.com", &[]).unwrap();
    let run_id = store
        .create_run(&new_run(RunMode::Live), &[item(0, lead.id, "a@example.com", RunAction::Create, None)])
        .unwrap();
    store.record_outcomes(run_id, &[created(0, "501")], 1).unwrap();
    // A second reply for the same row (a writer that sent it again) says "updated": the row
    // stays created, so its undo archives the contact instead of blanking it.
    let again = ItemResult { seq: 0, outcome: ItemOutcome::Updated, contact_id: Some("501".into()), error: None };
    store.record_outcomes(run_id, &[again], 2).unwrap();
    let row = &store.run_items(run_id).unwrap()[0];
    assert_eq!(row.outcome, Some(ItemOutcome::Created));
    let counts = store.run(run_id).unwrap().unwrap().counts;
    assert_eq!((counts.created, counts.updated), (1, 0));
}

#[test]
fn a_portal_reconnected_at_another_address_keeps_no_link_and_its_runs_stay_where_they_were_made() {
    let mut store = super::runs::store();
    let lead = store.add_lead("a@example.com", &[]).unwrap();
    store.link_contact(lead.id, Some("1001")).unwrap();
    let run_id = store
        .create_run(&new_run(RunMode::Live), &[item(0, lead.id, "a@example.com", RunAction::Update, None)])
        .unwrap();
    assert_eq!(store.run(run_id).unwrap().unwrap().base_url.as_deref(), Some("https://api.hubapi.com"));
    store.finish_run(run_id, Some("cancelled"), 0).unwrap();

    // Portal 42 answers at another address now: that may be another account with its own 1001.
    let moved =
        hubsync_store::PortalConnection { base_url: "http://127.0.0.1:9".into(), ..connection(42, "acme.hubspot.com") };
    store.connect_portal(&moved).unwrap();
    assert_eq!(store.lead(lead.id).unwrap().unwrap().hubspot_id, None, "the link is not carried over");
    let refused = store.reopen_run(run_id).unwrap_err();
    assert_eq!(refused.code(), "other_portal");
    assert!(refused.to_string().contains("http://127.0.0.1:9"), "{refused}");
    let run = store.run(run_id).unwrap().unwrap();
    assert_eq!(store.check_run_address(&run).unwrap_err().code(), "other_portal");

    // Back at the address it was made against, it resumes; the dropped link stays dropped.
    store.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
    assert_eq!(store.reopen_run(run_id).unwrap().status, RunStatus::Running);
    assert_eq!(store.lead(lead.id).unwrap().unwrap().hubspot_id, None);
}

#[test]
fn the_built_in_sandbox_portal_keeps_its_links_wherever_it_listens() {
    let mut store = super::store();
    let sandbox = |port: u16| hubsync_store::PortalConnection {
        token_kind: hubsync_store::TokenKind::Sandbox,
        base_url: format!("http://127.0.0.1:{port}"),
        ..connection(7, "Built-in sandbox portal")
    };
    store.connect_portal(&sandbox(4000)).unwrap();
    let lead = store.add_lead("a@example.com", &[]).unwrap();
    store.link_contact(lead.id, Some("1001")).unwrap();
    store.connect_portal(&sandbox(4001)).unwrap();
    assert_eq!(store.lead(lead.id).unwrap().unwrap().hubspot_id.as_deref(), Some("1001"));
}

#[test]
fn an_incremental_pull_starts_from_the_last_pull_of_its_own_portal() {
    let mut store = super::runs::store();
    let mut pull = new_run(RunMode::Live);
    pull.kind = hubsync_store::RunKind::Pull;
    let of_42 = store.create_run(&pull, &[]).unwrap();
    store.connect_portal(&connection(43, "other.hubspot.com")).unwrap();
    assert!(store.last_completed_live_run(hubsync_store::RunKind::Pull, Some(43)).unwrap().is_none());
    assert_eq!(store.last_completed_live_run(hubsync_store::RunKind::Pull, Some(42)).unwrap().unwrap().id, of_42);
}

#[test]
fn a_plan_another_connection_holds_is_kept_and_a_gone_makers_plan_is_thrown_away() {
    let dir = super::temp_dir("lease-plans");
    let path = dir.join("hubsync.db");
    let mut maker = open(&path);
    maker.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
    // A plan waiting for its confirmation in one process (a `push` at its prompt)…
    let plan = maker.start_plan(&new_run(RunMode::Preview)).unwrap();
    // …is not another process's leftover to throw away when that one previews.
    let mut other = open(&path);
    assert_eq!(other.discard_unfinished_plans(hubsync_store::RunKind::Push).unwrap(), 0);
    assert!(other.run(plan).unwrap().is_some());
    // Once its maker is gone (this connection closed; a killed process's lock goes the same way)
    // it is.
    drop(maker);
    assert_eq!(other.discard_unfinished_plans(hubsync_store::RunKind::Push).unwrap(), 1);
    assert!(other.run(plan).unwrap().is_none());
}
