//! The lead store is its owner's alone (unix): the default store's folder 0700, the database
//! and its `-wal` and `-shm` 0600, whatever the umask; an earlier store readable by others is
//! fixed when a command opens it, and the log names each file fixed with its old mode.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::Hub;

fn mode(path: &Path) -> String {
    let metadata = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:o}", metadata.permissions().mode() & 0o777)
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_new_store_is_its_owners_alone_whatever_the_umask() {
    let hub = Hub::new();
    hub.run_with_umask("000", None, &["leads", "add", "--email", "ann@example.com"]).ok();
    let folder = hub.data_home().join("app.hubsync.desktop");
    assert_eq!(mode(&folder), "700", "the default store's folder");
    assert_eq!(mode(&folder.join("hubsync.db")), "600");

    // Folders made for `--db` are private too; a folder that was there is the admin's to set.
    set_mode(hub.dir(), 0o755);
    let db = hub.dir().join("new").join("nested").join("leads.db");
    hub.run_with_umask("000", Some(&db), &["leads", "add", "--email", "ann@example.com"]).ok();
    assert_eq!(mode(&hub.dir().join("new")), "700");
    assert_eq!(mode(&hub.dir().join("new").join("nested")), "700");
    assert_eq!(mode(&db), "600");
    assert_eq!(mode(hub.dir()), "755");
}

#[test]
fn a_store_readable_by_others_is_fixed_when_opened_and_the_log_says_so() {
    let hub = Hub::new();
    hub.run_in_default_store(&["leads", "add", "--email", "ann@example.com"]).ok();
    let folder = hub.data_home().join("app.hubsync.desktop");
    let db = folder.join("hubsync.db");
    // As an earlier Hubsync left them, the app still running (so the WAL and shared memory stay).
    let app = rusqlite::Connection::open(&db).unwrap();
    let _: i64 = app.query_row("SELECT count(*) FROM leads", [], |r| r.get(0)).unwrap();
    let files = ["hubsync.db", "hubsync.db-wal", "hubsync.db-shm"].map(|name| folder.join(name));
    set_mode(&folder, 0o755);
    for file in &files {
        set_mode(file, 0o644);
    }

    let run = hub.run_in_default_store(&["leads", "add", "--email", "bo@example.com"]).ok();
    assert_eq!(mode(&folder), "700", "{run:?}");
    for file in &files {
        assert_eq!(mode(file), "600", "{}: {run:?}", file.display());
        let named = format!("file={}", file.display());
        let line = run.stderr.lines().find(|line| line.split_whitespace().any(|word| word == named));
        let line = line.unwrap_or_else(|| panic!("the log names {}: {run:?}", file.display()));
        assert!(line.contains("old_mode=644"), "the old mode: {line}");
    }
    // Fixed once: the next command has nothing to say.
    let again = hub.run_in_default_store(&["leads", "list"]).ok();
    assert_eq!(again.stderr, "", "{again:?}");
    drop(app);
}
