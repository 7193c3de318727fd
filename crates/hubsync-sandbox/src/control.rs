//! The control API under `/__sandbox/` (not part of HubSpot's surface): tests and benchmarks
//! reset the portal, load fixtures, set faults and limits, move the clock, and read counters and
//! the request log here. It is mounted only in a sandbox started with a `ControlSecret`, and
//! `admit` lets through only requests that carry it, name a loopback host and send JSON: any web
//! page can make a browser send a "simple" cross-origin POST to 127.0.0.1, and a DNS-rebinding
//! page can read the replies.

use std::collections::{BTreeMap, VecDeque};

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::app::{AppState, QueryParams, parse_json};
use crate::config::{ApiTier, LifecycleBackward};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::faults::FaultConfig;
use crate::fixture::Fixture;
use crate::object_type::{ByType, ObjectType};
use crate::portal::Portal;
use crate::store::RecordStore;

/// How many requests the log keeps; older ones drop off.
pub const LOG_CAPACITY: usize = 100_000;

/// The header every control request carries the sandbox's `ControlSecret` in.
pub const CONTROL_SECRET_HEADER: &str = "X-Hubsync-Sandbox-Secret";

/// The secret that opens a sandbox's control API. Redacted when printed.
#[derive(Clone)]
pub struct ControlSecret(String);

impl ControlSecret {
    /// 32 random bytes (a CSPRNG seeded by the OS), as 64 hex digits.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        ControlSecret(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares digests, so the time taken says nothing of the secret's length or of how much of
    /// it `given` got right.
    fn matches(&self, given: &[u8]) -> bool {
        let (expected, given) = (Sha256::digest(self.0.as_bytes()), Sha256::digest(given));
        let difference = expected.iter().zip(given.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }
}

impl std::fmt::Debug for ControlSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ControlSecret([redacted])")
    }
}

/// Lets a control request through, or says why not: a Host that is not loopback (a DNS-rebinding
/// page's), no or another secret, or a body that is not declared JSON (a web page's "simple"
/// POST, which also may have no body at all: so every POST, PUT and PATCH must declare JSON).
pub fn admit(secret: &ControlSecret, request: &Request) -> Result<(), ApiError> {
    let headers = request.headers();
    let host = headers.get(header::HOST).map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned());
    if !host.as_deref().is_some_and(is_loopback_host) {
        return Err(ApiError::ControlHostNotLoopback(host.unwrap_or_default()));
    }
    let given = headers.get(CONTROL_SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !secret.matches(given) {
        return Err(ApiError::ControlSecretRequired);
    }
    let writes = matches!(*request.method(), Method::POST | Method::PUT | Method::PATCH);
    if (writes || has_body(headers)) && !declares_json(headers) {
        let declared = headers.get(header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        return Err(ApiError::ControlJsonRequired(declared));
    }
    Ok(())
}

/// 127.0.0.1, [::1] or localhost, with any port or none.
fn is_loopback_host(host: &str) -> bool {
    let (name, port) = match host.rfind(':') {
        // The colons of "[::1]" are inside its brackets; a port comes after them.
        Some(at) if !host[at..].contains(']') => (&host[..at], Some(&host[at + 1..])),
        _ => (host, None),
    };
    let port_ok = port.is_none_or(|port| (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit()));
    port_ok && matches!(name.to_ascii_lowercase().as_str(), "127.0.0.1" | "[::1]" | "localhost")
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|length| length.trim() != "0")
}

fn declares_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub total_requests: u64,
    /// By `METHOD route-template`, e.g. `POST /crm/v3/objects/contacts/batch/read`.
    pub requests: BTreeMap<String, u64>,
    pub statuses: BTreeMap<u16, u64>,
    /// 429s served, whatever the limit (or a fault) behind them.
    pub rate_limited: u64,
    pub faults: BTreeMap<String, u64>,
    pub records_created: u64,
    pub records_updated: u64,
    pub records_archived: u64,
}

impl Counters {
    pub fn record(&mut self, method: &str, route: &str, status: u16, fault: Option<&str>) {
        self.total_requests += 1;
        *self.requests.entry(format!("{method} {route}")).or_default() += 1;
        *self.statuses.entry(status).or_default() += 1;
        if status == 429 {
            self.rate_limited += 1;
        }
        if let Some(fault) = fault {
            *self.faults.entry(fault.to_string()).or_default() += 1;
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub seq: u64,
    pub at: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub route: Option<String>,
    pub status: u16,
    pub duration_ms: f64,
    pub fault: Option<String>,
    /// `oauth` or `private`: which kind of token was used (never the token).
    pub auth: Option<&'static str>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<LogEntry>,
    next_seq: u64,
}

impl RequestLog {
    pub fn push(&mut self, mut entry: LogEntry) {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn since(&self, seq: u64) -> impl Iterator<Item = &LogEntry> {
        self.entries.iter().filter(move |e| e.seq > seq)
    }

    pub fn last_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/reset", post(reset))
        .route("/fixture", post(load_fixture))
        .route("/faults", get(get_faults).put(put_faults))
        .route("/counters", get(get_counters).delete(reset_counters))
        .route("/requests", get(get_requests).delete(clear_requests))
        .route("/clock", get(get_clock).post(advance_clock))
        .route("/rate-limits", get(get_limits).put(put_limits))
        .route("/settings", get(get_settings).put(put_settings))
        .route("/contacts", get(dump_contacts))
        .route("/companies", get(dump_companies))
        .route("/deals", get(dump_deals))
        .route("/associations", get(dump_associations))
        .route("/pipelines/deals", put(put_deal_pipeline))
        .route("/oauth/revoke-refresh-tokens", post(revoke_refresh_tokens))
        .route("/oauth/expire-access-tokens", post(expire_access_tokens))
}

/// Live records of each type, by plural name: `{contacts, companies, deals}`.
fn record_counts(portal: &Portal) -> serde_json::Map<String, Value> {
    ObjectType::ALL.into_iter().map(|t| (t.plural().to_string(), json!(portal.store(t).live_count()))).collect()
}

async fn health(State(app): State<AppState>) -> Response {
    let portal = app.portal();
    let mut body = record_counts(&portal);
    body.insert("ok".into(), json!(true));
    body.insert("portalId".into(), json!(portal.info.portal_id));
    json_response(StatusCode::OK, &Value::Object(body))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetBody {
    seed: Option<u64>,
    seed_contacts: Option<usize>,
}

/// Puts the portal back to its starting data (or newly generated data), with counters, the log,
/// limits, faults and the clock cleared. OAuth apps and tokens stay.
async fn reset(State(app): State<AppState>, body: Bytes) -> ApiResult {
    let body: ResetBody = parse_json(&body)?;
    let mut portal = app.portal();
    if let Some(seed) = body.seed {
        portal.config.seed = seed;
    }
    if let Some(count) = body.seed_contacts {
        portal.config.seed_contacts = count;
    }
    crate::reset_portal(&mut portal).map_err(ApiError::Validation)?;
    Ok(json_response(StatusCode::OK, &Value::Object(record_counts(&portal))))
}

/// Adds a fixture's records to the portal (`?replace=true` empties contacts, companies, deals,
/// owners and associations first).
async fn load_fixture(State(app): State<AppState>, uri: Uri, body: Bytes) -> ApiResult {
    let replace = QueryParams::from_uri(&uri)?.flag("replace");
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::Validation("fixture is not UTF-8".into()))?;
    let fixture = Fixture::from_json(text).map_err(ApiError::Validation)?;
    let mut portal = app.portal();
    // With replace, the old records come back if the fixture is refused.
    let previous = replace.then(|| {
        let emptied = ByType::from_fn(RecordStore::new);
        (
            std::mem::replace(&mut portal.records, emptied),
            std::mem::take(&mut portal.owners),
            std::mem::take(&mut portal.associations),
        )
    });
    if let Err(e) = crate::fixture::apply(&mut portal, &fixture) {
        if let Some((records, owners, associations)) = previous {
            portal.records = records;
            portal.owners = owners;
            portal.associations = associations;
        }
        return Err(ApiError::Validation(e));
    }
    crate::persist_everything(&mut portal).map_err(ApiError::Validation)?;
    let mut body = record_counts(&portal);
    body.insert("owners".into(), json!(portal.owners.len()));
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

async fn get_faults(State(app): State<AppState>) -> Response {
    json_response(StatusCode::OK, &serde_json::to_value(&app.portal().faults.config).expect("serializes"))
}

/// The body is a fault configuration, plus an optional `seed` that restarts the fault dice for a
/// repeatable sequence from here on.
async fn put_faults(State(app): State<AppState>, body: Bytes) -> ApiResult {
    let mut body: serde_json::Map<String, Value> = parse_json(&body)?;
    let seed = match body.remove("seed") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64().ok_or_else(|| ApiError::Validation(format!("seed must be a non-negative integer, got {v}")))?,
        ),
    };
    let config: FaultConfig = serde_json::from_value(Value::Object(body))
        .map_err(|e| ApiError::Validation(format!("Invalid fault configuration: {e}")))?;
    config.validate().map_err(ApiError::Validation)?;
    let mut portal = app.portal();
    portal.faults.config = config;
    if let Some(seed) = seed {
        portal.faults.reseed(seed);
    }
    Ok(json_response(StatusCode::OK, &serde_json::to_value(&portal.faults.config).expect("serializes")))
}

async fn get_counters(State(app): State<AppState>) -> Response {
    json_response(StatusCode::OK, &serde_json::to_value(&app.portal().counters).expect("serializes"))
}

async fn reset_counters(State(app): State<AppState>) -> Response {
    app.portal().counters = Counters::default();
    StatusCode::NO_CONTENT.into_response()
}

async fn get_requests(State(app): State<AppState>, uri: Uri) -> ApiResult {
    let since = QueryParams::from_uri(&uri)?.number("since")?.unwrap_or(0);
    let portal = app.portal();
    let entries: Vec<&LogEntry> = portal.log.since(since).collect();
    Ok(json_response(StatusCode::OK, &json!({ "entries": entries, "lastSeq": portal.log.last_seq() })))
}

async fn clear_requests(State(app): State<AppState>) -> Response {
    app.portal().log.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn get_clock(State(app): State<AppState>) -> Response {
    let now = app.portal().now();
    json_response(StatusCode::OK, &json!({ "now": crate::properties::format_timestamp(now) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockBody {
    advance_seconds: i64,
}

/// Moves the portal's clock forward: tokens expire and the daily limit resets without waiting.
async fn advance_clock(State(app): State<AppState>, body: Bytes) -> ApiResult {
    let body: ClockBody = parse_json(&body)?;
    if body.advance_seconds < 0 {
        return Err(ApiError::Validation("advanceSeconds must not be negative: the clock only moves forward".into()));
    }
    let mut portal = app.portal();
    portal.clock.advance(chrono::Duration::seconds(body.advance_seconds));
    let now = portal.now();
    Ok(json_response(StatusCode::OK, &json!({ "now": crate::properties::format_timestamp(now) })))
}

fn limits_json(portal: &crate::portal::Portal) -> Value {
    json!({
        "enabled": portal.limits.enabled,
        "tier": portal.limits.tier,
        "dailyLimit": portal.limits.tier.daily_limit(),
        "dailyUsed": portal.limits.daily_used(),
    })
}

async fn get_limits(State(app): State<AppState>) -> Response {
    json_response(StatusCode::OK, &limits_json(&app.portal()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LimitsBody {
    enabled: Option<bool>,
    tier: Option<ApiTier>,
    /// Calls already made today; set it near the daily limit to reach the cap mid-run.
    daily_used: Option<u64>,
    /// Forget the current windows.
    #[serde(default)]
    reset_windows: bool,
}

async fn put_limits(State(app): State<AppState>, body: Bytes) -> ApiResult {
    let body: LimitsBody = parse_json(&body)?;
    let mut portal = app.portal();
    if body.reset_windows {
        portal.limits.reset();
    }
    if let Some(enabled) = body.enabled {
        portal.limits.enabled = enabled;
    }
    if let Some(tier) = body.tier {
        portal.limits.tier = tier;
    }
    if let Some(used) = body.daily_used {
        let (now, offset) = (portal.now(), portal.info.utc_offset_minutes);
        portal.limits.set_daily_used(used, now, offset);
    }
    Ok(json_response(StatusCode::OK, &limits_json(&portal)))
}

fn settings_json(portal: &crate::portal::Portal) -> Value {
    let c = &portal.config;
    json!({
        "searchVisibilityDelayMs": c.search_visibility_delay_ms,
        "lifecycleBackward": c.lifecycle_backward,
        "oauthAutoApprove": c.oauth_auto_approve,
        "oauthDenyRedirects": c.oauth_deny_redirects,
        "accessTokenTtlSecs": portal.oauth.access_ttl_secs,
    })
}

async fn get_settings(State(app): State<AppState>) -> Response {
    json_response(StatusCode::OK, &settings_json(&app.portal()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsBody {
    search_visibility_delay_ms: Option<u64>,
    lifecycle_backward: Option<LifecycleBackward>,
    oauth_auto_approve: Option<bool>,
    oauth_deny_redirects: Option<bool>,
    access_token_ttl_secs: Option<u64>,
}

async fn put_settings(State(app): State<AppState>, body: Bytes) -> ApiResult {
    let body: SettingsBody = parse_json(&body)?;
    let mut portal = app.portal();
    if let Some(v) = body.search_visibility_delay_ms {
        portal.config.search_visibility_delay_ms = v;
    }
    if let Some(v) = body.lifecycle_backward {
        portal.config.lifecycle_backward = v;
    }
    if let Some(v) = body.oauth_auto_approve {
        portal.config.oauth_auto_approve = v;
    }
    if let Some(v) = body.oauth_deny_redirects {
        portal.config.oauth_deny_redirects = v;
    }
    if let Some(v) = body.access_token_ttl_secs {
        portal.oauth.access_ttl_secs = v;
    }
    Ok(json_response(StatusCode::OK, &settings_json(&portal)))
}

/// Every record of a type with every stored property, archived ones included: what tests
/// compare the app's store against.
fn dump(app: &AppState, object: ObjectType) -> Response {
    let portal = app.portal();
    let records: Vec<Value> = portal.store(object).iter().map(|r| r.to_json(&r.full_selection())).collect();
    json_response(StatusCode::OK, &json!({ "results": records }))
}

async fn dump_contacts(State(app): State<AppState>) -> Response {
    dump(&app, ObjectType::Contact)
}

async fn dump_companies(State(app): State<AppState>) -> Response {
    dump(&app, ObjectType::Company)
}

async fn dump_deals(State(app): State<AppState>) -> Response {
    dump(&app, ObjectType::Deal)
}

/// Every association as the store keeps it (each pair once, archived records included):
/// `{results:[{first:{objectType, id}, second:{objectType, id}, primary}]}`, the first record
/// being of the smaller type (contacts, companies, deals).
async fn dump_associations(State(app): State<AppState>) -> Response {
    let portal = app.portal();
    let side = |(t, id): crate::associations::RecordRef| json!({ "objectType": t.plural(), "id": id.to_string() });
    let results: Vec<Value> = portal
        .associations
        .iter()
        .map(|a| json!({ "first": side(a.first), "second": side(a.second), "primary": a.primary }))
        .collect();
    json_response(StatusCode::OK, &json!({ "results": results }))
}

/// Adds a deal pipeline or replaces the one with its id (HubSpot's Pipeline shape; times,
/// archive flags and write permissions optional). Answers the stored pipeline.
async fn put_deal_pipeline(State(app): State<AppState>, body: Bytes) -> ApiResult {
    let input: crate::pipelines::PipelineInput = parse_json(&body)?;
    let mut portal = app.portal();
    let now = portal.now();
    let stored = portal.deal_pipelines.put(&input, now).map_err(ApiError::Validation)?.clone();
    if let Some(persist) = &mut portal.persist {
        persist.save_deal_pipeline(&stored);
    }
    Ok(json_response(StatusCode::OK, &stored.to_json()))
}

async fn revoke_refresh_tokens(State(app): State<AppState>) -> Response {
    let revoked = app.portal().oauth.revoke_all_refresh();
    json_response(StatusCode::OK, &json!({ "revoked": revoked }))
}

async fn expire_access_tokens(State(app): State<AppState>) -> Response {
    let mut portal = app.portal();
    let now = portal.now();
    let expired = portal.oauth.expire_all_access(now);
    json_response(StatusCode::OK, &json!({ "expired": expired }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_the_three_names_with_any_port() {
        for host in ["127.0.0.1", "127.0.0.1:4010", "localhost", "LOCALHOST:1", "[::1]", "[::1]:4010"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:4010",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "127.0.0.2:4010",
            "::1",
            "[::2]:4010",
            "user@127.0.0.1",
            "127.0.0.1:port",
            "0.0.0.0:4010",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn only_the_secret_itself_matches() {
        let secret = ControlSecret::generate();
        assert_eq!(secret.expose().len(), 64);
        assert!(secret.matches(secret.expose().as_bytes()));
        assert!(!secret.matches(b""));
        assert!(!secret.matches(&secret.expose().as_bytes()[..63]));
        assert!(!secret.matches(ControlSecret::generate().expose().as_bytes()), "each start gets its own");
        assert_eq!(format!("{secret:?}"), "ControlSecret([redacted])");
    }
}
