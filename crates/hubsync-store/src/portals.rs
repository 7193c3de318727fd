//! The portals this store has been connected to (`0006_portals.sql`): what is known of each,
//! whether it is connected, and which one is active. Every configuration read and write (the
//! mappings, the push, pull and company rules) and every lead's link goes to the active portal's
//! profile; a portal connected for the first time starts from a copy of the profile active then,
//! and from the standard mapping of the built-in fields when that copy maps only the email.
//!
//! A portal row holds no secret by construction: tokens and client secrets live in the OS
//! keychain (or, opted into, a file only the user can read), and `secret_store` says which.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::error::StoreError;
use crate::mapping::STANDARD_MAPPINGS;
use crate::store::{Store, parse_stamp, stamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum TokenKind {
    Oauth,
    PrivateApp,
    ServiceKey,
    Sandbox,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Oauth => "oauth",
            TokenKind::PrivateApp => "private-app",
            TokenKind::ServiceKey => "service-key",
            TokenKind::Sandbox => "sandbox",
        }
    }

    pub(crate) fn parse(raw: &str) -> Option<TokenKind> {
        [TokenKind::Oauth, TokenKind::PrivateApp, TokenKind::ServiceKey, TokenKind::Sandbox]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// Whether a portal can be synced with now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum PortalStatus {
    Connected,
    /// HubSpot refused the saved grant (revoked, app uninstalled) or the token must move: runs
    /// stop cleanly and resume once the admin connects the portal again.
    ReconnectNeeded,
    /// The admin disconnected it: no token is kept; its configuration, leads' links and runs are.
    Disconnected,
}

impl PortalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PortalStatus::Connected => "connected",
            PortalStatus::ReconnectNeeded => "reconnect-needed",
            PortalStatus::Disconnected => "disconnected",
        }
    }

    fn parse(raw: &str) -> Option<PortalStatus> {
        [PortalStatus::Connected, PortalStatus::ReconnectNeeded, PortalStatus::Disconnected]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// Where a portal's secret (refresh token or private token) is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum SecretStoreKind {
    /// The OS keychain (Secret Service, Keychain, Credential Manager).
    Keychain,
    /// A file readable only by the user, which the admin opted into.
    File,
}

impl SecretStoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretStoreKind::Keychain => "keychain",
            SecretStoreKind::File => "file",
        }
    }

    fn parse(raw: &str) -> Option<SecretStoreKind> {
        [SecretStoreKind::Keychain, SecretStoreKind::File].into_iter().find(|s| s.as_str() == raw)
    }
}

/// Which kind of portal a portal is, for the app to word and to switch on: where a push lands.
/// Made from the token kind (the built-in sandbox portal) and the account type HubSpot gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum PortalEnvironment {
    /// The built-in sandbox portal, a HubSpot-compatible server inside Hubsync: not HubSpot.
    BuiltinSandbox,
    /// A HubSpot sandbox account (`SANDBOX`): a copy of a production account, for testing.
    HubspotSandbox,
    /// A HubSpot developer test account (`DEVELOPER_TEST`).
    DeveloperTest,
    /// A HubSpot app developer account (`APP_DEVELOPER`), where apps are made.
    AppDeveloper,
    /// A standard HubSpot account (`STANDARD`): production, real customers' data.
    Production,
    /// HubSpot named an account type this Hubsync doesn't know (`account_type` says which):
    /// treated as production.
    Other,
    /// Not known yet: the portal was saved before Hubsync read its account type. Treated as
    /// production; Test Connection learns it.
    Unknown,
}

impl PortalEnvironment {
    /// The environment of a portal reached with a token of `kind` whose account details gave
    /// `account_type` (`None`: not read yet).
    pub fn of(kind: TokenKind, account_type: Option<&str>) -> PortalEnvironment {
        if kind == TokenKind::Sandbox {
            return PortalEnvironment::BuiltinSandbox;
        }
        match account_type {
            None => PortalEnvironment::Unknown,
            Some("STANDARD") => PortalEnvironment::Production,
            Some("SANDBOX") => PortalEnvironment::HubspotSandbox,
            Some("DEVELOPER_TEST") => PortalEnvironment::DeveloperTest,
            Some("APP_DEVELOPER") => PortalEnvironment::AppDeveloper,
            Some(_) => PortalEnvironment::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PortalEnvironment::BuiltinSandbox => "builtin-sandbox",
            PortalEnvironment::HubspotSandbox => "hubspot-sandbox",
            PortalEnvironment::DeveloperTest => "developer-test",
            PortalEnvironment::AppDeveloper => "app-developer",
            PortalEnvironment::Production => "production",
            PortalEnvironment::Other => "other",
            PortalEnvironment::Unknown => "unknown",
        }
    }

    /// Whether a write may land in real customers' data as far as Hubsync knows: production,
    /// and whatever it can't tell apart from it.
    pub fn may_be_production(self) -> bool {
        matches!(self, PortalEnvironment::Production | PortalEnvironment::Other | PortalEnvironment::Unknown)
    }
}

/// A portal as the store knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Portal {
    // HubSpot portal ids stay far below 2^53: a plain number in the page.
    #[ts(type = "number")]
    pub portal_id: u64,
    /// What the admin sees beside the id: the portal's domain, or "Built-in sandbox portal".
    pub name: String,
    pub hub_domain: String,
    /// The HubSpot user who approved an OAuth connection; empty for an app's token.
    pub user_email: String,
    pub scopes: Vec<String>,
    pub token_kind: TokenKind,
    pub base_url: String,
    /// OAuth: the app whose client secret refreshes the token.
    pub client_id: Option<String>,
    pub secret_store: SecretStoreKind,
    pub status: PortalStatus,
    /// Why the status is not `connected`, in words.
    pub status_detail: Option<String>,
    pub active: bool,
    pub connected_at: DateTime<Utc>,
    /// The share of the portal's daily API limit kept free for its other apps: a run stops
    /// before it would use it.
    pub daily_reserve_percent: u8,
    /// What HubSpot's account details say the portal is (`STANDARD`, `SANDBOX`,
    /// `DEVELOPER_TEST`, `APP_DEVELOPER`), as HubSpot spells it; `None` until Hubsync read it.
    pub account_type: Option<String>,
    /// Which kind of portal it is: the built-in sandbox, a HubSpot test account or production.
    pub environment: PortalEnvironment,
    /// When the portal was last checked (connected, Test Connection, a status check).
    pub checked_at: Option<DateTime<Utc>>,
    /// Whether that check passed.
    pub check_passed: Option<bool>,
}

/// The most of a daily limit that can be kept free: a run needs some of it.
pub const MAX_DAILY_RESERVE_PERCENT: u8 = 90;

impl Portal {
    /// The built-in sandbox portal (a HubSpot-compatible server inside Hubsync), not HubSpot.
    pub fn is_sandbox(&self) -> bool {
        self.token_kind == TokenKind::Sandbox
    }

    /// `Built-in sandbox portal (123)`, `acme.hubspot.com (456)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.portal_id)
    }
}

/// What connecting proved about a portal; `Store::connect_portal` saves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalConnection {
    pub portal_id: u64,
    pub name: String,
    pub hub_domain: String,
    pub user_email: String,
    pub scopes: Vec<String>,
    pub token_kind: TokenKind,
    pub base_url: String,
    pub client_id: Option<String>,
    pub secret_store: SecretStoreKind,
    pub connected_at: DateTime<Utc>,
    /// The account details' `accountType`, when connecting read it.
    pub account_type: Option<String>,
    /// The contact properties the portal takes writes to, when connecting read them: a new
    /// portal whose copied mapping holds only the email starts with the standard mapping
    /// (`STANDARD_MAPPINGS`) of these. `None`: not read, and the copy is kept as it is.
    pub writable_properties: Option<Vec<String>>,
}

const PORTAL_COLUMNS: &str = "portal_id, name, hub_domain, user_email, scopes, token_kind, base_url, client_id,
    secret_store, status, status_detail, active, connected_at, daily_reserve_percent, account_type, checked_at,
    check_passed";

fn read_portal(r: &rusqlite::Row<'_>) -> rusqlite::Result<Portal> {
    let conversion = |column: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, what.into())
    };
    let scopes: String = r.get(4)?;
    let kind: String = r.get(5)?;
    let secret_store: String = r.get(8)?;
    let status: String = r.get(9)?;
    let token_kind = TokenKind::parse(&kind).ok_or_else(|| conversion(5, format!("token kind {kind:?}")))?;
    let account_type: Option<String> = r.get(14)?;
    Ok(Portal {
        portal_id: r.get::<_, i64>(0)? as u64,
        name: r.get(1)?,
        hub_domain: r.get(2)?,
        user_email: r.get(3)?,
        scopes: serde_json::from_str(&scopes).map_err(|e| conversion(4, format!("scopes: {e}")))?,
        token_kind,
        base_url: r.get(6)?,
        client_id: r.get(7)?,
        secret_store: SecretStoreKind::parse(&secret_store)
            .ok_or_else(|| conversion(8, format!("secret store {secret_store:?}")))?,
        status: PortalStatus::parse(&status).ok_or_else(|| conversion(9, format!("status {status:?}")))?,
        status_detail: r.get(10)?,
        active: r.get(11)?,
        connected_at: parse_stamp(&r.get::<_, String>(12)?)?,
        daily_reserve_percent: r.get(13)?,
        environment: PortalEnvironment::of(token_kind, account_type.as_deref()),
        account_type,
        checked_at: r.get::<_, Option<String>>(15)?.as_deref().map(parse_stamp).transpose()?,
        check_passed: r.get(16)?,
    })
}

/// Whether two base URLs name one address (a trailing slash or the case of the host aside).
pub(crate) fn same_address(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

fn portal_by_id(conn: &Connection, portal_id: u64) -> Result<Option<Portal>> {
    Ok(conn
        .query_row(
            &format!("SELECT {PORTAL_COLUMNS} FROM portals WHERE portal_id = ?1"),
            [portal_id as i64],
            read_portal,
        )
        .optional()?)
}

impl Store {
    /// This store's random identity, made by its first open: it names the store's keychain
    /// entries.
    pub fn store_id(&self) -> Result<String> {
        Ok(self.conn.query_row("SELECT store_id FROM store_identity WHERE id = 1", [], |r| r.get(0))?)
    }

    /// Every portal this store was connected to, the active one first, then by id.
    pub fn portals(&self) -> Result<Vec<Portal>> {
        let mut stmt =
            self.conn.prepare(&format!("SELECT {PORTAL_COLUMNS} FROM portals ORDER BY active DESC, portal_id"))?;
        let portals = stmt.query_map([], read_portal)?.collect::<rusqlite::Result<_>>()?;
        Ok(portals)
    }

    pub fn portal(&self, portal_id: u64) -> Result<Option<Portal>> {
        portal_by_id(&self.conn, portal_id)
    }

    /// The portal syncs go to, whatever its status; `None` before any portal was connected.
    pub fn active_portal(&self) -> Result<Option<Portal>> {
        Ok(self
            .conn
            .query_row(&format!("SELECT {PORTAL_COLUMNS} FROM portals WHERE active = 1"), [], read_portal)
            .optional()?)
    }

    /// Saves a connection and makes its portal the active one, in one transaction. A portal seen
    /// before gets its facts refreshed and keeps its own configuration; a new one starts from a
    /// copy of the configuration active until now (so a mapping built against a test portal
    /// carries over to production), and from there the two are independent. A copy that maps
    /// only the email (nothing was mapped yet) gets the standard mapping of the built-in fields
    /// to the properties the portal takes writes to, when connecting read them; creating
    /// contacts stays as it was (off in a new store).
    pub fn connect_portal(&mut self, connection: &PortalConnection) -> Result<Portal> {
        if connection.portal_id == 0 || connection.portal_id > i64::MAX as u64 {
            return Err(StoreError::InvalidPortal(format!("{} is not a HubSpot portal id", connection.portal_id)));
        }
        let id = connection.portal_id as i64;
        let tx = self.conn.transaction()?;
        // Another address answering for a known portal id may be another account altogether (a
        // sandbox that took the port, a test portal with a reused id): its contact ids are not
        // this portal's, so no lead keeps a link into it. The built-in sandbox portal moves to
        // a new port on every start and stays itself.
        let known: Option<(String, String)> = tx
            .query_row("SELECT base_url, token_kind FROM portals WHERE portal_id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((address, kind)) = known
            && !(kind == TokenKind::Sandbox.as_str() && connection.token_kind == TokenKind::Sandbox)
            && !same_address(&address, &connection.base_url)
        {
            let dropped = tx.execute("DELETE FROM lead_links WHERE portal_id = ?1", [id])?;
            // Its company ids and deals are that account's too.
            let dropped_companies = tx.execute("DELETE FROM company_links WHERE portal_id = ?1", [id])?;
            let dropped_deals = tx.execute("DELETE FROM lead_deals WHERE portal_id = ?1", [id])?;
            tracing::warn!(
                portal_id = connection.portal_id,
                from = %address,
                to = %connection.base_url,
                dropped,
                dropped_companies,
                dropped_deals,
                "portal reconnected at another address: its leads' and companies' links and its deals were dropped"
            );
        }
        let has_profile = tx
            .query_row("SELECT 1 FROM portal_push_rules WHERE portal_id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some();
        if !has_profile {
            let from = active_profile(&tx)?;
            tx.execute(
                "INSERT INTO portal_mappings (portal_id, field_key, property, write_rule)
                 SELECT ?1, field_key, property, write_rule FROM portal_mappings WHERE portal_id = ?2",
                params![id, from],
            )?;
            if let Some(writable) = &connection.writable_properties {
                start_standard_mapping(&tx, id, writable)?;
            }
            tx.execute(
                "INSERT INTO portal_push_rules (portal_id, update_enabled, create_enabled)
                 SELECT ?1, update_enabled, create_enabled FROM portal_push_rules WHERE portal_id = ?2",
                params![id, from],
            )?;
            tx.execute(
                "INSERT INTO portal_pull_rules (portal_id, rules, updated_at)
                 SELECT ?1, rules, updated_at FROM portal_pull_rules WHERE portal_id = ?2",
                params![id, from],
            )?;
            tx.execute(
                "INSERT INTO portal_guardrails (portal_id, max_creates, max_overwrites, max_overwrite_percent, max_archives,
                                                max_failed_percent, updated_at)
                 SELECT ?1, max_creates, max_overwrites, max_overwrite_percent, max_archives, max_failed_percent, updated_at
                 FROM portal_guardrails WHERE portal_id = ?2",
                params![id, from],
            )?;
            // The company mapping and rules as the contact ones: copied, the rules undecided.
            tx.execute(
                "INSERT INTO portal_company_mappings (portal_id, property, source, field_key, write_rule)
                 SELECT ?1, property, source, field_key, write_rule FROM portal_company_mappings WHERE portal_id = ?2",
                params![id, from],
            )?;
            tx.execute(
                "INSERT INTO portal_company_rules (portal_id, associate_enabled, create_enabled, domain_field)
                 SELECT ?1, associate_enabled, create_enabled, domain_field FROM portal_company_rules WHERE portal_id = ?2",
                params![id, from],
            )?;
        }
        tx.execute("UPDATE portals SET active = 0 WHERE active = 1 AND portal_id <> ?1", [id])?;
        tx.execute(
            "INSERT INTO portals (portal_id, name, hub_domain, user_email, scopes, token_kind, base_url, client_id,
                                  secret_store, status, status_detail, active, connected_at, account_type, checked_at,
                                  check_passed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'connected', NULL, 1, ?10, ?11, ?10, 1)
             ON CONFLICT (portal_id) DO UPDATE SET name = excluded.name, hub_domain = excluded.hub_domain,
                 user_email = excluded.user_email, scopes = excluded.scopes, token_kind = excluded.token_kind,
                 base_url = excluded.base_url, client_id = excluded.client_id, secret_store = excluded.secret_store,
                 status = 'connected', status_detail = NULL, active = 1, connected_at = excluded.connected_at,
                 account_type = COALESCE(excluded.account_type, account_type), checked_at = excluded.checked_at,
                 check_passed = 1",
            params![
                id,
                connection.name,
                connection.hub_domain,
                connection.user_email,
                serde_json::to_string(&connection.scopes).expect("strings"),
                connection.token_kind.as_str(),
                connection.base_url,
                connection.client_id,
                connection.secret_store.as_str(),
                stamp(connection.connected_at),
                connection.account_type,
            ],
        )?;
        let portal =
            portal_by_id(&tx, connection.portal_id)?.ok_or(StoreError::PortalNotFound(connection.portal_id))?;
        tx.commit()?;
        Ok(portal)
    }

    /// Makes a known portal the active one: syncs, the mapping and the rules are its from now on.
    pub fn use_portal(&mut self, portal_id: u64) -> Result<Portal> {
        let tx = self.conn.transaction()?;
        if portal_by_id(&tx, portal_id)?.is_none() {
            return Err(StoreError::PortalNotFound(portal_id));
        }
        tx.execute("UPDATE portals SET active = 0 WHERE active = 1", [])?;
        tx.execute("UPDATE portals SET active = 1 WHERE portal_id = ?1", [portal_id as i64])?;
        let portal = portal_by_id(&tx, portal_id)?.ok_or(StoreError::PortalNotFound(portal_id))?;
        tx.commit()?;
        Ok(portal)
    }

    /// Moves a portal to another address: the built-in sandbox portal listens on a new port
    /// each time the app starts.
    pub fn set_portal_base_url(&mut self, portal_id: u64, base_url: &str) -> Result<Portal> {
        let changed = self
            .conn
            .execute("UPDATE portals SET base_url = ?2 WHERE portal_id = ?1", params![portal_id as i64, base_url])?;
        if changed == 0 {
            return Err(StoreError::PortalNotFound(portal_id));
        }
        portal_by_id(&self.conn, portal_id)?.ok_or(StoreError::PortalNotFound(portal_id))
    }

    /// Sets the share of the portal's daily limit kept free for its other apps (0 to 90 %).
    pub fn set_daily_reserve(&mut self, portal_id: u64, percent: u8) -> Result<Portal> {
        if percent > MAX_DAILY_RESERVE_PERCENT {
            return Err(StoreError::InvalidDailyReserve(percent));
        }
        let changed = self.conn.execute(
            "UPDATE portals SET daily_reserve_percent = ?2 WHERE portal_id = ?1",
            params![portal_id as i64, percent],
        )?;
        if changed == 0 {
            return Err(StoreError::PortalNotFound(portal_id));
        }
        portal_by_id(&self.conn, portal_id)?.ok_or(StoreError::PortalNotFound(portal_id))
    }

    /// Records a check of the portal (Test Connection, a status check) made now: whether it
    /// passed, and the account type its account details gave (`None` keeps the one known).
    pub fn record_portal_check(&mut self, portal_id: u64, passed: bool, account_type: Option<&str>) -> Result<Portal> {
        let changed = self.conn.execute(
            "UPDATE portals SET checked_at = ?2, check_passed = ?3, account_type = COALESCE(?4, account_type)
             WHERE portal_id = ?1",
            params![portal_id as i64, stamp(self.clock.now()), passed, account_type],
        )?;
        if changed == 0 {
            return Err(StoreError::PortalNotFound(portal_id));
        }
        portal_by_id(&self.conn, portal_id)?.ok_or(StoreError::PortalNotFound(portal_id))
    }

    /// Records that a portal needs reconnecting or was disconnected (with why, in words), or is
    /// connected again.
    pub fn set_portal_status(&mut self, portal_id: u64, status: PortalStatus, detail: Option<&str>) -> Result<Portal> {
        let changed = self.conn.execute(
            "UPDATE portals SET status = ?2, status_detail = ?3 WHERE portal_id = ?1",
            params![portal_id as i64, status.as_str(), detail],
        )?;
        if changed == 0 {
            return Err(StoreError::PortalNotFound(portal_id));
        }
        portal_by_id(&self.conn, portal_id)?.ok_or(StoreError::PortalNotFound(portal_id))
    }
}

/// Gives a new profile whose mapping holds only the email (a first portal, or one after a portal
/// nothing was mapped for) the standard mapping of the built-in fields to the properties its
/// portal takes writes to, each overwriting. A mapping the admin made is copied as it is.
fn start_standard_mapping(tx: &Transaction<'_>, portal: i64, writable: &[String]) -> Result<()> {
    let mapped_beyond_email: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM portal_mappings WHERE portal_id = ?1 AND field_key <> 'email')",
        [portal],
        |r| r.get(0),
    )?;
    if mapped_beyond_email {
        return Ok(());
    }
    let mut insert = tx.prepare(
        "INSERT INTO portal_mappings (portal_id, field_key, property, write_rule)
         SELECT ?1, key, ?3, 'overwrite' FROM fields WHERE key = ?2 AND builtin = 1",
    )?;
    for (field, property) in STANDARD_MAPPINGS {
        if writable.iter().any(|w| w == property) {
            insert.execute(params![portal, field, property])?;
        }
    }
    Ok(())
}

/// The profile configuration statements use: the active portal's, or 0 before any portal.
pub(crate) fn active_profile(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT portal_id FROM active_profile", [], |r| r.get(0))?)
}
