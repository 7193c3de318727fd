//! What every command starts from: the open lead store, where it is, the output mode, where the
//! store's secrets are kept, and a HubSpot client for the active portal (built by the core's
//! `hubsync_auth::portals`).

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

use hubsync_api::workspace::default_db_path as app_db_path;
use hubsync_api::{ApiError, Workspace};
use hubsync_auth::oauth::HubSpotOAuth;
use hubsync_auth::portals::{self, HUBSPOT_API};
use hubsync_auth::session::OAuthSession;
use hubsync_hubspot::{ClientConfig, Secret};
use hubsync_store::{ExistingFolder, Portal, Store, TokenKind};
use tokio::sync::MutexGuard;

pub use hubsync_auth::portals::{PortalClient, interactive};

use crate::error::{CliError, codes, locate_store};
use crate::output::UpgradeNotes;

/// Overrides a private app token kept for the active portal when set (and not empty).
pub const TOKEN_ENV: &str = "HUBSYNC_TOKEN";

pub struct Context {
    /// The application layer's workspace: the store, its path and where its secrets are kept.
    pub ws: Workspace,
    pub json: bool,
    /// The OAuth session of the client last built, so that a refresh token HubSpot refused
    /// during the command is recorded as "reconnect needed" however the command ended.
    session: RefCell<Option<(u64, Arc<OAuthSession>)>>,
}

/// The desktop app's store: `<data dir>/app.hubsync.desktop/hubsync.db`.
pub fn default_db_path() -> Result<PathBuf, CliError> {
    app_db_path().ok_or_else(|| {
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

/// The command line's host: `HUBSYNC_TOKEN` stands in for a HubSpot private app's token.
struct CliHost;

impl hubsync_api::Host for CliHost {
    fn token_for(&self, portal: &Portal) -> Option<Secret> {
        token_override(portal)
    }
}

impl Context {
    /// Opens (creating if needed, folder included) the store at `db`, or the default one, and
    /// upgrades a store from an older Hubsync, saying so on stderr.
    /// Folders made for it are its owner's alone; so is the default store's folder, which is
    /// Hubsync's own, while a folder the admin chose for `--db` keeps its mode.
    pub fn open(db: Option<PathBuf>, json: bool) -> anyhow::Result<Context> {
        let (db_path, existing) = match db {
            Some(path) => (path, ExistingFolder::Keep),
            None => (default_db_path()?, ExistingFolder::Tighten),
        };
        // A store from an older Hubsync is upgraded first, which says so on stderr.
        let mut notes = UpgradeNotes::new(json);
        let ws = Workspace::open_reporting(&db_path, existing, Arc::new(CliHost), &mut |upgrade| notes.report(upgrade))
            .map_err(|e| locate_store(e.into(), &db_path))?;
        Ok(Context { ws, json, session: RefCell::new(None) })
    }

    /// The store. The command line runs one command at a time, so it is never held elsewhere
    /// when asked for; a command holds the guard no longer than one step.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.ws.store.try_lock().expect("the command line uses its store one step at a time")
    }

    pub fn db_path(&self) -> &std::path::Path {
        &self.ws.db_path
    }

    /// The active portal, whatever its status, or `not_connected`.
    pub async fn active_portal(&self) -> Result<Portal, ApiError> {
        self.ws.active_portal().await
    }

    /// The active portal if it can be synced with (`reconnect_needed` or `not_connected` else)
    /// and a client for it adjusted by `tweak`, the application layer's; its OAuth session is
    /// kept for `settle`.
    pub async fn connected(&self, tweak: impl FnOnce(&mut ClientConfig)) -> Result<(Portal, PortalClient), ApiError> {
        let (portal, client) = self.ws.connected(tweak).await?;
        self.remember_session(&client);
        Ok((portal, client))
    }

    /// Keeps `client`'s OAuth session so `settle` records what HubSpot said of it.
    pub fn remember_session(&self, client: &PortalClient) {
        if let Some(session) = &client.session {
            *self.session.borrow_mut() = Some((client.portal.portal_id, session.clone()));
        }
    }

    /// The OAuth app of an OAuth portal, its client secret from where the portal's are kept.
    pub fn oauth_for(&self, portal: &Portal) -> Result<HubSpotOAuth, CliError> {
        Ok(self.ws.credentials.oauth_for(portal)?)
    }

    /// Records what the command learned about the connection: a refresh token HubSpot refused
    /// makes its portal "reconnect needed", so later commands say so without trying.
    pub fn settle(&mut self) -> anyhow::Result<()> {
        if let Some((portal_id, session)) = self.session.borrow_mut().take() {
            portals::record_session(&mut self.store(), portal_id, &session)?;
        }
        Ok(())
    }
}

/// `connect`'s `--base-url` flag for a portal's address (none for HubSpot's own).
fn base_url_flag(base_url: &str) -> String {
    if base_url == HUBSPOT_API { String::new() } else { format!(" --base-url {base_url}") }
}

/// The command that connects this portal again.
pub fn reconnect_hint(kind: TokenKind, base_url: &str) -> String {
    let base = base_url_flag(base_url);
    match kind {
        TokenKind::Oauth => format!(
            "run `hubsync connect --oauth{base}` and approve in the browser; interrupted runs resume with `hubsync runs resume RUN`"
        ),
        _ => format!("run `hubsync connect --token -{base}` and paste the token (it is read from stdin)"),
    }
}

/// `HUBSYNC_TOKEN` stands in for a HubSpot portal's private app token. It is never sent to the
/// built-in sandbox portal: that portal's address is wherever the app last listened, which any
/// process may hold while the app is closed. (An OAuth portal refreshes its own tokens.)
fn token_override(portal: &Portal) -> Option<Secret> {
    let token = env_token()?;
    if !env_token_applies(portal) {
        tracing::warn!(portal = %portal.label(), "HUBSYNC_TOKEN is ignored: it stands in for a HubSpot private app token only");
        return None;
    }
    Some(token)
}

/// Whether `HUBSYNC_TOKEN` is set and is the token used for `portal`: a HubSpot portal's private
/// app token, never the built-in sandbox's nor an OAuth connection's.
pub fn env_token_applies(portal: &Portal) -> bool {
    env_token_set() && !portal.is_sandbox() && portal.token_kind != TokenKind::Oauth
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

/// How to give the connection a scope HubSpot said it lacks, for the portal the command used
/// (`None`: not known), and then, for a run it stopped, how to finish that run.
pub fn missing_scopes_hint(portal: Option<&Portal>, run_id: Option<i64>) -> String {
    const PRIVATE_APP_SCOPES: &str = "Settings → Integrations → Private Apps → the app → Scopes";
    let fix = match portal {
        Some(portal) if portal.token_kind == TokenKind::Oauth => format!(
            "run `hubsync connect --oauth{}` and approve in the browser: the new grant carries every scope Hubsync asks for",
            base_url_flag(&portal.base_url)
        ),
        Some(portal) if env_token_applies(portal) => format!(
            "{TOKEN_ENV} holds the token in use: add the scope to its private app in HubSpot ({PRIVATE_APP_SCOPES}), or unset {TOKEN_ENV} to use the token saved by `hubsync connect --token`"
        ),
        Some(portal) => format!(
            "add the scope to the private app in HubSpot ({PRIVATE_APP_SCOPES}), then run `hubsync connect --token -{}` and paste the app's access token",
            base_url_flag(&portal.base_url)
        ),
        None => format!(
            "for a private app token, add the scope in HubSpot ({PRIVATE_APP_SCOPES}), then run `hubsync connect --token -` and paste the app's access token; for OAuth, run `hubsync connect --oauth` and approve again"
        ),
    };
    match run_id {
        Some(run_id) => format!("{fix}; after that, `hubsync runs resume {run_id}` writes the rows still pending"),
        None => fix,
    }
}
