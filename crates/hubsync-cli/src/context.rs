//! What every command starts from: the open lead store, where it is, the output mode, where the
//! store's secrets are kept, and a HubSpot client for the active portal.

use std::cell::RefCell;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hubsync_auth::connection::Credentials;
use hubsync_auth::oauth::{Endpoints, HubSpotOAuth, OAuthApp};
use hubsync_auth::session::{OAuthSession, SystemClock as AuthClock};
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret, TokenSource};
use hubsync_store::{Portal, PortalStatus, Store, SystemClock, TokenKind};

use crate::error::{CONNECT_HINT, CliError, codes};

/// The Tauri app's identifier (`src-tauri/tauri.conf.json`): its data folder is
/// `data_dir()/identifier`, so the command line and the app share one store.
pub const APP_IDENTIFIER: &str = "app.hubsync.desktop";
pub const DB_FILE_NAME: &str = "hubsync.db";
/// Overrides a private app token kept for the active portal when set (and not empty).
pub const TOKEN_ENV: &str = "HUBSYNC_TOKEN";
/// HubSpot's production API; any other base URL is a sandbox serving its own consent page.
pub const HUBSPOT_API: &str = "https://api.hubapi.com";

pub struct Context {
    pub store: Store,
    pub db_path: PathBuf,
    pub json: bool,
    pub credentials: Credentials,
    /// The OAuth session of the client last built, so that a refresh token HubSpot refused
    /// during the command is recorded as "reconnect needed" however the command ended.
    session: RefCell<Option<(u64, Arc<OAuthSession>)>>,
}

/// A client for one portal, and its OAuth session when it has one.
pub struct PortalClient {
    pub client: HubSpotClient,
    pub portal: Portal,
    pub session: Option<Arc<OAuthSession>>,
}

impl Deref for PortalClient {
    type Target = HubSpotClient;

    fn deref(&self) -> &HubSpotClient {
        &self.client
    }
}

/// The desktop app's store: `<data dir>/app.hubsync.desktop/hubsync.db`.
pub fn default_db_path() -> Result<PathBuf, CliError> {
    dirs::data_dir().map(|dir| dir.join(APP_IDENTIFIER).join(DB_FILE_NAME)).ok_or_else(|| {
        CliError::new(codes::NO_DATA_DIR, "this system has no data directory for the default lead store")
            .with_hint("pass --db PATH (or set HUBSYNC_DB)")
    })
}

/// The token file earlier versions kept beside the store, which the keychain replaced.
pub fn legacy_token_file(db_path: &std::path::Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".token");
    PathBuf::from(name)
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
        let credentials = Credentials::new(&store.store_id()?, Credentials::secret_file_for(&db_path));
        Ok(Context { store, db_path, json, credentials, session: RefCell::new(None) })
    }

    /// The active portal, whatever its status, or `not_connected`.
    pub fn active_portal(&self) -> Result<Portal, CliError> {
        self.store
            .active_portal()?
            .ok_or_else(|| CliError::new(codes::NOT_CONNECTED, "not connected to HubSpot").with_hint(CONNECT_HINT))
    }

    /// The active portal if it can be synced with: `reconnect_needed` or `not_connected` else.
    pub fn connection(&self) -> Result<Portal, CliError> {
        let portal = self.active_portal()?;
        usable(&portal)?;
        Ok(portal)
    }

    /// A client for the active portal, with the default timeouts and retries (for runs).
    pub fn client(&self) -> Result<PortalClient, CliError> {
        self.client_with(|_| {})
    }

    /// A client for a quick question while someone waits: fewer retries, a shorter timeout.
    pub fn interactive_client(&self) -> Result<PortalClient, CliError> {
        self.client_with(interactive)
    }

    /// A client for the active portal, its config adjusted by `tweak`.
    pub fn client_with(&self, tweak: impl FnOnce(&mut ClientConfig)) -> Result<PortalClient, CliError> {
        let portal = self.connection()?;
        self.client_for(portal, tweak)
    }

    /// A client for `portal` with the secret kept for it: an OAuth session that refreshes (and
    /// saves whatever refresh token HubSpot hands back), or the private token (`HUBSYNC_TOKEN`
    /// overrides it).
    pub fn client_for(&self, portal: Portal, tweak: impl FnOnce(&mut ClientConfig)) -> Result<PortalClient, CliError> {
        let mut config = client_config(&portal.base_url, portal.token_kind);
        tweak(&mut config);
        let secret_store = self.credentials.store(portal.secret_store).clone();
        let entry = self.credentials.portal_entry(portal.portal_id, portal.token_kind);
        if portal.token_kind != TokenKind::Oauth {
            let token = match env_token() {
                Some(token) => token,
                None => {
                    secret_store.get(&entry).map_err(|e| CliError::new(e.code(), e.to_string()))?.ok_or_else(|| {
                        CliError::new(
                            codes::NOT_CONNECTED,
                            format!("no token is kept for {} in the {}", portal.label(), secret_store.describe()),
                        )
                        .with_hint(CONNECT_HINT)
                    })?
                }
            };
            let client = new_client(config, token)?;
            return Ok(PortalClient { client, portal, session: None });
        }
        let refresh_token =
            secret_store.get(&entry).map_err(|e| CliError::new(e.code(), e.to_string()))?.ok_or_else(|| {
                reconnect_error(&portal, &format!("no refresh token is kept for it in the {}", secret_store.describe()))
            })?;
        let oauth = self.oauth_for(&portal)?;
        let saved_to = (secret_store, entry);
        let session = Arc::new(OAuthSession::new(oauth, refresh_token, Arc::new(AuthClock)).on_new_refresh_token(
            move |token| {
                // HubSpot may rotate refresh tokens: the new one is the one that works.
                if let Err(error) = saved_to.0.set(&saved_to.1, token) {
                    tracing::error!(%error, "could not save the new refresh token; the next command may need to reconnect");
                }
            },
        ));
        let limiter = Arc::new(PortalLimiter::new(config.limits));
        let source: Arc<dyn TokenSource> = session.clone();
        let client = HubSpotClient::with_token_source(config, source, limiter)?;
        *self.session.borrow_mut() = Some((portal.portal_id, session.clone()));
        Ok(PortalClient { client, portal, session: Some(session) })
    }

    /// The OAuth app of an OAuth portal: the build's own app, or the admin's, its client secret
    /// from where the portal's secrets are kept.
    pub fn oauth_for(&self, portal: &Portal) -> Result<HubSpotOAuth, CliError> {
        let client_id = portal.client_id.clone().unwrap_or_default();
        let app = match OAuthApp::built_in().filter(|app| app.client_id == client_id) {
            Some(app) => app,
            None => {
                let store = self.credentials.store(portal.secret_store);
                let secret = store
                    .get(&self.credentials.client_secret_entry(&client_id))
                    .map_err(|e| CliError::new(e.code(), e.to_string()))?
                    .ok_or_else(|| {
                        reconnect_error(
                            portal,
                            &format!("the client secret of the HubSpot app {client_id} is not in the {}", store.describe()),
                        )
                        .with_hint(format!(
                            "run `hubsync connect --oauth --client-id {client_id} --client-secret -` and paste the secret"
                        ))
                    })?;
                OAuthApp::new(client_id, secret)
            }
        };
        HubSpotOAuth::new(app, endpoints_for(&portal.base_url)).map_err(|e| CliError::new(e.code(), e.to_string()))
    }

    /// Records what the command learned about the connection: a refresh token HubSpot refused
    /// makes its portal "reconnect needed", so later commands say so without trying.
    pub fn settle(&mut self) -> anyhow::Result<()> {
        let Some((portal_id, session)) = self.session.borrow_mut().take() else { return Ok(()) };
        if session.is_reconnect_needed() {
            self.store.set_portal_status(
                portal_id,
                PortalStatus::ReconnectNeeded,
                Some("HubSpot refused the saved refresh token (the app was uninstalled or its access revoked)"),
            )?;
        }
        Ok(())
    }
}

/// Refuses a portal that can't be synced with, saying why and what to do.
pub fn usable(portal: &Portal) -> Result<(), CliError> {
    match portal.status {
        PortalStatus::Connected => Ok(()),
        PortalStatus::ReconnectNeeded => Err(reconnect_error(portal, portal.status_detail.as_deref().unwrap_or(""))),
        PortalStatus::Disconnected => Err(CliError::new(
            codes::NOT_CONNECTED,
            format!("{} is disconnected; its mapping, rules and runs are kept", portal.label()),
        )
        .with_hint(reconnect_hint(portal))),
    }
}

fn reconnect_error(portal: &Portal, why: &str) -> CliError {
    let why = if why.is_empty() { String::new() } else { format!(": {why}") };
    CliError::new(codes::RECONNECT_NEEDED, format!("{} needs to be connected again{why}", portal.label()))
        .with_hint(reconnect_hint(portal))
}

/// The command that connects this portal again.
pub fn reconnect_hint(portal: &Portal) -> String {
    let base = if portal.base_url == HUBSPOT_API { String::new() } else { format!(" --base-url {}", portal.base_url) };
    match portal.token_kind {
        TokenKind::Oauth => format!(
            "run `hubsync connect --oauth{base}` and approve in the browser; interrupted runs resume with `hubsync runs resume RUN`"
        ),
        _ => format!("run `hubsync connect --token -{base}` and paste the token (it is read from stdin)"),
    }
}

/// HubSpot's endpoints, or a sandbox's, which serves the consent page on its API address.
pub fn endpoints_for(base_url: &str) -> Endpoints {
    if base_url.trim_end_matches('/') == HUBSPOT_API { Endpoints::hubspot() } else { Endpoints::at(base_url) }
}

fn env_token() -> Option<Secret> {
    let value = std::env::var(TOKEN_ENV).ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| Secret::new(value))
}

/// Whether `HUBSYNC_TOKEN` is set.
pub fn env_token_set() -> bool {
    env_token().is_some()
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
