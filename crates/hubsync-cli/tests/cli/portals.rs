//! Several portals: each keeps its own mapping, rules and lead links; `portals use` switches.

use serde_json::json;

use crate::support::{Hub, Portal};

#[test]
fn two_portals_keep_their_own_mapping_and_rules_and_one_is_active() {
    let test = Portal::start();
    let production = Portal::start_with(|config| {
        config.portal.portal_id = 55_500_001;
        config.portal.ui_domain = "app-eu1.hubspot.com".into();
    });
    let hub = Hub::new();
    assert!(hub.run(&["portals", "list"]).ok().stdout.contains("No portal connected yet"));
    hub.connect(&test);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();

    // Production starts from the test portal's configuration, then goes its own way.
    let connected = hub.connect(&production);
    assert!(
        connected.stdout.contains(&format!("Portal {} is no longer the active one", test.portal_id())),
        "{connected:?}"
    );
    assert_eq!(hub.json(&["mapping", "list"])["mappings"].as_array().unwrap().len(), 2);
    hub.run(&["mapping", "remove", "company"]).ok();
    hub.run(&["rules", "push", "--create", "off"]).ok();

    let listed = hub.json(&["portals", "list"]);
    let portals: Vec<(u64, bool)> = listed["portals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["portal_id"].as_u64().unwrap(), p["active"].as_bool().unwrap()))
        .collect();
    assert_eq!(portals, [(55_500_001, true), (test.portal_id(), false)]);
    let table = hub.run(&["portals", "list"]).ok();
    assert!(table.stdout.contains("app-eu1.hubspot.com") && table.stdout.contains("* the active portal"), "{table:?}");

    let switched = hub.run(&["portals", "use", &test.portal_id().to_string()]).ok();
    assert!(
        switched.stdout.contains(&format!("Active portal: app.hubspot.com ({})", test.portal_id())),
        "{switched:?}"
    );
    assert_eq!(hub.json(&["mapping", "list"])["mappings"].as_array().unwrap().len(), 2, "the test portal's mapping");
    assert_eq!(hub.json(&["status"])["push_rules"], json!({ "update": true, "create": true }));
    assert_eq!(hub.json(&["status"])["portal"]["portal_id"], json!(test.portal_id()), "syncs go to the test portal");

    hub.run(&["portals", "use", "APP-EU1.hubspot.com"]).ok();
    assert_eq!(hub.json(&["mapping", "list"])["mappings"].as_array().unwrap().len(), 1);
    let unknown = hub.json_error(&["portals", "use", "nowhere.hubspot.com"]);
    assert_eq!(unknown["code"], "portal_not_found");
    assert!(unknown["hint"].as_str().unwrap().contains("portals list"), "{unknown}");
}
