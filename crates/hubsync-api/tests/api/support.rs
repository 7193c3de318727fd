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

/// A workspace of its own (secrets in the file store, no host token) connected to `sandbox`
/// with `token`, a private app token the sandbox knows.
pub async fn connected_workspace(sandbox: &hubsync_sandbox::Sandbox, token: &str) -> (tempfile::TempDir, Workspace) {
    use hubsync_api::connect::{connect_target, connect_token, pasted_token};
    let dir = tempfile::tempdir().unwrap();
    let host = Arc::new(hubsync_api::host::KeychainOnly);
    let workspace = Workspace::open(&dir.path().join(DB_FILE_NAME), ExistingFolder::Tighten, host).unwrap();
    let target = connect_target(&workspace, &sandbox.base_url(), true).await.unwrap();
    let token = pasted_token(token).unwrap();
    connect_token(&workspace, &target, &token, hubsync_store::TokenKind::PrivateApp, |_| {}).await.unwrap();
    (dir, workspace)
}

/// A standalone sandbox portal with no contacts that knows the private app token `token`, its
/// config adjusted first.
pub async fn portal_with_token(
    token: &str,
    tweak: impl FnOnce(&mut hubsync_sandbox::SandboxConfig),
) -> hubsync_sandbox::Sandbox {
    use hubsync_sandbox::{PrivateToken, Sandbox, SandboxConfig};
    let mut config =
        SandboxConfig { seed_contacts: 0, private_tokens: vec![PrivateToken::new(token)], ..SandboxConfig::default() };
    tweak(&mut config);
    Sandbox::start(config).await.unwrap()
}
