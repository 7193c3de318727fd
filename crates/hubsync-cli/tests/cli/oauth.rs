//! `connect --oauth` with the test playing the browser on the sandbox's consent page; Test
//! Connection; a revoked grant making the portal "reconnect needed"; reconnecting; disconnect
//! revoking the grant. No token or secret reaches the output, the logs or the lead store.

use serde_json::{Value, json};

use crate::support::{Hub, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, Portal, assert_no_oauth_tokens, contains, free_port};

fn portal_with_callback(port: u16) -> Portal {
    Portal::start_with(|config| {
        config.oauth_clients[0].redirect_uris = vec![format!("http://localhost:{port}/callback")];
    })
}

#[test]
fn connect_in_the_browser_test_reconnect_and_disconnect() {
    let port = free_port();
    let portal = portal_with_callback(port);
    let mut hub = Hub::new();
    hub.env("HUBSYNC_LOG", "debug");
    let port_arg = port.to_string();
    let base = ["--client-id", OAUTH_CLIENT_ID, "--port", &port_arg, "--base-url", &portal.base_url];
    let with_secret = [&base[..], &["--client-secret", "-", "--json"]].concat();

    let (run, page) = hub.connect_oauth(&with_secret, Some(OAUTH_CLIENT_SECRET), |url| {
        assert!(url.contains("code_challenge_method=S256") && url.contains("state="), "{url}");
        portal.consent(url, "approve")
    });
    assert!(page.contains("You can close this tab and return to Hubsync"), "the browser is told: {page}");
    let run = run.ok();
    assert!(run.stderr.contains("Open this address in a browser"), "{run:?}");
    let connected = run.json();
    assert_eq!(connected["portal_id"], json!(portal.portal_id()));
    assert_eq!(connected["token_kind"], "oauth");
    assert_eq!(connected["client_id"], OAUTH_CLIENT_ID);
    assert_eq!(connected["name"], "hubsync-sandbox.hubspot.test", "named by the token info's portal domain");
    assert_eq!(connected["user_email"], "admin@hubsync-sandbox.test");
    for scope in ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read"] {
        assert!(connected["scopes"].as_array().unwrap().contains(&json!(scope)), "{scope}: {connected}");
    }
    let mut labels = hub.keychain.item_labels().unwrap();
    labels.sort();
    assert_eq!(
        labels,
        [
            format!("Hubsync: HubSpot app {OAUTH_CLIENT_ID} client secret"),
            format!("Hubsync: HubSpot portal {} refresh token", portal.portal_id()),
        ]
    );

    // A new process has no access token: it refreshes with the kept refresh token.
    let report = hub.json(&["test-connection"]);
    assert_eq!(report["passed"], true, "{report}");
    let checks: Vec<&str> = report["checks"].as_array().unwrap().iter().map(|c| c["check"].as_str().unwrap()).collect();
    assert_eq!(checks, ["token", "contacts read", "owners read", "rate limit"]);
    assert!(report["checks"][0]["detail"].as_str().unwrap().contains("OAuth token for"), "{report}");
    assert!(report["checks"][1]["millis"].is_u64());
    assert!(report["checks"][3]["detail"].as_str().unwrap().contains("OAuth app"), "{report}");
    let text = hub.run(&["test-connection"]).ok();
    assert!(text.stdout.contains("Every check passed"), "{text:?}");
    hub.run(&["mapping", "set", "company", "company", "--rule", "if-empty"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "company=Acme"]).ok();
    hub.run(&["push", "--preview"]).ok();

    // HubSpot revokes the grant (the app was uninstalled): the portal needs reconnecting.
    portal.control(reqwest::Method::POST, "/oauth/revoke-refresh-tokens", None);
    let refused = hub.json_error(&["push", "--preview"]);
    assert_eq!(refused["code"], "reconnect_needed", "{refused}");
    let listed = hub.json(&["portals", "list"]);
    assert_eq!(listed["portals"][0]["status"], "reconnect-needed");
    let refused = hub.json_error(&["push", "--preview"]);
    assert!(refused["hint"].as_str().unwrap().contains("hubsync connect --oauth"), "{refused}");
    let failed = hub.run(&["test-connection"]);
    assert_eq!(failed.code, 1, "{failed:?}");

    // Reconnecting needs neither the client id nor the secret again, and brings the mapping back.
    let reconnect = [&["--port", &port_arg, "--base-url", &portal.base_url][..]].concat();
    let (run, _) = hub.connect_oauth(&reconnect, None, |url| portal.consent(url, "approve"));
    let run = run.ok();
    assert!(run.stdout.contains(&format!("Connected to HubSpot portal {}", portal.portal_id())), "{run:?}");
    assert_eq!(hub.json(&["portals", "list"])["portals"][0]["status"], "connected");
    let mappings = hub.json(&["mapping", "list"]);
    assert_eq!(mappings["mappings"].as_array().unwrap().len(), 9, "{mappings}");
    assert_eq!(
        mappings["mappings"][3],
        json!({ "field_key": "company", "property": "company", "write_rule": "if-empty" })
    );
    hub.run(&["push", "--yes"]).ok();

    let gone = hub.json(&["disconnect"]);
    assert_eq!(gone["revoked"], true, "{gone}");
    assert_eq!(gone["secret_deleted"], true);
    assert_eq!(hub.keychain.item_labels().unwrap(), [format!("Hubsync: HubSpot app {OAUTH_CLIENT_ID} client secret")]);
    assert_eq!(hub.json_error(&["push", "--preview"])["code"], "not_connected");

    let bytes = hub.store_bytes();
    assert!(!contains(&bytes, OAUTH_CLIENT_SECRET), "the client secret is in the lead store's files");
    assert_no_oauth_tokens(&String::from_utf8_lossy(&bytes), "the lead store's files");
}

#[test]
fn declining_timing_out_and_a_missing_secret_are_said_in_words() {
    let port = free_port();
    let portal = portal_with_callback(port);
    let hub = Hub::new();
    let port_arg = port.to_string();
    let base = ["--client-id", OAUTH_CLIENT_ID, "--port", &port_arg, "--base-url", &portal.base_url];

    let missing = hub.run(&[&["--json", "connect", "--oauth"][..], &base[..]].concat());
    let error: Value = missing.fails().json();
    assert_eq!(error["error"]["code"], "client_secret_missing");
    assert!(error["error"]["hint"].as_str().unwrap().contains("--client-secret -"), "{error}");

    // HubSpot sends nothing back on a refusal: the attempt times out and says what may have happened.
    let args = [&base[..], &["--client-secret", "-", "--timeout", "1"]].concat();
    let (run, page) = hub.connect_oauth(&args, Some(OAUTH_CLIENT_SECRET), |url| portal.consent(url, "deny"));
    assert!(page.contains("You did not connect the app"), "{page}");
    let run = run.fails();
    assert!(run.stderr.contains("no answer came back from HubSpot's consent page"), "{run:?}");
    assert_eq!(hub.json(&["status"])["connection"], json!(null), "nothing was saved");
    assert!(hub.keychain.item_labels().unwrap().is_empty(), "nothing was kept");

    // Approved, but the owners can't be read: nothing is saved and the new grant is revoked.
    portal.control(reqwest::Method::PUT, "/faults", Some(json!({ "unavailable": 1.0, "paths": ["/crm/v3/owners"] })));
    let args = [&base[..], &["--client-secret", "-"]].concat();
    let (run, _) = hub.connect_oauth(&args, Some(OAUTH_CLIENT_SECRET), |url| portal.consent(url, "approve"));
    let run = run.fails();
    assert!(run.stderr.contains("cannot read owners (nothing was saved)"), "{run:?}");
    let counters = portal.control(reqwest::Method::GET, "/counters", None);
    assert_eq!(counters["requests"]["POST /oauth/v3/token/revoke"], 1, "{counters}");
    assert_eq!(hub.json(&["status"])["connection"], json!(null));
    assert!(hub.keychain.item_labels().unwrap().is_empty());
}

#[test]
fn the_wait_for_approval_is_announced_as_long_as_it_is() {
    let port = free_port();
    let portal = portal_with_callback(port);
    let hub = Hub::new();
    let port_arg = port.to_string();
    let base = ["--client-id", OAUTH_CLIENT_ID, "--port", &port_arg, "--base-url", &portal.base_url];
    for (timeout, said) in [("20", "up to 20 seconds"), ("90", "up to 90 seconds"), ("300", "up to 5 minutes")] {
        let args = [&base[..], &["--client-secret", "-", "--timeout", timeout]].concat();
        let (run, _) = hub.connect_oauth(&args, Some(OAUTH_CLIENT_SECRET), |url| portal.consent(url, "approve"));
        let run = run.ok();
        assert!(run.stderr.contains(&format!("Waiting {said} for your approval")), "--timeout {timeout}: {run:?}");
    }
}
