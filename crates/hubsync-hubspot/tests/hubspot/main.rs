//! The client against the sandbox portal over real HTTP: typed calls, 207s, errors that say
//! whether a request was sent, retries through transient faults, the daily cap.

use std::collections::BTreeMap;
use std::sync::Arc;

use hubsync_hubspot::{
    ApiVersion, ClientConfig, ClientError, HubSpotClient, PortalLimiter, RateLimitSettings, Secret, Sent,
};
use hubsync_sandbox::{PrivateToken, Sandbox, SandboxConfig};
use serde_json::json;

const TOKEN: &str = "pat-na1-client-tests";

async fn portal(seed_contacts: usize, rate_limits: bool) -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed_contacts,
        rate_limits,
        private_tokens: vec![PrivateToken::new(TOKEN)],
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn client_for(sandbox: &Sandbox, version: ApiVersion) -> HubSpotClient {
    let limits = RateLimitSettings::private_app(100);
    let config = ClientConfig { version, ..ClientConfig::new(sandbox.base_url(), limits) };
    HubSpotClient::new(config, Secret::new(TOKEN), Arc::new(PortalLimiter::new(limits))).unwrap()
}

async fn control(sandbox: &Sandbox, method: reqwest::Method, path: &str, body: serde_json::Value) -> serde_json::Value {
    let reply = reqwest::Client::new()
        .request(method, format!("{}/__sandbox{path}", sandbox.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    reply.json().await.unwrap_or(serde_json::Value::Null)
}

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn reads_properties_owners_account_and_pages_on_both_path_styles() {
    let sandbox = portal(150, false).await;
    for version in [ApiVersion::V3, ApiVersion::Dated("2026-03".into())] {
        let client = client_for(&sandbox, version);
        let properties = client.properties().await.unwrap();
        assert!(properties.iter().any(|p| p.name == "hs_object_id" && p.is_read_only()));
        assert!(properties.iter().any(|p| p.name == "product_interests" && p.is_multi_select()));
        assert_eq!(client.owners(false).await.unwrap().len(), 9);
        let deactivated = client.owners(true).await.unwrap();
        assert!(deactivated.len() == 3 && deactivated.iter().all(|o| o.user_id.is_none()));
        assert_eq!(client.account_details().await.unwrap().portal_id, sandbox.portal_id());

        let mut seen = 0;
        let mut after: Option<String> = None;
        loop {
            let page = client.list_contacts(100, after.as_deref(), &["email".into()]).await.unwrap();
            seen += page.results.len();
            match page.next_after() {
                Some(next) => after = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, 150);
        assert_eq!(client.api_calls(), 4 + 2, "4 fixed calls + 2 list pages, no retries");
    }
}

#[tokio::test]
async fn batches_report_207_errors_beside_results() {
    let sandbox = portal(0, false).await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let created = client
        .batch_upsert_by_email(&[
            ("Ann@Example.com".into(), props(&[("firstname", "Ann")])),
            ("bo@example.com".into(), props(&[("firstname", "Bo")])),
        ])
        .await
        .unwrap();
    assert!(created.results.iter().all(|r| r.new == Some(true)));
    let again =
        client.batch_upsert_by_email(&[("ann@example.com".into(), props(&[("jobtitle", "CTO")]))]).await.unwrap();
    assert_eq!(again.results[0].new, Some(false), "upsert by email finds the contact whatever the case");

    let read = client
        .batch_read(&["ANN@example.com".into(), "nobody@example.com".into()], true, &["jobtitle".into()])
        .await
        .unwrap();
    assert_eq!(read.results.len(), 1);
    assert_eq!(read.results[0].get("jobtitle"), Some("CTO"));
    assert_eq!(read.missing(), ["nobody@example.com"]);

    let id = read.results[0].id.clone();
    let updated = client
        .batch_update(&[(id.clone(), props(&[("city", "Oslo")])), ("999999".into(), props(&[("city", "Nowhere")]))])
        .await
        .unwrap();
    assert_eq!(updated.results.len(), 1);
    assert_eq!(updated.missing(), ["999999"]);

    let traced = client
        .batch_create(&[
            ("row-1".into(), props(&[("email", "new@example.com")])),
            ("row-2".into(), props(&[("email", "bo@example.com")])),
        ])
        .await
        .unwrap();
    assert_eq!(traced.results.len(), 1);
    assert_eq!(traced.errors[0].category.as_deref(), Some("CONFLICT"));
    assert_eq!(traced.errors[0].trace_ids(), ["row-2"]);

    let page = client
        .search(
            json!({ "filterGroups": [{ "filters": [{ "propertyName": "city", "operator": "EQ", "value": "oslo" }] }] }),
        )
        .await
        .unwrap();
    assert_eq!((page.total, page.results[0].id.as_str()), (Some(1), id.as_str()));
    let too_big: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    assert!(matches!(client.batch_read(&too_big, false, &[]).await, Err(ClientError::BatchTooLarge(101))));
}

#[tokio::test]
async fn permanent_errors_are_not_retried_and_say_they_were_sent() {
    let sandbox = portal(0, false).await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let error =
        client.batch_upsert_by_email(&[("x@example.com".into(), props(&[("lead_score", "ten")]))]).await.unwrap_err();
    assert_eq!((error.status(), error.category(), error.sent()), (Some(400), Some("VALIDATION_ERROR"), Sent::Yes));
    assert!(error.to_string().contains("Property values were not valid"), "{error}");
    assert_eq!(client.api_calls(), 1);

    let stranger = HubSpotClient::new(
        ClientConfig::new(sandbox.base_url(), RateLimitSettings::oauth()),
        Secret::new("pat-na1-unknown"),
        Arc::new(PortalLimiter::new(RateLimitSettings::oauth())),
    )
    .unwrap();
    let error = stranger.properties().await.unwrap_err();
    assert_eq!((error.status(), error.category()), (Some(401), Some("INVALID_AUTHENTICATION")));
}

#[tokio::test]
async fn transient_failures_are_retried_until_every_call_lands() {
    let sandbox = portal(300, false).await;
    control(
        &sandbox,
        reqwest::Method::PUT,
        "/faults",
        json!({ "unavailable": 0.25, "badGateway": 0.1, "locked": 0.05, "seed": 11 }),
    )
    .await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let ids: Vec<String> = (1001..1301).map(|i| i.to_string()).collect();
    let mut read = 0;
    for chunk in ids.chunks(100) {
        read += client.batch_read(chunk, false, &["email".into()]).await.unwrap().results.len();
    }
    assert_eq!(read, 300);
    let counters = control(&sandbox, reqwest::Method::GET, "/counters", json!(null)).await;
    let served: u64 = counters["requests"]["POST /crm/v3/objects/contacts/batch/read"].as_u64().unwrap();
    assert_eq!(served, client.api_calls(), "every attempt is counted");
    assert!(served > 3, "faults were served and retried: {counters}");
}

#[tokio::test]
async fn a_reply_lost_after_a_write_is_reported_as_maybe_sent() {
    let sandbox = portal(0, false).await;
    control(&sandbox, reqwest::Method::PUT, "/faults", json!({ "dropAfter": 1.0, "paths": ["/batch/create"] })).await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let error = client.batch_create(&[("t".into(), props(&[("email", "once@example.com")]))]).await.unwrap_err();
    assert_eq!(error.sent(), Sent::Maybe, "{error}");
    assert_eq!(client.api_calls(), 1, "a create that may have landed is not sent again");
    let contacts = control(&sandbox, reqwest::Method::GET, "/contacts", json!(null)).await;
    assert_eq!(contacts["results"].as_array().unwrap().len(), 1, "it did land");
}

#[tokio::test]
async fn the_daily_cap_stops_at_once_and_an_absent_server_was_never_sent_to() {
    let sandbox = portal(1, true).await;
    control(&sandbox, reqwest::Method::PUT, "/rate-limits", json!({ "dailyUsed": 250_000 })).await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let error = client.properties().await.unwrap_err();
    assert!(matches!(error, ClientError::DailyLimit), "{error}");
    assert_eq!(client.api_calls(), 1);

    let base = sandbox.base_url();
    sandbox.shutdown().await;
    let limits = RateLimitSettings::oauth();
    let mut config = ClientConfig::new(base, limits);
    config.max_attempts = 2;
    let orphan = HubSpotClient::new(config, Secret::new(TOKEN), Arc::new(PortalLimiter::new(limits))).unwrap();
    let error = orphan.properties().await.unwrap_err();
    assert_eq!(error.sent(), Sent::No, "{error}");
    assert_eq!(orphan.api_calls(), 2, "not sent is always safe to try again");
}
