//! Bulk imports: all or nothing, or the good rows with the bad ones listed; dry runs; rows
//! given one at a time.

use std::path::{Path, PathBuf};

use hubsync_store::{
    BadRows, FieldOp, FieldType, ImportOptions, LeadFilter, LeadQuery, LeadRow, MAX_PAGE_ROWS, Store, StoreError,
};

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

/// A store in a file of its own directory, holding one lead, known@example.com, with `values`.
fn store_on_disk_knowing(name: &str, values: &[(&str, &str)]) -> (PathBuf, PathBuf, Store) {
    let dir = temp_dir(name);
    let path = dir.join("hubsync.db");
    let mut store = Store::open(&path, super::clock()).unwrap();
    store.add_lead("known@example.com", values).unwrap();
    (dir, path, store)
}

#[test]
fn a_dry_run_counts_what_would_change_and_writes_nothing() {
    let (dir, path, mut store) = store_on_disk_knowing("import-dry-run", &[("city", "Lyon")]);
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
    let reopened = Store::open(&path, super::clock()).unwrap();
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

/// Names with their SQL, or settings with their values.
type Pairs = Vec<(String, String)>;

/// The indexes of the leads' tables and the search index's settings, as another connection
/// sees them.
fn schema_of(path: &Path) -> (Pairs, Pairs) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let indexes = conn
        .prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('leads', 'lead_values')
             AND sql IS NOT NULL ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let settings = conn
        .prepare("SELECT k, CAST(v AS TEXT) FROM lead_search_config ORDER BY k")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    (indexes, settings)
}

fn city(n: usize) -> String {
    format!("City{n:03}")
}

#[test]
fn a_bulk_import_builds_the_indexes_it_set_aside_and_keeps_every_rule() {
    let (dir, path, mut store) = store_on_disk_knowing("import-bulk", &[("city", "Lyon"), ("company", "Kept")]);
    let before = schema_of(&path);
    assert!(before.0.iter().any(|(name, _)| name == "lead_values_by_field"), "{before:?}");

    let mut import = store.begin_import(SKIP).unwrap();
    import.bulk_after(3);
    for n in 2..=11 {
        let email = format!("lead{n}@example.com");
        import.add(n, &email, &[("city", &city(n)), ("company", "Acme")]).unwrap();
    }
    // Other connections see the store as it was while the import writes in bulk.
    assert_eq!(schema_of(&path), before);
    import.add(12, "known@example.com", &[("city", "Lyon"), ("company", "")]).unwrap();
    import.add(13, "LEAD2@example.com", &[]).unwrap();
    let summary = import.finish().unwrap();
    assert_eq!((summary.added, summary.updated, rows_of(&summary.skipped)), (10, 1, vec![13]));
    assert_eq!(summary.skipped[0].message, "LEAD2@example.com is also on row 2");

    assert_eq!(schema_of(&path), before, "the same indexes, and the search settings as they were");
    assert_eq!(store.integrity_check().unwrap(), "ok", "the indexes hold every row");
    let known = store.lead_by_email("known@example.com").unwrap().unwrap();
    assert_eq!((known.value("city"), known.value("company")), (Some("Lyon"), None), "unchanged, and cleared");
    assert_eq!(store.lead_by_email("lead7@example.com").unwrap().unwrap().value("city"), Some("City007"));
    let by_city = LeadQuery {
        filters: vec![LeadFilter::Field { field: "city".into(), op: FieldOp::Equals, value: "City011".into() }],
        limit: MAX_PAGE_ROWS,
        ..LeadQuery::default()
    };
    let page = store.query_leads(&by_city).unwrap();
    assert_eq!(page.leads.iter().map(|l| l.email.as_str()).collect::<Vec<_>>(), ["lead11@example.com"]);
    let search = LeadQuery { search: "city00".into(), limit: MAX_PAGE_ROWS, ..LeadQuery::default() };
    assert_eq!(store.query_leads(&search).unwrap().total, 8, "every new lead's text is indexed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bulk_import_refused_or_dropped_leaves_the_indexes_and_settings_as_they_were() {
    let (dir, path, mut store) = store_on_disk_knowing("import-bulk-undone", &[("city", "Lyon")]);
    let before = (schema_of(&path), store.leads().unwrap());

    let mut refused = store.begin_import(ImportOptions::default()).unwrap();
    refused.bulk_after(2);
    for n in 2..=6 {
        refused.add(n, &format!("lead{n}@example.com"), &[("city", &city(n))]).unwrap();
    }
    refused.add(7, "not an email", &[]).unwrap();
    assert!(matches!(refused.finish(), Err(StoreError::InvalidRows(_))));
    assert_eq!((schema_of(&path), store.leads().unwrap()), before, "refused: nothing changed");

    let mut dropped = store.begin_import(SKIP).unwrap();
    dropped.bulk_after(2);
    for n in 2..=6 {
        dropped.add(n, &format!("lead{n}@example.com"), &[("city", &city(n))]).unwrap();
    }
    drop(dropped);
    assert_eq!((schema_of(&path), store.leads().unwrap()), before, "dropped: nothing changed");
    assert_eq!(store.integrity_check().unwrap(), "ok");

    // And the store's own writes go on as before.
    store.add_lead("after@example.com", &[("city", "Oslo")]).unwrap();
    assert_eq!(store.lead_count().unwrap(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The first row to take an email is named whatever lies between, in every way an import runs:
/// written, checked only (a dry run) and checked after a bad row has stopped the writing.
#[test]
fn a_duplicate_email_far_down_the_file_names_the_row_that_took_it() {
    const APART: usize = 2_000;
    let rows: Vec<LeadRow> = (2..APART + 2)
        .map(|n| row(n, &format!("lead{n}@example.com"), &[("city", "Oslo")]))
        .chain([row(APART + 2, "Lead2@Example.com", &[]), row(APART + 3, "LEAD3@example.com", &[])])
        .collect();
    let expected = |skipped: &[hubsync_store::RowError]| {
        let messages: Vec<&str> = skipped.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["Lead2@Example.com is also on row 2", "LEAD3@example.com is also on row 3"]);
    };

    let mut store = store();
    let mut import = store.begin_import(SKIP).unwrap();
    import.bulk_after(10);
    for r in &rows {
        let values: Vec<(&str, &str)> = r.values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        import.add(r.row, &r.email, &values).unwrap();
    }
    let written = import.finish().unwrap();
    assert_eq!(written.added, APART);
    expected(&written.skipped);

    let mut fresh = super::store();
    let dry = fresh.import_leads(&rows, ImportOptions { bad_rows: BadRows::Skip, dry_run: true }).unwrap();
    assert_eq!(dry.added, APART);
    expected(&dry.skipped);

    let mut checked_only = vec![row(1, "not an email", &[])];
    checked_only.extend(rows.iter().cloned());
    let StoreError::InvalidRows(errors) = fresh.import_leads(&checked_only, ImportOptions::default()).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(rows_of(&errors), vec![1, APART + 2, APART + 3]);
    expected(&errors[1..]);
    assert_eq!(fresh.lead_count().unwrap(), 0);
}

#[test]
fn a_field_given_twice_in_a_row_ends_as_its_last_value_in_the_lead_and_its_search_text() {
    let mut store = store();
    let rows = [
        row(2, "new@example.com", &[("city", "Oslo"), ("city", "")]),
        row(3, "b@example.com", &[("city", "Rome"), ("city", "Bergen")]),
    ];
    store.import_leads(&rows, ImportOptions::default()).unwrap();
    let search = |text: &str| {
        let query = LeadQuery { search: text.into(), limit: MAX_PAGE_ROWS, ..LeadQuery::default() };
        store.query_leads(&query).unwrap().leads.into_iter().map(|l| l.email).collect::<Vec<_>>()
    };
    assert_eq!(store.lead_by_email("new@example.com").unwrap().unwrap().value("city"), None);
    assert!(search("oslo").is_empty(), "a value cleared in its own row is not searchable");
    assert_eq!(store.lead_by_email("b@example.com").unwrap().unwrap().value("city"), Some("Bergen"));
    assert_eq!(search("bergen"), ["b@example.com"]);
    assert!(search("rome").is_empty());
}
