//! Opening a store from an older Hubsync: what `Store::open_reporting` tells while the pending
//! migrations run, and that a failed upgrade leaves the store as it was.

use std::path::Path;

use hubsync_store::{MIGRATIONS, Store, UpgradeProgress};

/// Turns the store at `path` back into one version 13 left (`roll_back_to_13.sql`).
pub fn roll_back_to_13(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(include_str!("roll_back_to_13.sql")).unwrap();
}

/// A store of version 13 at `dir/hubsync.db`, with two leads.
fn store_from_version_13(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("hubsync.db");
    {
        let mut store = Store::open(&path, super::clock()).unwrap();
        store.add_lead("ann@example.com", &[("city", "Oslo")]).unwrap();
        store.add_lead("bo@example.com", &[("city", "Graz")]).unwrap();
    }
    roll_back_to_13(&path);
    path
}

fn open_reporting(path: &Path) -> (Result<Store, hubsync_store::StoreError>, Vec<UpgradeProgress>) {
    let mut reports = Vec::new();
    let store = Store::open_reporting(path, super::clock(), &mut |progress| reports.push(progress));
    (store, reports)
}

#[test]
fn an_upgrade_reports_each_pending_migration_then_its_end_and_a_current_store_nothing() {
    assert_eq!(MIGRATIONS.len(), 22, "a new migration: add its step below");
    let dir = super::temp_dir("upgrade-reports");
    let path = store_from_version_13(&dir);

    let (store, reports) = open_reporting(&path);
    assert_eq!(
        reports,
        [
            UpgradeProgress::Step { step: 1, steps: 9, name: "0014_lead_query_paths.sql", from: 13, to: 14 },
            UpgradeProgress::Step { step: 2, steps: 9, name: "0015_contact_snapshots.sql", from: 14, to: 15 },
            UpgradeProgress::Step { step: 3, steps: 9, name: "0016_portal_account_type.sql", from: 15, to: 16 },
            UpgradeProgress::Step { step: 4, steps: 9, name: "0017_sync_state.sql", from: 16, to: 17 },
            UpgradeProgress::Step { step: 5, steps: 9, name: "0018_companies.sql", from: 17, to: 18 },
            UpgradeProgress::Step { step: 6, steps: 9, name: "0019_run_companies.sql", from: 18, to: 19 },
            UpgradeProgress::Step { step: 7, steps: 9, name: "0020_pulled_companies_and_deals.sql", from: 19, to: 20 },
            UpgradeProgress::Step { step: 8, steps: 9, name: "0021_undo_companies.sql", from: 20, to: 21 },
            UpgradeProgress::Step { step: 9, steps: 9, name: "0022_guardrails_and_schedules.sql", from: 21, to: 22 },
            UpgradeProgress::Done { steps: 9, version: 22 },
        ]
    );
    let store = store.unwrap();
    assert_eq!((store.schema_version().unwrap(), store.lead_count().unwrap()), (22, 2));
    drop(store);

    let (store, reports) = open_reporting(&path);
    assert_eq!(store.unwrap().schema_version().unwrap(), 22);
    assert_eq!(reports, [], "a store up to date has nothing to report");

    let (store, reports) = open_reporting(&dir.join("new.db"));
    assert_eq!(store.unwrap().schema_version().unwrap(), 22);
    assert_eq!(reports, [], "a new store is made, not upgraded");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_upgrade_that_fails_midway_reports_no_end_and_leaves_the_store_as_it_was() {
    let dir = super::temp_dir("upgrade-fails");
    let path = store_from_version_13(&dir);
    // A table in 0015's way: its step fails, after 0014's ran in the same transaction.
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE contact_snapshots (x)").unwrap();

    let (store, reports) = open_reporting(&path);
    assert!(store.is_err());
    assert!(
        matches!(reports.as_slice(), [UpgradeProgress::Step { step: 1, .. }, UpgradeProgress::Step { step: 2, .. }]),
        "{reports:?}"
    );

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    let query_paths: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'lead_search_chars'", [], |r| r.get(0))
        .unwrap();
    let leads: i64 = conn.query_row("SELECT count(*) FROM leads", [], |r| r.get(0)).unwrap();
    assert_eq!((version, query_paths, leads), (13, 0, 2), "0014's step was rolled back too");
    drop(conn);
    std::fs::remove_dir_all(dir).unwrap();
}
