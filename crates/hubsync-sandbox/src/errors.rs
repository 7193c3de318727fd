//! HubSpot's error replies, down to their bodies: every failure the sandbox serves goes through
//! here so clients see the same shapes as from the real API.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::control::CONTROL_SECRET_HEADER;
use crate::object_type::ObjectType;
use crate::properties::PropertyValueError;

/// A random UUID (v4 layout) for `correlationId` / `requestId`.
pub fn new_uuid() -> String {
    let bits: u128 = rand::random();
    let b = bits.to_be_bytes();
    let mut b = b;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The limit a 429 reports in `policyName`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatePolicy {
    TenSecondlyRolling,
    Secondly,
    Daily,
}

impl RatePolicy {
    pub fn name(self) -> &'static str {
        match self {
            RatePolicy::TenSecondlyRolling => "TEN_SECONDLY_ROLLING",
            RatePolicy::Secondly => "SECONDLY",
            RatePolicy::Daily => "DAILY",
        }
    }

    fn message(self) -> &'static str {
        match self {
            RatePolicy::TenSecondlyRolling => "You have reached your ten_secondly_rolling limit.",
            RatePolicy::Secondly => "You have reached your secondly limit.",
            RatePolicy::Daily => "You have reached your daily limit.",
        }
    }
}

#[derive(Debug, Clone)]
pub enum ApiError {
    /// 400 VALIDATION_ERROR with a plain message.
    Validation(String),
    /// 400 VALIDATION_ERROR listing rejected property values.
    PropertyValues {
        portal_id: u64,
        errors: Vec<PropertyValueError>,
    },
    /// 404 OBJECT_NOT_FOUND.
    NotFound,
    /// A path names an object type HubSpot doesn't have: 400 with no `category`, as HubSpot
    /// answers it.
    UnknownObjectType(String),
    /// An error with its own status, category, message and HubSpot's optional `subCategory`
    /// and `context` (associations and pipelines report theirs so).
    Detailed(Box<ErrorDetail>),
    /// 409 CONFLICT: another record holds a unique value of the write (a contact's email, a
    /// custom unique property).
    RecordExists {
        object: ObjectType,
        existing_id: u64,
    },
    /// 409: a property of this name exists already.
    PropertyExists(String),
    /// 401: the OAuth access token expired this many seconds ago.
    ExpiredAuthentication {
        seconds_ago: i64,
    },
    /// 401: no token, or one the portal doesn't know.
    InvalidAuthentication,
    /// 403: the token lacks these scopes.
    MissingScopes(Vec<String>),
    RateLimited(RatePolicy),
    /// 423, served by fault injection (HubSpot returns it when records are written too fast).
    Locked,
    /// 502 / 503 / 504 served by fault injection.
    Upstream(StatusCode),
    UriTooLong,
    MethodNotAllowed,
    UnknownRoute(String),
    /// 403 (control API): the request named this host, not a loopback one.
    ControlHostNotLoopback(String),
    /// 401 (control API): no control secret, or another.
    ControlSecretRequired,
    /// 415 (control API): a body not declared JSON (this content type, if any).
    ControlJsonRequired(Option<String>),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::PropertyValues { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound | ApiError::UnknownRoute(_) => StatusCode::NOT_FOUND,
            ApiError::UnknownObjectType(_) => StatusCode::BAD_REQUEST,
            ApiError::Detailed(detail) => detail.status,
            ApiError::RecordExists { .. } | ApiError::PropertyExists(_) => StatusCode::CONFLICT,
            ApiError::ExpiredAuthentication { .. } | ApiError::InvalidAuthentication => StatusCode::UNAUTHORIZED,
            ApiError::MissingScopes(_) => StatusCode::FORBIDDEN,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Locked => StatusCode::LOCKED,
            ApiError::Upstream(status) => *status,
            ApiError::UriTooLong => StatusCode::URI_TOO_LONG,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::ControlHostNotLoopback(_) => StatusCode::FORBIDDEN,
            ApiError::ControlSecretRequired => StatusCode::UNAUTHORIZED,
            ApiError::ControlJsonRequired(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    pub fn body(&self) -> Value {
        let correlation_id = new_uuid();
        match self {
            ApiError::Validation(message) => error_body(message, "VALIDATION_ERROR", &correlation_id),
            ApiError::PropertyValues { portal_id, errors } => {
                let list: Vec<Value> = errors.iter().map(|e| e.to_json(*portal_id)).collect();
                let message = format!(
                    "Property values were not valid: {}",
                    serde_json::to_string(&list).expect("JSON values serialize")
                );
                let mut body = error_body(&message, "VALIDATION_ERROR", &correlation_id);
                body["errors"] = Value::Array(
                    errors
                        .iter()
                        .map(|e| {
                            json!({
                                "message": e.message,
                                "code": e.code,
                                "context": { "propertyName": [e.name] },
                            })
                        })
                        .collect(),
                );
                body
            }
            ApiError::NotFound => error_body("resource not found", "OBJECT_NOT_FOUND", &correlation_id),
            ApiError::UnknownObjectType(name) => json!({
                "status": "error",
                "message": format!("Unable to infer object type from: {name}"),
                "correlationId": correlation_id,
            }),
            ApiError::Detailed(detail) => {
                let mut body = error_body(&detail.message, detail.category, &correlation_id);
                if let Some(sub_category) = detail.sub_category {
                    body["subCategory"] = json!(sub_category);
                }
                if !detail.context.is_null() {
                    body["context"] = detail.context.clone();
                }
                body
            }
            ApiError::UnknownRoute(path) => {
                error_body(&format!("Unable to find a route for {path}"), "OBJECT_NOT_FOUND", &correlation_id)
            }
            ApiError::RecordExists { object, existing_id } => error_body(
                &format!("{} already exists. Existing ID: {existing_id}", object.display_name()),
                "CONFLICT",
                &correlation_id,
            ),
            // The category of HubSpot's newer 409s; the message as its property docs word the rule.
            ApiError::PropertyExists(name) => {
                let mut body = error_body(
                    &format!("Property named '{name}' already exists."),
                    "OBJECT_ALREADY_EXISTS",
                    &correlation_id,
                );
                body["context"] = json!({ "name": [name] });
                body
            }
            ApiError::ExpiredAuthentication { seconds_ago } => {
                let mut body = error_body(
                    &format!("The OAuth token used to make this call expired {seconds_ago} second(s) ago."),
                    "EXPIRED_AUTHENTICATION",
                    &correlation_id,
                );
                body["links"] =
                    json!({ "oauth-token-refresh": "https://developers.hubspot.com/docs/api/oauth/tokens" });
                body
            }
            ApiError::InvalidAuthentication => error_body(
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
                &correlation_id,
            ),
            ApiError::MissingScopes(scopes) => {
                let mut body = error_body(
                    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
                    "MISSING_SCOPES",
                    &correlation_id,
                );
                body["errors"] = json!([{
                    "message": "One or more of the following scopes are required.",
                    "context": { "requiredGranularScopes": scopes },
                }]);
                body["links"] = json!({ "scopes": "https://developers.hubspot.com/scopes" });
                body
            }
            ApiError::RateLimited(policy) => json!({
                "status": "error",
                "message": policy.message(),
                "errorType": "RATE_LIMIT",
                "correlationId": correlation_id,
                "policyName": policy.name(),
                "requestId": new_uuid(),
            }),
            ApiError::Locked => error_body(
                "The resource is locked by another request. Please retry in a few seconds.",
                "LOCKED",
                &correlation_id,
            ),
            ApiError::Upstream(status) => error_body(
                &format!("The service is temporarily unavailable ({})", status.as_u16()),
                "INTERNAL_ERROR",
                &correlation_id,
            ),
            ApiError::UriTooLong => error_body("Request-URI Too Long", "VALIDATION_ERROR", &correlation_id),
            ApiError::MethodNotAllowed => error_body("HTTP method not allowed", "VALIDATION_ERROR", &correlation_id),
            ApiError::ControlHostNotLoopback(host) => error_body(
                &format!(
                    "The control API answers only requests addressed to 127.0.0.1, [::1] or localhost; this one \
                     named the host {host:?}. Call it at the address the sandbox printed."
                ),
                "CONTROL_HOST_NOT_LOOPBACK",
                &correlation_id,
            ),
            ApiError::ControlSecretRequired => error_body(
                &format!(
                    "The control API needs the secret the sandbox printed at start (\"control secret: …\") in the \
                     {CONTROL_SECRET_HEADER} header; this request had none, or another."
                ),
                "CONTROL_SECRET_REQUIRED",
                &correlation_id,
            ),
            ApiError::ControlJsonRequired(declared) => error_body(
                &format!(
                    "Control requests that send a body (every POST and PUT) must send JSON with Content-Type: \
                     application/json, {{}} when there is nothing to say; this one declared {}.",
                    declared.as_deref().map_or_else(|| "no content type".to_string(), |t| format!("{t:?}"))
                ),
                "CONTROL_JSON_REQUIRED",
                &correlation_id,
            ),
        }
    }
}

/// What an `ApiError::Detailed` says.
#[derive(Debug, Clone)]
pub struct ErrorDetail {
    pub status: StatusCode,
    pub category: &'static str,
    pub sub_category: Option<&'static str>,
    pub message: String,
    /// `{key: [values]}`, or `Value::Null` for none.
    pub context: Value,
}

impl ApiError {
    pub fn detailed(
        status: StatusCode,
        category: &'static str,
        sub_category: Option<&'static str>,
        message: impl Into<String>,
        context: Value,
    ) -> ApiError {
        ApiError::Detailed(Box::new(ErrorDetail { status, category, sub_category, message: message.into(), context }))
    }
}

pub fn error_body(message: &str, category: &str, correlation_id: &str) -> Value {
    json!({
        "status": "error",
        "message": message,
        "correlationId": correlation_id,
        "category": category,
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // HubSpot's edge answers gateway failures with an HTML page, not JSON: clients must cope.
        if let ApiError::Upstream(status) = &self
            && *status != StatusCode::SERVICE_UNAVAILABLE
        {
            let reason = status.canonical_reason().unwrap_or("Error");
            let html = format!(
                "<html><head><title>{code} {reason}</title></head><body><center><h1>{code} {reason}</h1></center></body></html>",
                code = status.as_u16()
            );
            let mut response = (*status, html).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            return response;
        }
        json_response(self.status(), &self.body())
    }
}

/// A JSON reply with HubSpot's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).expect("JSON values serialize");
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=utf-8"));
    response
}

pub type ApiResult<T = Response> = Result<T, ApiError>;
