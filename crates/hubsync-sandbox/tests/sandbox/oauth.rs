//! OAuth 2.0: consent page, code exchange with PKCE, refresh, expiry, revocation, token info.

use std::collections::HashMap;

use base64::Engine;
use hubsync_sandbox::OAuthClient;
use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{Portal, Reply, assert_error, into_reply, start_with};

const CLIENT_ID: &str = "7f1c2b3a-hubsync-test";
const SECRET: &str = "s3cret-client";
const REDIRECT: &str = "http://localhost:47813/callback";
const VERIFIER: &str = "a-long-random-code-verifier-with-enough-entropy-0123456789";
const SCOPES: &str = "oauth crm.objects.contacts.read crm.objects.contacts.write";

async fn oauth_portal(auto_approve: bool) -> Portal {
    start_with(3, |c| {
        c.oauth_auto_approve = auto_approve;
        c.oauth_clients.push(OAuthClient {
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
            redirect_uris: vec![REDIRECT.into(), "http://localhost:47814/callback".into()],
            app_id: 31337,
        });
    })
    .await
}

fn challenge() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER.as_bytes()))
}

fn authorize_query(redirect: &str, scope: &str) -> String {
    serde_urlencoded::to_string([
        ("client_id", CLIENT_ID),
        ("scope", scope),
        ("optional_scope", "crm.objects.owners.read"),
        ("redirect_uri", redirect),
        ("state", "st-123"),
        ("code_challenge", &challenge()),
        ("code_challenge_method", "S256"),
    ])
    .unwrap()
}

async fn form(portal: &Portal, path: &str, fields: &[(&str, &str)]) -> Reply {
    let response = portal.http.post(portal.url(path)).form(fields).send().await.unwrap();
    into_reply(response).await
}

fn redirect_params(reply: &Reply) -> HashMap<String, String> {
    assert_eq!(reply.status, 302, "{}", reply.text);
    let location = reply.header("location").unwrap();
    let (base, query) = location.split_once('?').unwrap();
    assert_eq!(base, REDIRECT);
    serde_urlencoded::from_str(query).unwrap()
}

async fn authorize_code(portal: &Portal, scope: &str) -> String {
    let page = portal
        .send(reqwest::Method::GET, &format!("/oauth/authorize?{}", authorize_query(REDIRECT, scope)), None, None)
        .await;
    assert_eq!(page.status, 200);
    let query: Vec<(String, String)> = serde_urlencoded::from_str(&authorize_query(REDIRECT, scope)).unwrap();
    let mut fields: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fields.push(("decision", "approve"));
    let approved = form(portal, "/oauth/authorize", &fields).await;
    let params = redirect_params(&approved);
    assert_eq!(params["state"], "st-123");
    params["code"].clone()
}

async fn exchange(portal: &Portal, path: &str, code: &str) -> Reply {
    form(
        portal,
        path,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("redirect_uri", REDIRECT),
            ("code", code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

async fn refresh(portal: &Portal, refresh_token: &str) -> Reply {
    form(
        portal,
        "/oauth/v3/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

#[tokio::test]
async fn consent_page_then_code_exchange_then_expiry_refresh_and_revocation() {
    let portal = oauth_portal(false).await;
    let page = portal
        .send(reqwest::Method::GET, &format!("/oauth/authorize?{}", authorize_query(REDIRECT, SCOPES)), None, None)
        .await;
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    for needle in
        ["<form", "value=\"approve\"", "value=\"deny\"", "crm.objects.contacts.write", "crm.objects.owners.read"]
    {
        assert!(page.text.contains(needle), "consent page lacks {needle}");
    }

    let code = authorize_code(&portal, SCOPES).await;
    let tokens = exchange(&portal, "/oauth/v1/token", &code).await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    assert_eq!(tokens.body["token_type"], "bearer");
    assert_eq!(tokens.body["expires_in"], 1800);
    assert_eq!(tokens.body["hub_id"], portal.sandbox.portal_id());
    let scopes: Vec<&str> = tokens.body["scopes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(scopes.contains(&"crm.objects.owners.read"), "optional scope granted: {scopes:?}");
    let access = tokens.body["access_token"].as_str().unwrap().to_string();
    let refresh_token = tokens.body["refresh_token"].as_str().unwrap().to_string();
    assert!(access.len() <= 512);

    // The code is good once.
    assert_eq!(exchange(&portal, "/oauth/v1/token", &code).await.body["status"], "BAD_AUTH_CODE");

    let ok = portal.send(reqwest::Method::GET, "/crm/v3/objects/contacts", None, Some(&access)).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("x-hubspot-ratelimit-max"), Some("110"));
    assert!(ok.header("x-hubspot-ratelimit-daily").is_none(), "OAuth apps have no daily limit headers");

    let info = portal.send(reqwest::Method::GET, &format!("/oauth/v1/access-tokens/{access}"), None, None).await;
    assert_eq!(info.body["hub_id"], portal.sandbox.portal_id());
    assert_eq!(info.body["app_id"], 31337);
    assert!(info.body["user"].as_str().unwrap().contains('@'));

    portal.control(reqwest::Method::POST, "/clock", Some(json!({ "advanceSeconds": 1805 }))).await;
    let expired = portal.send(reqwest::Method::GET, "/crm/v3/objects/contacts", None, Some(&access)).await;
    assert_error(&expired, 401, "EXPIRED_AUTHENTICATION");
    let message = expired.body["message"].as_str().unwrap();
    assert!(
        message.starts_with("The OAuth token used to make this call expired ") && message.ends_with(" second(s) ago."),
        "{message}"
    );

    let renewed = refresh(&portal, &refresh_token).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    assert_eq!(renewed.body["refresh_token"], refresh_token.as_str());
    let access2 = renewed.body["access_token"].as_str().unwrap().to_string();
    assert_ne!(access2, access);
    assert_eq!(portal.send(reqwest::Method::GET, "/crm/v3/owners", None, Some(&access2)).await.status, 200);

    let revoked = form(
        &portal,
        "/oauth/v3/token/revoke",
        &[("client_id", CLIENT_ID), ("client_secret", SECRET), ("token", &refresh_token)],
    )
    .await;
    assert_eq!(revoked.status, 200);
    let refused = refresh(&portal, &refresh_token).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["error"], "invalid_grant");
    assert_eq!(refused.body["status"], "BAD_REFRESH_TOKEN");
}

#[tokio::test]
async fn redirect_uris_must_match_exactly_port_included() {
    let portal = oauth_portal(false).await;
    let wrong_port = portal
        .send(
            reqwest::Method::GET,
            &format!("/oauth/authorize?{}", authorize_query("http://localhost:50000/callback", SCOPES)),
            None,
            None,
        )
        .await;
    assert_eq!(wrong_port.status, 400);
    assert!(wrong_port.text.contains("does not match"));
    // A registered fallback port is fine.
    let fallback = portal
        .send(
            reqwest::Method::GET,
            &format!("/oauth/authorize?{}", authorize_query("http://localhost:47814/callback", SCOPES)),
            None,
            None,
        )
        .await;
    assert_eq!(fallback.status, 200);

    let code = authorize_code(&portal, SCOPES).await;
    let mismatch = form(
        &portal,
        "/oauth/v3/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("redirect_uri", "http://localhost:47814/callback"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(mismatch.status, 400);
    assert_eq!(mismatch.body["error"], "invalid_grant");
}

#[tokio::test]
async fn token_endpoint_refuses_bad_secrets_verifiers_and_grant_types() {
    let portal = oauth_portal(true).await;
    let code = authorize_code_auto(&portal).await;
    let bad_secret = form(
        &portal,
        "/oauth/v3/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", "nope"),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!((bad_secret.status, bad_secret.body["error"].clone()), (400, json!("invalid_client")));

    let bad_verifier = form(
        &portal,
        "/oauth/v3/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("redirect_uri", REDIRECT),
            ("code", &code),
            ("code_verifier", "wrong"),
        ],
    )
    .await;
    assert_eq!(bad_verifier.body["status"], "BAD_AUTH_CODE");

    let grant = form(&portal, "/oauth/v1/token", &[("grant_type", "password")]).await;
    assert_eq!(grant.body["error"], "unsupported_grant_type");
}

async fn authorize_code_auto(portal: &Portal) -> String {
    let reply = portal
        .send(reqwest::Method::GET, &format!("/oauth/authorize?{}", authorize_query(REDIRECT, SCOPES)), None, None)
        .await;
    redirect_params(&reply)["code"].clone()
}

#[tokio::test]
async fn auto_approve_dated_token_path_introspection_and_scopes() {
    let portal = oauth_portal(true).await;
    let code = authorize_code_auto(&portal).await;
    let tokens = exchange(&portal, "/oauth/2026-03/token", &code).await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    let access = tokens.body["access_token"].as_str().unwrap();

    let introspect = |token: &str| {
        let token = token.to_string();
        let portal = &portal;
        async move {
            form(
                portal,
                "/oauth/v3/token/introspect",
                &[("client_id", CLIENT_ID), ("client_secret", SECRET), ("token", &token)],
            )
            .await
        }
    };
    let active = introspect(access).await;
    assert_eq!(active.body["active"], true);
    assert_eq!(active.body["hub_id"], portal.sandbox.portal_id());
    assert_eq!(introspect("made-up").await.body, json!({ "active": false }));

    // A token without the write scope can read but not write.
    let code = {
        let query = serde_urlencoded::to_string([
            ("client_id", CLIENT_ID),
            ("scope", "oauth crm.objects.contacts.read"),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
        ])
        .unwrap();
        let reply = portal.send(reqwest::Method::GET, &format!("/oauth/authorize?{query}"), None, None).await;
        redirect_params(&reply)["code"].clone()
    };
    let reader = form(
        &portal,
        "/oauth/v1/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ],
    )
    .await;
    let reader = reader.body["access_token"].as_str().unwrap();
    let write = portal
        .send(reqwest::Method::POST, "/crm/v3/objects/contacts", Some(json!({ "properties": {} })), Some(reader))
        .await;
    assert_error(&write, 403, "MISSING_SCOPES");
    let owners = portal.send(reqwest::Method::GET, "/crm/v3/owners", None, Some(reader)).await;
    assert_error(&owners, 403, "MISSING_SCOPES");
}

#[tokio::test]
async fn deny_sends_nothing_back_unless_asked_to_redirect() {
    let portal = oauth_portal(false).await;
    let query: Vec<(String, String)> = serde_urlencoded::from_str(&authorize_query(REDIRECT, SCOPES)).unwrap();
    let mut fields: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fields.push(("decision", "deny"));
    let denied = form(&portal, "/oauth/authorize", &fields).await;
    assert_eq!(denied.status, 200);
    assert!(denied.header("location").is_none());
    assert!(denied.text.contains("did not connect"));

    portal.put("/__sandbox/settings", json!({ "oauthDenyRedirects": true })).await;
    let redirected = form(&portal, "/oauth/authorize", &fields).await;
    let params = redirect_params(&redirected);
    assert_eq!((params["error"].as_str(), params["state"].as_str()), ("access_denied", "st-123"));

    let unknown_scope = portal
        .send(
            reqwest::Method::GET,
            &format!("/oauth/authorize?{}", authorize_query(REDIRECT, "oauth crm.objects.tickets.read")),
            None,
            None,
        )
        .await;
    assert_eq!(unknown_scope.status, 400);
}

#[tokio::test]
async fn control_api_revokes_and_expires_tokens_for_fault_tests() {
    let portal = oauth_portal(true).await;
    let tokens = exchange(&portal, "/oauth/v1/token", &authorize_code_auto(&portal).await).await;
    let access = tokens.body["access_token"].as_str().unwrap().to_string();
    let refresh_token = tokens.body["refresh_token"].as_str().unwrap().to_string();
    let expired: Value =
        portal.control(reqwest::Method::POST, "/oauth/expire-access-tokens", Some(json!({}))).await.body;
    assert_eq!(expired["expired"], 1);
    assert_error(
        &portal.send(reqwest::Method::GET, "/crm/v3/owners", None, Some(&access)).await,
        401,
        "EXPIRED_AUTHENTICATION",
    );
    portal.control(reqwest::Method::POST, "/oauth/revoke-refresh-tokens", Some(json!({}))).await;
    assert_eq!(refresh(&portal, &refresh_token).await.body["status"], "BAD_REFRESH_TOKEN");
    // Token paths never reach the request log.
    let log = portal.control(reqwest::Method::GET, "/requests", None).await;
    assert!(!log.text.contains(&access) && !log.text.contains(&refresh_token));
}

/// An app gets the scopes it asked for and was granted, no more: one that asked for contacts
/// only is refused companies and deals, one that asked for them too reads them.
#[tokio::test]
async fn oauth_grants_reach_companies_and_deals_only_with_their_scopes() {
    let portal = oauth_portal(false).await;
    let access = |scope: &'static str| {
        let portal = &portal;
        async move {
            let code = authorize_code(portal, scope).await;
            let tokens = exchange(portal, "/oauth/v3/token", &code).await;
            assert_eq!(tokens.status, 200, "{}", tokens.text);
            tokens.body["access_token"].as_str().unwrap().to_string()
        }
    };
    let contacts_only = access(SCOPES).await;
    for (path, scope) in [
        ("/crm/v3/objects/companies", "crm.objects.companies.read"),
        ("/crm/v3/objects/deals", "crm.objects.deals.read"),
    ] {
        let reply = portal.send(reqwest::Method::GET, path, None, Some(&contacts_only)).await;
        assert_error(&reply, 403, "MISSING_SCOPES");
        assert_eq!(reply.body["errors"][0]["context"]["requiredGranularScopes"], json!([scope]));
    }
    let wider = access("oauth crm.objects.companies.read crm.objects.deals.read").await;
    for path in ["/crm/v3/objects/companies", "/crm/v3/objects/deals", "/crm/v3/properties/companies"] {
        assert_eq!(portal.send(reqwest::Method::GET, path, None, Some(&wider)).await.status, 200, "{path}");
    }
    let write = portal
        .send(reqwest::Method::POST, "/crm/v3/objects/companies", Some(json!({ "properties": {} })), Some(&wider))
        .await;
    assert_eq!(write.body["errors"][0]["context"]["requiredGranularScopes"], json!(["crm.objects.companies.write"]));
    assert_error(
        &portal.send(reqwest::Method::GET, "/crm/v3/objects/contacts", None, Some(&wider)).await,
        403,
        "MISSING_SCOPES",
    );
}
