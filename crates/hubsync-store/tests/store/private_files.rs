//! The store's files are its owner's alone: the database and its `-wal` and `-shm` are 0600
//! however they came to be (new, or left readable by an earlier Hubsync). Unix only: elsewhere
//! the user profile's ACLs keep other users out.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use hubsync_store::{ExistingFolder, Store, create_private_dir};

use super::{clock, temp_dir};

const FILES: [&str; 3] = ["hubsync.db", "hubsync.db-wal", "hubsync.db-shm"];

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// SQLite makes `-wal` and `-shm` lazily, on the first use of the journal: after a write,
/// both exist and are the owner's alone.
#[test]
fn a_new_store_and_its_wal_and_shm_are_its_owners_alone_after_a_write() {
    let dir = temp_dir("modes-new");
    let path = dir.join("hubsync.db");
    let mut store = Store::open(&path, clock()).unwrap();
    store.add_lead("ann@example.com", &[]).unwrap();
    for name in FILES {
        assert_eq!(format!("{:o}", mode(&dir.join(name))), "600", "{name}");
    }
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_store_readable_by_others_is_made_its_owners_alone_when_opened() {
    let dir = temp_dir("modes-existing");
    let path = dir.join("hubsync.db");
    Store::open(&path, clock()).unwrap().add_lead("ann@example.com", &[]).unwrap();
    // Another connection (the app, left running) keeps the WAL and shared memory in place.
    let other = rusqlite::Connection::open(&path).unwrap();
    let _: i64 = other.query_row("SELECT count(*) FROM leads", [], |r| r.get(0)).unwrap();
    for name in FILES {
        set_mode(&dir.join(name), 0o666);
    }
    let mut store = Store::open(&path, clock()).unwrap();
    for name in FILES {
        assert_eq!(format!("{:o}", mode(&dir.join(name))), "600", "{name} was not fixed");
    }
    store.add_lead("bo@example.com", &[]).unwrap();
    assert_eq!(store.lead_count().unwrap(), 2, "the store still works");
    drop((store, other));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn folders_made_for_a_store_are_0700_and_only_hubsyncs_own_existing_ones_are_tightened() {
    let dir = temp_dir("modes-folders");
    set_mode(&dir, 0o755);
    let nested = dir.join("new").join("store");
    create_private_dir(&nested, ExistingFolder::Keep).unwrap();
    assert_eq!(format!("{:o}", mode(&nested)), "700");
    assert_eq!(mode(&dir.join("new")) & 0o077, 0, "a parent it made is private too");
    // A folder the admin chose keeps its mode; Hubsync's own is fixed.
    create_private_dir(&dir, ExistingFolder::Keep).unwrap();
    assert_eq!(format!("{:o}", mode(&dir)), "755");
    create_private_dir(&dir, ExistingFolder::Tighten).unwrap();
    assert_eq!(format!("{:o}", mode(&dir)), "700");
    std::fs::remove_dir_all(dir).unwrap();
}
