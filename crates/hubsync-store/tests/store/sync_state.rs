//! What the overview reads: which leads have changes a push would send (in step with their
//! contact since a sync, or not), how far a portal's syncs have come, its newest runs, and
//! whether its push rules were decided.

use std::sync::Arc;

use chrono::Duration;
use hubsync_store::journal::{Journal, PlanJournal, PlanRow};
use hubsync_store::{
    Clock, FixedClock, ItemOutcome, ItemResult, LeadSyncCounts, NewRun, PulledLead, RowReason, RunAction, RunItem,
    RunKind, RunMode, Store, SyncMilestones,
};

use super::runs::{item, new_run};

/// A store on portal 42 with a clock the test moves.
fn store() -> (Arc<FixedClock>, Store) {
    let clock = Arc::new(FixedClock::at("2026-05-01T12:00:00Z".parse().unwrap()));
    let mut store = Store::open_in_memory(clock.clone()).unwrap();
    store.connect_portal(&super::portals::connection(42, "acme.hubspot.com")).unwrap();
    (clock, store)
}

fn counts(total: u64, linked: u64, changed_since_sync: u64) -> LeadSyncCounts {
    LeadSyncCounts { total, linked, not_linked: total - linked, changed_since_sync }
}

/// A row of lead `lead_id` with this action and reason, matched to `contact`.
fn row(seq: i64, lead_id: i64, action: RunAction, reason: Option<RowReason>, contact: Option<&str>) -> RunItem {
    let mut row = item(seq, lead_id, &format!("lead{lead_id}@example.com"), action, None);
    row.reasons = reason.into_iter().collect();
    row.contact_id = contact.map(String::from);
    row.outcome = if action == RunAction::Skip { Some(ItemOutcome::Skipped) } else { None };
    row
}

/// Records what a live run's writes came to, and ends it.
fn write(store: &mut Store, run_id: i64, results: &[ItemResult]) {
    store.record_outcomes(run_id, results, 1).unwrap();
    store.finish_run(run_id, None, 1).unwrap();
}

fn written(seq: i64, outcome: ItemOutcome, contact: &str) -> ItemResult {
    ItemResult { seq, outcome, contact_id: Some(contact.into()), error: None }
}

#[test]
fn a_lead_is_in_step_once_a_push_writes_it_or_finds_it_unchanged_until_it_changes_here() {
    let (clock, mut store) = store();
    let ids: Vec<i64> =
        ["a", "b", "c", "d"].iter().map(|n| store.add_lead(&format!("{n}@example.com"), &[]).unwrap().id).collect();
    let [a, b, c, d] = ids[..] else { unreachable!() };
    assert_eq!(store.lead_sync_counts().unwrap(), counts(4, 0, 4), "never pushed: every lead");

    clock.advance(Duration::minutes(1));
    let push = store
        .create_run(
            &new_run(RunMode::Live),
            [
                row(0, a, RunAction::Update, None, Some("100")),
                row(1, b, RunAction::Skip, Some(RowReason::Unchanged), Some("101")),
                row(2, c, RunAction::Skip, Some(RowReason::NoMatchCreateOff), None),
                row(3, d, RunAction::Skip, Some(RowReason::UpdateOff), Some("103")),
            ],
        )
        .unwrap();
    // Unchanged: in step; update off: linked, but its changes were not sent.
    assert_eq!(store.lead_sync_counts().unwrap(), counts(4, 2, 3));
    write(&mut store, push, &[written(0, ItemOutcome::Updated, "100")]);
    assert_eq!(store.lead_sync_counts().unwrap(), counts(4, 3, 2), "c has no contact, d was not written");

    clock.advance(Duration::minutes(1));
    store.update_lead(b, &[("city", "Oslo")]).unwrap();
    assert_eq!(store.lead_sync_counts().unwrap(), counts(4, 3, 3), "b changed here since");
    store.link_contact(a, Some("555")).unwrap();
    assert_eq!(store.lead_sync_counts().unwrap(), counts(4, 3, 4), "linked by hand to another contact");

    // Pushed to that contact, then undone: the undo took a's values back.
    let again = store.create_run(&new_run(RunMode::Live), [row(0, a, RunAction::Update, None, Some("555"))]).unwrap();
    write(&mut store, again, &[written(0, ItemOutcome::Updated, "555")]);
    assert_eq!(store.lead_sync_counts().unwrap(), counts(4, 3, 3));
    let undo_run = NewRun { kind: RunKind::Undo, ..new_run(RunMode::Live) };
    let undo = store.create_run(&undo_run, [row(0, a, RunAction::Update, None, Some("555"))]).unwrap();
    write(&mut store, undo, &[written(0, ItemOutcome::Updated, "555")]);
    assert_eq!(store.lead_sync_counts().unwrap(), counts(4, 3, 4));
}

/// A push writes the lead as its plan read it: an edit between the preview and the run is a
/// change the run did not send.
#[test]
fn a_lead_edited_after_its_plan_read_it_still_has_changes_after_the_run() {
    let (clock, mut store) = store();
    let ids: Vec<i64> =
        ["a", "b", "c"].iter().map(|n| store.add_lead(&format!("{n}@example.com"), &[]).unwrap().id).collect();
    let [a, b, c] = ids[..] else { unreachable!() };
    clock.advance(Duration::minutes(1));
    let plan = store.start_plan(&new_run(RunMode::Preview)).unwrap();
    let preview = |mut row: RunItem| {
        row.outcome = RunMode::Preview.initial_outcome(row.outcome);
        PlanRow { item: row, claim: None }
    };
    store
        .add_plan_rows(
            plan,
            [
                preview(row(0, a, RunAction::Update, None, Some("7"))),
                preview(row(1, b, RunAction::Skip, Some(RowReason::Unchanged), Some("8"))),
                preview(row(2, c, RunAction::Skip, Some(RowReason::Unchanged), Some("9"))),
            ],
        )
        .unwrap();
    store.record_plan(plan).unwrap();

    clock.advance(Duration::minutes(5));
    store.update_lead(a, &[("city", "Oslo")]).unwrap();
    store.update_lead(b, &[("city", "Graz")]).unwrap();
    clock.advance(Duration::minutes(5));
    let live = store.live_run_from_plan(plan).unwrap();
    write(&mut store, live, &[written(0, ItemOutcome::Updated, "7")]);
    assert_eq!(store.lead_sync_counts().unwrap(), counts(3, 3, 2), "a and b changed after the plan read them");
}

#[test]
fn a_pull_leaves_the_leads_it_creates_in_step_and_those_it_updates_as_they_were() {
    let (clock, mut store) = store();
    let in_step = store.add_lead("in-step@example.com", &[]).unwrap().id;
    let edited = store.add_lead("edited@example.com", &[]).unwrap().id;
    let push =
        store.create_run(&new_run(RunMode::Live), [row(0, in_step, RunAction::Update, None, Some("500"))]).unwrap();
    write(&mut store, push, &[written(0, ItemOutcome::Updated, "500")]);
    clock.advance(Duration::minutes(1));
    store.update_lead(edited, &[("city", "Oslo")]).unwrap();
    assert_eq!(store.lead_sync_counts().unwrap(), counts(2, 1, 1));

    clock.advance(Duration::minutes(1));
    let pull_run = NewRun { kind: RunKind::Pull, ..new_run(RunMode::Live) };
    let pull = store
        .create_run(
            &pull_run,
            [
                row(0, in_step, RunAction::Update, None, Some("500")),
                row(1, edited, RunAction::Update, None, Some("501")),
                row(2, 0, RunAction::Create, None, Some("502")),
            ],
        )
        .unwrap();
    let pulled = |seq: i64, lead_id: Option<i64>, email: &str| PulledLead {
        seq,
        lead_id,
        email: email.into(),
        contact_id: format!("{}", 500 + seq),
        values: vec![("company".into(), "Pulled".into())],
        related: None,
    };
    store
        .apply_pull(
            pull,
            &[
                pulled(0, Some(in_step), "in-step@example.com"),
                pulled(1, Some(edited), "edited@example.com"),
                pulled(2, None, "new@example.com"),
            ],
        )
        .unwrap();
    assert_eq!(store.lead_sync_counts().unwrap(), counts(3, 3, 1), "only the lead edited here has changes");
}

#[test]
fn a_portals_milestones_newest_runs_and_decided_rules_are_its_own() {
    let (clock, mut store) = store();
    assert_eq!(store.sync_milestones(42).unwrap(), SyncMilestones::default());
    assert_eq!(store.push_rules_decided_at().unwrap(), None, "as the portal got them");

    let lead = store.add_lead("a@example.com", &[]).unwrap().id;
    let plan = store.start_plan(&new_run(RunMode::Preview)).unwrap();
    assert_eq!(store.sync_milestones(42).unwrap(), SyncMilestones::default(), "a plan still being made");
    store.record_plan(plan).unwrap();
    assert_eq!(store.sync_milestones(42).unwrap(), SyncMilestones { previewed: true, ran_live: false });
    let live = store.create_run(&new_run(RunMode::Live), [row(0, lead, RunAction::Update, None, Some("1"))]).unwrap();
    assert_eq!(store.sync_milestones(42).unwrap(), SyncMilestones { previewed: true, ran_live: false }, "running");
    write(&mut store, live, &[written(0, ItemOutcome::Updated, "1")]);
    assert_eq!(store.sync_milestones(42).unwrap(), SyncMilestones { previewed: true, ran_live: true });
    let undo_run = NewRun { kind: RunKind::Undo, ..new_run(RunMode::Live) };
    let undo = store.create_run(&undo_run, [row(0, lead, RunAction::Skip, None, None)]).unwrap();
    assert_eq!(store.sync_milestones(7).unwrap(), SyncMilestones::default(), "another portal's");

    let recent: Vec<(i64, RunMode, u64)> =
        store.recent_runs(Some(42), 2).unwrap().iter().map(|r| (r.id, r.mode, r.counts.update)).collect();
    assert_eq!(recent, [(undo, RunMode::Live, 0), (live, RunMode::Live, 1)], "the newest first, with counts");
    assert_eq!(store.recent_runs(Some(42), 10).unwrap().len(), 3);
    assert!(store.recent_runs(Some(7), 10).unwrap().is_empty());

    clock.advance(Duration::minutes(3));
    store.set_push_rules(None, None).unwrap();
    assert_eq!(store.push_rules_decided_at().unwrap(), Some(clock.now()), "kept as they were: decided");
    // A new portal asks again, whatever it copied.
    store.connect_portal(&super::portals::connection(7, "prod.hubspot.com")).unwrap();
    assert_eq!(store.push_rules_decided_at().unwrap(), None);
    let config = store.export_config().unwrap();
    store.import_config(&config, Vec::new()).unwrap();
    assert_eq!(store.push_rules_decided_at().unwrap(), Some(clock.now()), "a configuration file decides them");
}

/// A store from before: the history says which links were last in step, and when.
#[test]
fn an_older_stores_links_are_in_step_as_its_history_says() {
    let dir = super::temp_dir("sync-state-upgrade");
    let path = dir.join("hubsync.db");
    let clock = Arc::new(FixedClock::at("2026-05-01T12:00:00Z".parse().unwrap()));
    {
        let mut store = Store::open(&path, clock.clone()).unwrap();
        store.connect_portal(&super::portals::connection(42, "acme.hubspot.com")).unwrap();
        let ids: Vec<i64> =
            ["a", "b", "c"].iter().map(|n| store.add_lead(&format!("{n}@example.com"), &[]).unwrap().id).collect();
        let [a, b, c] = ids[..] else { unreachable!() };
        store.set_push_rules(None, Some(true)).unwrap();
        clock.advance(Duration::minutes(1));
        let push = store
            .create_run(
                &new_run(RunMode::Live),
                [
                    row(0, a, RunAction::Update, None, Some("100")),
                    row(1, b, RunAction::Skip, Some(RowReason::Unchanged), Some("101")),
                    row(2, c, RunAction::Update, None, Some("102")),
                ],
            )
            .unwrap();
        write(&mut store, push, &[written(0, ItemOutcome::Updated, "100"), written(2, ItemOutcome::Updated, "102")]);
        clock.advance(Duration::minutes(1));
        let undo_run = NewRun { kind: RunKind::Undo, ..new_run(RunMode::Live) };
        let undo = store.create_run(&undo_run, [row(0, c, RunAction::Update, None, Some("102"))]).unwrap();
        write(&mut store, undo, &[written(0, ItemOutcome::Updated, "102")]);
        clock.advance(Duration::minutes(1));
        store.update_lead(b, &[("city", "Oslo")]).unwrap();
        assert_eq!(store.lead_sync_counts().unwrap(), counts(3, 3, 2));
    }
    super::upgrades::roll_back_to_13(&path);
    let store = Store::open(&path, clock).unwrap();
    assert_eq!(store.lead_sync_counts().unwrap(), counts(3, 3, 2), "b changed since, c was undone");
    assert!(store.push_rules_decided_at().unwrap().is_some(), "creating was turned on: decided");
    std::fs::remove_dir_all(dir).unwrap();
}
