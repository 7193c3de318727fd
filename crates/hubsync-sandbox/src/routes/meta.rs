//! Properties of every object type, owners and account information.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, OriginalUri, Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use chrono::{Duration, FixedOffset};
use serde_json::{Value, json};

use crate::app::{AppState, QueryParams, parse_json};
use crate::catalog::{NewProperty, NewPropertyError, new_definition};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::oauth::Principal;
use crate::object_type::ObjectType;
use crate::properties::{PropertyDef, format_timestamp};

pub const OWNERS_READ: &str = "crm.objects.owners.read";
pub const OWNERS_MAX_LIMIT: u64 = 500;

/// `/crm/v3/properties/{objectType}` for one object type: list, read one, create.
pub fn properties_router(object: ObjectType) -> Router<AppState> {
    Router::new()
        .route("/", get(list_properties).post(create_property))
        .route("/{propertyName}", get(read_property))
        .layer(Extension(object))
}

pub fn owners_router() -> Router<AppState> {
    Router::new().route("/", get(list_owners)).route("/{ownerId}", get(read_owner))
}

/// Properties are readable with the object's read scope or its schema scope.
fn require_schema_read(who: &Principal, object: ObjectType) -> Result<(), ApiError> {
    who.require_any(&[object.read_scope(), object.schema_read_scope()])
}

async fn list_properties(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    uri: Uri,
) -> ApiResult {
    require_schema_read(&who, object)?;
    let archived = QueryParams::from_uri(&uri)?.flag("archived");
    let portal = app.portal();
    let results: Vec<&PropertyDef> = portal.catalog(object).defs().iter().filter(|d| d.archived == archived).collect();
    Ok(json_response(StatusCode::OK, &json!({ "results": results })))
}

async fn read_property(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    Path(name): Path<String>,
) -> ApiResult {
    require_schema_read(&who, object)?;
    let portal = app.portal();
    let def = portal.property(object, &name).ok_or(ApiError::NotFound)?;
    Ok(json_response(StatusCode::OK, &serde_json::to_value(def).expect("serializes")))
}

/// Creates a custom property: 201 with its definition, 409 when the name is taken.
async fn create_property(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    body: Bytes,
) -> ApiResult {
    who.require(object.schema_write_scope())?;
    let request: NewProperty = parse_json(&body)?;
    let mut portal = app.portal();
    let now = format_timestamp(portal.now());
    let def = new_definition(portal.catalog(object), request, &now).map_err(|e| match e {
        NewPropertyError::Invalid(message) => ApiError::Validation(message),
        NewPropertyError::Exists(name) => ApiError::PropertyExists(name),
    })?;
    portal.catalogs.get_mut(object).put(def.clone());
    if let Some(persist) = &mut portal.persist {
        persist.save_property(object, &def);
    }
    Ok(json_response(StatusCode::CREATED, &serde_json::to_value(&def).expect("serializes")))
}

async fn list_owners(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult {
    who.require(OWNERS_READ)?;
    let q = QueryParams::from_uri(&uri)?;
    let limit = q.number("limit")?.unwrap_or(100);
    if limit == 0 || limit > OWNERS_MAX_LIMIT {
        return Err(ApiError::Validation(format!("limit must be between 1 and {OWNERS_MAX_LIMIT}, got {limit}")));
    }
    let after = q.number("after")?.unwrap_or(0) as usize;
    let archived = q.flag("archived");
    let email = q.get("email").map(str::to_lowercase);
    let portal = app.portal();
    let matching: Vec<&crate::model::Owner> = portal
        .owners
        .iter()
        .filter(|o| o.archived == archived)
        .filter(|o| email.as_deref().is_none_or(|e| o.email.to_lowercase() == e))
        .collect();
    let end = (after + limit as usize).min(matching.len());
    let page = matching.get(after.min(end)..end).unwrap_or(&[]);
    let mut body = json!({ "results": page });
    if end < matching.len() {
        let link = format!("{}{}?after={end}&limit={limit}", app.base_url, uri.path());
        body["paging"] = json!({ "next": { "after": end.to_string(), "link": link } });
    }
    Ok(json_response(StatusCode::OK, &body))
}

async fn read_owner(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(owner_id): Path<String>,
    uri: Uri,
) -> ApiResult {
    who.require(OWNERS_READ)?;
    let q = QueryParams::from_uri(&uri)?;
    let archived = q.flag("archived");
    let by_user = match q.get("idProperty") {
        None | Some("id") => false,
        Some("userId") => true,
        Some(other) => {
            return Err(ApiError::Validation(format!("idProperty must be id or userId, got {other}")));
        }
    };
    let portal = app.portal();
    let owner = portal
        .owners
        .iter()
        .filter(|o| o.archived == archived)
        .find(|o| if by_user { o.user_id_including_inactive.to_string() == owner_id } else { o.id == owner_id })
        .ok_or(ApiError::NotFound)?;
    Ok(json_response(StatusCode::OK, &serde_json::to_value(owner).expect("serializes")))
}

fn utc_offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

pub async fn account_details(State(app): State<AppState>, Extension(_who): Extension<Principal>) -> ApiResult {
    let portal = app.portal();
    let info = &portal.info;
    let body = json!({
        "portalId": info.portal_id,
        "accountType": info.account_type.as_str(),
        "timeZone": info.time_zone,
        "companyCurrency": info.company_currency,
        "additionalCurrencies": info.additional_currencies,
        "utcOffset": utc_offset_text(info.utc_offset_minutes),
        "utcOffsetMilliseconds": i64::from(info.utc_offset_minutes) * 60_000,
        "uiDomain": info.ui_domain,
        "dataHostingLocation": "na1",
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// The daily limit as a private app sees it; OAuth apps have no daily limit.
pub async fn daily_usage(State(app): State<AppState>, Extension(who): Extension<Principal>) -> ApiResult {
    if !who.is_private() {
        return Err(ApiError::Validation("Daily API usage is reported for private apps only".into()));
    }
    let portal = app.portal();
    let now = portal.now();
    let offset = FixedOffset::east_opt(portal.info.utc_offset_minutes * 60).expect("offset in range");
    let local_midnight = (now.with_timezone(&offset).date_naive() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_local_timezone(offset)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(now);
    let body: Value = json!({
        "results": [{
            "name": "api-calls-daily",
            "usageLimit": portal.limits.tier.daily_limit(),
            "currentUsage": portal.limits.daily_used(),
            "collectedAt": format_timestamp(now),
            "fetchStatus": "SUCCESS",
            "resetsAt": format_timestamp(local_midnight),
        }]
    });
    Ok(json_response(StatusCode::OK, &body))
}
