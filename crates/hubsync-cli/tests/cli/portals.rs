//! Several portals: each keeps its own mapping, rules and lead links; `portals use` switches.

use hubsync_sandbox::AccountType;
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
    hub.run(&["mapping", "set", "company", "company", "--rule", "if-empty"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();

    // Production starts from the test portal's configuration, then goes its own way.
    let connected = hub.connect(&production);
    assert!(
        connected.stdout.contains(&format!("Portal {} is no longer the active one", test.portal_id())),
        "{connected:?}"
    );
    let copied = hub.json(&["mapping", "list"]);
    assert_eq!(copied["mappings"].as_array().unwrap().len(), 9);
    assert_eq!(copied["mappings"][3]["write_rule"], "if-empty", "the test portal's rule came along: {copied}");
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
    assert_eq!(hub.json(&["mapping", "list"])["mappings"].as_array().unwrap().len(), 9, "the test portal's mapping");
    assert_eq!(hub.json(&["status"])["push_rules"], json!({ "update": true, "create": true }));
    assert_eq!(hub.json(&["status"])["portal"]["portal_id"], json!(test.portal_id()), "syncs go to the test portal");

    hub.run(&["portals", "use", "APP-EU1.hubspot.com"]).ok();
    assert_eq!(hub.json(&["mapping", "list"])["mappings"].as_array().unwrap().len(), 8);
    let unknown = hub.json_error(&["portals", "use", "nowhere.hubspot.com"]);
    assert_eq!(unknown["code"], "portal_not_found");
    assert!(unknown["hint"].as_str().unwrap().contains("portals list"), "{unknown}");
}

/// Every portal says in words what kind of account it is, so a push to production is never
/// mistaken for a test; a portal saved before Hubsync read it says it doesn't know, treats it
/// as production, and learns it on `test-connection`.
#[test]
fn each_portal_says_which_kind_of_account_it_is() {
    let test = Portal::start();
    let production = Portal::start_with(|config| {
        config.portal.portal_id = 55_500_002;
        config.portal.account_type = AccountType::Standard;
    });
    let hub = Hub::new();
    let connected = hub.connect(&test);
    assert_eq!(value_of(&connected.stdout, "environment"), "HubSpot sandbox account (test)", "{connected:?}");
    let connected = hub.connect(&production);
    assert_eq!(value_of(&connected.stdout, "environment"), "production", "{connected:?}");

    let listed = hub.json(&["portals", "list"]);
    let environments: Vec<(&str, &str)> = listed["portals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["environment"].as_str().unwrap(), p["account_type"].as_str().unwrap()))
        .collect();
    assert_eq!(environments, [("production", "STANDARD"), ("hubspot-sandbox", "SANDBOX")]);
    let table = hub.run(&["portals", "list"]).ok().stdout;
    assert!(row_of(&table, 55_500_002).contains("production"), "{table}");
    assert!(row_of(&table, test.portal_id()).contains("HubSpot sandbox account (test)"), "{table}");
    assert!(!table.contains("not known yet"), "{table}");
    assert_eq!(value_of(&hub.run(&["status"]).ok().stdout, "environment"), "production");

    // As a portal saved by an older Hubsync: its type is not known yet.
    rusqlite::Connection::open(&hub.db).unwrap().execute("UPDATE portals SET account_type = NULL", []).unwrap();
    let table = hub.run(&["portals", "list"]).ok().stdout;
    assert!(row_of(&table, 55_500_002).contains("not known yet (treated as production)"), "{table}");
    assert!(table.contains("`hubsync test-connection` on that portal learns"), "{table}");
    assert_eq!(hub.json(&["portals", "list"])["portals"][0]["environment"], "unknown");
    let tested = hub.run(&["test-connection"]).ok().stdout;
    assert!(tested.contains("Environment: production."), "{tested}");
    assert_eq!(hub.json(&["portals", "list"])["portals"][0]["environment"], "production");
}

/// The value of `key: value` in a command's lines for people.
fn value_of<'a>(text: &'a str, key: &str) -> &'a str {
    let prefix = format!("{key}:");
    let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {key} in {text}"));
    line[prefix.len()..].trim()
}

fn row_of(table: &str, portal_id: u64) -> &str {
    table.lines().find(|l| l.contains(&portal_id.to_string())).unwrap_or_else(|| panic!("{table}"))
}
