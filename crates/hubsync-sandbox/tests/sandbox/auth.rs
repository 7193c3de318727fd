//! Bearer tokens: missing, unknown, expired and under-scoped.

use serde_json::json;

use crate::support::{READ_ONLY_TOKEN, assert_error, start};

#[tokio::test]
async fn missing_or_unknown_tokens_get_invalid_authentication() {
    let portal = start(1).await;
    for token in [None, Some("pat-na1-unknown")] {
        let reply = portal.send(reqwest::Method::GET, "/crm/v3/objects/contacts", None, token).await;
        assert_error(&reply, 401, "INVALID_AUTHENTICATION");
    }
}

#[tokio::test]
async fn missing_scopes_are_named() {
    let portal = start(1).await;
    let write = portal
        .send(
            reqwest::Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({ "properties": { "email": "x@example.com" } })),
            Some(READ_ONLY_TOKEN),
        )
        .await;
    assert_error(&write, 403, "MISSING_SCOPES");
    assert_eq!(write.body["errors"][0]["context"]["requiredGranularScopes"], json!(["crm.objects.contacts.write"]));
    let owners = portal.send(reqwest::Method::GET, "/crm/v3/owners", None, Some(READ_ONLY_TOKEN)).await;
    assert_error(&owners, 403, "MISSING_SCOPES");
    let read = portal.send(reqwest::Method::GET, "/crm/v3/objects/contacts", None, Some(READ_ONLY_TOKEN)).await;
    assert_eq!(read.status, 200);
    let properties =
        portal.send(reqwest::Method::GET, "/crm/v3/properties/contacts", None, Some(READ_ONLY_TOKEN)).await;
    assert_eq!(properties.status, 200, "properties are readable with the contacts read scope");
}
