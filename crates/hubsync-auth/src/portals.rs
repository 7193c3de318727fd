//! Connecting a lead store to its portals, as the command line and the desktop app both do it:
//! where a new connection's secret goes, the checks it must pass before anything is saved,
//! saving it, clients for a saved portal (an OAuth session that refreshes, or the private
//! token), recording a refused grant, and disconnecting. The apps only gather input (flags, a
//! form, the browser) and show the results.

use std::ops::Deref;
use std::sync::Arc;

use hubsync_hubspot::{
    ClientConfig, ClientError, HubSpotClient, PortalLimiter, Property, RateLimitSeen, RateLimitSettings, Secret,
    TokenSource,
};
use hubsync_store::{
    Clock as StoreClock, Portal, PortalConnection, PortalStatus, SecretStoreKind, Store, StoreError, TokenKind,
};
use serde::Serialize;
use ts_rs::TS;

use crate::connection::{CONTACTS_READ, CONTACTS_WRITE, Credentials, OWNERS_READ, TokenFacts, explain};
use crate::keychain::SecretStoreError;
use crate::oauth::{AuthError, Endpoints, HubSpotOAuth, OAuthApp, OAuthGrant, check_scopes};
use crate::session::{Clock, OAuthSession};

/// HubSpot's production API; any other base URL is a sandbox serving its own consent page.
pub const HUBSPOT_API: &str = "https://api.hubapi.com";

/// Why connecting, using or disconnecting a portal failed. Messages are in words and never hold
/// a token or secret; `code()` is stable for `--json` and the desktop app.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretStoreError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A check a new connection must pass failed; nothing was saved.
    #[error("cannot {what} (nothing was saved): {}", explain_check(.source, *.scope))]
    CheckFailed { what: &'static str, scope: Option<&'static str>, source: ClientError },
    #[error("not connected to HubSpot")]
    NotConnected,
    #[error("{label} is disconnected; its mapping, rules and runs are kept")]
    Disconnected { label: String },
    #[error("{label} needs to be connected again{}", if .why.is_empty() { String::new() } else { format!(": {}", .why) })]
    ReconnectNeeded { label: String, why: String, kind: TokenKind, base_url: String },
    #[error("no token is kept for {label} in the {store}")]
    NoToken { label: String, store: String },
    #[error("no HubSpot app to connect with: this build has none built in and none was used before")]
    NoApp,
    #[error("{0:?} is not a HubSpot app's client id")]
    InvalidClientId(String),
    #[error("the client secret of the HubSpot app {0} is not kept yet")]
    ClientSecretMissing(String),
    #[error("HubSpot's token info says portal {token}, its account details portal {account}; nothing was saved")]
    PortalMismatch { token: u64, account: u64 },
}

impl ConnectError {
    pub fn code(&self) -> &'static str {
        match self {
            ConnectError::Store(e) => e.code(),
            ConnectError::Secret(e) => e.code(),
            ConnectError::Auth(e) => e.code(),
            ConnectError::Client(e) | ConnectError::CheckFailed { source: e, .. } => e.code(),
            ConnectError::NotConnected | ConnectError::Disconnected { .. } | ConnectError::NoToken { .. } => {
                "not_connected"
            }
            ConnectError::ReconnectNeeded { .. } => "reconnect_needed",
            ConnectError::NoApp => "no_oauth_app",
            ConnectError::InvalidClientId(_) => "invalid_client_id",
            ConnectError::ClientSecretMissing(_) => "client_secret_missing",
            ConnectError::PortalMismatch { .. } => "portal_mismatch",
        }
    }
}

/// A check's client error in words; a 403 without a named scope names the one the check needs.
fn explain_check(error: &ClientError, scope: Option<&str>) -> String {
    match (scope, error) {
        (Some(scope), ClientError::Api { status: 403, body, message })
            if body.as_ref().is_none_or(|b| b.missing_scopes().is_empty()) =>
        {
            format!("the token is missing the scope {scope} (HubSpot: {message})")
        }
        _ => explain(error),
    }
}

/// Why pasted text can't be a HubSpot token or secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PastedSecretProblem {
    Empty,
    /// Spaces, line breaks or other characters HubSpot's tokens and secrets never have.
    NotOneWord,
}

/// A pasted token or client secret, trimmed: HubSpot's are one run of visible ASCII
/// characters. Each app words the problem for its own input.
pub fn pasted_secret(raw: &str) -> Result<Secret, PastedSecretProblem> {
    let value = raw.trim();
    if value.is_empty() {
        Err(PastedSecretProblem::Empty)
    } else if !value.chars().all(|c| c.is_ascii_graphic()) {
        Err(PastedSecretProblem::NotOneWord)
    } else {
        Ok(Secret::new(value))
    }
}

/// The client settings for a portal reached at `base_url` with a token of `kind`. Private apps
/// start at the lowest tier's burst; the client learns the real one from HubSpot's headers.
pub fn client_config(base_url: &str, kind: TokenKind) -> ClientConfig {
    let limits = match kind {
        TokenKind::Oauth => RateLimitSettings::oauth(),
        TokenKind::PrivateApp | TokenKind::ServiceKey | TokenKind::Sandbox => RateLimitSettings::private_app(100),
    };
    ClientConfig::new(base_url, limits)
}

/// Fewer attempts and a shorter timeout, for a call someone is waiting on (a check, a picker);
/// runs keep the defaults.
pub fn interactive(config: &mut ClientConfig) {
    config.max_attempts = 2;
    config.timeout = std::time::Duration::from_secs(20);
}

/// HubSpot's endpoints, or a sandbox's, which serves the consent page on its API address.
pub fn endpoints_for(base_url: &str) -> Endpoints {
    if base_url.trim_end_matches('/') == HUBSPOT_API { Endpoints::hubspot() } else { Endpoints::at(base_url) }
}

/// A client on its config's rate limiter: shared with other processes when the config says so.
pub fn static_client(config: ClientConfig, token: Secret) -> Result<HubSpotClient, ClientError> {
    let limiter = Arc::new(PortalLimiter::for_config(&config));
    HubSpotClient::new(config, token, limiter)
}

/// A client drawing its tokens from an OAuth session, on its config's rate limiter.
pub fn session_client(config: ClientConfig, session: Arc<OAuthSession>) -> Result<HubSpotClient, ClientError> {
    let limiter = Arc::new(PortalLimiter::for_config(&config));
    let source: Arc<dyn TokenSource> = session;
    HubSpotClient::with_token_source(config, source, limiter)
}

/// Refuses a portal that can't be synced with, saying why.
pub fn usable(portal: &Portal) -> Result<(), ConnectError> {
    match portal.status {
        PortalStatus::Connected => Ok(()),
        PortalStatus::ReconnectNeeded => Err(reconnect_needed(portal, portal.status_detail.as_deref().unwrap_or(""))),
        PortalStatus::Disconnected => Err(ConnectError::Disconnected { label: portal.label() }),
    }
}

fn reconnect_needed(portal: &Portal, why: &str) -> ConnectError {
    ConnectError::ReconnectNeeded {
        label: portal.label(),
        why: why.to_string(),
        kind: portal.token_kind,
        base_url: portal.base_url.clone(),
    }
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

impl PortalClient {
    /// Records what using the client learned (see `record_session`).
    pub fn record_outcome(&self, store: &mut Store) -> Result<(), StoreError> {
        match &self.session {
            Some(session) => record_session(store, self.portal.portal_id, session),
            None => Ok(()),
        }
    }
}

/// A refresh token HubSpot refused makes the portal "reconnect needed", so later attempts say
/// so without trying.
pub fn record_session(store: &mut Store, portal_id: u64, session: &OAuthSession) -> Result<(), StoreError> {
    if session.is_reconnect_needed() {
        store.set_portal_status(
            portal_id,
            PortalStatus::ReconnectNeeded,
            Some("HubSpot refused the saved refresh token (the app was uninstalled or its access revoked)"),
        )?;
    }
    Ok(())
}

/// What a new connection proved: each check passed, and what the portal said about itself.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct ProvenCheck {
    #[ts(type = "string")]
    pub check: &'static str,
    /// The scope it proves, if any.
    #[ts(type = "string | null")]
    pub scope: Option<&'static str>,
    pub detail: String,
}

#[derive(Clone, Debug)]
pub struct Proof {
    pub portal_id: u64,
    /// The portal's domain as the account details give it (the UI's domain), or "Portal N".
    pub name: String,
    pub hub_domain: String,
    pub time_zone: Option<String>,
    /// The account details' `accountType` (`STANDARD`, `SANDBOX`, …), when given.
    pub account_type: Option<String>,
    /// The contact properties the portal takes writes to (a new portal's first mapping uses
    /// them).
    pub writable_properties: Vec<String>,
    pub checks: Vec<ProvenCheck>,
}

/// Every check a new connection must pass before anything is saved: the account details, one
/// contacts read, the owners, the contact properties.
pub async fn prove(client: &HubSpotClient) -> Result<Proof, ConnectError> {
    let failed = |what, scope| move |source| ConnectError::CheckFailed { what, scope, source };
    let mut checks = Vec::new();
    let account = client.account_details().await.map_err(failed("read the account details", None))?;
    checks.push(ProvenCheck { check: "account details", scope: None, detail: format!("portal {}", account.portal_id) });
    let page = client.list_contacts(1, None, &[]).await.map_err(failed("read contacts", Some(CONTACTS_READ)))?;
    checks.push(ProvenCheck {
        check: "contacts read",
        scope: Some(CONTACTS_READ),
        detail: if page.results.is_empty() {
            "the portal has no contacts yet".into()
        } else {
            "one contact read".into()
        },
    });
    let owners = client.owners(false).await.map_err(failed("read owners", Some(OWNERS_READ)))?;
    checks.push(ProvenCheck {
        check: "owners read",
        scope: Some(OWNERS_READ),
        detail: format!("{} active owners", owners.len()),
    });
    let properties = client.properties().await.map_err(failed("read contact properties", Some(CONTACTS_READ)))?;
    checks.push(ProvenCheck {
        check: "contact properties",
        scope: Some(CONTACTS_READ),
        detail: format!("{} properties", properties.len()),
    });
    let hub_domain = account.ui_domain.clone().unwrap_or_default();
    let name = if hub_domain.is_empty() { format!("Portal {}", account.portal_id) } else { hub_domain.clone() };
    Ok(Proof {
        portal_id: account.portal_id,
        name,
        hub_domain,
        time_zone: account.time_zone,
        account_type: account.account_type,
        writable_properties: writable_properties(&properties),
        checks,
    })
}

/// The names of the properties a write may set: not read-only, not calculated.
pub fn writable_properties(properties: &[Property]) -> Vec<String> {
    properties.iter().filter(|p| !p.is_read_only()).map(|p| p.name.clone()).collect()
}

/// A saved connection, as both apps report it.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct Connected {
    #[serde(flatten)]
    pub portal: Portal,
    pub time_zone: Option<String>,
    /// Scopes a read can't prove.
    #[ts(type = "Array<string>")]
    pub not_checked: Vec<&'static str>,
    pub checks: Vec<ProvenCheck>,
    pub rate_limit: RateLimitSeen,
    /// Where the refresh token (or private token) is kept, in words.
    pub secret_kept_in: String,
    /// Another portal was active until now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub previously_active: Option<u64>,
}

/// What disconnecting did.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct Disconnected {
    #[serde(flatten)]
    pub portal: Portal,
    /// The refresh token was revoked at HubSpot.
    pub revoked: bool,
    /// Why it wasn't, when it wasn't.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub not_revoked: Option<String>,
    /// The token was deleted from where it was kept.
    pub secret_deleted: bool,
}

/// A connection that passed every check, not saved yet (`Credentials::save`).
#[derive(Debug)]
pub struct ProvenConnection {
    pub connection: PortalConnection,
    /// The refresh token or private token to keep.
    pub secret: Secret,
    /// An OAuth app's client secret to keep with it.
    pub client_secret: Option<(String, Secret)>,
    pub proof: Proof,
    pub rate_limit: RateLimitSeen,
}

/// Proves a private app token or service key, the client set up by `config` (`client_config`
/// of the base URL and kind).
pub async fn prove_token(
    config: ClientConfig,
    kind: TokenKind,
    token: &Secret,
    secret_store: SecretStoreKind,
    now: &dyn StoreClock,
) -> Result<ProvenConnection, ConnectError> {
    let client = static_client(config, token.clone())?;
    let proof = prove(&client).await?;
    let connection = PortalConnection {
        portal_id: proof.portal_id,
        name: proof.name.clone(),
        hub_domain: proof.hub_domain.clone(),
        // A private app token belongs to the app, not to a user.
        user_email: String::new(),
        scopes: vec![CONTACTS_READ.to_string(), OWNERS_READ.to_string()],
        token_kind: kind,
        base_url: client.config().base_url.clone(),
        client_id: None,
        secret_store,
        connected_at: now.now(),
        account_type: proof.account_type.clone(),
        writable_properties: Some(proof.writable_properties.clone()),
    };
    Ok(ProvenConnection {
        connection,
        secret: token.clone(),
        client_secret: None,
        proof,
        rate_limit: client.rate_limit_seen(),
    })
}

/// Proves the portal HubSpot granted with the new tokens, the client set up by `config`
/// (`client_config` of the base URL for OAuth), revoking the grant if that fails.
#[allow(clippy::too_many_arguments)]
pub async fn prove_grant(
    oauth: HubSpotOAuth,
    grant: &OAuthGrant,
    config: ClientConfig,
    client_secret: Option<Secret>,
    secret_store: SecretStoreKind,
    clock: Arc<dyn Clock>,
    now: &dyn StoreClock,
) -> Result<ProvenConnection, ConnectError> {
    let client_id = oauth.app().client_id.clone();
    let session = Arc::new(OAuthSession::from_grant(oauth, grant, clock));
    let client = session_client(config, session.clone())?;
    let proved = match prove(&client).await {
        Ok(proof) if proof.portal_id != grant.info.hub_id => {
            Err(ConnectError::PortalMismatch { token: grant.info.hub_id, account: proof.portal_id })
        }
        other => other,
    };
    let proof = match proved {
        Ok(proof) => proof,
        Err(error) => {
            // Nothing will use this grant: don't leave it live at HubSpot.
            let _ = session.oauth().revoke(&session.refresh_token().await).await;
            return Err(error);
        }
    };
    // The token info names the portal itself (acme.hubspot.com); the account details only the
    // UI's domain, which many portals share.
    let domain =
        if grant.info.hub_domain.is_empty() { proof.hub_domain.clone() } else { grant.info.hub_domain.clone() };
    let connection = PortalConnection {
        portal_id: grant.info.hub_id,
        name: if domain.is_empty() { proof.name.clone() } else { domain.clone() },
        hub_domain: domain,
        user_email: grant.info.user.clone().unwrap_or_default(),
        scopes: grant.info.scopes.clone(),
        token_kind: TokenKind::Oauth,
        base_url: client.config().base_url.clone(),
        client_id: Some(client_id.clone()),
        secret_store,
        connected_at: now.now(),
        account_type: proof.account_type.clone(),
        writable_properties: Some(proof.writable_properties.clone()),
    };
    Ok(ProvenConnection {
        connection,
        // The refresh token may have rotated during the checks.
        secret: session.refresh_token().await,
        client_secret: client_secret.map(|secret| (client_id, secret)),
        proof,
        rate_limit: client.rate_limit_seen(),
    })
}

impl Credentials {
    /// Where a new connection's secret goes: the OS keychain when it answers; the opted-into
    /// file when it doesn't; else the keychain's error, which says what to do.
    pub async fn choose_store(&self, insecure_file_store: bool) -> Result<SecretStoreKind, ConnectError> {
        match self.store(SecretStoreKind::Keychain).probe_async().await {
            Ok(()) => Ok(SecretStoreKind::Keychain),
            Err(error) if insecure_file_store && error.code() == "keychain_unavailable" => {
                self.store(SecretStoreKind::File).probe_async().await?;
                Ok(SecretStoreKind::File)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The OAuth app to connect with, and its client secret when it must be saved with the
    /// connection: the one given now, or one kept elsewhere. The app is the one named, else the
    /// build's own, else the one the store's last OAuth portal used.
    pub fn resolve_app(
        &self,
        store: &Store,
        client_id: Option<&str>,
        given_secret: Option<Secret>,
        secret_store: SecretStoreKind,
    ) -> Result<(OAuthApp, Option<Secret>), ConnectError> {
        let built_in = OAuthApp::built_in();
        let client_id = match (client_id, &built_in) {
            (Some(id), _) => id.trim().to_string(),
            (None, Some(app)) => app.client_id.clone(),
            (None, None) => {
                let mut portals = store.portals()?;
                portals.sort_by_key(|p| std::cmp::Reverse(p.connected_at));
                portals
                    .into_iter()
                    .filter(|p| p.token_kind == TokenKind::Oauth)
                    .find_map(|p| p.client_id)
                    .ok_or(ConnectError::NoApp)?
            }
        };
        if client_id.is_empty() || !client_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConnectError::InvalidClientId(client_id));
        }
        if let Some(secret) = given_secret {
            return Ok((OAuthApp::new(client_id, secret.clone()), Some(secret)));
        }
        if let Some(app) = built_in.filter(|app| app.client_id == client_id) {
            return Ok((app, None));
        }
        let entry = self.client_secret_entry(&client_id);
        let kept = [secret_store, SecretStoreKind::Keychain, SecretStoreKind::File]
            .into_iter()
            .find_map(|kind| self.store(kind).get(&entry).ok().flatten());
        match kept {
            // Saved again where this connection's secrets go, so it is found there later.
            Some(secret) => Ok((OAuthApp::new(client_id, secret.clone()), Some(secret))),
            None => Err(ConnectError::ClientSecretMissing(client_id)),
        }
    }

    /// Keeps a proven connection's secret (and a client secret), then saves the portal as the
    /// active one; the secret is removed again if the portal can't be saved. A token of the
    /// other kind or in the other store for this portal is stale from now on and deleted. Only
    /// local work: an app holding a lock on its store holds it for no network call.
    pub async fn save(&self, store: &mut Store, proven: ProvenConnection) -> Result<Connected, ConnectError> {
        let ProvenConnection { connection, secret, client_secret, proof, rate_limit } = proven;
        let secrets = self.store(connection.secret_store).clone();
        let entry = self.portal_entry(connection.portal_id, connection.token_kind);
        secrets.set_async(&entry, &secret).await?;
        if let Some((client_id, client_secret)) = &client_secret {
            secrets.set_async(&self.client_secret_entry(client_id), client_secret).await?;
        }
        let previously_active = store.active_portal()?.map(|p| p.portal_id).filter(|id| *id != connection.portal_id);
        let portal = match store.connect_portal(&connection) {
            Ok(portal) => portal,
            Err(error) => {
                let _ = secrets.delete_async(&entry).await;
                return Err(error.into());
            }
        };
        for kind in [SecretStoreKind::Keychain, SecretStoreKind::File] {
            if kind == SecretStoreKind::File && !self.has_secret_file() {
                continue;
            }
            for token_kind in [TokenKind::Oauth, TokenKind::PrivateApp] {
                let stale = self.portal_entry(portal.portal_id, token_kind);
                if (kind, stale.as_str()) != (portal.secret_store, entry.as_str()) {
                    let _ = self.store(kind).delete_async(&stale).await;
                }
            }
        }
        Ok(Connected {
            secret_kept_in: secrets.describe(),
            portal,
            time_zone: proof.time_zone,
            not_checked: vec![CONTACTS_WRITE],
            checks: proof.checks,
            rate_limit,
            previously_active,
        })
    }

    /// A client for a saved portal with the secret kept for it: an OAuth session that refreshes
    /// (saving whatever refresh token HubSpot hands back), or the private token, which
    /// `token_override` (the CLI's `HUBSYNC_TOKEN`, the built-in sandbox's own token) replaces.
    /// The client refuses every request if its token answers for another portal.
    pub fn client_for(
        &self,
        portal: Portal,
        mut config: ClientConfig,
        token_override: Option<Secret>,
        clock: Arc<dyn Clock>,
    ) -> Result<PortalClient, ConnectError> {
        // Whatever token it is given, the client answers only for this portal: a token of
        // another one (a stray `HUBSYNC_TOKEN`, an address another server took) reads and
        // writes nothing.
        config.expected_portal = Some(portal.portal_id);
        let secrets = self.store(portal.secret_store).clone();
        let entry = self.portal_entry(portal.portal_id, portal.token_kind);
        if portal.token_kind != TokenKind::Oauth {
            let token = match token_override {
                Some(token) => token,
                None => secrets
                    .get(&entry)?
                    .ok_or_else(|| ConnectError::NoToken { label: portal.label(), store: secrets.describe() })?,
            };
            let client = static_client(config, token)?;
            return Ok(PortalClient { client, portal, session: None });
        }
        let refresh_token = secrets.get(&entry)?.ok_or_else(|| {
            reconnect_needed(&portal, &format!("no refresh token is kept for it in the {}", secrets.describe()))
        })?;
        let oauth = self.oauth_for(&portal)?;
        let session = Arc::new(OAuthSession::new(oauth, refresh_token, clock).on_new_refresh_token(move |token| {
            // HubSpot may rotate refresh tokens: the new one is the one that works.
            if let Err(error) = secrets.set(&entry, token) {
                tracing::error!(%error, "could not save the new refresh token; the next start may need a reconnect");
            }
        }));
        let client = session_client(config, session.clone())?;
        Ok(PortalClient { client, portal, session: Some(session) })
    }

    /// The OAuth app of an OAuth portal: the build's own, or the admin's with its client secret
    /// from where the portal's secrets are kept.
    pub fn oauth_for(&self, portal: &Portal) -> Result<HubSpotOAuth, ConnectError> {
        let client_id = portal.client_id.clone().unwrap_or_default();
        let app = match OAuthApp::built_in().filter(|app| app.client_id == client_id) {
            Some(app) => app,
            None => {
                let secrets = self.store(portal.secret_store);
                let secret = secrets.get(&self.client_secret_entry(&client_id))?.ok_or_else(|| {
                    reconnect_needed(
                        portal,
                        &format!(
                            "the client secret of the HubSpot app {client_id} is not in the {}",
                            secrets.describe()
                        ),
                    )
                })?;
                OAuthApp::new(client_id, secret)
            }
        };
        Ok(HubSpotOAuth::new(app, endpoints_for(&portal.base_url))?)
    }

    /// Disconnects a portal: revokes an OAuth refresh token at HubSpot (saying why when it
    /// can't), deletes the secret, and marks the portal disconnected, which stops every sync with
    /// it. Its mapping, rules, lead links and runs stay for a reconnect.
    pub async fn disconnect(&self, store: &mut Store, portal: &Portal) -> Result<Disconnected, ConnectError> {
        const BY_HAND: &str = "remove Hubsync under Connected apps in HubSpot's settings";
        if portal.is_sandbox() {
            // Its token is the app's own and was never kept anywhere: nothing to revoke or delete.
            let portal =
                store.set_portal_status(portal.portal_id, PortalStatus::Disconnected, Some("disconnected by you"))?;
            return Ok(Disconnected { portal, revoked: false, not_revoked: None, secret_deleted: false });
        }
        let secrets = self.store(portal.secret_store).clone();
        let entry = self.portal_entry(portal.portal_id, portal.token_kind);
        let secret = secrets.get_async(&entry).await?;
        let (revoked, not_revoked) = match (portal.token_kind, &secret) {
            (TokenKind::Oauth, Some(refresh_token)) => match self.oauth_for(portal) {
                Ok(oauth) => match oauth.revoke(refresh_token).await {
                    Ok(()) => (true, None),
                    Err(error) => (false, Some(format!("{error}; {BY_HAND}"))),
                },
                Err(error) => (false, Some(format!("{error}; {BY_HAND}"))),
            },
            (TokenKind::Oauth, None) => (false, Some("no refresh token was kept, so there was nothing to revoke".into())),
            _ => (
                false,
                Some(
                    "HubSpot has no API to revoke a private app token: rotate it in the app's settings if it may have leaked"
                        .into(),
                ),
            ),
        };
        let secret_deleted = secrets.delete_async(&entry).await?;
        let portal =
            store.set_portal_status(portal.portal_id, PortalStatus::Disconnected, Some("disconnected by you"))?;
        Ok(Disconnected { portal, revoked, not_revoked, secret_deleted })
    }
}

/// Test Connection's token check: the OAuth token info (portal, user, scopes, time left), or
/// the account details a private token reads.
pub async fn token_facts(client: &PortalClient) -> Result<TokenFacts, String> {
    match &client.session {
        Some(session) => {
            let token = session.access_token().await.map_err(|e| e.to_string())?;
            let info = session.oauth().token_info(&token).await.map_err(|e| e.to_string())?;
            if let Err(missing) = check_scopes(&info.scopes) {
                return Err(format!("the token lacks the scope(s) {}", missing.join(", ")));
            }
            let minutes =
                info.expires_in.map(|s| format!(", expires in {} min (refreshed ahead)", s / 60)).unwrap_or_default();
            let domain = if info.hub_domain.is_empty() { "an unnamed portal" } else { &info.hub_domain };
            // The token info doesn't say what kind of account the portal is; its details do. A
            // failure here fails no check: the later ones say what is wrong.
            let account_type = client.account_details().await.ok().and_then(|account| account.account_type);
            Ok(TokenFacts {
                portal_id: info.hub_id,
                detail: format!(
                    "OAuth token for {domain} by {}, every needed scope granted{minutes}",
                    info.user.as_deref().unwrap_or("an unnamed user")
                ),
                account_type,
                scopes: Some(info.scopes),
            })
        }
        None => {
            let account = client.account_details().await.map_err(|e| explain(&e))?;
            Ok(TokenFacts {
                portal_id: account.portal_id,
                detail: format!("token accepted by portal {}", account.portal_id),
                account_type: account.account_type,
                scopes: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_secret_is_trimmed_and_must_be_one_word() {
        assert_eq!(pasted_secret("  pat-na1-abc\n").unwrap().expose(), "pat-na1-abc");
        assert_eq!(pasted_secret(" \n").unwrap_err(), PastedSecretProblem::Empty);
        assert_eq!(pasted_secret("pat-na1 abc").unwrap_err(), PastedSecretProblem::NotOneWord);
        assert_eq!(pasted_secret("pat-na1-é").unwrap_err(), PastedSecretProblem::NotOneWord);
    }
}
