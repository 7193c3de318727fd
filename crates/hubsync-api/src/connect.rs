//! Connecting: the portals the store knows, switching the active one, connecting with a pasted
//! token or with OAuth in the system browser, Test Connection, and Disconnect (which stops a
//! sync with that portal and keeps its rules and mappings). The built-in sandbox portal is
//! recorded here too.

use std::time::Duration;

use hubsync_auth::connection::{ConnectionReport, ScopeCheck, test_connection as run_checks};
use hubsync_auth::loopback::{CancelHandle, DEFAULT_CALLBACK_PORTS};
use hubsync_auth::oauth::{ConnectOptions, HubSpotOAuth, OAuthGrant, PendingConnect};
use hubsync_auth::portals::{
    ConnectError, Connected, Disconnected, PortalClient, endpoints_for, interactive, pasted_secret, prove_grant,
    prove_token, static_client, token_facts, writable_properties,
};
use hubsync_auth::session::SystemClock as AuthClock;
use hubsync_hubspot::{ClientConfig, Secret, check_base_url};
use hubsync_store::{Portal, PortalConnection, SecretStoreKind, SystemClock, TokenKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::builtin::{PortalSummary, SANDBOX_NAME, SANDBOX_TOKEN};
use crate::companies;
use crate::error::{ApiError, ErrorCode};
use crate::workspace::Workspace;

/// Every portal the store knows, the active one first.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct PortalsOverview {
    pub active: Option<Portal>,
    pub portals: Vec<Portal>,
}

pub async fn portals_overview(ws: &Workspace) -> Result<PortalsOverview, ApiError> {
    let portals = ws.store.lock().await.portals()?;
    Ok(PortalsOverview { active: portals.iter().find(|p| p.active).cloned(), portals })
}

/// Makes a known portal the active one.
pub async fn use_portal(ws: &Workspace, portal_id: u64) -> Result<Portal, ApiError> {
    Ok(ws.store.lock().await.use_portal(portal_id)?)
}

/// Sets the share of a portal's daily API limit (percent, 0 to 90) kept free for its other
/// apps; `None`: the active portal's.
pub async fn set_daily_reserve(ws: &Workspace, portal_id: Option<u64>, percent: u8) -> Result<Portal, ApiError> {
    let portal_id = match portal_id {
        Some(id) => id,
        None => ws.active_portal().await?.portal_id,
    };
    Ok(ws.store.lock().await.set_daily_reserve(portal_id, percent)?)
}

/// Records the built-in sandbox portal where it listens now. On a first start (no portal yet)
/// it becomes the active portal, so the app can be tried without an account; later it keeps
/// whatever place the admin gave it.
pub async fn register_sandbox(ws: &Workspace, sandbox: &PortalSummary) -> Result<Portal, ApiError> {
    {
        let mut store = ws.store.lock().await;
        if store.portal(sandbox.portal_id)?.is_some_and(|p| p.is_sandbox()) {
            return Ok(store.set_portal_base_url(sandbox.portal_id, &sandbox.base_url)?);
        }
        if !store.portals()?.is_empty() {
            // Another portal is connected and none is the sandbox: leave the store as it is.
            return Ok(store.active_portal()?.ok_or(ConnectError::NotConnected)?);
        }
    }
    // The first portal: its mapping starts from the properties the sandbox offers, read
    // without the store locked.
    let writable = sandbox_properties(ws, sandbox).await;
    let mut store = ws.store.lock().await;
    if !store.portals()?.is_empty() {
        // Another process connected a portal meanwhile.
        return Ok(store.active_portal()?.ok_or(ConnectError::NotConnected)?);
    }
    let portal = store.connect_portal(&sandbox_connection(sandbox, writable))?;
    drop(store);
    companies::start_standard_mapping(ws).await;
    Ok(portal)
}

/// Opens the built-in sandbox portal as the active one (its configuration and runs kept; a
/// first visit starts its mapping as connecting a portal does).
pub async fn use_sandbox(ws: &Workspace, sandbox: &PortalSummary) -> Result<Portal, ApiError> {
    let known = ws.store.lock().await.portal(sandbox.portal_id)?.is_some();
    let writable = if known { None } else { sandbox_properties(ws, sandbox).await };
    let portal = ws.store.lock().await.connect_portal(&sandbox_connection(sandbox, writable))?;
    if !known {
        companies::start_standard_mapping(ws).await;
    }
    Ok(portal)
}

/// The contact properties the built-in sandbox portal takes writes to, read as connecting reads
/// any portal's; `None` when it doesn't answer (its mapping then starts as a plain copy).
async fn sandbox_properties(ws: &Workspace, sandbox: &PortalSummary) -> Option<Vec<String>> {
    let mut config = ws.client_config(&sandbox.base_url, TokenKind::Sandbox);
    interactive(&mut config);
    let read = async { static_client(config, Secret::new(SANDBOX_TOKEN))?.properties().await };
    match read.await {
        Ok(properties) => Some(writable_properties(&properties)),
        Err(error) => {
            tracing::warn!(%error, "could not read the built-in sandbox portal's properties");
            None
        }
    }
}

fn sandbox_connection(sandbox: &PortalSummary, writable_properties: Option<Vec<String>>) -> PortalConnection {
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
        account_type: None,
        writable_properties,
    }
}

/// What kind of token the admin pasted.
#[derive(Clone, Copy, Debug, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum PastedTokenKind {
    PrivateApp,
    ServiceKey,
}

impl From<PastedTokenKind> for TokenKind {
    fn from(kind: PastedTokenKind) -> TokenKind {
        match kind {
            PastedTokenKind::PrivateApp => TokenKind::PrivateApp,
            PastedTokenKind::ServiceKey => TokenKind::ServiceKey,
        }
    }
}

/// Where a new connection goes and where its secrets will be kept, both checked before a token
/// is read or the browser opens.
#[derive(Clone, Debug)]
pub struct ConnectTarget {
    pub base_url: String,
    pub secret_store: SecretStoreKind,
}

/// Checks the portal's address (a token goes only over https, or to this computer) and chooses
/// where the connection's secrets will be kept: the keychain, or the file only when allowed.
pub async fn connect_target(
    ws: &Workspace,
    base_url: &str,
    insecure_file_store: bool,
) -> Result<ConnectTarget, ApiError> {
    let base_url = checked_base_url(base_url)?;
    let secret_store = ws.credentials.choose_store(insecure_file_store).await?;
    Ok(ConnectTarget { base_url, secret_store })
}

/// A token pasted in the app, trimmed, or `invalid_token`.
pub fn pasted_token(token: &str) -> Result<Secret, ApiError> {
    pasted_secret(token)
        .map_err(|_| ApiError::new(ErrorCode::InvalidToken, "Paste the whole token: it has no spaces or line breaks."))
}

/// Connects with a private app token or service key: checked with HubSpot, then kept where
/// `target` says. Nothing sends the token back. `tweak` adjusts the client for the checks (the
/// command line waits less than the app).
pub async fn connect_token(
    ws: &Workspace,
    target: &ConnectTarget,
    token: &Secret,
    kind: TokenKind,
    tweak: impl FnOnce(&mut ClientConfig),
) -> Result<Connected, ApiError> {
    // Once the account details name the portal, the checks count in its shared windows.
    let mut config = ws.client_config(&target.base_url, kind);
    tweak(&mut config);
    // The checks go to HubSpot; the store is locked only to save.
    let proven = prove_token(config, kind, token, target.secret_store, &SystemClock).await?;
    let connected = ws.credentials.save(&mut *ws.store.lock().await, proven).await?;
    companies::start_standard_mapping(ws).await;
    Ok(connected)
}

/// A portal's address, refused unless a token can go there safely (https, or http to this
/// computer), so no shell can send a token elsewhere in plain text.
pub fn checked_base_url(base_url: &str) -> Result<String, ApiError> {
    check_base_url(base_url).map_err(|e| ApiError::new(ErrorCode::InsecureBaseUrl, e.to_string()))
}

/// The consent page to open: the app opens it in the system browser too.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct OAuthStarted {
    pub authorize_url: String,
    pub redirect_uri: String,
}

/// How an OAuth attempt listens for the browser's answer: the app's defaults, or what the
/// command line was given.
#[derive(Clone, Debug)]
pub struct OAuthOptions {
    /// The loopback ports to try for the callback, in order (each must be a redirect URL of the app).
    pub ports: Vec<u16>,
    /// How long to wait for the admin's approval.
    pub timeout: Duration,
}

impl Default for OAuthOptions {
    fn default() -> Self {
        OAuthOptions { ports: DEFAULT_CALLBACK_PORTS.to_vec(), timeout: Duration::from_secs(300) }
    }
}

/// An OAuth attempt waiting for the browser: `finish` saves the connection once the admin
/// approves.
pub struct OAuthAttempt {
    pub started: OAuthStarted,
    pending: PendingConnect,
    approval: Approval,
}

/// What proving and saving a grant needs beside the grant itself.
struct Approval {
    oauth: HubSpotOAuth,
    base_url: String,
    client_secret: Option<Secret>,
    secret_store: SecretStoreKind,
}

/// The admin approved in the browser: `save` proves the grant with HubSpot and keeps it.
pub struct OAuthApproved {
    grant: OAuthGrant,
    approval: Approval,
}

/// A client secret typed in the app, trimmed; none when left blank.
pub fn typed_client_secret(client_secret: Option<String>) -> Option<Secret> {
    client_secret.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).map(Secret::new)
}

/// Starts connecting in the browser: the loopback listener is bound and the consent page's
/// address made (the shell opens it). A second start cancels the first.
pub async fn oauth_start(
    ws: &Workspace,
    target: &ConnectTarget,
    client_id: Option<&str>,
    client_secret: Option<Secret>,
    options: OAuthOptions,
) -> Result<OAuthAttempt, ApiError> {
    let (app_creds, client_secret) = {
        let store = ws.store.lock().await;
        ws.credentials.resolve_app(&store, client_id, client_secret, target.secret_store)?
    };
    let oauth = HubSpotOAuth::new(app_creds, endpoints_for(&target.base_url))?;
    let cancel = CancelHandle::new();
    if let Some(previous) = ws.oauth.lock().unwrap_or_else(|e| e.into_inner()).replace(cancel.clone()) {
        previous.cancel();
    }
    let options =
        ConnectOptions { ports: options.ports, timeout: options.timeout, cancel, ..ConnectOptions::default() };
    let pending = PendingConnect::start(oauth.clone(), options).await?;
    let started = OAuthStarted {
        authorize_url: pending.authorize_url().to_string(),
        redirect_uri: pending.redirect_uri().into(),
    };
    let approval =
        Approval { oauth, base_url: target.base_url.clone(), client_secret, secret_store: target.secret_store };
    Ok(OAuthAttempt { started, pending, approval })
}

impl OAuthAttempt {
    /// Waits for the browser's answer, proves the grant with HubSpot and saves the connection.
    /// `tweak` adjusts the client for the checks.
    pub async fn finish(self, ws: &Workspace, tweak: impl FnOnce(&mut ClientConfig)) -> Result<Connected, ApiError> {
        self.approved().await?.save(ws, tweak).await
    }

    /// Waits for the browser's answer only: a shell that stops waiting on its own (Ctrl-C)
    /// stops here, never in the middle of saving.
    pub async fn approved(self) -> Result<OAuthApproved, ApiError> {
        let grant = self.pending.finish().await?;
        Ok(OAuthApproved { grant, approval: self.approval })
    }
}

impl OAuthApproved {
    /// Proves the grant with HubSpot and saves the connection.
    pub async fn save(self, ws: &Workspace, tweak: impl FnOnce(&mut ClientConfig)) -> Result<Connected, ApiError> {
        let Approval { oauth, base_url, client_secret, secret_store } = self.approval;
        let mut config = ws.client_config(&base_url, TokenKind::Oauth);
        tweak(&mut config);
        let clock = std::sync::Arc::new(AuthClock);
        let proven = prove_grant(oauth, &self.grant, config, client_secret, secret_store, clock, &SystemClock).await?;
        let connected = ws.credentials.save(&mut *ws.store.lock().await, proven).await?;
        companies::start_standard_mapping(ws).await;
        Ok(connected)
    }
}

/// Ends the OAuth attempt waiting for the browser, if any.
pub fn oauth_cancel(ws: &Workspace) {
    if let Some(cancel) = ws.oauth.lock().unwrap_or_else(|e| e.into_inner()).take() {
        cancel.cancel();
    }
}

/// Test Connection on the active portal, with a client for someone waiting (fewer retries, a
/// shorter timeout). The portal keeps when it was checked, whether it passed, and the account
/// type HubSpot gave (so a portal saved before Hubsync read it learns what it is).
pub async fn test_connection(ws: &Workspace) -> Result<ConnectionReport, ApiError> {
    let (portal, client) = ws.connected(interactive).await?;
    let mut account_type = None;
    let token_check = async {
        let facts = token_facts(&client).await;
        account_type = facts.as_ref().ok().and_then(|f| f.account_type.clone());
        facts
    };
    let report = run_checks(&client, portal.token_kind, portal.portal_id, token_check).await;
    ws.record_outcome(&client).await?;
    ws.store.lock().await.record_portal_check(portal.portal_id, report.passed, account_type.as_deref())?;
    Ok(report)
}

/// The companies and deals scopes of a portal's connection (`hubsync_auth::connection::
/// optional_scopes`): from the scopes HubSpot granted an OAuth connection, else by one cheap
/// call each (a private app's token doesn't list its scopes).
pub async fn optional_scopes(client: &PortalClient) -> Vec<ScopeCheck> {
    let granted = (client.portal.token_kind == TokenKind::Oauth).then_some(client.portal.scopes.as_slice());
    hubsync_auth::connection::optional_scopes(client, granted).await
}

/// Disconnects a portal (default: the active one), keeping its rules and mappings. A sync of
/// this process with that portal stops between batches, its run resumable and its stop reason
/// "<portal> was disconnected <where>".
pub async fn disconnect(ws: &Workspace, portal_id: Option<u64>, r#where: &str) -> Result<Disconnected, ApiError> {
    let portal = match portal_id {
        Some(id) => ws.store.lock().await.portal(id)?,
        None => Some(ws.active_portal().await?),
    }
    .ok_or_else(|| ApiError::new(ErrorCode::PortalNotFound, "That portal is not known to this app."))?;
    ws.jobs.cancel_portal(portal.portal_id, &format!("{} was disconnected {where}", portal.label()));
    let mut store = ws.store.lock().await;
    Ok(ws.credentials.disconnect(&mut store, &portal).await?)
}
