//! Bulk imports: all or nothing, or the good rows with the bad ones listed; dry runs; rows
//! given one at a time.

use hubsync_store::{BadRows, FieldType, ImportOptions, LeadRow, StoreError};

use super::{store, temp_dir};

pub fn row(row: usize, email: &str, values: &[(&str, &str)]) -> LeadRow {
    LeadRow { row, email: email.into(), values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
}

const SKIP: ImportOptions = ImportOptions { bad_rows: BadRows::Skip, dry_run: false };

fn rows_of(errors: &[hubsync_store::RowError]) -> Vec<usize> {
    errors.iter().map(|e| e.row).collect()
}

#[test]
fn a_bulk_import_reports_every_bad_row_and_writes_all_or_nothing() {
    let mut store = store();
    store.add_lead("Known@Example.com", &[("company", "Old")]).unwrap();
    let bad = [
        row(2, "new@example.com", &[("company", "Acme")]),
        row(3, "not an email", &[]),
        row(4, "", &[]),
        row(5, "NEW@example.com", &[]),
        row(6, "x@example.com", &[("company_size", "huge")]),
        row(7, "y@example.com", &[("shoe_size", "9")]),
    ];
    let StoreError::InvalidRows(errors) = store.import_leads(&bad, ImportOptions::default()).unwrap_err() else {
        panic!()
    };
    assert_eq!(rows_of(&errors), vec![3, 4, 5, 6, 7]);
    assert!(errors[2].message.contains("row 2"), "{}", errors[2].message);
    assert!(errors[3].message.contains("company_size"), "{}", errors[3].message);
    assert_eq!(store.lead_count().unwrap(), 1, "nothing written");
    assert!(store.lead_by_email("new@example.com").unwrap().is_none(), "not even the rows before the first bad one");

    let good = [row(2, "new@example.com", &[("company", "Acme")]), row(3, "known@example.com", &[("company", "New")])];
    let summary = store.import_leads(&good, ImportOptions::default()).unwrap();
    assert_eq!((summary.added, summary.updated, summary.skipped.len()), (1, 1, 0));
    let known = store.lead_by_email("KNOWN@example.com").unwrap().unwrap();
    assert_eq!(known.value("company"), Some("New"));
    assert_eq!(known.email, "known@example.com", "an update keeps the file's spelling of the address");
    assert_eq!(store.lead_count().unwrap(), 2);
}

#[test]
fn skipping_bad_rows_writes_every_good_row_and_lists_the_bad_ones() {
    let mut store = store();
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    store.add_lead("known@example.com", &[("score", "1"), ("company", "Kept")]).unwrap();
    let rows = [
        row(2, "a@example.com", &[("score", "007.50")]),
        row(3, "b@example.com", &[("score", "lots")]),
        row(4, "known@example.com", &[("score", "2")]),
        // Row 3 was bad, so its address is free for this one.
        row(5, "B@example.com", &[("score", "3")]),
        row(6, "a@example.com", &[("score", "4")]),
        row(7, "nobody", &[]),
    ];
    let summary = store.import_leads(&rows, SKIP).unwrap();
    assert_eq!((summary.added, summary.updated), (2, 1));
    assert_eq!(rows_of(&summary.skipped), vec![3, 6, 7]);
    assert!(summary.skipped[0].message.contains("\"lots\" is not a number"), "{:?}", summary.skipped);
    assert!(summary.skipped[1].message.contains("also on row 2"), "{:?}", summary.skipped);

    let value = |email: &str, key: &str| store.lead_by_email(email).unwrap().unwrap().value(key).map(String::from);
    assert_eq!(value("a@example.com", "score").as_deref(), Some("7.5"), "canonical, and row 6 did not win");
    assert_eq!(value("b@example.com", "score").as_deref(), Some("3"));
    assert_eq!(value("known@example.com", "score").as_deref(), Some("2"));
    assert_eq!(value("known@example.com", "company").as_deref(), Some("Kept"), "a field not in the row is kept");
    assert_eq!(store.lead_count().unwrap(), 3);

    let nothing_good = store.import_leads(&[row(2, "bad", &[])], SKIP).unwrap();
    assert_eq!((nothing_good.added, nothing_good.updated, rows_of(&nothing_good.skipped)), (0, 0, vec![2]));
}

#[test]
fn a_dry_run_counts_what_would_change_and_writes_nothing() {
    let dir = temp_dir("import-dry-run");
    let path = dir.join("hubsync.db");
    let mut store = hubsync_store::Store::open(&path, super::clock()).unwrap();
    store.add_lead("known@example.com", &[("city", "Lyon")]).unwrap();
    let rows = [
        row(2, "new@example.com", &[("city", "Oslo")]),
        row(3, "KNOWN@example.com", &[("city", "Rome")]),
        row(4, "new@EXAMPLE.com", &[]),
    ];
    let before = store.leads().unwrap();

    let dry = ImportOptions { bad_rows: BadRows::Skip, dry_run: true };
    let summary = store.import_leads(&rows, dry).unwrap();
    assert_eq!((summary.added, summary.updated, rows_of(&summary.skipped)), (1, 1, vec![4]));
    assert_eq!(store.leads().unwrap(), before, "nothing written");

    let refuse = ImportOptions { bad_rows: BadRows::Refuse, dry_run: true };
    let StoreError::InvalidRows(errors) = store.import_leads(&rows, refuse).unwrap_err() else { panic!() };
    assert_eq!(rows_of(&errors), vec![4], "a dry run fails as the import would");
    assert_eq!(store.leads().unwrap(), before);
    drop(store);
    let reopened = hubsync_store::Store::open(&path, super::clock()).unwrap();
    assert_eq!(reopened.leads().unwrap(), before, "nothing on disk either");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rows_given_one_at_a_time_are_kept_only_when_the_import_finishes() {
    let mut store = store();
    let mut import = store.begin_import(SKIP).unwrap();
    import.add(2, "a@example.com", &[("company", "A")]).unwrap();
    import.reject(3, "is not UTF-8 text");
    import.add(4, "b@example.com", &[]).unwrap();
    assert_eq!(rows_of(import.bad_rows()), vec![3]);
    drop(import);
    assert_eq!(store.lead_count().unwrap(), 0, "an import dropped unfinished writes nothing");

    let mut import = store.begin_import(SKIP).unwrap();
    import.add(4, "b@example.com", &[]).unwrap();
    import.reject(3, "has 2 cells; the header has 3");
    import.add(2, "a@example.com", &[("company", "A")]).unwrap();
    let summary = import.finish().unwrap();
    assert_eq!(summary.added, 2);
    assert_eq!(rows_of(&summary.skipped), vec![3]);
    assert_eq!(store.lead_count().unwrap(), 2);

    let mut import = store.begin_import(ImportOptions::default()).unwrap();
    import.add(2, "c@example.com", &[]).unwrap();
    import.reject(3, "is not UTF-8 text");
    let StoreError::InvalidRows(errors) = import.finish().unwrap_err() else { panic!() };
    assert_eq!(errors[0].message, "is not UTF-8 text");
    assert_eq!(store.lead_count().unwrap(), 2, "all or nothing: c@ was not kept");
}

#[test]
fn a_long_list_of_bad_rows_names_the_first_twenty() {
    let mut store = store();
    let rows: Vec<LeadRow> = (2..=31).map(|i| row(i, "not an email", &[])).collect();
    let error = store.import_leads(&rows, ImportOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("30 of the rows are invalid"), "{message}");
    assert!(message.contains("row 21:") && !message.contains("row 22:"), "{message}");
    assert!(message.ends_with("… and 10 more"), "{message}");
    let StoreError::InvalidRows(errors) = error else { panic!() };
    assert_eq!(errors.len(), 30, "the error itself has every row");
}
