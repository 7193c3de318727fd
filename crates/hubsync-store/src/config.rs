//! The admin's configuration as one file: custom lead fields, the mapping, push rules and
//! pull rules, to keep under version control or move to another laptop. Imported in one
//! transaction, checked whole first: a file with any problem changes nothing.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Result;
use crate::error::StoreError;
use crate::fields::FieldType;
use crate::store::{
    Mapping, PushRules, Store, WriteRule, active_profile, check_field_definition, default_label, stamp,
    valid_property_name,
};

/// The file's format version; a newer file is refused with a message.
pub const CONFIG_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigFile {
    pub version: u32,
    /// Custom fields only; built-in ones exist everywhere.
    #[serde(default)]
    pub fields: Vec<CustomField>,
    #[serde(default)]
    pub mappings: Vec<Mapping>,
    pub push_rules: PushRules,
    /// The sync crate's pull rules; `None` is every contact.
    #[serde(default)]
    pub pull_rules: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CustomField {
    pub key: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub options: Vec<String>,
}

fn invalid(message: String) -> StoreError {
    StoreError::InvalidConfig(message)
}

impl Store {
    pub fn export_config(&self) -> Result<ConfigFile> {
        Ok(ConfigFile {
            version: CONFIG_VERSION,
            fields: self
                .fields()?
                .into_iter()
                .filter(|f| !f.builtin)
                .map(|f| CustomField { key: f.key, label: Some(f.label), kind: f.kind, options: f.options })
                .collect(),
            mappings: self.mappings()?,
            push_rules: self.push_rules()?,
            pull_rules: self.pull_rules_json()?,
        })
    }

    /// Applies a configuration file: adds its custom fields that are missing (one of the same
    /// name must have the same type), replaces the mapping and both sets of rules.
    pub fn import_config(&mut self, config: &ConfigFile) -> Result<()> {
        if config.version > CONFIG_VERSION {
            return Err(invalid(format!(
                "the file is version {} of the configuration format; this Hubsync reads up to {CONFIG_VERSION}. Update Hubsync",
                config.version
            )));
        }
        if config.push_rules.create && !config.push_rules.update {
            return Err(StoreError::CreateNeedsUpdate);
        }
        let existing: std::collections::HashMap<String, crate::Field> =
            self.fields()?.into_iter().map(|f| (f.key.clone(), f)).collect();
        let mut new_fields = Vec::new();
        for field in &config.fields {
            let options = check_field_definition(&field.key, field.kind, &field.options)?;
            match existing.get(&field.key) {
                Some(have) if have.kind != field.kind => {
                    return Err(invalid(format!(
                        "the field {} is {} here and {} in the file; rename one of them",
                        field.key,
                        have.kind.as_str(),
                        field.kind.as_str()
                    )));
                }
                Some(_) => {}
                None => new_fields.push((field, options)),
            }
        }
        let known = |key: &str| existing.contains_key(key) || config.fields.iter().any(|f| f.key == key);
        let mut seen_properties = std::collections::HashMap::new();
        for mapping in &config.mappings {
            if !known(&mapping.field_key) {
                return Err(invalid(format!(
                    "the mapping names the field {:?}, which neither this store nor the file defines",
                    mapping.field_key
                )));
            }
            if !valid_property_name(&mapping.property) {
                return Err(StoreError::InvalidPropertyName(mapping.property.clone()));
            }
            if mapping.field_key == "email"
                && (mapping.property != "email" || mapping.write_rule != WriteRule::Overwrite)
            {
                return Err(StoreError::EmailMappingLocked);
            }
            if let Some(other) = seen_properties.insert(mapping.property.clone(), mapping.field_key.clone()) {
                return Err(StoreError::PropertyAlreadyMapped { property: mapping.property.clone(), field: other });
            }
        }

        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        insert_custom_fields(&tx, &new_fields, &now)?;
        // The file replaces the active portal's configuration; other portals keep theirs.
        let portal = active_profile(&tx)?;
        replace_mappings(&tx, portal, &config.mappings)?;
        tx.execute(
            "UPDATE portal_push_rules SET update_enabled = ?1, create_enabled = ?2 WHERE portal_id = ?3",
            params![config.push_rules.update, config.push_rules.create, portal],
        )?;
        match &config.pull_rules {
            Some(rules) => tx.execute(
                "INSERT INTO portal_pull_rules (portal_id, rules, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (portal_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
                params![portal, rules.to_string(), now],
            )?,
            None => tx.execute("DELETE FROM portal_pull_rules WHERE portal_id = ?1", [portal])?,
        };
        tx.commit()?;
        Ok(())
    }
}

/// Adds custom fields (checked, with their options as `check_field_definition` returned them)
/// after the existing ones.
pub(crate) fn insert_custom_fields(
    tx: &rusqlite::Transaction<'_>,
    fields: &[(&CustomField, Vec<String>)],
    now: &str,
) -> Result<()> {
    for (field, options) in fields {
        let position: i64 = tx.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM fields", [], |r| r.get(0))?;
        let label = field.label.clone().filter(|l| !l.trim().is_empty()).unwrap_or_else(|| default_label(&field.key));
        tx.execute(
            "INSERT INTO fields (key, label, type, options, builtin, position, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
            params![field.key, label, field.kind.as_str(), serde_json::to_string(options).expect("strings"), position, now],
        )?;
    }
    Ok(())
}

/// Replaces a portal's mapping with `mappings`; the email row stays as it is.
pub(crate) fn replace_mappings(tx: &rusqlite::Transaction<'_>, portal: i64, mappings: &[Mapping]) -> Result<()> {
    tx.execute("DELETE FROM portal_mappings WHERE portal_id = ?1 AND field_key <> 'email'", [portal])?;
    for mapping in mappings.iter().filter(|m| m.field_key != "email") {
        tx.execute(
            "INSERT INTO portal_mappings (portal_id, field_key, property, write_rule) VALUES (?1, ?2, ?3, ?4)",
            params![portal, mapping.field_key, mapping.property, mapping.write_rule.as_str()],
        )?;
    }
    Ok(())
}
