//! The mapping alone as a file, to move it between laptops or portals: the rows and the custom
//! fields they need. Importing replaces the active portal's mapping, except the email row,
//! which is never removed or changed. Every problem in a file is found before anything
//! changes and all of them are reported at once.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::config::{CustomField, MAX_CUSTOM_FIELDS, insert_custom_fields, replace_mappings};
use crate::error::StoreError;
use crate::fields::check_field_definition;
use crate::mapping::{Mapping, WriteRule, valid_property_name};
use crate::portals::active_profile;
use crate::store::{Store, stamp};

/// What the file says it is, so another JSON file is told apart from a mapping file.
pub const MAPPING_FILE_FORMAT: &str = "hubsync-mapping";
/// The format's version; a newer file is refused with a message.
pub const MAPPING_FILE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    pub format: String,
    pub version: u32,
    /// The custom fields the rows name (built-in fields exist in every store).
    #[serde(default)]
    pub fields: Vec<CustomField>,
    pub mappings: Vec<Mapping>,
}

impl MappingFile {
    /// Reads a mapping file's text; what is not one is refused with what it looks like instead.
    pub fn parse(text: &str) -> Result<MappingFile> {
        let refuse = |why: String| StoreError::InvalidMappingFile(vec![why]);
        // Some editors start a UTF-8 file with a byte-order mark, which is no JSON.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| refuse(format!("it is not JSON ({e}); choose a mapping file Hubsync exported")))?;
        if value.get("format").is_none() && value.get("pushRules").is_some() {
            return Err(refuse(
                "it is a whole configuration file, not a mapping file: import it as a configuration instead".into(),
            ));
        }
        match value.get("format").and_then(|f| f.as_str()) {
            Some(MAPPING_FILE_FORMAT) => {}
            Some(other) => return Err(refuse(format!("its format is {other:?}, not {MAPPING_FILE_FORMAT:?}"))),
            None => {
                return Err(refuse(format!(
                    "it has no \"format\": \"{MAPPING_FILE_FORMAT}\", so it is not a Hubsync mapping file"
                )));
            }
        }
        if let Some(version) = value.get("version").and_then(|v| v.as_u64())
            && version > u64::from(MAPPING_FILE_VERSION)
        {
            return Err(refuse(format!(
                "it is version {version} of the mapping file format; this Hubsync reads up to {MAPPING_FILE_VERSION}. Update Hubsync"
            )));
        }
        serde_json::from_value(value).map_err(|e| refuse(format!("it does not have a mapping file's shape: {e}")))
    }

    /// The file's text: pretty JSON, ending with a newline.
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data") + "\n"
    }
}

/// A row whose property or write rule the import changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MappingChange {
    pub before: Mapping,
    pub after: Mapping,
}

/// What importing a file does to the active portal's mapping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MappingImportPlan {
    /// Custom fields the store gets.
    pub new_fields: Vec<CustomField>,
    pub added: Vec<Mapping>,
    pub changed: Vec<MappingChange>,
    /// Rows the file does not have (never the email row).
    pub removed: Vec<Mapping>,
    #[ts(type = "number")]
    pub unchanged: u32,
}

impl MappingImportPlan {
    pub fn changes_anything(&self) -> bool {
        !(self.new_fields.is_empty() && self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty())
    }
}

impl Store {
    /// The active portal's mapping as a file, with the custom fields its rows name.
    pub fn export_mapping(&self) -> Result<MappingFile> {
        let mappings = self.mappings()?;
        let named: HashSet<&str> = mappings.iter().map(|m| m.field_key.as_str()).collect();
        let fields = self
            .fields()?
            .into_iter()
            .filter(|f| !f.builtin && named.contains(f.key.as_str()))
            .map(CustomField::from)
            .collect();
        Ok(MappingFile { format: MAPPING_FILE_FORMAT.into(), version: MAPPING_FILE_VERSION, fields, mappings })
    }

    /// What importing `file` would change, or every problem it has (`InvalidMappingFile`).
    /// `more_problems` (e.g. properties the live portal refuses) are reported with the file's own.
    pub fn plan_mapping_import(&self, file: &MappingFile, more_problems: Vec<String>) -> Result<MappingImportPlan> {
        let mut problems = Vec::new();
        if file.format != MAPPING_FILE_FORMAT {
            problems.push(format!("its format is {:?}, not {MAPPING_FILE_FORMAT:?}", file.format));
        }
        if file.version > MAPPING_FILE_VERSION {
            problems.push(format!(
                "it is version {} of the mapping file format; this Hubsync reads up to {MAPPING_FILE_VERSION}. Update Hubsync",
                file.version
            ));
        }
        let existing = self.field_map()?;
        let new_fields = check_fields_and_rows(&existing, &file.fields, &file.mappings, &mut problems);
        problems.extend(more_problems);
        if !problems.is_empty() {
            return Err(StoreError::InvalidMappingFile(problems));
        }

        let current = self.mappings()?;
        let by_field: HashMap<&str, &Mapping> = current.iter().map(|m| (m.field_key.as_str(), m)).collect();
        let mut plan = MappingImportPlan { new_fields, ..MappingImportPlan::default() };
        for mapping in file.mappings.iter().filter(|m| m.field_key != "email") {
            match by_field.get(mapping.field_key.as_str()) {
                None => plan.added.push(mapping.clone()),
                Some(&before) if before == mapping => plan.unchanged += 1,
                Some(&before) => plan.changed.push(MappingChange { before: before.clone(), after: mapping.clone() }),
            }
        }
        let rows: HashSet<&str> = file.mappings.iter().map(|m| m.field_key.as_str()).collect();
        plan.removed = current
            .iter()
            .filter(|c| c.field_key != "email" && !rows.contains(c.field_key.as_str()))
            .cloned()
            .collect();
        Ok(plan)
    }

    /// Imports `file` (checked whole first, in one transaction): adds the custom fields it
    /// needs and replaces the active portal's mapping, keeping the email row. Returns what
    /// changed.
    pub fn import_mapping(&mut self, file: &MappingFile, more_problems: Vec<String>) -> Result<MappingImportPlan> {
        let plan = self.plan_mapping_import(file, more_problems)?;
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        insert_custom_fields(&tx, crate::fields::FieldTable::Lead, &plan.new_fields, &now)?;
        let portal = active_profile(&tx)?;
        replace_mappings(&tx, portal, &file.mappings)?;
        tx.commit()?;
        Ok(plan)
    }
}

/// A file's custom fields (lead or company fields, `what` naming them in problems) checked: well
/// formed, defined once, of the type a field of the same name has here. Returns the fields the
/// store lacks (their options as they will be kept) and the keys the file defines.
pub(crate) fn check_custom_fields<'a>(
    existing: &BTreeMap<String, crate::Field>,
    fields: &'a [CustomField],
    what: &str,
    problems: &mut Vec<String>,
) -> (Vec<CustomField>, HashSet<&'a str>) {
    let mut new_fields = Vec::new();
    let mut file_fields = HashSet::new();
    for field in fields {
        if !file_fields.insert(field.key.as_str()) {
            problems.push(format!("the {what} {} is defined twice; keep one", field.key));
            continue;
        }
        match (check_field_definition(&field.key, field.kind, &field.options), existing.get(&field.key)) {
            (Err(e), _) => problems.push(format!("the {what} {}: {e}", field.key)),
            (Ok(_), Some(have)) if have.kind != field.kind => problems.push(format!(
                "the {what} {} is {} here and {} in the file; rename one of them",
                field.key,
                have.kind.as_str(),
                field.kind.as_str()
            )),
            (Ok(_), Some(_)) => {}
            (Ok(options), None) => new_fields.push(CustomField { options, ..field.clone() }),
        }
    }
    (new_fields, file_fields)
}

/// The checks a configuration file and a mapping file share: the custom fields (well formed,
/// defined once, of the type a field of the same name has here) and the rows (one per field,
/// naming a field the store or the file has, a property name HubSpot could have, the email row
/// as it must be, one field per property). Every problem goes into `problems`; returns the
/// fields the store lacks, their options as they will be kept. Each field and row is looked at
/// once, against maps: a large file costs in proportion to its size. Files over the caps are
/// refused before anything else is looked at.
pub(crate) fn check_fields_and_rows(
    existing: &BTreeMap<String, crate::Field>,
    fields: &[CustomField],
    mappings: &[Mapping],
    problems: &mut Vec<String>,
) -> Vec<CustomField> {
    // A field has at most one row: the built-in ones and as many custom ones as there may be.
    let max_rows = MAX_CUSTOM_FIELDS + existing.values().filter(|f| f.builtin).count();
    if fields.len() > MAX_CUSTOM_FIELDS || mappings.len() > max_rows {
        problems.push(format!(
            "it has {} custom fields and {} mapping rows; Hubsync takes at most {MAX_CUSTOM_FIELDS} custom fields, \
             as many custom properties as HubSpot lets a portal define, and one row a field ({max_rows}): \
             remove what no mapping row needs",
            fields.len(),
            mappings.len()
        ));
        return Vec::new();
    }
    let (new_fields, file_fields) = check_custom_fields(existing, fields, "field", problems);
    let mut rows = HashSet::new();
    let mut properties: HashMap<&str, &str> = HashMap::new();
    for mapping in mappings {
        let (key, property) = (mapping.field_key.as_str(), mapping.property.as_str());
        if !rows.insert(key) {
            problems.push(format!("the field {key} has two rows; keep one"));
            continue;
        }
        if !existing.contains_key(key) && !file_fields.contains(key) {
            problems.push(format!(
                "the row {key} → {property} names the field {key:?}, which neither this store nor the file defines"
            ));
        }
        if !valid_property_name(property) {
            problems.push(format!("the row {key} → {property}: {}", StoreError::InvalidPropertyName(property.into())));
        }
        if key == "email" && (property != "email" || mapping.write_rule != WriteRule::Overwrite) {
            problems.push(format!(
                "the row email → {property}: {}; the file must map email to email, overwrite, or leave the row out",
                StoreError::EmailMappingLocked
            ));
        }
        if let Some(other) = properties.insert(property, key) {
            problems.push(format!("the property {property} is filled by two fields ({other} and {key}); keep one"));
        }
    }
    new_fields
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{FieldType, SystemClock};

    fn store() -> Store {
        let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        store.add_field("plan", None, FieldType::SingleChoice, &["free".into(), "pro".into()]).unwrap();
        store.add_field("unused", None, FieldType::Text, &[]).unwrap();
        store.set_mapping("plan", "plan_tier", Some(WriteRule::IfEmpty)).unwrap();
        store
    }

    fn row(field_key: &str, property: &str, write_rule: WriteRule) -> Mapping {
        Mapping { field_key: field_key.into(), property: property.into(), write_rule }
    }

    #[test]
    fn export_holds_the_rows_and_only_the_custom_fields_they_name() {
        let file = store().export_mapping().unwrap();
        assert_eq!(file.format, MAPPING_FILE_FORMAT);
        assert_eq!(file.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["plan"]);
        assert!(file.mappings.contains(&row("plan", "plan_tier", WriteRule::IfEmpty)));
        assert!(file.mappings.iter().any(|m| m.field_key == "email"));
        // What was exported reads back as the same file.
        assert_eq!(MappingFile::parse(&file.to_text()).unwrap(), file);
    }

    #[test]
    fn a_round_trip_into_another_store_adds_fields_and_rows() {
        let file = store().export_mapping().unwrap();
        let mut other = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        let plan = other.plan_mapping_import(&file, Vec::new()).unwrap();
        assert_eq!(plan.new_fields.len(), 1);
        assert!(plan.added.contains(&row("plan", "plan_tier", WriteRule::IfEmpty)));
        let done = other.import_mapping(&file, Vec::new()).unwrap();
        assert_eq!(done, plan);
        assert_eq!(other.field("plan").unwrap().unwrap().options, ["free", "pro"]);
        assert_eq!(other.mappings().unwrap(), file.mappings);
        // Importing it again changes nothing.
        assert!(!other.plan_mapping_import(&file, Vec::new()).unwrap().changes_anything());
    }

    #[test]
    fn import_replaces_rows_but_never_removes_the_email_row() {
        let mut store = store();
        store.set_mapping("company", "company", None).unwrap();
        let file = MappingFile {
            format: MAPPING_FILE_FORMAT.into(),
            version: 1,
            fields: vec![],
            mappings: vec![row("plan", "plan_tier", WriteRule::Overwrite)],
        };
        let plan = store.import_mapping(&file, Vec::new()).unwrap();
        assert_eq!(plan.changed.len(), 1);
        assert_eq!(plan.changed[0].after.write_rule, WriteRule::Overwrite);
        assert_eq!(plan.removed, [row("company", "company", WriteRule::Overwrite)]);
        let keys: Vec<String> = store.mappings().unwrap().into_iter().map(|m| m.field_key).collect();
        assert_eq!(keys, ["email", "plan"]);
    }

    #[test]
    fn every_problem_is_reported_at_once_and_nothing_changes() {
        let mut store = store();
        let before = store.mappings().unwrap();
        let fields_before = store.fields().unwrap();
        let file = MappingFile {
            format: MAPPING_FILE_FORMAT.into(),
            version: 1,
            fields: vec![
                CustomField { key: "plan".into(), label: None, kind: FieldType::Number, options: vec![] },
                CustomField { key: "Bad Key".into(), label: None, kind: FieldType::Text, options: vec![] },
                CustomField { key: "tier".into(), label: None, kind: FieldType::Text, options: vec![] },
            ],
            mappings: vec![
                row("email", "work_email", WriteRule::Overwrite),
                row("ghost", "ghost_prop", WriteRule::Overwrite),
                row("tier", "Not A Name", WriteRule::Overwrite),
                row("company", "jobtitle", WriteRule::Overwrite),
                row("unused", "jobtitle", WriteRule::IfEmpty),
            ],
        };
        let Err(StoreError::InvalidMappingFile(problems)) =
            store.import_mapping(&file, vec!["HubSpot has no contact property \"x\"".into()])
        else {
            panic!("refused");
        };
        assert_eq!(problems.len(), 7, "{problems:#?}");
        for expected in [
            "the field plan is single_choice here and number",
            "Bad Key",
            "the row email → work_email",
            "\"ghost\"",
            "Not A Name",
            "filled by two fields (company and unused)",
            "\"x\"",
        ] {
            assert!(problems.iter().any(|p| p.contains(expected)), "{expected}: {problems:#?}");
        }
        assert_eq!(store.mappings().unwrap(), before);
        assert_eq!(store.fields().unwrap(), fields_before);
    }

    #[test]
    fn other_files_are_told_apart() {
        let problem = |text: &str| match MappingFile::parse(text) {
            Err(StoreError::InvalidMappingFile(p)) => p.join("; "),
            other => panic!("{other:?}"),
        };
        assert!(problem("name,email\n").contains("not JSON"));
        assert!(problem(r#"{"version":1,"pushRules":{"update":true,"create":false}}"#).contains("configuration file"));
        assert!(problem(r#"{"format":"other","version":1,"mappings":[]}"#).contains("not \"hubsync-mapping\""));
        assert!(problem(r#"{"format":"hubsync-mapping","version":9,"mappings":[]}"#).contains("Update Hubsync"));
        assert!(problem(r#"{"format":"hubsync-mapping","version":1}"#).contains("shape"));
    }
}
