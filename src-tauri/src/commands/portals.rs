//! Portals and the connection: the built-in sandbox, the portals overview, connecting with a
//! token or OAuth, Test Connection, Disconnect, the logs and the store's version.

use hubsync_api::builtin::{BuiltinPortal, PortalSummary};
use hubsync_api::connect::{self, OAuthStarted, PastedTokenKind, PortalsOverview};
use hubsync_api::status::{self, DailyUse};
use hubsync_api::workspace::StoreUpgrade;
use hubsync_auth::connection::ConnectionReport;
use hubsync_auth::portals::{Connected, Disconnected};
use hubsync_store::Portal;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};
use ts_rs::TS;

use crate::error::CommandError;
use crate::state::AppWorkspace;
use hubsync_api::error::ErrorCode;

/// The event an OAuth attempt ends with.
pub const OAUTH_FINISHED: &str = "oauth-finished";

/// The built-in sandbox portal. Waits for it if it is still starting.
#[tauri::command]
pub async fn sandbox_portal(portal: State<'_, BuiltinPortal>) -> Result<PortalSummary, CommandError> {
    portal.info().await
}

/// On a first start the built-in sandbox becomes the active portal once it runs: the overview
/// waits for that, so the page never sees an empty store a moment before it is filled.
#[tauri::command]
pub async fn portals_overview(
    workspace: State<'_, AppWorkspace>,
    builtin: State<'_, BuiltinPortal>,
) -> Result<PortalsOverview, CommandError> {
    let ws = workspace.get().await?;
    record_builtin_portal(ws, &builtin).await;
    connect::portals_overview(ws).await
}

/// Records the built-in sandbox portal where it listens (the active portal on a first start),
/// once it runs; a portal that can't be recorded is logged, and the store read as it is.
pub(crate) async fn record_builtin_portal(ws: &hubsync_api::Workspace, builtin: &BuiltinPortal) {
    if let Ok(sandbox) = builtin.info().await
        && let Err(error) = connect::register_sandbox(ws, &sandbox).await
    {
        tracing::warn!(%error, "the built-in sandbox portal could not be recorded");
    }
}

#[tauri::command]
pub async fn use_portal(workspace: State<'_, AppWorkspace>, portal_id: u64) -> Result<Portal, CommandError> {
    connect::use_portal(workspace.get().await?, portal_id).await
}

#[tauri::command]
pub async fn use_sandbox(
    workspace: State<'_, AppWorkspace>,
    builtin: State<'_, BuiltinPortal>,
) -> Result<Portal, CommandError> {
    let sandbox = builtin.info().await?;
    connect::use_sandbox(workspace.get().await?, &sandbox).await
}

/// Connects with a pasted token; it goes from the page to the keychain and nothing sends it back.
#[tauri::command]
pub async fn connect_token(
    workspace: State<'_, AppWorkspace>,
    base_url: String,
    token: String,
    kind: PastedTokenKind,
    insecure_file_store: bool,
) -> Result<Connected, CommandError> {
    let ws = workspace.get().await?;
    let target = connect::connect_target(ws, &base_url, insecure_file_store).await?;
    connect::connect_token(ws, &target, &connect::pasted_token(&token)?, kind.into(), |_| {}).await
}

/// How an OAuth attempt ended (the `oauth-finished` event).
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct OAuthFinished {
    pub connected: Option<Connected>,
    pub error: Option<CommandError>,
}

/// Starts connecting in the browser, which it opens on the consent page; the outcome arrives as
/// the `oauth-finished` event. A second start cancels the first.
#[tauri::command]
pub async fn oauth_start(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    base_url: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    insecure_file_store: bool,
) -> Result<OAuthStarted, CommandError> {
    let ws = workspace.get().await?;
    let target = connect::connect_target(ws, &base_url, insecure_file_store).await?;
    let client_secret = connect::typed_client_secret(client_secret);
    let options = connect::OAuthOptions::default();
    let attempt = connect::oauth_start(ws, &target, client_id.as_deref(), client_secret, options).await?;
    let started = attempt.started.clone();
    if let Err(error) = open::that_detached(&started.authorize_url) {
        tracing::warn!(%error, "could not open the browser; the page shows the address");
    }
    tauri::async_runtime::spawn(async move {
        let workspace = app.state::<AppWorkspace>();
        let outcome = match workspace.get().await {
            Ok(ws) => attempt.finish(ws, |_| {}).await,
            Err(error) => Err(error),
        };
        let finished = match outcome {
            Ok(connected) => OAuthFinished { connected: Some(connected), error: None },
            Err(error) => OAuthFinished { connected: None, error: Some(error) },
        };
        if let Err(error) = app.emit(OAUTH_FINISHED, finished) {
            tracing::error!(%error, "could not tell the page how connecting ended");
        }
    });
    Ok(started)
}

#[tauri::command]
pub async fn oauth_cancel(workspace: State<'_, AppWorkspace>) -> Result<(), CommandError> {
    connect::oauth_cancel(workspace.get().await?);
    Ok(())
}

#[tauri::command]
pub async fn test_connection(workspace: State<'_, AppWorkspace>) -> Result<ConnectionReport, CommandError> {
    connect::test_connection(workspace.get().await?).await
}

/// Disconnects a portal (default: the active one), keeping its rules and mappings.
#[tauri::command]
pub async fn disconnect(
    workspace: State<'_, AppWorkspace>,
    portal_id: Option<u64>,
) -> Result<Disconnected, CommandError> {
    connect::disconnect(workspace.get().await?, portal_id, "in the app").await
}

/// The active portal's daily API use, as HubSpot last stated it to any process.
#[tauri::command]
pub async fn daily_use(workspace: State<'_, AppWorkspace>) -> Result<Option<DailyUse>, CommandError> {
    status::active_daily_use(workspace.get().await?).await
}

/// Sets the share of the active portal's daily limit kept free for its other apps.
#[tauri::command]
pub async fn set_daily_reserve(workspace: State<'_, AppWorkspace>, percent: u8) -> Result<Portal, CommandError> {
    connect::set_daily_reserve(workspace.get().await?, None, percent).await
}

/// A number that changes whenever any process (the command line too) wrote to the store: the
/// page reloads what it shows when it does.
#[tauri::command]
pub async fn store_version(workspace: State<'_, AppWorkspace>) -> Result<u64, CommandError> {
    workspace.get().await?.store_version().await
}

/// The event each step of the store's upgrade, and its end, go out as while the app opens a
/// store from an older Hubsync.
pub const STORE_UPGRADE_EVENT: &str = "store-upgrade";

/// The step the store's upgrade is at while the app opens a store from an older Hubsync (for a
/// page that loaded after the upgrade began; the `store-upgrade` event tells the rest); none
/// once the workspace is open, or before an upgrade starts.
#[tauri::command]
pub async fn store_upgrade(workspace: State<'_, AppWorkspace>) -> Result<Option<StoreUpgrade>, CommandError> {
    Ok(workspace.upgrading())
}

/// Opens the app's log folder in the file manager; returns where it is.
#[tauri::command]
pub async fn open_logs(app: AppHandle) -> Result<String, CommandError> {
    let dir = app.path().app_log_dir().map_err(|e| {
        CommandError::new(ErrorCode::NoLogFolder, format!("This system has no log folder for the app: {e}"))
    })?;
    hubsync_store::create_private_dir(&dir, hubsync_store::ExistingFolder::Tighten).map_err(|e| {
        CommandError::new(ErrorCode::NoLogFolder, format!("The log folder {} can't be made: {e}", dir.display()))
    })?;
    let dir = dir.display().to_string();
    super::open_with_system(&dir, "The log folder")?;
    Ok(dir)
}
