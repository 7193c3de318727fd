//! Run history and journal, and walking the leads a page at a time.

use hubsync_store::journal::{Journal, PlanJournal};
use hubsync_store::{
    FieldChange, ItemOutcome, ItemResult, LeadRow, NewRun, RowFailure, RowNote, RowReason, RunAction, RunItem, RunKind,
    RunMode, RunStatus, StoreError,
};
use serde_json::json;

use super::import::row;

/// Runs belong to portal 42, the active one, as a live run's portal always is.
pub(super) fn store() -> hubsync_store::Store {
    let mut store = super::store();
    store.connect_portal(&super::portals::connection(42, "acme.hubspot.com")).unwrap();
    store
}

pub(super) fn item(seq: i64, lead_id: i64, email: &str, action: RunAction, outcome: Option<ItemOutcome>) -> RunItem {
    RunItem {
        seq,
        lead_id,
        email: email.into(),
        contact_id: (action == RunAction::Update).then(|| format!("{}", 100 + seq)),
        action,
        reasons: if action == RunAction::Skip { vec![RowReason::Unchanged] } else { vec![] },
        changes: vec![FieldChange {
            field: "company".into(),
            property: "company".into(),
            before: Some("Old".into()),
            after: Some("New".into()),
            kept: false,
        }],
        notes: vec![],
        outcome,
        error: None,
        step: 0,
        record: [("email".to_string(), email.to_string())].into(),
        related: None,
    }
}

pub(super) fn new_run(mode: RunMode) -> NewRun {
    NewRun {
        kind: RunKind::Push,
        mode,
        portal_id: Some(42),
        settings: json!({"rules": {"update": true, "create": true}}),
        estimate: json!({"apiCalls": 3, "seconds": 1.0}),
        api_calls: 0,
    }
}

#[test]
fn a_live_run_is_a_journal_whose_outcomes_link_leads_and_complete_it() {
    let mut store = store();
    let a = store.add_lead("a@example.com", &[]).unwrap();
    let b = store.add_lead("b@example.com", &[]).unwrap();
    let c = store.add_lead("c@example.com", &[]).unwrap();
    let d = store.add_lead("d@example.com", &[]).unwrap();
    store.link_contact(d.id, Some("999")).unwrap();
    let items = vec![
        item(0, a.id, "a@example.com", RunAction::Update, None),
        item(1, b.id, "b@example.com", RunAction::Create, None),
        item(2, c.id, "c@example.com", RunAction::Skip, Some(ItemOutcome::Skipped)),
        item(3, c.id, "c@example.com", RunAction::Create, None),
    ];
    let mut items = items;
    items[2].contact_id = Some("300".into());
    let run_id = store.create_run(&new_run(RunMode::Live), &items).unwrap();
    assert_eq!(store.lead(c.id).unwrap().unwrap().hubspot_id.as_deref(), Some("300"), "a skipped match is linked");
    let run = store.run(run_id).unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Running);
    assert!(run.is_resumable());
    assert_eq!((run.counts.update, run.counts.create, run.counts.skip, run.counts.pending), (1, 2, 1, 3));
    assert_eq!(
        store.pending_items_page(run_id, -1, usize::MAX).unwrap().iter().map(|i| i.seq).collect::<Vec<_>>(),
        vec![0, 1, 3]
    );

    // Two rows land; the store stops with one pending, so the run is interrupted.
    let landed = [
        ItemResult { seq: 0, outcome: ItemOutcome::Updated, contact_id: Some("100".into()), error: None },
        ItemResult { seq: 1, outcome: ItemOutcome::Created, contact_id: Some("999".into()), error: None },
    ];
    store.record_outcomes(run_id, &landed, 5).unwrap();
    assert_eq!(store.lead(a.id).unwrap().unwrap().hubspot_id.as_deref(), Some("100"), "written back");
    assert_eq!(store.lead(b.id).unwrap().unwrap().hubspot_id, None, "999 belongs to another lead");
    let b_row = &store.run_items(run_id).unwrap()[1];
    assert_eq!(b_row.notes, [RowNote::NotLinked { contact_id: "999".into(), lead_id: d.id }]);
    assert!(b_row.notes[0].to_string().contains("linked to lead"), "{:?}", b_row.notes);
    assert_eq!(store.finish_run(run_id, Some("the daily limit"), 5).unwrap(), RunStatus::Interrupted);
    let run = store.run(run_id).unwrap().unwrap();
    assert_eq!(
        (run.status, run.stop_reason.as_deref(), run.api_calls),
        (RunStatus::Interrupted, Some("the daily limit"), 5)
    );

    // Resumed: the last row fails, and the run completes with its counts.
    assert_eq!(store.reopen_run(run_id).unwrap().status, RunStatus::Running);
    let bad = RowFailure::RefusedInBatch { detail: "bad".into() };
    let failed = ItemResult { seq: 3, outcome: ItemOutcome::Failed, contact_id: None, error: Some(bad.clone()) };
    store.record_outcomes(run_id, &[failed], 7).unwrap();
    assert_eq!(store.finish_run(run_id, None, 7).unwrap(), RunStatus::Completed);
    let run = store.run(run_id).unwrap().unwrap();
    assert_eq!((run.counts.updated, run.counts.created, run.counts.failed, run.counts.pending), (1, 1, 1, 0));
    assert!(run.ended_at.is_some() && !run.is_resumable());
    let error = store.reopen_run(run_id).unwrap_err();
    assert!(matches!(error, StoreError::RunNotResumable { .. }), "{error}");

    let rows = store.run_items(run_id).unwrap();
    assert_eq!(rows[0].changes[0].before.as_deref(), Some("Old"), "before-values kept for undo");
    assert_eq!(rows[3].error, Some(bad));
    assert_eq!(store.runs().unwrap()[0].counts, run.counts, "the list counts as the detail does");
}

#[test]
fn a_preview_is_complete_at_once_and_never_resumable() {
    let mut store = store();
    let lead = store.add_lead("p@example.com", &[]).unwrap();
    let first = store.create_run(&new_run(RunMode::Preview), &[]).unwrap();
    let items = [item(0, lead.id, "p@example.com", RunAction::Update, Some(ItemOutcome::Previewed))];
    let second = store.create_run(&new_run(RunMode::Preview), &items).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second, first], "newest first");
    assert!(runs.iter().all(|r| r.status == RunStatus::Completed && !r.is_resumable()));
    assert!(store.pending_items_page(second, -1, usize::MAX).unwrap().is_empty());
    assert!(store.lead(lead.id).unwrap().unwrap().hubspot_id.is_none(), "a preview links nothing");
    assert!(matches!(store.reopen_run(second), Err(StoreError::RunNotResumable { .. })));
    assert!(matches!(store.reopen_run(999), Err(StoreError::RunNotFound(999))));
    assert!(store.run(999).unwrap().is_none());
}

#[test]
fn leads_can_be_walked_a_page_at_a_time_with_their_values() {
    let mut store = store();
    let rows: Vec<LeadRow> = (0..25).map(|i| row(i + 1, &format!("p{i}@example.com"), &[("company", "C")])).collect();
    store.import_leads(&rows, hubsync_store::ImportOptions::default()).unwrap();
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = store.leads_page(after, 10).unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        assert!(page.len() <= 10 && page.iter().all(|l| l.value("company") == Some("C")));
        seen.extend(page);
    }
    assert_eq!(seen, store.leads().unwrap(), "the pages together are every lead, in order");
}

#[test]
fn pull_rules_are_kept_as_json_and_replaced_whole() {
    let mut store = store();
    assert_eq!(store.pull_rules_json().unwrap(), None, "none saved: every contact");
    store.set_pull_rules_json(&json!({ "conditions": [], "newOnly": true })).unwrap();
    store.set_pull_rules_json(&json!({ "conditions": [], "newOnly": false })).unwrap();
    assert_eq!(store.pull_rules_json().unwrap(), Some(json!({ "conditions": [], "newOnly": false })));
}

#[test]
fn owners_are_kept_as_last_read_and_found_by_email() {
    use hubsync_store::OwnerRecord;
    let mut store = store();
    let owner = |id: &str, email: &str, active: bool| OwnerRecord {
        id: id.into(),
        email: Some(email.into()),
        first_name: Some("Ana".into()),
        last_name: Some(id.into()),
        active,
    };
    store.replace_owners(&[owner("2", "gone@acme.test", false), owner("1", "Ana@Acme.test", true)]).unwrap();
    store.replace_owners(&[owner("1", "Ana@Acme.test", true), owner("3", "left@acme.test", false)]).unwrap();
    let ids: Vec<String> = store.owners().unwrap().into_iter().map(|o| o.id).collect();
    assert_eq!(ids, ["1", "3"], "replaced whole, active first");
    let ana = store.owner_by_email("ana@ACME.test").unwrap().unwrap();
    assert_eq!((ana.name().as_deref(), ana.active), (Some("Ana 1"), true));
    assert!(store.owner_by_email("gone@acme.test").unwrap().is_none());
}

#[test]
fn the_configuration_moves_to_another_store_whole_or_not_at_all() {
    use hubsync_store::{FieldType, WriteRule};
    let mut source = store();
    source.add_field("tier", Some("Tier"), FieldType::SingleChoice, &["Gold".into(), "Silver".into()]).unwrap();
    source.set_mapping("tier", "customer_tier", Some(WriteRule::IfEmpty)).unwrap();
    source.set_mapping("company", "company", None).unwrap();
    source.set_push_rules(Some(true), Some(true)).unwrap();
    source.set_pull_rules_json(&json!({ "conditions": [], "newOnly": true })).unwrap();
    let config = source.export_config().unwrap();
    let text = serde_json::to_string_pretty(&config).unwrap();

    let mut target = store();
    target.set_mapping("city", "city", None).unwrap();
    target.import_config(&hubsync_store::ConfigFile::parse(&text).unwrap(), Vec::new()).unwrap();
    assert_eq!(target.export_config().unwrap(), config, "the same configuration, the target's own mapping replaced");
    assert_eq!(target.field("tier").unwrap().unwrap().options, ["Gold", "Silver"]);

    // A file with a problem changes nothing.
    let mut bad = config.clone();
    bad.mappings.push(hubsync_store::Mapping {
        field_key: "city".into(),
        property: "company".into(),
        write_rule: WriteRule::Overwrite,
    });
    let mut other = store();
    other.set_mapping("city", "city", None).unwrap();
    let before = other.export_config().unwrap();
    let error = other.import_config(&bad, Vec::new()).unwrap_err();
    assert!(
        matches!(&error, StoreError::InvalidConfig(p) if p[0].contains("company is filled by two fields")),
        "{error}"
    );
    let mut clash = config.clone();
    clash.fields[0].kind = FieldType::Number;
    clash.fields[0].options.clear();
    other.add_field("tier", None, FieldType::Text, &[]).unwrap();
    let error = other.import_config(&clash, Vec::new()).unwrap_err();
    assert!(error.to_string().contains("the field tier is text here and number in the file"), "{error}");
    let mut newer = config.clone();
    newer.version = 99;
    assert_eq!(other.import_config(&newer, Vec::new()).unwrap_err().code(), "invalid_config");
    // What the live portal refuses is reported with the file's own problems, and refuses it too.
    let refused = vec!["the row city → nope: HubSpot has no contact property \"nope\"".to_string()];
    let error = other.import_config(&config, refused).unwrap_err();
    assert!(error.to_string().contains("HubSpot has no contact property \"nope\""), "{error}");
    let after = other.export_config().unwrap();
    assert_eq!(
        (after.mappings, after.push_rules, after.pull_rules),
        (before.mappings, before.push_rules, before.pull_rules)
    );
}

#[test]
fn the_undo_migration_keeps_every_run_row_written_before_it() {
    let dir = super::temp_dir("v4-runs");
    let path = dir.join("hubsync.db");
    {
        // A store as version 4 left it, with a live push and its rows.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        for migration in &hubsync_store::MIGRATIONS[..4] {
            tx.execute_batch(migration.sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 4).unwrap();
        tx.execute_batch(
            "INSERT INTO sync_runs (id, kind, mode, status, portal_id, settings, estimate, started_at)
                 VALUES (7, 'push', 'live', 'completed', 42, '{}', '{}', '2026-05-01T12:00:00.000Z');
             INSERT INTO sync_run_items (run_id, seq, lead_id, email, contact_id, action, changes, notes, outcome)
                 VALUES (7, 0, 1, 'ann@example.com', '501', 'update',
                         '[{\"field\":\"company\",\"property\":\"company\",\"before\":\"Old\",\"after\":\"New\",\"kept\":false}]',
                         '[]', 'updated'),
                        (7, 1, 2, 'bo@example.com', NULL, 'create', '[]', '[]', NULL);",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let store = hubsync_store::Store::open(&path, super::clock()).unwrap();
    let items = store.run_items(7).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!((items[0].action, items[0].outcome, items[0].step), (RunAction::Update, Some(ItemOutcome::Updated), 0));
    assert_eq!(items[0].changes[0].before.as_deref(), Some("Old"));
    assert!(items[0].record.is_empty());
    assert_eq!(store.pending_items_page(7, -1, usize::MAX).unwrap().len(), 1, "the pending row is still pending");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A run of 30 rows: every third a skip, row 7 failed, the rest updated; emails r0…r29, the
/// even ones in capitals.
fn paged_run(store: &mut hubsync_store::Store) -> i64 {
    let items: Vec<RunItem> = (0..30)
        .map(|seq| {
            let email = if seq % 2 == 0 { format!("R{seq}@Example.com") } else { format!("r{seq}@example.com") };
            let (action, outcome) = match seq {
                s if s % 3 == 0 => (RunAction::Skip, Some(ItemOutcome::Skipped)),
                7 => (RunAction::Update, Some(ItemOutcome::Failed)),
                29 => (RunAction::Create, None),
                _ => (RunAction::Update, Some(ItemOutcome::Updated)),
            };
            item(seq, 1, &email, action, outcome)
        })
        .collect();
    let run_id = store.create_run(&new_run(RunMode::Live), &items).unwrap();
    // Stopped with row 29 pending, which gives the portal back for the next run.
    store.finish_run(run_id, Some("stopped"), 0).unwrap();
    run_id
}

fn seqs(page: &hubsync_store::RunItemPage) -> Vec<i64> {
    page.items.iter().map(|i| i.seq).collect()
}

#[test]
fn a_runs_rows_are_read_a_filtered_page_at_a_time_with_the_total() {
    use hubsync_store::RunItemFilter;
    let mut store = store();
    let run_id = paged_run(&mut store);
    let other = paged_run(&mut store);
    assert_ne!(run_id, other);

    let all = RunItemFilter::default();
    let first = store.run_items_page(run_id, &all, 0, 10).unwrap();
    assert_eq!((first.total, first.offset, seqs(&first)), (30, 0, (0..10).collect()));
    let last = store.run_items_page(run_id, &all, 25, 10).unwrap();
    assert_eq!((last.total, seqs(&last)), (30, (25..30).collect()), "the last page is short");
    let beyond = store.run_items_page(run_id, &all, 30, 10).unwrap();
    assert_eq!((beyond.total, beyond.items.len()), (30, 0), "past the end: no rows, the total still");
    assert!(store.run_items_page(run_id, &all, 0, 0).unwrap().items.is_empty());

    let skips = RunItemFilter { action: Some(RunAction::Skip), ..RunItemFilter::default() };
    let page = store.run_items_page(run_id, &skips, 2, 3).unwrap();
    assert_eq!((page.total, seqs(&page)), (10, vec![6, 9, 12]));
    assert!(page.items.iter().all(|i| i.action == RunAction::Skip));

    let failed = RunItemFilter { outcome: Some(ItemOutcome::Failed), ..RunItemFilter::default() };
    let page = store.run_items_page(run_id, &failed, 0, 50).unwrap();
    assert_eq!((page.total, seqs(&page)), (1, vec![7]));
    let pending = RunItemFilter { pending: true, ..RunItemFilter::default() };
    assert_eq!(seqs(&store.run_items_page(run_id, &pending, 0, 50).unwrap()), vec![29]);

    // Any case, anywhere in the email; blank is no search at all.
    let search = |text: &str| RunItemFilter { search: Some(text.into()), ..RunItemFilter::default() };
    assert_eq!(
        seqs(&store.run_items_page(run_id, &search("r2"), 0, 50).unwrap()),
        vec![2, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]
    );
    assert_eq!(seqs(&store.run_items_page(run_id, &search(" R21@EXAMPLE "), 0, 50).unwrap()), vec![21]);
    assert_eq!(store.run_items_page(run_id, &search("   "), 0, 50).unwrap().total, 30);
    assert_eq!(store.run_items_page(run_id, &search("%"), 0, 50).unwrap().total, 0, "no wildcards");
    let both = RunItemFilter { search: Some("r1".into()), action: Some(RunAction::Skip), ..RunItemFilter::default() };
    assert_eq!(seqs(&store.run_items_page(run_id, &both, 0, 50).unwrap()), vec![12, 15, 18]);

    let row = &store.run_items_page(run_id, &all, 7, 1).unwrap().items[0];
    assert_eq!(row, &store.run_items(run_id).unwrap()[7], "a page's rows are the run's rows");
    assert_eq!(store.run_items_page(999, &all, 0, 10).unwrap().total, 0);
    assert_eq!(store.newest_run_id().unwrap(), Some(other));
}

#[test]
fn a_run_is_recorded_from_rows_made_one_at_a_time_its_status_from_all_of_them() {
    let mut store = store();
    let lead = store.add_lead("s@example.com", &[]).unwrap();
    // Every row has its outcome: a live run with nothing to write is complete at once.
    let settled = (0..3).map(|seq| item(seq, lead.id, "s@example.com", RunAction::Skip, Some(ItemOutcome::Skipped)));
    let done = store.create_run(&new_run(RunMode::Live), settled).unwrap();
    let run = store.run(done).unwrap().unwrap();
    assert_eq!((run.status, run.counts.skip), (RunStatus::Completed, 3));
    assert!(run.ended_at.is_some() && !run.is_resumable());
    // The last row made is the only one to write: the run waits for it.
    let rows = (0..3).map(|seq| match seq {
        2 => item(seq, lead.id, "s@example.com", RunAction::Create, None),
        _ => item(seq, lead.id, "s@example.com", RunAction::Skip, Some(ItemOutcome::Skipped)),
    });
    let waiting = store.create_run(&new_run(RunMode::Live), rows).unwrap();
    let run = store.run(waiting).unwrap().unwrap();
    assert_eq!((run.status, run.counts.pending, run.ended_at), (RunStatus::Running, 1, None));
    assert!(run.is_resumable());
}

#[test]
fn a_live_runs_pending_rows_are_read_a_step_and_a_page_at_a_time() {
    let mut store = store();
    // Steps interleaved by seq, as an undo's are; row 4 has already landed.
    let items: Vec<RunItem> = (0..7)
        .map(|seq| {
            let outcome = (seq == 4).then_some(ItemOutcome::Updated);
            RunItem { step: (seq % 2) as u32, ..item(seq, 1, "p@example.com", RunAction::Update, outcome) }
        })
        .collect();
    let run_id = store.create_run(&new_run(RunMode::Live), &items).unwrap();
    assert_eq!(store.pending_steps(run_id).unwrap(), vec![0, 1]);
    let page = |step, after, limit| -> Vec<i64> {
        store.pending_items_at_step(run_id, step, after, limit).unwrap().iter().map(|i| i.seq).collect()
    };
    assert_eq!(page(0, -1, 2), vec![0, 2]);
    assert_eq!(page(0, 2, 2), vec![6], "row 4 is not pending");
    assert_eq!(page(0, 6, 2), Vec::<i64>::new());
    assert_eq!(page(1, -1, 10), vec![1, 3, 5]);
    let landed: Vec<ItemResult> =
        [0, 2, 6].map(|seq| ItemResult { seq, outcome: ItemOutcome::Updated, contact_id: None, error: None }).into();
    store.record_outcomes(run_id, &landed, 1).unwrap();
    assert_eq!(store.pending_steps(run_id).unwrap(), vec![1], "step 0 is written");
}

fn plan_row(item: RunItem, claim: Option<&str>) -> hubsync_store::PlanRow {
    hubsync_store::PlanRow { item, claim: claim.map(String::from) }
}

/// A plan is journaled as it is made, a preview `running` until it is recorded or run; each
/// contact claimed by several rows goes to the strongest claim, the latest row on a tie.
#[test]
fn a_plan_is_journaled_page_by_page_then_recorded_run_or_thrown_away() {
    let mut store = store();
    let leads: Vec<i64> = (0..5).map(|i| store.add_lead(&format!("l{i}@example.com"), &[]).unwrap().id).collect();
    let preview = |seq: i64, action, contact: Option<&str>| {
        let mut item = item(seq, leads[seq as usize], &format!("l{seq}@example.com"), action, None);
        item.contact_id = contact.map(String::from);
        item.outcome = RunMode::Preview.initial_outcome(match action {
            RunAction::Skip => Some(ItemOutcome::Skipped),
            _ => None,
        });
        item
    };
    let plan = store.start_plan(&new_run(RunMode::Preview)).unwrap();
    // Two pages, out of order: rows 3 and 4 were planned after their page, as reads by id are.
    store
        .add_plan_rows(
            plan,
            [
                plan_row(preview(0, RunAction::Update, Some("7")), Some("0-b")),
                plan_row(preview(1, RunAction::Skip, Some("8")), Some("0-a")),
                plan_row(preview(2, RunAction::Create, None), None),
            ],
        )
        .unwrap();
    store
        .add_plan_rows(
            plan,
            [
                plan_row(preview(4, RunAction::Update, Some("7")), Some("0-b")),
                plan_row(preview(3, RunAction::Update, Some("7")), Some("1-a")),
            ],
        )
        .unwrap();
    let contested = store.contested_rows(plan).unwrap();
    let losers: Vec<(i64, &str, &str)> =
        contested.iter().map(|c| (c.seq, c.contact_id.as_str(), c.winner_email.as_str())).collect();
    assert_eq!(losers, [(0, "7", "l3@example.com"), (4, "7", "l3@example.com")], "the primary email's row wins");
    let shared = vec![RowReason::SharedContact { contact_id: "7".into(), winner_email: "l3@example.com".into() }];
    store.invalidate_plan_rows(plan, &[(0, shared.clone()), (4, shared)]).unwrap();
    store.finish_plan(plan, &json!({"apiCalls": 9}), 4).unwrap();
    let run = store.run(plan).unwrap().unwrap();
    assert_eq!((run.mode, run.status, run.api_calls), (RunMode::Preview, RunStatus::Running, 4));
    assert_eq!((run.counts.update, run.counts.create, run.counts.skip, run.counts.invalid), (1, 1, 1, 2));
    assert_eq!(store.run_items(plan).unwrap().iter().map(|i| i.seq).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);

    // Recorded, it is a completed preview; its live run is a copy whose writes are pending and
    // whose skipped lead is linked to its contact.
    store.record_plan(plan).unwrap();
    assert_eq!(store.run(plan).unwrap().unwrap().status, RunStatus::Completed);
    let live = store.live_run_from_plan(plan).unwrap();
    assert_ne!(live, plan);
    let run = store.run(live).unwrap().unwrap();
    assert_eq!((run.mode, run.status, run.counts.pending, run.api_calls), (RunMode::Live, RunStatus::Running, 2, 4));
    assert_eq!(store.lead(leads[1]).unwrap().unwrap().hubspot_id.as_deref(), Some("8"));
    assert_eq!(store.lead(leads[3]).unwrap().unwrap().hubspot_id, None, "a write is linked when HubSpot answers");
    assert_eq!(store.run(plan).unwrap().unwrap().counts.pending, 0, "the preview is as it was");
    // One live run writes to a portal at a time: this one stops before the next starts.
    store.finish_run(live, Some("stopped"), 4).unwrap();
    let error = store.live_run_from_plan(live).unwrap_err();
    assert!(matches!(error, StoreError::RunNotResumable { .. }), "{error}");
    assert!(matches!(store.live_run_from_plan(999).unwrap_err(), StoreError::RunNotFound(999)));

    // Not recorded: the plan itself becomes the live run.
    let plan = store.start_plan(&new_run(RunMode::Preview)).unwrap();
    store.add_plan_rows(plan, [plan_row(preview(2, RunAction::Create, None), None)]).unwrap();
    assert_eq!(store.live_run_from_plan(plan).unwrap(), plan);
    let run = store.run(plan).unwrap().unwrap();
    assert_eq!((run.mode, run.counts.pending), (RunMode::Live, 1));
    store.discard_plan(plan).unwrap();
    assert!(store.run(plan).unwrap().is_some(), "a live run is never thrown away");

    // Thrown away: not confirmed, or left by a crash.
    let runs = store.runs().unwrap().len();
    let declined = store.start_plan(&new_run(RunMode::Preview)).unwrap();
    store.add_plan_rows(declined, [plan_row(preview(1, RunAction::Skip, Some("8")), Some("0-a"))]).unwrap();
    store.discard_plan(declined).unwrap();
    let crashed = store.start_plan(&new_run(RunMode::Preview)).unwrap();
    assert_eq!(store.runs().unwrap().len(), runs + 1);
    assert_eq!(store.discard_unfinished_plans(RunKind::Push).unwrap(), 1);
    assert!(store.run(crashed).unwrap().is_none());
    assert_eq!(store.runs().unwrap().len(), runs, "recorded previews and live runs stay");
}
