//! `hubsync status`: the connection, the store's counts, the push rules, and (when connected)
//! the rate limit HubSpot reports on one cheap call.

use std::path::PathBuf;

use hubsync_api::status::{self, DailyUse, StoreCounts, WorkspaceStatus};
use hubsync_auth::connection::thousands;
use hubsync_hubspot::RateLimitSeen;
use hubsync_store::{Portal, PushRules};
use serde::Serialize;

use crate::commands::connect::describe_rate_limit;
use crate::commands::portals::{describe_environment, describe_kind, describe_status};
use crate::context::{Context, TOKEN_ENV, env_token_applies};
use crate::error::CliError;
use crate::output::{emit, on_off, pairs};

#[derive(Debug, Serialize)]
pub struct Status {
    pub db_path: PathBuf,
    pub connection: Option<ConnectionStatus>,
    pub counts: StoreCounts,
    pub push_rules: PushRules,
    /// The live check; `None` when not connected.
    pub portal: Option<PortalCheck>,
    /// The active portal's daily API use, as HubSpot last stated it to any process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_use: Option<DailyUse>,
}

#[derive(Debug, Serialize)]
pub struct ConnectionStatus {
    #[serde(flatten)]
    pub portal: Portal,
    /// Where its token comes from, in words: the keychain, the opted-into file, or
    /// `HUBSYNC_TOKEN`.
    pub token_kept_in: String,
    /// Other portals this store knows (`hubsync portals list`).
    pub other_portals: usize,
}

#[derive(Debug, Serialize)]
pub struct PortalCheck {
    pub reachable: bool,
    /// The portal the token answered for (it should be the saved one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portal_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitSeen>,
    /// Why the portal could not be reached, with this command line's hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<CliError>,
}

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let WorkspaceStatus { db_path, active, other_portals, counts, push_rules, check, daily_use } =
        status::status(&ctx.ws).await?;
    let status = Status {
        db_path,
        connection: active.map(|portal| {
            let token_kept_in = if env_token_applies(&portal) {
                format!("environment variable {TOKEN_ENV} (overrides the kept token)")
            } else {
                ctx.ws.credentials.store(portal.secret_store).describe()
            };
            ConnectionStatus { portal, token_kept_in, other_portals }
        }),
        counts,
        push_rules,
        portal: check.map(|c| PortalCheck {
            reachable: c.reachable,
            portal_id: c.portal_id,
            rate_limit: c.rate_limit,
            error: c.error.map(CliError::from),
        }),
        daily_use,
    };
    emit(ctx.json, &status, render)
}

fn render(s: &Status) -> String {
    let mut rows = vec![("lead store", s.db_path.display().to_string())];
    match &s.connection {
        None => rows.push(("connection", "not connected (`hubsync connect --oauth`, or `--token -`)".into())),
        Some(c) => {
            let info = &c.portal;
            rows.push(("connection", format!("{} ({})", info.label(), describe_kind(info))));
            rows.push(("environment", describe_environment(info)));
            rows.push((
                "status",
                match &info.status_detail {
                    Some(detail) => format!("{}: {detail}", describe_status(info)),
                    None => describe_status(info),
                },
            ));
            let user =
                if info.user_email.is_empty() { "(none: the token belongs to an app)" } else { &info.user_email };
            rows.push(("user", user.to_string()));
            rows.push(("scopes", info.scopes.join(", ")));
            rows.push(("token kept in", c.token_kept_in.clone()));
            rows.push(("base URL", info.base_url.clone()));
            rows.push(("connected at", info.connected_at.to_rfc3339()));
            if c.other_portals > 0 {
                rows.push(("other portals", format!("{} (`hubsync portals list`)", c.other_portals)));
            }
        }
    }
    if let Some(portal) = &s.portal {
        let live = match &portal.error {
            Some(error) => format!("could not be reached: {error}"),
            None => {
                let saved = s.connection.as_ref().map(|c| c.portal.portal_id);
                match portal.portal_id.filter(|id| Some(*id) != saved) {
                    Some(other) => format!("reachable, but the token answers for portal {other}: connect again"),
                    None => "reachable".to_string(),
                }
            }
        };
        rows.push(("portal", live));
        if let Some(seen) = &portal.rate_limit {
            rows.push(("rate limit", describe_rate_limit(seen)));
        }
    }
    if let Some(daily) = &s.daily_use {
        rows.push(("today's API use", describe_daily_use(daily)));
    }
    let c = &s.counts;
    rows.push(("leads", format!("{} ({} linked to a HubSpot contact)", c.leads, c.linked_leads)));
    rows.push(("custom fields", c.custom_fields.to_string()));
    rows.push(("mapping rows", c.mappings.to_string()));
    rows.push((
        "push rules",
        format!("update {}, create {}", on_off(s.push_rules.update), on_off(s.push_rules.create)),
    ));
    pairs(&rows)
}

/// "1,234 of 250,000 calls (0.5 %), 10 % kept free for the portal's other apps; as of 14:02 UTC".
fn describe_daily_use(daily: &DailyUse) -> String {
    let share = daily.used as f64 * 100.0 / daily.limit.max(1) as f64;
    format!(
        "{} of {} calls ({share:.1} %), {} % kept free for the portal's other apps; as HubSpot said at {}",
        thousands(daily.used),
        thousands(daily.limit),
        daily.reserve_percent,
        daily.seen_at.format("%Y-%m-%d %H:%M UTC")
    )
}
