//! `hubsync connect --oauth | --token`, `hubsync test-connection`, `hubsync disconnect`.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hubsync_auth::connection::{CONTACTS_READ, CONTACTS_WRITE, ConnectionReport, OWNERS_READ, TokenFacts};
use hubsync_auth::keychain::SecretStore;
use hubsync_auth::loopback::{CancelHandle, DEFAULT_CALLBACK_PORTS};
use hubsync_auth::oauth::{ConnectOptions, HubSpotOAuth, OAuthApp, PendingConnect};
use hubsync_auth::session::{OAuthSession, SystemClock as AuthClock};
use hubsync_hubspot::{ClientError, HubSpotClient, PortalLimiter, RateLimitSeen, Secret, TokenSource};
use hubsync_store::{Clock, Portal, PortalConnection, PortalStatus, SecretStoreKind, SystemClock, TokenKind};
use serde::Serialize;

use crate::cli::{ConnectArgs, DisconnectArgs};
use crate::commands::portals::{describe_kind, find_portal};
use crate::context::{
    Context, PortalClient, TOKEN_ENV, client_config, endpoints_for, env_token_set, interactive, legacy_token_file,
    new_client,
};
use crate::error::{CliError, Reported, codes};
use crate::output::{emit, pairs, warn};

/// One thing connect proved the token can do.
#[derive(Debug, Serialize)]
pub struct Check {
    pub check: &'static str,
    /// The scope it proves, if any.
    pub scope: Option<&'static str>,
    pub detail: String,
}

/// What connect saved and proved.
#[derive(Debug, Serialize)]
pub struct Connected {
    #[serde(flatten)]
    pub portal: Portal,
    pub time_zone: Option<String>,
    /// Scopes a read can't prove.
    pub not_checked: Vec<&'static str>,
    pub checks: Vec<Check>,
    pub rate_limit: RateLimitSeen,
    /// Where the refresh token (or private token) is kept, in words.
    pub secret_kept_in: String,
    /// Another portal was active until now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previously_active: Option<u64>,
}

pub async fn run(ctx: &mut Context, args: ConnectArgs) -> anyhow::Result<()> {
    let base_url = args.base_url.trim().trim_end_matches('/').to_string();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(CliError::usage(format!("--base-url {base_url:?} is not an http:// or https:// address")).into());
    }
    // Before the browser opens or a token is checked: is there anywhere to keep the secret?
    let secret_store = secret_store_for(ctx, args.insecure_file_store).await?;
    match &args.token {
        Some(token) => connect_token(ctx, &args, base_url, secret_store, read_secret(token, "--token")?).await,
        None => connect_oauth(ctx, &args, base_url, secret_store).await,
    }
}

/// The OS keychain when it answers; the opted-into file when it doesn't; else the keychain's
/// error, which says what to do.
async fn secret_store_for(ctx: &Context, insecure_file_store: bool) -> anyhow::Result<SecretStoreKind> {
    let keychain = ctx.credentials.store(SecretStoreKind::Keychain);
    match keychain.probe_async().await {
        Ok(()) => Ok(SecretStoreKind::Keychain),
        Err(error) if insecure_file_store && error.code() == "keychain_unavailable" => {
            warn(
                ctx.json,
                &format!(
                    "no OS keychain is available; as asked, the token is kept in {}",
                    ctx.credentials.store(SecretStoreKind::File).describe()
                ),
            );
            ctx.credentials.store(SecretStoreKind::File).probe_async().await.map_err(secret_error)?;
            Ok(SecretStoreKind::File)
        }
        Err(error) => Err(secret_error(error).into()),
    }
}

fn secret_error(error: hubsync_auth::keychain::SecretStoreError) -> CliError {
    CliError::new(error.code(), error.to_string())
}

async fn connect_token(
    ctx: &mut Context,
    args: &ConnectArgs,
    base_url: String,
    secret_store: SecretStoreKind,
    token: Secret,
) -> anyhow::Result<()> {
    let token_kind = TokenKind::from(args.kind);
    let mut config = client_config(&base_url, token_kind);
    interactive(&mut config);
    let client = new_client(config, token.clone())?;
    let proof = prove(&client).await?;
    let connection = PortalConnection {
        portal_id: proof.portal_id,
        name: proof.name.clone(),
        hub_domain: proof.hub_domain.clone(),
        // A private app token belongs to the app, not to a user.
        user_email: String::new(),
        scopes: vec![CONTACTS_READ.to_string(), OWNERS_READ.to_string()],
        token_kind,
        base_url: client.config().base_url.clone(),
        client_id: None,
        secret_store,
        connected_at: SystemClock.now(),
    };
    let rate_limit = client.rate_limit_seen();
    save(ctx, connection, &token, None, proof, rate_limit).await
}

async fn connect_oauth(
    ctx: &mut Context,
    args: &ConnectArgs,
    base_url: String,
    secret_store: SecretStoreKind,
) -> anyhow::Result<()> {
    let (app, new_client_secret) = oauth_app(ctx, args, secret_store)?;
    let oauth = HubSpotOAuth::new(app.clone(), endpoints_for(&base_url)).map_err(auth_error)?;
    let cancel = CancelHandle::new();
    let options = ConnectOptions {
        ports: args.port.map_or_else(|| DEFAULT_CALLBACK_PORTS.to_vec(), |port| vec![port]),
        timeout: Duration::from_secs(args.timeout.max(1)),
        cancel: cancel.clone(),
        ..ConnectOptions::default()
    };
    let pending = PendingConnect::start(oauth.clone(), options).await.map_err(auth_error)?;
    let url = pending.authorize_url().to_string();
    let minutes = args.timeout.div_ceil(60);
    if args.no_browser {
        eprintln!("Open this address in a browser to connect HubSpot:\n  {url}");
    } else {
        eprintln!("Opening HubSpot's consent page in your browser. If it does not open, visit:\n  {url}");
        if let Err(error) = open::that_detached(&url) {
            eprintln!("(the browser could not be opened: {error})");
        }
    }
    eprintln!("Waiting up to {minutes} min for your approval (Ctrl-C cancels)...");
    let grant = tokio::select! {
        grant = pending.finish() => grant.map_err(auth_error)?,
        _ = tokio::signal::ctrl_c() => {
            cancel.cancel();
            return Err(CliError::new(codes::CANCELLED, "connecting to HubSpot was cancelled; nothing was saved").into());
        }
    };
    let session = Arc::new(OAuthSession::from_grant(oauth, &grant, Arc::new(AuthClock)));
    let mut config = client_config(&base_url, TokenKind::Oauth);
    interactive(&mut config);
    let limiter = Arc::new(PortalLimiter::new(config.limits));
    let source: Arc<dyn TokenSource> = session.clone();
    let client = HubSpotClient::with_token_source(config, source, limiter)?;
    let proved = prove(&client).await.and_then(|proof| match proof.portal_id == grant.info.hub_id {
        true => Ok(proof),
        false => Err(CliError::new(
            codes::NOT_CONNECTED,
            format!(
                "HubSpot's token info says portal {}, its account details portal {}; nothing was saved",
                grant.info.hub_id, proof.portal_id
            ),
        )
        .into()),
    });
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
    let name = if grant.info.hub_domain.is_empty() { proof.name.clone() } else { grant.info.hub_domain.clone() };
    let connection = PortalConnection {
        portal_id: grant.info.hub_id,
        name,
        hub_domain: if grant.info.hub_domain.is_empty() {
            proof.hub_domain.clone()
        } else {
            grant.info.hub_domain.clone()
        },
        user_email: grant.info.user.clone().unwrap_or_default(),
        scopes: grant.info.scopes.clone(),
        token_kind: TokenKind::Oauth,
        base_url: client.config().base_url.clone(),
        client_id: Some(app.client_id.clone()),
        secret_store,
        connected_at: SystemClock.now(),
    };
    // The refresh token may have rotated during the checks.
    let refresh_token = session.refresh_token().await;
    let client_secret = new_client_secret.map(|secret| (app.client_id.clone(), secret));
    let rate_limit = client.rate_limit_seen();
    save(ctx, connection, &refresh_token, client_secret, proof, rate_limit).await
}

/// The OAuth app to connect with, and its client secret when it was given now (to be saved).
fn oauth_app(
    ctx: &Context,
    args: &ConnectArgs,
    secret_store: SecretStoreKind,
) -> anyhow::Result<(OAuthApp, Option<Secret>)> {
    let given_secret = args.client_secret.as_deref().map(|s| read_secret(s, "--client-secret")).transpose()?;
    let built_in = OAuthApp::built_in();
    let client_id = match (&args.client_id, &built_in) {
        (Some(id), _) => id.trim().to_string(),
        (None, Some(app)) => app.client_id.clone(),
        (None, None) => last_client_id(ctx)?.ok_or_else(|| {
            CliError::usage("no HubSpot app to connect with: this build has none built in and none was used before")
                .with_hint(
                    "create a HubSpot app as the README's \"Connect with OAuth\" explains, then run \
                     `hubsync connect --oauth --client-id ID --client-secret -` and paste its secret",
                )
        })?,
    };
    if client_id.is_empty() || !client_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(CliError::usage(format!("--client-id {client_id:?} is not a HubSpot app's client id")).into());
    }
    if let Some(secret) = given_secret {
        return Ok((OAuthApp::new(client_id, secret.clone()), Some(secret)));
    }
    if let Some(app) = built_in.filter(|app| app.client_id == client_id) {
        return Ok((app, None));
    }
    let entry = ctx.credentials.client_secret_entry(&client_id);
    let kept = [secret_store, SecretStoreKind::Keychain, SecretStoreKind::File]
        .into_iter()
        .find_map(|kind| ctx.credentials.store(kind).get(&entry).ok().flatten());
    match kept {
        // Kept where this connection's secrets go: saved there again, so it is found later.
        Some(secret) => Ok((OAuthApp::new(client_id, secret.clone()), Some(secret))),
        None => Err(CliError::usage(format!("the client secret of the HubSpot app {client_id} is not kept yet"))
            .with_hint(format!("add `--client-secret -` and paste it (app {client_id}, Auth tab in HubSpot)"))
            .into()),
    }
}

/// The client id of the OAuth portal connected most recently.
fn last_client_id(ctx: &Context) -> anyhow::Result<Option<String>> {
    let mut portals = ctx.store.portals()?;
    portals.sort_by_key(|p| std::cmp::Reverse(p.connected_at));
    Ok(portals.into_iter().filter(|p| p.token_kind == TokenKind::Oauth).find_map(|p| p.client_id))
}

fn auth_error(error: hubsync_auth::oauth::AuthError) -> anyhow::Error {
    CliError::new(error.code(), error.to_string()).into()
}

/// What the checks proved about the portal.
#[derive(Debug)]
struct Proof {
    portal_id: u64,
    name: String,
    hub_domain: String,
    time_zone: Option<String>,
    checks: Vec<Check>,
}

/// Every check a new connection must pass before anything is saved.
async fn prove(client: &HubSpotClient) -> anyhow::Result<Proof> {
    let mut checks = Vec::new();
    let account = probe(client.account_details().await, "read the account details", None)?;
    checks.push(Check { check: "account details", scope: None, detail: format!("portal {}", account.portal_id) });
    let page = probe(client.list_contacts(1, None, &[]).await, "read contacts", Some(CONTACTS_READ))?;
    checks.push(Check {
        check: "contacts read",
        scope: Some(CONTACTS_READ),
        detail: if page.results.is_empty() {
            "the portal has no contacts yet".into()
        } else {
            "one contact read".into()
        },
    });
    let owners = probe(client.owners(false).await, "read owners", Some(OWNERS_READ))?;
    checks.push(Check {
        check: "owners read",
        scope: Some(OWNERS_READ),
        detail: format!("{} active owners", owners.len()),
    });
    let properties = probe(client.properties().await, "read contact properties", Some(CONTACTS_READ))?;
    checks.push(Check {
        check: "contact properties",
        scope: Some(CONTACTS_READ),
        detail: format!("{} properties", properties.len()),
    });
    let hub_domain = account.ui_domain.clone().unwrap_or_default();
    let name = if hub_domain.is_empty() { format!("Portal {}", account.portal_id) } else { hub_domain.clone() };
    Ok(Proof { portal_id: account.portal_id, name, hub_domain, time_zone: account.time_zone, checks })
}

/// Keeps the secret, then the portal (the secret is removed again if the portal can't be
/// saved), and reports.
async fn save(
    ctx: &mut Context,
    connection: PortalConnection,
    secret: &Secret,
    client_secret: Option<(String, Secret)>,
    proof: Proof,
    rate_limit: RateLimitSeen,
) -> anyhow::Result<()> {
    let store = ctx.credentials.store(connection.secret_store).clone();
    let entry = ctx.credentials.portal_entry(connection.portal_id, connection.token_kind);
    store.set_async(&entry, secret).await.map_err(secret_error)?;
    if let Some((client_id, client_secret)) = &client_secret {
        store.set_async(&ctx.credentials.client_secret_entry(client_id), client_secret).await.map_err(secret_error)?;
    }
    let previously_active = ctx.store.active_portal()?.map(|p| p.portal_id).filter(|id| *id != connection.portal_id);
    let portal = match ctx.store.connect_portal(&connection) {
        Ok(portal) => portal,
        Err(error) => {
            let _ = store.delete_async(&entry).await;
            return Err(error).context("cannot save the connection");
        }
    };
    // Tokens of the other kind or store for this portal are stale now.
    for kind in [SecretStoreKind::Keychain, SecretStoreKind::File] {
        if kind == SecretStoreKind::File && !ctx.credentials.has_secret_file() {
            continue;
        }
        for token_kind in [TokenKind::Oauth, TokenKind::PrivateApp] {
            let stale = ctx.credentials.portal_entry(portal.portal_id, token_kind);
            if (kind, stale.as_str()) != (portal.secret_store, entry.as_str()) {
                let _ = ctx.credentials.store(kind).delete_async(&stale).await;
            }
        }
    }
    let _ = std::fs::remove_file(legacy_token_file(&ctx.db_path));
    if env_token_set() && portal.token_kind != TokenKind::Oauth {
        warn(ctx.json, &format!("{TOKEN_ENV} is set: it overrides the token just saved until you unset it"));
    }
    let connected = Connected {
        secret_kept_in: store.describe(),
        portal,
        time_zone: proof.time_zone,
        not_checked: vec![CONTACTS_WRITE],
        checks: proof.checks,
        rate_limit,
        previously_active,
    };
    emit(ctx.json, &connected, render_connected)
}

fn render_connected(c: &Connected) -> String {
    let portal = &c.portal;
    let mut out = format!("Connected to HubSpot portal {} ({}).\n", portal.portal_id, portal.name);
    let mut rows = vec![("connection", describe_kind(portal))];
    if !portal.user_email.is_empty() {
        rows.push(("user", portal.user_email.clone()));
    }
    rows.extend([
        ("scopes", portal.scopes.join(", ")),
        ("token kept in", c.secret_kept_in.clone()),
        ("base URL", portal.base_url.clone()),
        ("time zone", c.time_zone.clone().unwrap_or_else(|| "(not given)".into())),
        ("rate limit", describe_rate_limit(&c.rate_limit)),
    ]);
    out.push_str(&pairs(&rows));
    out.push_str("checked:\n");
    for check in &c.checks {
        let scope = check.scope.map(|s| format!(" ({s})")).unwrap_or_default();
        out.push_str(&format!("  ok  {}{scope}: {}\n", check.check, check.detail));
    }
    for scope in &c.not_checked {
        out.push_str(&format!("not checked: {scope} (it takes a write; the first push checks it)\n"));
    }
    if let Some(previous) = c.previously_active {
        out.push_str(&format!(
            "Portal {previous} is no longer the active one; `hubsync portals use {previous}` switches back.\n"
        ));
    }
    out
}

/// `100 per 10 s (97 left); daily 250000 (249990 left)`, or what is known of it.
pub fn describe_rate_limit(seen: &RateLimitSeen) -> String {
    let Some(max) = seen.max else {
        return "HubSpot sent no rate-limit headers".into();
    };
    let interval = seen.interval_ms.map_or_else(|| "interval".to_string(), |ms| format!("{} s", ms as f64 / 1000.0));
    let mut text = format!("{max} per {interval}");
    if let Some(remaining) = seen.remaining {
        text.push_str(&format!(" ({remaining} left)"));
    }
    if let Some(daily) = seen.daily {
        text.push_str(&format!("; daily {daily}"));
        if let Some(left) = seen.daily_remaining {
            text.push_str(&format!(" ({left} left)"));
        }
    }
    text
}

pub fn or_unknown(text: &str) -> &str {
    if text.is_empty() { "domain unknown" } else { text }
}

/// The result of one check, or an error that says what failed, what HubSpot said and that
/// nothing was saved. A 403 without a named scope names the one the check needs.
fn probe<T>(result: Result<T, ClientError>, what: &str, scope: Option<&str>) -> anyhow::Result<T> {
    result.map_err(|error| {
        let mut cli = CliError::from(&error);
        if let (Some(scope), ClientError::Api { status: 403, body, message }) = (scope, &error)
            && body.as_ref().is_none_or(|b| b.missing_scopes().is_empty())
        {
            cli.message = format!("the token is missing the scope {scope} (HubSpot: {message})");
        }
        anyhow::Error::new(cli).context(format!("cannot {what} (nothing was saved)"))
    })
}

/// A secret from the argument, or from stdin for `-`. Never echoed back, not even in errors.
fn read_secret(arg: &str, flag: &str) -> anyhow::Result<Secret> {
    let raw = if arg == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).with_context(|| format!("cannot read {flag} from stdin"))?;
        text
    } else {
        arg.to_string()
    };
    let value = raw.trim();
    if value.is_empty() {
        let from = if arg == "-" { "stdin" } else { flag };
        return Err(CliError::usage(format!("nothing was given on {from}")).into());
    }
    if !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            CliError::usage(format!("the value of {flag} has spaces or characters HubSpot's can't have")).into()
        );
    }
    Ok(Secret::new(value))
}

// ---- test-connection ----

pub async fn test_connection(ctx: &mut Context) -> anyhow::Result<()> {
    let portal = ctx.active_portal()?;
    crate::context::usable(&portal)?;
    let client = ctx.client_with(interactive)?;
    let token_check = token_facts(&client);
    let report =
        hubsync_auth::connection::test_connection(&client, portal.token_kind, portal.portal_id, token_check).await;
    emit(ctx.json, &report, |r| render_report(&portal, r))?;
    if report.passed { Ok(()) } else { Err(Reported.into()) }
}

/// The token check: OAuth token info (portal, user, scopes, time left), or the account details
/// a private token reads.
async fn token_facts(client: &PortalClient) -> Result<TokenFacts, String> {
    match &client.session {
        Some(session) => {
            let token = session.access_token().await.map_err(|e| crate::error::CliError::from(&e).message)?;
            let oauth = session.oauth();
            let info = oauth.token_info(&token).await.map_err(|e| e.to_string())?;
            let missing = hubsync_auth::oauth::check_scopes(&info.scopes).err().unwrap_or_default();
            if !missing.is_empty() {
                return Err(format!("the token lacks the scope(s) {}", missing.join(", ")));
            }
            let minutes =
                info.expires_in.map(|s| format!(", expires in {} min (refreshed ahead)", s / 60)).unwrap_or_default();
            Ok(TokenFacts {
                portal_id: info.hub_id,
                detail: format!(
                    "OAuth token for {} by {}, every needed scope granted{minutes}",
                    or_unknown(&info.hub_domain),
                    info.user.as_deref().unwrap_or("an unnamed user")
                ),
            })
        }
        None => {
            let account = client.account_details().await.map_err(|e| hubsync_auth::connection::explain(&e))?;
            Ok(TokenFacts {
                portal_id: account.portal_id,
                detail: format!("token accepted by portal {}", account.portal_id),
            })
        }
    }
}

fn render_report(portal: &Portal, report: &ConnectionReport) -> String {
    let mut out = format!("Test connection to {} ({}):\n", portal.label(), describe_kind(portal));
    for check in &report.checks {
        let time = check.millis.map(|ms| format!(" ({ms} ms)")).unwrap_or_default();
        let mark = if check.passed { "ok  " } else { "FAIL" };
        out.push_str(&format!("  {mark} {}: {}{time}\n", check.check, check.detail));
    }
    out.push_str(if report.passed { "Every check passed.\n" } else { "Some checks failed: see above.\n" });
    out
}

// ---- disconnect ----

#[derive(Debug, Serialize)]
pub struct Disconnected {
    #[serde(flatten)]
    pub portal: Portal,
    /// The refresh token was revoked at HubSpot.
    pub revoked: bool,
    /// Why it wasn't, when it wasn't.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_revoked: Option<String>,
    /// The token was deleted from where it was kept.
    pub secret_deleted: bool,
    /// `HUBSYNC_TOKEN` is still set (and would be used by a new connection).
    pub token_env_set: bool,
}

pub async fn disconnect(ctx: &mut Context, args: DisconnectArgs) -> anyhow::Result<()> {
    let portal = match &args.portal {
        Some(wanted) => find_portal(ctx, wanted)?,
        None => ctx.active_portal()?,
    };
    let secret_store: SecretStore = ctx.credentials.store(portal.secret_store).clone();
    let entry = ctx.credentials.portal_entry(portal.portal_id, portal.token_kind);
    let secret = secret_store.get_async(&entry).await.map_err(secret_error)?;
    let (revoked, not_revoked) = match (portal.token_kind, &secret) {
        (TokenKind::Oauth, Some(refresh_token)) => match ctx.oauth_for(&portal) {
            Ok(oauth) => match oauth.revoke(refresh_token).await {
                Ok(()) => (true, None),
                Err(error) => (false, Some(format!("{error}; remove Hubsync under Connected apps in HubSpot's settings"))),
            },
            Err(error) => (false, Some(format!("{}; remove Hubsync under Connected apps in HubSpot's settings", error.message))),
        },
        (TokenKind::Oauth, None) => (false, Some("no refresh token was kept, so there was nothing to revoke".into())),
        _ => (
            false,
            Some("HubSpot has no API to revoke a private app token: rotate it in the app's settings if it may have leaked".into()),
        ),
    };
    // Syncing stops now: no token is left, and the status says why.
    let secret_deleted = secret_store.delete_async(&entry).await.map_err(secret_error)?;
    let _ = std::fs::remove_file(legacy_token_file(&ctx.db_path));
    let portal =
        ctx.store.set_portal_status(portal.portal_id, PortalStatus::Disconnected, Some("disconnected by you"))?;
    let report = Disconnected { portal, revoked, not_revoked, secret_deleted, token_env_set: env_token_set() };
    emit(ctx.json, &report, |r| {
        let mut out = format!("Disconnected from {}.\n", r.portal.label());
        if r.revoked {
            out.push_str("The refresh token was revoked at HubSpot.\n");
        } else if let Some(why) = &r.not_revoked {
            out.push_str(&format!("Not revoked at HubSpot: {why}.\n"));
        }
        if r.secret_deleted {
            out.push_str("The token was deleted from where it was kept.\n");
        }
        out.push_str(
            "Its mapping, rules, leads, lead links and runs are kept; connecting it again brings them back.\n",
        );
        if r.token_env_set {
            out.push_str(&format!("{TOKEN_ENV} is still set in your environment.\n"));
        }
        out
    })
}
