//! A live push whose OAuth grant HubSpot revokes stops cleanly with its rows pending and "reconnect
//! needed"; after the admin connects again, the same run resumes and every lead lands once.

use std::sync::Arc;
use std::time::Duration;

use hubsync_auth::loopback::CancelHandle;
use hubsync_auth::oauth::{ConnectOptions, Endpoints, HubSpotOAuth, OAuthApp, OAuthGrant, connect};
use hubsync_auth::session::{OAuthSession, SystemClock};
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, Secret, TokenSource};
use hubsync_sandbox::{ControlSecret, OAuthClient, Sandbox, SandboxConfig};
use hubsync_store::{PortalConnection, RunStatus, SecretStoreKind, Store, TokenKind};
use hubsync_sync::{Cancel, PushOptions, prepare_push, resume_push, run_push};
use serde_json::json;

use crate::push::{control, fast, quiet};

const CLIENT_ID: &str = "hubsync-sync-reconnect";
const CLIENT_SECRET: &str = "reconnect-secret";

fn app() -> OAuthApp {
    OAuthApp::new(CLIENT_ID, Secret::new(CLIENT_SECRET))
}

async fn grant(sandbox: &Sandbox, port: u16) -> OAuthGrant {
    approved_grant(app(), sandbox, port).await
}

/// Connects `app` the way the apps do, the browser approving at once (the sandbox's
/// auto-approve), its callback on `port`.
pub async fn approved_grant(app: OAuthApp, sandbox: &Sandbox, port: u16) -> OAuthGrant {
    let options = ConnectOptions {
        ports: vec![port],
        timeout: Duration::from_secs(60),
        cancel: CancelHandle::new(),
        ..ConnectOptions::default()
    };
    connect(app, Endpoints::at(&sandbox.base_url()), options, |url| {
        let url = url.to_string();
        tokio::spawn(async move { reqwest::get(url).await.map(|_| ()) });
        Ok(())
    })
    .await
    .expect("connected")
}

fn client_for(sandbox: &Sandbox, session: Arc<OAuthSession>) -> HubSpotClient {
    let config = ClientConfig::new(sandbox.base_url(), fast());
    let source: Arc<dyn TokenSource> = session;
    HubSpotClient::with_token_source(config, source, Arc::new(PortalLimiter::new(fast()))).unwrap()
}

fn session_from(sandbox: &Sandbox, grant: &OAuthGrant) -> Arc<OAuthSession> {
    let oauth = HubSpotOAuth::new(app(), Endpoints::at(&sandbox.base_url())).unwrap();
    Arc::new(OAuthSession::from_grant(oauth, grant, Arc::new(SystemClock)))
}

/// Calls to the token endpoint so far (exchanges and refreshes).
async fn token_requests(sandbox: &Sandbox) -> u64 {
    let counters = control(sandbox, reqwest::Method::GET, "/counters", json!({})).await;
    counters["requests"]["POST /oauth/v1/token"].as_u64().unwrap_or(0)
}

/// A portal with the test's OAuth app registered for `port`, approving at once.
async fn oauth_sandbox(port: u16) -> Sandbox {
    Sandbox::start(SandboxConfig {
        rate_limits: false,
        oauth_auto_approve: true,
        oauth_clients: vec![OAuthClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![format!("http://localhost:{port}/callback")],
            app_id: 2_000_001,
        }],
        control_secret: Some(ControlSecret::generate()),
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// A store connected to the grant's portal, creates allowed, with `leads` new leads.
fn connected_store(sandbox: &Sandbox, grant: &OAuthGrant, leads: usize) -> Store {
    let mut store = Store::open_in_memory(Arc::new(hubsync_store::SystemClock)).unwrap();
    store
        .connect_portal(&PortalConnection {
            portal_id: grant.info.hub_id,
            name: grant.info.hub_domain.clone(),
            hub_domain: grant.info.hub_domain.clone(),
            user_email: grant.info.user.clone().unwrap_or_default(),
            scopes: grant.info.scopes.clone(),
            token_kind: TokenKind::Oauth,
            base_url: sandbox.base_url(),
            client_id: Some(CLIENT_ID.into()),
            secret_store: SecretStoreKind::Keychain,
            connected_at: chrono::Utc::now(),
            account_type: None,
            writable_properties: None,
        })
        .unwrap();
    store.set_push_rules(None, Some(true)).unwrap();
    store.set_mapping("company", "company", None).unwrap();
    for i in 0..leads {
        store.add_lead(&format!("lead{i}@example.com"), &[("company", "Acme")]).unwrap();
    }
    store
}

#[tokio::test]
async fn a_revoked_grant_stops_the_push_which_resumes_after_reconnecting() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sandbox = oauth_sandbox(port).await;
    let first = grant(&sandbox, port).await;
    let mut store = connected_store(&sandbox, &first, 250);
    let session = session_from(&sandbox, &first);
    let client = client_for(&sandbox, session.clone());
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(prepared.counts.create, 250);

    // The admin uninstalls the app in HubSpot: the refresh token dies, and so does the access token.
    control(&sandbox, reqwest::Method::POST, "/oauth/revoke-refresh-tokens", json!({})).await;
    control(&sandbox, reqwest::Method::POST, "/oauth/expire-access-tokens", json!({})).await;
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Interrupted);
    assert_eq!(run.counts.pending, 250, "nothing was written: {:?}", run.counts);
    assert!(run.stop_reason.as_deref().unwrap().contains("reconnect"), "{:?}", run.stop_reason);
    assert!(session.is_reconnect_needed());

    // Connecting again gives a new grant; the same run resumes with it and completes.
    let second = grant(&sandbox, port).await;
    let client = client_for(&sandbox, session_from(&sandbox, &second));
    let connected = Some(second.info.hub_id);
    let run =
        resume_push(&mut store, &client, run.id, connected, &PushOptions::default(), &Cancel::default(), &mut quiet)
            .await
            .unwrap();
    assert_eq!((run.status, run.counts.created, run.counts.pending), (RunStatus::Completed, 250, 0));
    let all = control(&sandbox, reqwest::Method::GET, "/contacts", json!({})).await;
    let created = all["results"].as_array().unwrap().iter().filter(|c| c["properties"]["company"] == json!("Acme"));
    assert_eq!(created.count(), 250, "every lead landed once");
}

#[tokio::test]
async fn an_access_token_expired_mid_run_is_refreshed_and_the_push_completes() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sandbox = oauth_sandbox(port).await;
    let grant = grant(&sandbox, port).await;
    let mut store = connected_store(&sandbox, &grant, 150);
    let session = session_from(&sandbox, &grant);
    let client = client_for(&sandbox, session.clone());
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();

    // HubSpot expires the access token early (a 401 "expired"): one refresh, and the run goes on.
    control(&sandbox, reqwest::Method::POST, "/oauth/expire-access-tokens", json!({})).await;
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.status, run.counts.created, run.counts.pending), (RunStatus::Completed, 150, 0));
    assert!(!session.is_reconnect_needed());
    assert_eq!(token_requests(&sandbox).await, 2, "the code's exchange, then exactly one refresh");
}
