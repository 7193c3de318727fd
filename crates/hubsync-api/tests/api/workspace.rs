//! Opening the workspace, and the built-in sandbox portal in it.

use std::sync::Arc;

use hubsync_api::Workspace;
use hubsync_api::builtin::{BuiltinPortal, BuiltinSandboxHost, PortalSummary, SANDBOX_NAME};
use hubsync_api::connect::{portals_overview, register_sandbox};
use hubsync_api::workspace::DB_FILE_NAME;
use hubsync_store::ExistingFolder;

use crate::support::open_workspace;

#[tokio::test]
async fn the_built_in_sandbox_is_the_first_portal_and_follows_its_port() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = open_workspace(dir.path());
    let builtin = BuiltinPortal::default();
    let sandbox = builtin.info().await.unwrap();

    let portal = register_sandbox(&workspace, &sandbox).await.unwrap();
    assert!(portal.active && portal.is_sandbox(), "{portal:?}");
    assert_eq!((portal.name.as_str(), portal.portal_id), (SANDBOX_NAME, sandbox.portal_id));

    // Next start: another port, same portal, its place kept.
    let moved = PortalSummary { base_url: "http://127.0.0.1:1".into(), ..sandbox.clone() };
    let portal = register_sandbox(&workspace, &moved).await.unwrap();
    assert_eq!(portal.base_url, "http://127.0.0.1:1");
    let overview = portals_overview(&workspace).await.unwrap();
    assert_eq!(overview.portals.len(), 1);
    assert_eq!(overview.active.map(|p| p.portal_id), Some(sandbox.portal_id));

    // Its client carries the app's own token, never one from the keychain.
    let portal = register_sandbox(&workspace, &sandbox).await.unwrap();
    let client = workspace.client_for(portal, |_| {}).unwrap();
    assert!(client.session.is_none());
    assert_eq!(client.account_details().await.unwrap().portal_id, sandbox.portal_id);
    builtin.shutdown().await;
}

#[test]
fn a_newer_or_damaged_store_is_refused_by_name_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    drop(open_workspace(dir.path()));
    let good = std::fs::read(&path).unwrap();
    // SQLite keeps the schema version (`user_version`) at offset 60 of its header.
    let mut newer = good.clone();
    newer[60..64].copy_from_slice(&999u32.to_be_bytes());
    let mut damaged = good.clone();
    damaged[..100].fill(b'#');
    for (bytes, code, words) in
        [(newer, "store_too_new", "newer Hubsync"), (damaged, "store_file_damaged", "move the file aside")]
    {
        std::fs::write(&path, &bytes).unwrap();
        let error = Workspace::open(&path, ExistingFolder::Tighten, Arc::new(BuiltinSandboxHost)).err().unwrap();
        assert_eq!(error.code, code, "{error:?}");
        assert!(error.message.contains(words) && error.message.contains(&path.display().to_string()), "{error:?}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{code}: the file is as it was");
    }
}

/// The window refreshes when another process (the command line) wrote to the shared store:
/// the version it reads changes with every commit, this connection's or another's.
#[tokio::test]
async fn the_store_version_changes_when_any_connection_writes() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = open_workspace(dir.path());
    let version = || async { workspace.store_version().await.unwrap() };
    let first = version().await;
    assert_eq!(version().await, first, "reading changes nothing");

    let mut other = workspace.open_job_store().unwrap();
    other.add_lead("elsewhere@example.com", &[]).unwrap();
    let after_other = version().await;
    assert_ne!(after_other, first, "another connection's write is seen");

    workspace.store.lock().await.add_lead("here@example.com", &[]).unwrap();
    assert_ne!(version().await, after_other, "this connection's own write is seen");
}

/// Set in the child process of the test below to the store it writes to.
const WRITER_STORE: &str = "HUBSYNC_API_TEST_WRITER_STORE";

/// The app's window learns of a write another process (the command line) made: this test binary
/// runs itself again as that process, which adds a lead to the same store file.
#[tokio::test]
async fn the_store_version_changes_when_another_process_writes() {
    if let Some(db) = std::env::var_os(WRITER_STORE) {
        // The child: another process on the same store, as `hubsync leads add` would be.
        let writer = Workspace::open(db.as_ref(), ExistingFolder::Keep, Arc::new(BuiltinSandboxHost)).unwrap();
        writer.store.lock().await.add_lead("from-the-cli@example.com", &[]).unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = open_workspace(dir.path());
    let before = app.store_version().await.unwrap();
    let this = concat!(module_path!(), "::the_store_version_changes_when_another_process_writes");
    let test = this.split_once("::").map_or(this, |(_, name)| name);
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--test-threads=1"])
        .env(WRITER_STORE, dir.path().join(DB_FILE_NAME))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(child.status.success() && stdout.contains("1 passed"), "the writer: {child:?}");
    let store = app.store.lock().await;
    assert_ne!(store.data_version().unwrap(), before, "the other process's write is seen");
    assert!(store.lead_by_email("from-the-cli@example.com").unwrap().is_some());
}
