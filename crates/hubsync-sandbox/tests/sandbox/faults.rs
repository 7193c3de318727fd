//! Fault injection over real connections: transient statuses, drops, truncation, latency, and
//! the same sequence for the same seed.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Portal, assert_error, start};

async fn set_faults(portal: &Portal, faults: Value) {
    let reply = portal.put("/__sandbox/faults", faults).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn contact_count(portal: &Portal) -> usize {
    portal.all_contacts().await.len()
}

#[tokio::test]
async fn transient_statuses_look_like_hubspots() {
    let portal = start(1).await;
    set_faults(&portal, json!({ "rateLimited": 1.0 })).await;
    let limited = portal.get("/crm/v3/objects/contacts").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(limited.body["errorType"], "RATE_LIMIT");

    set_faults(&portal, json!({ "locked": 1.0 })).await;
    assert_error(&portal.get("/crm/v3/objects/contacts").await, 423, "LOCKED");

    set_faults(&portal, json!({ "unavailable": 1.0 })).await;
    assert_error(&portal.get("/crm/v3/objects/contacts").await, 503, "INTERNAL_ERROR");

    for (knob, status) in [("badGateway", 502), ("gatewayTimeout", 504)] {
        set_faults(&portal, json!({ knob: 1.0 })).await;
        let reply = portal.get("/crm/v3/objects/contacts").await;
        assert_eq!(reply.status, status);
        assert!(reply.header("content-type").unwrap().starts_with("text/html"), "the edge answers in HTML");
        assert!(reply.text.contains(&status.to_string()));
    }

    // Nothing was written by a refused create.
    set_faults(&portal, json!({ "unavailable": 1.0 })).await;
    let reply = portal.post("/crm/v3/objects/contacts", json!({ "properties": { "email": "no@example.com" } })).await;
    assert_eq!(reply.status, 503);
    assert_eq!(contact_count(&portal).await, 1);
    let counters = portal.counters().await;
    assert_eq!(counters["faults"]["status503"], 2);
    assert_eq!(counters["rateLimited"], 1);
}

#[tokio::test]
async fn dropped_connections_before_and_after_the_write() {
    let portal = start(0).await;
    let create = |email: &str| {
        portal
            .http
            .post(portal.url("/crm/v3/objects/contacts"))
            .bearer_auth(&portal.token)
            .json(&json!({ "properties": { "email": email } }))
            .send()
    };

    set_faults(&portal, json!({ "dropBefore": 1.0 })).await;
    assert!(create("before@example.com").await.is_err(), "no reply at all");
    set_faults(&portal, json!({})).await;
    assert_eq!(contact_count(&portal).await, 0, "a request dropped before handling wrote nothing");

    set_faults(&portal, json!({ "dropAfter": 1.0 })).await;
    assert!(create("after@example.com").await.is_err(), "no reply at all");
    set_faults(&portal, json!({})).await;
    let all = portal.all_contacts().await;
    assert_eq!(all.len(), 1, "the write landed although the client never heard");
    assert_eq!(all[0]["properties"]["email"], "after@example.com");
}

#[tokio::test]
async fn truncated_bodies_fail_mid_read() {
    let portal = start(50).await;
    set_faults(&portal, json!({ "truncate": 1.0, "paths": ["/crm/v3/objects/contacts"] })).await;
    let response = portal
        .http
        .get(portal.url("/crm/v3/objects/contacts?limit=50"))
        .bearer_auth(&portal.token)
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(response.status(), 200);
    let announced = response.content_length().unwrap();
    assert!(announced > 1000);
    assert!(response.bytes().await.is_err(), "the body stops halfway");
    // Paths outside the filter are untouched.
    assert_eq!(portal.get("/crm/v3/owners").await.status, 200);
}

#[tokio::test]
async fn latency_is_added() {
    let portal = start(1).await;
    set_faults(&portal, json!({ "latencyMs": 300 })).await;
    let started = Instant::now();
    assert_eq!(portal.get("/crm/v3/objects/contacts").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn same_seed_same_fault_sequence() {
    let portal = start(1).await;
    let run = || async {
        set_faults(&portal, json!({ "unavailable": 0.3, "locked": 0.2, "seed": 99 })).await;
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(portal.get("/crm/v3/objects/contacts").await.status);
        }
        statuses
    };
    let first = run().await;
    let second = run().await;
    assert_eq!(first, second);
    assert!(first.contains(&503) && first.contains(&423) && first.contains(&200), "{first:?}");
}

#[tokio::test]
async fn impossible_fault_settings_are_refused_with_the_reason() {
    let portal = start(0).await;
    let reply = portal.put("/__sandbox/faults", json!({ "unavailable": 0.7, "locked": 0.5 })).await;
    assert_error(&reply, 400, "VALIDATION_ERROR");
    assert!(reply.body["message"].as_str().unwrap().contains("at most 1"));
    let typo = portal.put("/__sandbox/faults", json!({ "unavaliable": 0.5 })).await;
    assert_error(&typo, 400, "VALIDATION_ERROR");
    assert!(typo.body["message"].as_str().unwrap().contains("unavaliable"));
}
