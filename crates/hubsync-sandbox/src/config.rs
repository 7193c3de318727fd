//! Everything a sandbox portal is started with. The binary fills this from flags; tests and the
//! desktop app build it in code.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::control::ControlSecret;
use crate::faults::FaultConfig;
use crate::fixture::Fixture;

/// Scopes the sandbox knows. HubSpot has many more; these are the ones for the objects it serves
/// (contacts, companies, deals, their property schemas) and owners.
pub const KNOWN_SCOPES: &[&str] = &[
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.owners.read",
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
    "crm.schemas.companies.read",
    "crm.schemas.companies.write",
    "crm.schemas.deals.read",
    "crm.schemas.deals.write",
];

/// The HubSpot API usage tier of a private app / service key: it sets the 10-second burst and
/// the portal's daily limit (see the shared HubSpot facts, "Rate limits").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ApiTier {
    /// Free and Starter: 100 per 10 s, 250,000 a day.
    Starter,
    /// Professional: 190 per 10 s, 625,000 a day.
    Professional,
    /// Enterprise: 190 per 10 s, 1,000,000 a day.
    Enterprise,
    /// Enterprise with the API limit add-on: 250 per 10 s, 2,000,000 a day.
    AddOn,
}

impl ApiTier {
    pub fn burst_per_ten_seconds(self) -> u32 {
        match self {
            ApiTier::Starter => 100,
            ApiTier::Professional | ApiTier::Enterprise => 190,
            ApiTier::AddOn => 250,
        }
    }

    pub fn daily_limit(self) -> u64 {
        match self {
            ApiTier::Starter => 250_000,
            ApiTier::Professional => 625_000,
            ApiTier::Enterprise => 1_000_000,
            ApiTier::AddOn => 2_000_000,
        }
    }
}

/// A static private-app (or service-key) bearer token the portal accepts.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateToken {
    pub token: String,
    /// Granted scopes; every known scope when absent.
    #[serde(default = "all_scopes")]
    pub scopes: Vec<String>,
}

impl PrivateToken {
    /// A token with every scope the sandbox knows.
    pub fn new(token: impl Into<String>) -> Self {
        PrivateToken { token: token.into(), scopes: all_scopes() }
    }
}

pub(crate) fn all_scopes() -> Vec<String> {
    KNOWN_SCOPES.iter().map(|s| s.to_string()).collect()
}

/// A registered OAuth app: HubSpot refuses any redirect URI not registered here exactly.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    #[serde(default = "default_app_id")]
    pub app_id: u64,
}

fn default_app_id() -> u64 {
    2_000_001
}

/// What the portal does with a write that moves `lifecyclestage` backwards. HubSpot's documented
/// rule is "only forward"; whether the API ignores such a write or rejects it is not settled by
/// the public material, so both are available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LifecycleBackward {
    /// The write succeeds but the stage stays where it was.
    Ignore,
    /// The write fails with a VALIDATION_ERROR naming the property.
    Reject,
}

/// What kind of HubSpot account the portal says it is (account-info's `accountType`): a client
/// tells a test account from production by it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountType {
    /// A standard account: production data.
    Standard,
    /// A sandbox account, a copy of a standard one for testing. What a sandbox is, so the default.
    #[default]
    Sandbox,
    /// A developer test account.
    DeveloperTest,
    /// An app developer account.
    AppDeveloper,
}

impl AccountType {
    /// As HubSpot spells it: `STANDARD`, `SANDBOX`, `DEVELOPER_TEST`, `APP_DEVELOPER`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Standard => "STANDARD",
            AccountType::Sandbox => "SANDBOX",
            AccountType::DeveloperTest => "DEVELOPER_TEST",
            AccountType::AppDeveloper => "APP_DEVELOPER",
        }
    }
}

/// The portal's identity as account-info and token info report it. A fixture may give any part.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct PortalInfo {
    pub portal_id: u64,
    pub hub_domain: String,
    pub time_zone: String,
    /// The time zone's offset from UTC in minutes; the daily limit resets at this local midnight.
    pub utc_offset_minutes: i32,
    pub company_currency: String,
    /// The portal's other currencies (multi-currency portals): a deal's `deal_currency_code`
    /// must be the company currency or one of these.
    pub additional_currencies: Vec<String>,
    pub ui_domain: String,
    /// The OAuth user shown on the consent page and in token info.
    pub user_email: String,
    pub user_id: u64,
    pub account_type: AccountType,
}

impl PortalInfo {
    /// Every currency the portal accepts: the company currency first.
    pub fn currencies(&self) -> Vec<String> {
        let mut all = vec![self.company_currency.clone()];
        for code in &self.additional_currencies {
            if !all.contains(code) {
                all.push(code.clone());
            }
        }
        all
    }
}

impl Default for PortalInfo {
    fn default() -> Self {
        PortalInfo {
            portal_id: 24_681_357,
            hub_domain: "hubsync-sandbox.hubspot.test".into(),
            time_zone: "US/Eastern".into(),
            utc_offset_minutes: -300,
            company_currency: "USD".into(),
            additional_currencies: Vec::new(),
            ui_domain: "app.hubspot.com".into(),
            user_email: "admin@hubsync-sandbox.test".into(),
            user_id: 7_000_001,
            account_type: AccountType::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Seeds generated data and the fault dice, so a run can be repeated exactly.
    pub seed: u64,
    /// How many generated contacts to start with (owners and custom properties come with them).
    pub seed_contacts: usize,
    /// Data loaded at start, after the generated data.
    pub fixture: Option<Fixture>,
    /// Keep state in this SQLite file instead of memory; an existing file is reopened as it was.
    pub db_path: Option<PathBuf>,
    pub portal: PortalInfo,
    pub private_tokens: Vec<PrivateToken>,
    pub oauth_clients: Vec<OAuthClient>,
    /// Skip the consent page: the authorize URL redirects straight back with a code.
    pub oauth_auto_approve: bool,
    /// On "Deny", redirect back with `error=access_denied` instead of sending nothing back.
    pub oauth_deny_redirects: bool,
    /// Lifetime of OAuth access tokens in seconds (HubSpot: 1800).
    pub access_token_ttl_secs: u64,
    /// Whether the 10-second, daily and search limits are enforced.
    pub rate_limits: bool,
    pub tier: ApiTier,
    /// How long a write takes to become visible to search. HubSpot's search is eventually
    /// consistent: its documentation says a write reaches search "a few moments" later, and
    /// integrations see seconds. The default (`DEFAULT_SEARCH_DELAY_MS`) is that, so that
    /// every client of the sandbox meets the lag; a test that is not about it sets 0.
    pub search_visibility_delay_ms: u64,
    pub faults: FaultConfig,
    /// Date versions served beside v3 (`/crm/objects/{version}/contacts`, …).
    pub api_versions: Vec<String>,
    pub lifecycle_backward: LifecycleBackward,
    /// The control API (`/__sandbox/`) exists only with a secret, which every control request
    /// must carry; without one (the default, and the app's built-in portal) its paths answer as
    /// any path HubSpot doesn't know.
    pub control_secret: Option<ControlSecret>,
}

/// How long the sandbox's writes take to reach its search, unless configured otherwise: a
/// realistic few seconds.
pub const DEFAULT_SEARCH_DELAY_MS: u64 = 3_000;

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            seed: 1,
            seed_contacts: 0,
            fixture: None,
            db_path: None,
            portal: PortalInfo::default(),
            private_tokens: Vec::new(),
            oauth_clients: Vec::new(),
            oauth_auto_approve: false,
            oauth_deny_redirects: false,
            access_token_ttl_secs: 1800,
            rate_limits: true,
            tier: ApiTier::Starter,
            search_visibility_delay_ms: DEFAULT_SEARCH_DELAY_MS,
            faults: FaultConfig::default(),
            api_versions: vec!["2026-03".into(), "2026-09".into()],
            lifecycle_backward: LifecycleBackward::Ignore,
            control_secret: None,
        }
    }
}
