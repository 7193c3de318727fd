//! The HTTP surface: routes under HubSpot's v3 and dated paths, and the edge every API request
//! passes (faults, authentication, rate limits, counters and the request log).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use crate::control::{ControlSecret, LogEntry};
use crate::errors::ApiError;
use crate::faults::ConnectionFault;
use crate::object_type::ObjectType;
use crate::portal::Portal;
use crate::ratelimit::Admission;
use crate::routes;
use crate::routes::associations::PathStyle;

/// Longest request URI accepted; HubSpot answers 414 past roughly this (long `properties` lists
/// in a GET are the usual cause).
pub const MAX_URI_BYTES: usize = 8192;

#[derive(Clone)]
pub struct AppState {
    portal: Arc<Mutex<Portal>>,
    pub base_url: Arc<str>,
    /// The control API is mounted only when there is one.
    control_secret: Option<Arc<ControlSecret>>,
}

impl AppState {
    pub fn new(portal: Arc<Mutex<Portal>>, base_url: String, control_secret: Option<ControlSecret>) -> Self {
        AppState { portal, base_url: base_url.into(), control_secret: control_secret.map(Arc::new) }
    }

    /// Locks the portal. A handler that panicked mid-change leaves the lock poisoned; the
    /// portal's own invariants are kept per operation, so carrying on is safe.
    pub fn portal(&self) -> MutexGuard<'_, Portal> {
        self.portal.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RouteClass {
    /// `/__sandbox/*`: the test harness's; no faults, limits or counting.
    Control,
    /// The OAuth consent page, seen by a browser.
    Page,
    /// OAuth token endpoints: faults apply, bearer auth and rate limits don't.
    OAuthApi,
    /// CRM and account APIs: everything applies.
    Crm,
}

/// `control_mounted`: without the control API, its paths are unknown ones, answered as HubSpot
/// answers those (authentication first).
fn classify(path: &str, control_mounted: bool) -> RouteClass {
    if control_mounted && (path == "/__sandbox" || path.starts_with("/__sandbox/")) {
        RouteClass::Control
    } else if path.starts_with("/oauth/authorize") {
        RouteClass::Page
    } else if path.starts_with("/oauth/") {
        RouteClass::OAuthApi
    } else {
        RouteClass::Crm
    }
}

pub fn router(state: AppState, api_versions: &[String]) -> Router {
    let mut app = mount_objects(Router::new(), "/crm/v3/objects", "/crm/v3/properties")
        .nest("/crm/v3/owners", routes::meta::owners_router())
        .nest("/crm/v3/pipelines", routes::pipelines::router())
        .nest("/crm/v4/associations", routes::associations::batch_router(PathStyle::V4))
        .nest("/crm/v4/objects", routes::associations::record_router(PathStyle::V4))
        // The newer associations-schema spec's path for the labels list.
        .route("/crm/associations/v4/{fromObjectType}/{toObjectType}/labels", get(routes::associations::labels))
        .route("/account-info/v3/details", get(routes::meta::account_details))
        .route("/account-info/v3/api-usage/daily/private-apps", get(routes::meta::daily_usage))
        .route("/oauth/v1/token", post(routes::oauth::token))
        .route("/oauth/v3/token", post(routes::oauth::token))
        .route("/oauth/v1/access-tokens/{token}", get(routes::oauth::access_token_info))
        .route(
            "/oauth/v1/refresh-tokens/{token}",
            get(routes::oauth::refresh_token_info).delete(routes::oauth::delete_refresh_token),
        )
        .route("/oauth/v3/token/introspect", post(routes::oauth::introspect))
        .route("/oauth/v3/token/revoke", post(routes::oauth::revoke))
        .route("/oauth/authorize", get(routes::oauth::authorize_page).post(routes::oauth::authorize_decision));
    if state.control_secret.is_some() {
        app = app.nest("/__sandbox", crate::control::router());
    }
    for version in api_versions {
        app = mount_objects(app, &format!("/crm/objects/{version}"), &format!("/crm/properties/{version}"))
            .nest(&format!("/crm/owners/{version}"), routes::meta::owners_router())
            .nest(&format!("/crm/pipelines/{version}"), routes::pipelines::router())
            .nest(
                &format!("/crm/associations/{version}"),
                routes::associations::batch_router(PathStyle::dated(version)),
            )
            .nest(&format!("/crm/objects/{version}"), routes::associations::record_router(PathStyle::dated(version)))
            .route(&format!("/account-info/{version}/details"), get(routes::meta::account_details))
            .route(&format!("/oauth/{version}/token"), post(routes::oauth::token))
            .route(&format!("/oauth/{version}/token/introspect"), post(routes::oauth::introspect))
            .route(&format!("/oauth/{version}/token/revoke"), post(routes::oauth::revoke));
    }
    app.fallback(unknown_route)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(state.clone(), hubspot_edge))
        .with_state(state)
}

/// Every object type's records and properties under one API version's prefixes, by plural name
/// (`contacts`) and by type id (`0-1`), as HubSpot serves them.
fn mount_objects(mut app: Router<AppState>, objects: &str, properties: &str) -> Router<AppState> {
    for object in ObjectType::ALL {
        for name in [object.plural(), object.type_id()] {
            app = app
                .nest(&format!("{objects}/{name}"), routes::objects::router(object))
                .nest(&format!("{properties}/{name}"), routes::meta::properties_router(object));
        }
    }
    app
}

async fn unknown_route(uri: Uri) -> ApiError {
    ApiError::UnknownRoute(uri.path().to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// Marks a response whose connection the server must drop or cut short.
fn with_connection_fault(mut response: Response, fault: ConnectionFault) -> Response {
    response.extensions_mut().insert(fault);
    response
}

async fn hubspot_edge(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let class = classify(&path, app.control_secret.is_some());
    if let (RouteClass::Control, Some(secret)) = (class, app.control_secret.as_deref()) {
        return match crate::control::admit(secret, &req) {
            Ok(()) => next.run(req).await,
            Err(refused) => refused.into_response(),
        };
    }
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let query = req.uri().query().map(String::from);
    let uri_len = req.uri().to_string().len();
    let token = bearer(req.headers());

    let plan = if class == RouteClass::Page { Default::default() } else { app.portal().faults.roll(&path) };
    if let Some(latency) = plan.latency {
        tokio::time::sleep(latency).await;
    }
    let mut principal_kind = None;
    let mut response = if plan.drop_before {
        with_connection_fault(Response::new(Body::empty()), ConnectionFault::Drop)
    } else if let Some(error) = plan.replace.clone() {
        error.into_response()
    } else if uri_len > MAX_URI_BYTES {
        ApiError::UriTooLong.into_response()
    } else if class == RouteClass::Crm {
        let admitted = {
            let mut portal = app.portal();
            let now = portal.now();
            match portal.oauth.authenticate(token.as_deref(), now) {
                Err(e) => Err((e, None)),
                Ok(principal) => {
                    let offset = portal.info.utc_offset_minutes;
                    let is_search = path.ends_with("/search");
                    match portal.limits.admit(&principal, is_search, Instant::now(), now, offset) {
                        Admission::Allowed(headers) => Ok((principal, headers)),
                        Admission::Refused(policy, headers) => Err((ApiError::RateLimited(policy), headers)),
                    }
                }
            }
        };
        match admitted {
            Err((error, headers)) => {
                let mut response = error.into_response();
                add_rate_headers(&mut response, headers);
                response
            }
            Ok((principal, headers)) => {
                principal_kind = Some(principal.kind());
                req.extensions_mut().insert(principal);
                let mut response = next.run(req).await;
                add_rate_headers(&mut response, headers);
                response
            }
        }
    } else {
        next.run(req).await
    };
    if let Some(after) = plan.after {
        response = with_connection_fault(response, after);
    }

    let status = response.status().as_u16();
    let logged_path = match class {
        // Token paths carry secrets in the path: log the route template instead.
        RouteClass::OAuthApi => route.clone().unwrap_or_else(|| path.clone()),
        _ => path.clone(),
    };
    let logged_query = if class == RouteClass::Crm { query } else { None };
    let mut portal = app.portal();
    let at = portal.now();
    portal.counters.record(&method, route.as_deref().unwrap_or("(unknown route)"), status, plan.label().as_deref());
    portal.log.push(LogEntry {
        seq: 0,
        at: crate::properties::format_timestamp(at),
        method,
        path: logged_path,
        query: logged_query,
        route,
        status,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        fault: plan.label(),
        auth: principal_kind,
    });
    response
}

fn add_rate_headers(response: &mut Response, headers: Option<crate::ratelimit::RateHeaders>) {
    if let Some(headers) = headers {
        for (name, value) in headers.pairs() {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
    }
}

/// Parses a JSON body the way HubSpot reports bad input: a VALIDATION_ERROR naming the spot.
pub fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let text = if body.iter().all(u8::is_ascii_whitespace) { &b"{}"[..] } else { &body[..] };
    serde_json::from_slice(text).map_err(|e| {
        ApiError::Validation(format!("Invalid input JSON on line {}, column {}: {e}", e.line(), e.column()))
    })
}

/// Query parameters, with repeated keys kept (`properties=a&properties=b`).
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn from_uri(uri: &Uri) -> Result<Self, ApiError> {
        let raw = uri.query().unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
            .map(QueryParams)
            .map_err(|e| ApiError::Validation(format!("Invalid query string: {e}")))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// A non-negative number, or a VALIDATION_ERROR naming the parameter.
    pub fn number(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(raw) => raw.parse::<u64>().map(Some).map_err(|_| {
                ApiError::Validation(format!("Invalid value for {key}: {raw} is not a non-negative integer"))
            }),
        }
    }
}
