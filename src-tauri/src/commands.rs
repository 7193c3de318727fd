//! Tauri commands: thin adapters from IPC to the core and app state. Each one returns
//! `CommandError` on failure so the page always gets `{ code, message }`. Long work (the OAuth
//! wait) runs off the command and reports through an event.

pub mod config;
pub mod leads;
pub mod mapping_file;
pub mod pull_rules;
pub mod sync;

use std::time::Duration;

use hubsync_auth::connection::{ConnectionReport, test_connection as run_checks};
use hubsync_auth::loopback::{CancelHandle, DEFAULT_CALLBACK_PORTS};
use hubsync_auth::oauth::{ConnectOptions, HubSpotOAuth, PendingConnect};
use hubsync_auth::portals::{
    Connected, Disconnected, client_config, endpoints_for, pasted_secret, prove_grant, prove_token, token_facts, usable,
};
use hubsync_auth::session::SystemClock as AuthClock;
use hubsync_hubspot::{InsecureBaseUrl, Secret, check_base_url};
use hubsync_store::{Portal, SystemClock, TokenKind};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State};
use ts_rs::TS;

use crate::error::CommandError;
use crate::portal::{BuiltinPortal, PortalSummary};
use crate::workspace::AppWorkspace;

/// The event an OAuth attempt ends with.
pub const OAUTH_FINISHED: &str = "oauth-finished";

/// The portal the app is talking to. Waits for the built-in sandbox if it is still starting.
#[tauri::command]
pub async fn sandbox_portal(portal: State<'_, BuiltinPortal>) -> Result<PortalSummary, CommandError> {
    portal.info().await
}

/// Every portal the store knows, the active one first.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct PortalsOverview {
    pub active: Option<Portal>,
    pub portals: Vec<Portal>,
}

/// On a first start the built-in sandbox becomes the active portal once it runs: the overview
/// waits for that, so the page never sees an empty store a moment before it is filled.
#[tauri::command]
pub async fn portals_overview(
    workspace: State<'_, AppWorkspace>,
    builtin: State<'_, BuiltinPortal>,
) -> Result<PortalsOverview, CommandError> {
    let ws = workspace.get()?;
    if let Ok(sandbox) = builtin.info().await
        && let Err(error) = ws.register_sandbox(&sandbox).await
    {
        tracing::warn!(%error, "the built-in sandbox portal could not be recorded");
    }
    let store = ws.store.lock().await;
    let portals = store.portals().map_err(store_error)?;
    Ok(PortalsOverview { active: portals.iter().find(|p| p.active).cloned(), portals })
}

/// Makes a known portal the active one.
#[tauri::command]
pub async fn use_portal(workspace: State<'_, AppWorkspace>, portal_id: u64) -> Result<Portal, CommandError> {
    workspace.get()?.store.lock().await.use_portal(portal_id).map_err(store_error)
}

/// Opens the built-in sandbox portal as the active one.
#[tauri::command]
pub async fn use_sandbox(
    workspace: State<'_, AppWorkspace>,
    builtin: State<'_, BuiltinPortal>,
) -> Result<Portal, CommandError> {
    let sandbox = builtin.info().await?;
    Ok(workspace.get()?.use_sandbox(&sandbox).await?)
}

/// What kind of token the admin pasted.
#[derive(Clone, Copy, Debug, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum PastedTokenKind {
    PrivateApp,
    ServiceKey,
}

/// Connects with a pasted private app token or service key. The token goes from the page to
/// the keychain; nothing sends it back.
#[tauri::command]
pub async fn connect_token(
    workspace: State<'_, AppWorkspace>,
    base_url: String,
    token: String,
    kind: PastedTokenKind,
    insecure_file_store: bool,
) -> Result<Connected, CommandError> {
    let workspace = workspace.get()?;
    let base_url = checked_base_url(&base_url)?;
    let token = pasted_secret(&token)
        .map_err(|_| CommandError::new("invalid_token", "Paste the whole token: it has no spaces or line breaks."))?;
    let kind = match kind {
        PastedTokenKind::PrivateApp => TokenKind::PrivateApp,
        PastedTokenKind::ServiceKey => TokenKind::ServiceKey,
    };
    let secret_store = workspace.credentials.choose_store(insecure_file_store).await?;
    let config = client_config(&base_url, kind);
    // The checks go to HubSpot; the store is locked only to save.
    let proven = prove_token(config, kind, &token, secret_store, &SystemClock).await?;
    Ok(workspace.credentials.save(&mut *workspace.store.lock().await, proven).await?)
}

/// The page's address for a portal, refused unless a token can go there safely (https, or http
/// to this computer): the core's one rule, so a page can't send a token elsewhere in plain text.
fn checked_base_url(base_url: &str) -> Result<String, CommandError> {
    check_base_url(base_url).map_err(|e| CommandError::new(InsecureBaseUrl::CODE, e.to_string()))
}

/// The consent page to open: the app opens it in the system browser too.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct OAuthStarted {
    pub authorize_url: String,
    pub redirect_uri: String,
}

/// How an OAuth attempt ended (the `oauth-finished` event).
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct OAuthFinished {
    pub connected: Option<Connected>,
    pub error: Option<CommandError>,
}

/// Starts connecting in the browser: the listener is bound and the consent page opened; the
/// outcome arrives as the `oauth-finished` event. A second start cancels the first.
#[tauri::command]
pub async fn oauth_start(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    base_url: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    insecure_file_store: bool,
) -> Result<OAuthStarted, CommandError> {
    let ws = workspace.get()?;
    let base_url = checked_base_url(&base_url)?;
    let secret_store = ws.credentials.choose_store(insecure_file_store).await?;
    let given_secret = client_secret.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).map(Secret::new);
    let (app_creds, client_secret) = {
        let store = ws.store.lock().await;
        ws.credentials.resolve_app(&store, client_id.as_deref(), given_secret, secret_store)?
    };
    let oauth = HubSpotOAuth::new(app_creds, endpoints_for(&base_url)).map_err(auth_error)?;
    let cancel = CancelHandle::new();
    if let Some(previous) = ws.oauth.lock().unwrap_or_else(|e| e.into_inner()).replace(cancel.clone()) {
        previous.cancel();
    }
    let options = ConnectOptions {
        ports: DEFAULT_CALLBACK_PORTS.to_vec(),
        timeout: Duration::from_secs(300),
        cancel,
        ..ConnectOptions::default()
    };
    let pending = PendingConnect::start(oauth.clone(), options).await.map_err(auth_error)?;
    let started = OAuthStarted {
        authorize_url: pending.authorize_url().to_string(),
        redirect_uri: pending.redirect_uri().into(),
    };
    if let Err(error) = open::that_detached(&started.authorize_url) {
        tracing::warn!(%error, "could not open the browser; the page shows the address");
    }
    tauri::async_runtime::spawn(async move {
        let workspace = tauri::Manager::state::<AppWorkspace>(&app);
        let outcome = match finish_oauth(&workspace, pending, oauth, base_url, client_secret, secret_store).await {
            Ok(connected) => OAuthFinished { connected: Some(connected), error: None },
            Err(error) => OAuthFinished { connected: None, error: Some(error) },
        };
        if let Err(error) = app.emit(OAUTH_FINISHED, outcome) {
            tracing::error!(%error, "could not tell the page how connecting ended");
        }
    });
    Ok(started)
}

async fn finish_oauth(
    workspace: &AppWorkspace,
    pending: PendingConnect,
    oauth: HubSpotOAuth,
    base_url: String,
    client_secret: Option<Secret>,
    secret_store: hubsync_store::SecretStoreKind,
) -> Result<Connected, CommandError> {
    let ws = workspace.get()?;
    let grant = pending.finish().await.map_err(auth_error)?;
    let config = client_config(&base_url, TokenKind::Oauth);
    let clock = std::sync::Arc::new(AuthClock);
    let proven = prove_grant(oauth, &grant, config, client_secret, secret_store, clock, &SystemClock).await?;
    Ok(ws.credentials.save(&mut *ws.store.lock().await, proven).await?)
}

/// Ends the OAuth attempt waiting for the browser, if any.
#[tauri::command]
pub async fn oauth_cancel(workspace: State<'_, AppWorkspace>) -> Result<(), CommandError> {
    if let Some(cancel) = workspace.get()?.oauth.lock().unwrap_or_else(|e| e.into_inner()).take() {
        cancel.cancel();
    }
    Ok(())
}

/// Test Connection on the active portal.
#[tauri::command]
pub async fn test_connection(workspace: State<'_, AppWorkspace>) -> Result<ConnectionReport, CommandError> {
    let ws = workspace.get()?;
    let portal = active(ws).await?;
    usable(&portal)?;
    let client = ws.client_for(portal.clone(), |_| {})?;
    let report = run_checks(&client, portal.token_kind, portal.portal_id, token_facts(&client)).await;
    client.record_outcome(&mut *ws.store.lock().await).map_err(store_error)?;
    Ok(report)
}

/// Disconnects a portal (default: the active one), keeping its rules and mappings.
#[tauri::command]
pub async fn disconnect(
    workspace: State<'_, AppWorkspace>,
    jobs: State<'_, sync::jobs::SyncJobs>,
    portal_id: Option<u64>,
) -> Result<Disconnected, CommandError> {
    let ws = workspace.get()?;
    let portal = match portal_id {
        Some(id) => ws.store.lock().await.portal(id).map_err(store_error)?,
        None => Some(active(ws).await?),
    }
    .ok_or_else(|| CommandError::new("portal_not_found", "That portal is not known to this app."))?;
    // A sync with this portal stops between batches; its run stays resumable.
    jobs.cancel_portal(portal.portal_id, &format!("{} was disconnected in the app", portal.label()));
    let mut store = ws.store.lock().await;
    Ok(ws.credentials.disconnect(&mut store, &portal).await?)
}

pub(crate) async fn active(ws: &crate::workspace::Workspace) -> Result<Portal, CommandError> {
    ws.store
        .lock()
        .await
        .active_portal()
        .map_err(store_error)?
        .ok_or_else(|| CommandError::new("not_connected", "No portal is connected yet."))
}

pub(crate) fn store_error(error: hubsync_store::StoreError) -> CommandError {
    CommandError::new(error.code(), error.to_string())
}

fn auth_error(error: hubsync_auth::oauth::AuthError) -> CommandError {
    CommandError::new(error.code(), error.to_string())
}

/// Opens the app's log folder in the file manager; returns where it is.
#[tauri::command]
pub async fn open_logs(app: AppHandle) -> Result<String, CommandError> {
    let dir = tauri::Manager::path(&app)
        .app_log_dir()
        .map_err(|e| CommandError::new("no_log_folder", format!("This system has no log folder for the app: {e}")))?;
    hubsync_store::create_private_dir(&dir, hubsync_store::ExistingFolder::Tighten).map_err(|e| {
        CommandError::new("no_log_folder", format!("The log folder {} can't be made: {e}", dir.display()))
    })?;
    open::that_detached(&dir).map_err(|e| {
        CommandError::new("open_failed", format!("The log folder is {}; it could not be opened: {e}", dir.display()))
    })?;
    Ok(dir.display().to_string())
}
