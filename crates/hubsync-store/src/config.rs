//! The admin's configuration as one file: custom lead fields, the mapping, push rules and
//! pull rules, and the company settings, to keep under version control or move to another
//! laptop. Imported in one transaction, checked whole first: a file with any problem changes
//! nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Result;
use crate::company_domains::FreeMailOverride;
use crate::company_mapping::{
    CompanyMapping, CompanyPushRules, DOMAIN_PROPERTY, MappingSource, check_domain_lock, domain_field_problem,
};
use crate::error::StoreError;
use crate::fields::{Field, FieldTable, FieldType, default_label, field_map_in, quoted};
use crate::guardrails::{Guardrails, set_guardrails_in};
use crate::mapping::{Mapping, PushRules, valid_property_name};
use crate::mapping_file::{check_custom_fields, check_fields_and_rows};
use crate::portals::active_profile;
use crate::store::{Store, stamp};

/// The file's format version; a newer file is refused with a message.
pub const CONFIG_VERSION: u32 = 1;

/// The most custom fields a configuration or mapping file may hold: a custom field exists to
/// fill a custom property, and HubSpot lets a portal define 1,000 custom properties on an
/// object (its Products & Services catalog; paid tiers, 10 on free ones). A cap keeps a
/// hostile or broken file from making an import's checks and writes arbitrarily long.
pub const MAX_CUSTOM_FIELDS: usize = 1_000;

/// The most free-mail overrides a configuration file may hold: far more than an admin makes by
/// hand, few enough that a hostile file can't make an import long.
pub const MAX_FREE_MAIL_OVERRIDES: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// The company settings; a file without them (written before Hubsync knew companies)
    /// leaves the store's as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companies: Option<CompanyConfig>,
    /// The guardrails; a file without them (written before Hubsync had them) leaves the store's
    /// as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrails: Option<GuardrailsConfig>,
}

/// The guardrails as a configuration file holds them (no key: no limit).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GuardrailsConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_creates: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_overwrites: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_overwrite_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_archives: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_percent: Option<f64>,
}

impl From<Guardrails> for GuardrailsConfig {
    fn from(g: Guardrails) -> Self {
        GuardrailsConfig {
            max_creates: g.max_creates,
            max_overwrites: g.max_overwrites,
            max_overwrite_percent: g.max_overwrite_percent,
            max_archives: g.max_archives,
            max_failed_percent: g.max_failed_percent,
        }
    }
}

impl From<&GuardrailsConfig> for Guardrails {
    fn from(g: &GuardrailsConfig) -> Self {
        Guardrails {
            max_creates: g.max_creates,
            max_overwrites: g.max_overwrites,
            max_overwrite_percent: g.max_overwrite_percent,
            max_archives: g.max_archives,
            max_failed_percent: g.max_failed_percent,
        }
    }
}

/// The company settings of a configuration file: custom company fields, the company mapping,
/// the company rules and domain field (the active portal's), and the free-mail overrides (the
/// store's). Each part left out of the file is its default: no custom field, the domain row
/// only, nothing associated or created, the email's domain only, the maintained list as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompanyConfig {
    /// Custom company fields only; built-in ones exist everywhere.
    #[serde(default)]
    pub fields: Vec<CustomField>,
    #[serde(default)]
    pub mappings: Vec<CompanyMapping>,
    #[serde(default)]
    pub push_rules: CompanyPushRules,
    /// The lead field naming a lead's company domain; `None`: the email's domain only.
    #[serde(default)]
    pub domain_field: Option<String>,
    #[serde(default)]
    pub free_mail_overrides: Vec<FreeMailOverride>,
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

/// A custom field as a file holds it.
impl From<Field> for CustomField {
    fn from(field: Field) -> CustomField {
        CustomField { key: field.key, label: Some(field.label), kind: field.kind, options: field.options }
    }
}

impl Store {
    pub fn export_config(&self) -> Result<ConfigFile> {
        Ok(ConfigFile {
            version: CONFIG_VERSION,
            fields: self.fields()?.into_iter().filter(|f| !f.builtin).map(CustomField::from).collect(),
            mappings: self.mappings()?,
            push_rules: self.push_rules()?,
            pull_rules: self.pull_rules_json()?,
            companies: Some(CompanyConfig {
                fields: self.company_fields()?.into_iter().filter(|f| !f.builtin).map(CustomField::from).collect(),
                mappings: self.company_mappings()?,
                push_rules: self.company_push_rules()?,
                domain_field: self.company_domain_field()?,
                free_mail_overrides: self.free_mail_overrides()?,
            }),
            guardrails: Some(self.guardrails()?.into()),
        })
    }

    /// Applies a configuration file: adds its custom fields that are missing (one of the same
    /// name must have the same type), replaces the mapping and both sets of rules, and, when
    /// the file has company settings, adds its custom company fields and replaces the company
    /// mapping (but its domain row), the company rules and domain field, and the free-mail
    /// overrides. The whole file is checked first, with the checks a mapping file gets, and
    /// `more_problems` (what the live portal refuses) are reported with its own: any problem
    /// changes nothing (`InvalidConfig`, every problem listed).
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
        let companies = match &config.companies {
            Some(companies) => {
                let existing_company = field_map_in(&self.conn, FieldTable::Company)?;
                Some(check_companies(&existing, &config.fields, &existing_company, companies, &mut problems))
            }
            None => None,
        };
        if let Some(guardrails) = &config.guardrails {
            problems
                .extend(Guardrails::from(guardrails).problems().into_iter().map(|p| format!("the guardrails: {p}")));
        }
        problems.extend(more_problems);
        if !problems.is_empty() {
            return Err(StoreError::InvalidConfig(problems));
        }

        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        insert_custom_fields(&tx, FieldTable::Lead, &new_fields, &now)?;
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
        if let (Some(config), Some(checked)) = (&config.companies, &companies) {
            import_companies(&tx, portal, config, checked, &now)?;
        }
        if let Some(guardrails) = &config.guardrails {
            set_guardrails_in(&tx, &guardrails.into(), &now)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// A file's company settings as they will be written: the custom company fields the store
/// lacks, and the free-mail overrides' domains normalised.
struct CheckedCompanies {
    new_fields: Vec<CustomField>,
    overrides: Vec<(String, bool)>,
}

/// Checks a file's company settings, every problem into `problems`: the custom company fields
/// (as lead fields), the mapping rows (a property name HubSpot could have, filled once, from a
/// field its source has here or in the file, the domain row as it must be), the rules (create
/// only with associate), the domain field (a lead field that can name a domain), the
/// overrides (domains, each once). Files over the caps are refused before the rest is looked at.
fn check_companies(
    lead_fields: &BTreeMap<String, Field>,
    file_lead_fields: &[CustomField],
    company_fields: &BTreeMap<String, Field>,
    config: &CompanyConfig,
    problems: &mut Vec<String>,
) -> CheckedCompanies {
    let nothing = CheckedCompanies { new_fields: Vec::new(), overrides: Vec::new() };
    // A property is filled once: at most as many rows as fields of both kinds could fill.
    let builtin = company_fields.values().chain(lead_fields.values()).filter(|f| f.builtin).count();
    let max_rows = 2 * MAX_CUSTOM_FIELDS + builtin;
    if config.fields.len() > MAX_CUSTOM_FIELDS || config.mappings.len() > max_rows {
        problems.push(format!(
            "its companies have {} custom fields and {} mapping rows; Hubsync takes at most {MAX_CUSTOM_FIELDS}              custom company fields, as many custom properties as HubSpot lets a portal define, and {max_rows} rows",
            config.fields.len(),
            config.mappings.len()
        ));
        return nothing;
    }
    if config.free_mail_overrides.len() > MAX_FREE_MAIL_OVERRIDES {
        problems.push(format!(
            "it has {} free-mail overrides; Hubsync takes at most {MAX_FREE_MAIL_OVERRIDES}",
            config.free_mail_overrides.len()
        ));
        return nothing;
    }
    let (new_fields, file_company_fields) =
        check_custom_fields(company_fields, &config.fields, "company field", problems);
    let file_lead_fields: HashMap<&str, FieldType> =
        file_lead_fields.iter().map(|f| (f.key.as_str(), f.kind)).collect();
    let mut properties = HashSet::new();
    for row in &config.mappings {
        let (property, key) = (row.property.as_str(), row.field_key.as_str());
        let described = format!("the company row {property} ← {} field {key}", row.source.as_str());
        if !properties.insert(property) {
            problems.push(format!("the company property {property} has two rows; keep one"));
            continue;
        }
        if !valid_property_name(property) {
            problems.push(format!("{described}: {}", StoreError::InvalidPropertyName(property.into())));
        }
        if check_domain_lock(property, row.source, key, Some(row.write_rule)).is_err() {
            problems.push(format!(
                "{described}: {}; the file must fill domain from the company field domain, overwrite, or leave the row out",
                StoreError::DomainMappingLocked
            ));
        }
        let known = match row.source {
            MappingSource::Company => company_fields.contains_key(key) || file_company_fields.contains(key),
            MappingSource::Lead => lead_fields.contains_key(key) || file_lead_fields.contains_key(key),
        };
        if !known {
            problems.push(format!(
                "{described} names the {} field {key:?}, which neither this store nor the file defines",
                row.source.as_str()
            ));
        }
    }
    if config.push_rules.create && !config.push_rules.associate {
        problems.push(format!("the company rules: {}", StoreError::CreateCompanyNeedsAssociate));
    }
    if let Some(key) = &config.domain_field {
        let kind = lead_fields.get(key).map(|f| f.kind).or_else(|| file_lead_fields.get(key.as_str()).copied());
        match kind {
            None => problems.push(format!(
                "the company domain field {key:?} is a lead field neither this store nor the file defines"
            )),
            Some(kind) => {
                if let Some(reason) = domain_field_problem(key, kind) {
                    problems.push(format!("the company domain field {key}: {reason}"));
                }
            }
        }
    }
    let mut overrides = Vec::with_capacity(config.free_mail_overrides.len());
    let mut seen = HashSet::new();
    for entry in &config.free_mail_overrides {
        match hubsync_email::normalize_domain(&entry.domain) {
            Err(problem) => {
                problems.push(format!("the free-mail override {}: {problem}", quoted(&entry.domain)));
            }
            Ok(domain) if !seen.insert(domain.clone()) => {
                problems.push(format!("the free-mail override {domain} is listed twice; keep one"));
            }
            Ok(domain) => overrides.push((domain, entry.free)),
        }
    }
    CheckedCompanies { new_fields, overrides }
}

/// Writes checked company settings: the file replaces the active portal's company mapping (its
/// domain row stays) and rules, and the store's free-mail overrides.
fn import_companies(
    tx: &rusqlite::Transaction<'_>,
    portal: i64,
    config: &CompanyConfig,
    checked: &CheckedCompanies,
    now: &str,
) -> Result<()> {
    insert_custom_fields(tx, FieldTable::Company, &checked.new_fields, now)?;
    tx.execute(
        "DELETE FROM portal_company_mappings WHERE portal_id = ?1 AND property <> ?2",
        params![portal, DOMAIN_PROPERTY],
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO portal_company_mappings (portal_id, property, source, field_key, write_rule)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for row in config.mappings.iter().filter(|m| m.property != DOMAIN_PROPERTY) {
        insert.execute(params![portal, row.property, row.source.as_str(), row.field_key, row.write_rule.as_str()])?;
    }
    tx.execute(
        "UPDATE portal_company_rules SET associate_enabled = ?1, create_enabled = ?2, domain_field = ?3, decided_at = ?4
         WHERE portal_id = ?5",
        params![config.push_rules.associate, config.push_rules.create, config.domain_field, now, portal],
    )?;
    tx.execute("DELETE FROM free_mail_overrides", [])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO free_mail_overrides (domain, free, updated_at) VALUES (?1, ?2, ?3)")?;
    for (domain, free) in &checked.overrides {
        insert.execute(params![domain, free, now])?;
    }
    Ok(())
}

/// Adds custom fields (checked, their options as `check_field_definition` returned them) after
/// the existing ones, in the order given.
pub(crate) fn insert_custom_fields(
    tx: &rusqlite::Transaction<'_>,
    table: FieldTable,
    fields: &[CustomField],
    now: &str,
) -> Result<()> {
    let name = table.table();
    // Positions are counted on from the last one: asking for the largest per field would scan
    // the fields once per field.
    let last: i64 = tx.query_row(&format!("SELECT COALESCE(MAX(position), 0) FROM {name}"), [], |r| r.get(0))?;
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO {name} (key, label, type, options, builtin, position, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)"
    ))?;
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
            companies: None,
            guardrails: None,
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
