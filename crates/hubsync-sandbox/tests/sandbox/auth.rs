//! Bearer tokens: missing, unknown, expired and under-scoped.

use hubsync_sandbox::PrivateToken;
use serde_json::{Value, json};

use crate::support::{READ_ONLY_TOKEN, assert_error, start, start_with};

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

/// Every CRM route answers a token without its scope as HubSpot does: 403 `MISSING_SCOPES`, the
/// scopes in `errors[0].context.requiredGranularScopes` (any one of them suffices), whatever the
/// body, and on the dated paths too.
#[tokio::test]
async fn every_route_names_the_scopes_it_needs() {
    const NO_SCOPES: &str = "pat-na1-no-crm-scopes";
    let portal = start_with(1, |config| {
        config.private_tokens.push(PrivateToken { token: NO_SCOPES.into(), scopes: vec!["oauth".into()] });
    })
    .await;
    let read = json!(["crm.objects.contacts.read"]);
    let write = json!(["crm.objects.contacts.write"]);
    let properties = json!(["crm.objects.contacts.read", "crm.schemas.contacts.read"]);
    let owners = json!(["crm.objects.owners.read"]);
    let batch = json!({ "inputs": [{ "id": "1" }] });
    use reqwest::Method;
    let routes: Vec<(Method, &str, Option<Value>, &Value)> = vec![
        (Method::GET, "/crm/v3/objects/contacts", None, &read),
        (Method::GET, "/crm/v3/objects/contacts/1", None, &read),
        (Method::POST, "/crm/v3/objects/contacts", Some(json!({ "properties": {} })), &write),
        (Method::PATCH, "/crm/v3/objects/contacts/1", Some(json!({ "properties": {} })), &write),
        (Method::DELETE, "/crm/v3/objects/contacts/1", None, &write),
        (Method::POST, "/crm/v3/objects/contacts/batch/read", Some(batch.clone()), &read),
        (Method::POST, "/crm/v3/objects/contacts/batch/create", Some(batch.clone()), &write),
        (Method::POST, "/crm/v3/objects/contacts/batch/update", Some(batch.clone()), &write),
        (Method::POST, "/crm/v3/objects/contacts/batch/upsert", Some(batch.clone()), &write),
        (Method::POST, "/crm/v3/objects/contacts/batch/archive", Some(batch.clone()), &write),
        // A body the route would refuse still meets the scope check first.
        (Method::POST, "/crm/v3/objects/contacts/batch/upsert", Some(json!({ "nonsense": true })), &write),
        (Method::POST, "/crm/v3/objects/contacts/search", Some(json!({})), &read),
        (Method::GET, "/crm/v3/properties/contacts", None, &properties),
        (Method::GET, "/crm/v3/properties/contacts/email", None, &properties),
        (Method::GET, "/crm/v3/owners", None, &owners),
        (Method::GET, "/crm/v3/owners/1", None, &owners),
        (Method::POST, "/crm/objects/2026-03/contacts/batch/upsert", Some(batch.clone()), &write),
        (Method::GET, "/crm/properties/2026-03/contacts", None, &properties),
        (Method::GET, "/crm/owners/2026-03", None, &owners),
    ];
    for (method, path, body, scopes) in routes {
        let reply = portal.send(method.clone(), path, body, Some(NO_SCOPES)).await;
        let route = format!("{method} {path}");
        assert_error(&reply, 403, "MISSING_SCOPES");
        assert_eq!(&reply.body["errors"][0]["context"]["requiredGranularScopes"], scopes, "{route}: {}", reply.text);
        assert_eq!(
            reply.body["errors"][0]["message"], "One or more of the following scopes are required.",
            "{route}: {}",
            reply.text
        );
        assert_eq!(reply.body["links"]["scopes"], "https://developers.hubspot.com/scopes", "{route}");
    }
}
