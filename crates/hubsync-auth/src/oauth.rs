//! HubSpot's OAuth 2.0 authorization code grant, from the consent page in the system browser to
//! a checked grant, and the token calls a connection makes afterwards.
//!
//! Public API:
//! - `REQUIRED_SCOPES`, `OPTIONAL_SCOPES`, `check_scopes`: what Hubsync asks for and refuses to
//!   go without.
//! - `OAuthApp` (the HubSpot app's client id and secret; `built_in()` for a distribution build)
//!   and `Endpoints` (`hubspot()`, or `at(base)` for the sandbox).
//! - `HubSpotOAuth`: `new`, `authorization` (the consent URL with state and PKCE S256),
//!   `exchange_code`, `refresh`, `token_info`, `revoke`; `Authorization`, `Tokens`, `TokenInfo`.
//! - The whole flow: `connect`, or `PendingConnect::start` → `authorize_url` → `finish` when the
//!   caller wants the URL before waiting (to print it, or show it beside a "copy link" button);
//!   `ConnectOptions`, `OAuthGrant`.
//! - `AuthError`, with a stable `code()`. No error's text ever holds a token, a code or a secret.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use hubsync_hubspot::{InsecureBaseUrl, Outcome, RetryDecision, RetryPolicy, Secret, check_base_url, with_causes};
use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ErrorResponse, ExtraTokenFields, HttpClientError, HttpRequest, HttpResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::loopback::{CallbackListener, CancelHandle, DEFAULT_CALLBACK_PORTS, DEFAULT_TIMEOUT};

/// The scopes a connection must have: the sync reads and writes contacts and reads owners
/// (properties come with the contacts read scope).
pub const REQUIRED_SCOPES: [&str; 4] =
    ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read"];

/// Scopes asked for as `optional_scope`: granted when the portal has them, never a reason to
/// refuse the connection. None yet.
pub const OPTIONAL_SCOPES: [&str; 0] = [];

/// HubSpot's tokens live 30 minutes; a reply without `expires_in` is taken to mean that.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(1800);
/// Per token request: long enough for a slow network, short enough that a stuck call ends.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of HubSpot's own wording an error keeps.
const MAX_QUOTED: usize = 300;

/// The HubSpot app Hubsync connects as. The secret is sent only in token requests' forms.
#[derive(Clone, Debug)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Secret,
}

impl OAuthApp {
    pub fn new(client_id: impl Into<String>, client_secret: Secret) -> Self {
        OAuthApp { client_id: client_id.into(), client_secret }
    }

    /// The app compiled into a distribution build (`HUBSYNC_OAUTH_CLIENT_ID` and
    /// `HUBSYNC_OAUTH_CLIENT_SECRET` set when building); `None` in a developer build, which then
    /// needs an app configured by the admin.
    pub fn built_in() -> Option<OAuthApp> {
        let client_id = option_env!("HUBSYNC_OAUTH_CLIENT_ID").filter(|v| !v.trim().is_empty())?;
        let secret = option_env!("HUBSYNC_OAUTH_CLIENT_SECRET").filter(|v| !v.trim().is_empty())?;
        Some(OAuthApp::new(client_id.trim(), Secret::new(secret.trim())))
    }
}

/// Where the consent page, the token endpoint and the API are. Public fields, so an EU portal's
/// consent page (`app-eu1.hubspot.com`) can be set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize_url: String,
    pub token_url: String,
    /// Token info and revocation live under it.
    pub api_base: String,
}

impl Endpoints {
    pub fn hubspot() -> Self {
        Endpoints {
            authorize_url: "https://app.hubspot.com/oauth/authorize".into(),
            token_url: "https://api.hubapi.com/oauth/v1/token".into(),
            api_base: "https://api.hubapi.com".into(),
        }
    }

    /// Everything on one base URL, as the sandbox serves it.
    pub fn at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Endpoints {
            authorize_url: format!("{base}/oauth/authorize"),
            token_url: format!("{base}/oauth/v1/token"),
            api_base: base.to_string(),
        }
    }
}

/// Why connecting or a token call failed, in words an admin can act on.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "you declined to connect Hubsync on HubSpot's consent page, so nothing was shared; connect again when you \
         are ready{}",
        quoted(.description)
    )]
    Denied { description: Option<String> },
    #[error("HubSpot did not authorize the connection ({error}){}", quoted(.description))]
    AuthorizationFailed { error: String, description: Option<String> },
    #[error(
        "no answer came back from HubSpot's consent page within {}{}: the tab may have been closed, the consent \
         declined (HubSpot then sends nothing back), or the app may lack the redirect URL {redirect_uri} (HubSpot \
         then shows a \"redirect URL does not match\" page). Connect again, or register that redirect URL on the app",
        in_words(*.waited),
        browser_note(.browser_error)
    )]
    Timeout { waited: Duration, redirect_uri: String, browser_error: Option<String> },
    #[error(
        "no valid answer came back from HubSpot's consent page within {}: {refused} callback(s) arrived with a \
         state that does not belong to this attempt (a link from an earlier attempt, or a forged one) and were \
         refused. Connect again and use the newest browser tab",
        in_words(*.waited)
    )]
    StateMismatch { waited: Duration, refused: u32 },
    #[error("connecting to HubSpot was cancelled")]
    Cancelled,
    #[error(
        "cannot listen for HubSpot's answer: port(s) {} on this computer (127.0.0.1 or ::1) are in use by other \
         programs. Close them, or choose another port that is registered on the HubSpot app as http://localhost:PORT/callback",
        ports_list(.ports)
    )]
    PortBusy { ports: Vec<u16> },
    #[error("cannot listen for HubSpot's answer on port {port} of this computer (127.0.0.1 and ::1): {detail}")]
    Listener { port: u16, detail: String },
    #[error("the HubSpot connection settings are not usable: {0}")]
    InvalidConfig(String),
    #[error("HubSpot refused to hand out tokens for this authorization: {message}")]
    ExchangeFailed { message: String },
    #[error("refreshing the HubSpot access token failed: {message}")]
    RefreshFailed { message: String },
    #[error(
        "HubSpot no longer accepts this connection's refresh token (the app was uninstalled or its access \
         revoked): reconnect the portal"
    )]
    ReconnectNeeded,
    #[error(
        "the connection lacks the HubSpot scope(s) {}, which Hubsync needs, so it was not saved. Ask a super admin \
         to connect, or add the scopes to the app, then connect again",
        .missing.join(", ")
    )]
    MissingScopes { missing: Vec<String> },
    #[error("could not reach HubSpot at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("HubSpot's reply could not be read: {detail}")]
    BadReply { detail: String },
    #[error("HubSpot could not say which portal the new token belongs to: {message}")]
    TokenInfoFailed { message: String },
    #[error("HubSpot did not revoke the token: {message}")]
    RevokeFailed { message: String },
    /// An endpoint would carry the client secret or a token in plain text.
    #[error(transparent)]
    InsecureBaseUrl(#[from] InsecureBaseUrl),
}

impl AuthError {
    /// A stable code for the UI and `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Denied { .. } => "oauth_denied",
            AuthError::AuthorizationFailed { .. } => "oauth_authorization_failed",
            AuthError::Timeout { .. } => "oauth_timeout",
            AuthError::StateMismatch { .. } => "oauth_state_mismatch",
            AuthError::Cancelled => "oauth_cancelled",
            AuthError::PortBusy { .. } => "oauth_port_busy",
            AuthError::Listener { .. } => "oauth_listener_failed",
            AuthError::InvalidConfig(_) => "oauth_invalid_config",
            AuthError::ExchangeFailed { .. } => "oauth_exchange_failed",
            AuthError::RefreshFailed { .. } => "oauth_refresh_failed",
            AuthError::ReconnectNeeded => "reconnect_needed",
            AuthError::MissingScopes { .. } => "oauth_missing_scopes",
            AuthError::Unreachable { .. } => "oauth_unreachable",
            AuthError::BadReply { .. } => "oauth_bad_reply",
            AuthError::TokenInfoFailed { .. } => "oauth_token_info_failed",
            AuthError::RevokeFailed { .. } => "oauth_revoke_failed",
            AuthError::InsecureBaseUrl(_) => InsecureBaseUrl::CODE,
        }
    }
}

fn quoted(text: &Option<String>) -> String {
    match text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => format!(" (HubSpot: {t})"),
        _ => String::new(),
    }
}

fn browser_note(error: &Option<String>) -> String {
    match error {
        Some(e) => format!(" (the browser could not be opened: {e})"),
        None => String::new(),
    }
}

fn ports_list(ports: &[u16]) -> String {
    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

/// A duration in words, exactly (`20 seconds`, `5 minutes`), as a wait is announced.
pub fn in_words(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0 => format!("{} ms", duration.as_millis()),
        s if s % 60 == 0 => format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" }),
        1 => "1 second".into(),
        s => format!("{s} seconds"),
    }
}

/// HubSpot's own words, shortened, with any secret it might echo replaced.
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut text = text.trim().to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    if text.chars().count() > MAX_QUOTED {
        text = text.chars().take(MAX_QUOTED).collect::<String>() + "…";
    }
    text
}

/// The scopes in `REQUIRED_SCOPES` that `granted` lacks, by name.
pub fn check_scopes(granted: &[String]) -> Result<(), Vec<String>> {
    let missing: Vec<String> =
        REQUIRED_SCOPES.iter().filter(|r| !granted.iter().any(|g| g == *r)).map(|s| s.to_string()).collect();
    if missing.is_empty() { Ok(()) } else { Err(missing) }
}

/// HubSpot's additions to the token reply.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct HubSpotTokenFields {
    #[serde(default)]
    hub_id: Option<u64>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

impl ExtraTokenFields for HubSpotTokenFields {}

/// The token endpoint's error body: OAuth's `error`/`error_description` plus HubSpot's
/// `status`/`message`. Every field is optional and of any JSON type, so any JSON error parses.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct TokenEndpointError {
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    error_description: Option<Value>,
    #[serde(default)]
    status: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
}

fn text_of(value: &Option<Value>) -> Option<&str> {
    value.as_ref()?.as_str().map(str::trim).filter(|s| !s.is_empty())
}

impl TokenEndpointError {
    fn error(&self) -> Option<&str> {
        text_of(&self.error)
    }

    fn status(&self) -> Option<&str> {
        text_of(&self.status)
    }

    fn words(&self) -> Option<&str> {
        text_of(&self.message).or_else(|| text_of(&self.error_description))
    }
}

impl fmt::Display for TokenEndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error().or(self.status()).unwrap_or("error"))
    }
}

impl ErrorResponse for TokenEndpointError {}

/// The token requests' HTTP client, noting the status the endpoint answered with: oauth2 keeps
/// it to itself, and whether to try again depends on it.
struct StatusNoting<'a> {
    http: &'a reqwest::Client,
    status: AtomicU16,
}

impl<'c> AsyncHttpClient<'c> for StatusNoting<'_> {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let response = self.http.call(request).await?;
            self.status.store(response.status().as_u16(), Ordering::Relaxed);
            Ok(response)
        })
    }
}

type TokenReply = StandardTokenResponse<HubSpotTokenFields, BasicTokenType>;
type TokenRequestError = RequestTokenError<HttpClientError<reqwest::Error>, TokenEndpointError>;
type OAuth2Client = oauth2::Client<
    TokenEndpointError,
    TokenReply,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// An access token and what came with it.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access_token: Secret,
    /// HubSpot sends the refresh token back on every refresh; if it ever differs, the new one
    /// is the one to keep.
    pub refresh_token: Option<Secret>,
    pub expires_in: Duration,
    pub hub_id: Option<u64>,
    pub scopes: Vec<String>,
}

/// What `GET /oauth/v1/access-tokens/{token}` says about a token: whose portal, which user,
/// which scopes. The identity fields HubSpot may leave out are optional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub hub_id: u64,
    #[serde(default)]
    pub hub_domain: String,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub user_id: Option<u64>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub app_id: Option<u64>,
    /// Seconds the token had left when asked.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// One consent attempt: the URL to open, and the state and PKCE verifier that only this
/// process knows. Used once: the exchange consumes it.
pub struct Authorization {
    url: String,
    redirect_uri: String,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
}

impl Authorization {
    /// The consent page's URL, to open in the system browser.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The `state` the callback must carry back.
    pub fn state(&self) -> &str {
        self.state.secret()
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization").field("redirect_uri", &self.redirect_uri).finish_non_exhaustive()
    }
}

/// Which grant a token request was for: a refused refresh token means "reconnect", a refused
/// code means "try connecting again".
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grant {
    Code,
    Refresh,
}

/// HubSpot's OAuth endpoints for one app.
#[derive(Clone)]
pub struct HubSpotOAuth {
    app: OAuthApp,
    endpoints: Endpoints,
    client: OAuth2Client,
    http: reqwest::Client,
    /// How a refresh that failed on the way (no answer, a 429 or 5xx, a reply cut off) is tried
    /// again.
    refresh_retry: RetryPolicy,
}

impl fmt::Debug for HubSpotOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubSpotOAuth").field("app", &self.app).field("endpoints", &self.endpoints).finish()
    }
}

impl HubSpotOAuth {
    pub fn new(app: OAuthApp, endpoints: Endpoints) -> Result<Self, AuthError> {
        // The code, the client secret and every token go to these: https, or this computer.
        for url in [&endpoints.authorize_url, &endpoints.token_url, &endpoints.api_base] {
            check_base_url(url)?;
        }
        let bad = |what: &str, e: &dyn fmt::Display| AuthError::InvalidConfig(format!("{what}: {e}"));
        let client = oauth2::Client::new(ClientId::new(app.client_id.clone()))
            .set_client_secret(ClientSecret::new(app.client_secret.expose().to_string()))
            .set_auth_uri(
                AuthUrl::new(endpoints.authorize_url.clone()).map_err(|e| bad("the authorize URL is invalid", &e))?,
            )
            .set_token_uri(TokenUrl::new(endpoints.token_url.clone()).map_err(|e| bad("the token URL is invalid", &e))?)
            // HubSpot takes client_id and client_secret in the form, not as basic auth.
            .set_auth_type(AuthType::RequestBody);
        reqwest::Url::parse(&endpoints.api_base).map_err(|e| bad("the API base URL is invalid", &e))?;
        // No redirects: a token request that gets redirected would resend the secret elsewhere
        // (oauth2's advice).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .user_agent(concat!("hubsync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| bad("the HTTP client could not be built", &with_causes(&e)))?;
        // A refresh can be sent again safely: HubSpot keeps the refresh token, and an access token
        // whose reply was lost just expires unused.
        let refresh_retry = RetryPolicy::new(true);
        Ok(HubSpotOAuth { app, endpoints, client, http, refresh_retry })
    }

    /// The rolling window a 429 from the token endpoint waits out (HubSpot's is 10 seconds).
    pub fn with_rate_limit_window(mut self, window: Duration) -> Self {
        self.refresh_retry.window = window;
        self
    }

    pub fn app(&self) -> &OAuthApp {
        &self.app
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// A consent URL for `redirect_uri`: the required scopes, `optional_scopes` as
    /// `optional_scope`, a fresh random state and a PKCE S256 challenge.
    pub fn authorization(&self, redirect_uri: &str, optional_scopes: &[String]) -> Result<Authorization, AuthError> {
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|e| AuthError::InvalidConfig(format!("the redirect URL {redirect_uri} is invalid: {e}")))?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(REQUIRED_SCOPES.iter().map(|s| Scope::new(s.to_string())))
            .set_pkce_challenge(challenge)
            .set_redirect_uri(Cow::Owned(redirect));
        let optional: Vec<&str> =
            optional_scopes.iter().map(String::as_str).filter(|s| !REQUIRED_SCOPES.contains(s)).collect();
        if !optional.is_empty() {
            request = request.add_extra_param("optional_scope", optional.join(" "));
        }
        let (url, state) = request.url();
        Ok(Authorization { url: url.to_string(), redirect_uri: redirect_uri.to_string(), state, verifier })
    }

    /// Trades the callback's code (with the attempt's PKCE verifier) for tokens.
    pub async fn exchange_code(&self, code: &Secret, authorization: Authorization) -> Result<Tokens, AuthError> {
        let redirect = RedirectUrl::new(authorization.redirect_uri.clone())
            .map_err(|e| AuthError::InvalidConfig(format!("the redirect URL is invalid: {e}")))?;
        let reply = self
            .client
            .exchange_code(AuthorizationCode::new(code.expose().to_string()))
            .set_pkce_verifier(authorization.verifier)
            .set_redirect_uri(Cow::Owned(redirect))
            .request_async(&self.http)
            .await;
        self.tokens(reply, Grant::Code, &[code.expose(), &authorization.redirect_uri])
    }

    /// A new access token for `refresh_token`. A revoked grant is `AuthError::ReconnectNeeded`.
    /// A failure on the way (no connection, a 429, a 5xx, a reply cut off) is tried again with
    /// the API client's backoff, so a run doesn't stop on one bad moment of the token endpoint.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<Tokens, AuthError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (result, status) = self.refresh_once(refresh_token).await;
            let outcome = match (&result, status) {
                (Ok(_) | Err(AuthError::ReconnectNeeded), _) => return result,
                // Connection refused, reset or timed out: no status came back.
                (Err(AuthError::Unreachable { .. }), None) => Outcome::MaybeSent,
                // A success whose body was cut off or garbled on the way.
                (Err(AuthError::BadReply { .. }), Some(200..=299)) => Outcome::MaybeSent,
                (Err(_), Some(status)) => Outcome::Answered { status, body: None, retry_after: None },
                (Err(_), None) => return result,
            };
            match self.refresh_retry.decide(&outcome, attempt, rand::random::<f64>()) {
                RetryDecision::Retry { after } => {
                    let error = result.err().map(|e| e.to_string()).unwrap_or_default();
                    tracing::debug!(attempt, ?after, %error, "refreshing the HubSpot access token again");
                    tokio::time::sleep(after).await;
                }
                RetryDecision::StopDaily | RetryDecision::DontRetry => return result,
            }
        }
    }

    /// One call to the token endpoint, and the HTTP status it answered with, if any.
    async fn refresh_once(&self, refresh_token: &Secret) -> (Result<Tokens, AuthError>, Option<u16>) {
        let http = StatusNoting { http: &self.http, status: AtomicU16::new(0) };
        let token = RefreshToken::new(refresh_token.expose().to_string());
        let reply = self.client.exchange_refresh_token(&token).request_async(&http).await;
        let result = self.tokens(reply, Grant::Refresh, &[refresh_token.expose()]);
        (result, Some(http.status.load(Ordering::Relaxed)).filter(|s| *s != 0))
    }

    fn tokens(
        &self,
        reply: Result<TokenReply, TokenRequestError>,
        grant: Grant,
        secrets: &[&str],
    ) -> Result<Tokens, AuthError> {
        let reply = reply.map_err(|e| self.token_error(e, grant, secrets))?;
        let extra = reply.extra_fields();
        Ok(Tokens {
            access_token: Secret::new(reply.access_token().secret().clone()),
            refresh_token: reply.refresh_token().map(|t| Secret::new(t.secret().clone())),
            expires_in: reply.expires_in().unwrap_or(DEFAULT_TOKEN_LIFETIME),
            hub_id: extra.hub_id,
            scopes: extra.scopes.clone().unwrap_or_default(),
        })
    }

    fn token_error(&self, error: TokenRequestError, grant: Grant, secrets: &[&str]) -> AuthError {
        let mut secrets = secrets.to_vec();
        secrets.push(self.app.client_secret.expose());
        match error {
            RequestTokenError::ServerResponse(body) => {
                let (error, status) = (body.error().unwrap_or(""), body.status().unwrap_or(""));
                let said = body.words().map(|w| format!(" (HubSpot: {})", scrub(w, &secrets))).unwrap_or_default();
                if grant == Grant::Refresh && (status == "BAD_REFRESH_TOKEN" || error == "invalid_grant") {
                    return AuthError::ReconnectNeeded;
                }
                let message = match (status, error) {
                    ("BAD_CLIENT_ID" | "BAD_CLIENT_SECRET", _) | (_, "invalid_client") => format!(
                        "HubSpot refused the app's client id or secret{said}: check the app's credentials in Hubsync"
                    ),
                    ("BAD_REDIRECT_URI", _) => {
                        format!("HubSpot refused the redirect URL{said}: it must be registered on the app exactly")
                    }
                    ("BAD_AUTH_CODE", _) | (_, "invalid_grant") => format!(
                        "HubSpot refused the authorization code{said}: a code is good once, for a few minutes, and \
                         only with the attempt that asked for it; connect again"
                    ),
                    _ => format!("HubSpot answered {}{said}", if error.is_empty() { status } else { error }),
                };
                match grant {
                    Grant::Code => AuthError::ExchangeFailed { message },
                    Grant::Refresh => AuthError::RefreshFailed { message },
                }
            }
            RequestTokenError::Request(HttpClientError::Reqwest(e)) => {
                AuthError::Unreachable { url: self.endpoints.token_url.clone(), detail: with_causes(&*e) }
            }
            RequestTokenError::Request(e) => {
                AuthError::Unreachable { url: self.endpoints.token_url.clone(), detail: with_causes(&e) }
            }
            // The body is never quoted: a token reply that failed to parse may hold the tokens.
            RequestTokenError::Parse(e, _) => AuthError::BadReply {
                detail: format!(
                    "the token endpoint's answer is not an OAuth token reply (at `{}`); a proxy or gateway may be in \
                     the way",
                    e.path()
                ),
            },
            RequestTokenError::Other(text) => AuthError::BadReply { detail: scrub(&text, &secrets) },
        }
    }

    /// Whose portal, user and scopes `access_token` carries. The token travels in the URL path,
    /// so the URL is never logged or put in an error.
    pub async fn token_info(&self, access_token: &Secret) -> Result<TokenInfo, AuthError> {
        let shown_url = format!("{}/oauth/v1/access-tokens/…", self.endpoints.api_base);
        let mut url = reqwest::Url::parse(&self.endpoints.api_base)
            .map_err(|e| AuthError::InvalidConfig(format!("the API base URL is invalid: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| AuthError::InvalidConfig("the API base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(["oauth", "v1", "access-tokens", access_token.expose()]);
        let secrets = [access_token.expose()];
        let response =
            self.http.get(url).send().await.map_err(|e| AuthError::Unreachable {
                url: shown_url.clone(),
                detail: with_causes(&e.without_url()),
            })?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| AuthError::Unreachable { url: shown_url, detail: with_causes(&e.without_url()) })?;
        if status == 404 {
            return Err(AuthError::TokenInfoFailed {
                message: "HubSpot does not know the access token (it expired or was revoked)".into(),
            });
        }
        if !(200..300).contains(&status) {
            let said = hubspot_words(&body).map(|w| format!(": {}", scrub(&w, &secrets))).unwrap_or_default();
            return Err(AuthError::TokenInfoFailed { message: format!("HubSpot answered {status}{said}") });
        }
        // serde's messages can quote values, and this reply holds the token: say only where.
        serde_json::from_slice(&body).map_err(|e| AuthError::BadReply {
            detail: format!("the token info is not in the expected shape (line {}, column {})", e.line(), e.column()),
        })
    }

    /// Revokes `token` (a refresh token: the connection ends; an access token: that token
    /// only). An unknown token is not an error (RFC 7009).
    pub async fn revoke(&self, token: &Secret) -> Result<(), AuthError> {
        let url = format!("{}/oauth/v3/token/revoke", self.endpoints.api_base);
        let form = [
            ("client_id", self.app.client_id.as_str()),
            ("client_secret", self.app.client_secret.expose()),
            ("token", token.expose()),
        ];
        let response = self
            .http
            .post(&url)
            .form(&form)
            .send()
            .await
            .map_err(|e| AuthError::Unreachable { url: url.clone(), detail: with_causes(&e) })?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let body = response.bytes().await.unwrap_or_default();
        let secrets = [token.expose(), self.app.client_secret.expose()];
        let said = hubspot_words(&body).map(|w| format!(": {}", scrub(&w, &secrets))).unwrap_or_default();
        Err(AuthError::RevokeFailed { message: format!("HubSpot answered {status}{said}") })
    }
}

/// The `message` (or `error_description`) of a HubSpot JSON error body.
fn hubspot_words(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    ["message", "error_description"].iter().find_map(|k| value.get(*k)?.as_str().map(String::from))
}

/// A connected portal: the tokens and who they belong to, scopes checked.
#[derive(Clone, Debug)]
pub struct OAuthGrant {
    pub access_token: Secret,
    pub refresh_token: Secret,
    pub expires_in: Duration,
    pub info: TokenInfo,
}

/// How a connection attempt listens and how long it waits.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Tried in order; each must be registered on the app as `http://localhost:PORT/callback`.
    /// One port (an explicit `--port`) means only that one.
    pub ports: Vec<u16>,
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    /// Ends the wait early (the UI's Cancel button, Ctrl-C).
    pub cancel: CancelHandle,
    pub optional_scopes: Vec<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            ports: DEFAULT_CALLBACK_PORTS.to_vec(),
            timeout: DEFAULT_TIMEOUT,
            cancel: CancelHandle::new(),
            optional_scopes: OPTIONAL_SCOPES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// A connection attempt that is listening for the callback: show or open `authorize_url`,
/// then `finish`. Dropping it closes the listener.
#[derive(Debug)]
pub struct PendingConnect {
    oauth: HubSpotOAuth,
    listener: CallbackListener,
    authorization: Authorization,
    timeout: Duration,
    cancel: CancelHandle,
}

impl PendingConnect {
    /// Binds the callback listener (first free port of `options.ports`) and builds the consent
    /// URL for it.
    pub async fn start(oauth: HubSpotOAuth, options: ConnectOptions) -> Result<Self, AuthError> {
        let listener = CallbackListener::bind(&options.ports).await?;
        let authorization = oauth.authorization(&listener.redirect_uri(), &options.optional_scopes)?;
        Ok(PendingConnect { oauth, listener, authorization, timeout: options.timeout, cancel: options.cancel })
    }

    pub fn authorize_url(&self) -> &str {
        self.authorization.url()
    }

    pub fn redirect_uri(&self) -> &str {
        self.authorization.redirect_uri()
    }

    /// Waits for the callback, exchanges the code, asks HubSpot whose token it is and checks
    /// the scopes; the browser tab then shows the outcome in words.
    pub async fn finish(self) -> Result<OAuthGrant, AuthError> {
        let PendingConnect { oauth, listener, authorization, timeout, cancel } = self;
        let callback = listener.wait(authorization.state(), timeout, &cancel).await?;
        let result = tokio::select! {
            result = complete(&oauth, callback.code(), authorization) => result,
            () = cancel.cancelled() => Err(AuthError::Cancelled),
        };
        match &result {
            Ok(grant) => callback.reply_connected(&grant.info.hub_domain).await,
            Err(error) => callback.reply_failed(error).await,
        }
        result
    }
}

async fn complete(oauth: &HubSpotOAuth, code: &Secret, authorization: Authorization) -> Result<OAuthGrant, AuthError> {
    let tokens = oauth.exchange_code(code, authorization).await?;
    let refresh_token = tokens.refresh_token.ok_or_else(|| AuthError::BadReply {
        detail: "the token reply carried no refresh token, so the connection could not last".into(),
    })?;
    let info = oauth.token_info(&tokens.access_token).await?;
    check_scopes(&info.scopes).map_err(|missing| AuthError::MissingScopes { missing })?;
    tracing::info!(hub_id = info.hub_id, hub_domain = %info.hub_domain, "connected to HubSpot");
    Ok(OAuthGrant { access_token: tokens.access_token, refresh_token, expires_in: tokens.expires_in, info })
}

/// The whole flow: listen, open the consent page with `open_browser` (the apps pass
/// `open::that`; it is also the place to show the URL), wait, exchange, check.
///
/// A browser that can't be opened does not end the attempt: the user can still paste the URL
/// the caller showed, and a later timeout says the browser failed. Use `PendingConnect` to get
/// the URL before anything is opened.
pub async fn connect(
    app: OAuthApp,
    endpoints: Endpoints,
    options: ConnectOptions,
    open_browser: impl FnOnce(&str) -> io::Result<()>,
) -> Result<OAuthGrant, AuthError> {
    let pending = PendingConnect::start(HubSpotOAuth::new(app, endpoints)?, options).await?;
    let opened = open_browser(pending.authorize_url());
    if let Err(e) = &opened {
        tracing::warn!(error = %e, "could not open the browser; waiting for the consent URL to be opened by hand");
    }
    match (pending.finish().await, opened) {
        (Err(AuthError::Timeout { waited, redirect_uri, .. }), Err(e)) => {
            Err(AuthError::Timeout { waited, redirect_uri, browser_error: Some(e.to_string()) })
        }
        (result, _) => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_scopes_are_named() {
        let granted: Vec<String> = ["oauth", "crm.objects.contacts.read"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            check_scopes(&granted),
            Err(vec!["crm.objects.contacts.write".into(), "crm.objects.owners.read".into()])
        );
        let all: Vec<String> = REQUIRED_SCOPES.iter().map(|s| s.to_string()).chain(["extra".to_string()]).collect();
        assert_eq!(check_scopes(&all), Ok(()));
    }

    #[test]
    fn endpoints_on_one_base() {
        let e = Endpoints::at("http://127.0.0.1:9/");
        assert_eq!(e.authorize_url, "http://127.0.0.1:9/oauth/authorize");
        assert_eq!(e.token_url, "http://127.0.0.1:9/oauth/v1/token");
        assert_eq!(e.api_base, "http://127.0.0.1:9");
        assert_eq!(Endpoints::hubspot().token_url, "https://api.hubapi.com/oauth/v1/token");
    }

    #[test]
    fn the_authorize_url_carries_scopes_state_and_pkce() {
        let app = OAuthApp::new("client-1", Secret::new("very-secret-value"));
        let oauth = HubSpotOAuth::new(app, Endpoints::hubspot()).unwrap();
        let auth = oauth.authorization("http://localhost:42813/callback", &["crm.lists.read".into()]).unwrap();
        let url = reqwest::Url::parse(auth.url()).unwrap();
        let get = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        assert_eq!(url.host_str(), Some("app.hubspot.com"));
        assert_eq!(get("client_id").as_deref(), Some("client-1"));
        assert_eq!(get("scope").as_deref(), Some(REQUIRED_SCOPES.join(" ").as_str()));
        assert_eq!(get("optional_scope").as_deref(), Some("crm.lists.read"));
        assert_eq!(get("redirect_uri").as_deref(), Some("http://localhost:42813/callback"));
        assert_eq!(get("state").as_deref(), Some(auth.state()));
        assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
        assert_eq!(get("code_challenge").map(|c| c.len()), Some(43));
        assert!(!auth.url().contains("very-secret-value"));
        let other = oauth.authorization("http://localhost:42813/callback", &[]).unwrap();
        assert_ne!(other.state(), auth.state(), "a fresh state per attempt");
        assert!(!other.url().contains("optional_scope"));
        assert!(!format!("{auth:?} {oauth:?}").contains("very-secret-value"));
        assert!(!format!("{auth:?}").contains(auth.state()));
    }

    #[test]
    fn errors_quote_hubspot_without_secrets() {
        assert_eq!(scrub("bad token abcdef here", &["abcdef"]), "bad token [redacted] here");
        assert!(scrub(&"x".repeat(1000), &[]).chars().count() <= MAX_QUOTED + 1);
        assert_eq!(in_words(Duration::from_secs(300)), "5 minutes");
        assert_eq!(in_words(Duration::from_millis(400)), "400 ms");
        assert_eq!(in_words(Duration::from_secs(2)), "2 seconds");
        let busy = AuthError::PortBusy { ports: vec![42813, 42814, 42815] };
        assert!(busy.to_string().contains("42813, 42814, 42815"), "{busy}");
        assert_eq!(busy.code(), "oauth_port_busy");
    }
}
