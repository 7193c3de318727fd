//! `hubsync status` tells what the app's overview shows: how the portal was last found, the
//! leads as they stand with it, the newest runs and the setup checklist, in words and in JSON.

use serde_json::json;

use crate::support::{Hub, Portal};

/// The checklist's steps done, by code.
fn done(status: &serde_json::Value) -> Vec<&str> {
    status["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["done"] == true)
        .map(|item| item["step"].as_str().unwrap())
        .collect()
}

#[test]
fn status_follows_a_first_run_down_the_setup_checklist() {
    let hub = Hub::new();
    let before = hub.json(&["status"]);
    assert_eq!(done(&before), Vec::<&str>::new());
    assert_eq!(before["leads"], json!({ "total": 0, "linked": 0, "not_linked": 0, "changed_since_sync": 0 }));
    let text = hub.run(&["status"]).ok().stdout;
    assert!(text.contains("  [ ] a portal connected, its last check passed"), "{text}");
    assert!(!text.contains("recent runs"), "no portal, no runs: {text}");

    let portal = Portal::start();
    hub.connect(&portal);
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "first_name=Ann"]).ok();
    let status = hub.json(&["status"]);
    assert_eq!(done(&status), ["portal-connected", "mapping-beyond-email", "leads-present"]);
    assert_eq!(status["health"]["healthy"], true);
    assert_eq!(status["health"]["check_passed"], true, "this status's own check");
    assert_eq!(status["leads"], json!({ "total": 1, "linked": 0, "not_linked": 1, "changed_since_sync": 1 }));
    assert_eq!(status["recent_runs"], json!([]));
    assert_eq!(status["daily_use_outdated"], false);
    let text = hub.run(&["status"]).ok().stdout;
    assert!(
        text.contains("1 lead: 0 linked to a contact of this portal, 1 not; 1 changed here since its last sync"),
        "{text}"
    );
    assert!(text.contains("recent runs:  none yet"), "{text}");
    assert!(text.contains("  [x] lead fields mapped beyond the email"), "{text}");
    assert!(text.contains("  [ ] push rules decided"), "{text}");
    let last_check = text.lines().find(|l| l.starts_with("last check:")).unwrap_or_else(|| panic!("{text}"));
    assert!(last_check.ends_with(", passed"), "{text}");

    hub.run(&["rules", "push", "--create", "on"]).ok();
    hub.run(&["push", "--yes"]).ok();
    let status = hub.json(&["status"]);
    assert_eq!(
        done(&status),
        [
            "portal-connected",
            "mapping-beyond-email",
            "push-rules-decided",
            "leads-present",
            "first-preview",
            "first-live-run"
        ]
    );
    assert_eq!(status["leads"], json!({ "total": 1, "linked": 1, "not_linked": 0, "changed_since_sync": 0 }));
    let newest = &status["recent_runs"][0];
    assert_eq!(
        (&newest["kind"], &newest["mode"], &newest["outcome"]),
        (&json!("push"), &json!("live"), &json!("completed"))
    );
    assert_eq!(newest["counts"]["created"], 1);
    let text = hub.run(&["status"]).ok().stdout;
    assert!(text.contains("1 lead: 1 linked to a contact of this portal, 0 not; none changed here since"), "{text}");
    let run = text.lines().find(|l| l.starts_with("  run ")).unwrap_or_else(|| panic!("{text}"));
    assert!(run.contains("push live") && run.contains("completed") && run.ends_with("1 created"), "{text}");
    assert!(!text.contains("[ ]"), "every step done: {text}");

    hub.run(&["leads", "add", "--email", "bo@example.com"]).ok();
    hub.run(&["leads", "add", "--email", "cy@example.com"]).ok();
    let text = hub.run(&["status"]).ok().stdout;
    assert!(
        text.contains("3 leads: 1 linked to a contact of this portal, 2 not; 2 changed here since their last sync"),
        "{text}"
    );
}
