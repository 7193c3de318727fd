//! Companies (`0018_companies.sql`): their fields, found by their normalised domain
//! (`hubsync_email::normalize_domain`), their values in each field type's canonical form (the
//! lead fields' rules, `fields.rs`), their links to HubSpot companies per portal, and each
//! lead's company.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::StoreError;
use crate::fields::{Field, FieldTable, FieldType, field_map_in, field_of, fields_of};
use crate::leads::check_values_of;
use crate::store::{Store, parse_stamp, stamp};

/// A company as the store holds it. `values` has every non-empty field but the domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Company {
    #[ts(type = "number")]
    pub id: i64,
    /// The domain as shown and written: the normalised domain, or, for a company pulled from
    /// HubSpot, HubSpot's value when it is no domain; `None` for a pulled company without one.
    pub domain: Option<String>,
    /// The normalised domain the company is found by (equal to `domain` when set); `None` when
    /// it has no domain that is one.
    pub domain_key: Option<String>,
    pub origin: CompanyOrigin,
    /// Its HubSpot company in the active portal.
    pub hubspot_id: Option<String>,
    #[ts(type = "Record<string, string>")]
    pub values: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Company {
    /// A field's value; `domain` included.
    pub fn value(&self, key: &str) -> Option<&str> {
        if key == FieldTable::Company.key_field() {
            self.domain.as_deref()
        } else {
            self.values.get(key).map(String::as_str)
        }
    }
}

/// Where a company was first known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum CompanyOrigin {
    /// Made here, from a domain (an admin's, or a lead's).
    Local,
    /// Pulled from a HubSpot company (the only kind that may lack a domain).
    Pull,
}

impl CompanyOrigin {
    fn as_str(self) -> &'static str {
        match self {
            CompanyOrigin::Local => "local",
            CompanyOrigin::Pull => "pull",
        }
    }

    fn parse(raw: &str) -> Option<CompanyOrigin> {
        [CompanyOrigin::Local, CompanyOrigin::Pull].into_iter().find(|o| o.as_str() == raw)
    }
}

/// A company's link to its HubSpot company in a portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CompanyLink {
    #[ts(type = "number")]
    pub portal_id: u64,
    #[ts(type = "number")]
    pub company_id: i64,
    pub hubspot_company_id: String,
    /// When the company was last in step with its HubSpot company; `None`: never (a link made
    /// by hand, or just moved to another HubSpot company).
    pub synced_at: Option<DateTime<Utc>>,
}

/// How a lead's company was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum CompanySource {
    /// The lead's domain field named its domain.
    Domain,
    /// Its email's domain.
    Email,
    /// Its contact's company in HubSpot.
    Pull,
    /// The admin chose it.
    Manual,
}

impl CompanySource {
    pub fn as_str(self) -> &'static str {
        match self {
            CompanySource::Domain => "domain",
            CompanySource::Email => "email",
            CompanySource::Pull => "pull",
            CompanySource::Manual => "manual",
        }
    }

    pub(crate) fn parse(raw: &str) -> Option<CompanySource> {
        [CompanySource::Domain, CompanySource::Email, CompanySource::Pull, CompanySource::Manual]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// A lead's company, and how it was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LeadCompany {
    pub source: CompanySource,
    pub company: Company,
}

/// A company's columns as `read_company` takes them, from `companies c`: its link is the one in
/// the active portal.
const COMPANY_COLUMNS: &str = "c.id, c.domain, c.domain_key, c.origin,
    (SELECT hubspot_company_id FROM company_links k
     WHERE k.company_id = c.id AND k.portal_id = (SELECT portal_id FROM active_profile)),
    c.created_at, c.updated_at";

const SET_COMPANY_VALUE: &str = "INSERT INTO company_values (company_id, field_key, value) VALUES (?1, ?2, ?3)
     ON CONFLICT (company_id, field_key) DO UPDATE SET value = excluded.value WHERE value <> excluded.value";
const CLEAR_COMPANY_VALUE: &str = "DELETE FROM company_values WHERE company_id = ?1 AND field_key = ?2";

/// The longest HubSpot record id taken: HubSpot's are 64-bit numbers, 20 digits at most.
const MAX_HUBSPOT_ID_DIGITS: usize = 20;

impl Store {
    // ---- company fields ----

    pub fn company_fields(&self) -> Result<Vec<Field>> {
        fields_of(&self.conn, FieldTable::Company)
    }

    pub fn company_field(&self, key: &str) -> Result<Option<Field>> {
        field_of(&self.conn, FieldTable::Company, key)
    }

    /// Adds a custom company field, on the lead fields' rules (`add_field`).
    pub fn add_company_field(
        &mut self,
        key: &str,
        label: Option<&str>,
        kind: FieldType,
        options: &[String],
    ) -> Result<Field> {
        self.add_field_to(FieldTable::Company, key, label, kind, options)
    }

    /// Removes a custom company field with its values and, in every portal's company mapping,
    /// its rows (a trigger of migration 0018). Built-in fields stay.
    pub fn remove_company_field(&mut self, key: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let field =
            field_of(&tx, FieldTable::Company, key)?.ok_or_else(|| StoreError::UnknownCompanyField(key.to_string()))?;
        if field.builtin {
            return Err(StoreError::BuiltInCompanyField(key.to_string()));
        }
        tx.execute("DELETE FROM company_fields WHERE key = ?1", [key])?;
        tx.commit()?;
        Ok(())
    }

    // ---- companies ----

    /// The company with `domain` (normalised first), made when there is none, with `values`
    /// set (each checked against its company field, as a lead's are; an empty value clears).
    pub fn upsert_company(&mut self, domain: &str, values: &[(&str, &str)]) -> Result<Company> {
        let key = canonical_domain(domain)?;
        let fields = field_map_in(&self.conn, FieldTable::Company)?;
        let checked = check_values_of(FieldTable::Company, &fields, values)?;
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        let id = match company_id_by_domain_key(&tx, &key)? {
            Some(id) => id,
            None => {
                tx.execute(
                    "INSERT INTO companies (domain, domain_key, origin, created_at, updated_at) VALUES (?1, ?1, 'local', ?2, ?2)",
                    params![key, now],
                )?;
                tx.last_insert_rowid()
            }
        };
        write_company_values(&tx, id, &checked, &now)?;
        tx.commit()?;
        self.company(id)?.ok_or(StoreError::CompanyNotFound(id))
    }

    /// Changes some of a company's values (an empty value clears the field). `updated_at` moves
    /// only when a value changed.
    pub fn update_company(&mut self, id: i64, values: &[(&str, &str)]) -> Result<Company> {
        let fields = field_map_in(&self.conn, FieldTable::Company)?;
        let checked = check_values_of(FieldTable::Company, &fields, values)?;
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        require_company(&tx, id)?;
        write_company_values(&tx, id, &checked, &now)?;
        tx.commit()?;
        self.company(id)?.ok_or(StoreError::CompanyNotFound(id))
    }

    /// Gives a company another domain (normalised), one no other company has: a company pulled
    /// without one, or one whose domain moved.
    pub fn set_company_domain(&mut self, id: i64, domain: &str) -> Result<Company> {
        let key = canonical_domain(domain)?;
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        require_company(&tx, id)?;
        if let Some(existing) = company_id_by_domain_key(&tx, &key)?.filter(|other| *other != id) {
            return Err(StoreError::DuplicateCompanyDomain { domain: key, existing });
        }
        tx.execute(
            "UPDATE companies SET domain = ?1, domain_key = ?1, updated_at = ?2
             WHERE id = ?3 AND domain_key IS NOT ?1",
            params![key, now, id],
        )?;
        tx.commit()?;
        self.company(id)?.ok_or(StoreError::CompanyNotFound(id))
    }

    /// Adds a company read from a HubSpot company of `portal_id`, linked to it as in step at
    /// `synced_at`. `domain` is HubSpot's value: kept normalised when it is a domain, as it is
    /// (trimmed) when not, and the company has none when it is missing or blank. Refused when
    /// the HubSpot company is linked already or another company has the domain: the caller
    /// matches those first (`company_by_hubspot_id`, `company_by_domain`).
    pub fn add_pulled_company(
        &mut self,
        portal_id: u64,
        hubspot_company_id: &str,
        domain: Option<&str>,
        values: &[(&str, &str)],
        synced_at: DateTime<Utc>,
    ) -> Result<Company> {
        check_hubspot_id(hubspot_company_id)?;
        let fields = field_map_in(&self.conn, FieldTable::Company)?;
        let (domain, key) = pulled_domain(&fields, domain)?;
        let checked = check_values_of(FieldTable::Company, &fields, values)?;
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        require_portal(&tx, portal_id)?;
        if let Some(company_id) = company_id_by_hubspot_id(&tx, portal_id, hubspot_company_id)? {
            return Err(StoreError::CompanyAlreadyLinked {
                hubspot_company_id: hubspot_company_id.to_string(),
                company_id,
            });
        }
        if let Some(key) = &key
            && let Some(existing) = company_id_by_domain_key(&tx, key)?
        {
            return Err(StoreError::DuplicateCompanyDomain { domain: key.clone(), existing });
        }
        let id = insert_pulled_company(&tx, domain.as_deref(), key.as_deref(), &now)?;
        write_company_values(&tx, id, &checked, &now)?;
        set_company_link(&tx, portal_id, id, hubspot_company_id, Some(&stamp(synced_at)))?;
        tx.commit()?;
        self.company(id)?.ok_or(StoreError::CompanyNotFound(id))
    }

    pub fn company(&self, id: i64) -> Result<Option<Company>> {
        Ok(companies_by_ids(&self.conn, &[id])?.remove(&id))
    }

    /// The company with this domain, compared normalised; `None` too for a text that is no
    /// domain (no company is found by one).
    pub fn company_by_domain(&self, domain: &str) -> Result<Option<Company>> {
        let Ok(key) = hubsync_email::normalize_domain(domain) else { return Ok(None) };
        match company_id_by_domain_key(&self.conn, &key)? {
            Some(id) => self.company(id),
            None => Ok(None),
        }
    }

    /// Up to `limit` companies with an id above `after`, in id order: a page at a time.
    pub fn companies_page(&self, after: i64, limit: usize) -> Result<Vec<Company>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let ids: Vec<i64> = self
            .conn
            .prepare_cached("SELECT id FROM companies WHERE id > ?1 ORDER BY id LIMIT ?2")?
            .query_map(params![after, limit], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut by_id = companies_by_ids(&self.conn, &ids)?;
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub fn company_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM companies", [], |r| r.get(0))?)
    }

    // ---- links to HubSpot companies, per portal ----

    /// Links a company to its HubSpot company in `portal_id`, replacing its link there. A
    /// HubSpot company links to one company at most. `synced_at` says the two are in step from
    /// then; `None` keeps the moment of a link to the same HubSpot company and clears one to
    /// another.
    pub fn link_company(
        &mut self,
        portal_id: u64,
        company_id: i64,
        hubspot_company_id: &str,
        synced_at: Option<DateTime<Utc>>,
    ) -> Result<CompanyLink> {
        check_hubspot_id(hubspot_company_id)?;
        let tx = self.conn.transaction()?;
        require_portal(&tx, portal_id)?;
        require_company(&tx, company_id)?;
        if let Some(other) =
            company_id_by_hubspot_id(&tx, portal_id, hubspot_company_id)?.filter(|other| *other != company_id)
        {
            return Err(StoreError::CompanyAlreadyLinked {
                hubspot_company_id: hubspot_company_id.to_string(),
                company_id: other,
            });
        }
        set_company_link(&tx, portal_id, company_id, hubspot_company_id, synced_at.map(stamp).as_deref())?;
        let link = company_link_of(&tx, portal_id, company_id)?.ok_or(StoreError::CompanyNotFound(company_id))?;
        tx.commit()?;
        Ok(link)
    }

    /// Removes a company's link in `portal_id`; whether it had one.
    pub fn unlink_company(&mut self, portal_id: u64, company_id: i64) -> Result<bool> {
        let removed = self.conn.execute(
            "DELETE FROM company_links WHERE portal_id = ?1 AND company_id = ?2",
            params![portal_id as i64, company_id],
        )?;
        Ok(removed > 0)
    }

    pub fn company_link(&self, portal_id: u64, company_id: i64) -> Result<Option<CompanyLink>> {
        company_link_of(&self.conn, portal_id, company_id)
    }

    /// The company linked to this HubSpot company in `portal_id`.
    pub fn company_by_hubspot_id(&self, portal_id: u64, hubspot_company_id: &str) -> Result<Option<Company>> {
        match company_id_by_hubspot_id(&self.conn, portal_id, hubspot_company_id)? {
            Some(id) => self.company(id),
            None => Ok(None),
        }
    }

    // ---- each lead's company ----

    /// Makes `company_id` the lead's company, found as `source` says (replacing its earlier one).
    pub fn set_lead_company(&mut self, lead_id: i64, company_id: i64, source: CompanySource) -> Result<LeadCompany> {
        let tx = self.conn.transaction()?;
        if tx.query_row("SELECT 1 FROM leads WHERE id = ?1", [lead_id], |_| Ok(())).optional()?.is_none() {
            return Err(StoreError::LeadNotFound(lead_id));
        }
        require_company(&tx, company_id)?;
        tx.execute(
            "INSERT INTO lead_companies (lead_id, company_id, source) VALUES (?1, ?2, ?3)
             ON CONFLICT (lead_id) DO UPDATE SET company_id = excluded.company_id, source = excluded.source",
            params![lead_id, company_id, source.as_str()],
        )?;
        tx.commit()?;
        self.lead_company(lead_id)?.ok_or(StoreError::CompanyNotFound(company_id))
    }

    /// Leaves the lead without a company; whether it had one.
    pub fn clear_lead_company(&mut self, lead_id: i64) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM lead_companies WHERE lead_id = ?1", [lead_id])? > 0)
    }

    pub fn lead_company(&self, lead_id: i64) -> Result<Option<LeadCompany>> {
        Ok(self.lead_companies(&[lead_id])?.remove(&lead_id))
    }

    /// The company of each of `lead_ids` that has one (a page of leads), in three statements
    /// whatever their number.
    pub fn lead_companies(&self, lead_ids: &[i64]) -> Result<BTreeMap<i64, LeadCompany>> {
        if lead_ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT lead_id, company_id, source FROM lead_companies WHERE lead_id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows: Vec<(i64, i64, String)> = stmt
            .query_map([ids_json(lead_ids)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let company_ids: Vec<i64> = rows.iter().map(|(_, company, _)| *company).collect();
        let companies = companies_by_ids(&self.conn, &company_ids)?;
        rows.into_iter()
            .map(|(lead_id, company_id, source)| {
                let source = CompanySource::parse(&source)
                    .ok_or_else(|| StoreError::Corrupt(format!("lead company source {source:?}")))?;
                let company = companies
                    .get(&company_id)
                    .cloned()
                    .ok_or_else(|| StoreError::Corrupt(format!("lead {lead_id}'s company {company_id} is missing")))?;
                Ok((lead_id, LeadCompany { source, company }))
            })
            .collect()
    }
}

/// `raw` as a company domain, or why it is none.
pub(crate) fn canonical_domain(raw: &str) -> Result<String> {
    hubsync_email::normalize_domain(raw)
        .map_err(|problem| StoreError::InvalidDomain { domain: raw.trim().to_string(), reason: problem.to_string() })
}

/// A HubSpot company's `domain` as a pulled company keeps it: `(domain, key)`, both the
/// normalised domain when it is one; the text (on a text field's rules) without a key when it is
/// none; neither when it is missing or blank.
pub(crate) fn pulled_domain(
    fields: &BTreeMap<String, Field>,
    raw: Option<&str>,
) -> Result<(Option<String>, Option<String>)> {
    let Some(raw) = raw.map(str::trim).filter(|d| !d.is_empty()) else { return Ok((None, None)) };
    match hubsync_email::normalize_domain(raw) {
        Ok(key) => Ok((Some(key.clone()), Some(key))),
        Err(_) => {
            // What is no domain is kept as text HubSpot holds, on a text field's rules.
            let field = fields.get("domain").ok_or_else(|| StoreError::Corrupt("no domain field".into()))?;
            let kept =
                field.canonical(raw).map_err(|reason| StoreError::InvalidValue { field: "domain".into(), reason })?;
            Ok((kept, None))
        }
    }
}

/// Adds a company pulled from HubSpot, with `domain` and the `key` it is found by (`pulled_domain`;
/// no key for one kept apart); returns its id.
pub(crate) fn insert_pulled_company(
    tx: &Transaction<'_>,
    domain: Option<&str>,
    key: Option<&str>,
    now: &str,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO companies (domain, domain_key, origin, created_at, updated_at) VALUES (?1, ?2, 'pull', ?3, ?3)",
    )?
    .execute(params![domain, key, now])?;
    Ok(tx.last_insert_rowid())
}

/// HubSpot record ids are numbers, sent and kept as their digits.
pub(crate) fn check_hubspot_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > MAX_HUBSPOT_ID_DIGITS || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::InvalidHubspotId(id.to_string()));
    }
    Ok(())
}

pub(crate) fn require_portal(conn: &Connection, portal_id: u64) -> Result<()> {
    let known = i64::try_from(portal_id).is_ok()
        && conn
            .query_row("SELECT 1 FROM portals WHERE portal_id = ?1", [portal_id as i64], |_| Ok(()))
            .optional()?
            .is_some();
    if known { Ok(()) } else { Err(StoreError::PortalNotFound(portal_id)) }
}

fn require_company(conn: &Connection, id: i64) -> Result<()> {
    match conn.query_row("SELECT 1 FROM companies WHERE id = ?1", [id], |_| Ok(())).optional()? {
        Some(()) => Ok(()),
        None => Err(StoreError::CompanyNotFound(id)),
    }
}

pub(crate) fn company_id_by_domain_key(conn: &Connection, key: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM companies WHERE domain_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn company_id_by_hubspot_id(
    conn: &Connection,
    portal_id: u64,
    hubspot_company_id: &str,
) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT company_id FROM company_links WHERE portal_id = ?1 AND hubspot_company_id = ?2")?
        .query_row(params![portal_id as i64, hubspot_company_id], |r| r.get(0))
        .optional()?)
}

/// Links `company_id` to `hubspot_company_id` in `portal`, replacing its earlier link there. A
/// link to another HubSpot company than before is not in step with it until `synced_at` says so.
pub(crate) fn set_company_link(
    tx: &Transaction<'_>,
    portal: u64,
    company_id: i64,
    hubspot_company_id: &str,
    synced_at: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO company_links (portal_id, company_id, hubspot_company_id, synced_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (portal_id, company_id) DO UPDATE SET hubspot_company_id = excluded.hubspot_company_id,
             synced_at = COALESCE(excluded.synced_at,
                                  CASE WHEN hubspot_company_id = excluded.hubspot_company_id THEN synced_at END)",
    )?
    .execute(params![portal as i64, company_id, hubspot_company_id, synced_at])?;
    Ok(())
}

fn company_link_of(conn: &Connection, portal_id: u64, company_id: i64) -> Result<Option<CompanyLink>> {
    Ok(conn
        .prepare_cached(
            "SELECT hubspot_company_id, synced_at FROM company_links WHERE portal_id = ?1 AND company_id = ?2",
        )?
        .query_row(params![portal_id as i64, company_id], |r| {
            Ok(CompanyLink {
                portal_id,
                company_id,
                hubspot_company_id: r.get(0)?,
                synced_at: r.get::<_, Option<String>>(1)?.as_deref().map(parse_stamp).transpose()?,
            })
        })
        .optional()?)
}

/// Writes checked values; `updated_at` moves when one changed (a value set to what it was
/// changes nothing).
pub(crate) fn write_company_values(
    tx: &Transaction<'_>,
    id: i64,
    values: &[(String, Option<String>)],
    now: &str,
) -> Result<()> {
    let mut changed = 0;
    for (key, value) in values {
        changed += match value {
            Some(v) => tx.prepare_cached(SET_COMPANY_VALUE)?.execute(params![id, key, v])?,
            None => tx.prepare_cached(CLEAR_COMPANY_VALUE)?.execute(params![id, key])?,
        };
    }
    if changed > 0 {
        tx.prepare_cached("UPDATE companies SET updated_at = ?1 WHERE id = ?2")?.execute(params![now, id])?;
    }
    Ok(())
}

/// Ids as the JSON array `json_each` reads: one parameter for any number of them.
fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).expect("numbers")
}

/// The companies with these ids (those that exist), with their values, in two statements.
fn companies_by_ids(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, Company>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = ids_json(ids);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COMPANY_COLUMNS} FROM companies c WHERE c.id IN (SELECT value FROM json_each(?1))"
    ))?;
    let mut companies: HashMap<i64, Company> =
        stmt.query_map([&ids], read_company)?.map(|c| c.map(|c| (c.id, c))).collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT company_id, field_key, value FROM company_values WHERE company_id IN (SELECT value FROM json_each(?1))",
    )?;
    let rows = stmt.query_map([&ids], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (company_id, key, value) = row?;
        // Outside a transaction another connection may have added the company between the two
        // statements: its values wait for the next read.
        if let Some(company) = companies.get_mut(&company_id) {
            company.values.insert(key, value);
        }
    }
    Ok(companies)
}

fn read_company(r: &rusqlite::Row<'_>) -> rusqlite::Result<Company> {
    let origin: String = r.get(3)?;
    Ok(Company {
        id: r.get(0)?,
        domain: r.get(1)?,
        domain_key: r.get(2)?,
        origin: CompanyOrigin::parse(&origin).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("origin {origin:?}").into(),
            )
        })?,
        hubspot_id: r.get(4)?,
        values: BTreeMap::new(),
        created_at: parse_stamp(&r.get::<_, String>(5)?)?,
        updated_at: parse_stamp(&r.get::<_, String>(6)?)?,
    })
}
