//! Associations v4: `/crm/v4/associations/{from}/{to}/…` (batch read, create, default, archive,
//! labels archive; the labels list) and the per-record routes under
//! `/crm/v4/objects/{type}/{id}/associations/…`, with their dated twins
//! (`/crm/associations/2026-03/…`, `/crm/objects/2026-03/{type}/{id}/associations/…`). Object
//! types may be named in any of HubSpot's forms (`contacts`, `contact`, `0-1`).
//!
//! Scopes: reads need the read scope of both object types, writes the write scope of the from
//! type. Archives answer 204 under v4 and 200 with a batch body under the dated versions.

use std::collections::HashSet;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, OriginalUri, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::{AppState, QueryParams, parse_json};
use crate::associations::{Kind, RecordRef, defined_kinds, label, type_id, type_json};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::links::{
    AssociationSpec, IdOnly, invalid_type, kinds_from_specs, missing_record, no_associations, record_id, record_id_text,
};
use crate::oauth::Principal;
use crate::object_type::ObjectType;
use crate::portal::Portal;
use crate::properties::format_timestamp;

/// Most inputs a batch read takes (HubSpot's limit since 2025-02-10).
pub const MAX_READ_INPUTS: usize = 1000;
/// Most inputs a batch write takes. HubSpot does not document one for association writes;
/// the sandbox holds them to the CRM's usual 100.
pub const MAX_WRITE_INPUTS: usize = 100;
/// Associated records per page of a batch read (HubSpot's size is undocumented), and the most
/// and default `limit` of a per-record read (HubSpot's default).
pub const PAGE_SIZE: usize = 500;

/// Which family of paths a request came by: they differ in what some replies' statuses are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathStyle {
    V4,
    /// A dated version. From 2026-09 on, HubSpot's spec gives batch creates and reads one
    /// status, 200, errors or not.
    Dated {
        only_200: bool,
    },
}

impl PathStyle {
    pub fn dated(version: &str) -> PathStyle {
        PathStyle::Dated { only_200: version >= "2026-09" }
    }

    /// What a batch answers when every input went through (`created` for a batch create).
    fn success(self, created: bool) -> StatusCode {
        match self {
            PathStyle::Dated { only_200: true } => StatusCode::OK,
            _ if created => StatusCode::CREATED,
            _ => StatusCode::OK,
        }
    }

    /// What a batch answers when some inputs failed.
    fn partial(self) -> StatusCode {
        match self {
            PathStyle::Dated { only_200: true } => StatusCode::OK,
            _ => StatusCode::MULTI_STATUS,
        }
    }
}

/// `/{fromObjectType}/{toObjectType}/…`, nested at `/crm/v4/associations` or
/// `/crm/associations/{version}`.
pub fn batch_router(style: PathStyle) -> Router<AppState> {
    Router::new()
        .route("/{fromObjectType}/{toObjectType}/batch/read", post(batch_read))
        .route("/{fromObjectType}/{toObjectType}/batch/create", post(batch_create))
        .route("/{fromObjectType}/{toObjectType}/batch/associate/default", post(batch_default))
        .route("/{fromObjectType}/{toObjectType}/batch/archive", post(batch_archive))
        .route("/{fromObjectType}/{toObjectType}/batch/labels/archive", post(batch_archive_labels))
        .route("/{fromObjectType}/{toObjectType}/labels", get(labels))
        .layer(Extension(style))
}

/// `/{objectType}/{objectId}/associations/…`, nested at `/crm/v4/objects` or
/// `/crm/objects/{version}`.
pub fn record_router(style: PathStyle) -> Router<AppState> {
    Router::new()
        .route("/{objectType}/{objectId}/associations/{toObjectType}", get(record_list))
        .route(
            "/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}",
            put(record_create).delete(record_archive),
        )
        .route("/{objectType}/{objectId}/associations/default/{toObjectType}/{toObjectId}", put(record_default))
        .layer(Extension(style))
}

/// An object type named in a path, in any of HubSpot's forms.
pub fn path_type(segment: &str) -> Result<ObjectType, ApiError> {
    ObjectType::from_path(segment).ok_or_else(|| ApiError::UnknownObjectType(segment.to_string()))
}

/// The two types of a read, which needs the read scope of both.
fn read_types(who: &Principal, from: &str, to: &str) -> Result<(ObjectType, ObjectType), ApiError> {
    let (from, to) = (path_type(from)?, path_type(to)?);
    who.require(from.read_scope())?;
    who.require(to.read_scope())?;
    Ok((from, to))
}

/// The two types of a write, which needs the write scope of the from type.
fn write_types(who: &Principal, from: &str, to: &str) -> Result<(ObjectType, ObjectType), ApiError> {
    let (from, to) = (path_type(from)?, path_type(to)?);
    who.require(from.write_scope())?;
    Ok((from, to))
}

fn check_size(len: usize, max: usize) -> Result<(), ApiError> {
    if len > max {
        return Err(ApiError::Validation(format!("Too many inputs in batch: {len}. The maximum is {max}.")));
    }
    Ok(())
}

/// A batch reply: `{status, results, startedAt, completedAt}`, with `numErrors` and `errors`
/// (and the style's partial status, 207 before 2026-09) when some inputs failed.
fn batch_reply(portal: &Portal, style: PathStyle, created: bool, results: Vec<Value>, errors: Vec<Value>) -> Response {
    let now = format_timestamp(portal.now());
    let mut body = json!({ "status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now });
    if errors.is_empty() {
        return json_response(style.success(created), &body);
    }
    body["numErrors"] = json!(errors.len());
    body["errors"] = Value::Array(errors);
    json_response(style.partial(), &body)
}

/// One entry of a 207's `errors`: the error's body without its correlation id.
fn batch_error(error: &ApiError) -> Value {
    let mut body = error.body();
    if let Some(map) = body.as_object_mut() {
        map.remove("correlationId");
    }
    body
}

/// `{toObjectId, associationTypes}`: one associated record as seen from `from`. Ids are JSON
/// numbers, as HubSpot sends them (clients must take strings too).
fn to_item(portal: &Portal, from: RecordRef, to: RecordRef) -> Value {
    let types: Vec<Value> =
        portal.associations.kinds(from, to).into_iter().map(|k| type_json(from.0, to.0, k)).collect();
    json!({ "toObjectId": to.1, "associationTypes": types })
}

/// One page of `from`'s live associations of `to_type` from `start` on, and where the next
/// page starts.
fn page(portal: &Portal, from: RecordRef, to_type: ObjectType, start: u64, size: usize) -> (Vec<Value>, Option<u64>) {
    let mut ids: Vec<u64> = portal.live_targets(from, to_type, start).take(size + 1).collect();
    let next = (ids.len() > size).then(|| ids.pop()).flatten();
    (ids.into_iter().map(|id| to_item(portal, from, (to_type, id))).collect(), next)
}

fn cursor(raw: Option<&str>) -> Result<u64, ApiError> {
    match raw.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(0),
        Some(after) => after.parse::<u64>().map_err(|_| {
            ApiError::Validation(format!("Invalid paging cursor after={after}: use the one a reply gave"))
        }),
    }
}

// ---- batch routes ----

#[derive(Deserialize)]
struct ReadBody {
    #[serde(default)]
    inputs: Vec<ReadInput>,
}

#[derive(Deserialize)]
struct ReadInput {
    id: Value,
    #[serde(default)]
    after: Option<Value>,
}

async fn batch_read(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(style): Extension<PathStyle>,
    Path((from, to)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let (from_type, to_type) = read_types(&who, &from, &to)?;
    let input: ReadBody = parse_json(&body)?;
    check_size(input.inputs.len(), MAX_READ_INPUTS)?;
    let portal = app.portal();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for input in &input.inputs {
        let raw_id = match &input.id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let id = match record_id(&input.id) {
            Ok(id) => id,
            Err(error) => {
                errors.push(batch_error(&error));
                continue;
            }
        };
        let after = match &input.after {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        if !seen.insert((id, after.clone())) {
            continue;
        }
        let start = cursor(after.as_deref())?;
        let from_record = (from_type, id);
        let (items, next) = page(&portal, from_record, to_type, start, PAGE_SIZE);
        if items.is_empty() {
            errors.push(batch_error(&no_associations(from_record, to_type, &raw_id)));
            continue;
        }
        let mut result = json!({ "from": { "id": id.to_string() }, "to": items });
        if let Some(next) = next {
            result["paging"] = json!({ "next": { "after": next.to_string() } });
        }
        results.push(result);
    }
    Ok(batch_reply(&portal, style, false, results, errors))
}

#[derive(Deserialize)]
struct CreateBody {
    #[serde(default)]
    inputs: Vec<CreateInput>,
}

#[derive(Deserialize)]
struct CreateInput {
    from: IdOnly,
    to: IdOnly,
    #[serde(default)]
    types: Vec<AssociationSpec>,
}

/// `{fromObjectTypeId, fromObjectId, toObjectTypeId, toObjectId, labels}`: what a labelled
/// write reports, with the labels the pair now has (the unlabelled type has none).
fn labels_between(portal: &Portal, from: RecordRef, to: RecordRef) -> Value {
    let labels: Vec<&str> = portal.associations.kinds(from, to).into_iter().filter_map(label).collect();
    json!({
        "fromObjectTypeId": from.0.type_id(),
        "fromObjectId": from.1,
        "toObjectTypeId": to.0.type_id(),
        "toObjectId": to.1,
        "labels": labels,
    })
}

/// Checks one write: ids, the records being live, and the kinds.
fn plan_write(
    portal: &Portal,
    from_type: ObjectType,
    to_type: ObjectType,
    from: &Value,
    to: &Value,
    specs: Option<&[AssociationSpec]>,
) -> Result<(RecordRef, RecordRef, Vec<Kind>), ApiError> {
    let from = (from_type, record_id(from)?);
    let to = (to_type, record_id(to)?);
    let kinds = match specs {
        Some(specs) => kinds_from_specs(from_type, to_type, specs)?,
        None => default_kinds(from_type, to_type)?,
    };
    for record in [from, to] {
        if !portal.association_record_live(record) {
            return Err(missing_record(record));
        }
    }
    Ok((from, to, kinds))
}

/// The default association is the unlabelled type; records of one type have none.
fn default_kinds(from: ObjectType, to: ObjectType) -> Result<Vec<Kind>, ApiError> {
    if defined_kinds(from, to).contains(&Kind::Unlabeled) {
        Ok(vec![Kind::Unlabeled])
    } else {
        Err(invalid_type(from, to, "default"))
    }
}

async fn batch_create(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(style): Extension<PathStyle>,
    Path((from, to)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let (from_type, to_type) = write_types(&who, &from, &to)?;
    let input: CreateBody = parse_json(&body)?;
    check_size(input.inputs.len(), MAX_WRITE_INPUTS)?;
    let mut portal = app.portal();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in &input.inputs {
        match plan_write(&portal, from_type, to_type, &input.from.id, &input.to.id, Some(&input.types)) {
            Ok((from, to, kinds)) => {
                portal.link(from, to, &kinds);
                results.push(labels_between(&portal, from, to));
            }
            Err(error) => errors.push(batch_error(&error)),
        }
    }
    Ok(batch_reply(&portal, style, true, results, errors))
}

#[derive(Deserialize)]
struct DefaultBody {
    #[serde(default)]
    inputs: Vec<DefaultInput>,
}

#[derive(Deserialize)]
struct DefaultInput {
    from: IdOnly,
    to: IdOnly,
}

/// `{from:{id}, to:{id}, associationSpec}`: what a default write reports.
fn default_result(from: RecordRef, to: RecordRef) -> Value {
    json!({
        "from": { "id": from.1.to_string() },
        "to": { "id": to.1.to_string() },
        "associationSpec": {
            "associationCategory": crate::associations::HUBSPOT_DEFINED,
            "associationTypeId": type_id(from.0, to.0, Kind::Unlabeled),
        },
    })
}

async fn batch_default(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(style): Extension<PathStyle>,
    Path((from, to)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let (from_type, to_type) = write_types(&who, &from, &to)?;
    let input: DefaultBody = parse_json(&body)?;
    check_size(input.inputs.len(), MAX_WRITE_INPUTS)?;
    default_kinds(from_type, to_type)?;
    let mut portal = app.portal();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in &input.inputs {
        match plan_write(&portal, from_type, to_type, &input.from.id, &input.to.id, None) {
            Ok((from, to, kinds)) => {
                portal.link(from, to, &kinds);
                results.push(default_result(from, to));
            }
            Err(error) => errors.push(batch_error(&error)),
        }
    }
    Ok(batch_reply(&portal, style, false, results, errors))
}

#[derive(Deserialize)]
struct ArchiveBody {
    #[serde(default)]
    inputs: Vec<ArchiveInput>,
}

#[derive(Deserialize)]
struct ArchiveInput {
    from: IdOnly,
    #[serde(default)]
    to: Vec<IdOnly>,
}

/// What an archive answers: nothing under v4, a batch body under the dated versions.
fn archived_reply(portal: &Portal, style: PathStyle) -> Response {
    match style {
        PathStyle::V4 => StatusCode::NO_CONTENT.into_response(),
        PathStyle::Dated { .. } => batch_reply(portal, style, false, Vec::new(), Vec::new()),
    }
}

/// Removes every type between each pair; pairs that are not associated are left as they are.
async fn batch_archive(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(style): Extension<PathStyle>,
    Path((from, to)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let (from_type, to_type) = write_types(&who, &from, &to)?;
    let input: ArchiveBody = parse_json(&body)?;
    check_size(input.inputs.len(), MAX_WRITE_INPUTS)?;
    // Checked whole first: a malformed id leaves every association as it was.
    let mut pairs = Vec::new();
    for input in &input.inputs {
        let from = (from_type, record_id(&input.from.id)?);
        for to in &input.to {
            pairs.push((from, (to_type, record_id(&to.id)?)));
        }
    }
    let mut portal = app.portal();
    for (from, to) in pairs {
        portal.unlink(from, to);
    }
    Ok(archived_reply(&portal, style))
}

/// Removes the given types between each pair: the unlabelled type takes the association with
/// it, the primary one leaves it unlabelled.
async fn batch_archive_labels(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(style): Extension<PathStyle>,
    Path((from, to)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let (from_type, to_type) = write_types(&who, &from, &to)?;
    let input: CreateBody = parse_json(&body)?;
    check_size(input.inputs.len(), MAX_WRITE_INPUTS)?;
    let mut removals = Vec::new();
    for input in &input.inputs {
        let from = (from_type, record_id(&input.from.id)?);
        let to = (to_type, record_id(&input.to.id)?);
        removals.push((from, to, kinds_from_specs(from_type, to_type, &input.types)?));
    }
    let mut portal = app.portal();
    for (from, to, kinds) in removals {
        portal.unlink_kinds(from, to, &kinds);
    }
    Ok(archived_reply(&portal, style))
}

/// The types defined from one object type to another: `{results:[{category, typeId, label}]}`.
pub async fn labels(Extension(who): Extension<Principal>, Path((from, to)): Path<(String, String)>) -> ApiResult {
    let (from_type, to_type) = read_types(&who, &from, &to)?;
    let results: Vec<Value> =
        defined_kinds(from_type, to_type).into_iter().map(|k| type_json(from_type, to_type, k)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "results": results })))
}

// ---- per-record routes ----

async fn record_list(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((from, from_id, to)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult {
    let (from_type, to_type) = read_types(&who, &from, &to)?;
    let from_id = record_id_text(&from_id)?;
    let q = QueryParams::from_uri(&uri)?;
    let limit = q.number("limit")?.unwrap_or(PAGE_SIZE as u64);
    if limit == 0 || limit > PAGE_SIZE as u64 {
        return Err(ApiError::Validation(format!("limit must be between 1 and {PAGE_SIZE}, got {limit}")));
    }
    let start = cursor(q.get("after"))?;
    let portal = app.portal();
    // A record that does not exist, or is archived, has nothing associated.
    let (items, next) = page(&portal, (from_type, from_id), to_type, start, limit as usize);
    let mut body = json!({ "results": items });
    if let Some(next) = next {
        let link = next_link(&app.base_url, &uri, next, limit);
        body["paging"] = json!({ "next": { "after": next.to_string(), "link": link } });
    }
    Ok(json_response(StatusCode::OK, &body))
}

fn next_link(base_url: &str, uri: &Uri, after: u64, limit: u64) -> String {
    let query = serde_urlencoded::to_string([("after", after.to_string()), ("limit", limit.to_string())])
        .expect("pairs encode");
    format!("{base_url}{}?{query}", uri.path())
}

/// `PUT …/associations/{toObjectType}/{toObjectId}` with a list of types: 201 with the labels
/// the pair has.
async fn record_create(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let (from_type, to_type) = write_types(&who, &from, &to)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Validation("Invalid JSON input: a request body was expected, but none found".into()));
    }
    let specs: Vec<AssociationSpec> = parse_json(&body)?;
    let mut portal = app.portal();
    let (from, to, kinds) =
        plan_write(&portal, from_type, to_type, &Value::String(from_id), &Value::String(to_id), Some(&specs))?;
    portal.link(from, to, &kinds);
    Ok(json_response(StatusCode::CREATED, &labels_between(&portal, from, to)))
}

/// `PUT …/associations/default/{toObjectType}/{toObjectId}`: 200 with a batch body.
async fn record_default(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(style): Extension<PathStyle>,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> ApiResult {
    let (from_type, to_type) = write_types(&who, &from, &to)?;
    let mut portal = app.portal();
    let (from, to, kinds) =
        plan_write(&portal, from_type, to_type, &Value::String(from_id), &Value::String(to_id), None)?;
    portal.link(from, to, &kinds);
    let results = vec![default_result(from, to)];
    Ok(batch_reply(&portal, style, false, results, Vec::new()))
}

/// `DELETE …/associations/{toObjectType}/{toObjectId}`: every type goes; 204 whether or not
/// there was an association.
async fn record_archive(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> ApiResult {
    let (from_type, to_type) = write_types(&who, &from, &to)?;
    let from = (from_type, record_id_text(&from_id)?);
    let to = (to_type, record_id_text(&to_id)?);
    app.portal().unlink(from, to);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_record_ids() {
        assert_eq!(cursor(None).unwrap(), 0);
        assert_eq!(cursor(Some(" 1234 ")).unwrap(), 1234);
        assert!(cursor(Some("MTIzNA==")).is_err());
        assert!(matches!(path_type("tickets"), Err(ApiError::UnknownObjectType(t)) if t == "tickets"));
        assert_eq!(path_type("0-2").unwrap(), ObjectType::Company);
    }
}
