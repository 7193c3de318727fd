//! One whole OAuth life, then a search of everything it left behind for a token or secret:
//! connect in the browser, a live push and pull, an access token expiring (a refresh), the
//! grant revoked (reconnect needed), run and lead exports. The store's files (database, WAL,
//! shared memory), the exported files and every command's output and debug log must hold
//! none of the client secret, an access token or a refresh token.

use std::path::Path;

use crate::support::{Hub, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, Portal, assert_no_oauth_tokens, contains, free_port};

/// Every byte of every file under `dir`, with each file's name.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    found
}

fn assert_clean(what: &str, bytes: &[u8]) {
    assert!(!contains(bytes, OAUTH_CLIENT_SECRET), "the client secret is in {what}");
    assert_no_oauth_tokens(&String::from_utf8_lossy(bytes), what);
}

#[test]
fn no_token_or_secret_is_left_in_the_store_exports_or_output_of_a_whole_oauth_life() {
    let port = free_port();
    let portal = Portal::start_with(|config| {
        config.oauth_clients[0].redirect_uris = vec![format!("http://localhost:{port}/callback")];
    });
    let mut hub = Hub::new();
    // The most talkative log there is: every run's stderr is searched (by `Hub`) as well.
    hub.env("HUBSYNC_LOG", "trace");
    let port_arg = port.to_string();
    let args =
        ["--client-id", OAUTH_CLIENT_ID, "--port", &port_arg, "--base-url", &portal.base_url, "--client-secret", "-"];
    let (run, page) = hub.connect_oauth(&args, Some(OAUTH_CLIENT_SECRET), |url| portal.consent(url, "approve"));
    run.ok();
    assert!(page.contains("Connected to HubSpot"), "{page}");
    assert_clean("the consent page's answer", page.as_bytes());

    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "company=Acme"]).ok();
    hub.run(&["leads", "add", "--email", "bo@example.com", "--set", "company=Bo Ltd"]).ok();
    let push = hub.json(&["push", "--yes"]);
    assert_eq!(push["run"]["counts"]["created"], 2, "{push}");

    // HubSpot's access tokens expire: the next command refreshes with the kept refresh token.
    portal.control(reqwest::Method::POST, "/oauth/expire-access-tokens", None);
    let pull = hub.json(&["pull", "--yes"]);
    assert_eq!(pull["run"]["kind"], "pull", "{pull}");
    hub.run(&["test-connection"]).ok();

    // The grant is revoked: the failure is said without quoting what was refused.
    portal.control(reqwest::Method::POST, "/oauth/revoke-refresh-tokens", None);
    portal.control(reqwest::Method::POST, "/oauth/expire-access-tokens", None);
    assert_eq!(hub.json_error(&["push", "--preview"])["code"], "reconnect_needed");
    assert_eq!(hub.run(&["test-connection"]).code, 1);
    hub.run(&["status"]).ok();

    let exports = hub.dir().join("exports");
    let runs = hub.json(&["runs", "list"]);
    let ids: Vec<i64> = runs["runs"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.len() >= 2, "{runs}");
    for id in &ids {
        let dir = exports.join(format!("run-{id}"));
        hub.json(&["runs", "export", &id.to_string(), dir.to_str().unwrap()]);
        hub.run(&["runs", "show", &id.to_string()]).ok();
    }
    hub.json(&["leads", "export", exports.join("leads.csv").to_str().unwrap()]);
    hub.json(&["config", "export", exports.join("config.json").to_str().unwrap()]);

    let exported = files_under(&exports);
    assert!(
        exported.len() >= 2 * ids.len() + 2,
        "every export was written: {:?}",
        exported.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, bytes) in &exported {
        assert_clean(name, bytes);
    }
    let store = hub.store_bytes();
    assert!(contains(&store, "ann@example.com"), "the store's files were read");
    assert_clean("the lead store's files", &store);
    // The keychain keeps the secrets: no token file was written beside the store.
    assert!(
        !hub.files_beside_the_store().iter().any(|name| name.ends_with(".secrets")),
        "{:?}",
        hub.files_beside_the_store()
    );
}

#[test]
fn the_token_search_finds_tokens_shaped_like_the_sandboxs() {
    let access = format!("CN{}", "aZ0-_".repeat(26));
    let refresh = "na1-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    for (token, kind) in [(access.as_str(), "access"), (refresh, "refresh")] {
        let text = format!("some log line {token} and more");
        let found = std::panic::catch_unwind(|| assert_no_oauth_tokens(&text, "a log"));
        assert!(found.is_err(), "the {kind} token {token} was not found");
    }
    assert_no_oauth_tokens("CNAME na1-short plain text", "ordinary text");
}
