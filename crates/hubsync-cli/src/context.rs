//! What every command starts from: the open lead store, where it is, the output mode, and a
//! HubSpot client built from the saved connection and token.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret};
use hubsync_store::{ConnectionInfo, Store, SystemClock, TokenKind};

use crate::credentials::TokenStore;
use crate::error::{CONNECT_HINT, CliError, codes};

/// The Tauri app's identifier (`src-tauri/tauri.conf.json`): its data folder is
/// `data_dir()/identifier`, so the command line and the app share one store.
pub const APP_IDENTIFIER: &str = "app.hubsync.desktop";
pub const DB_FILE_NAME: &str = "hubsync.db";

pub struct Context {
    pub store: Store,
    pub db_path: PathBuf,
    pub json: bool,
    pub credentials: TokenStore,
}

/// The desktop app's store: `<data dir>/app.hubsync.desktop/hubsync.db`.
pub fn default_db_path() -> Result<PathBuf, CliError> {
    dirs::data_dir().map(|dir| dir.join(APP_IDENTIFIER).join(DB_FILE_NAME)).ok_or_else(|| {
        CliError::new(codes::NO_DATA_DIR, "this system has no data directory for the default lead store")
            .with_hint("pass --db PATH (or set HUBSYNC_DB)")
    })
}

impl Context {
    /// Opens (creating if needed, folder included) the store at `db`, or the default one.
    pub fn open(db: Option<PathBuf>, json: bool) -> anyhow::Result<Context> {
        let db_path = match db {
            Some(path) => path,
            None => default_db_path()?,
        };
        if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {} for the lead store", parent.display()))?;
        }
        let store = Store::open(&db_path, Arc::new(SystemClock))?;
        let credentials = TokenStore::for_db(&db_path);
        Ok(Context { store, db_path, json, credentials })
    }

    /// The saved connection, or `not_connected`.
    pub fn connection(&self) -> Result<ConnectionInfo, CliError> {
        self.store
            .connection()?
            .ok_or_else(|| CliError::new(codes::NOT_CONNECTED, "not connected to HubSpot").with_hint(CONNECT_HINT))
    }

    /// A client for the saved connection, with the default timeouts and retries (for runs).
    pub fn client(&self) -> Result<HubSpotClient, CliError> {
        self.client_with(|_| {})
    }

    /// A client for a quick question while someone waits: fewer retries, a shorter timeout.
    pub fn interactive_client(&self) -> Result<HubSpotClient, CliError> {
        self.client_with(interactive)
    }

    /// A client for the saved connection and token, its config adjusted by `tweak`. Fails with
    /// `not_connected` when there is no connection or no token.
    pub fn client_with(&self, tweak: impl FnOnce(&mut ClientConfig)) -> Result<HubSpotClient, CliError> {
        let connection = self.connection()?;
        let token = self.credentials.load().map_err(|e| CliError::from_anyhow(&e))?.ok_or_else(|| {
            CliError::new(
                codes::NOT_CONNECTED,
                format!(
                    "connected to portal {}, but no token is kept (no HUBSYNC_TOKEN, no file {})",
                    connection.portal_id,
                    self.credentials.path().display()
                ),
            )
            .with_hint(CONNECT_HINT)
        })?;
        let mut config = client_config(&connection.base_url, connection.token_kind);
        tweak(&mut config);
        new_client(config, token)
    }
}

/// The config for a portal reached at `base_url` with a token of `kind`. Private apps start at
/// the lowest tier's burst; the client learns the real one from HubSpot's headers.
pub fn client_config(base_url: &str, kind: TokenKind) -> ClientConfig {
    let limits = match kind {
        TokenKind::Oauth => RateLimitSettings::oauth(),
        TokenKind::PrivateApp | TokenKind::ServiceKey | TokenKind::Sandbox => RateLimitSettings::private_app(100),
    };
    ClientConfig::new(base_url, limits)
}

/// Fewer attempts and a shorter timeout, for a call someone is waiting on.
pub fn interactive(config: &mut ClientConfig) {
    config.max_attempts = 2;
    config.timeout = Duration::from_secs(20);
}

/// A client with a rate limiter of its own.
pub fn new_client(config: ClientConfig, token: Secret) -> Result<HubSpotClient, CliError> {
    let limiter = Arc::new(PortalLimiter::new(config.limits));
    Ok(HubSpotClient::new(config, token, limiter)?)
}
