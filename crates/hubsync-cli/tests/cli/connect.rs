//! connect, status, disconnect, and where the token is (and is not) kept.

use serde_json::json;

use crate::support::{CONTACTS_ONLY_TOKEN, Hub, Portal, TOKEN, contains};

#[test]
fn connect_with_a_good_token_then_status_shows_the_portal() {
    let portal = Portal::start();
    let hub = Hub::new();
    // Where earlier versions kept the token: connecting moves it to the keychain, so it goes.
    std::fs::write(hub.dir().join("hubsync.db.token"), "pat-na1-old-token").unwrap();
    let connected = hub.connect(&portal);
    assert!(connected.stdout.contains(&format!("Connected to HubSpot portal {}", portal.portal_id())), "{connected:?}");
    assert!(connected.stdout.contains("100 per 10 s"), "the rate limit seen: {connected:?}");
    assert!(connected.stdout.contains("crm.objects.owners.read"), "what was checked: {connected:?}");

    let status = hub.run(&["status"]).ok();
    assert!(status.stdout.contains(&format!("app.hubspot.com ({})", portal.portal_id())), "{status:?}");
    assert!(status.stdout.contains("reachable"), "{status:?}");
    assert!(status.stdout.contains("OS keychain (Secret Service)"), "where the token is: {status:?}");

    let status = hub.json(&["status"]);
    assert_eq!(status["connection"]["portal_id"], json!(portal.portal_id()));
    assert_eq!(status["connection"]["token_kind"], "private-app");
    assert_eq!(status["connection"]["base_url"], json!(portal.base_url));
    assert_eq!(status["connection"]["user_email"], "");
    assert_eq!(status["connection"]["scopes"], json!(["crm.objects.contacts.read", "crm.objects.owners.read"]));
    assert_eq!(status["connection"]["token_kept_in"], "OS keychain (Secret Service)");
    assert_eq!(status["connection"]["secret_store"], "keychain");
    assert_eq!(status["connection"]["status"], "connected");
    assert_eq!(status["connection"]["active"], true);
    assert_eq!(status["portal"]["reachable"], true);
    assert_eq!(status["portal"]["rate_limit"]["max"], 100);
    assert_eq!(status["portal"]["rate_limit"]["daily"], 250_000);
    assert!(status["portal"]["rate_limit"]["daily_remaining"].as_u64().is_some());
    // A first portal maps email and the eight built-in fields with a standard property; creating
    // contacts stays off.
    assert_eq!(status["counts"], json!({ "leads": 0, "linked_leads": 0, "custom_fields": 0, "mappings": 9 }));
    assert_eq!(status["push_rules"], json!({ "update": true, "create": false }));

    let labels = hub.keychain.item_labels().unwrap();
    assert_eq!(labels, [format!("Hubsync: HubSpot portal {} private app token", portal.portal_id())]);
    // The store and the rate ledger its processes share: no token or secret file.
    assert_eq!(hub.files_beside_the_store(), ["hubsync.db", "hubsync.db.ratelimits"], "no token or secret file");
}

#[test]
fn connect_reads_the_token_from_stdin_and_reports_its_checks_as_json() {
    let portal = Portal::start();
    let hub = Hub::new();
    let run = hub
        .run_with_stdin(
            &["--json", "connect", "--token", "-", "--base-url", &portal.base_url],
            Some(&format!("{TOKEN}\n")),
        )
        .ok();
    let body = run.json();
    assert_eq!(body["portal_id"], json!(portal.portal_id()));
    assert_eq!(body["hub_domain"], "app.hubspot.com");
    assert_eq!(body["scopes"], json!(["crm.objects.contacts.read", "crm.objects.owners.read"]));
    assert!(body["connected_at"].is_string());
    assert_eq!(body["time_zone"], "US/Eastern");
    assert_eq!(body["token_kind"], "private-app");
    let checks: Vec<&str> = body["checks"].as_array().unwrap().iter().map(|c| c["check"].as_str().unwrap()).collect();
    assert_eq!(checks, ["account details", "contacts read", "owners read", "contact properties"]);
    assert_eq!(body["not_checked"], json!(["crm.objects.contacts.write"]));
    assert_eq!(body["rate_limit"]["max"], 100);
    assert_eq!(body["secret_kept_in"], "OS keychain (Secret Service)");
    assert_eq!(body["name"], "app.hubspot.com");
    // Saved without the newline: the next command's client is accepted.
    assert_eq!(hub.json(&["status"])["portal"]["reachable"], true);

    let empty = hub.json_error(&["connect", "--token", "-", "--base-url", &portal.base_url]);
    assert_eq!(empty["code"], "usage");
    assert!(empty["message"].as_str().unwrap().contains("stdin"), "{empty}");
}

#[test]
fn a_wrong_token_is_refused_clearly_and_nothing_is_saved() {
    let portal = Portal::start();
    let hub = Hub::new();
    let run = hub.run(&["connect", "--token", "pat-na1-not-a-real-token", "--base-url", &portal.base_url]).fails();
    assert!(run.stderr.starts_with("error: "), "{run:?}");
    assert!(run.stderr.contains("wrong, revoked or expired"), "{run:?}");
    assert!(run.stderr.contains("nothing was saved"), "{run:?}");
    assert!(run.stderr.contains("\nhint: "), "{run:?}");
    assert!(!run.stderr.contains("pat-na1-not-a-real-token"), "not even a wrong token is printed: {run:?}");
    assert!(run.stdout.is_empty());

    let error = hub.json_error(&["connect", "--token", "pat-na1-not-a-real-token", "--base-url", &portal.base_url]);
    assert_eq!(error["code"], "hubspot_unauthorized");

    assert!(hub.keychain.item_labels().unwrap().is_empty(), "nothing was kept");
    assert_eq!(hub.json(&["status"])["connection"], json!(null));
}

#[test]
fn a_token_without_a_needed_scope_names_the_scope_and_saves_nothing() {
    let portal = Portal::start();
    let hub = Hub::new();
    let run =
        hub.run_with_stdin(&["connect", "--token", "-", "--base-url", &portal.base_url], Some(CONTACTS_ONLY_TOKEN));
    let run = run.fails();
    assert!(run.stderr.contains("crm.objects.owners.read"), "{run:?}");
    assert!(run.stderr.contains("cannot read owners"), "{run:?}");

    let error = hub.json_error(&["connect", "--token", CONTACTS_ONLY_TOKEN, "--base-url", &portal.base_url]);
    assert_eq!(error["code"], "missing_scopes");
    assert!(error["message"].as_str().unwrap().contains("crm.objects.owners.read"), "{error}");
    assert!(hub.keychain.item_labels().unwrap().is_empty(), "nothing was kept");
    assert_eq!(hub.json(&["status"])["connection"], json!(null));
}

#[test]
fn the_token_never_reaches_output_logs_or_the_store() {
    let portal = Portal::start();
    let mut hub = Hub::new();
    hub.env("HUBSYNC_LOG", "trace");
    hub.connect(&portal);
    hub.run(&["status"]).ok();
    hub.run(&["--json", "status"]).ok();
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com"]).ok();
    hub.run(&["disconnect"]).ok();
    // Each run above already checked stdout and stderr (trace logs included).
    let bytes = hub.store_bytes();
    assert!(!bytes.is_empty());
    assert!(!contains(&bytes, TOKEN), "the token is in the lead store's files");
    assert!(!contains(&bytes, &TOKEN[8..]), "part of the token is in the lead store's files");
}

#[test]
fn status_shows_the_local_part_when_the_portal_cannot_be_reached() {
    let mut portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["leads", "add", "--email", "ann@example.com"]).ok();
    portal.stop();

    let run = hub.run(&["status"]).ok();
    assert!(run.stdout.contains("could not be reached"), "{run:?}");
    assert!(run.stdout.contains("leads:"), "{run:?}");
    let status = hub.json(&["status"]);
    assert_eq!(status["portal"]["reachable"], false);
    assert_eq!(status["portal"]["error"]["code"], "hubspot_unreachable");
    let message = status["portal"]["error"]["message"].as_str().unwrap().to_lowercase();
    assert!(message.contains("refused"), "the cause under reqwest's message is named: {message}");
    assert_eq!(status["counts"]["leads"], 1);
    assert!(status["connection"]["portal_id"].is_u64());
}

#[test]
fn hubsync_token_overrides_the_keychain_and_a_missing_keychain_is_named() {
    let portal = Portal::start();
    let mut hub = Hub::new();
    hub.connect(&portal);
    hub.without_keychain();
    let status = hub.json(&["status"]);
    assert_eq!(status["portal"]["reachable"], false);
    assert_eq!(status["portal"]["error"]["code"], "keychain_unavailable");
    assert_eq!(hub.json_error(&["owners", "list"])["code"], "keychain_unavailable");

    hub.env("HUBSYNC_TOKEN", TOKEN);
    let status = hub.json(&["status"]);
    assert_eq!(status["connection"]["token_kept_in"], "environment variable HUBSYNC_TOKEN (overrides the kept token)");
    assert_eq!(status["portal"]["reachable"], true);
}

#[test]
fn without_a_keychain_connect_refuses_unless_the_file_store_is_chosen() {
    let portal = Portal::start();
    let mut hub = Hub::new();
    hub.without_keychain();
    let run = hub.run_with_stdin(&["connect", "--token", "-", "--base-url", &portal.base_url], Some(TOKEN)).fails();
    assert!(run.stderr.contains("no usable OS keychain"), "{run:?}");
    assert!(run.stderr.contains("--insecure-file-store"), "the way out is named: {run:?}");
    assert_eq!(hub.json(&["status"])["connection"], json!(null), "nothing was saved");

    let run = hub.run_with_stdin(
        &["connect", "--token", "-", "--base-url", &portal.base_url, "--insecure-file-store"],
        Some(TOKEN),
    );
    let run = run.ok();
    assert!(run.stderr.contains("no OS keychain is available"), "{run:?}");
    let status = hub.json(&["status"]);
    let kept_in = format!("file {} (readable by you only)", hub.secret_file().display());
    assert_eq!(status["connection"]["token_kept_in"], json!(kept_in));
    assert_eq!(status["connection"]["secret_store"], "file");
    assert_eq!(status["portal"]["reachable"], true);
    let listed = hub.run(&["portals", "list"]).ok();
    assert!(listed.stdout.contains("token in a file"), "{listed:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(hub.secret_file()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the secret file is the owner's alone");
    }
    hub.run(&["disconnect"]).ok();
    let kept = std::fs::read_to_string(hub.secret_file()).unwrap();
    assert!(!kept.contains(TOKEN), "disconnect deleted the token from the file: {kept}");
}

#[test]
fn disconnect_deletes_the_token_stops_syncing_and_keeps_the_rest_for_a_reconnect() {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["fields", "add", "tier", "--type", "single-choice", "--options", "gold,silver"]).ok();
    hub.run(&["mapping", "set", "company", "company", "--rule", "if-empty"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "tier=Gold"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();

    let body = hub.json(&["disconnect"]);
    assert_eq!(body["portal_id"], json!(portal.portal_id()));
    assert_eq!(body["status"], "disconnected");
    assert_eq!(body["secret_deleted"], true);
    assert_eq!(body["revoked"], false);
    assert!(body["not_revoked"].as_str().unwrap().contains("no API to revoke a private app token"), "{body}");
    assert!(hub.keychain.item_labels().unwrap().is_empty(), "the token left the keychain");

    let status = hub.json(&["status"]);
    assert_eq!(status["connection"]["status"], "disconnected");
    assert_eq!(status["portal"]["error"]["code"], "not_connected");
    assert_eq!(status["counts"], json!({ "leads": 1, "linked_leads": 0, "custom_fields": 1, "mappings": 9 }));
    assert_eq!(status["push_rules"], json!({ "update": true, "create": true }));
    let mappings = hub.json(&["mapping", "list"]);
    assert_eq!(
        mappings["mappings"][3],
        json!({ "field_key": "company", "property": "company", "write_rule": "if-empty" })
    );
    let push = hub.json_error(&["push", "--preview"]);
    assert_eq!(push["code"], "not_connected", "syncing stopped: {push}");
    assert!(push["message"].as_str().unwrap().contains("is disconnected"), "{push}");

    // Connecting the same portal again brings every rule and mapping back.
    hub.connect(&portal);
    let status = hub.json(&["status"]);
    assert_eq!(status["connection"]["status"], "connected");
    assert_eq!(status["counts"]["mappings"], 9);
    assert_eq!(hub.json(&["mapping", "list"]), mappings, "company kept if empty, as set");
    assert_eq!(status["push_rules"], json!({ "update": true, "create": true }));
    hub.run(&["push", "--preview"]).ok();
}

#[test]
fn a_command_line_that_does_not_parse_is_a_usage_error() {
    let hub = Hub::new();
    let run = hub.run(&["fields", "add", "x", "--type", "colour"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("single-choice"), "the types are listed: {run:?}");
    let run = hub.run(&["--json", "rules", "push", "--update", "maybe"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.json()["error"]["code"], "usage");
    let help = hub.run(&["leads", "import", "--help"]).ok();
    assert!(help.stdout.contains("UPDATES"), "{help:?}");
}

#[test]
fn the_default_store_is_the_desktop_apps_and_hubsync_db_names_another() {
    let mut hub = Hub::new();
    let run = hub.run_in_default_store(&["--json", "leads", "add", "--email", "ann@example.com"]).ok();
    assert_eq!(run.json()["lead"]["id"], 1);
    let default = hub.data_home().join("app.hubsync.desktop").join("hubsync.db");
    assert!(default.is_file(), "the folder was made and the store created: {default:?}");
    let status = hub.run_in_default_store(&["--json", "status"]).ok().json();
    assert_eq!(status["db_path"], json!(default));
    assert_eq!(status["counts"]["leads"], 1);

    let other = hub.dir().join("nested").join("other.db");
    hub.env("HUBSYNC_DB", other.to_str().unwrap());
    let status = hub.run_in_default_store(&["--json", "status"]).ok().json();
    assert_eq!(status["db_path"], json!(other));
    assert_eq!(status["counts"]["leads"], 0);
}

/// A server on this machine's network address (not loopback) that answers every request with a
/// 401 and keeps the request heads it was sent; `None` on a machine without such an address.
fn eavesdropper() -> Option<(String, std::sync::Arc<std::sync::Mutex<Vec<String>>>)> {
    use std::io::{Read, Write};
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    probe.connect("192.0.2.1:9").ok()?;
    let ip = probe.local_addr().ok()?.ip();
    if ip.is_loopback() || ip.is_unspecified() {
        return None;
    }
    let listener = std::net::TcpListener::bind((ip, 0)).ok()?;
    let url = format!("http://{}", listener.local_addr().ok()?);
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = heard.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = [0u8; 4096];
            let read = stream.read(&mut head).unwrap_or(0);
            keep.lock().unwrap().push(String::from_utf8_lossy(&head[..read]).into_owned());
            let _ = stream.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    Some((url, heard))
}

#[test]
fn plain_http_to_another_host_is_refused_before_a_token_is_sent() {
    let portal = Portal::start();
    let hub = Hub::new();
    let (plain, heard) = match eavesdropper() {
        Some((url, heard)) => (url, Some(heard)),
        None => ("http://hubspot.invalid".to_string(), None),
    };
    let host = plain.trim_start_matches("http://").to_string();
    let refused = [
        plain.clone(),
        plain.to_uppercase(),
        format!("http://127.0.0.1@{host}"),
        format!("http://localhost:x@{host}"),
        "http://127.0.0.1.hubspot.invalid".to_string(),
        "http://localhost.hubspot.invalid".to_string(),
        "api.hubapi.com".to_string(),
    ];
    for base_url in &refused {
        let error = hub.json_error(&["connect", "--token", TOKEN, "--base-url", base_url]);
        assert_eq!(error["code"], "insecure_base_url", "{base_url}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("https://") && message.contains("127.0.0.1"), "what is allowed: {message}");
    }
    // OAuth is refused before anything listens, opens or sends the client secret.
    let oauth = [
        "connect",
        "--oauth",
        "--client-id",
        "demo",
        "--client-secret",
        "demo-secret",
        "--no-browser",
        "--timeout",
        "1",
        "--base-url",
        &plain,
    ];
    assert_eq!(hub.json_error(&oauth)["code"], "insecure_base_url");
    assert!(hub.keychain.item_labels().unwrap().is_empty(), "nothing was kept");
    assert_eq!(hub.json(&["status"])["connection"], json!(null));

    // A saved portal's address is checked each time a client is made for it.
    hub.connect(&portal);
    let conn = rusqlite::Connection::open(&hub.db).unwrap();
    conn.execute("UPDATE portals SET base_url = ?1", [&plain]).unwrap();
    drop(conn);
    let error = hub.json_error(&["test-connection"]);
    assert_eq!(error["code"], "insecure_base_url", "{error}");
    if let Some(heard) = heard {
        assert_eq!(*heard.lock().unwrap(), Vec::<String>::new(), "a request went out over plain http");
    }
}
