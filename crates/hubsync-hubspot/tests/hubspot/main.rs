//! The client against the sandbox portal over real HTTP: typed calls, 207s, errors that say
//! whether a request was sent, retries through transient faults, the daily cap, and tokens from a
//! `TokenSource` (one refresh and one more try after a 401, never a loop).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use hubsync_hubspot::{
    ApiVersion, ClientConfig, ClientError, HubSpotClient, PortalLimiter, RateLimitSettings, Secret, Sent, TokenSource,
};
use hubsync_sandbox::{CONTROL_SECRET_HEADER, ControlSecret, PrivateToken, Sandbox, SandboxConfig};
use serde_json::json;

mod associations;
mod companies;
mod deals;
mod replies;
mod scopes;

const TOKEN: &str = "pat-na1-client-tests";

async fn portal(seed_contacts: usize, rate_limits: bool) -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed_contacts,
        rate_limits,
        // The client's reading of search replies, not search's lag.
        search_visibility_delay_ms: 0,
        private_tokens: vec![PrivateToken::new(TOKEN)],
        control_secret: Some(ControlSecret::generate()),
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
        .header(CONTROL_SECRET_HEADER, sandbox.control_secret().unwrap())
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
        let account = client.account_details().await.unwrap();
        assert_eq!(account.portal_id, sandbox.portal_id());
        assert_eq!(account.account_type.as_deref(), Some("SANDBOX"), "the sandbox's default account type");

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
    assert_eq!(stranger.api_calls(), 1, "a static token's 401 is final");
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

/// HubSpot counts a request when it arrives, which a busy machine or a slow network can put well
/// after the client let it go: a slot stays held a window after its reply, so the requests after
/// a slowed full window draw no 429. (The sandbox's latency comes before its rate limiter, as a
/// slow network's would.)
#[tokio::test]
async fn requests_slowed_on_their_way_hold_their_slots_a_window_after_their_replies() {
    let sandbox = portal(0, true).await;
    control(&sandbox, reqwest::Method::PUT, "/faults", json!({ "latencyMs": 1_500, "paths": ["/owners"] })).await;
    let client = Arc::new(client_for(&sandbox, ApiVersion::V3));
    let slow: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.owners(false).await })
        })
        .collect();
    for read in slow {
        read.await.unwrap().unwrap();
    }
    client.properties().await.unwrap();
    let counters = control(&sandbox, reqwest::Method::GET, "/counters", json!(null)).await;
    assert_eq!(counters["rateLimited"], 0, "{counters}");
    assert_eq!(client.api_calls(), 101);
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

/// The last share of the daily limit is the portal's other apps': once a reply says the portal is
/// down to it, the next request is refused without being sent, and the whole limit is there for
/// a client that keeps nothing back.
#[tokio::test]
async fn a_client_stops_short_of_the_daily_share_kept_for_the_portals_other_apps() {
    let sandbox = portal(1, true).await;
    // Ten percent of 250,000 is 25,000: 25,001 left, then 25,000 after one call.
    sandbox.set_daily_calls_left(25_001);
    let limits = RateLimitSettings::private_app(100);
    let config = ClientConfig { daily_reserve_percent: Some(10), ..ClientConfig::new(sandbox.base_url(), limits) };
    let client = HubSpotClient::new(config, Secret::new(TOKEN), Arc::new(PortalLimiter::new(limits))).unwrap();
    client.properties().await.unwrap();
    assert_eq!(client.rate_limit_seen().daily_remaining, Some(25_000));
    let refused = client.properties().await.unwrap_err();
    assert!(
        matches!(refused, ClientError::DailyReserve { daily: 250_000, remaining: 25_000, reserve_percent: 10 }),
        "{refused}"
    );
    assert_eq!((refused.sent(), refused.code()), (Sent::No, "daily_reserve_reached"));
    assert_eq!(client.api_calls(), 1, "nothing more was sent");

    let everything = client_for(&sandbox, ApiVersion::V3);
    everything.properties().await.unwrap();
    everything.properties().await.unwrap();
    assert_eq!(everything.rate_limit_seen().daily_remaining, Some(24_998), "no reserve: the limit is the client's");
    sandbox.shutdown().await;
}

/// A token source that hands out `current` and, when told it was rejected, moves to the next
/// token of `after_refresh` (or fails as a revoked grant does when `revoked`).
struct FakeTokens {
    current: Mutex<Secret>,
    after_refresh: Mutex<Vec<Secret>>,
    revoked: bool,
    handed_out: AtomicUsize,
    rejections: AtomicUsize,
}

impl FakeTokens {
    fn new(first: &str, after_refresh: &[&str]) -> Self {
        FakeTokens {
            current: Mutex::new(Secret::new(first)),
            after_refresh: Mutex::new(after_refresh.iter().rev().map(|t| Secret::new(*t)).collect()),
            revoked: false,
            handed_out: AtomicUsize::new(0),
            rejections: AtomicUsize::new(0),
        }
    }
}

impl TokenSource for FakeTokens {
    fn access_token(&self) -> BoxFuture<'_, Result<Secret, ClientError>> {
        Box::pin(async {
            self.handed_out.fetch_add(1, Ordering::SeqCst);
            Ok(self.current.lock().unwrap().clone())
        })
    }

    fn rejected<'a>(&'a self, token: &'a Secret) -> BoxFuture<'a, Result<bool, ClientError>> {
        Box::pin(async move {
            self.rejections.fetch_add(1, Ordering::SeqCst);
            if self.revoked {
                return Err(ClientError::reconnect_needed());
            }
            let mut current = self.current.lock().unwrap();
            if *current != *token {
                return Ok(true);
            }
            match self.after_refresh.lock().unwrap().pop() {
                Some(next) => {
                    *current = next;
                    Ok(true)
                }
                None => Ok(false),
            }
        })
    }
}

fn client_with(sandbox: &Sandbox, tokens: Arc<dyn TokenSource>, max_attempts: u32) -> HubSpotClient {
    let limits = RateLimitSettings::private_app(100);
    let config = ClientConfig { max_attempts, ..ClientConfig::new(sandbox.base_url(), limits) };
    HubSpotClient::with_token_source(config, tokens, Arc::new(PortalLimiter::new(limits))).unwrap()
}

#[tokio::test]
async fn a_401_gets_one_new_token_and_one_more_try() {
    let sandbox = portal(0, false).await;
    let tokens = Arc::new(FakeTokens::new("pat-na1-stale", &[TOKEN]));
    // One attempt in the budget: the try after a 401 is not taken from it.
    let client = client_with(&sandbox, tokens.clone(), 1);
    assert!(client.properties().await.unwrap().iter().any(|p| p.name == "email"));
    assert_eq!(client.api_calls(), 2, "the refused try and the one with the new token");
    assert_eq!(tokens.rejections.load(Ordering::SeqCst), 1);
    assert_eq!(tokens.handed_out.load(Ordering::SeqCst), 2, "a token per attempt");

    assert_eq!(client.owners(false).await.unwrap().len(), 0);
    assert_eq!(client.api_calls(), 3, "the new token is used from then on");
    assert_eq!(tokens.rejections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_401_after_the_new_token_stands_with_no_loop() {
    let sandbox = portal(0, false).await;
    let tokens = Arc::new(FakeTokens::new("pat-na1-stale", &["pat-na1-also-refused", "pat-na1-never-reached"]));
    let client = client_with(&sandbox, tokens.clone(), 6);
    let error = client.properties().await.unwrap_err();
    assert_eq!((error.status(), error.code(), error.sent()), (Some(401), "hubspot_unauthorized", Sent::Yes));
    assert_eq!(client.api_calls(), 2, "one try with the new token, then the 401 is final");
    assert_eq!(tokens.rejections.load(Ordering::SeqCst), 1, "rejected is called once per request");
}

#[tokio::test]
async fn a_revoked_grant_stops_the_request_with_reconnect_needed() {
    let sandbox = portal(0, false).await;
    let tokens = Arc::new(FakeTokens { revoked: true, ..FakeTokens::new("pat-na1-stale", &[]) });
    let client = client_with(&sandbox, tokens.clone(), 6);
    let error = client.properties().await.unwrap_err();
    assert!(matches!(error, ClientError::ReconnectNeeded { .. }), "{error:?}");
    assert_eq!((error.code(), error.sent()), ("reconnect_needed", Sent::No));
    assert!(error.to_string().contains("reconnect the portal"), "{error}");
    assert_eq!(client.api_calls(), 1);

    /// A source that can't give a token at all: nothing is sent.
    struct Gone;
    impl TokenSource for Gone {
        fn access_token(&self) -> BoxFuture<'_, Result<Secret, ClientError>> {
            Box::pin(async { Err(ClientError::reconnect_needed()) })
        }
        fn rejected<'a>(&'a self, _: &'a Secret) -> BoxFuture<'a, Result<bool, ClientError>> {
            Box::pin(async { Ok(false) })
        }
    }
    let client = client_with(&sandbox, Arc::new(Gone), 6);
    assert_eq!(client.properties().await.unwrap_err().code(), "reconnect_needed");
    assert_eq!(client.api_calls(), 0, "failing fast: HubSpot is not contacted");
}
