//! Leads in and out of files as the command line and the app both do it: the export that
//! imports back, the import with its row-error report, the columns suggested for review, and
//! the owners kept for leads to show.

use std::sync::Arc;

use hubsync_hubspot::ClientError;
use hubsync_store::{FieldType, OwnerRecord, Store, SystemClock};
use hubsync_sync::csv_import::{ColumnOverride, CsvFile, CsvImportError, MatchedBy, suggest_columns};
use hubsync_sync::leads::{ImportSettings, PreparedImport, export_leads, refused_rows};
use hubsync_sync::owners::keep_owners;

fn store() -> Store {
    let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    store
}

#[test]
fn an_export_imports_back_into_an_empty_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = store();
    source.add_lead("ann@example.com", &[("first_name", "Ann"), ("score", "12.5")]).unwrap();
    source.add_lead("bo@example.com", &[("company", "=HYPERLINK(\"x\")"), ("city", "Zürich, CH")]).unwrap();
    let path = dir.path().join("leads.csv");
    assert_eq!(export_leads(&source, &path).unwrap(), 2);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("email,first_name,last_name,"), "{text}");
    assert!(text.contains("'=HYPERLINK"), "formula-safe: {text}");

    let mut target = store();
    let imported = PreparedImport::open(&target, &path, &[])
        .unwrap()
        .run(&mut target, &ImportSettings::default(), &mut |_| {})
        .unwrap();
    assert_eq!((imported.added, imported.updated, imported.skipped.len()), (2, 0, 0));
    let strip = |s: &Store| s.leads().unwrap().into_iter().map(|l| (l.email, l.values)).collect::<Vec<_>>();
    assert_eq!(strip(&target), strip(&source));
}

#[test]
fn skipped_rows_go_to_the_report_and_a_refusal_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "E-mail,Score,Notes\nann@example.com,7,x\nnot-an-email,1,y\nbo@example.com,lots,z\n,,\n")
        .unwrap();
    let mut store = store();

    let refused = PreparedImport::open(&store, &input, &[])
        .unwrap()
        .run(&mut store, &ImportSettings::default(), &mut |_| {})
        .unwrap_err();
    let rows: Vec<usize> = refused_rows(&refused).unwrap().iter().map(|r| r.row).collect();
    assert_eq!(rows, [3, 4]);
    assert_eq!(store.lead_count().unwrap(), 0, "refused: nothing written");

    let report = dir.path().join("report.csv");
    let settings = ImportSettings { skip_bad_rows: true, dry_run: false, errors_file: Some(report.clone()) };
    let prepared = PreparedImport::open(&store, &input, &[]).unwrap();
    let notes = prepared.plan().columns.iter().find(|c| c.column == "Notes").unwrap();
    assert_eq!(notes.matched_by, MatchedBy::Unmatched);
    let imported = prepared.run(&mut store, &settings, &mut |_| {}).unwrap();
    assert_eq!((imported.rows, imported.added, imported.blank, imported.skipped.len()), (4, 1, 1, 2));
    assert_eq!(imported.errors_file.as_deref(), Some(report.display().to_string().as_str()));
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.starts_with("row,error,E-mail,Score,Notes\n3,"), "{written}");
    assert!(written.contains("bo@example.com,lots,z"), "{written}");

    // The file fixed: no bad rows, so the old report goes.
    std::fs::write(&input, "E-mail,Score\nann@example.com,8\n").unwrap();
    let imported = PreparedImport::open(&store, &input, &[]).unwrap().run(&mut store, &settings, &mut |_| {}).unwrap();
    assert_eq!((imported.updated, imported.removed_errors_file.is_some()), (1, true));
    assert!(!report.exists());
}

#[test]
fn overrides_choose_or_ignore_columns() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "Mail,Points,City\nann@example.com,3,Oslo\n").unwrap();
    let mut store = store();
    let overrides = [
        ColumnOverride { column: "points".into(), field: Some("score".into()) },
        ColumnOverride { column: "City".into(), field: None },
    ];
    let imported = PreparedImport::open(&store, &input, &overrides)
        .unwrap()
        .run(&mut store, &ImportSettings::default(), &mut |_| {})
        .unwrap();
    assert_eq!(imported.added, 1);
    let lead = store.lead_by_email("ann@example.com").unwrap().unwrap();
    assert_eq!((lead.value("score"), lead.value("city")), (Some("3"), None));
    let unknown =
        PreparedImport::open(&store, &input, &[ColumnOverride { column: "Mail".into(), field: Some("nope".into()) }]);
    assert!(matches!(unknown.err().unwrap(), CsvImportError::UnknownField { .. }));
}

#[test]
fn suggestions_leave_a_second_claim_on_a_field_for_the_admin() {
    let store = store();
    let columns: Vec<String> = ["Email", "E-mail address", "First Name", "Whatever"].map(String::from).to_vec();
    let suggested = suggest_columns(&columns, &store.fields().unwrap(), &store.mappings().unwrap());
    let fields: Vec<Option<&str>> = suggested.iter().map(|c| c.field.as_deref()).collect();
    assert_eq!(fields, [Some("email"), None, Some("first_name"), None]);
}

#[test]
fn a_sample_shows_the_first_rows_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "a;b\n1;'=x\n\n2;y\n3;z\n").unwrap();
    let mut file = CsvFile::open(&input).unwrap();
    assert_eq!(file.sample(2).unwrap(), [vec!["1", "=x"], vec!["2", "y"]]);
}

#[test]
fn owners_are_kept_and_the_last_read_stand_when_hubspot_is_away() {
    let mut store = store();
    let away = || Err(ClientError::Unreachable { url: "https://api.hubapi.com".into(), detail: "timed out".into() });
    assert!(keep_owners(&mut store, away()).is_err(), "nothing kept yet: HubSpot's error");
    let owner =
        OwnerRecord { id: "1".into(), email: Some("o@x.test".into()), first_name: None, last_name: None, active: true };
    let live = keep_owners(&mut store, Ok(vec![owner.clone()])).unwrap();
    assert!(live.live && live.warning.is_none());
    let offline = keep_owners(&mut store, away()).unwrap();
    assert_eq!((offline.live, offline.owners), (false, vec![owner]));
    assert!(offline.warning.unwrap().contains("as last read"));
}

#[test]
fn an_export_defuses_every_formula_start_and_leaves_numbers_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = store();
    // Values refuse control characters, so a tab or CR start (defused too) can't reach this file.
    let risky = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "'=already quoted"];
    for (i, value) in risky.iter().enumerate() {
        source.add_lead(&format!("lead{i}@example.com"), &[("company", value), ("score", "-5")]).unwrap();
    }
    let path = dir.path().join("leads.csv");
    export_leads(&source, &path).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|c| c == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), risky.len());
    for (row, value) in rows.iter().zip(risky) {
        assert_eq!(&row[column("company")], format!("'{value}"), "{value:?} is written as text");
        assert_eq!(&row[column("score")], "-5", "a negative number is a number, not a formula");
    }
}
