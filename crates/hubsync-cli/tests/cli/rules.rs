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
