//! A workspace over a temporary store on the built-in sandbox portal.

use std::sync::Arc;

use hubsync_api::Workspace;
use hubsync_api::builtin::{BuiltinPortal, BuiltinSandboxHost};
use hubsync_api::connect::register_sandbox;
use hubsync_api::workspace::DB_FILE_NAME;
use hubsync_store::ExistingFolder;

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub builtin: BuiltinPortal,
    pub workspace: Workspace,
}

/// A workspace as the app opens it, in a folder of its own.
pub fn open_workspace(dir: &std::path::Path) -> Workspace {
    Workspace::open(&dir.join(DB_FILE_NAME), ExistingFolder::Tighten, Arc::new(BuiltinSandboxHost)).unwrap()
}

/// A workspace on the built-in sandbox portal with two leads the portal doesn't know, and
/// create turned on.
pub async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let workspace = open_workspace(dir.path());
    let builtin = BuiltinPortal::default();
    register_sandbox(&workspace, &builtin.info().await.unwrap()).await.unwrap();
    {
        let mut store = workspace.store.lock().await;
        store.set_push_rules(Some(true), Some(true)).unwrap();
        store.add_lead("Sync-A@example.com", &[]).unwrap();
        store.add_lead("sync-b@example.com", &[]).unwrap();
    }
    Fixture { _dir: dir, builtin, workspace }
}
