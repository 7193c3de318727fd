//! `HubSpotOAuth`: the consent URL and the calls to HubSpot's token, token info and revoke
//! endpoints, through the `oauth2` crate where it fits.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use hubsync_hubspot::{Outcome, RetryDecision, RetryPolicy, Secret, check_base_url, with_causes};
use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ErrorResponse, ExtraTokenFields, HttpClientError, HttpRequest, HttpResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::scrub;
use super::{AuthError, Endpoints, OAuthApp, REQUIRED_SCOPES};

/// HubSpot's tokens live 30 minutes; a reply without `expires_in` is taken to mean that.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(1800);
/// Per token request: long enough for a slow network, short enough that a stuck call ends.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
