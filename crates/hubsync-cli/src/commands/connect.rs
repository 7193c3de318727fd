//! `hubsync connect` and `hubsync disconnect`.

use std::io::Read;

use anyhow::Context as _;
use hubsync_hubspot::{ClientError, RateLimitSeen, Secret};
use hubsync_store::{Clock, ConnectionInfo, SystemClock, TokenKind};
use serde::Serialize;

use crate::cli::ConnectArgs;
use crate::context::{Context, client_config, interactive, new_client};
use crate::credentials::{TOKEN_ENV, TokenLocation};
use crate::error::CliError;
use crate::output::{emit, pairs, warn};

pub const CONTACTS_READ: &str = "crm.objects.contacts.read";
pub const OWNERS_READ: &str = "crm.objects.owners.read";
/// Proving it would take a write; the first push does.
pub const CONTACTS_WRITE: &str = "crm.objects.contacts.write";

/// One thing connect proved the token can do.
#[derive(Debug, Serialize)]
pub struct Check {
    pub check: &'static str,
    /// The scope it proves, if any.
    pub scope: Option<&'static str>,
    pub detail: String,
}

/// What connect saved and proved. The connection's fields are those `status` shows.
#[derive(Debug, Serialize)]
pub struct Connected {
    #[serde(flatten)]
    pub connection: ConnectionInfo,
    pub time_zone: Option<String>,
    /// Scopes a read can't prove.
    pub not_checked: Vec<&'static str>,
    pub checks: Vec<Check>,
    pub rate_limit: RateLimitSeen,
    pub token: TokenLocation,
}

pub async fn run(ctx: &mut Context, args: ConnectArgs) -> anyhow::Result<()> {
    let token = read_token(&args.token)?;
    let base_url = args.base_url.trim().trim_end_matches('/').to_string();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(CliError::usage(format!("--base-url {base_url:?} is not an http:// or https:// address")).into());
    }
    let token_kind = TokenKind::from(args.kind);
    let mut config = client_config(&base_url, token_kind);
    interactive(&mut config);
    let client = new_client(config, token.clone())?;

    // Every check first; nothing is saved unless all pass.
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

    let info = ConnectionInfo {
        portal_id: account.portal_id,
        hub_domain: account.ui_domain.clone().unwrap_or_default(),
        // A private app token belongs to the app, not to a user.
        user_email: String::new(),
        scopes: vec![CONTACTS_READ.to_string(), OWNERS_READ.to_string()],
        token_kind,
        base_url: client.config().base_url.clone(),
        connected_at: SystemClock.now(),
    };
    if let Some(previous) = ctx.store.connection()?.filter(|p| p.portal_id != info.portal_id) {
        warn(
            ctx.json,
            &format!(
                "the store was connected to portal {}; leads linked to its contacts keep those links",
                previous.portal_id
            ),
        );
    }
    ctx.credentials.save(&token)?;
    if let Err(error) = ctx.store.set_connection(&info) {
        let _ = ctx.credentials.delete();
        return Err(error).context("cannot save the connection");
    }
    let token_location = ctx.credentials.location();
    if matches!(token_location, TokenLocation::Env { .. }) {
        warn(ctx.json, &format!("{TOKEN_ENV} is set: it overrides the token just saved until you unset it"));
    }

    let connected = Connected {
        connection: info,
        time_zone: account.time_zone,
        not_checked: vec![CONTACTS_WRITE],
        checks,
        rate_limit: client.rate_limit_seen(),
        token: token_location,
    };
    emit(ctx.json, &connected, render_connected)
}

fn render_connected(c: &Connected) -> String {
    let info = &c.connection;
    let mut out = format!("Connected to HubSpot portal {} ({}).\n", info.portal_id, or_unknown(&info.hub_domain));
    out.push_str(&pairs(&[
        ("token", format!("{}, kept in {}", info.token_kind.as_str(), c.token.describe())),
        ("base URL", info.base_url.clone()),
        ("time zone", c.time_zone.clone().unwrap_or_else(|| "(not given)".into())),
        ("rate limit", describe_rate_limit(&c.rate_limit)),
    ]));
    out.push_str("checked:\n");
    for check in &c.checks {
        let scope = check.scope.map(|s| format!(" ({s})")).unwrap_or_default();
        out.push_str(&format!("  ok  {}{scope}: {}\n", check.check, check.detail));
    }
    for scope in &c.not_checked {
        out.push_str(&format!("not checked: {scope} (it takes a write; the first push checks it)\n"));
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

/// The token from the argument, or from stdin for `-`. Never echoed back, not even in errors.
fn read_token(arg: &str) -> anyhow::Result<Secret> {
    let raw = if arg == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read the token from stdin")?;
        text
    } else {
        arg.to_string()
    };
    let token = raw.trim();
    if token.is_empty() {
        let from = if arg == "-" { "stdin" } else { "--token" };
        return Err(CliError::usage(format!("no token was given on {from}")).into());
    }
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(CliError::usage("the token has spaces or characters a HubSpot token can't have").into());
    }
    Ok(Secret::new(token))
}

#[derive(Debug, Serialize)]
pub struct Disconnected {
    /// Whether there was a connection to forget.
    pub disconnected: bool,
    pub portal_id: Option<u64>,
    pub token_file_removed: bool,
    /// `HUBSYNC_TOKEN` is still set (and would be used by a new connection).
    pub token_env_set: bool,
}

pub fn disconnect(ctx: &mut Context) -> anyhow::Result<()> {
    let connection = ctx.store.connection()?;
    let token_file_removed = ctx.credentials.delete()?;
    ctx.store.clear_connection()?;
    let report = Disconnected {
        disconnected: connection.is_some(),
        portal_id: connection.map(|c| c.portal_id),
        token_file_removed,
        token_env_set: matches!(ctx.credentials.location(), TokenLocation::Env { .. }),
    };
    emit(ctx.json, &report, |r| {
        let mut out = match r.portal_id {
            Some(id) => format!("Disconnected from HubSpot portal {id}.\n"),
            None => "Was not connected.\n".to_string(),
        };
        if r.token_file_removed {
            out.push_str("The token file was deleted.\n");
        }
        out.push_str("Fields, leads, mappings and rules are kept.\n");
        if r.token_env_set {
            out.push_str(&format!("{TOKEN_ENV} is still set in your environment.\n"));
        }
        out
    })
}
