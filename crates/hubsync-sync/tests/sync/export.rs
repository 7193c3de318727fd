//! A run's results as success and error files: the original columns, then contact id, action,
//! outcome and message; formula-looking cells defused.

use hubsync_store::RunStatus;
use hubsync_sync::{Cancel, PushOptions, export_run, prepare_pull, prepare_push, record_preview, run_pull, run_push};
use serde_json::json;

use crate::push::{Portal, fast, quiet, store_for};

fn read(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
}

#[tokio::test]
async fn a_live_push_exports_its_rows_with_their_original_columns_and_outcomes() {
    let portal = Portal::start(json!([
        { "id": "701", "properties": { "email": "ann@example.com", "company": "Old" } },
        { "id": "702", "properties": { "email": "bob@example.com", "lifecyclestage": "customer" } }
    ]))
    .await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    store.add_lead("ann@example.com", &[("company", "=HYPERLINK(\"http://evil.test\",\"x\")")]).unwrap();
    store.add_lead("bob@example.com", &[("first_name", "Bob"), ("lifecycle_stage", "lead")]).unwrap();
    store.add_lead("cat@example.com", &[("first_name", "+Cat"), ("company", "Cat, Inc.\nHQ")]).unwrap();
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let preview = record_preview(&mut store, &prepared).unwrap();
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed);

    let dir = std::env::temp_dir().join(format!("hubsync-export-{}", std::process::id())).join("nested");
    let export = export_run(&store, run.id, &dir).unwrap();
    assert_eq!((export.success_rows, export.error_rows), (2, 1));
    assert_eq!(export.success_file, dir.join(format!("run-{}-success.csv", run.id)));
    let header =
        ["email", "first_name", "company", "lifecycle_stage", "hubspot_contact_id", "action", "outcome", "message"];
    let success = read(&export.success_file);
    assert_eq!(success[0], header);
    assert_eq!(
        success[1][..7],
        ["ann@example.com", "", "'=HYPERLINK(\"http://evil.test\",\"x\")", "", "701", "update", "updated"]
    );
    let cat = &success[2];
    assert_eq!(cat[..4], ["cat@example.com", "'+Cat", "Cat, Inc.\nHQ", ""]);
    assert!(!cat[4].is_empty(), "the new contact's id: {cat:?}");
    assert_eq!(cat[5..7], ["create", "created"]);
    let errors = read(&export.error_file);
    assert_eq!(errors[0], header);
    assert_eq!(errors[1][..7], ["bob@example.com", "Bob", "", "lead", "702", "invalid", "invalid"]);
    assert!(errors[1][7].contains("only moves the stage forward"), "{:?}", errors[1]);

    // A preview exports too; an export into a file (not a folder) fails and says where.
    let export = export_run(&store, preview, &dir).unwrap();
    assert_eq!((export.success_rows, export.error_rows), (2, 1));
    assert_eq!(read(&export.success_file)[1][6], "previewed");
    let error = export_run(&store, run.id, &export.success_file).unwrap_err();
    assert_eq!(error.code(), "file_error", "{error}");
    assert_eq!(export_run(&store, 999, &dir).unwrap_err().code(), "run_not_found");

    // A pull's rows: values it set and values it found unchanged both fill the columns.
    portal
        .call(
            reqwest::Method::PATCH,
            "/crm/v3/objects/contacts/701",
            Some(json!({ "properties": { "firstname": "Annie" } })),
        )
        .await;
    let pulled = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let pull = run_pull(&mut store, pulled, &Cancel::default(), &mut |_| {}).unwrap();
    let export = export_run(&store, pull.id, &dir).unwrap();
    let rows = read(&export.success_file);
    let ann = rows.iter().find(|r| r[0] == "ann@example.com").unwrap();
    let column = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    assert_eq!(ann[column("first_name")], "Annie", "set by the pull: {rows:?}");
    assert_eq!(ann[column("company")], "'=HYPERLINK(\"http://evil.test\",\"x\")", "unchanged: {rows:?}");
    assert_eq!((ann[column("action")].as_str(), ann[column("outcome")].as_str()), ("update", "updated"));
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

/// A row a stopped run never wrote says so in the error file, in words of the file's own: no
/// command line of a shell.
#[test]
fn a_pending_row_is_exported_as_pending() {
    use hubsync_store::journal::Journal;
    use hubsync_store::{NewRun, RunAction, RunItem, RunKind, RunMode, Store, SystemClock};

    let mut store = Store::open_in_memory(std::sync::Arc::new(SystemClock)).unwrap();
    let run = NewRun {
        kind: RunKind::Push,
        mode: RunMode::Live,
        portal_id: None,
        settings: json!({}),
        estimate: json!({}),
        api_calls: 0,
    };
    let pending = RunItem::planned(0, 1, "ann@example.com".into(), None, RunAction::Create, vec![], RunMode::Live);
    let run_id = store.create_run(&run, [pending]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let export = export_run(&store, run_id, dir.path()).unwrap();
    assert_eq!((export.success_rows, export.error_rows), (0, 1));
    let rows = read(&export.error_file);
    assert_eq!(rows[1][..4], ["ann@example.com", "", "create", "pending"]);
    assert_eq!(rows[1][4], "pending: the run stopped before this row was written; resuming the run writes it");
}
