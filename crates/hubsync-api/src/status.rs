//! The workspace at a glance: the active portal, the store's counts, the push rules and, when
//! connected, whether the portal answers and what rate limit HubSpot reports on one cheap call,
//! and which of the companies and deals scopes its connection has.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use hubsync_auth::connection::ScopeCheck;
use hubsync_auth::portals::interactive;
use hubsync_hubspot::RateLimitSeen;
use hubsync_store::{LeadFilter, LeadQuery, Portal, PushRules};
use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;
use crate::workspace::Workspace;

#[derive(Debug, Serialize)]
pub struct WorkspaceStatus {
    pub db_path: PathBuf,
    pub active: Option<Portal>,
    /// Other portals the store knows.
    pub other_portals: usize,
    pub counts: StoreCounts,
    pub push_rules: PushRules,
    /// The live check; `None` when no portal is active.
    pub check: Option<PortalCheck>,
    /// The active portal's daily API use, as HubSpot last stated it to any process.
    pub daily_use: Option<DailyUse>,
}

/// A portal's daily API limit as the last reply that stated it said, by any process using the
/// store (private apps get the figures; OAuth apps have no daily limit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DailyUse {
    #[ts(type = "number")]
    pub limit: u64,
    #[ts(type = "number")]
    pub used: u64,
    #[ts(type = "number")]
    pub remaining: u64,
    /// The share kept free for the portal's other apps: runs stop before using it.
    pub reserve_percent: u8,
    #[ts(type = "string")]
    pub seen_at: DateTime<Utc>,
}

/// The active portal's daily use as last stated (none without an active portal, or before a
/// reply stated it).
pub async fn active_daily_use(ws: &Workspace) -> Result<Option<DailyUse>, ApiError> {
    let active = ws.store.lock().await.active_portal()?;
    match active {
        Some(portal) => daily_use(ws, &portal),
        None => Ok(None),
    }
}

/// `portal`'s daily use as last stated, if a reply ever stated it.
pub fn daily_use(ws: &Workspace, portal: &Portal) -> Result<Option<DailyUse>, ApiError> {
    let Some(seen) = ws.rate_ledgers.seen(portal.portal_id)? else { return Ok(None) };
    Ok(seen.daily.zip(seen.daily_remaining).map(|(limit, remaining)| DailyUse {
        limit,
        used: limit.saturating_sub(remaining),
        remaining,
        reserve_percent: portal.daily_reserve_percent,
        seen_at: seen.seen_at,
    }))
}

#[derive(Debug, Serialize)]
pub struct StoreCounts {
    pub leads: i64,
    /// Leads linked to a HubSpot contact.
    pub linked_leads: usize,
    pub custom_fields: usize,
    pub mappings: usize,
}

#[derive(Debug, Serialize)]
pub struct PortalCheck {
    pub reachable: bool,
    /// The portal the token answered for (it should be the active one).
    pub portal_id: Option<u64>,
    pub rate_limit: Option<RateLimitSeen>,
    /// The companies read and write and deals read scopes, as Test Connection finds them; none
    /// when the portal could not be reached.
    pub scopes: Vec<ScopeCheck>,
    /// Why the portal could not be reached, or can't be synced with.
    pub error: Option<ApiError>,
}

impl PortalCheck {
    fn failed(error: ApiError) -> PortalCheck {
        PortalCheck { reachable: false, portal_id: None, rate_limit: None, scopes: Vec::new(), error: Some(error) }
    }
}

pub async fn status(ws: &Workspace) -> Result<WorkspaceStatus, ApiError> {
    // The store is read, then let go: checking the portal locks it again.
    let (active, other_portals, counts, push_rules) = {
        let store = ws.store.lock().await;
        let fields = store.fields()?;
        let linked = LeadQuery { filters: vec![LeadFilter::Linked { linked: true }], limit: 0, ..LeadQuery::default() };
        let counts = StoreCounts {
            leads: store.lead_count()?,
            // Counted in SQL: reading every lead to count the linked ones would hold the table.
            linked_leads: store.query_leads(&linked)?.total as usize,
            custom_fields: fields.iter().filter(|f| !f.builtin).count(),
            mappings: store.mappings()?.len(),
        };
        (store.active_portal()?, store.portals()?.len().saturating_sub(1), counts, store.push_rules()?)
    };
    // A portal that can't be synced with is refused by `connected` before anything is sent.
    let check = match &active {
        Some(_) => Some(check_portal(ws).await),
        None => None,
    };
    // Read again: the check recorded itself, and what the portal's details say it is.
    let active = match check {
        Some(_) => ws.store.lock().await.active_portal()?,
        None => active,
    };
    // After the check, whose reply states the figures afresh.
    let daily_use = match &active {
        Some(portal) => daily_use(ws, portal)?,
        None => None,
    };
    Ok(WorkspaceStatus { db_path: ws.db_path.clone(), active, other_portals, counts, push_rules, check, daily_use })
}

/// One cheap call to the active portal: whether it answers, for which portal, and the rate
/// limit its headers report; then, when it answered for itself, its companies and deals scopes
/// (from an OAuth grant's list, else a cheap call each).
async fn check_portal(ws: &Workspace) -> PortalCheck {
    let client = match ws.connected(interactive).await {
        Ok((_, client)) => client,
        Err(error) => return PortalCheck::failed(error),
    };
    let answer = client.account_details().await;
    if let Err(error) = ws.record_outcome(&client).await {
        return PortalCheck::failed(error);
    }
    // The portal keeps the check and what its details say it is.
    let (passed, account_type) = match &answer {
        Ok(account) => (account.portal_id == client.portal.portal_id, account.account_type.as_deref()),
        Err(_) => (false, None),
    };
    if let Err(error) = ws.store.lock().await.record_portal_check(client.portal.portal_id, passed, account_type) {
        return PortalCheck::failed(error.into());
    }
    match answer {
        Ok(account) => {
            let rate_limit = Some(client.rate_limit_seen());
            let scopes = if passed { crate::connect::optional_scopes(&client).await } else { Vec::new() };
            if let Err(error) = ws.record_outcome(&client).await {
                return PortalCheck::failed(error);
            }
            PortalCheck { reachable: true, portal_id: Some(account.portal_id), rate_limit, scopes, error: None }
        }
        Err(error) => PortalCheck::failed(error.into()),
    }
}
