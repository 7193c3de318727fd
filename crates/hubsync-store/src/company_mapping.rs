//! The company mapping (company properties filled from company or lead fields) and the rules
//! for companies (associate, create, the lead field naming a lead's company domain): the
//! active portal's, through the `active_profile` view, as the contact mapping and push rules
//! (`mapping.rs`).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::StoreError;
use crate::fields::{Field, FieldTable, FieldType, field_of};
use crate::mapping::{WriteRule, valid_property_name};
use crate::portals::active_profile;
use crate::store::{Store, parse_stamp, stamp};

/// The company property companies are matched by, filled from the company field of the same
/// name: the one row every company mapping has.
pub const DOMAIN_PROPERTY: &str = "domain";

/// The company fields HubSpot has a standard company property for, each with it: a first
/// portal's company mapping starts with those its portal takes writes to and each of whose
/// values it takes (`Store::start_company_mapping`), each overwriting. The name is the
/// company's own: a lead's free-text company name names companies too loosely to write.
pub const STANDARD_COMPANY_MAPPINGS: &[(&str, &str)] = &[
    ("name", "name"),
    ("website", "website"),
    ("phone", "phone"),
    ("city", "city"),
    ("country", "country"),
    ("industry", "industry"),
    ("employees", "numberofemployees"),
    ("annual_revenue", "annualrevenue"),
];

/// Where a company property's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum MappingSource {
    /// A field of the lead whose push associates the company.
    Lead,
    /// A field of the company.
    Company,
}

impl MappingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            MappingSource::Lead => "lead",
            MappingSource::Company => "company",
        }
    }

    fn parse(raw: &str) -> Option<MappingSource> {
        [MappingSource::Lead, MappingSource::Company].into_iter().find(|s| s.as_str() == raw)
    }

    /// The fields this source names.
    pub(crate) fn fields(self) -> FieldTable {
        match self {
            MappingSource::Lead => FieldTable::Lead,
            MappingSource::Company => FieldTable::Company,
        }
    }
}

/// One company property and the field that fills it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CompanyMapping {
    pub property: String,
    pub source: MappingSource,
    pub field_key: String,
    pub write_rule: WriteRule,
}

impl CompanyMapping {
    /// The row every profile has: the domain field fills the domain property, overwriting.
    pub fn domain_row() -> CompanyMapping {
        CompanyMapping {
            property: DOMAIN_PROPERTY.into(),
            source: MappingSource::Company,
            field_key: FieldTable::Company.key_field().into(),
            write_rule: WriteRule::Overwrite,
        }
    }
}

/// What a push does about the leads' companies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CompanyPushRules {
    /// Associate each lead's contact with its company's HubSpot company.
    pub associate: bool,
    /// Create a HubSpot company when none is the lead's company's (only while `associate` is on).
    pub create: bool,
}

/// Whether a row may be written as given, as far as the domain row goes: the domain property is
/// filled by the company domain field only, overwriting, and that field fills nothing else.
/// `rule` `None` keeps a row's rule (the domain row's is always overwrite).
pub(crate) fn check_domain_lock(
    property: &str,
    source: MappingSource,
    field_key: &str,
    rule: Option<WriteRule>,
) -> Result<()> {
    let is_domain_field = source == MappingSource::Company && field_key == FieldTable::Company.key_field();
    if (property == DOMAIN_PROPERTY || is_domain_field)
        && !(property == DOMAIN_PROPERTY && is_domain_field && rule != Some(WriteRule::IfEmpty))
    {
        return Err(StoreError::DomainMappingLocked);
    }
    Ok(())
}

/// Whether a lead field can name a lead's company domain: a text or single choice field (its
/// value one text), not the email (whose domain is used anyway, after this field's); the
/// reason otherwise.
pub fn domain_field_problem(key: &str, kind: FieldType) -> Option<String> {
    if key == FieldTable::Lead.key_field() {
        return Some("the email's domain is used anyway, when the domain field names none".into());
    }
    if !matches!(kind, FieldType::Text | FieldType::SingleChoice) {
        return Some(format!("a {} field holds no domain; choose a text field such as website", kind.as_str()));
    }
    None
}

impl Store {
    /// The active portal's company mapping: the domain row first, then the rows filled from
    /// company fields and from lead fields, each in field order.
    pub fn company_mappings(&self) -> Result<Vec<CompanyMapping>> {
        let mut stmt = self.conn.prepare(
            "SELECT m.property, m.source, m.field_key, m.write_rule
             FROM portal_company_mappings m
             LEFT JOIN company_fields cf ON m.source = 'company' AND cf.key = m.field_key
             LEFT JOIN fields lf ON m.source = 'lead' AND lf.key = m.field_key
             WHERE m.portal_id = (SELECT portal_id FROM active_profile)
             ORDER BY m.property <> 'domain', m.source = 'lead', COALESCE(cf.position, lf.position), m.property",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        rows.map(|row| {
            let (property, source, field_key, rule) = row?;
            Ok(CompanyMapping {
                property,
                source: MappingSource::parse(&source)
                    .ok_or_else(|| StoreError::Corrupt(format!("company mapping source {source:?}")))?,
                field_key,
                write_rule: WriteRule::parse(&rule)
                    .ok_or_else(|| StoreError::Corrupt(format!("write rule {rule:?}")))?,
            })
        })
        .collect()
    }

    /// Fills a company property from a field of the company or of the lead (replacing what
    /// filled it). A new row's rule defaults to `overwrite`; an existing row keeps its rule
    /// unless one is given. The domain row stays as it is (`DomainMappingLocked`).
    pub fn set_company_mapping(
        &mut self,
        property: &str,
        source: MappingSource,
        field_key: &str,
        rule: Option<WriteRule>,
    ) -> Result<CompanyMapping> {
        if !valid_property_name(property) {
            return Err(StoreError::InvalidPropertyName(property.to_string()));
        }
        check_domain_lock(property, source, field_key, rule)?;
        let tx = self.conn.transaction()?;
        let portal = active_profile(&tx)?;
        if field_of(&tx, source.fields(), field_key)?.is_none() {
            return Err(source.fields().unknown(field_key));
        }
        let existing: Option<String> = tx
            .query_row(
                "SELECT write_rule FROM portal_company_mappings WHERE portal_id = ?1 AND property = ?2",
                params![portal, property],
                |r| r.get(0),
            )
            .optional()?;
        let write_rule =
            rule.or_else(|| existing.as_deref().and_then(WriteRule::parse)).unwrap_or(WriteRule::Overwrite);
        tx.execute(
            "INSERT INTO portal_company_mappings (portal_id, property, source, field_key, write_rule)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (portal_id, property) DO UPDATE SET source = excluded.source,
                 field_key = excluded.field_key, write_rule = excluded.write_rule",
            params![portal, property, source.as_str(), field_key, write_rule.as_str()],
        )?;
        tx.commit()?;
        Ok(CompanyMapping { property: property.into(), source, field_key: field_key.into(), write_rule })
    }

    /// Stops filling a company property. The domain row stays.
    pub fn remove_company_mapping(&mut self, property: &str) -> Result<()> {
        if property == DOMAIN_PROPERTY {
            return Err(StoreError::DomainMappingLocked);
        }
        let removed = self.conn.execute(
            "DELETE FROM portal_company_mappings WHERE portal_id = (SELECT portal_id FROM active_profile) AND property = ?1",
            [property],
        )?;
        if removed == 0 {
            return Err(StoreError::CompanyPropertyNotMapped(property.to_string()));
        }
        Ok(())
    }

    /// Gives the active profile's company mapping these rows (company field → property, each
    /// overwriting) when it holds the domain row only and its company rules were never decided:
    /// a first portal's start. A mapping the admin made, or rules they decided, stay as they
    /// are. Whether the rows went in.
    pub fn start_company_mapping(&mut self, rows: &[(&str, &str)]) -> Result<bool> {
        for (field, property) in rows {
            check_domain_lock(property, MappingSource::Company, field, Some(WriteRule::Overwrite))?;
            if !valid_property_name(property) {
                return Err(StoreError::InvalidPropertyName(property.to_string()));
            }
        }
        let tx = self.conn.transaction()?;
        let portal = active_profile(&tx)?;
        let untouched: bool = tx.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM portal_company_mappings WHERE portal_id = ?1 AND property <> ?2)
                AND NOT EXISTS (SELECT 1 FROM portal_company_rules WHERE portal_id = ?1 AND decided_at IS NOT NULL)",
            params![portal, DOMAIN_PROPERTY],
            |r| r.get(0),
        )?;
        if !untouched {
            return Ok(false);
        }
        for (field, property) in rows {
            if field_of(&tx, FieldTable::Company, field)?.is_none() {
                return Err(FieldTable::Company.unknown(field));
            }
            tx.execute(
                "INSERT INTO portal_company_mappings (portal_id, property, source, field_key, write_rule)
                 VALUES (?1, ?2, 'company', ?3, 'overwrite')",
                params![portal, property, field],
            )?;
        }
        tx.commit()?;
        Ok(!rows.is_empty())
    }

    pub fn company_push_rules(&self) -> Result<CompanyPushRules> {
        Ok(self.conn.query_row(
            "SELECT associate_enabled, create_enabled FROM portal_company_rules
             WHERE portal_id = (SELECT portal_id FROM active_profile)",
            [],
            |r| Ok(CompanyPushRules { associate: r.get(0)?, create: r.get(1)? }),
        )?)
    }

    /// Changes either rule (or neither: the admin keeps them as they are). Create on with
    /// associate off is refused, whichever change would cause it. Either way the rules count as
    /// decided from now (`company_push_rules_decided_at`).
    pub fn set_company_push_rules(
        &mut self,
        associate: Option<bool>,
        create: Option<bool>,
    ) -> Result<CompanyPushRules> {
        let current = self.company_push_rules()?;
        let next = CompanyPushRules {
            associate: associate.unwrap_or(current.associate),
            create: create.unwrap_or(current.create),
        };
        if next.create && !next.associate {
            return Err(StoreError::CreateCompanyNeedsAssociate);
        }
        self.conn.execute(
            "UPDATE portal_company_rules SET associate_enabled = ?1, create_enabled = ?2, decided_at = ?3
             WHERE portal_id = (SELECT portal_id FROM active_profile)",
            params![next.associate, next.create, stamp(self.clock.now())],
        )?;
        Ok(next)
    }

    /// When the admin last saved the active portal's company rules (or imported a configuration
    /// with them); `None` while they are as the portal got them.
    pub fn company_push_rules_decided_at(&self) -> Result<Option<DateTime<Utc>>> {
        let raw: Option<String> = self.conn.query_row(
            "SELECT decided_at FROM portal_company_rules WHERE portal_id = (SELECT portal_id FROM active_profile)",
            [],
            |r| r.get(0),
        )?;
        Ok(raw.as_deref().map(parse_stamp).transpose()?)
    }

    /// The lead field whose value names a lead's company domain before its email's domain;
    /// `None`: the email's domain only.
    pub fn company_domain_field(&self) -> Result<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT domain_field FROM portal_company_rules WHERE portal_id = (SELECT portal_id FROM active_profile)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Sets (or, with `None`, clears) the lead field naming a lead's company domain: an
    /// existing text or single choice field other than the email.
    pub fn set_company_domain_field(&mut self, field_key: Option<&str>) -> Result<Option<String>> {
        let tx = self.conn.transaction()?;
        if let Some(key) = field_key {
            let field: Field =
                field_of(&tx, FieldTable::Lead, key)?.ok_or_else(|| StoreError::UnknownField(key.into()))?;
            if let Some(reason) = domain_field_problem(key, field.kind) {
                return Err(StoreError::InvalidDomainField { field: key.into(), reason });
            }
        }
        tx.execute(
            "UPDATE portal_company_rules SET domain_field = ?1 WHERE portal_id = (SELECT portal_id FROM active_profile)",
            [field_key],
        )?;
        tx.commit()?;
        Ok(field_key.map(String::from))
    }
}
