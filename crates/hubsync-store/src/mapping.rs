//! The mapping from lead fields to HubSpot contact properties, and the push and pull rules: the
//! active portal's, through the `active_profile` view.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::StoreError;
use crate::portals::active_profile;
use crate::store::{Store, parse_stamp, stamp};

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

/// The built-in lead fields HubSpot has a standard contact property for, each with it: a new
/// portal's mapping starts with those its portal takes writes to (each overwriting), so a first
/// push fills names, company, title, phone, website, city and country. The choice fields
/// (company size, lifecycle stage, lead status) are the admin's to map: their values must be the
/// portal's options, and HubSpot moves a lifecycle stage forward only.
pub const STANDARD_MAPPINGS: &[(&str, &str)] = &[
    ("first_name", "firstname"),
    ("last_name", "lastname"),
    ("company", "company"),
    ("job_title", "jobtitle"),
    ("phone", "phone"),
    ("website", "website"),
    ("city", "city"),
    ("country", "country"),
];

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

impl Store {
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

    pub fn push_rules(&self) -> Result<PushRules> {
        Ok(self.conn.query_row(
            "SELECT update_enabled, create_enabled FROM portal_push_rules WHERE portal_id = (SELECT portal_id FROM active_profile)",
            [],
            |r| Ok(PushRules { update: r.get(0)?, create: r.get(1)? }),
        )?)
    }

    /// Changes either rule (or neither: the admin keeps them as they are). Create on with
    /// update off is refused, whichever change would cause it. Either way the rules count as
    /// decided from now (`push_rules_decided_at`).
    pub fn set_push_rules(&mut self, update: Option<bool>, create: Option<bool>) -> Result<PushRules> {
        let current = self.push_rules()?;
        let next = PushRules { update: update.unwrap_or(current.update), create: create.unwrap_or(current.create) };
        if next.create && !next.update {
            return Err(StoreError::CreateNeedsUpdate);
        }
        self.conn.execute(
            "UPDATE portal_push_rules SET update_enabled = ?1, create_enabled = ?2, decided_at = ?3
             WHERE portal_id = (SELECT portal_id FROM active_profile)",
            params![next.update, next.create, stamp(self.clock.now())],
        )?;
        Ok(next)
    }

    /// When the admin last saved the active portal's push rules (or imported a configuration
    /// with them); `None` while they are as the portal got them.
    pub fn push_rules_decided_at(&self) -> Result<Option<DateTime<Utc>>> {
        let raw: Option<String> = self.conn.query_row(
            "SELECT decided_at FROM portal_push_rules WHERE portal_id = (SELECT portal_id FROM active_profile)",
            [],
            |r| r.get(0),
        )?;
        Ok(raw.as_deref().map(parse_stamp).transpose()?)
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
}

/// HubSpot property names: lowercase letters, digits and underscores.
pub(crate) fn valid_property_name(property: &str) -> bool {
    !property.is_empty()
        && property.len() <= 100
        && property.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
