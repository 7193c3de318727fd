//! Leads: adding, changing, reading and linking them to their contacts, and the statements and
//! checks every write of a lead shares (the bulk import's and the pull's too).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::Result;
use crate::error::StoreError;
use crate::fields::{Field, FieldTable, canonical_email, email_key};
use crate::import::{ImportOptions, ImportSummary, LeadImport, LeadRow};
use crate::lead_query::{char_mask, fold};
use crate::portals::active_profile;
use crate::store::{Store, parse_stamp, stamp};

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

/// The leads as they stand with the active portal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LeadSyncCounts {
    #[ts(type = "number")]
    pub total: u64,
    /// Linked to one of the portal's contacts.
    #[ts(type = "number")]
    pub linked: u64,
    #[ts(type = "number")]
    pub not_linked: u64,
    /// Changed here since a sync last left them in step with their contact (edited, added or
    /// imported after the push that wrote them or found them unchanged, or after the pull that
    /// wrote them), or never in step: the leads a push would look at.
    #[ts(type = "number")]
    pub changed_since_sync: u64,
}

/// Leads `l` not in step with their contact in the active portal (see `lead_sync_counts`).
const CHANGED_SINCE_SYNC: &str = "AND NOT EXISTS (SELECT 1 FROM lead_links k
    WHERE k.lead_id = l.id AND k.portal_id = (SELECT portal_id FROM active_profile)
      AND k.synced_at IS NOT NULL AND l.updated_at <= k.synced_at)";

impl Store {
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
        LeadImport::begin(&self.conn, stamp(self.clock.now()), options)
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
        self.leads_page_where(after, limit, false)
    }

    /// `leads_page` of the leads a push would send changes of to the active portal: never in
    /// step with its contact there, or edited since they were (`LeadSyncCounts::changed_since_sync`).
    pub fn changed_leads_page(&self, after: i64, limit: usize) -> Result<Vec<Lead>> {
        self.leads_page_where(after, limit, true)
    }

    fn leads_page_where(&self, after: i64, limit: usize, changed_only: bool) -> Result<Vec<Lead>> {
        let filter = if changed_only { CHANGED_SINCE_SYNC } else { "" };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LEAD_COLUMNS} FROM leads l WHERE l.id > ?1 {filter} ORDER BY l.id LIMIT ?2"
        ))?;
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
            let slot = match index.get(&lead_id) {
                Some(slot) => slot,
                // Between two changed leads lie leads that aren't.
                None if changed_only => continue,
                None => return Err(StoreError::Corrupt(format!("values for missing lead {lead_id}"))),
            };
            leads[*slot].values.insert(key, value);
        }
        Ok(leads)
    }

    /// Of leads `ids`, those `changed_leads_page` would walk.
    pub fn changed_lead_ids(&self, ids: &[i64]) -> Result<std::collections::HashSet<i64>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT l.id FROM leads l WHERE l.id = ?1 {CHANGED_SINCE_SYNC}"))?;
        let mut changed = std::collections::HashSet::new();
        for &id in ids {
            if let Some(id) = stmt.query_row([id], |r| r.get::<_, i64>(0)).optional()? {
                changed.insert(id);
            }
        }
        Ok(changed)
    }

    /// How many leads `changed_leads_page` walks.
    pub fn changed_lead_count(&self) -> Result<u64> {
        Ok(self.conn.query_row(&format!("SELECT COUNT(*) FROM leads l WHERE 1 {CHANGED_SINCE_SYNC}"), [], |r| {
            r.get::<_, i64>(0)
        })? as u64)
    }

    pub fn lead_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))?)
    }

    /// The leads as they stand with the active portal: how many, how many are linked to one of
    /// its contacts, and how many have changes a push would send (see `LeadSyncCounts`).
    pub fn lead_sync_counts(&self) -> Result<LeadSyncCounts> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*), COUNT(k.lead_id),
                    COALESCE(SUM(k.synced_at IS NULL OR l.updated_at > k.synced_at), 0)
             FROM leads l
             LEFT JOIN lead_links k ON k.lead_id = l.id AND k.portal_id = (SELECT portal_id FROM active_profile)",
            [],
            |r| {
                let (total, linked): (i64, i64) = (r.get(0)?, r.get(1)?);
                Ok(LeadSyncCounts {
                    total: total as u64,
                    linked: linked as u64,
                    not_linked: (total - linked) as u64,
                    changed_since_sync: r.get::<_, i64>(2)? as u64,
                })
            },
        )?)
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

/// The other lead linked to `contact` in `portal`, if any.
pub(crate) fn linked_lead(conn: &Connection, portal: i64, contact: &str, lead_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT lead_id FROM lead_links WHERE portal_id = ?1 AND contact_id = ?2 AND lead_id <> ?3")?
        .query_row(params![portal, contact, lead_id], |r| r.get(0))
        .optional()?)
}

/// Links `lead_id` to `contact` in `portal`, replacing its earlier link there. A link to another
/// contact than before is not in step with it (`synced_at`) until a sync says so.
pub(crate) fn set_link(conn: &Connection, portal: i64, lead_id: i64, contact: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO lead_links (portal_id, lead_id, contact_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (portal_id, lead_id) DO UPDATE SET contact_id = excluded.contact_id,
             synced_at = CASE WHEN contact_id = excluded.contact_id THEN synced_at END",
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
    check_values_of(FieldTable::Lead, fields, values)
}

/// `check_values` for `table`'s fields (a company's values too): its key field (email, domain)
/// is set on its own, never as a value.
pub(crate) fn check_values_of(
    table: FieldTable,
    fields: &BTreeMap<String, Field>,
    values: &[(&str, &str)],
) -> Result<Vec<(String, Option<String>)>> {
    values
        .iter()
        .map(|(key, raw)| {
            if *key == table.key_field() {
                return Err(StoreError::InvalidValue {
                    field: key.to_string(),
                    reason: format!("the {key} is set on its own, not as a value"),
                });
            }
            let field = fields.get(*key).ok_or_else(|| table.unknown(key))?;
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
/// A new lead's search document, made from what was just written rather than read back: its
/// email key and each value (one a field), folded, in the order of the values' key (as
/// `SEARCH_TEXT` reads them). The index takes it later (`index_new_search_texts`).
pub(crate) fn insert_new_search_text<'a>(
    conn: &Connection,
    lead_id: i64,
    email_key: &str,
    values: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<()> {
    let mut values: Vec<(&str, &str)> = values.into_iter().collect();
    values.sort_unstable_by_key(|(field, _)| *field);
    let mut text = String::with_capacity(email_key.len() + values.iter().map(|(_, v)| v.len() + 1).sum::<usize>());
    push_folded(&mut text, email_key);
    for (_, value) in values {
        text.push('\u{1f}');
        push_folded(&mut text, value);
    }
    conn.prepare_cached("INSERT INTO lead_search_text (lead_id, text) VALUES (?1, ?2)")?
        .execute(params![lead_id, text])?;
    write_char_mask(conn, lead_id, &text)
}

/// Writes which characters a lead's search document holds (migration 0014), with the document.
fn write_char_mask(conn: &Connection, lead_id: i64, text: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO lead_search_chars (lead_id, mask) VALUES (?1, ?2)
         ON CONFLICT (lead_id) DO UPDATE SET mask = excluded.mask",
    )?
    .execute(params![lead_id, char_mask(text)])?;
    Ok(())
}

/// Appends `text` as `fold` makes it; ASCII (most values) without a string of its own.
fn push_folded(out: &mut String, text: &str) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&fold(text));
    }
}

/// Indexes the search documents of the leads from `first_id` on, in one statement.
pub(crate) fn index_new_search_texts(conn: &Connection, first_id: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO lead_search (rowid, text) SELECT lead_id, text FROM lead_search_text WHERE lead_id >= ?1",
        [first_id],
    )?;
    Ok(())
}

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
    write_char_mask(conn, lead_id, &text)
}
