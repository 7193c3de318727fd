//! The HTTP client. A request is a value (`ApiRequest`); one `send` path waits for the portal's
//! rate limiter, takes a token from the client's `TokenSource`, sends, classifies what happened
//! and asks the retry policy what to do, so every call gets the same limits, retries, token
//! refresh and error reporting. Typed operations sit on top.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::base_url::{InsecureBaseUrl, check_base_url};
use crate::errors::{ErrorBody, describe_scopes};
use crate::models::{AccountDetails, BatchOutcome, Owner, Page, Property, Record};
use crate::objects::ObjectType;
use crate::ratelimit::{PortalLimiter, RateLimitSettings, SharedLimitsByPortal};
use crate::retry::{Outcome, RetryDecision, RetryPolicy};
use crate::secret::Secret;
use crate::token::{StaticToken, TokenSource};

/// Most inputs a batch takes.
pub const BATCH_LIMIT: usize = 100;

/// Which generation of paths to call: HubSpot's v3 paths, or a dated version (`2026-03`),
/// which replaces them from September 2027. One value decides it for every request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    V3,
    Dated(String),
}

impl ApiVersion {
    /// `/crm/v3/objects/companies`, `/crm/objects/2026-03/companies`.
    pub(crate) fn objects(&self, object: ObjectType) -> String {
        match self {
            ApiVersion::V3 => format!("/crm/v3/objects/{}", object.path_name()),
            ApiVersion::Dated(v) => format!("/crm/objects/{v}/{}", object.path_name()),
        }
    }

    /// `/crm/v3/properties/companies`, `/crm/properties/2026-03/companies`.
    pub(crate) fn properties_of(&self, object: ObjectType) -> String {
        match self {
            ApiVersion::V3 => format!("/crm/v3/properties/{}", object.path_name()),
            ApiVersion::Dated(v) => format!("/crm/properties/{v}/{}", object.path_name()),
        }
    }

    /// `/crm/v3/pipelines/deals`, `/crm/pipelines/2026-03/deals`.
    pub(crate) fn pipelines(&self, object: ObjectType) -> String {
        match self {
            ApiVersion::V3 => format!("/crm/v3/pipelines/{}", object.path_name()),
            ApiVersion::Dated(v) => format!("/crm/pipelines/{v}/{}", object.path_name()),
        }
    }

    /// The associations between two types: v4 beside the v3 paths (`/crm/v4/associations/
    /// contacts/companies`), the same dated version as every other path
    /// (`/crm/associations/2026-03/contacts/companies`). Batch operations and labels hang below.
    pub(crate) fn associations(&self, from: ObjectType, to: ObjectType) -> String {
        match self {
            ApiVersion::V3 => format!("/crm/v4/associations/{}/{}", from.path_name(), to.path_name()),
            ApiVersion::Dated(v) => format!("/crm/associations/{v}/{}/{}", from.path_name(), to.path_name()),
        }
    }

    fn owners(&self) -> String {
        match self {
            ApiVersion::V3 => "/crm/v3/owners".into(),
            ApiVersion::Dated(v) => format!("/crm/owners/{v}"),
        }
    }

    fn account_details(&self) -> String {
        match self {
            ApiVersion::V3 => "/account-info/v3/details".into(),
            ApiVersion::Dated(v) => format!("/account-info/{v}/details"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://api.hubapi.com`, or a sandbox's `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub version: ApiVersion,
    pub limits: RateLimitSettings,
    /// Per attempt.
    pub timeout: Duration,
    pub max_attempts: u32,
    /// The portal the token must answer for: before its first request the client reads the
    /// account details once, and every request fails with `WrongPortal` (none sent) if the
    /// token belongs to another portal. `None` for a connection being made, whose portal is
    /// what the checks find out.
    pub expected_portal: Option<u64>,
    /// The share of the portal's daily limit (percent) kept for its other apps: a request that
    /// would dip into it is refused unsent. `None`: the whole limit may be used.
    pub daily_reserve_percent: Option<u8>,
    /// Where each portal's windows are shared by every process using it (the lead store's rate
    /// ledger); the client moves onto its portal's once it knows the portal. `None`: its own.
    pub shared_limits: Option<Arc<dyn SharedLimitsByPortal>>,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, limits: RateLimitSettings) -> Self {
        ClientConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            version: ApiVersion::V3,
            limits,
            timeout: Duration::from_secs(30),
            max_attempts: 6,
            expected_portal: None,
            daily_reserve_percent: None,
            shared_limits: None,
        }
    }
}

/// Whether a failed request reached HubSpot: what a caller needs to know before sending a
/// write again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Certainly not sent (no connection).
    No,
    /// Possibly applied: the connection failed after the request went out.
    Maybe,
    /// HubSpot answered.
    Yes,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("HubSpot answered {status}: {message}")]
    Api { status: u16, body: Option<Box<ErrorBody>>, message: String },
    #[error("the portal's daily API limit is reached; the run can go on after the portal's midnight")]
    DailyLimit,
    /// What is left of the portal's daily limit is the share kept for its other apps: nothing
    /// was sent.
    #[error(
        "the portal has {remaining} of its {daily} API calls left today, the {reserve_percent} % kept free for its other apps; nothing was sent, and the run can go on after the portal's midnight or with a smaller reserve"
    )]
    DailyReserve { daily: u64, remaining: u64, reserve_percent: u8 },
    #[error("could not reach HubSpot at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("the connection to HubSpot failed after the request was sent ({detail}); it may have been applied")]
    Interrupted { detail: String },
    #[error("HubSpot's reply could not be read: {0}")]
    Decode(String),
    #[error("a batch takes at most {BATCH_LIMIT} inputs, got {0}")]
    BatchTooLarge(usize),
    /// The OAuth grant is gone (the app was uninstalled or its access revoked): no request can
    /// succeed until the admin connects the portal again, so none is sent.
    #[error("{message}")]
    ReconnectNeeded { message: String },
    /// The token answers for another portal than the one it is used for: nothing was sent.
    #[error(
        "this connection's token belongs to HubSpot portal {actual}, not to portal {expected}: nothing was read or written. Use a token of portal {expected}, or connect portal {actual} as a portal of its own"
    )]
    WrongPortal { expected: u64, actual: u64 },
    /// The portal's address would carry the token in plain text: no request was made.
    #[error(transparent)]
    InsecureBaseUrl(#[from] InsecureBaseUrl),
}

impl ClientError {
    pub fn sent(&self) -> Sent {
        match self {
            ClientError::Api { .. } | ClientError::DailyLimit | ClientError::Decode(_) => Sent::Yes,
            ClientError::Interrupted { .. } => Sent::Maybe,
            ClientError::Unreachable { .. }
            | ClientError::BatchTooLarge(_)
            | ClientError::ReconnectNeeded { .. }
            | ClientError::WrongPortal { .. }
            | ClientError::DailyReserve { .. }
            | ClientError::InsecureBaseUrl(_) => Sent::No,
        }
    }

    /// HubSpot's error category (VALIDATION_ERROR, CONFLICT, …) when it answered with one.
    pub fn category(&self) -> Option<&str> {
        match self {
            ClientError::Api { body, .. } => body.as_ref()?.category.as_deref(),
            _ => None,
        }
    }

    /// A stable code for the UI and `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Api { status: 401, .. } => "hubspot_unauthorized",
            ClientError::Api { .. } if self.missing_scopes().is_some() => "missing_scopes",
            ClientError::Api { status: 403, .. } => "hubspot_forbidden",
            ClientError::Api { status: 429, .. } => "hubspot_rate_limited",
            ClientError::Api { status: 500..=599, .. } => "hubspot_unavailable",
            ClientError::Api { .. } => "hubspot_rejected",
            ClientError::DailyLimit => "hubspot_daily_limit",
            ClientError::DailyReserve { .. } => "daily_reserve_reached",
            ClientError::Unreachable { .. } => "hubspot_unreachable",
            ClientError::Interrupted { .. } => "hubspot_interrupted",
            ClientError::Decode(_) => "hubspot_bad_reply",
            ClientError::BatchTooLarge(_) => "batch_too_large",
            ClientError::ReconnectNeeded { .. } => "reconnect_needed",
            ClientError::WrongPortal { .. } => "wrong_portal",
            ClientError::InsecureBaseUrl(_) => InsecureBaseUrl::CODE,
        }
    }

    /// The error a token source gives once HubSpot refused its refresh token.
    pub fn reconnect_needed() -> Self {
        ClientError::ReconnectNeeded {
            message: "HubSpot no longer accepts this connection's refresh token (the app was uninstalled or its \
                      access revoked): reconnect the portal"
                .into(),
        }
    }

    /// The scopes HubSpot named when it refused a call for a scope the token lacks (a 403
    /// `MISSING_SCOPES`; any one of them would do), or `None` for any other error.
    pub fn missing_scopes(&self) -> Option<Vec<String>> {
        match self {
            ClientError::Api { status: 403, body: Some(body), .. }
                if body.category.as_deref() == Some("MISSING_SCOPES") =>
            {
                Some(body.missing_scopes())
            }
            _ => None,
        }
    }

    /// The typed form of a 403 `MISSING_SCOPES`, or `None` for any other error.
    pub fn missing_scopes_error(&self) -> Option<MissingScopes> {
        let ClientError::Api { message, .. } = self else { return None };
        Some(MissingScopes { required: self.missing_scopes()?, message: message.clone() })
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// HubSpot's refusal of a call for a scope the token lacks (a 403 `MISSING_SCOPES`), whatever
/// the object: the scopes HubSpot named, any one of which would have done, and its words. Got
/// from any `ClientError` by `ClientError::missing_scopes_error`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("this portal's connection lacks {}", describe_scopes(&self.required))]
pub struct MissingScopes {
    /// Empty when HubSpot named none.
    pub required: Vec<String>,
    pub message: String,
}

impl MissingScopes {
    /// Whether `scope` is one HubSpot named.
    pub fn names(&self, scope: &str) -> bool {
        self.required.iter().any(|s| s == scope)
    }
}

/// One API call, as a value.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Search has its own limit and doesn't count against the rolling window.
    pub search: bool,
    /// Sending it twice has the effect of sending it once.
    pub idempotent: bool,
}

impl ApiRequest {
    pub fn get(path: String) -> Self {
        ApiRequest { method: Method::GET, path, query: Vec::new(), body: None, search: false, idempotent: true }
    }

    pub fn post(path: String, body: Value, idempotent: bool) -> Self {
        ApiRequest { method: Method::POST, path, query: Vec::new(), body: Some(body), search: false, idempotent }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }
}

/// What the last reply's `X-HubSpot-RateLimit-*` headers said (each may be absent: OAuth apps
/// get no daily figures).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RateLimitSeen {
    pub max: Option<u32>,
    pub remaining: Option<u32>,
    #[ts(type = "number | null")]
    pub interval_ms: Option<u64>,
    #[ts(type = "number | null")]
    pub daily: Option<u64>,
    #[ts(type = "number | null")]
    pub daily_remaining: Option<u64>,
}

impl RateLimitSeen {
    fn from_headers(headers: &HeaderMap) -> Self {
        RateLimitSeen {
            max: header_number(headers, "x-hubspot-ratelimit-max"),
            remaining: header_number(headers, "x-hubspot-ratelimit-remaining"),
            interval_ms: header_number(headers, "x-hubspot-ratelimit-interval-milliseconds"),
            daily: header_number(headers, "x-hubspot-ratelimit-daily"),
            daily_remaining: header_number(headers, "x-hubspot-ratelimit-daily-remaining"),
        }
    }
}

/// A successful reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// An earlier attempt of this request failed after it went out, so it may have landed
    /// before this answer: an upsert's "not new" may be that attempt's own contact.
    pub resent: bool,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body).map_err(|e| ClientError::Decode(e.to_string()))
    }
}

pub struct HubSpotClient {
    http: reqwest::Client,
    config: ClientConfig,
    tokens: Arc<dyn TokenSource>,
    limiter: Arc<PortalLimiter>,
    calls: AtomicU64,
    seen: std::sync::Mutex<RateLimitSeen>,
    /// The portal the token answers for, once the account details said.
    portal: tokio::sync::OnceCell<u64>,
    /// The account details as last read (by the portal check or `account_details`).
    details: std::sync::Mutex<Option<AccountDetails>>,
}

/// An error's message with the causes under it (reqwest's "error sending request" and then
/// "connection refused", a DNS failure, a timeout), so the admin sees the actual cause.
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers.get("retry-after")?.to_str().ok()?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn header_number<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl HubSpotClient {
    /// A client for one portal with a token that never changes (a private app's). `limiter` is
    /// shared by every client of that portal.
    pub fn new(config: ClientConfig, token: Secret, limiter: Arc<PortalLimiter>) -> Result<Self, ClientError> {
        Self::with_token_source(config, Arc::new(StaticToken(token)), limiter)
    }

    /// A client whose tokens come from `tokens` (an OAuth session that refreshes them). Its
    /// base URL must pass `check_base_url`: the one place every client, new or saved, is made.
    pub fn with_token_source(
        mut config: ClientConfig,
        tokens: Arc<dyn TokenSource>,
        limiter: Arc<PortalLimiter>,
    ) -> Result<Self, ClientError> {
        config.base_url = check_base_url(&config.base_url)?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("hubsync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Unreachable { url: config.base_url.clone(), detail: e.to_string() })?;
        Ok(HubSpotClient {
            http,
            config,
            tokens,
            limiter,
            calls: AtomicU64::new(0),
            seen: Default::default(),
            portal: tokio::sync::OnceCell::new(),
            details: std::sync::Mutex::new(None),
        })
    }

    /// Refuses, unsent, a request that would dip into the share of the daily limit kept for
    /// the portal's other apps, as the last reply of any process using the portal stated it.
    async fn check_daily_reserve(&self) -> Result<(), ClientError> {
        let Some(reserve_percent) = self.config.daily_reserve_percent.filter(|p| *p > 0) else { return Ok(()) };
        let Some((daily, remaining)) = self.limiter.daily_left().await else { return Ok(()) };
        if remaining.saturating_mul(100) <= daily.saturating_mul(u64::from(reserve_percent)) {
            return Err(ClientError::DailyReserve { daily, remaining, reserve_percent });
        }
        Ok(())
    }

    /// API calls made so far, retries included.
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The rate-limit headers of the last reply that had any.
    pub fn rate_limit_seen(&self) -> RateLimitSeen {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Requests the portal's rolling window admits (learned from headers once a reply had them).
    pub async fn window_capacity(&self) -> u32 {
        self.limiter.capacity().await
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The account details this client has read already (its portal check reads them), without
    /// asking again: `None` before any read.
    pub fn known_account_details(&self) -> Option<AccountDetails> {
        self.details.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The portal this client's token answers for, from the account details: asked once per
    /// client (a token's portal does not change; an OAuth session refreshes within its grant).
    pub async fn portal_id(&self) -> Result<u64, ClientError> {
        self.portal.get_or_try_init(|| async { Ok(self.fetch_account_details().await?.portal_id) }).await.copied()
    }

    /// Refuses, before anything is sent, a client whose token answers for another portal than
    /// `expected`.
    pub async fn ensure_portal(&self, expected: u64) -> Result<(), ClientError> {
        let actual = self.portal_id().await?;
        if actual == expected { Ok(()) } else { Err(ClientError::WrongPortal { expected, actual }) }
    }

    pub async fn send(&self, request: &ApiRequest) -> Result<Reply, ClientError> {
        // A client bound to a portal proves its token's portal before its first request.
        if let Some(expected) = self.config.expected_portal {
            self.ensure_portal(expected).await?;
        }
        self.send_unchecked(request).await
    }

    /// `send` without the portal check: the account details, which are that check.
    async fn send_unchecked(&self, request: &ApiRequest) -> Result<Reply, ClientError> {
        let url = format!("{}{}", self.config.base_url, request.path);
        let policy = RetryPolicy {
            max_attempts: self.config.max_attempts,
            idempotent: request.idempotent,
            window: self.config.limits.window,
        };
        let mut attempt = 0;
        // A 401 gets one fresh token and one more try per request, outside the retry budget:
        // refreshing on every 401 would loop forever on a token HubSpot keeps refusing.
        let mut refreshed_after_401 = false;
        let mut maybe_landed = false;
        loop {
            attempt += 1;
            self.check_daily_reserve().await?;
            let slot = if request.search { self.limiter.acquire_search().await } else { self.limiter.acquire().await };
            // After the limiter's wait, so the token is as fresh as it can be.
            let token = match self.tokens.access_token().await {
                Ok(token) => token,
                Err(error) => {
                    self.limiter.replied(slot).await;
                    return Err(error);
                }
            };
            self.calls.fetch_add(1, Ordering::Relaxed);
            let mut builder = self.http.request(request.method.clone(), &url).bearer_auth(token.expose());
            if !request.query.is_empty() {
                builder = builder.query(&request.query);
            }
            if let Some(body) = &request.body {
                builder = builder.json(body);
            }
            let sent = builder.send().await;
            self.limiter.replied(slot).await;
            let (error, retry_after) = match sent {
                Err(e) if e.is_connect() => {
                    (ClientError::Unreachable { url: url.clone(), detail: with_causes(&e) }, None)
                }
                Err(e) => (ClientError::Interrupted { detail: with_causes(&e) }, None),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    if !request.search {
                        let seen = RateLimitSeen::from_headers(&headers);
                        self.limiter.learn(&seen).await;
                        if seen != RateLimitSeen::default() {
                            *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = seen;
                        }
                    }
                    match response.bytes().await {
                        Err(e) => (ClientError::Interrupted { detail: e.to_string() }, None),
                        Ok(bytes) if (200..300).contains(&status) => {
                            return Ok(Reply { status, body: bytes.to_vec(), resent: maybe_landed });
                        }
                        Ok(bytes) => {
                            let body = ErrorBody::parse(&bytes);
                            let message = body.as_ref().and_then(|b| b.message.clone()).unwrap_or_else(|| {
                                String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).trim().to_string()
                            });
                            (ClientError::Api { status, body: body.map(Box::new), message }, retry_after(&headers))
                        }
                    }
                }
            };
            if error.status() == Some(401) && !refreshed_after_401 {
                refreshed_after_401 = true;
                if self.tokens.rejected(&token).await? {
                    tracing::debug!(path = %request.path, "HubSpot refused the access token; trying once with a new one");
                    attempt -= 1;
                    continue;
                }
            }
            let outcome = match &error {
                ClientError::Api { status, body, .. } => {
                    Outcome::Answered { status: *status, body: body.as_deref(), retry_after }
                }
                ClientError::Unreachable { .. } => Outcome::NotSent,
                _ => Outcome::MaybeSent,
            };
            maybe_landed |= matches!(outcome, Outcome::MaybeSent);
            match policy.decide(&outcome, attempt, rand::random::<f64>()) {
                RetryDecision::Retry { after } => {
                    tracing::debug!(path = %request.path, attempt, ?after, %error, "retrying");
                    tokio::time::sleep(after).await;
                }
                RetryDecision::StopDaily => return Err(ClientError::DailyLimit),
                RetryDecision::DontRetry => return Err(error),
            }
        }
    }

    // ---- typed operations ----

    /// Every contact property (no paging on this endpoint).
    pub async fn properties(&self) -> Result<Vec<Property>, ClientError> {
        self.object_properties(ObjectType::Contacts).await
    }

    /// All owners, active ones or (with `archived`) deactivated ones, every page.
    pub async fn owners(&self, archived: bool) -> Result<Vec<Owner>, ClientError> {
        let mut owners = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut request = ApiRequest::get(self.config.version.owners()).query("limit", "100");
            if archived {
                request = request.query("archived", "true");
            }
            if let Some(a) = &after {
                request = request.query("after", a.clone());
            }
            let page: Page<Owner> = self.send(&request).await?.json()?;
            after = page.next_after().map(String::from);
            owners.extend(page.results);
            if after.is_none() {
                return Ok(owners);
            }
        }
    }

    /// The portal's details, read now. A client bound to a portal refuses them with
    /// `WrongPortal` when the token answers for another one.
    pub async fn account_details(&self) -> Result<AccountDetails, ClientError> {
        let details = self.fetch_account_details().await?;
        let _ = self.portal.set(details.portal_id);
        match self.config.expected_portal {
            Some(expected) if expected != details.portal_id => {
                Err(ClientError::WrongPortal { expected, actual: details.portal_id })
            }
            _ => Ok(details),
        }
    }

    async fn fetch_account_details(&self) -> Result<AccountDetails, ClientError> {
        let details: AccountDetails =
            self.send_unchecked(&ApiRequest::get(self.config.version.account_details())).await?.json()?;
        // A connection being made learns its portal here: from now on it counts in the portal's
        // shared windows, with what it sent so far.
        if let Some(by_portal) = self.config.shared_limits.as_ref().filter(|_| !self.limiter.is_shared())
            && let Some(shared) = by_portal.for_portal(details.portal_id)
        {
            self.limiter.share(shared).await;
        }
        *self.details.lock().unwrap_or_else(|e| e.into_inner()) = Some(details.clone());
        Ok(details)
    }

    /// One page of the contacts list (no 10,000 cap, unlike search), of up to `limit` (at most
    /// 100) contacts.
    pub async fn list_contacts(
        &self,
        limit: u32,
        after: Option<&str>,
        properties: &[String],
    ) -> Result<Page<Record>, ClientError> {
        self.list_objects(ObjectType::Contacts, limit, after, properties).await
    }

    /// Reads up to 100 contacts by id, or by email with `by_email`. Missing ones come back in
    /// `errors` (a 207), never as a failure of the whole call.
    pub async fn batch_read(
        &self,
        keys: &[String],
        by_email: bool,
        properties: &[String],
    ) -> Result<BatchOutcome, ClientError> {
        let id_property = if by_email { Some("email") } else { None };
        self.batch_read_objects(ObjectType::Contacts, keys, id_property, properties).await
    }

    /// Updates up to 100 contacts by record id.
    pub async fn batch_update(
        &self,
        inputs: &[(String, BTreeMap<String, String>)],
    ) -> Result<BatchOutcome, ClientError> {
        self.batch_update_objects(ObjectType::Contacts, inputs).await
    }

    /// Creates or updates up to 100 contacts by email; results say which were `new`. Safe to
    /// resend: the email is unique, so a repeat can't make a second contact.
    pub async fn batch_upsert_by_email(
        &self,
        inputs: &[(String, BTreeMap<String, String>)],
    ) -> Result<BatchOutcome, ClientError> {
        let inputs = inputs
            .iter()
            .map(|(email, properties)| json!({ "id": email, "idProperty": "email", "properties": properties }))
            .collect();
        self.object_batch(ObjectType::Contacts, "upsert", inputs, json!({}), true).await
    }

    /// Creates up to 100 contacts, each tagged with a trace id so a 207 says which input failed.
    pub async fn batch_create(
        &self,
        inputs: &[(String, BTreeMap<String, String>)],
    ) -> Result<BatchOutcome, ClientError> {
        self.batch_create_objects(ObjectType::Contacts, inputs).await
    }

    /// Archives up to 100 contacts by record id. HubSpot answers 204 with no body, ignoring ids
    /// it doesn't have (or has archived already), so resending is safe.
    pub async fn batch_archive(&self, ids: &[String]) -> Result<(), ClientError> {
        self.batch_archive_objects(ObjectType::Contacts, ids).await
    }

    /// One search page. `body` is HubSpot's search request.
    pub async fn search(&self, body: Value) -> Result<Page<Record>, ClientError> {
        self.search_objects(ObjectType::Contacts, body).await
    }
}

pub(crate) fn check_batch(len: usize) -> Result<(), ClientError> {
    if len > BATCH_LIMIT { Err(ClientError::BatchTooLarge(len)) } else { Ok(()) }
}
