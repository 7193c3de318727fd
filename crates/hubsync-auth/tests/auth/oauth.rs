//! The OAuth flow against the sandbox's consent page and token endpoints, the test playing the
//! browser with reqwest: approve, decline, forged callbacks, busy and unregistered ports,
//! missing scopes, timeouts, cancel, the token calls' errors, revocation.

use std::io;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use hubsync_auth::loopback::{CallbackListener, CancelHandle, DEFAULT_CALLBACK_PORTS};
use hubsync_auth::oauth::{
    AuthError, ConnectOptions, Endpoints, HubSpotOAuth, OAuthApp, OAuthGrant, PendingConnect, REQUIRED_SCOPES, connect,
};
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret};
use hubsync_sandbox::{CONTROL_SECRET_HEADER, ControlSecret, OAuthClient, Sandbox, SandboxConfig};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const CLIENT_ID: &str = "hubsync-test-app";
pub const CLIENT_SECRET: &str = "client-secret-never-printed";
pub const APP_ID: u64 = 4242;

/// A port nobody listens on right now, to register and listen on. Below Linux's ephemeral range
/// (32768 and up), so no test's server bound to port 0 is handed it between now and the flow's
/// own bind, as happened once under a full parallel run.
pub fn free_port() -> u16 {
    loop {
        let port = 20_000 + rand::random::<u16>() % 12_000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

pub fn redirect_uri(port: u16) -> String {
    format!("http://localhost:{port}/callback")
}

/// A sandbox with the test app registered for `ports`' redirect URLs.
pub async fn portal(ports: &[u16], configure: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut config = SandboxConfig {
        oauth_clients: vec![OAuthClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: ports.iter().map(|p| redirect_uri(*p)).collect(),
            app_id: APP_ID,
        }],
        control_secret: Some(ControlSecret::generate()),
        ..SandboxConfig::default()
    };
    configure(&mut config);
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn app() -> OAuthApp {
    OAuthApp::new(CLIENT_ID, Secret::new(CLIENT_SECRET))
}

pub fn oauth(sandbox: &Sandbox) -> HubSpotOAuth {
    HubSpotOAuth::new(app(), Endpoints::at(&sandbox.base_url())).unwrap()
}

pub fn options(ports: Vec<u16>, timeout: Duration) -> ConnectOptions {
    ConnectOptions { ports, timeout, ..ConnectOptions::default() }
}

/// The sandbox's request counters, by `METHOD route`.
pub async fn requests(sandbox: &Sandbox, route: &str) -> u64 {
    let counters = control_call(sandbox, reqwest::Method::GET, "/counters").await;
    counters["requests"][route].as_u64().unwrap_or(0)
}

/// A control-API POST (revoke or expire tokens).
pub async fn control(sandbox: &Sandbox, path: &str) -> Value {
    control_call(sandbox, reqwest::Method::POST, path).await
}

/// A control-API call with an empty JSON body.
async fn control_call(sandbox: &Sandbox, method: reqwest::Method, path: &str) -> Value {
    let reply = reqwest::Client::new()
        .request(method, format!("{}/__sandbox{path}", sandbox.base_url()))
        .header(CONTROL_SECRET_HEADER, sandbox.control_secret().unwrap())
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    reply.json().await.unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Deny,
}

/// What the browser ended up showing.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub text: String,
}

/// Where the consent page sent the browser: a redirect, or a page of its own.
enum Consent {
    Redirect(String),
    Page(Page),
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn page_of(response: reqwest::Response) -> Page {
    Page { status: response.status().as_u16(), text: response.text().await.unwrap_or_default() }
}

/// The user on HubSpot's consent page: loads it and clicks Connect or Cancel.
async fn consent(url: &str, decision: Decision) -> Consent {
    let http = no_redirects();
    let response = http.get(url).send().await.unwrap();
    if response.status().as_u16() == 302 {
        return Consent::Redirect(response.headers()["location"].to_str().unwrap().to_string());
    }
    if response.status().as_u16() != 200 {
        return Consent::Page(page_of(response).await);
    }
    // The consent form posts back the authorize parameters with the decision.
    let parsed = reqwest::Url::parse(url).unwrap();
    let mut form: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    form.push(("decision".into(), if decision == Decision::Approve { "approve" } else { "deny" }.into()));
    let action = format!("{}/oauth/authorize", parsed.origin().ascii_serialization());
    let response = http.post(action).form(&form).send().await.unwrap();
    if response.status().as_u16() == 302 {
        Consent::Redirect(response.headers()["location"].to_str().unwrap().to_string())
    } else {
        Consent::Page(page_of(response).await)
    }
}

/// The consent page, then wherever it sends the browser (the loopback callback).
pub async fn browse(url: String, decision: Decision) -> Page {
    match consent(&url, decision).await {
        Consent::Redirect(location) => page_of(no_redirects().get(location).send().await.unwrap()).await,
        Consent::Page(page) => page,
    }
}

/// The URL the browser was given and the browsing, still going on.
pub type Browsing = (String, JoinHandle<Page>);

/// Stands in for `open::that`: the browser runs beside the flow, and its last page can be read
/// afterwards. `tamper` may change the URL first, as a hand-edited link would.
pub fn browser(
    decision: Decision,
    tamper: impl FnOnce(String) -> String + Send + 'static,
) -> (impl FnOnce(&str) -> io::Result<()>, oneshot::Receiver<Browsing>) {
    let (tx, rx) = oneshot::channel();
    let open = move |url: &str| {
        let url = tamper(url.to_string());
        let _ = tx.send((url.clone(), tokio::spawn(browse(url, decision))));
        Ok(())
    };
    (open, rx)
}

pub async fn connected(sandbox: &Sandbox, port: u16) -> OAuthGrant {
    let (open, _browser) = browser(Decision::Approve, |u| u);
    let endpoints = Endpoints::at(&sandbox.base_url());
    connect(app(), endpoints, options(vec![port], Duration::from_secs(30)), open).await.expect("connects")
}

fn query_param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url).ok()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// No token, code or secret anywhere in what an error prints.
pub fn assert_no_secrets(error: &dyn std::fmt::Debug, display: &str, secrets: &[&str]) {
    let debug = format!("{error:?}");
    for secret in secrets.iter().chain(&[CLIENT_SECRET]) {
        assert!(!display.contains(secret) && !debug.contains(secret), "{secret:?} leaked: {display} / {debug}");
    }
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

#[tokio::test]
async fn approving_connects_with_pkce_and_names_the_portal_and_user() {
    let port = free_port();
    let sandbox = portal(&[port], |_| {}).await;
    let (open, browser_rx) = browser(Decision::Approve, |u| u);
    let endpoints = Endpoints::at(&sandbox.base_url());
    let grant = connect(app(), endpoints, options(vec![port], Duration::from_secs(30)), open).await.unwrap();

    assert_eq!(grant.info.hub_id, sandbox.portal_id());
    assert_eq!(grant.info.hub_domain, "hubsync-sandbox.hubspot.test");
    assert_eq!(grant.info.user.as_deref(), Some("admin@hubsync-sandbox.test"));
    assert_eq!(grant.info.user_id, Some(7_000_001));
    assert_eq!(grant.info.app_id, Some(APP_ID));
    assert!(REQUIRED_SCOPES.iter().all(|s| grant.info.scopes.iter().any(|g| g == s)), "{:?}", grant.info.scopes);
    assert_eq!(grant.expires_in, Duration::from_secs(1800));

    let (url, page) = browser_rx.await.unwrap();
    let page = page.await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Connected to HubSpot"), "{}", page.text);
    assert!(page.text.contains("hubsync-sandbox.hubspot.test"), "{}", page.text);
    assert_eq!(query_param(&url, "redirect_uri"), Some(redirect_uri(port)));
    assert_eq!(query_param(&url, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query_param(&url, "scope"), Some(REQUIRED_SCOPES.join(" ")));
    assert_eq!(query_param(&url, "client_id").as_deref(), Some(CLIENT_ID));
    assert!(port_is_free(port), "the listener is closed once connected");

    // One exchange (the sandbox checked the PKCE verifier against the challenge) and one token
    // info; the tokens work for the API.
    assert_eq!(requests(&sandbox, "POST /oauth/v1/token").await, 1);
    assert_eq!(requests(&sandbox, "GET /oauth/v1/access-tokens/{token}").await, 1);
    let limits = RateLimitSettings::oauth();
    let client = HubSpotClient::new(
        ClientConfig::new(sandbox.base_url(), limits),
        grant.access_token.clone(),
        Arc::new(PortalLimiter::new(limits)),
    )
    .unwrap();
    assert_eq!(client.account_details().await.unwrap().portal_id, sandbox.portal_id());
    assert_no_secrets(&grant, &format!("{grant:?}"), &[grant.access_token.expose(), grant.refresh_token.expose()]);
}

#[tokio::test]
async fn the_url_can_be_shown_before_waiting_and_pkce_is_enforced() {
    let port = free_port();
    let sandbox = portal(&[port], |_| {}).await;
    let pending = PendingConnect::start(oauth(&sandbox), options(vec![port], Duration::from_secs(30))).await.unwrap();
    assert_eq!(pending.redirect_uri(), redirect_uri(port));
    let url = pending.authorize_url().to_string();
    assert!(url.starts_with(&format!("{}/oauth/authorize?", sandbox.base_url())), "{url}");
    let browser = tokio::spawn(browse(url, Decision::Approve));
    let grant = pending.finish().await.unwrap();
    assert_eq!(grant.info.hub_id, sandbox.portal_id());
    assert!(browser.await.unwrap().text.contains("Connected to HubSpot"));

    // A code exchanged with another attempt's verifier is refused by the token endpoint.
    let oauth = oauth(&sandbox);
    let first = oauth.authorization(&redirect_uri(port), &[]).unwrap();
    let second = oauth.authorization(&redirect_uri(port), &[]).unwrap();
    let Consent::Redirect(location) = consent(first.url(), Decision::Approve).await else { panic!("no redirect") };
    let code = query_param(&location, "code").unwrap();
    assert_eq!(query_param(&location, "state").as_deref(), Some(first.state()));
    let error = oauth.exchange_code(&Secret::new(code.clone()), second).await.unwrap_err();
    assert_eq!(error.code(), "oauth_exchange_failed");
    assert!(error.to_string().contains("code_verifier does not match"), "{error}");
    assert_no_secrets(&error, &error.to_string(), &[&code]);
}

#[tokio::test]
async fn a_forged_callback_is_refused_and_the_real_one_still_completes() {
    let port = free_port();
    let sandbox = portal(&[port], |_| {}).await;
    let (tx, rx) = oneshot::channel();
    let open = move |url: &str| {
        let url = url.to_string();
        let _ = tx.send(tokio::spawn(async move {
            let http = no_redirects();
            let base = format!("http://127.0.0.1:{port}");
            let forged = page_of(http.get(format!("{base}/callback?code=forged&state=wrong")).send().await.unwrap());
            let stateless = page_of(http.get(format!("{base}/callback?code=forged")).send().await.unwrap());
            let favicon = page_of(http.get(format!("{base}/favicon.ico")).send().await.unwrap());
            let real = browse(url, Decision::Approve).await;
            (forged.await, stateless.await, favicon.await, real)
        }));
        Ok(())
    };
    let grant = connect(app(), Endpoints::at(&sandbox.base_url()), options(vec![port], Duration::from_secs(30)), open)
        .await
        .unwrap();
    assert_eq!(grant.info.hub_id, sandbox.portal_id());
    let (forged, stateless, favicon, real) = rx.await.unwrap().await.unwrap();
    assert_eq!(forged.status, 400);
    assert!(forged.text.contains("does not belong to the connection attempt"), "{}", forged.text);
    assert_eq!(stateless.status, 400);
    assert_eq!(favicon.status, 404);
    assert_eq!(real.status, 200);
    assert!(real.text.contains("Connected to HubSpot"), "{}", real.text);
    assert_eq!(requests(&sandbox, "POST /oauth/v1/token").await, 1, "the forged code was never exchanged");
}

#[tokio::test]
async fn only_forged_callbacks_end_in_a_state_mismatch() {
    let port = free_port();
    let (tx, rx) = oneshot::channel();
    let open = move |_: &str| {
        let _ = tx.send(tokio::spawn(async move {
            let url = format!("http://127.0.0.1:{port}/callback?code=forged-code-123&state=stale");
            page_of(no_redirects().get(url).send().await.unwrap()).await
        }));
        Ok(())
    };
    // No sandbox needed: the flow never gets past the wait. One local request takes
    // milliseconds; the two seconds are only there to end the wait.
    let opts = options(vec![port], Duration::from_secs(2));
    let error = connect(app(), Endpoints::at("http://127.0.0.1:9"), opts, open).await.unwrap_err();
    let page = rx.await.unwrap().await.unwrap();
    assert_eq!(page.status, 400);
    assert!(matches!(error, AuthError::StateMismatch { refused: 1, .. }), "{error:?}");
    assert_eq!(error.code(), "oauth_state_mismatch");
    assert!(error.to_string().contains("1 callback(s) arrived with a state that does not belong"), "{error}");
    assert_no_secrets(&error, &error.to_string(), &["forged-code-123", "stale"]);
    assert!(port_is_free(port));
}

#[tokio::test]
async fn declining_with_an_error_redirect_is_oauth_denied_in_words() {
    let port = free_port();
    let sandbox = portal(&[port], |c| c.oauth_deny_redirects = true).await;
    let (open, browser_rx) = browser(Decision::Deny, |u| u);
    let error = connect(app(), Endpoints::at(&sandbox.base_url()), options(vec![port], Duration::from_secs(30)), open)
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::Denied { .. }), "{error:?}");
    assert_eq!(error.code(), "oauth_denied");
    assert!(error.to_string().starts_with("you declined to connect Hubsync"), "{error}");
    assert!(error.to_string().contains("The user denied the request"), "{error}");
    let page = browser_rx.await.unwrap().1.await.unwrap();
    assert!(page.text.contains("You declined to connect Hubsync"), "{}", page.text);
    assert_eq!(requests(&sandbox, "POST /oauth/v1/token").await, 0);
    assert!(port_is_free(port));
}

#[tokio::test]
async fn hubspots_silent_refusal_ends_in_a_timeout() {
    let port = free_port();
    let sandbox = portal(&[port], |_| {}).await;
    let (open, browser_rx) = browser(Decision::Deny, |u| u);
    let error = connect(app(), Endpoints::at(&sandbox.base_url()), options(vec![port], Duration::from_secs(1)), open)
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::Timeout { .. }), "{error:?}");
    assert_eq!(error.code(), "oauth_timeout");
    assert!(error.to_string().contains("the consent declined (HubSpot then sends nothing back)"), "{error}");
    let page = browser_rx.await.unwrap().1.await.unwrap();
    assert!(page.text.contains("You did not connect the app"), "{}", page.text);
}

#[tokio::test]
async fn waiting_times_out_and_closes_the_listener() {
    let port = free_port();
    let opts = options(vec![port], Duration::from_millis(300));
    let error = connect(app(), Endpoints::at("http://127.0.0.1:9"), opts, |_| Ok(())).await.unwrap_err();
    assert_eq!(error.code(), "oauth_timeout");
    assert!(error.to_string().starts_with("no answer came back from HubSpot's consent page within 300 ms"), "{error}");
    assert!(port_is_free(port));

    // A browser that could not be opened is mentioned: the user never saw the page.
    let opts = options(vec![port], Duration::from_millis(300));
    let no_browser = |_: &str| Err(io::Error::new(io::ErrorKind::NotFound, "no browser found"));
    let error = connect(app(), Endpoints::at("http://127.0.0.1:9"), opts, no_browser).await.unwrap_err();
    assert!(error.to_string().contains("(the browser could not be opened: no browser found)"), "{error}");
}

#[tokio::test]
async fn cancelling_ends_the_wait_and_closes_the_listener() {
    let port = free_port();
    let cancel = CancelHandle::new();
    let (opened_tx, opened_rx) = oneshot::channel();
    let opts = ConnectOptions { cancel: cancel.clone(), ..options(vec![port], Duration::from_secs(300)) };
    let attempt = tokio::spawn(async move {
        connect(app(), Endpoints::at("http://127.0.0.1:9"), opts, move |url: &str| {
            let _ = opened_tx.send(url.to_string());
            Ok(())
        })
        .await
    });
    opened_rx.await.unwrap();
    assert!(!port_is_free(port), "listening while the consent page is open");
    cancel.cancel();
    let error = attempt.await.unwrap().unwrap_err();
    assert!(matches!(error, AuthError::Cancelled), "{error:?}");
    assert_eq!((error.code(), error.to_string().as_str()), ("oauth_cancelled", "connecting to HubSpot was cancelled"));
    assert!(port_is_free(port));
}

#[tokio::test]
async fn a_busy_default_port_falls_back_to_the_next_registered_one() {
    // Whoever holds 42813 (this test, or another program), it is busy for the flow.
    let _holder = TcpListener::bind(("127.0.0.1", DEFAULT_CALLBACK_PORTS[0]));
    let sandbox = portal(&DEFAULT_CALLBACK_PORTS, |_| {}).await;
    let (open, browser_rx) = browser(Decision::Approve, |u| u);
    let opts = ConnectOptions { timeout: Duration::from_secs(30), ..ConnectOptions::default() };
    let grant = connect(app(), Endpoints::at(&sandbox.base_url()), opts, open).await.unwrap();
    assert_eq!(grant.info.hub_id, sandbox.portal_id());
    let (url, _) = browser_rx.await.unwrap();
    let used = query_param(&url, "redirect_uri").unwrap();
    assert!(
        used == redirect_uri(DEFAULT_CALLBACK_PORTS[1]) || used == redirect_uri(DEFAULT_CALLBACK_PORTS[2]),
        "{used}"
    );
}

#[tokio::test]
async fn all_ports_busy_names_them() {
    let held: Vec<TcpListener> = (0..2).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let ports: Vec<u16> = held.iter().map(|l| l.local_addr().unwrap().port()).collect();
    let error = CallbackListener::bind(&ports).await.unwrap_err();
    assert_eq!(error.code(), "oauth_port_busy");
    assert!(
        error
            .to_string()
            .contains(&format!("port(s) {}, {} on this computer (127.0.0.1 or ::1) are in use", ports[0], ports[1]))
    );

    // An explicit port means that port only.
    let error = CallbackListener::bind(&ports[..1]).await.unwrap_err();
    assert!(matches!(&error, AuthError::PortBusy { ports: p } if p == &ports[..1]), "{error:?}");
    let free = free_port();
    let listener = CallbackListener::bind(&[ports[0], free]).await.unwrap();
    assert_eq!((listener.port(), listener.redirect_uri()), (free, redirect_uri(free)));
}

/// What the admin sees with a port the app doesn't list: HubSpot's consent link shows its own
/// "redirect URL does not match" page in the browser (nothing comes back to Hubsync), and
/// Hubsync's timeout then names the redirect URL to register.
#[tokio::test]
async fn an_unregistered_port_shows_hubspots_error_page_and_the_timeout_names_the_url() {
    let (registered, unregistered) = (free_port(), free_port());
    let sandbox = portal(&[registered], |_| {}).await;
    let (open, browser_rx) = browser(Decision::Approve, |u| u);
    let opts = options(vec![unregistered], Duration::from_secs(1));
    let error = connect(app(), Endpoints::at(&sandbox.base_url()), opts, open).await.unwrap_err();
    let page = browser_rx.await.unwrap().1.await.unwrap();
    assert_eq!(page.status, 400);
    assert!(page.text.contains("does not match any redirect URL registered for this app"), "{}", page.text);
    assert_eq!(error.code(), "oauth_timeout");
    let text = error.to_string();
    assert!(text.contains(&format!("the app may lack the redirect URL {}", redirect_uri(unregistered))), "{text}");
    assert!(text.contains("register that redirect URL on the app"), "{text}");
}

#[tokio::test]
async fn a_connection_without_a_required_scope_is_refused_by_name() {
    let port = free_port();
    let sandbox = portal(&[port], |_| {}).await;
    // A consent that grants less than asked (an app set up without the owners scope).
    let (open, browser_rx) = browser(Decision::Approve, |url| {
        let mut parsed = reqwest::Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .into_owned()
            .map(|(k, v)| if k == "scope" { (k, v.replace(" crm.objects.owners.read", "")) } else { (k, v) })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
        parsed.to_string()
    });
    let error = connect(app(), Endpoints::at(&sandbox.base_url()), options(vec![port], Duration::from_secs(30)), open)
        .await
        .unwrap_err();
    assert!(matches!(&error, AuthError::MissingScopes { missing } if missing == &["crm.objects.owners.read"]));
    assert_eq!(error.code(), "oauth_missing_scopes");
    assert!(error.to_string().contains("lacks the HubSpot scope(s) crm.objects.owners.read"), "{error}");
    let page = browser_rx.await.unwrap().1.await.unwrap();
    assert!(page.text.contains("Hubsync could not connect to HubSpot"), "{}", page.text);
    assert!(page.text.contains("crm.objects.owners.read"), "{}", page.text);
}

#[tokio::test]
async fn token_call_errors_are_in_words_without_secrets() {
    let port = free_port();
    let sandbox = portal(&[port], |c| c.oauth_auto_approve = true).await;
    let good = oauth(&sandbox);
    let code_for = |authorization: &hubsync_auth::oauth::Authorization| {
        let url = authorization.url().to_string();
        async move {
            let Consent::Redirect(location) = consent(&url, Decision::Approve).await else { panic!("no redirect") };
            query_param(&location, "code").unwrap()
        }
    };

    // A wrong client secret.
    let wrong = HubSpotOAuth::new(
        OAuthApp::new(CLIENT_ID, Secret::new("wrong-secret-value")),
        Endpoints::at(&sandbox.base_url()),
    )
    .unwrap();
    let authorization = wrong.authorization(&redirect_uri(port), &[]).unwrap();
    let code = code_for(&authorization).await;
    let error = wrong.exchange_code(&Secret::new(code.clone()), authorization).await.unwrap_err();
    assert_eq!(error.code(), "oauth_exchange_failed");
    assert!(error.to_string().contains("refused the app's client id or secret"), "{error}");
    assert_no_secrets(&error, &error.to_string(), &[&code, "wrong-secret-value"]);

    // A code used twice.
    let authorization = good.authorization(&redirect_uri(port), &[]).unwrap();
    let state = authorization.state().to_string();
    let code = code_for(&authorization).await;
    let first = good.authorization(&redirect_uri(port), &[]).unwrap();
    let first_code = code_for(&first).await;
    let tokens = good.exchange_code(&Secret::new(first_code.clone()), first).await.unwrap();
    let again = good.authorization(&redirect_uri(port), &[]).unwrap();
    let error = good.exchange_code(&Secret::new(first_code.clone()), again).await.unwrap_err();
    assert!(error.to_string().contains("a code is good once, for a few minutes"), "{error}");
    assert_no_secrets(&error, &error.to_string(), &[&first_code]);
    let refresh = tokens.refresh_token.clone().unwrap();
    assert_no_secrets(&tokens, "", &[tokens.access_token.expose(), refresh.expose(), &code, &state]);

    // Token info for a token HubSpot doesn't know.
    let error = good.token_info(&Secret::new("CN-made-up-access-token")).await.unwrap_err();
    assert_eq!(error.code(), "oauth_token_info_failed");
    assert!(error.to_string().contains("does not know the access token"), "{error}");
    assert_no_secrets(&error, &error.to_string(), &["CN-made-up-access-token"]);

    // A refresh token HubSpot doesn't know: reconnect.
    let error = good.refresh(&Secret::new("na1-made-up-refresh")).await.unwrap_err();
    assert!(matches!(error, AuthError::ReconnectNeeded), "{error:?}");
    assert_eq!(error.code(), "reconnect_needed");
    assert_no_secrets(&error, &error.to_string(), &["na1-made-up-refresh"]);

    // Nobody listening.
    let down_port = free_port();
    let down = HubSpotOAuth::new(app(), Endpoints::at(&format!("http://127.0.0.1:{down_port}"))).unwrap();
    let error = down.refresh(&refresh).await.unwrap_err();
    assert_eq!(error.code(), "oauth_unreachable");
    assert!(error.to_string().starts_with(&format!("could not reach HubSpot at http://127.0.0.1:{down_port}")));
    assert_no_secrets(&error, &error.to_string(), &[refresh.expose()]);
    let error = down.token_info(&tokens.access_token).await.unwrap_err();
    assert_eq!(error.code(), "oauth_unreachable");
    assert!(error.to_string().contains("/oauth/v1/access-tokens/…"), "{error}");
    assert_no_secrets(&error, &error.to_string(), &[tokens.access_token.expose()]);
}

#[tokio::test]
async fn revoking_the_refresh_token_ends_the_connection() {
    let port = free_port();
    let sandbox = portal(&[port], |c| c.oauth_auto_approve = true).await;
    let grant = connected(&sandbox, port).await;
    let oauth = oauth(&sandbox);
    let refreshed = oauth.refresh(&grant.refresh_token).await.unwrap();
    assert_ne!(refreshed.access_token, grant.access_token);
    assert_eq!(refreshed.refresh_token.as_ref(), Some(&grant.refresh_token), "HubSpot keeps the refresh token");
    assert_eq!(refreshed.hub_id, Some(sandbox.portal_id()));

    oauth.revoke(&grant.refresh_token).await.unwrap();
    let error = oauth.refresh(&grant.refresh_token).await.unwrap_err();
    assert_eq!(error.code(), "reconnect_needed");
    // Revoking an access token ends that token at once; an unknown token is no error.
    oauth.revoke(&refreshed.access_token).await.unwrap();
    assert_eq!(oauth.token_info(&refreshed.access_token).await.unwrap_err().code(), "oauth_token_info_failed");
    oauth.revoke(&Secret::new("never-issued")).await.unwrap();

    let wrong = HubSpotOAuth::new(
        OAuthApp::new(CLIENT_ID, Secret::new("wrong-secret-value")),
        Endpoints::at(&sandbox.base_url()),
    )
    .unwrap();
    let error = wrong.revoke(&grant.access_token).await.unwrap_err();
    assert_eq!(error.code(), "oauth_revoke_failed");
    assert!(error.to_string().contains("missing or invalid client secret"), "{error}");
    assert_no_secrets(&error, &error.to_string(), &["wrong-secret-value", grant.access_token.expose()]);
}
