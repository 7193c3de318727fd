//! Configuration against the built-in sandbox portal: the mapping checked in HubSpot, the push
//! rules, pull rules checked against the live portal, and the mapping as a file.

use hubsync_api::connect::register_sandbox;
use hubsync_api::{config, config_file, mapping_file, pull_rules};
use hubsync_store::{FieldType, STANDARD_MAPPINGS, WriteRule};
use hubsync_sync::pull_rules::{Condition, PullRules};

use crate::support::fixture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_is_checked_in_hubspot_and_a_property_it_refuses_is_not_saved() {
    let f = fixture().await;
    let ws = &f.workspace;
    let saved = config::set_mapping(ws, "city".into(), "city".into(), Some(WriteRule::IfEmpty)).await.unwrap();
    assert!(saved.checked_in_hubspot && saved.warning.is_none(), "{saved:?}");
    assert_eq!((saved.mapping.property.as_str(), saved.mapping.write_rule), ("city", WriteRule::IfEmpty));

    // Job title maps to jobtitle from the start; a property HubSpot doesn't have is refused and
    // the row stays as it was.
    let unknown = config::set_mapping(ws, "job_title".into(), "no_such_property".into(), None).await.unwrap_err();
    assert_eq!(unknown.code, "unknown_property", "{unknown:?}");
    let mapped: Vec<(String, String)> =
        config::list_mappings(ws).await.unwrap().into_iter().map(|m| (m.field_key, m.property)).collect();
    assert!(mapped.contains(&("city".into(), "city".into())), "{mapped:?}");
    assert!(mapped.contains(&("job_title".into(), "jobtitle".into())), "{mapped:?}");

    // Saved all the same, with which values the property can't take: only some numbers are
    // among HubSpot's employee-count options.
    config::add_field(ws, "headcount".into(), None, hubsync_store::FieldType::Number, Vec::new()).await.unwrap();
    let partly = config::set_mapping(ws, "headcount".into(), "numemployees".into(), None).await.unwrap();
    assert!(partly.checked_in_hubspot && partly.fit.is_some(), "{partly:?}");
    assert!(saved.fit.is_none(), "city fits city");

    let properties = config::contact_properties(ws).await.unwrap();
    assert!(properties.unavailable.is_none());
    assert!(properties.properties.iter().any(|p| p.name == "email"));

    let refused = config::set_push_rules(ws, Some(false), Some(true)).await.unwrap_err();
    assert_eq!(refused.code, "create_needs_update");
    assert!(config::push_rules(ws).await.unwrap().create, "the fixture's rules stand");
    f.builtin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_rules_are_saved_only_once_the_portal_accepts_every_condition() {
    let f = fixture().await;
    let ws = &f.workspace;
    let condition = |text: &str| Condition::parse(text).unwrap();
    let bad = PullRules { conditions: vec![condition("no_such_property = x")], ..PullRules::default() };
    let refused = pull_rules::save(ws, bad).await.unwrap();
    assert!(!refused.saved && !refused.problems.is_empty(), "{refused:?}");
    assert!(pull_rules::load(ws).await.unwrap().conditions.is_empty(), "nothing saved");

    let good = PullRules { conditions: vec![condition("lifecyclestage = lead")], ..PullRules::default() };
    let saved = pull_rules::save(ws, good.clone()).await.unwrap();
    assert!(saved.saved && saved.problems.is_empty(), "{saved:?}");
    assert_eq!(saved.filters.len(), 1, "the search filter the condition compiles to: {saved:?}");
    assert_eq!(saved.filters[0]["propertyName"], "lifecyclestage");
    assert_eq!(pull_rules::load(ws).await.unwrap(), good);
    let properties = pull_rules::properties(ws).await.unwrap();
    assert!(properties.properties.iter().any(|p| p.name == "lifecyclestage"), "{properties:?}");
    f.builtin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_file_round_trips_and_the_portal_refuses_its_unknown_properties() {
    let f = fixture().await;
    let ws = &f.workspace;
    config::set_mapping(ws, "city".into(), "city".into(), Some(WriteRule::IfEmpty)).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let exported = mapping_file::export(ws, out.path()).await.unwrap();
    assert_eq!(
        exported.rows as usize,
        1 + STANDARD_MAPPINGS.len(),
        "email and the standard mapping, city kept if empty"
    );
    let text = std::fs::read_to_string(&exported.path).unwrap();
    let before = config::list_mappings(ws).await.unwrap();

    config::remove_mapping(ws, "city".into()).await.unwrap();
    let preview = mapping_file::preview(ws, &text).await.unwrap();
    assert!(preview.checked_in_hubspot && preview.warning.is_none(), "{preview:?}");
    assert_eq!(config::list_mappings(ws).await.unwrap().len(), STANDARD_MAPPINGS.len(), "a preview changes nothing");
    let imported = mapping_file::import(ws, &text).await.unwrap();
    assert!(imported.checked_in_hubspot);
    assert_eq!(config::list_mappings(ws).await.unwrap(), before, "the file's mapping is back");

    let bad = text.replace("\"property\": \"city\"", "\"property\": \"no_such_property\"");
    assert_ne!(bad, text, "{text}");
    let refused = mapping_file::preview(ws, &bad).await.unwrap_err();
    assert_eq!(refused.code, "invalid_mapping_file", "{refused:?}");
    assert!(refused.message.contains("no_such_property"), "{refused:?}");
    f.builtin.shutdown().await;
}

/// Offline a mapping file goes in as the store checks it, with a warning that HubSpot did not;
/// its rows are checked again when a sync runs.
#[tokio::test]
async fn offline_a_mapping_file_imports_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let ws = crate::support::open_workspace(dir.path());
    // The file format is the store's: export one rather than write it by hand.
    let text = {
        let mut store = ws.store.lock().await;
        store.set_mapping("city", "city", Some(WriteRule::IfEmpty)).unwrap();
        let text = store.export_mapping().unwrap().to_text();
        store.remove_mapping("city").unwrap();
        text
    };
    let imported = mapping_file::import(&ws, &text).await.unwrap();
    assert!(!imported.checked_in_hubspot);
    let warning = imported.warning.unwrap();
    assert!(warning.starts_with("the file was not checked in HubSpot: not connected"), "{warning}");
    assert_eq!(config::list_mappings(&ws).await.unwrap().len(), 2, "the store's checks passed, and it went in");
}

/// A mapping file written where the admin asks replaces the file there, with the custom fields
/// its rows name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_file_is_written_to_a_chosen_path_with_the_fields_it_names() {
    let f = fixture().await;
    let ws = &f.workspace;
    config::add_field(ws, "tier".into(), None, FieldType::Text, Vec::new()).await.unwrap();
    config::set_mapping(ws, "tier".into(), "industry".into(), None).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("new folder").join("mapping.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "an older file").unwrap();
    let written = mapping_file::write(ws, &path).await.unwrap();
    // Email, the standard mapping and tier.
    let rows = 2 + STANDARD_MAPPINGS.len() as u32;
    assert_eq!((written.path.as_str(), written.rows, written.fields), (path.to_str().unwrap(), rows, 1));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"tier\"") && !text.contains("an older file"), "{text}");
    f.builtin.shutdown().await;
}

/// A configuration file carries the fields, the mapping and both rules to another store; the
/// live portal refuses pull rules it can't serve, and nothing changes then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_file_round_trips_and_the_portal_refuses_its_pull_rules() {
    let f = fixture().await;
    let ws = &f.workspace;
    config::add_field(ws, "tier".into(), None, FieldType::Text, Vec::new()).await.unwrap();
    config::set_mapping(ws, "tier".into(), "industry".into(), None).await.unwrap();
    config::remove_mapping(ws, "phone".into()).await.unwrap();
    config::set_mapping(ws, "company".into(), "company".into(), Some(WriteRule::IfEmpty)).await.unwrap();
    let mappings = config::list_mappings(ws).await.unwrap().len();
    let rules =
        PullRules { conditions: vec![Condition::parse("lifecyclestage = lead").unwrap()], ..PullRules::default() };
    assert!(pull_rules::save(ws, rules.clone()).await.unwrap().saved);
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("config.json");
    let written = config_file::write(ws, &path).await.unwrap();
    assert_eq!((written.fields, written.mappings, written.checked_in_hubspot), (1, mappings, None));
    let text = std::fs::read_to_string(&path).unwrap();

    // Another store on the same portal (which starts from the standard mapping) takes it whole:
    // the edited rows, the row removed and the custom one.
    let other_dir = tempfile::tempdir().unwrap();
    let other = crate::support::open_workspace(other_dir.path());
    register_sandbox(&other, &f.builtin.info().await.unwrap()).await.unwrap();
    assert_ne!(config::list_mappings(&other).await.unwrap(), config::list_mappings(ws).await.unwrap());
    let imported = config_file::import(&other, &text).await.unwrap();
    assert_eq!((imported.fields, imported.mappings, imported.checked_in_hubspot), (1, mappings, Some(true)));
    assert_eq!(pull_rules::load(&other).await.unwrap(), rules);
    assert_eq!(config::list_mappings(&other).await.unwrap(), config::list_mappings(ws).await.unwrap());
    assert!(config::push_rules(&other).await.unwrap().create, "the push rules came with it");

    // A condition on a property the portal lacks is refused by it, naming the condition.
    let bad = text.replace("lifecyclestage", "no_such_property");
    let before = config::list_mappings(&other).await.unwrap();
    let refused = config_file::import(&other, &bad).await.unwrap_err();
    assert_eq!(refused.code, "invalid_config", "{refused:?}");
    assert!(refused.message.contains("the pull rules' condition 1"), "{refused:?}");
    assert_eq!(pull_rules::load(&other).await.unwrap(), rules, "nothing changed");
    assert_eq!(config::list_mappings(&other).await.unwrap(), before);

    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["pullRules"] = serde_json::json!({ "conditions": "every contact" });
    let unreadable = config_file::import(&other, &value.to_string()).await.unwrap_err();
    assert_eq!(unreadable.code, "invalid_config", "{unreadable:?}");
    assert!(unreadable.message.contains("the pull rules can't be read"), "{unreadable:?}");
    f.builtin.shutdown().await;
}

/// Offline a configuration file goes in as the store checks it, with the mapping file's warning.
#[tokio::test]
async fn offline_a_configuration_file_imports_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let ws = crate::support::open_workspace(dir.path());
    let text = serde_json::to_string(&ws.store.lock().await.export_config().unwrap()).unwrap();
    let imported = config_file::import(&ws, &text).await.unwrap();
    assert_eq!(imported.checked_in_hubspot, Some(false));
    let warning = imported.warning.unwrap();
    assert!(warning.starts_with("the file was not checked in HubSpot: not connected"), "{warning}");
}
