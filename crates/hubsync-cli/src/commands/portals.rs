//! `hubsync portals list | use PORTAL | reserve PERCENT`.

use hubsync_store::{Portal, PortalEnvironment, PortalStatus, TokenKind};
use serde::Serialize;

use crate::cli::PortalsCommand;
use crate::context::Context;
use crate::error::{CliError, codes};
use crate::output::{Table, emit, warn};

pub async fn run(ctx: &mut Context, command: PortalsCommand) -> anyhow::Result<()> {
    match command {
        PortalsCommand::List => list(ctx).await,
        PortalsCommand::Use { portal } => use_portal(ctx, &portal).await,
        PortalsCommand::Reserve { percent, portal } => reserve(ctx, percent, portal.as_deref()).await,
    }
}

async fn reserve(ctx: &mut Context, percent: u8, wanted: Option<&str>) -> anyhow::Result<()> {
    let portal_id = match wanted {
        Some(wanted) => Some(find_portal(ctx, wanted).await?.portal_id),
        None => None,
    };
    let portal = hubsync_api::connect::set_daily_reserve(&ctx.ws, portal_id, percent).await?;
    emit(ctx.json, &portal, |p| {
        format!(
            "{}: {} % of the daily API limit is kept free for the portal's other apps; runs stop before using it.\n",
            p.label(),
            p.daily_reserve_percent
        )
    })
}

#[derive(Debug, Serialize)]
struct PortalList {
    portals: Vec<Portal>,
}

async fn list(ctx: &Context) -> anyhow::Result<()> {
    let portals = hubsync_api::connect::portals_overview(&ctx.ws).await?.portals;
    emit(ctx.json, &PortalList { portals }, |list| {
        if list.portals.is_empty() {
            return "No portal connected yet: `hubsync connect --oauth` (or `--token -`).".into();
        }
        let mut table =
            Table::new(&["", "portal", "name", "environment", "connection", "status", "user", "connected at"]);
        for portal in &list.portals {
            table.row(vec![
                if portal.active { "*".into() } else { String::new() },
                portal.portal_id.to_string(),
                portal.name.clone(),
                describe_environment(portal),
                describe_kind(portal),
                describe_status(portal),
                if portal.user_email.is_empty() { "-".into() } else { portal.user_email.clone() },
                portal.connected_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            ]);
        }
        let mut out = table.render() + "* the active portal: syncs, the mapping and the rules are its own.\n";
        if list.portals.iter().any(|p| p.environment == PortalEnvironment::Unknown) {
            out.push_str(UNKNOWN_HINT);
        }
        out
    })
}

async fn use_portal(ctx: &mut Context, wanted: &str) -> anyhow::Result<()> {
    let portal = find_portal(ctx, wanted).await?;
    let portal = hubsync_api::connect::use_portal(&ctx.ws, portal.portal_id).await?;
    if portal.status != PortalStatus::Connected {
        warn(ctx.json, &format!("{} is {}: connect it again before syncing", portal.label(), describe_status(&portal)));
    }
    emit(ctx.json, &portal, |p| {
        format!(
            "Active portal: {} ({}). Its own mapping, rules and lead links are in use.\n",
            p.label(),
            describe_kind(p)
        )
    })
}

/// A portal by id or by name (any case), as `portals list` shows them.
pub async fn find_portal(ctx: &Context, wanted: &str) -> Result<Portal, CliError> {
    let wanted = wanted.trim();
    let portals = hubsync_api::connect::portals_overview(&ctx.ws).await?.portals;
    let found = match wanted.parse::<u64>() {
        Ok(id) => portals.into_iter().find(|p| p.portal_id == id),
        Err(_) => portals
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(wanted) || p.hub_domain.eq_ignore_ascii_case(wanted)),
    };
    found.ok_or_else(|| {
        CliError::new(codes::PORTAL_NOT_FOUND, format!("no portal {wanted:?} is known to this store"))
            .with_hint("`hubsync portals list` shows the portals")
    })
}

/// How the portal is connected, with the built-in sandbox marked as such.
pub fn describe_kind(portal: &Portal) -> String {
    let secret = match portal.secret_store {
        hubsync_store::SecretStoreKind::Keychain => "",
        hubsync_store::SecretStoreKind::File => ", token in a file",
    };
    let kind = match portal.token_kind {
        TokenKind::Oauth => "OAuth",
        TokenKind::PrivateApp => "private app token",
        TokenKind::ServiceKey => "service key",
        TokenKind::Sandbox => "built-in sandbox portal (not HubSpot)",
    };
    format!("{kind}{secret}")
}

/// What an unknown environment means and how to learn it.
pub const UNKNOWN_HINT: &str = "An environment not known yet is treated as production: \
`hubsync test-connection` on that portal learns what kind of account it is.\n";

/// Which kind of portal it is, in words: where a push lands.
pub fn describe_environment(portal: &Portal) -> String {
    match portal.environment {
        PortalEnvironment::BuiltinSandbox => "built-in sandbox (not HubSpot)".into(),
        PortalEnvironment::HubspotSandbox => "HubSpot sandbox account (test)".into(),
        PortalEnvironment::DeveloperTest => "developer test account (test)".into(),
        PortalEnvironment::AppDeveloper => "app developer account".into(),
        PortalEnvironment::Production => "production".into(),
        PortalEnvironment::Other => {
            format!("account type {} (treated as production)", portal.account_type.as_deref().unwrap_or("?"))
        }
        PortalEnvironment::Unknown => "not known yet (treated as production)".into(),
    }
}

pub fn describe_status(portal: &Portal) -> String {
    match portal.status {
        PortalStatus::Connected => "connected".into(),
        PortalStatus::ReconnectNeeded => "reconnect needed".into(),
        PortalStatus::Disconnected => "disconnected".into(),
    }
}
