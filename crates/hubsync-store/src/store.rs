//! The store: one SQLite connection and the operations on it. Every change runs in a
//! transaction, so a refused change leaves nothing behind.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::clock::Clock;
use crate::error::{BUSY_TIMEOUT, StoreError};
use crate::fields::{Field, FieldType, canonical_email, email_key};
use crate::import::{ImportOptions, ImportSummary, LeadImport, LeadRow};
use crate::journal::Journal;
use crate::migrations::MIGRATIONS;

/// A lead as the store holds it. `values` has every non-empty field but email, keyed by field.
/// `hubspot_id` is its contact in the active portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Lead {
    #[ts(type = "number")]
    pub id: i64,
    pub email: String,
    pub hubspot_id: Option<String>,
    pub owner_id: Option<String>,
    #[ts(type = "Record<string, string>")]
    pub values: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Lead {
    /// A field's value; `email` included.
    pub fn value(&self, key: &str) -> Option<&str> {
        if key == "email" { Some(&self.email) } else { self.values.get(key).map(String::as_str) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum WriteRule {
    /// Write the value whatever the target holds.
    Overwrite,
    /// Write only where the target has no value.
    IfEmpty,
}

impl WriteRule {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteRule::Overwrite => "overwrite",
            WriteRule::IfEmpty => "if-empty",
        }
    }

    pub fn parse(raw: &str) -> Option<WriteRule> {
        match raw {
            "overwrite" => Some(WriteRule::Overwrite),
            "if-empty" | "if_empty" => Some(WriteRule::IfEmpty),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Mapping {
    pub field_key: String,
    pub property: String,
    pub write_rule: WriteRule,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PushRules {
    /// Update the matching HubSpot contact.
    pub update: bool,
    /// Create a contact when none matches (only while `update` is on).
    pub create: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
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

pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) clock: Arc<dyn Clock>,
    /// Where the lock files of run leases live (`leases.rs`): beside the store's file; none for a
    /// store in memory, which no other connection can open.
    pub(crate) leases_dir: Option<std::path::PathBuf>,
    /// The run lease this connection holds while it writes a live run.
    pub(crate) lease: Option<crate::leases::HeldLease>,
    /// This connection's lock file, made when it first leases or plans (`leases.rs`).
    pub(crate) presence: Option<crate::leases::Presence>,
}

impl Drop for Store {
    /// A connection that ends while it holds a run's lease gives it back (its run stays as it
    /// is, resumable); were this skipped, the OS lock going with the process lets it be taken over.
    fn drop(&mut self) {
        let released = self.release_lease();
        if let Some(presence) = self.presence.take() {
            // A lease row left behind names the file: leave it, unlocked, for the next writer.
            presence.end(!released);
        }
    }
}

/// The lead statements the single-lead calls, the bulk import and the pull share.
pub(crate) const FIND_LEAD_BY_EMAIL_KEY: &str = "SELECT id FROM leads WHERE email_key = ?1";
pub(crate) const INSERT_LEAD: &str =
    "INSERT INTO leads (email, email_key, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)";
pub(crate) const SET_VALUE: &str = "INSERT INTO lead_values (lead_id, field_key, value) VALUES (?1, ?2, ?3)
     ON CONFLICT (lead_id, field_key) DO UPDATE SET value = excluded.value";
pub(crate) const CLEAR_VALUE: &str = "DELETE FROM lead_values WHERE lead_id = ?1 AND field_key = ?2";
/// A lead's search document (migration 0010) from its email and values as stored.
const SEARCH_TEXT: &str =
    "SELECT hubsync_fold(l.email_key) || COALESCE((SELECT group_concat(char(31) || hubsync_fold(v.value), '')
     FROM lead_values v WHERE v.lead_id = l.id), '') FROM leads l WHERE l.id = ?1";
/// A lead's columns as `read_lead` takes them, from `leads l`: its link is the one in the active
/// portal.
pub(crate) const LEAD_COLUMNS: &str = "l.id, l.email,
    (SELECT contact_id FROM lead_links k WHERE k.lead_id = l.id AND k.portal_id = (SELECT portal_id FROM active_profile)),
    l.owner_id, l.created_at, l.updated_at";

pub(crate) fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_stamp(raw: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date. A file
    /// from a newer Hubsync is refused and left untouched (but for access by other users, which
    /// every store file loses here, before SQLite opens it).
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Store> {
        crate::private_files::protect_store_files(path);
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        let version = Self::check_version(&conn, path).map_err(|e| e.at(path))?;
        // After the version check: a newer Hubsync's file keeps its journal mode too.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| StoreError::from(e).at(path))?;
        let mut store = Self::init(conn, clock, version).map_err(|e| e.at(path))?;
        let mut leases = path.as_os_str().to_owned();
        leases.push(".leases");
        store.leases_dir = Some(leases.into());
        Ok(store)
    }

    /// Reads the schema version (the first read of the file: a file that is no database fails
    /// here, before anything is written) and refuses a newer one.
    fn check_version(conn: &Connection, path: &Path) -> Result<i64> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found: version, known });
        }
        Ok(version)
    }

    /// A store that lives in memory, for tests and previews of imports.
    pub fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let version = Self::check_version(&conn, Path::new(":memory:"))?;
        Self::init(conn, clock, version)
    }

    /// Brings a connection whose schema `version` was checked up to date.
    fn init(mut conn: Connection, clock: Arc<dyn Clock>, version: i64) -> Result<Store> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        crate::lead_query::register_functions(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let known = MIGRATIONS.len() as i64;
        if version < known {
            let tx = conn.transaction()?;
            for migration in &MIGRATIONS[version as usize..] {
                tx.execute_batch(migration.sql)?;
            }
            tx.pragma_update(None, "user_version", known)?;
            tx.commit()?;
        }
        Ok(Store { conn, clock, leases_dir: None, lease: None, presence: None })
    }

    /// The token other connections know this one by while it leases or plans, its lock file
    /// made the first time.
    pub(crate) fn presence_token(&mut self) -> Result<String> {
        if let Some(presence) = &self.presence {
            return Ok(presence.token.clone());
        }
        let token: String = self.conn.query_row("SELECT lower(hex(randomblob(16)))", [], |r| r.get(0))?;
        let presence = crate::leases::Presence::announce(self.leases_dir.as_deref(), token.clone())?;
        self.presence = Some(presence);
        Ok(token)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    // ---- fields ----

    pub fn fields(&self) -> Result<Vec<Field>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, label, type, options, builtin, position FROM fields ORDER BY position, key")?;
        let rows = stmt.query_map([], read_field)?;
        rows.map(|r| r.map_err(StoreError::from)).collect()
    }

    pub fn field(&self, key: &str) -> Result<Option<Field>> {
        Ok(self
            .conn
            .query_row(
                "SELECT key, label, type, options, builtin, position FROM fields WHERE key = ?1",
                [key],
                read_field,
            )
            .optional()?)
    }

    /// Adds a custom field. Keys are lowercase letters, digits and underscores, starting with a
    /// letter; choice types need options, other types take none.
    pub fn add_field(&mut self, key: &str, label: Option<&str>, kind: FieldType, options: &[String]) -> Result<Field> {
        let options = check_field_definition(key, kind, options)?;
        let tx = self.conn.transaction()?;
        if tx.query_row("SELECT 1 FROM fields WHERE key = ?1", [key], |_| Ok(())).optional()?.is_some() {
            return Err(StoreError::FieldExists(key.to_string()));
        }
        let position: i64 = tx.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM fields", [], |r| r.get(0))?;
        let label = label.map(str::trim).filter(|l| !l.is_empty()).map_or_else(|| default_label(key), String::from);
        tx.execute(
            "INSERT INTO fields (key, label, type, options, builtin, position, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
            params![key, label, kind.as_str(), serde_json::to_string(&options).expect("strings"), position, stamp(self.clock.now())],
        )?;
        tx.commit()?;
        Ok(Field { key: key.into(), label, kind, options, builtin: false, position })
    }

    // ---- leads ----

    /// Adds a lead. Values are `(field, raw value)`; each is checked against its field's type
    /// and stored in canonical form. The email must be unique, compared case-insensitively.
    pub fn add_lead(&mut self, email: &str, values: &[(&str, &str)]) -> Result<Lead> {
        let (email, email_key) = canonical_email(email)?;
        let fields = self.field_map()?;
        let checked = check_values(&fields, values)?;
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        if let Some(existing) = lead_id_by_email_key(&tx, &email_key)? {
            return Err(StoreError::DuplicateEmail { email, existing });
        }
        tx.execute(INSERT_LEAD, params![email, email_key, now])?;
        let id = tx.last_insert_rowid();
        write_values(&tx, id, &checked)?;
        write_search_text(&tx, id)?;
        tx.commit()?;
        self.lead(id)?.ok_or(StoreError::LeadNotFound(id))
    }

    /// Changes some of a lead's values (an empty value clears the field; `email` may change too,
    /// to an address no other lead has).
    pub fn update_lead(&mut self, id: i64, values: &[(&str, &str)]) -> Result<Lead> {
        let fields = self.field_map()?;
        let (email_values, other): (Vec<_>, Vec<_>) = values.iter().partition(|(k, _)| *k == "email");
        let checked = check_values(&fields, &other)?;
        let new_email = match email_values.last() {
            Some((_, raw)) => Some(canonical_email(raw)?),
            None => None,
        };
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        if tx.query_row("SELECT 1 FROM leads WHERE id = ?1", [id], |_| Ok(())).optional()?.is_none() {
            return Err(StoreError::LeadNotFound(id));
        }
        if let Some((email, key)) = new_email {
            if let Some(existing) = lead_id_by_email_key(&tx, &key)?.filter(|e| *e != id) {
                return Err(StoreError::DuplicateEmail { email, existing });
            }
            tx.execute("UPDATE leads SET email = ?1, email_key = ?2 WHERE id = ?3", params![email, key, id])?;
        }
        write_values(&tx, id, &checked)?;
        write_search_text(&tx, id)?;
        tx.execute("UPDATE leads SET updated_at = ?1 WHERE id = ?2", params![now, id])?;
        tx.commit()?;
        self.lead(id)?.ok_or(StoreError::LeadNotFound(id))
    }

    /// Adds or updates many leads at once: a row whose email (case-insensitively) is already in
    /// the store updates that lead, any other adds one. Every problem is reported with its row
    /// number; `options` says whether bad rows stop the import (nothing is written) or are left
    /// out (the others are written). One transaction either way.
    pub fn import_leads(&mut self, rows: &[LeadRow], options: ImportOptions) -> Result<ImportSummary> {
        let mut import = self.begin_import(options)?;
        for row in rows {
            let values: Vec<(&str, &str)> = row.values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            import.add(row.row, &row.email, &values)?;
        }
        import.finish()
    }

    /// Starts an import that takes its rows one at a time, so a caller reading a large file
    /// never holds every row. Nothing is visible to others until `finish`; dropping the import
    /// writes nothing.
    pub fn begin_import(&mut self, options: ImportOptions) -> Result<LeadImport<'_>> {
        LeadImport::begin(&self.conn, self.field_map()?, stamp(self.clock.now()), options)
    }

    pub fn lead(&self, id: i64) -> Result<Option<Lead>> {
        let Some(mut lead) = self
            .conn
            .query_row(&format!("SELECT {LEAD_COLUMNS} FROM leads l WHERE l.id = ?1"), [id], read_lead)
            .optional()?
        else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached("SELECT field_key, value FROM lead_values WHERE lead_id = ?1")?;
        for row in stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (key, value) = row?;
            lead.values.insert(key, value);
        }
        Ok(Some(lead))
    }

    /// The lead with this address, compared case-insensitively.
    pub fn lead_by_email(&self, email: &str) -> Result<Option<Lead>> {
        match lead_id_by_email_key(&self.conn, &email_key(email))? {
            Some(id) => self.lead(id),
            None => Ok(None),
        }
    }

    /// The lead linked to this HubSpot contact.
    pub fn lead_by_contact(&self, contact_id: &str) -> Result<Option<Lead>> {
        let id: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT lead_id FROM lead_links WHERE contact_id = ?1 AND portal_id = (SELECT portal_id FROM active_profile)",
            )?
            .query_row([contact_id], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => self.lead(id),
            None => Ok(None),
        }
    }

    /// Every lead, in id order, read in two passes rather than one query per lead.
    pub fn leads(&self) -> Result<Vec<Lead>> {
        self.leads_page(0, i64::MAX as usize)
    }

    /// Up to `limit` leads with an id above `after`, in id order: for walking a big store a page
    /// at a time instead of holding every lead at once.
    pub fn leads_page(&self, after: i64, limit: usize) -> Result<Vec<Lead>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {LEAD_COLUMNS} FROM leads l WHERE l.id > ?1 ORDER BY l.id LIMIT ?2"))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut leads: Vec<Lead> =
            stmt.query_map(params![after, limit], read_lead)?.collect::<rusqlite::Result<_>>()?;
        let (Some(first), Some(last)) = (leads.first().map(|l| l.id), leads.last().map(|l| l.id)) else {
            return Ok(leads);
        };
        let index: std::collections::HashMap<i64, usize> = leads.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT lead_id, field_key, value FROM lead_values WHERE lead_id BETWEEN ?1 AND ?2")?;
        let rows = stmt.query_map(params![first, last], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        for row in rows {
            let (lead_id, key, value) = row?;
            let slot =
                index.get(&lead_id).ok_or_else(|| StoreError::Corrupt(format!("values for missing lead {lead_id}")))?;
            leads[*slot].values.insert(key, value);
        }
        Ok(leads)
    }

    pub fn lead_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))?)
    }

    /// Links a lead to its contact in the active portal (or unlinks it with `None`). A contact
    /// links to one lead at most.
    pub fn link_contact(&mut self, id: i64, contact_id: Option<&str>) -> Result<()> {
        let tx = self.conn.transaction()?;
        if tx.query_row("SELECT 1 FROM leads WHERE id = ?1", [id], |_| Ok(())).optional()?.is_none() {
            return Err(StoreError::LeadNotFound(id));
        }
        let portal = active_profile(&tx)?;
        match contact_id {
            Some(contact) => {
                if let Some(lead_id) = linked_lead(&tx, portal, contact, id)? {
                    return Err(StoreError::ContactAlreadyLinked { contact_id: contact.to_string(), lead_id });
                }
                set_link(&tx, portal, id, contact)?;
            }
            None => {
                tx.execute("DELETE FROM lead_links WHERE portal_id = ?1 AND lead_id = ?2", params![portal, id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn field_map(&self) -> Result<BTreeMap<String, Field>> {
        Ok(self.fields()?.into_iter().map(|f| (f.key.clone(), f)).collect())
    }

    // ---- mapping ----

    pub fn mappings(&self) -> Result<Vec<Mapping>> {
        let mut stmt = self.conn.prepare(
            "SELECT m.field_key, m.property, m.write_rule FROM portal_mappings m JOIN fields f ON f.key = m.field_key
             WHERE m.portal_id = (SELECT portal_id FROM active_profile) ORDER BY f.position, m.field_key",
        )?;
        let rows = stmt.query_map([], |r| {
            let rule: String = r.get(2)?;
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, rule))
        })?;
        rows.map(|row| {
            let (field_key, property, rule) = row?;
            let write_rule =
                WriteRule::parse(&rule).ok_or_else(|| StoreError::Corrupt(format!("write rule {rule:?}")))?;
            Ok(Mapping { field_key, property, write_rule })
        })
        .collect()
    }

    /// Maps a lead field to a HubSpot property. A new row's rule defaults to `overwrite`; an
    /// existing row keeps its rule unless one is given.
    pub fn set_mapping(&mut self, field_key: &str, property: &str, rule: Option<WriteRule>) -> Result<Mapping> {
        if !valid_property_name(property) {
            return Err(StoreError::InvalidPropertyName(property.to_string()));
        }
        if field_key == "email" && (property != "email" || rule == Some(WriteRule::IfEmpty)) {
            return Err(StoreError::EmailMappingLocked);
        }
        let tx = self.conn.transaction()?;
        let portal = active_profile(&tx)?;
        if tx.query_row("SELECT 1 FROM fields WHERE key = ?1", [field_key], |_| Ok(())).optional()?.is_none() {
            return Err(StoreError::UnknownField(field_key.to_string()));
        }
        let other: Option<String> = tx
            .query_row(
                "SELECT field_key FROM portal_mappings WHERE portal_id = ?3 AND property = ?1 AND field_key <> ?2",
                params![property, field_key, portal],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(field) = other {
            return Err(StoreError::PropertyAlreadyMapped { property: property.to_string(), field });
        }
        let existing: Option<String> = tx
            .query_row(
                "SELECT write_rule FROM portal_mappings WHERE portal_id = ?1 AND field_key = ?2",
                params![portal, field_key],
                |r| r.get(0),
            )
            .optional()?;
        let write_rule =
            rule.or_else(|| existing.as_deref().and_then(WriteRule::parse)).unwrap_or(WriteRule::Overwrite);
        tx.execute(
            "INSERT INTO portal_mappings (portal_id, field_key, property, write_rule) VALUES (?4, ?1, ?2, ?3)
             ON CONFLICT (portal_id, field_key) DO UPDATE SET property = excluded.property, write_rule = excluded.write_rule",
            params![field_key, property, write_rule.as_str(), portal],
        )?;
        tx.commit()?;
        Ok(Mapping { field_key: field_key.into(), property: property.into(), write_rule })
    }

    pub fn remove_mapping(&mut self, field_key: &str) -> Result<()> {
        if field_key == "email" {
            return Err(StoreError::EmailMappingLocked);
        }
        if self.conn.execute(
            "DELETE FROM portal_mappings WHERE portal_id = (SELECT portal_id FROM active_profile) AND field_key = ?1",
            [field_key],
        )? == 0
        {
            return Err(StoreError::NotMapped(field_key.to_string()));
        }
        Ok(())
    }

    // ---- rules ----

    pub fn push_rules(&self) -> Result<PushRules> {
        Ok(self.conn.query_row(
            "SELECT update_enabled, create_enabled FROM portal_push_rules WHERE portal_id = (SELECT portal_id FROM active_profile)",
            [],
            |r| Ok(PushRules { update: r.get(0)?, create: r.get(1)? }),
        )?)
    }

    /// Changes either rule. Create on with update off is refused, whichever change would cause it.
    pub fn set_push_rules(&mut self, update: Option<bool>, create: Option<bool>) -> Result<PushRules> {
        let current = self.push_rules()?;
        let next = PushRules { update: update.unwrap_or(current.update), create: create.unwrap_or(current.create) };
        if next.create && !next.update {
            return Err(StoreError::CreateNeedsUpdate);
        }
        self.conn.execute(
            "UPDATE portal_push_rules SET update_enabled = ?1, create_enabled = ?2
             WHERE portal_id = (SELECT portal_id FROM active_profile)",
            params![next.update, next.create],
        )?;
        Ok(next)
    }

    /// The pull rules as saved (the sync crate's JSON), or `None` when none were saved.
    pub fn pull_rules_json(&self) -> Result<Option<serde_json::Value>> {
        let raw: Option<String> = self
            .conn
            .query_row(
                "SELECT rules FROM portal_pull_rules WHERE portal_id = (SELECT portal_id FROM active_profile)",
                [],
                |r| r.get(0),
            )
            .optional()?;
        raw.map(|r| serde_json::from_str(&r).map_err(|e| StoreError::Corrupt(format!("pull rules: {e}")))).transpose()
    }

    pub fn set_pull_rules_json(&mut self, rules: &serde_json::Value) -> Result<()> {
        self.conn.execute(
            "INSERT INTO portal_pull_rules (portal_id, rules, updated_at) VALUES ((SELECT portal_id FROM active_profile), ?1, ?2)
             ON CONFLICT (portal_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
            params![rules.to_string(), stamp(self.clock.now())],
        )?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: `ok`, or what SQLite found.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

/// A custom field's key and options, checked: keys are lowercase letters, digits and
/// underscores, starting with a letter; choice types need options, other types take none.
pub(crate) fn check_field_definition(key: &str, kind: FieldType, options: &[String]) -> Result<Vec<String>> {
    let valid_key = key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_key {
        return Err(StoreError::InvalidField(format!(
            "{key:?}: a field name is 1 to 64 lowercase letters, digits or underscores, starting with a letter"
        )));
    }
    let options: Vec<String> = options.iter().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
    if kind.has_options() {
        if options.is_empty() {
            return Err(StoreError::InvalidField(format!("a {} field needs options", kind.as_str())));
        }
        let mut seen = std::collections::HashSet::with_capacity(options.len());
        for option in &options {
            if !seen.insert(option.to_ascii_lowercase()) {
                return Err(StoreError::InvalidField(format!("the option {option:?} is listed twice")));
            }
            if kind == FieldType::MultipleChoice && option.contains(';') {
                return Err(StoreError::InvalidField(format!(
                    "the option {option:?} contains ';', which separates the choices of a multiple choice value"
                )));
            }
        }
    } else if !options.is_empty() {
        return Err(StoreError::InvalidField(format!("a {} field takes no options", kind.as_str())));
    }
    Ok(options)
}

/// HubSpot property names: lowercase letters, digits and underscores.
pub(crate) fn valid_property_name(property: &str) -> bool {
    !property.is_empty()
        && property.len() <= 100
        && property.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub(crate) fn default_label(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

fn read_field(r: &rusqlite::Row<'_>) -> rusqlite::Result<Field> {
    let kind: String = r.get(2)?;
    let options: String = r.get(3)?;
    let conversion = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e)
    };
    Ok(Field {
        key: r.get(0)?,
        label: r.get(1)?,
        kind: FieldType::parse(&kind).ok_or_else(|| conversion(format!("field type {kind:?}").into()))?,
        options: serde_json::from_str(&options).map_err(|e| conversion(Box::new(e)))?,
        builtin: r.get(4)?,
        position: r.get(5)?,
    })
}

pub(crate) fn read_lead(r: &rusqlite::Row<'_>) -> rusqlite::Result<Lead> {
    Ok(Lead {
        id: r.get(0)?,
        email: r.get(1)?,
        hubspot_id: r.get(2)?,
        owner_id: r.get(3)?,
        values: BTreeMap::new(),
        created_at: parse_stamp(&r.get::<_, String>(4)?)?,
        updated_at: parse_stamp(&r.get::<_, String>(5)?)?,
    })
}

/// The profile configuration statements use: the active portal's, or 0 before any portal.
pub(crate) fn active_profile(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT portal_id FROM active_profile", [], |r| r.get(0))?)
}

/// The other lead linked to `contact` in `portal`, if any.
pub(crate) fn linked_lead(conn: &Connection, portal: i64, contact: &str, lead_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT lead_id FROM lead_links WHERE portal_id = ?1 AND contact_id = ?2 AND lead_id <> ?3")?
        .query_row(params![portal, contact, lead_id], |r| r.get(0))
        .optional()?)
}

/// Links `lead_id` to `contact` in `portal`, replacing its earlier link there.
pub(crate) fn set_link(conn: &Connection, portal: i64, lead_id: i64, contact: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO lead_links (portal_id, lead_id, contact_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (portal_id, lead_id) DO UPDATE SET contact_id = excluded.contact_id",
    )?
    .execute(params![portal, lead_id, contact])?;
    Ok(())
}

fn lead_id_by_email_key(conn: &Connection, key: &str) -> Result<Option<i64>> {
    Ok(conn.query_row(FIND_LEAD_BY_EMAIL_KEY, [key], |r| r.get(0)).optional()?)
}

/// Checks every value first, so one bad value changes nothing. Returns `(field, canonical or
/// None to clear)`.
pub(crate) fn check_values(
    fields: &BTreeMap<String, Field>,
    values: &[(&str, &str)],
) -> Result<Vec<(String, Option<String>)>> {
    values
        .iter()
        .map(|(key, raw)| {
            if *key == "email" {
                return Err(StoreError::InvalidValue {
                    field: "email".into(),
                    reason: "the email is set on its own, not as a value".into(),
                });
            }
            let field = fields.get(*key).ok_or_else(|| StoreError::UnknownField(key.to_string()))?;
            let canonical =
                field.canonical(raw).map_err(|reason| StoreError::InvalidValue { field: key.to_string(), reason })?;
            Ok((key.to_string(), canonical))
        })
        .collect()
}

pub(crate) fn write_values(tx: &Transaction<'_>, lead_id: i64, values: &[(String, Option<String>)]) -> Result<()> {
    for (key, value) in values {
        match value {
            Some(v) => tx.prepare_cached(SET_VALUE)?.execute(params![lead_id, key, v])?,
            None => tx.prepare_cached(CLEAR_VALUE)?.execute(params![lead_id, key])?,
        };
    }
    Ok(())
}

/// Writes the search document of a lead just added or whose email or values were written, and
/// the index with it, when it changed: every write of them ends with this, in the same
/// transaction, so a search never sees text a lead no longer has. Each statement writes one row,
/// so none opens a statement savepoint, at which FTS5 would flush its pending terms.
pub(crate) fn write_search_text(conn: &Connection, lead_id: i64) -> Result<()> {
    let text: String = conn.prepare_cached(SEARCH_TEXT)?.query_row([lead_id], |r| r.get(0))?;
    let old: Option<String> = conn
        .prepare_cached("SELECT text FROM lead_search_text WHERE lead_id = ?1")?
        .query_row([lead_id], |r| r.get(0))
        .optional()?;
    match old {
        Some(old) if old == text => return Ok(()),
        Some(old) => {
            conn.prepare_cached("INSERT INTO lead_search (lead_search, rowid, text) VALUES ('delete', ?1, ?2)")?
                .execute(params![lead_id, old])?;
            conn.prepare_cached("UPDATE lead_search_text SET text = ?2 WHERE lead_id = ?1")?
                .execute(params![lead_id, text])?;
        }
        None => {
            conn.prepare_cached("INSERT INTO lead_search_text (lead_id, text) VALUES (?1, ?2)")?
                .execute(params![lead_id, text])?;
        }
    }
    conn.prepare_cached("INSERT INTO lead_search (rowid, text) VALUES (?1, ?2)")?.execute(params![lead_id, text])?;
    Ok(())
}
