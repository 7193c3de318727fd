//! The token lifecycle: refresh ahead of expiry on a manual clock, one refresh for many callers,
//! a token expired early (401 → one refresh → the call succeeds), a revoked grant (reconnect
//! needed, then failing fast), rotated refresh tokens reaching the caller.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hubsync_auth::oauth::{Endpoints, HubSpotOAuth, OAuthGrant, TokenInfo};
use hubsync_auth::session::{ManualClock, OAuthSession, SystemClock};
use hubsync_hubspot::{
    ClientConfig, ClientError, HubSpotClient, PortalLimiter, RateLimitSettings, Secret, TokenSource,
};
use hubsync_sandbox::Sandbox;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::oauth::{app, assert_no_secrets, connected, control, free_port, oauth, portal, requests};

const TOKEN_ROUTE: &str = "POST /oauth/v1/token";

async fn connected_portal() -> (Sandbox, OAuthGrant) {
    let port = free_port();
    let sandbox = portal(&[port], |c| c.oauth_auto_approve = true).await;
    let grant = connected(&sandbox, port).await;
    (sandbox, grant)
}

fn client(sandbox: &Sandbox, session: Arc<OAuthSession>) -> HubSpotClient {
    let limits = RateLimitSettings::oauth();
    HubSpotClient::with_token_source(
        ClientConfig::new(sandbox.base_url(), limits),
        session,
        Arc::new(PortalLimiter::new(limits)),
    )
    .unwrap()
}

#[tokio::test]
async fn refreshes_ahead_of_expiry_by_the_clock() {
    let (sandbox, grant) = connected_portal().await;
    let clock = Arc::new(ManualClock::new());
    let session = Arc::new(OAuthSession::from_grant(oauth(&sandbox), &grant, clock.clone()));
    assert_eq!(session.access_token().await.unwrap(), grant.access_token);
    clock.advance(Duration::from_secs(1499));
    assert_eq!(session.access_token().await.unwrap(), grant.access_token, "more than 5 minutes left");
    assert_eq!(requests(&sandbox, TOKEN_ROUTE).await, 1, "only the code exchange so far");

    clock.advance(Duration::from_secs(2));
    let refreshed = session.access_token().await.unwrap();
    assert_ne!(refreshed, grant.access_token, "under 5 minutes left: refreshed");
    assert_eq!(session.access_token().await.unwrap(), refreshed);
    assert_eq!(requests(&sandbox, TOKEN_ROUTE).await, 2);

    let client = client(&sandbox, session.clone());
    assert_eq!(client.account_details().await.unwrap().portal_id, sandbox.portal_id());
    assert_eq!((client.api_calls(), requests(&sandbox, TOKEN_ROUTE).await), (1, 2));
    let shown = format!("{session:?}");
    assert_no_secrets(&shown, &shown, &[grant.access_token.expose(), grant.refresh_token.expose(), refreshed.expose()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_callers_share_one_refresh() {
    let (sandbox, grant) = connected_portal().await;
    // A session from a saved refresh token: it has no access token yet.
    let session = Arc::new(OAuthSession::new(oauth(&sandbox), grant.refresh_token.clone(), Arc::new(SystemClock)));
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await.unwrap() })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.unwrap());
    }
    assert!(tokens.iter().all(|t| *t == tokens[0]), "every caller got the one new token");
    assert_ne!(tokens[0], grant.access_token);
    assert_eq!(requests(&sandbox, TOKEN_ROUTE).await, 2, "the exchange and exactly one refresh");
}

#[tokio::test]
async fn a_token_expired_early_is_refreshed_once_and_the_call_succeeds() {
    let (sandbox, grant) = connected_portal().await;
    let session = Arc::new(OAuthSession::from_grant(oauth(&sandbox), &grant, Arc::new(SystemClock)));
    let client = client(&sandbox, session.clone());
    assert!(!client.properties().await.unwrap().is_empty());
    assert_eq!((client.api_calls(), requests(&sandbox, TOKEN_ROUTE).await), (1, 1));

    // HubSpot ends the token before the session's clock says so.
    assert_eq!(control(&sandbox, "/oauth/expire-access-tokens").await["expired"], 1);
    assert!(!client.properties().await.unwrap().is_empty());
    assert_eq!(client.api_calls(), 3, "the refused call and its one retry");
    assert_eq!(requests(&sandbox, TOKEN_ROUTE).await, 2, "one refresh");
    assert_ne!(session.access_token().await.unwrap(), grant.access_token);
    client.owners(false).await.unwrap();
    assert_eq!((client.api_calls(), requests(&sandbox, TOKEN_ROUTE).await), (4, 2));
}

#[tokio::test]
async fn a_revoked_grant_needs_a_reconnect_and_then_fails_fast() {
    let (sandbox, grant) = connected_portal().await;
    let session = Arc::new(OAuthSession::from_grant(oauth(&sandbox), &grant, Arc::new(SystemClock)));
    let client = client(&sandbox, session.clone());
    control(&sandbox, "/oauth/revoke-refresh-tokens").await;
    control(&sandbox, "/oauth/expire-access-tokens").await;

    let error = client.properties().await.unwrap_err();
    assert!(matches!(error, ClientError::ReconnectNeeded { .. }), "{error:?}");
    assert_eq!(error.code(), "reconnect_needed");
    assert!(error.to_string().contains("reconnect the portal"), "{error}");
    assert_no_secrets(&error, &error.to_string(), &[grant.access_token.expose(), grant.refresh_token.expose()]);
    assert!(session.is_reconnect_needed());
    let (calls, refreshes) = (client.api_calls(), requests(&sandbox, TOKEN_ROUTE).await);
    assert_eq!((calls, refreshes), (1, 2), "the 401 and one refused refresh");

    // From now on nothing reaches HubSpot.
    assert_eq!(client.owners(false).await.unwrap_err().code(), "reconnect_needed");
    assert!(matches!(session.access_token().await, Err(ClientError::ReconnectNeeded { .. })));
    assert!(matches!(session.rejected(&grant.access_token).await, Err(ClientError::ReconnectNeeded { .. })));
    assert_eq!((client.api_calls(), requests(&sandbox, TOKEN_ROUTE).await), (calls, refreshes));
}

#[tokio::test]
async fn a_refused_refresh_ahead_of_expiry_needs_a_reconnect_too() {
    let (sandbox, grant) = connected_portal().await;
    let clock = Arc::new(ManualClock::new());
    let session = OAuthSession::from_grant(oauth(&sandbox), &grant, clock.clone());
    control(&sandbox, "/oauth/revoke-refresh-tokens").await;
    clock.advance(Duration::from_secs(1600));
    let error = session.access_token().await.unwrap_err();
    assert_eq!(error.code(), "reconnect_needed", "the token still works, but the grant is gone: {error}");
    assert!(session.is_reconnect_needed());
    assert_eq!(session.access_token().await.unwrap_err().code(), "reconnect_needed");
    assert_eq!(requests(&sandbox, TOKEN_ROUTE).await, 2, "the exchange and the one refused refresh");
}

fn offline_grant() -> OAuthGrant {
    OAuthGrant {
        access_token: Secret::new("CN-offline-access"),
        refresh_token: Secret::new("na1-offline-refresh"),
        expires_in: Duration::from_secs(1800),
        info: TokenInfo {
            hub_id: 1,
            hub_domain: "offline.test".into(),
            user: None,
            user_id: None,
            scopes: Vec::new(),
            app_id: None,
            expires_in: None,
        },
    }
}

#[tokio::test]
async fn a_network_failure_ahead_of_expiry_keeps_the_current_token_until_it_expires() {
    let down = HubSpotOAuth::new(app(), Endpoints::at(&format!("http://127.0.0.1:{}", free_port()))).unwrap();
    let clock = Arc::new(ManualClock::new());
    let grant = offline_grant();
    let session = OAuthSession::from_grant(down, &grant, clock.clone());
    clock.advance(Duration::from_secs(1600));
    assert_eq!(session.access_token().await.unwrap(), grant.access_token, "due, not expired: still usable");
    clock.advance(Duration::from_secs(200));
    let error = session.access_token().await.unwrap_err();
    assert_eq!(error.code(), "hubspot_unreachable", "{error}");
    assert!(!session.is_reconnect_needed(), "a network failure is not a revoked grant");
    assert_no_secrets(&error, &error.to_string(), &[grant.access_token.expose(), grant.refresh_token.expose()]);
}

/// A token endpoint that rotates the refresh token on every refresh (HubSpot may), recording
/// the refresh tokens it was sent.
async fn rotating_token_endpoint() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(Mutex::new(Vec::new()));
    let log = sent.clone();
    tokio::spawn(async move {
        for n in 1.. {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let read = stream.read(&mut chunk).await.unwrap();
                assert!(read > 0, "the request ended early");
                request.extend_from_slice(&chunk[..read]);
                let text = String::from_utf8_lossy(&request).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                        })
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        break body.to_string();
                    }
                }
            };
            let form = reqwest::Url::parse(&format!("http://form/?{body}")).unwrap();
            let refresh = form.query_pairs().find(|(k, _)| k == "refresh_token").map(|(_, v)| v.into_owned());
            log.lock().unwrap().push(refresh.unwrap_or_default());
            let json = format!(
                r#"{{"token_type":"bearer","access_token":"access-{n}","refresh_token":"rotated-{n}","expires_in":1800,"hub_id":1,"scopes":["oauth"]}}"#
            );
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                json.len()
            );
            stream.write_all(reply.as_bytes()).await.unwrap();
            let _ = stream.shutdown().await;
        }
    });
    (base, sent)
}

#[tokio::test]
async fn a_rotated_refresh_token_reaches_the_callback_and_is_used_next() {
    let (base, sent) = rotating_token_endpoint().await;
    let saved = Arc::new(Mutex::new(Vec::<String>::new()));
    let keep = saved.clone();
    let clock = Arc::new(ManualClock::new());
    let session = OAuthSession::new(
        HubSpotOAuth::new(app(), Endpoints::at(&base)).unwrap(),
        Secret::new("original-refresh"),
        clock.clone(),
    )
    .on_new_refresh_token(move |token| keep.lock().unwrap().push(token.expose().to_string()));

    assert_eq!(session.access_token().await.unwrap().expose(), "access-1");
    assert_eq!(*saved.lock().unwrap(), ["rotated-1"]);
    clock.advance(Duration::from_secs(1600));
    assert_eq!(session.access_token().await.unwrap().expose(), "access-2");
    assert_eq!(*saved.lock().unwrap(), ["rotated-1", "rotated-2"]);
    assert_eq!(*sent.lock().unwrap(), ["original-refresh", "rotated-1"], "each refresh used the newest token");
    assert_eq!(session.refresh_token().await.expose(), "rotated-2");
}
