//! `hubsync connect --oauth | --token`, `hubsync test-connection`, `hubsync disconnect`: flags,
//! the browser and the terminal here; the connecting itself is the application layer's
//! (`hubsync_api::connect`), shared with the desktop app.

use std::io::Read;
use std::time::Duration;

use anyhow::Context as _;
use hubsync_api::connect::{self, ConnectTarget, OAuthOptions};
use hubsync_auth::connection::{ConnectionReport, ScopeState};
use hubsync_auth::oauth::in_words;
use hubsync_auth::portals::{Connected, Disconnected, PastedSecretProblem, pasted_secret};
use hubsync_hubspot::{RateLimitSeen, Secret};
use hubsync_store::{Portal, SecretStoreKind, TokenKind};
use serde::Serialize;

use crate::cli::{ConnectArgs, DisconnectArgs};
use crate::commands::portals::{describe_environment, describe_kind, find_portal};
use crate::context::{Context, TOKEN_ENV, env_token_set, interactive, legacy_token_file};
use crate::error::{CliError, Reported, codes};
use crate::output::{emit, note, pairs, warn};

pub async fn run(ctx: &mut Context, args: ConnectArgs) -> anyhow::Result<()> {
    // Before the browser opens or a token is read: is the address safe for a secret, and is
    // there anywhere to keep it?
    let target = connect::connect_target(&ctx.ws, &args.base_url, args.insecure_file_store).await?;
    if target.secret_store == SecretStoreKind::File {
        warn(
            ctx.json,
            &format!(
                "no OS keychain is available; as asked, the token is kept in {}",
                ctx.ws.credentials.store(SecretStoreKind::File).describe()
            ),
        );
    }
    let connected = match &args.token {
        Some(token) => {
            let token = read_secret(token, "--token")?;
            connect::connect_token(&ctx.ws, &target, &token, args.kind.into(), interactive).await?
        }
        None => connect_oauth(ctx, &args, &target).await?,
    };
    let _ = std::fs::remove_file(legacy_token_file(ctx.db_path()));
    if env_token_set() && connected.portal.token_kind != TokenKind::Oauth {
        warn(ctx.json, &format!("{TOKEN_ENV} is set: it overrides the token just saved until you unset it"));
    }
    emit(ctx.json, &connected, render_connected)
}

/// The browser's part: the consent URL shown (and opened unless `--no-browser`), the wait with
/// Ctrl-C to cancel; then the application layer proves and saves the grant.
async fn connect_oauth(ctx: &mut Context, args: &ConnectArgs, target: &ConnectTarget) -> anyhow::Result<Connected> {
    let given_secret = args.client_secret.as_deref().map(|s| read_secret(s, "--client-secret")).transpose()?;
    let mut options = OAuthOptions { timeout: Duration::from_secs(args.timeout.max(1)), ..OAuthOptions::default() };
    if let Some(port) = args.port {
        options.ports = vec![port];
    }
    let waits = in_words(options.timeout);
    let attempt = connect::oauth_start(&ctx.ws, target, args.client_id.as_deref(), given_secret, options).await?;
    let url = attempt.started.authorize_url.clone();
    if args.no_browser {
        note(format_args!("Open this address in a browser to connect HubSpot:\n  {url}"));
    } else {
        note(format_args!("Opening HubSpot's consent page in your browser. If it does not open, visit:\n  {url}"));
        if let Err(error) = open::that_detached(&url) {
            note(format_args!("(the browser could not be opened: {error})"));
        }
    }
    note(format_args!("Waiting up to {waits} for your approval (Ctrl-C cancels)..."));
    let approved = tokio::select! {
        approved = attempt.approved() => approved?,
        _ = tokio::signal::ctrl_c() => {
            connect::oauth_cancel(&ctx.ws);
            return Err(CliError::new(codes::CANCELLED, "connecting to HubSpot was cancelled; nothing was saved").into());
        }
    };
    Ok(approved.save(&ctx.ws, interactive).await?)
}

fn render_connected(c: &Connected) -> String {
    let portal = &c.portal;
    let mut out = format!("Connected to HubSpot portal {} ({}).\n", portal.portal_id, portal.name);
    let mut rows = vec![("connection", describe_kind(portal)), ("environment", describe_environment(portal))];
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

/// A secret from the argument, or from stdin for `-`. Never echoed back, not even in errors.
fn read_secret(arg: &str, flag: &str) -> anyhow::Result<Secret> {
    let raw = if arg == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).with_context(|| format!("cannot read {flag} from stdin"))?;
        text
    } else {
        arg.to_string()
    };
    pasted_secret(&raw).map_err(|problem| {
        let message = match problem {
            PastedSecretProblem::Empty => {
                let from = if arg == "-" { "stdin" } else { flag };
                format!("nothing was given on {from}")
            }
            PastedSecretProblem::NotOneWord => {
                format!("the value of {flag} has spaces or characters HubSpot's can't have")
            }
        };
        CliError::usage(message).into()
    })
}

// ---- test-connection ----

pub async fn test_connection(ctx: &mut Context) -> anyhow::Result<()> {
    let report = hubsync_api::connect::test_connection(&ctx.ws).await?;
    // Read after the test, which learned what kind of account the portal is.
    let portal = ctx.active_portal().await?;
    emit(ctx.json, &report, |r| render_report(&portal, r))?;
    if report.passed { Ok(()) } else { Err(Reported.into()) }
}

fn render_report(portal: &Portal, report: &ConnectionReport) -> String {
    let mut out = format!("Test connection to {} ({}):\n", portal.label(), describe_kind(portal));
    for check in &report.checks {
        let time = check.millis.map(|ms| format!(" ({ms} ms)")).unwrap_or_default();
        let mark = if check.passed { "ok  " } else { "FAIL" };
        out.push_str(&format!("  {mark} {}: {}{time}\n", check.check, check.detail));
    }
    out.push_str(&format!("Environment: {}.\n", describe_environment(portal)));
    out.push_str(if report.passed { "Every check passed.\n" } else { "Some checks failed: see above.\n" });
    if !report.scopes.is_empty() {
        out.push_str("Companies and deals (contacts sync without them):\n");
        for scope in &report.scopes {
            out.push_str(&format!("  {:<7} {}: {}\n", describe_scope_state(scope.state), scope.scope, scope.detail));
        }
    }
    out
}

/// `granted`, `MISSING`, `unknown`: a scope's state as the command line prints it.
pub fn describe_scope_state(state: ScopeState) -> &'static str {
    match state {
        ScopeState::Granted => "granted",
        ScopeState::Missing => "MISSING",
        ScopeState::Unknown => "unknown",
    }
}

// ---- disconnect ----

/// What `disconnect` reports: the core's account of it, and whether `HUBSYNC_TOKEN` is still
/// set (and would be used by a new connection).
#[derive(Debug, Serialize)]
pub struct DisconnectReport {
    #[serde(flatten)]
    pub disconnected: Disconnected,
    pub token_env_set: bool,
}

pub async fn disconnect(ctx: &mut Context, args: DisconnectArgs) -> anyhow::Result<()> {
    let portal = match &args.portal {
        Some(wanted) => find_portal(ctx, wanted).await?,
        None => ctx.active_portal().await?,
    };
    let disconnected =
        hubsync_api::connect::disconnect(&ctx.ws, Some(portal.portal_id), "from the command line").await?;
    let _ = std::fs::remove_file(legacy_token_file(ctx.db_path()));
    let report = DisconnectReport { disconnected, token_env_set: env_token_set() };
    emit(ctx.json, &report, |r| {
        let d = &r.disconnected;
        let mut out = format!("Disconnected from {}.\n", d.portal.label());
        if d.revoked {
            out.push_str("The refresh token was revoked at HubSpot.\n");
        } else if let Some(why) = &d.not_revoked {
            out.push_str(&format!("Not revoked at HubSpot: {why}.\n"));
        }
        if d.secret_deleted {
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
