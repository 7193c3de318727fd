//! SQL-hostile text through every query a user's input reaches: lead search, filters and sorts,
//! run row search, field keys, labels and options, mapping files. Each is taken literally (a
//! parameter, never SQL), matches only itself, and leaves the store whole.

use hubsync_store::journal::Journal;
use hubsync_store::{
    CustomField, FieldOp, FieldType, ItemOutcome, LeadFilter, LeadQuery, LeadSort, Mapping, MappingFile, RunAction,
    RunItemFilter, RunMode, SortKey, Store, StoreError, WriteRule,
};

/// Text that would change a statement it were pasted into, or match more than itself as a
/// `LIKE` pattern.
const HOSTILE: &[&str] = &[
    "'; DROP TABLE leads; --",
    "\"; DELETE FROM lead_values; --",
    "x' OR '1'='1",
    "%",
    "_",
    "a%b",
    "a_b",
    "\\",
    "\\%",
    "' UNION SELECT sql FROM sqlite_master --",
    "*/ ; VACUUM; /*",
    "?1 ?2 :name @name $name",
];

/// Control characters (NUL aside): values refuse them, searches and filters may still carry them.
const CONTROL: &str = "tab\there\rcr\x0b\x1f'; DROP TABLE leads; --";

/// Text a field key or property name may be (`_`, `a_b`): the only hostile text those take.
fn is_key_like(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn query() -> LeadQuery {
    LeadQuery { limit: 100, ..LeadQuery::default() }
}

fn emails(store: &Store, query: &LeadQuery) -> Vec<String> {
    store.query_leads(query).unwrap().leads.into_iter().map(|l| l.email).collect()
}

/// The store still has its tables, its rows, and a clean bill of health.
fn assert_intact(store: &Store, leads: i64) {
    assert_eq!(store.lead_count().unwrap(), leads, "leads were lost or added");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert!(store.fields().unwrap().iter().any(|f| f.key == "company"), "the fields table lost its rows");
}

/// One lead per hostile text, in the `company` field, plus a bystander.
fn store_with_hostile_values() -> Store {
    let mut store = super::store();
    store.add_lead("bystander@example.com", &[("company", "Plain Co")]).unwrap();
    for (i, text) in HOSTILE.iter().enumerate() {
        store.add_lead(&format!("lead{i}@example.com"), &[("company", text)]).unwrap();
    }
    store
}

#[test]
fn hostile_values_are_stored_and_read_back_exactly() {
    let store = store_with_hostile_values();
    for (i, text) in HOSTILE.iter().enumerate() {
        let lead = store.lead_by_email(&format!("lead{i}@example.com")).unwrap().unwrap();
        assert_eq!(lead.value("company"), Some(*text));
    }
    assert_intact(&store, HOSTILE.len() as i64 + 1);
}

#[test]
fn control_characters_are_refused_in_values_and_find_nothing_in_queries() {
    let mut store = store_with_hostile_values();
    let error = store.add_lead("ctl@example.com", &[("company", CONTROL)]).unwrap_err();
    assert!(matches!(error, StoreError::InvalidValue { .. }), "{error:?}");
    assert!(emails(&store, &LeadQuery { search: CONTROL.into(), ..query() }).is_empty());
    let equals = LeadFilter::Field { field: "company".into(), op: FieldOp::Contains, value: CONTROL.into() };
    assert!(emails(&store, &LeadQuery { filters: vec![equals], ..query() }).is_empty());
    assert_intact(&store, HOSTILE.len() as i64 + 1);
}

#[test]
fn search_takes_hostile_text_literally() {
    let store = store_with_hostile_values();
    for (i, text) in HOSTILE.iter().enumerate() {
        let found = emails(&store, &LeadQuery { search: (*text).into(), ..query() });
        let me = format!("lead{i}@example.com");
        assert!(found.contains(&me), "{text:?} did not find its own lead: {found:?}");
        assert!(!found.contains(&"bystander@example.com".to_string()), "{text:?} matched more than itself: {found:?}");
        // Only leads whose value holds the text, as text: `%` and `_` are no wildcards.
        for email in &found {
            let lead = store.lead_by_email(email).unwrap().unwrap();
            let value = lead.value("company").unwrap_or_default().to_lowercase();
            assert!(value.contains(&text.trim().to_lowercase()), "{text:?} matched {email} ({value:?})");
        }
    }
    for wildcard in ["%", "_"] {
        let holding = HOSTILE.iter().filter(|t| t.contains(wildcard)).count();
        assert_eq!(emails(&store, &LeadQuery { search: wildcard.into(), ..query() }).len(), holding, "{wildcard}");
    }
    assert_intact(&store, HOSTILE.len() as i64 + 1);
}

#[test]
fn filters_take_hostile_values_literally() {
    let store = store_with_hostile_values();
    for (i, text) in HOSTILE.iter().enumerate() {
        let me = format!("lead{i}@example.com");
        let equals = LeadFilter::Field { field: "company".into(), op: FieldOp::Equals, value: (*text).into() };
        let found = emails(&store, &LeadQuery { filters: vec![equals], ..query() });
        // Equality compares trimmed, case-folded text: a value equal to another only that way is fine.
        assert!(found.contains(&me), "{text:?}: {found:?}");
        assert!(found.len() == 1 || text.trim() != *text, "{text:?} equals more than itself: {found:?}");
        let contains = LeadFilter::Field { field: "company".into(), op: FieldOp::Contains, value: (*text).into() };
        let found = emails(&store, &LeadQuery { filters: vec![contains], ..query() });
        assert!(found.contains(&me) && !found.contains(&"bystander@example.com".to_string()), "{text:?}: {found:?}");
        let owner = LeadFilter::Owner { email: (*text).into() };
        assert!(emails(&store, &LeadQuery { filters: vec![owner], ..query() }).is_empty());
    }
    assert_intact(&store, HOSTILE.len() as i64 + 1);
}

#[test]
fn hostile_field_keys_in_filters_and_sorts_are_unknown_fields() {
    let store = store_with_hostile_values();
    for text in HOSTILE {
        let filter = LeadFilter::Field { field: (*text).into(), op: FieldOp::IsNotEmpty, value: String::new() };
        let error = store.query_leads(&LeadQuery { filters: vec![filter], ..query() }).unwrap_err();
        assert!(matches!(&error, StoreError::UnknownField(f) if f.as_str() == *text), "{text:?}: {error:?}");
        let sort = LeadSort { key: SortKey::Field { key: (*text).into() }, descending: true };
        let error = store.query_leads(&LeadQuery { sort, ..query() }).unwrap_err();
        assert!(matches!(&error, StoreError::UnknownField(f) if f.as_str() == *text), "{text:?}: {error:?}");
    }
    // A real field sorts, whatever its values hold.
    let sort = LeadSort { key: SortKey::Field { key: "company".into() }, descending: false };
    assert_eq!(store.query_leads(&LeadQuery { sort, ..query() }).unwrap().total, HOSTILE.len() as u64 + 1);
    assert_intact(&store, HOSTILE.len() as i64 + 1);
}

#[test]
fn hostile_field_keys_are_refused_and_labels_and_options_kept_exactly() {
    let mut store = super::store();
    store.add_lead("kept@example.com", &[("company", "Kept")]).unwrap();
    for text in HOSTILE.iter().filter(|t| !is_key_like(t)) {
        let error = store.add_field(text, None, FieldType::Text, &[]).unwrap_err();
        assert!(matches!(error, StoreError::InvalidField(_)), "{text:?}: {error:?}");
        assert!(store.set_mapping(text, "company", None).is_err(), "{text:?} mapped");
        assert!(store.set_mapping("company", text, None).is_err(), "{text:?} taken as a property name");
    }
    for (i, text) in HOSTILE.iter().enumerate() {
        store.add_field(&format!("f{i}"), Some(text), FieldType::Text, &[]).unwrap();
        store.set_mapping(&format!("f{i}"), &format!("p{i}"), Some(WriteRule::Overwrite)).unwrap();
    }
    let options: Vec<String> = HOSTILE.iter().map(|t| t.to_string()).collect();
    store.add_field("choice", None, FieldType::SingleChoice, &options).unwrap();
    let lead = store.lead_by_email("kept@example.com").unwrap().unwrap();
    store.update_lead(lead.id, &[("choice", HOSTILE[0])]).unwrap();

    let fields = store.fields().unwrap();
    for (i, text) in HOSTILE.iter().enumerate() {
        let field = fields.iter().find(|f| f.key == format!("f{i}")).unwrap();
        assert_eq!(field.label, *text);
    }
    assert_eq!(fields.iter().find(|f| f.key == "choice").unwrap().options, options);
    let mappings = store.mappings().unwrap();
    for (i, text) in HOSTILE.iter().enumerate() {
        assert!(mappings.iter().any(|m| m.field_key == format!("f{i}") && m.property == format!("p{i}")), "{text:?}");
    }
    assert_eq!(store.lead(lead.id).unwrap().unwrap().value("choice"), Some(HOSTILE[0]));
    assert_intact(&store, 1);
}

#[test]
fn mapping_files_with_hostile_text_import_literally_or_are_refused_whole() {
    let mut store = super::store();
    store.add_lead("kept@example.com", &[]).unwrap();
    let file = MappingFile {
        format: hubsync_store::MAPPING_FILE_FORMAT.into(),
        version: hubsync_store::MAPPING_FILE_VERSION,
        fields: vec![CustomField {
            key: "notes".into(),
            label: Some(HOSTILE[0].into()),
            kind: FieldType::Text,
            options: vec![],
        }],
        mappings: vec![Mapping {
            field_key: "notes".into(),
            property: "notes_x".into(),
            write_rule: WriteRule::Overwrite,
        }],
    };
    let text = file.to_text();
    store.import_mapping(&MappingFile::parse(&text).unwrap(), vec![]).unwrap();
    assert_eq!(store.field("notes").unwrap().unwrap().label, HOSTILE[0]);
    assert_eq!(store.mappings().unwrap().iter().find(|m| m.field_key == "notes").unwrap().property, "notes_x");

    let before = store.mappings().unwrap();
    for text in HOSTILE.iter().filter(|t| !is_key_like(t)) {
        let hostile_property = MappingFile {
            mappings: vec![Mapping {
                field_key: "notes".into(),
                property: (*text).into(),
                write_rule: WriteRule::IfEmpty,
            }],
            ..file.clone()
        };
        assert!(store.import_mapping(&hostile_property, vec![]).is_err(), "{text:?} taken as a property name");
        assert_eq!(store.mappings().unwrap(), before, "a refused file changed the mapping");
    }
    let hostile_key = MappingFile {
        fields: vec![CustomField { key: HOSTILE[0].into(), label: None, kind: FieldType::Text, options: vec![] }],
        mappings: vec![Mapping {
            field_key: HOSTILE[0].into(),
            property: "company".into(),
            write_rule: WriteRule::Overwrite,
        }],
        ..file
    };
    assert!(store.import_mapping(&hostile_key, vec![]).is_err(), "a hostile field key was imported");
    assert_eq!(store.mappings().unwrap(), before, "a refused file changed the mapping");
    assert_intact(&store, 1);
}

#[test]
fn run_row_search_takes_hostile_text_literally() {
    let mut store = super::runs::store();
    let items: Vec<_> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, text)| {
            super::runs::item(i as i64, 1, &format!("{text}{i}@x.test"), RunAction::Create, Some(ItemOutcome::Created))
        })
        .collect();
    let run_id = store.create_run(&super::runs::new_run(RunMode::Live), &items).unwrap();
    for (i, text) in HOSTILE.iter().enumerate() {
        let filter = RunItemFilter { search: Some(format!("{text}{i}@")), ..RunItemFilter::default() };
        let page = store.run_items_page(run_id, &filter, 0, 100).unwrap();
        let seqs: Vec<i64> = page.items.iter().map(|item| item.seq).collect();
        assert_eq!(seqs, [i as i64], "{text:?}");
    }
    let control = RunItemFilter { search: Some(CONTROL.into()), ..RunItemFilter::default() };
    assert_eq!(store.run_items_page(run_id, &control, 0, 100).unwrap().total, 0);
    for wildcard in ["%", "_"] {
        let filter = RunItemFilter { search: Some(wildcard.into()), ..RunItemFilter::default() };
        let page = store.run_items_page(run_id, &filter, 0, 100).unwrap();
        assert!(page.items.iter().all(|item| item.email.contains(wildcard)), "{wildcard}: {page:?}");
        assert!(page.total < HOSTILE.len() as u64, "{wildcard} matched every row");
    }
    assert_eq!(store.run_items(run_id).unwrap().len(), HOSTILE.len());
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
