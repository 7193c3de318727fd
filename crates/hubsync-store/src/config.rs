//! The admin's configuration as one file: custom lead fields, the mapping, push rules and
//! pull rules, to keep under version control or move to another laptop. Imported in one
//! transaction, checked whole first: a file with any problem changes nothing.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Result;
use crate::error::StoreError;
use crate::fields::FieldType;
use crate::fields::default_label;
use crate::mapping::{Mapping, PushRules};
use crate::mapping_file::check_fields_and_rows;
use crate::portals::active_profile;
use crate::store::{Store, stamp};

/// The file's format version; a newer file is refused with a message.
pub const CONFIG_VERSION: u32 = 1;

/// The most custom fields a configuration or mapping file may hold: a custom field exists to
/// fill a custom property, and HubSpot lets a portal define 1,000 custom properties on an
/// object (its Products & Services catalog; paid tiers, 10 on free ones). A cap keeps a
/// hostile or broken file from making an import's checks and writes arbitrarily long.
pub const MAX_CUSTOM_FIELDS: usize = 1_000;

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

impl ConfigFile {
    /// Reads a configuration file's text (a byte-order mark, as some editors write, is
    /// skipped); what is not one is refused with where it stopped making sense.
    pub fn parse(text: &str) -> Result<ConfigFile> {
        serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(|e| {
            StoreError::InvalidConfig(vec![format!(
                "it is not a Hubsync configuration (line {}, column {}: {e}); choose a file Hubsync exported its configuration to",
                e.line(),
                e.column()
            )])
        })
    }
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
    /// name must have the same type), replaces the mapping and both sets of rules. The whole
    /// file is checked first, with the checks a mapping file gets, and `more_problems` (what
    /// the live portal refuses) are reported with its own: any problem changes nothing
    /// (`InvalidConfig`, every problem listed).
    pub fn import_config(&mut self, config: &ConfigFile, more_problems: Vec<String>) -> Result<()> {
        let mut problems = Vec::new();
        if config.version > CONFIG_VERSION {
            problems.push(format!(
                "the file is version {} of the configuration format; this Hubsync reads up to {CONFIG_VERSION}. Update Hubsync",
                config.version
            ));
        }
        if config.push_rules.create && !config.push_rules.update {
            problems.push(format!("the push rules: {}", StoreError::CreateNeedsUpdate));
        }
        let existing = self.field_map()?;
        let new_fields = check_fields_and_rows(&existing, &config.fields, &config.mappings, &mut problems);
        problems.extend(more_problems);
        if !problems.is_empty() {
            return Err(StoreError::InvalidConfig(problems));
        }

        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        insert_custom_fields(&tx, &new_fields, &now)?;
        // The file replaces the active portal's configuration; other portals keep theirs.
        let portal = active_profile(&tx)?;
        replace_mappings(&tx, portal, &config.mappings)?;
        tx.execute(
            "UPDATE portal_push_rules SET update_enabled = ?1, create_enabled = ?2, decided_at = ?4 WHERE portal_id = ?3",
            params![config.push_rules.update, config.push_rules.create, portal, now],
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

/// Adds custom fields (checked, their options as `check_field_definition` returned them) after
/// the existing ones, in the order given.
pub(crate) fn insert_custom_fields(tx: &rusqlite::Transaction<'_>, fields: &[CustomField], now: &str) -> Result<()> {
    // Positions are counted on from the last one: asking for the largest per field would scan
    // the fields once per field.
    let last: i64 = tx.query_row("SELECT COALESCE(MAX(position), 0) FROM fields", [], |r| r.get(0))?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO fields (key, label, type, options, builtin, position, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
    )?;
    for (field, position) in fields.iter().zip(last + 1..) {
        let label = field.label.clone().filter(|l| !l.trim().is_empty()).unwrap_or_else(|| default_label(&field.key));
        let options = serde_json::to_string(&field.options).expect("strings");
        insert.execute(params![field.key, label, field.kind.as_str(), options, position, now])?;
    }
    Ok(())
}

/// Replaces a portal's mapping with `mappings`; the email row stays as it is.
pub(crate) fn replace_mappings(tx: &rusqlite::Transaction<'_>, portal: i64, mappings: &[Mapping]) -> Result<()> {
    tx.execute("DELETE FROM portal_mappings WHERE portal_id = ?1 AND field_key <> 'email'", [portal])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO portal_mappings (portal_id, field_key, property, write_rule) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for mapping in mappings.iter().filter(|m| m.field_key != "email") {
        insert.execute(params![portal, mapping.field_key, mapping.property, mapping.write_rule.as_str()])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::ffi::{c_int, c_void};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::{SystemClock, WriteRule};

    /// A configuration of `count` custom text fields, each mapped to a property of its own.
    fn config_of(count: usize) -> ConfigFile {
        let key = |i: usize| format!("custom_{i}");
        ConfigFile {
            version: CONFIG_VERSION,
            fields: (0..count)
                .map(|i| CustomField { key: key(i), label: None, kind: FieldType::Text, options: vec![] })
                .collect(),
            mappings: (0..count)
                .map(|i| Mapping { field_key: key(i), property: format!("prop_{i}"), write_rule: WriteRule::Overwrite })
                .collect(),
            push_rules: PushRules { update: true, create: false },
            pull_rules: None,
        }
    }

    unsafe extern "C" fn count_step(counter: *mut c_void) -> c_int {
        // SAFETY: the pointer is the `AtomicU64` `sqlite_steps` keeps alive while the handler is set.
        unsafe { (*(counter as *const AtomicU64)).fetch_add(1, Ordering::Relaxed) };
        0
    }

    /// The virtual-machine steps SQLite runs for `work`: what the work costs the database,
    /// counted rather than timed, so the count is the same on any machine.
    fn sqlite_steps(store: &mut Store, work: impl FnOnce(&mut Store)) -> u64 {
        let counter = AtomicU64::new(0);
        // SAFETY: the handler is removed before `counter` goes out of scope.
        unsafe {
            let handle = store.conn.handle();
            rusqlite::ffi::sqlite3_progress_handler(handle, 1, Some(count_step), &counter as *const _ as *mut c_void);
            work(store);
            rusqlite::ffi::sqlite3_progress_handler(handle, 0, None, std::ptr::null_mut());
        }
        counter.into_inner()
    }

    fn import_steps(count: usize) -> u64 {
        let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        let config = config_of(count);
        sqlite_steps(&mut store, |store| store.import_config(&config, Vec::new()).unwrap())
    }

    #[test]
    fn importing_twice_the_fields_costs_twice_the_work() {
        let (half, full) = (import_steps(400), import_steps(800));
        // Linear work doubles (a little less: some of it is fixed); work per field that grows
        // with the fields already there (a scan each) would nearly quadruple it.
        assert!(full * 10 < half * 22, "{half} steps for 400 fields, {full} for 800");
    }

    #[test]
    fn a_file_with_more_custom_fields_than_hubspot_allows_custom_properties_is_refused_whole() {
        let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        let before = store.export_config().unwrap();
        let error = store.import_config(&config_of(MAX_CUSTOM_FIELDS + 1), Vec::new()).unwrap_err();
        assert_eq!(error.code(), "invalid_config");
        let message = error.to_string();
        assert!(
            message.contains("it has 1001 custom fields and 1001 mapping rows; Hubsync takes at most 1000"),
            "{message}"
        );
        assert_eq!(store.export_config().unwrap(), before, "nothing imported");
        store.import_config(&config_of(MAX_CUSTOM_FIELDS), Vec::new()).unwrap();
        assert_eq!(store.export_config().unwrap().fields.len(), MAX_CUSTOM_FIELDS);
    }
}
