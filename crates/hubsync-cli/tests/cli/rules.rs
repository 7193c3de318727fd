//! rules push.

use serde_json::json;

use crate::support::Hub;

#[test]
fn push_rules_show_and_change_but_create_needs_update() {
    let hub = Hub::new();
    assert_eq!(hub.json(&["rules", "push"]), json!({ "update": true, "create": false }));
    let shown = hub.run(&["rules", "push"]).ok().stdout;
    assert!(shown.contains("update:  on") && shown.contains("create:  off"), "{shown}");

    assert_eq!(hub.json(&["rules", "push", "--create", "on"]), json!({ "update": true, "create": true }));
    let run = hub.run(&["rules", "push", "--update", "off"]).fails();
    assert!(run.stderr.contains("creating contacts is only allowed while updating them is on"), "{run:?}");
    assert_eq!(hub.json_error(&["rules", "push", "--update", "off", "--create", "on"])["code"], "create_needs_update");
    assert_eq!(hub.json(&["rules", "push"]), json!({ "update": true, "create": true }), "unchanged");

    assert_eq!(
        hub.json(&["rules", "push", "--update", "off", "--create", "off"]),
        json!({ "update": false, "create": false })
    );
}

#[test]
fn pull_rules_are_checked_against_the_portal_when_saved() {
    let portal = crate::support::Portal::start();
    let hub = Hub::new();
    assert_eq!(
        hub.json(&["rules", "pull"])["rules"],
        json!({ "conditions": [], "newOnly": false, "modifiedSince": null, "sinceLastPull": false })
    );
    assert_eq!(hub.json_error(&["rules", "pull", "--filter", "city known"])["code"], "not_connected");
    hub.connect(&portal);

    let saved = hub.json(&[
        "rules",
        "pull",
        "--filter",
        "lifecyclestage in (Lead, customer)",
        "--filter",
        "city contains Oslo",
        "--new-only",
        "--modified-since",
        "2026-05-01",
    ]);
    assert_eq!(saved["rules"]["newOnly"], true);
    assert_eq!(saved["rules"]["modifiedSince"], "2026-05-01T00:00:00Z");
    assert_eq!(
        saved["filters"],
        json!([
            { "propertyName": "lifecyclestage", "operator": "IN", "values": ["lead", "customer"] },
            { "propertyName": "city", "operator": "CONTAINS_TOKEN", "value": "*Oslo*" },
            { "propertyName": "lastmodifieddate", "operator": "GTE", "value": "1777593600000" }
        ])
    );
    let shown = hub.run(&["rules", "pull"]).ok().stdout;
    assert!(shown.contains("lifecyclestage one-of Lead, customer AND city contains Oslo"), "{shown}");

    // Refused with the reason; the saved rules stay.
    let error = hub.json_error(&["rules", "pull", "--filter", "lifecyclestage = champion"]);
    assert_eq!(error["code"], "invalid_rule");
    assert!(error["message"].as_str().unwrap().contains("not one of lifecyclestage's options"), "{error}");
    assert_eq!(hub.json_error(&["rules", "pull", "--filter", "no_such_property known"])["code"], "invalid_rule");
    assert_eq!(hub.json_error(&["rules", "pull", "--filter", "city"])["code"], "invalid_rule");
    assert_eq!(hub.json(&["rules", "pull"])["rules"]["newOnly"], true, "unchanged");

    assert_eq!(hub.json(&["rules", "pull", "--all"])["rules"]["conditions"], json!([]));
}

#[test]
fn pulling_everything_is_saved_without_the_portal() {
    let hub = Hub::new();
    hub.run(&["rules", "pull", "--filter", "city known"]).fails();
    // Never connected: every contact, or every new one, needs no property or owner checked.
    let saved = hub.json(&["rules", "pull", "--all", "--new-only"]);
    assert_eq!(
        saved["rules"],
        json!({ "conditions": [], "newOnly": true, "modifiedSince": null, "sinceLastPull": false })
    );
    assert_eq!(saved["filters"], json!([]));

    // Connected, but the portal doesn't answer.
    let mut portal = crate::support::Portal::start();
    hub.connect(&portal);
    hub.run(&["rules", "pull", "--filter", "city known"]).ok();
    portal.stop();
    assert_eq!(hub.json_error(&["rules", "pull", "--filter", "city contains Oslo"])["code"], "hubspot_unreachable");
    let saved = hub.json(&["rules", "pull", "--all", "--modified-since", "2026-05-01"]);
    assert_eq!(saved["rules"]["conditions"], json!([]));
    assert_eq!(
        saved["filters"],
        json!([{ "propertyName": "lastmodifieddate", "operator": "GTE", "value": "1777593600000" }])
    );
    assert_eq!(hub.json(&["rules", "pull"])["rules"]["modifiedSince"], "2026-05-01T00:00:00Z", "saved");
}
