//! The app's lead store and where its secrets are kept, opened once at start. The connecting
//! itself is the core's (`hubsync_auth::portals`); this only holds what the commands share.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hubsync_auth::connection::Credentials;
use hubsync_auth::loopback::CancelHandle;
use hubsync_auth::portals::{ConnectError, PortalClient, client_config};
use hubsync_auth::session::SystemClock as AuthClock;
use hubsync_hubspot::{ClientConfig, Secret};
use hubsync_store::{
    ExistingFolder, Portal, PortalConnection, SecretStoreKind, Store, SystemClock, TokenKind, create_private_dir,
};
use tokio::sync::Mutex;

use crate::error::CommandError;
use crate::portal::{PortalSummary, SANDBOX_TOKEN};

/// The store's file in the app's data folder; the command line's default store is the same one.
pub const DB_FILE_NAME: &str = "hubsync.db";
/// What the built-in sandbox portal is called wherever a portal's name shows.
pub const SANDBOX_NAME: &str = "Built-in sandbox portal";

pub struct Workspace {
    pub store: Mutex<Store>,
    /// Where the store lives: a long job (a sync) opens its own connection to it.
    pub db_path: PathBuf,
    pub credentials: Credentials,
    /// The OAuth attempt waiting for the browser, if any: Cancel ends it.
    pub oauth: std::sync::Mutex<Option<CancelHandle>>,
}

/// The workspace, or why it could not be opened (shown by every command that needs it).
pub struct AppWorkspace(pub Result<Workspace, CommandError>);

impl AppWorkspace {
    pub fn open(data_dir: &Path) -> AppWorkspace {
        AppWorkspace(Workspace::open(&data_dir.join(DB_FILE_NAME)))
    }

    pub fn get(&self) -> Result<&Workspace, CommandError> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

impl Workspace {
    pub fn open(db_path: &Path) -> Result<Workspace, CommandError> {
        if let Some(parent) = db_path.parent() {
            // The app's own folder: the user's alone, even if an earlier version made it 0755.
            create_private_dir(parent, ExistingFolder::Tighten).map_err(|e| {
                CommandError::new("store_open_failed", format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let store =
            Store::open(db_path, Arc::new(SystemClock)).map_err(|e| CommandError::new(e.code(), e.to_string()))?;
        let store_id = store.store_id().map_err(|e| CommandError::new(e.code(), e.to_string()))?;
        let credentials = Credentials::new(&store_id, Credentials::secret_file_for(&PathBuf::from(db_path)));
        Ok(Workspace {
            store: Mutex::new(store),
            db_path: db_path.to_path_buf(),
            credentials,
            oauth: std::sync::Mutex::new(None),
        })
    }

    /// Records the built-in sandbox portal where it listens now. On a first start (no portal
    /// yet) it becomes the active portal, so the app can be tried without an account; later it
    /// keeps whatever place the admin gave it.
    pub async fn register_sandbox(&self, sandbox: &PortalSummary) -> Result<Portal, ConnectError> {
        let mut store = self.store.lock().await;
        if store.portal(sandbox.portal_id)?.is_some_and(|p| p.is_sandbox()) {
            return Ok(store.set_portal_base_url(sandbox.portal_id, &sandbox.base_url)?);
        }
        if store.portals()?.is_empty() {
            return Ok(store.connect_portal(&sandbox_connection(sandbox))?);
        }
        // Another portal is connected and none is the sandbox: leave the store as it is.
        store.active_portal()?.ok_or(ConnectError::NotConnected)
    }

    /// Opens the built-in sandbox portal as the active one (its configuration and runs kept).
    pub async fn use_sandbox(&self, sandbox: &PortalSummary) -> Result<Portal, ConnectError> {
        Ok(self.store.lock().await.connect_portal(&sandbox_connection(sandbox))?)
    }

    /// A client for `portal`: the built-in sandbox's own token, or what the keychain keeps.
    pub fn client_for(
        &self,
        portal: Portal,
        tweak: impl FnOnce(&mut ClientConfig),
    ) -> Result<PortalClient, ConnectError> {
        let mut config = client_config(&portal.base_url, portal.token_kind);
        tweak(&mut config);
        let token = portal.is_sandbox().then(|| Secret::new(SANDBOX_TOKEN));
        self.credentials.client_for(portal, config, token, Arc::new(AuthClock))
    }
}

fn sandbox_connection(sandbox: &PortalSummary) -> PortalConnection {
    PortalConnection {
        portal_id: sandbox.portal_id,
        name: SANDBOX_NAME.into(),
        hub_domain: String::new(),
        user_email: String::new(),
        scopes: hubsync_auth::oauth::REQUIRED_SCOPES.iter().map(|s| s.to_string()).collect(),
        token_kind: TokenKind::Sandbox,
        base_url: sandbox.base_url.clone(),
        client_id: None,
        // Its token is the app's own, never stored.
        secret_store: SecretStoreKind::Keychain,
        connected_at: hubsync_store::Clock::now(&SystemClock),
    }
}

impl From<ConnectError> for CommandError {
    fn from(error: ConnectError) -> Self {
        CommandError::new(error.code(), error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::BuiltinPortal;

    #[tokio::test]
    async fn the_built_in_sandbox_is_the_first_portal_and_follows_its_port() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = Workspace::open(&dir.path().join(DB_FILE_NAME)).unwrap();
        let builtin = BuiltinPortal::default();
        let sandbox = builtin.info().await.unwrap();

        let portal = workspace.register_sandbox(&sandbox).await.unwrap();
        assert!(portal.active && portal.is_sandbox(), "{portal:?}");
        assert_eq!((portal.name.as_str(), portal.portal_id), (SANDBOX_NAME, sandbox.portal_id));

        // Next start: another port, same portal, its place kept.
        let moved = PortalSummary { base_url: "http://127.0.0.1:1".into(), ..sandbox.clone() };
        let portal = workspace.register_sandbox(&moved).await.unwrap();
        assert_eq!(portal.base_url, "http://127.0.0.1:1");
        assert_eq!(workspace.store.lock().await.portals().unwrap().len(), 1);

        // Its client carries the app's own token, never one from the keychain.
        let portal = workspace.register_sandbox(&sandbox).await.unwrap();
        let client = workspace.client_for(portal, |_| {}).unwrap();
        assert!(client.session.is_none());
        assert_eq!(client.account_details().await.unwrap().portal_id, sandbox.portal_id);
        builtin.shutdown().await;
    }

    #[cfg(unix)]
    #[test]
    fn the_apps_folder_and_its_store_are_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| format!("{:o}", std::fs::metadata(path).unwrap().permissions().mode() & 0o777);
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("app.hubsync.desktop");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        AppWorkspace::open(&data).get().unwrap();
        assert_eq!(mode(&data), "700", "an earlier version's folder is fixed");
        assert_eq!(mode(&data.join(DB_FILE_NAME)), "600");
    }

    #[test]
    fn a_store_that_cannot_open_is_an_error_for_every_command() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, "not a folder").unwrap();
        let workspace = AppWorkspace::open(&blocked);
        let error = workspace.get().err().unwrap();
        assert_eq!(error.code, "store_open_failed", "{error:?}");
    }

    #[test]
    fn a_newer_or_damaged_store_is_refused_by_name_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        drop(Workspace::open(&path).unwrap());
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
            let error = AppWorkspace::open(dir.path()).get().err().unwrap();
            assert_eq!(error.code, code, "{error:?}");
            assert!(error.message.contains(words) && error.message.contains(&path.display().to_string()), "{error:?}");
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{code}: the file is as it was");
        }
    }
}
