//! Leads: the form's checks, the CSV import in one step (the command line's) and in two (the
//! app's), the export.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use hubsync_api::files::staged_path;
use hubsync_api::leads::{
    ColumnChoice, ImportRequest, ImportSettings, LeadSaved, all, detail, export, open_import, run_staged, save, stage,
    stage_text, write,
};
use hubsync_store::{Store, StoreError, SystemClock};
use hubsync_sync::csv_import::{ColumnOverride, CsvImportError, MatchedBy};

#[test]
fn a_file_imports_in_one_step_with_an_override_and_its_bad_row_in_an_errors_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
    let input = dir.path().join("people.csv");
    let text = "E-mail;Town;Size\nann@example.com;Oslo;5-25\nbo@example.com;Bergen;huge\n;;\n";
    std::fs::write(&input, text).unwrap();
    let errors = dir.path().join("people.errors.csv");
    let overrides = [ColumnOverride { column: "size".into(), field: Some("company_size".into()) }];
    let settings = |skip_bad_rows| ImportSettings { skip_bad_rows, dry_run: false, errors_file: Some(errors.clone()) };

    let import = open_import(&store, &input, &overrides, settings(false)).unwrap();
    let matched: Vec<(Option<&str>, MatchedBy)> =
        import.plan().columns.iter().map(|c| (c.field.as_deref(), c.matched_by)).collect();
    assert_eq!(
        matched,
        [
            (Some("email"), MatchedBy::Key),
            (Some("city"), MatchedBy::Alias),
            (Some("company_size"), MatchedBy::Override)
        ]
    );
    assert_eq!((import.layout().delimiter.as_str(), import.bytes_total()), ("semicolon", text.len() as u64));
    let refused = import.run(&mut store, &mut |_| {}).unwrap_err();
    assert_eq!(refused.code, "invalid_rows");
    let cause = std::error::Error::source(&refused).and_then(|s| s.downcast_ref::<CsvImportError>());
    let Some(CsvImportError::Store(StoreError::InvalidRows(rows))) = cause else { panic!("{refused:?}") };
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [3], "the typed rows stay for a shell to list");
    assert_eq!(store.lead_count().unwrap(), 0, "refused: nothing written");
    assert!(!errors.exists(), "no errors file without skipping bad rows");

    let mut heard = Vec::new();
    let imported = open_import(&store, &input, &overrides, settings(true))
        .unwrap()
        .run(&mut store, &mut |p| heard.push((p.bytes_read, p.bytes_total)))
        .unwrap();
    assert_eq!((imported.rows, imported.blank, imported.added, imported.updated), (3, 1, 1, 0));
    assert_eq!(imported.skipped.iter().map(|r| r.row).collect::<Vec<_>>(), [3]);
    assert_eq!(imported.file, input.display().to_string());
    assert_eq!(imported.errors_file, Some(errors.display().to_string()));
    assert_eq!(heard.last().copied(), Some((text.len() as u64, text.len() as u64)));
    let written = std::fs::read_to_string(&errors).unwrap();
    assert!(written.starts_with("row;error;E-mail;Town;Size\n3;"), "{written}");
    assert!(written.ends_with(";bo@example.com;Bergen;huge\n"), "{written}");
    let ann = store.lead_by_email("ann@example.com").unwrap().unwrap();
    assert_eq!((ann.value("city"), ann.value("company_size")), (Some("Oslo"), Some("5-25")));
}

#[test]
fn an_errors_file_that_is_the_file_being_imported_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
    let input = dir.path().join("people.csv");
    // No email column: had the file been read, that would be the error.
    std::fs::write(&input, "Name\nAnn\n").unwrap();
    let same = dir.path().join(".").join("people.csv");
    let settings = ImportSettings { skip_bad_rows: true, dry_run: false, errors_file: Some(same.clone()) };

    let refused = open_import(&store, &input, &[], settings).err().expect("refused");
    assert_eq!(refused.code, "errors_file_is_input");
    assert!(refused.message.contains(&same.display().to_string()), "{refused:?}");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), "Name\nAnn\n", "the file is left as it was");

    let beside = ImportSettings { errors_file: Some(dir.path().join("people.errors.csv")), ..Default::default() };
    let unreadable = open_import(&store, &input, &[], beside).err().expect("no email column");
    assert_eq!(unreadable.code, "no_email_column");
}

#[test]
fn a_staged_file_imports_with_the_columns_chosen_and_its_bad_rows_in_a_report() {
    let (staging, reports) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
    let text = "E-mail,Place,Size\nann@example.com,Oslo,5-25\nbo@example.com,Bergen,huge\n";
    let (fields, mappings) = (store.fields().unwrap(), store.mappings().unwrap());
    let inspection = stage(staging.path(), &fields, &mappings, "people.csv".into(), text).unwrap();
    let matched: Vec<Option<&str>> = inspection.columns.iter().map(|c| c.field.as_deref()).collect();
    assert_eq!(matched, [Some("email"), None, None]);
    assert_eq!(inspection.samples[1], ["bo@example.com", "Bergen", "huge"]);
    let staged = staged_path(staging.path(), &inspection.token).unwrap();

    let choose = |skip_bad_rows, dry_run| ImportRequest {
        file_name: "people.csv".into(),
        columns: vec![
            ColumnChoice { column: "Place".into(), field: Some("city".into()) },
            ColumnChoice { column: "Size".into(), field: Some("company_size".into()) },
        ],
        skip_bad_rows,
        dry_run,
    };
    let refused = run_staged(&mut store, &staged, reports.path(), choose(false, false), &mut |_| {}).unwrap_err();
    assert_eq!(refused.code, "invalid_rows");
    assert!(refused.message.contains("row 3") && refused.message.contains("Skip bad rows"), "{refused:?}");
    assert!(staged.exists(), "kept for another try");

    let checked = run_staged(&mut store, &staged, reports.path(), choose(true, true), &mut |_| {}).unwrap();
    assert_eq!((checked.imported.added, checked.imported.errors_file.as_deref()), (1, None));
    assert_eq!(store.lead_count().unwrap(), 0, "a check writes nothing");

    let mut heard = Vec::new();
    let done = run_staged(&mut store, &staged, reports.path(), choose(true, false), &mut |p| heard.push(p.bytes_read))
        .unwrap();
    assert_eq!((done.imported.added, done.imported.skipped.len(), done.imported.file.as_str()), (1, 1, "people"));
    assert_eq!(heard.last().copied(), Some(text.len() as u64));
    let report = PathBuf::from(done.imported.errors_file.unwrap());
    assert_eq!(report.parent().unwrap(), reports.path());
    assert!(std::fs::read_to_string(&report).unwrap().contains("bo@example.com,Bergen,huge"));
    assert_eq!(store.lead_by_email("ann@example.com").unwrap().unwrap().value("city"), Some("Oslo"));
    assert!(!staged.exists(), "imported: no longer staged");
    let again = run_staged(&mut store, &staged, reports.path(), choose(true, false), &mut |_| {}).unwrap_err();
    assert_eq!(again.code, "import_expired");

    let unreadable = stage(staging.path(), &fields, &mappings, "empty.csv".into(), "").unwrap_err();
    assert_eq!(unreadable.code, "invalid_csv");
    assert_eq!(std::fs::read_dir(staging.path()).unwrap().count(), 0, "an unreadable file is not kept");

    let out = tempfile::tempdir().unwrap();
    let saved = export(&store, out.path()).unwrap();
    assert_eq!(saved.leads, 1);
    assert!(std::fs::read_to_string(&saved.path).unwrap().contains("ann@example.com"));
}

#[test]
fn a_form_gets_every_problem_and_saves_nothing_until_all_are_fixed() {
    let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
    let values = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    let refused = save(&mut store, None, "nope", &values(&[("company_size", "huge")])).unwrap();
    let LeadSaved::Invalid { problems } = refused else { panic!("{refused:?}") };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["email", "company_size"]);
    assert_eq!(store.lead_count().unwrap(), 0);

    let saved = save(&mut store, None, "ann@example.com", &values(&[("company_size", "5-25")])).unwrap();
    let LeadSaved::Saved { lead } = saved else { panic!("{saved:?}") };
    let edited =
        save(&mut store, Some(lead.id), "Ann@Example.com", &values(&[("company_size", ""), ("city", "Oslo")])).unwrap();
    let LeadSaved::Saved { lead } = edited else { panic!("{edited:?}") };
    assert_eq!(
        (lead.email.as_str(), lead.value("company_size"), lead.value("city")),
        ("Ann@Example.com", None, Some("Oslo"))
    );
    let shown = detail(&store, lead.id).unwrap();
    assert!(shown.link.is_none() && shown.view.owner.is_none());
}

/// A terminal's lead list: every lead with its owner as the store knows it; and the export to a
/// file the admin names, replacing what was there.
#[test]
fn every_lead_is_listed_with_its_owner_and_written_to_a_chosen_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("leads.db"), Arc::new(SystemClock)).unwrap();
    let values = BTreeMap::from([("company".to_string(), "Analytical".to_string())]);
    let LeadSaved::Saved { lead: ada } = save(&mut store, None, "ada@example.com", &values).unwrap() else {
        panic!("a good lead is saved")
    };
    save(&mut store, None, "grace@example.com", &BTreeMap::new()).unwrap();
    let listed = all(&store).unwrap();
    let emails: Vec<&str> = listed.iter().map(|v| v.view.lead.email.as_str()).collect();
    assert_eq!(emails, ["ada@example.com", "grace@example.com"], "in the order added");
    assert_eq!(listed[0].view.lead.id, ada.id);
    assert_eq!(listed[0].view.lead.value("company"), Some("Analytical"));
    assert!(listed.iter().all(|v| v.view.owner.is_none()), "no owner set");
    assert!(listed.iter().all(|v| v.company.is_none()), "no company found yet");

    let path = dir.path().join("leads.csv");
    std::fs::write(&path, "an older file").unwrap();
    let written = write(&store, &path).unwrap();
    assert_eq!((written.path.as_str(), written.leads), (path.to_str().unwrap(), 2));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("email,") && text.contains("ada@example.com") && !text.contains("older"), "{text}");
}

/// The app's columns step: a staged file's columns are matched to the workspace's own fields,
/// its custom ones included.
#[tokio::test]
async fn a_file_staged_in_a_workspace_is_matched_to_its_custom_fields() {
    let dir = tempfile::tempdir().unwrap();
    let ws = crate::support::open_workspace(dir.path());
    hubsync_api::config::add_field(&ws, "tier".into(), None, hubsync_store::FieldType::Text, Vec::new()).await.unwrap();
    // The shell makes the folder, private to the admin.
    let staging = dir.path().join("staging");
    std::fs::create_dir(&staging).unwrap();
    let text = "Email,Tier\nann@example.com,gold\n".to_string();
    let inspection = stage_text(&ws, staging.clone(), "tiers.csv".into(), text).await.unwrap();
    let matched: Vec<Option<&str>> = inspection.columns.iter().map(|c| c.field.as_deref()).collect();
    assert_eq!(matched, [Some("email"), Some("tier")]);
    assert!(staged_path(&staging, &inspection.token).unwrap().is_file(), "the file is staged");
}

/// The app's lead table: a page at a time, searched, and a linked lead's contact; the owners
/// read from the portal are kept, and offline the refresh says why it can't.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_table_pages_and_searches_and_a_pushed_lead_links_to_its_contact() {
    use hubsync_api::leads::{hubspot_page, page, refresh_owners};
    use hubsync_api::plans::PlanRequest;
    use hubsync_api::sync::{preview, run_previewed};
    use hubsync_store::{ContactLink, LeadQuery};

    let f = crate::support::fixture().await;
    let ws = &f.workspace;
    let query =
        |search: &str, offset, limit| LeadQuery { search: search.into(), offset, limit, ..LeadQuery::default() };
    let second = page(&*ws.store.lock().await, &query("", 1, 1)).unwrap();
    assert_eq!((second.total, second.leads.len()), (2, 1), "one page of one, of two in all");
    let found = page(&*ws.store.lock().await, &query("SYNC-B", 0, 50)).unwrap();
    assert_eq!(found.leads.iter().map(|l| l.email.as_str()).collect::<Vec<_>>(), ["sync-b@example.com"]);
    let id = found.leads[0].id;

    let unlinked = hubspot_page(&*ws.store.lock().await, id).unwrap_err();
    assert_eq!(unlinked.code, "not_linked", "{unlinked:?}");
    let summary = preview(ws, PlanRequest::push(vec!["sync-b@example.com".into()]), |_| {}).await.unwrap();
    run_previewed(ws, summary.run_id, std::time::Instant::now(), |_| {}).await.unwrap().ran().expect("not held");
    let linked = detail(&*ws.store.lock().await, id).unwrap();
    assert!(linked.view.lead.hubspot_id.is_some(), "{linked:?}");
    assert_eq!(linked.link, Some(ContactLink::Sandbox));
    let no_page = hubspot_page(&*ws.store.lock().await, id).unwrap_err();
    assert_eq!(no_page.code, "no_hubspot_page", "the built-in portal has no web pages: {no_page:?}");

    let owners = refresh_owners(ws).await.unwrap();
    assert!(owners.live && owners.warning.is_none(), "{owners:?}");
    assert!(owners.owners.iter().any(|o| o.active), "the seeded portal has active owners: {owners:?}");
    let fields = hubsync_api::config::list_fields(ws).await.unwrap();
    assert!(fields.iter().any(|f| f.key == "owner_email"), "the owner's field is built in");
    f.builtin.shutdown().await;

    let dir = tempfile::tempdir().unwrap();
    let offline = crate::support::open_workspace(dir.path());
    assert_eq!(refresh_owners(&offline).await.unwrap_err().code, "not_connected");
}
