//! The control API, persistence with `--db`, and the binary itself.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use hubsync_sandbox::{CONTROL_SECRET_HEADER as SECRET_HEADER, PrivateToken, Sandbox, SandboxConfig};
use serde_json::json;

use crate::support::{TOKEN, assert_error, into_reply, start};

#[tokio::test]
async fn reset_restores_the_starting_data_and_clears_counters() {
    let portal = start(40).await;
    portal.create_contact(json!({ "email": "extra@example.com" })).await;
    assert_eq!(portal.sandbox.contact_count(), 41);
    assert!(portal.counters().await["totalRequests"].as_u64().unwrap() >= 1);

    let reset = portal.control(reqwest::Method::POST, "/reset", Some(json!({}))).await;
    assert_eq!(reset.body["contacts"], 40);
    assert_eq!(portal.counters().await["totalRequests"], 0);
    let reseeded = portal.control(reqwest::Method::POST, "/reset", Some(json!({ "seedContacts": 7, "seed": 5 }))).await;
    assert_eq!(reseeded.body["contacts"], 7);
}

#[tokio::test]
async fn fixtures_load_whole_or_not_at_all() {
    let portal = start(3).await;
    let fixture = json!({
        "owners": [{ "id": "900", "email": "o@example.com", "firstName": "O", "lastName": "Wner", "userId": 1, "userIdIncludingInactive": 1 }],
        "contacts": [
            { "id": "77", "properties": { "email": "fx@example.com", "hubspot_owner_id": "900", "lifecyclestage": "lead" } },
            { "properties": { "firstname": "No email" }, "archived": true },
        ],
    });
    let loaded = portal.post("/__sandbox/fixture?replace=true", fixture).await;
    assert_eq!(loaded.status, 200, "{}", loaded.text);
    assert_eq!(loaded.body["contacts"], 1);
    assert_eq!(
        portal.get("/crm/v3/objects/contacts/77?properties=hubspot_owner_id").await.prop("hubspot_owner_id"),
        "900"
    );

    let duplicate = json!({ "contacts": [{ "properties": { "email": "FX@example.com" } }] });
    let refused = portal.post("/__sandbox/fixture", duplicate).await;
    assert_error(&refused, 400, "VALIDATION_ERROR");
    assert!(refused.body["message"].as_str().unwrap().contains("fx@example.com"));
    let bad_value = json!({ "contacts": [{ "properties": { "email": "ok2@example.com" } }, { "properties": { "lead_score": "high" } }] });
    let refused = portal.post("/__sandbox/fixture", bad_value).await;
    assert!(refused.body["message"].as_str().unwrap().contains("contact #1"), "{}", refused.text);
    assert_eq!(portal.all_contacts().await.len(), 2, "nothing from the refused fixtures was loaded");
    let refused = portal
        .post("/__sandbox/fixture?replace=true", json!({ "contacts": [{ "properties": { "lead_score": "x" } }] }))
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(portal.all_contacts().await.len(), 2, "a refused replacement keeps the old records");
    let unknown_field = portal.post("/__sandbox/fixture", json!({ "contact": [] })).await;
    assert_error(&unknown_field, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn counters_and_the_request_log_count_api_calls_without_tokens() {
    let portal = start(5).await;
    portal.get("/crm/v3/objects/contacts?limit=2").await;
    portal.post("/crm/v3/objects/contacts/batch/read", json!({ "inputs": [{ "id": "1001" }] })).await;
    portal.post("/crm/v3/objects/contacts/batch/read", json!({ "inputs": [{ "id": "1002" }] })).await;
    let counters = portal.counters().await;
    assert_eq!(counters["requests"]["POST /crm/v3/objects/contacts/batch/read"], 2);
    assert_eq!(counters["requests"]["GET /crm/v3/objects/contacts"], 1);
    assert_eq!(counters["totalRequests"], 3, "control calls are not counted");

    let log = portal.control(reqwest::Method::GET, "/requests", None).await;
    let entries = log.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["query"], "limit=2");
    assert_eq!(entries[1]["route"], "/crm/v3/objects/contacts/batch/read");
    assert_eq!(entries[1]["auth"], "private");
    assert!(!log.text.contains(TOKEN));
    let since = portal.control(reqwest::Method::GET, "/requests?since=2", None).await;
    assert_eq!(since.body["entries"].as_array().unwrap().len(), 1);

    assert_eq!(portal.control(reqwest::Method::DELETE, "/counters", None).await.status, 204);
    assert_eq!(portal.counters().await["totalRequests"], 0);
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hubsync-sandbox-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("portal.db")
}

#[tokio::test]
async fn a_db_file_keeps_the_portal_across_restarts() {
    let db = temp_db("restart");
    let config = || SandboxConfig {
        db_path: Some(db.clone()),
        seed_contacts: 25,
        rate_limits: false,
        private_tokens: vec![PrivateToken::new(TOKEN)],
        fixture: Some(hubsync_sandbox::Fixture::from_json(r#"{"portal": {"portalId": 555}}"#).unwrap()),
        ..SandboxConfig::default()
    };
    let first = Sandbox::start(config()).await.unwrap();
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{}/crm/v3/objects/contacts", first.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({ "properties": { "email": "kept@example.com", "lifecyclestage": "lead" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let archived = http
        .delete(format!("{}/crm/v3/objects/contacts/1001", first.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(archived.status(), 204);
    first.shutdown().await;

    let second = Sandbox::start(config()).await.unwrap();
    assert_eq!(second.contact_count(), 25, "25 seeded + 1 created - 1 archived; not seeded again");
    assert_eq!(second.portal_id(), 555, "the portal's identity comes from the configuration");
    let found = http
        .get(format!(
            "{}/crm/v3/objects/contacts/kept@example.com?idProperty=email&properties=lifecyclestage",
            second.base_url()
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = found.json().await.unwrap();
    assert_eq!(body["properties"]["lifecyclestage"], "lead");
    second.shutdown().await;
    std::fs::remove_dir_all(db.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_db_file_from_a_newer_sandbox_is_refused_untouched() {
    let db = temp_db("newer");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 42).unwrap();
    drop(conn);
    let error =
        Sandbox::start(SandboxConfig { db_path: Some(db.clone()), ..SandboxConfig::default() }).await.err().unwrap();
    assert!(error.to_string().contains("newer"), "{error}");
    std::fs::remove_dir_all(db.parent().unwrap()).unwrap();
}

/// Ends the child process however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_prints_its_address_and_control_secret_and_serves() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_hubsync-sandbox"))
            .args(["--port", "0", "--seed-contacts", "12", "--private-token", "pat-na1-binary"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut printed = |prefix: &str| {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        line.trim().strip_prefix(prefix).unwrap_or_else(|| panic!("expected {prefix}…, got {line:?}")).to_string()
    };
    let base = printed("listening on ");
    assert!(base.starts_with("http://127.0.0.1:"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let health = |secret: Option<&str>| {
        runtime.block_on(async {
            let mut request = reqwest::Client::new().get(format!("{base}/__sandbox/health"));
            if let Some(secret) = secret {
                request = request.header(SECRET_HEADER, secret);
            }
            let reply = request.send().await.unwrap();
            (reply.status().as_u16(), reply.json::<serde_json::Value>().await.unwrap_or_default())
        })
    };
    assert_eq!(health(None).0, 401, "no secret, no control API");

    let secret = printed("control secret: ");
    assert!(secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()), "{secret:?}");
    let (status, body) = health(Some(&secret));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["contacts"], 12);
}

#[test]
fn the_binary_says_the_account_type_it_is_given() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_hubsync-sandbox"))
            .args(["--port", "0", "--private-token", TOKEN, "--account-type", "STANDARD"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_string();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let details: serde_json::Value = runtime.block_on(async {
        let reply = reqwest::Client::new()
            .get(format!("{base}/account-info/v3/details"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        reply.json().await.unwrap()
    });
    assert_eq!(details["accountType"], "STANDARD", "{details}");
}

#[test]
fn the_binary_refuses_bad_flags_with_a_reason() {
    let output = Command::new(env!("CARGO_BIN_EXE_hubsync-sandbox")).args(["--fault-503", "1.5"]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unavailable must be between 0 and 1"), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_hubsync-sandbox"))
        .args(["--fixture", "/nonexistent/fixture.json"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read fixture"));
    let output = Command::new(env!("CARGO_BIN_EXE_hubsync-sandbox")).args(["--account-type", "PROD"]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid value 'PROD'") && stderr.contains("STANDARD"), "{stderr}");
}

/// Any web page may send a cross-origin "simple" POST (text/plain, or no body at all) to any
/// address, so such a request must never reach the control API, even with the right secret.
#[tokio::test]
async fn a_post_that_is_not_json_does_not_reset_the_portal() {
    let portal = start(10).await;
    portal.create_contact(json!({ "email": "kept@example.com" })).await;
    let url = portal.url("/__sandbox/reset");
    let secret = portal.control_secret().to_string();
    let text_plain =
        portal.http.post(&url).header(SECRET_HEADER, &secret).header("content-type", "text/plain").body("{}");
    let refused = into_reply(text_plain.send().await.unwrap()).await;
    assert_error(&refused, 415, "CONTROL_JSON_REQUIRED");
    assert!(refused.body["message"].as_str().unwrap().contains("application/json"), "{}", refused.text);
    let no_body = into_reply(portal.http.post(&url).header(SECRET_HEADER, &secret).send().await.unwrap()).await;
    assert_error(&no_body, 415, "CONTROL_JSON_REQUIRED");
    assert_eq!(portal.sandbox.contact_count(), 11, "the portal was not reset");
}

/// A DNS-rebinding page reaches 127.0.0.1 under its own host name: the Host header gives it away.
#[tokio::test]
async fn a_request_naming_another_host_cannot_read_the_control_api() {
    let portal = start(3).await;
    let secret = portal.control_secret().to_string();
    let port = portal.sandbox.addr().port();
    for host in ["evil.example".to_string(), format!("evil.example:{port}"), format!("127.0.0.1.evil.example:{port}")] {
        let request =
            portal.http.get(portal.url("/__sandbox/contacts")).header(SECRET_HEADER, &secret).header("host", &host);
        let refused = into_reply(request.send().await.unwrap()).await;
        assert_error(&refused, 403, "CONTROL_HOST_NOT_LOOPBACK");
        assert!(refused.body["message"].as_str().unwrap().contains(&host), "{}", refused.text);
        assert!(!refused.text.contains("@"), "no contact leaks: {}", refused.text);
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
        "localhost".into(),
    ] {
        let request =
            portal.http.get(portal.url("/__sandbox/contacts")).header(SECRET_HEADER, &secret).header("host", &host);
        let reply = into_reply(request.send().await.unwrap()).await;
        assert_eq!(reply.status, 200, "{host}: {}", reply.text);
        assert_eq!(reply.body["results"].as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn the_control_api_answers_only_with_its_secret() {
    let portal = start(3).await;
    let url = portal.url("/__sandbox/contacts");
    let missing = into_reply(portal.http.get(&url).send().await.unwrap()).await;
    assert_error(&missing, 401, "CONTROL_SECRET_REQUIRED");
    assert!(missing.body["message"].as_str().unwrap().contains(SECRET_HEADER), "{}", missing.text);
    let wrong = into_reply(portal.http.get(&url).header(SECRET_HEADER, "not-the-secret").send().await.unwrap()).await;
    assert_error(&wrong, 401, "CONTROL_SECRET_REQUIRED");
    // The API's token is not the control secret.
    let token = into_reply(portal.http.get(&url).bearer_auth(TOKEN).send().await.unwrap()).await;
    assert_error(&token, 401, "CONTROL_SECRET_REQUIRED");
    let reset = portal.http.post(portal.url("/__sandbox/reset")).json(&json!({ "seedContacts": 0 }));
    assert_error(&into_reply(reset.send().await.unwrap()).await, 401, "CONTROL_SECRET_REQUIRED");
    assert_eq!(portal.sandbox.contact_count(), 3);

    let right =
        into_reply(portal.http.get(&url).header(SECRET_HEADER, portal.control_secret()).send().await.unwrap()).await;
    assert_eq!(right.status, 200, "{}", right.text);
}

/// A portal started without a control secret (the app's built-in one) has no control API: its
/// paths answer as HubSpot answers a path it doesn't know.
#[tokio::test]
async fn without_a_secret_the_control_api_is_not_there() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed_contacts: 4,
        private_tokens: vec![PrivateToken::new(TOKEN)],
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", sandbox.base_url());
    for path in ["/__sandbox/contacts", "/__sandbox/health", "/__sandbox/counters"] {
        let anonymous = into_reply(http.get(url(path)).send().await.unwrap()).await;
        assert_error(&anonymous, 401, "INVALID_AUTHENTICATION");
        let with_token = into_reply(http.get(url(path)).bearer_auth(TOKEN).send().await.unwrap()).await;
        assert_error(&with_token, 404, "OBJECT_NOT_FOUND");
        assert_eq!(with_token.body["message"], format!("Unable to find a route for {path}"));
    }
    for content_type in ["text/plain", "application/json"] {
        let reset =
            http.post(url("/__sandbox/reset")).bearer_auth(TOKEN).header("content-type", content_type).body("{}");
        assert_error(&into_reply(reset.send().await.unwrap()).await, 404, "OBJECT_NOT_FOUND");
    }
    let created = http
        .post(url("/crm/v3/objects/contacts"))
        .bearer_auth(TOKEN)
        .json(&json!({ "properties": { "email": "stays@example.com" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let reset = http.post(url("/__sandbox/reset")).header("content-type", "text/plain").body("{}");
    assert_eq!(reset.send().await.unwrap().status(), 401);
    assert_eq!(sandbox.contact_count(), 5, "nothing reset the portal");
}
