//! Rate limits per portal: the rolling 10-second window, tiers, the daily cap and search's own
//! limit, with HubSpot's headers and 429 bodies.

use serde_json::json;

use crate::support::{Portal, Reply, start_with};

fn assert_rate_limited(reply: &Reply, policy: &str, message: &str) {
    assert_eq!(reply.status, 429, "{}", reply.text);
    assert_eq!(reply.body["status"], "error");
    assert_eq!(reply.body["errorType"], "RATE_LIMIT");
    assert_eq!(reply.body["policyName"], policy);
    assert_eq!(reply.body["message"], message);
    assert!(reply.body["correlationId"].is_string() && reply.body["requestId"].is_string());
}

async fn limited(tier: hubsync_sandbox::ApiTier) -> Portal {
    start_with(1, |c| {
        c.rate_limits = true;
        c.tier = tier;
        c.oauth_auto_approve = true;
        c.oauth_clients.push(hubsync_sandbox::OAuthClient {
            client_id: "limits-app".into(),
            client_secret: "secret".into(),
            redirect_uris: vec!["http://localhost:47813/callback".into()],
            app_id: 4242,
        });
    })
    .await
}

#[tokio::test]
async fn private_app_burst_follows_the_tier_with_headers_counting_down() {
    let portal = limited(hubsync_sandbox::ApiTier::Starter).await;
    let mut remaining = Vec::new();
    for _ in 0..100 {
        let reply = portal.get("/crm/v3/objects/contacts").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("x-hubspot-ratelimit-max"), Some("100"));
        assert_eq!(reply.header("x-hubspot-ratelimit-interval-milliseconds"), Some("10000"));
        assert_eq!(reply.header("x-hubspot-ratelimit-daily"), Some("250000"));
        remaining.push(reply.header("x-hubspot-ratelimit-remaining").unwrap().parse::<u32>().unwrap());
    }
    assert_eq!(remaining.first(), Some(&99));
    // Nothing refused yet: the window can only have freed slots, never lost them.
    assert!(remaining.windows(2).all(|w| w[1] <= w[0] + 1));
    let refused = portal.get("/crm/v3/objects/contacts").await;
    // remaining reached 0 only if all 100 calls fell in one window (see the unit tests).
    if remaining.last() == Some(&0) {
        assert_rate_limited(&refused, "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.");
        assert_eq!(refused.header("x-hubspot-ratelimit-remaining"), Some("0"));
        assert_eq!(portal.counters().await["rateLimited"], 1);
    }
    let tier = portal.put("/__sandbox/rate-limits", json!({ "tier": "professional", "resetWindows": true })).await;
    assert_eq!(tier.body["dailyLimit"], 625_000);
    assert_eq!(portal.get("/crm/v3/objects/contacts").await.header("x-hubspot-ratelimit-max"), Some("190"));
}

#[tokio::test]
async fn oauth_apps_get_110_per_ten_seconds_and_no_daily_cap() {
    let portal = limited(hubsync_sandbox::ApiTier::Starter).await;
    let authorize = portal
        .send(
            reqwest::Method::GET,
            "/oauth/authorize?client_id=limits-app&scope=oauth%20crm.objects.contacts.read&redirect_uri=http%3A%2F%2Flocalhost%3A47813%2Fcallback",
            None,
            None,
        )
        .await;
    let location = authorize.header("location").unwrap().to_string();
    let code = location.split("code=").nth(1).unwrap().split('&').next().unwrap().to_string();
    let tokens = portal
        .http
        .post(portal.url("/oauth/v1/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "limits-app"),
            ("client_secret", "secret"),
            ("redirect_uri", "http://localhost:47813/callback"),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap();
    let access = crate::support::into_reply(tokens).await.body["access_token"].as_str().unwrap().to_string();
    portal.put("/__sandbox/rate-limits", json!({ "dailyUsed": 10_000_000 })).await;
    let started = std::time::Instant::now();
    for _ in 0..110 {
        let reply = portal.send(reqwest::Method::GET, "/crm/v3/objects/contacts", None, Some(&access)).await;
        assert_eq!(reply.status, 200, "the daily cap does not apply to OAuth apps: {}", reply.text);
        assert_eq!(reply.header("x-hubspot-ratelimit-max"), Some("110"));
    }
    let refused = portal.send(reqwest::Method::GET, "/crm/v3/objects/contacts", None, Some(&access)).await;
    // The exact window arithmetic is unit-tested with a fake clock; over HTTP, the 111th call is
    // refused whenever the 110 before it fit in the window.
    if started.elapsed() < std::time::Duration::from_secs(10) {
        assert_rate_limited(&refused, "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.");
    }
}

#[tokio::test]
async fn the_daily_cap_stops_private_apps_until_the_portals_midnight() {
    let portal = limited(hubsync_sandbox::ApiTier::Starter).await;
    portal.put("/__sandbox/rate-limits", json!({ "dailyUsed": 249_999 })).await;
    let last = portal.get("/crm/v3/objects/contacts").await;
    assert_eq!(last.status, 200);
    assert_eq!(last.header("x-hubspot-ratelimit-daily-remaining"), Some("0"));
    let refused = portal.get("/crm/v3/objects/contacts").await;
    assert_rate_limited(&refused, "DAILY", "You have reached your daily limit.");
    portal.control(reqwest::Method::POST, "/clock", Some(json!({ "advanceSeconds": 86_400 }))).await;
    assert_eq!(portal.get("/crm/v3/objects/contacts").await.status, 200);
}

#[tokio::test]
async fn search_has_its_own_per_second_limit_and_no_rate_limit_headers() {
    let portal = limited(hubsync_sandbox::ApiTier::Starter).await;
    let searches = (0..12).map(|_| portal.post("/crm/v3/objects/contacts/search", json!({ "limit": 1 })));
    let replies = futures::future::join_all(searches).await;
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert!(!refused.is_empty(), "12 searches at once exceed 5 per second");
    for reply in &refused {
        assert_rate_limited(reply, "SECONDLY", "You have reached your secondly limit.");
    }
    for reply in &replies {
        assert!(reply.header("x-hubspot-ratelimit-max").is_none(), "search replies carry no rate-limit headers");
    }
    // Search does not use up the 10-second window.
    assert_eq!(portal.get("/crm/v3/objects/contacts").await.header("x-hubspot-ratelimit-remaining"), Some("99"));
}

/// One portal, one budget: companies and deals calls use the same 10-second window as contacts,
/// and searches of every type share search's per-second limit.
#[tokio::test]
async fn every_object_type_shares_the_portals_limits() {
    let portal = limited(hubsync_sandbox::ApiTier::Starter).await;
    let mut remaining = Vec::new();
    for path in
        ["/crm/v3/objects/contacts", "/crm/v3/objects/companies", "/crm/v3/objects/deals", "/crm/v3/properties/0-2"]
    {
        let reply = portal.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        remaining.push(reply.header("x-hubspot-ratelimit-remaining").unwrap().to_string());
    }
    assert_eq!(remaining, ["99", "98", "97", "96"]);

    let paths = ["/crm/v3/objects/contacts/search", "/crm/v3/objects/companies/search", "/crm/v3/objects/deals/search"];
    let searches = (0..12).map(|i| portal.post(paths[i % 3], json!({ "limit": 1 })));
    let replies = futures::future::join_all(searches).await;
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert!(!refused.is_empty(), "12 searches at once exceed 5 per second, whatever their object type");
    for reply in refused {
        assert_rate_limited(reply, "SECONDLY", "You have reached your secondly limit.");
    }
}
