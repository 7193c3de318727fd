//! The store's file under trouble: another connection holding the lock, a full disk, a file
//! that is no database or is damaged. Each is a typed error with a stable code and words on
//! what to do, and the file is left as it was.

use std::path::{Path, PathBuf};

use hubsync_store::{Store, StoreError};
use rusqlite::ffi;

use super::{clock, temp_dir};

fn store_with_leads(name: &str, leads: usize) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let path = dir.join("hubsync.db");
    let mut store = Store::open(&path, clock()).unwrap();
    for i in 0..leads {
        store
            .add_lead(&format!("lead{i}@example.com"), &[("company", &format!("Company {i:04} {}", "x".repeat(60)))])
            .unwrap();
    }
    drop(store);
    (dir, path)
}

fn sqlite_failure(code: i32) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
}

#[test]
fn sqlite_failures_people_can_act_on_have_their_own_codes() {
    let cases = [
        (ffi::SQLITE_BUSY, "store_busy"),
        (ffi::SQLITE_LOCKED, "store_busy"),
        (ffi::SQLITE_FULL, "store_disk_full"),
        (ffi::SQLITE_IOERR_WRITE, "store_disk_full"),
        (ffi::SQLITE_IOERR_SHMSIZE, "store_disk_full"),
        (ffi::SQLITE_CORRUPT, "store_file_damaged"),
        (ffi::SQLITE_NOTADB, "store_file_damaged"),
        (ffi::SQLITE_IOERR_READ, "store_error"),
        (ffi::SQLITE_CONSTRAINT, "store_error"),
    ];
    for (code, expected) in cases {
        assert_eq!(StoreError::from(sqlite_failure(code)).code(), expected, "SQLite code {code}");
    }
    let placed = StoreError::from(sqlite_failure(ffi::SQLITE_FULL)).at(Path::new("/data/hubsync.db"));
    let words = placed.to_string();
    assert!(words.contains("/data/hubsync.db") && words.contains("free some disk space"), "{words}");
    let busy = StoreError::from(sqlite_failure(ffi::SQLITE_BUSY)).to_string();
    assert!(busy.contains("another Hubsync") && busy.contains("try again"), "{busy}");
}

#[test]
fn a_write_while_another_connection_holds_the_lock_is_refused_and_reads_go_on() {
    let (dir, path) = store_with_leads("busy", 1);
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE; DELETE FROM lead_values;").unwrap();

    let mut store = Store::open(&path, clock()).unwrap();
    let error = store.add_lead("new@example.com", &[]).unwrap_err();
    assert_eq!(error.code(), "store_busy", "{error}");
    assert_eq!(store.lead_count().unwrap(), 1, "reads see the last committed state meanwhile");

    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(store.lead_count().unwrap(), 1, "the refused write left nothing");
    store.add_lead("new@example.com", &[]).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_store_held_exclusively_elsewhere_cannot_even_be_opened_and_says_why() {
    let (dir, path) = store_with_leads("exclusive", 1);
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.pragma_update(None, "locking_mode", "EXCLUSIVE").unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE; COMMIT;").unwrap();

    let error = Store::open(&path, clock()).err().unwrap();
    assert_eq!(error.code(), "store_busy", "{error}");
    assert!(error.to_string().contains(&path.display().to_string()), "the file is named: {error}");
    drop(holder);
    assert_eq!(Store::open(&path, clock()).unwrap().lead_count().unwrap(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_file_that_is_no_database_is_named_refused_and_left_as_it_was() {
    let (dir, path) = store_with_leads("garbage", 3);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[..100].copy_from_slice(&[0x5a; 100]);
    std::fs::write(&path, &bytes).unwrap();

    let error = Store::open(&path, clock()).err().unwrap();
    assert_eq!(error.code(), "store_file_damaged", "{error}");
    let words = error.to_string();
    assert!(words.contains(&path.display().to_string()) && words.contains("move the file aside"), "{words}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "not a byte changed");
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names, ["hubsync.db"], "no journal or new store beside it");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_damaged_page_is_reported_when_read_and_nothing_is_written_over_it() {
    let (dir, path) = store_with_leads("page", 400);
    let (root, page_size): (u64, u64) = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let root = conn.query_row("SELECT rootpage FROM sqlite_master WHERE name = 'leads'", [], |r| r.get(0)).unwrap();
        (root, conn.pragma_query_value(None, "page_size", |r| r.get(0)).unwrap())
    };
    let mut bytes = std::fs::read(&path).unwrap();
    let at = ((root - 1) * page_size) as usize;
    for (i, byte) in bytes[at..at + page_size as usize].iter_mut().enumerate() {
        *byte = (i * 7 + 13) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();

    let mut store = Store::open(&path, clock()).unwrap();
    let error = store.leads().unwrap_err();
    assert_eq!(error.code(), "store_file_damaged", "{error}");
    let write = store.add_lead("new@example.com", &[]).unwrap_err();
    assert_eq!(write.code(), "store_file_damaged", "{write}");
    assert_ne!(store.integrity_check().unwrap_or_default(), "ok");
    drop(store);
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "not a byte changed");
    std::fs::remove_dir_all(dir).unwrap();
}
