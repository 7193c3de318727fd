//! Undoing a live push against the sandbox: every overwritten value put back (cleared where
//! HubSpot had none, a lifecycle stage moved back in two steps), rows changed since flagged
//! and left alone unless forced, created contacts archived only when asked, and an undo that
//! stops early resumes.

use hubsync_store::journal::Journal;
use hubsync_store::{ItemOutcome, NewRun, RowNote, RowReason, RunAction, RunKind, RunMode, RunStatus, Store};
use hubsync_sync::{
    Cancel, PreparedUndo, PushOptions, UndoOptions, prepare_push, prepare_undo, record_preview, record_undo_preview,
    resume_push, resume_undo, run_push, run_undo,
};
use reqwest::Method;
use serde_json::json;

use crate::push::{Portal, fast, prop, quiet, store_for};

async fn undo(store: &mut Store, portal: &Portal, run_id: i64, options: UndoOptions) -> Result<PreparedUndo, String> {
    let client = portal.client(fast());
    let options = UndoOptions { concurrency: 4, ..options };
    prepare_undo(store, &client, run_id, Some(portal.sandbox.portal_id()), options, &Cancel::default(), &mut quiet)
        .await
        .map_err(|e| format!("{}: {e}", e.code()))
}

/// A portal and store after one live push that updated five contacts and created one.
async fn pushed() -> (Portal, Store, i64) {
    let portal = Portal::start(json!([
        { "id": "601", "properties": { "email": "ann@example.com", "firstname": "Ann", "company": "Old A" } },
        { "id": "602", "properties": { "email": "bea@example.com", "company": "Old B" } },
        { "id": "603", "properties": { "email": "cy@example.com", "company": "Old C", "lifecyclestage": "lead" } },
        { "id": "604", "properties": { "email": "dan@example.com", "company": "Old D" } },
        { "id": "605", "properties": { "email": "eve@example.com", "company": "Same E" } },
        { "id": "606", "properties": { "email": "fay@example.com", "company": "Old F" } }
    ]))
    .await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    store.add_lead("ann@example.com", &[("first_name", "Ann"), ("company", "New A")]).unwrap();
    store.add_lead("bea@example.com", &[("first_name", "Bea"), ("company", "New B")]).unwrap();
    store.add_lead("cy@example.com", &[("company", "New C"), ("lifecycle_stage", "customer")]).unwrap();
    store.add_lead("dan@example.com", &[("company", "New D")]).unwrap();
    store.add_lead("eve@example.com", &[("company", "Same E")]).unwrap();
    store.add_lead("fay@example.com", &[("company", "New F")]).unwrap();
    store.add_lead("nia@example.com", &[("first_name", "Nia")]).unwrap();
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.status, run.counts.updated, run.counts.created), (RunStatus::Completed, 5, 1), "{:?}", run.counts);
    (portal, store, run.id)
}

#[tokio::test]
async fn undo_restores_every_overwritten_value_and_flags_rows_changed_since() {
    let (portal, mut store, push) = pushed().await;
    // After the push: someone edits Dan's company in HubSpot, and Fay's contact is deleted.
    portal
        .call(Method::PATCH, "/crm/v3/objects/contacts/604", Some(json!({ "properties": { "company": "Edited D" } })))
        .await;
    portal.call(Method::DELETE, "/crm/v3/objects/contacts/606", None).await;

    let seq = portal.last_seq().await;
    let prepared = undo(&mut store, &portal, push, UndoOptions::default()).await.unwrap();
    let preview = record_undo_preview(&mut store, &prepared).unwrap();
    assert_eq!(portal.writes_since(seq).await, Vec::<String>::new(), "an undo preview sends no write");
    let c = &prepared.counts;
    assert_eq!((c.restore, c.archive, c.changed_since, c.skip), (3, 0, 1, 2), "{prepared:#?}");
    assert_eq!(prepared.plan.estimate.write_calls, 2, "one batch per step");
    let rows = store.run_items(prepared.plan.run_id).unwrap();
    let row = |email: &str, step: u32| rows.iter().find(|i| i.email == email && i.step == step).unwrap();
    let dan = row("dan@example.com", 0);
    assert_eq!((dan.action, dan.outcome), (RunAction::Skip, Some(ItemOutcome::Skipped)));
    let drift = RowReason::Drift {
        property: "company".into(),
        now: Some("Edited D".into()),
        wrote: Some("New D".into()),
        run_id: push,
    };
    assert_eq!(dan.reasons, [RowReason::ChangedSince { run_id: push }, drift]);
    assert!(dan.reasons[0].to_string().contains("changed in HubSpot since run"), "{:?}", dan.reasons);
    let drift = dan.reasons[1].to_string();
    assert!(drift.contains("company is now \"Edited D\" (run") && drift.contains("\"New D\""), "{drift}");
    assert_eq!(row("fay@example.com", 0).reasons, [RowReason::ContactGone { contact_id: "606".into() }]);
    assert!(row("fay@example.com", 0).reasons[0].to_string().contains("no longer in HubSpot"));
    assert_eq!(row("nia@example.com", 0).reasons, [RowReason::CreatedKept { run_id: push }]);
    let cy: Vec<(&str, Option<&str>)> =
        row("cy@example.com", 0).changes.iter().map(|ch| (ch.property.as_str(), ch.after.as_deref())).collect();
    assert_eq!(cy, [("company", Some("Old C")), ("lifecyclestage", Some(""))], "the stage is cleared first");
    assert_eq!(row("cy@example.com", 1).changes[0].after.as_deref(), Some("lead"));
    let preview_run = store.run(preview).unwrap().unwrap();
    assert_eq!((preview_run.kind, preview_run.counts.pending), (RunKind::Undo, 0));

    let client = portal.client(fast());
    let run =
        run_undo(&mut store, &client, prepared, &UndoOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.status, run.counts.updated, run.counts.failed), (RunStatus::Completed, 4, 0), "{:?}", run.counts);
    let now = portal.contacts().await;
    assert_eq!(
        (prop(&now["ann@example.com"], "company"), prop(&now["ann@example.com"], "firstname")),
        (Some("Old A"), Some("Ann"))
    );
    assert_eq!(prop(&now["bea@example.com"], "company"), Some("Old B"));
    assert_eq!(prop(&now["bea@example.com"], "firstname").filter(|v| !v.is_empty()), None, "cleared: it had none");
    assert_eq!(prop(&now["cy@example.com"], "lifecyclestage"), Some("lead"), "moved back in two steps");
    assert_eq!(prop(&now["cy@example.com"], "company"), Some("Old C"));
    assert_eq!(prop(&now["dan@example.com"], "company"), Some("Edited D"), "a later edit is left alone");
    assert_eq!(prop(&now["eve@example.com"], "company"), Some("Same E"));
    assert!(now.contains_key("nia@example.com"), "created contacts are kept unless asked");

    // Undone once: a second undo is refused, naming the undo run.
    let error = undo(&mut store, &portal, push, UndoOptions::default()).await.unwrap_err();
    assert!(
        error.starts_with("not_undoable") && error.contains(&format!("run {} already undid it", run.id)),
        "{error}"
    );

    // Forced, and archiving what the push created: Dan's edit is overwritten, Nia archived.
    let forced = UndoOptions { archive_created: true, force: true, ..UndoOptions::default() };
    let prepared = undo(&mut store, &portal, push, forced).await.unwrap();
    let c = &prepared.counts;
    assert_eq!((c.restore, c.archive, c.changed_since), (1, 1, 1), "{prepared:#?}");
    let run =
        run_undo(&mut store, &client, prepared, &UndoOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.counts.updated, run.counts.archived, run.counts.failed), (1, 1, 0), "{:?}", run.counts);
    let now = portal.contacts().await;
    assert_eq!(prop(&now["dan@example.com"], "company"), Some("Old D"));
    assert!(!now.contains_key("nia@example.com"), "archived");
    let dan = store.run_items(run.id).unwrap().into_iter().find(|i| i.email == "dan@example.com").unwrap();
    assert!(matches!(&dan.notes[0], RowNote::Forced { property, .. } if property == "company"), "{:?}", dan.notes);
    assert!(dan.notes[0].to_string().starts_with("forced: company is now \"Edited D\""), "{:?}", dan.notes);
    let nia = store.lead_by_email("nia@example.com").unwrap().unwrap();
    assert_eq!(nia.hubspot_id, None, "the lead no longer links to the archived contact");

    // Undoing the first undo puts the push's values back again.
    let undo_run = store.undo_runs_of(push).unwrap().last().unwrap().id;
    let prepared = undo(&mut store, &portal, undo_run, UndoOptions::default()).await.unwrap();
    let run =
        run_undo(&mut store, &client, prepared, &UndoOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    let now = portal.contacts().await;
    assert_eq!(prop(&now["ann@example.com"], "company"), Some("New A"));
    assert_eq!(prop(&now["cy@example.com"], "lifecyclestage"), Some("customer"));
    assert_eq!(prop(&now["bea@example.com"], "firstname"), Some("Bea"));
}

#[tokio::test]
async fn previews_pulls_and_unfinished_runs_are_refused_with_the_way_forward() {
    let (portal, mut store, push) = pushed().await;
    let client = portal.client(fast());
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let preview = record_preview(&mut store, &prepared).unwrap();
    let error = undo(&mut store, &portal, preview, UndoOptions::default()).await.unwrap_err();
    assert!(error.contains("it is a preview, which wrote nothing"), "{error}");

    let error = undo(&mut store, &portal, 999, UndoOptions::default()).await.unwrap_err();
    assert!(error.starts_with("run_not_found"), "{error}");

    let pull = store
        .create_run(
            &NewRun {
                kind: RunKind::Pull,
                mode: RunMode::Live,
                portal_id: Some(portal.sandbox.portal_id()),
                settings: json!({}),
                estimate: json!({}),
                api_calls: 0,
            },
            &[],
        )
        .unwrap();
    let error = undo(&mut store, &portal, pull, UndoOptions::default()).await.unwrap_err();
    assert!(error.contains("it is a pull, which changed only the local store"), "{error}");

    let options = UndoOptions { concurrency: 4, ..UndoOptions::default() };
    let other =
        prepare_undo(&mut store, &client, push, Some(1), options, &Cancel::default(), &mut quiet).await.unwrap_err();
    assert_eq!(other.code(), "other_portal");

    // An undo cancelled before its first batch stays pending; it can't itself be undone until
    // it finishes, and `resume_undo` (not `resume_push`) finishes it.
    let prepared = undo(&mut store, &portal, push, UndoOptions::default()).await.unwrap();
    let cancel = Cancel::default();
    cancel.cancel();
    let run = run_undo(&mut store, &client, prepared, &UndoOptions::default(), &cancel, &mut quiet).await.unwrap();
    assert_eq!((run.status, run.counts.pending), (RunStatus::Interrupted, 6), "{:?}", run.counts);
    let error = undo(&mut store, &portal, run.id, UndoOptions::default()).await.unwrap_err();
    assert_eq!(
        error,
        format!(
            "not_undoable: run {} can't be undone: it has rows still pending; finish it first, then undo it",
            run.id
        )
    );
    let error = resume_push(&mut store, &client, run.id, None, &PushOptions::default(), &Cancel::default(), &mut quiet)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "not_a_push_run");
    let error = resume_undo(&mut store, &client, push, None, &UndoOptions::default(), &Cancel::default(), &mut quiet)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "not_an_undo_run");
    let run = resume_undo(&mut store, &client, run.id, None, &UndoOptions::default(), &Cancel::default(), &mut quiet)
        .await
        .unwrap();
    assert_eq!((run.status, run.counts.updated, run.counts.pending), (RunStatus::Completed, 6, 0), "{:?}", run.counts);
    let now = portal.contacts().await;
    assert_eq!(prop(&now["cy@example.com"], "lifecyclestage"), Some("lead"));
    assert_eq!(prop(&now["fay@example.com"], "company"), Some("Old F"));
}

#[tokio::test]
async fn a_cancelled_undo_preview_stops_before_its_reads_and_records_nothing() {
    let (portal, mut store, push) = pushed().await;
    let client = portal.client(fast());
    let before = store.newest_run_id().unwrap();
    let cancel = Cancel::default();
    let connected = Some(portal.sandbox.portal_id());
    let options = UndoOptions { concurrency: 4, ..UndoOptions::default() };
    let error = prepare_undo(&mut store, &client, push, connected, options, &cancel, &mut |_| cancel.cancel())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "cancelled");
    assert_eq!(client.api_calls(), 2, "the portal check and properties only: no contact read after the cancel");
    assert_eq!(store.newest_run_id().unwrap(), before, "no undo preview recorded");
}
