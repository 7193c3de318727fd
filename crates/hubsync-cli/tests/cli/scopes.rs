//! A token without a scope a command needs: the error is `missing_scopes`, names each scope and
//! how to give the connection it, and never sends the admin to a resume that would fail the
//! same way. A live run it stopped keeps its rows pending, and finishes once the token has it.

use serde_json::{Value, json};

use crate::support::{Hub, Portal};

/// A private app token that may read contacts and owners but not write contacts: it passes
/// every check `connect` can make without writing.
const READ_ONLY: &str = "pat-na1-cli-read-only-5c2e7d90";
/// A private app token with no CRM scope at all.
const NO_CRM: &str = "pat-na1-cli-no-crm-8a41b3f6";

fn portal() -> Portal {
    Portal::start_with(|config| {
        config.private_tokens.push(hubsync_sandbox::PrivateToken {
            token: READ_ONLY.into(),
            scopes: vec!["crm.objects.contacts.read".into(), "crm.objects.owners.read".into()],
        });
        config.private_tokens.push(hubsync_sandbox::PrivateToken { token: NO_CRM.into(), scopes: vec![] });
    })
}

fn text<'a>(error: &'a Value, key: &str) -> &'a str {
    error[key].as_str().unwrap_or_else(|| panic!("no {key}: {error}"))
}

/// The hint leads with the fix for a private app token, and mentions no resume before it.
fn assert_private_app_fix(error: &Value) {
    let hint = text(error, "hint");
    let fix = hint.find("hubsync connect --token").unwrap_or_else(|| panic!("no reconnect: {error}"));
    assert!(hint.contains("private app"), "{error}");
    assert!(hint.find("resume").is_none_or(|resume| resume > fix), "the fix comes first: {error}");
    assert!(!text(error, "message").contains("resume"), "{error}");
}

#[test]
fn a_push_without_the_write_scope_names_it_and_finishes_once_the_token_has_it() {
    let portal = portal();
    let hub = Hub::new();
    hub.run_with_stdin(&["connect", "--token", "-", "--base-url", &portal.base_url], Some(READ_ONLY)).ok();
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "company=Acme"]).ok();
    hub.run(&["leads", "add", "--email", "bo@example.com", "--set", "company=Bolt"]).ok();

    let error = hub.json_error(&["push", "--yes"]);
    assert_eq!(text(&error, "code"), "missing_scopes", "{error}");
    assert!(text(&error, "message").contains("crm.objects.contacts.write"), "{error}");
    assert_private_app_fix(&error);
    assert_eq!(portal.counter("recordsCreated"), 0, "nothing was written");

    // The run keeps its rows pending; resuming it with the same token fails the same way.
    let runs = hub.json(&["runs", "list"]);
    let run = &runs["runs"][0];
    assert_eq!((run["mode"].as_str(), run["status"].as_str()), (Some("live"), Some("interrupted")), "{runs}");
    assert_eq!(run["counts"]["pending"], 2, "{run}");
    let id = run["id"].as_i64().unwrap().to_string();
    let resumed = hub.json_error(&["runs", "resume", &id]);
    assert_eq!(text(&resumed, "code"), "missing_scopes", "{resumed}");
    assert_private_app_fix(&resumed);
    let human = hub.run(&["runs", "resume", &id]).fails();
    assert!(human.stderr.contains("crm.objects.contacts.write"), "{human:?}");
    assert!(!human.stderr.contains("finishes it"), "{human:?}");
    // Not undone while rows are pending: the core says why, the command line what to run.
    let undo = hub.json_error(&["runs", "undo", &id]);
    assert_eq!(text(&undo, "code"), "not_undoable", "{undo}");
    assert!(!text(&undo, "message").contains("hubsync"), "{undo}");
    assert_eq!(text(&undo, "hint"), format!("`hubsync runs resume {id}` finishes it"), "{undo}");

    // The fix the hint gives: a token with the scope, pasted again. Then the run finishes.
    hub.connect(&portal);
    let finished = hub.json(&["runs", "resume", &id]);
    assert_eq!(finished["run"]["status"], "completed", "{finished}");
    assert_eq!(finished["run"]["counts"]["created"], 2, "{finished}");
    assert_eq!(portal.contacts()["ann@example.com"]["properties"]["company"], "Acme");

    // The environment's token lacking the scope: the hint says which token is in use.
    let mut hub = hub;
    hub.env("HUBSYNC_TOKEN", READ_ONLY);
    let undo = hub.json_error(&["runs", "undo", &id, "--archive-created", "--yes"]);
    assert_eq!(text(&undo, "code"), "missing_scopes", "{undo}");
    assert!(text(&undo, "message").contains("crm.objects.contacts.write"), "{undo}");
    assert!(text(&undo, "hint").contains("HUBSYNC_TOKEN"), "{undo}");
}

#[test]
fn a_pull_without_the_read_scope_names_every_scope_that_would_do() {
    let portal = portal();
    let mut hub = Hub::new();
    hub.connect(&portal);
    hub.env("HUBSYNC_TOKEN", NO_CRM);
    for args in [&["pull", "--preview"][..], &["push", "--preview"][..]] {
        let error = hub.json_error(args);
        assert_eq!(text(&error, "code"), "missing_scopes", "{args:?}: {error}");
        assert!(text(&error, "message").contains("crm.objects.contacts.read"), "{error}");
        assert!(text(&error, "hint").contains("HUBSYNC_TOKEN"), "{error}");
        assert!(!text(&error, "hint").contains("resume"), "{error}");
    }
    let runs = hub.json(&["runs", "list"]);
    assert_eq!(runs["runs"], json!([]), "a refused preview records nothing");
}
