//! `/crm/v3/objects/{contacts,companies,deals}` (by name or type id, and the dated twins): list,
//! get, create, update, archive, the five batch operations and search, the same for every object
//! type; what differs by type (contacts' unique emails, deals' pipelines) lives in the portal's
//! write rules.

use std::collections::HashSet;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, OriginalUri, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::{AppState, QueryParams, parse_json};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::links::{PlannedLink, link_created, plan_create_links, requested_association_types, v3_associations};
use crate::model::Record;
use crate::oauth::Principal;
use crate::object_type::ObjectType;
use crate::portal::{PlannedWrite, Portal};
use crate::properties::{PropertyValueError, format_timestamp, normalize_value};

/// Most records one page of the list returns.
pub const MAX_LIST_LIMIT: u64 = 100;
/// Most inputs one batch takes.
pub const MAX_BATCH_INPUTS: usize = 100;

/// The routes of one object type; its handlers learn the type from the `ObjectType` extension.
/// The record id's path parameter is named as HubSpot's specs name it (`{contactId}`, …).
pub fn router(object: ObjectType) -> Router<AppState> {
    Router::new()
        .route("/", get(list).post(create))
        .route(&format!("/{{{}Id}}", object.singular()), get(read).patch(update).delete(archive))
        .route("/batch/read", post(batch_read))
        .route("/batch/create", post(batch_create))
        .route("/batch/update", post(batch_update))
        .route("/batch/upsert", post(batch_upsert))
        .route("/batch/archive", post(batch_archive))
        .route("/search", post(search))
        .layer(Extension(object))
}

async fn list(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult {
    who.require(object.read_scope())?;
    let q = QueryParams::from_uri(&uri)?;
    let limit = q.number("limit")?.unwrap_or(10);
    if limit == 0 || limit > MAX_LIST_LIMIT {
        return Err(ApiError::Validation(format!("limit must be between 1 and {MAX_LIST_LIMIT}, got {limit}")));
    }
    let after = q.number("after")?.unwrap_or(0);
    let archived = q.flag("archived");
    let linked = requested_association_types(&who, &q.all("associations"))?;
    let portal = app.portal();
    let selection = portal.selection(object, &q.all("properties"));
    let mut page: Vec<&Record> =
        portal.store(object).range_from(after).filter(|c| c.archived == archived).take(limit as usize + 1).collect();
    let next = (page.len() > limit as usize).then(|| page.pop().map(|c| c.id)).flatten();
    let results: Vec<Value> =
        page.iter().map(|c| with_associations(&portal, &app.base_url, c, c.to_json(&selection), &linked)).collect();
    let mut body = json!({ "results": results });
    if let Some(next) = next {
        let mut link_query: Vec<(String, String)> =
            vec![("after".into(), next.to_string()), ("limit".into(), limit.to_string())];
        link_query.extend(q.all("properties").into_iter().map(|p| ("properties".into(), p)));
        link_query.extend(q.all("associations").into_iter().map(|a| ("associations".into(), a)));
        if archived {
            link_query.push(("archived".into(), "true".into()));
        }
        let link = format!(
            "{}{}?{}",
            app.base_url,
            uri.path(),
            serde_urlencoded::to_string(&link_query).expect("pairs encode")
        );
        body["paging"] = json!({ "next": { "after": next.to_string(), "link": link } });
    }
    Ok(json_response(StatusCode::OK, &body))
}

async fn read(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    Path(record_id): Path<String>,
    uri: Uri,
) -> ApiResult {
    who.require(object.read_scope())?;
    let q = QueryParams::from_uri(&uri)?;
    let linked = requested_association_types(&who, &q.all("associations"))?;
    let portal = app.portal();
    let record =
        portal.lookup(object, &record_id, q.get("idProperty"), q.flag("archived")).ok_or(ApiError::NotFound)?;
    let selection = portal.selection(object, &q.all("properties"));
    let body = with_associations(&portal, &app.base_url, record, record.to_json(&selection), &linked);
    Ok(json_response(StatusCode::OK, &body))
}

/// A record's JSON with the `associations` a v3 read asked for, when it has any.
fn with_associations(
    portal: &Portal,
    base_url: &str,
    record: &Record,
    mut json: Value,
    linked: &[ObjectType],
) -> Value {
    if let Some(associations) = v3_associations(portal, base_url, (record.object, record.id), linked) {
        json["associations"] = associations;
    }
    json
}

#[derive(Deserialize)]
struct CreateBody {
    #[serde(default)]
    properties: Value,
    #[serde(default)]
    associations: Value,
}

async fn create(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    body: Bytes,
) -> ApiResult {
    who.require(object.write_scope())?;
    let input: CreateBody = parse_json(&body)?;
    check_associations(&input.associations)?;
    let mut portal = app.portal();
    let plan = portal.plan_write(object, None, &input.properties)?;
    portal.check_unique(&plan)?;
    let links = plan_create_links(&portal, object, &input.associations)?;
    let id = portal.commit(plan);
    link_created(&mut portal, (object, id), &links);
    let record = portal.store(object).get(id).expect("just created");
    Ok(json_response(StatusCode::CREATED, &record.to_json(&record.full_selection())))
}

/// Create-time associations are optional (HubSpot's spec marks them required; `[]` and none
/// are the same), but must be a list; `links::plan_create_links` checks each.
fn check_associations(associations: &Value) -> Result<(), ApiError> {
    match associations {
        Value::Null | Value::Array(_) => Ok(()),
        _ => Err(ApiError::Validation("Invalid input JSON: associations must be a list".into())),
    }
}

#[derive(Deserialize)]
struct UpdateBody {
    #[serde(default)]
    properties: Value,
}

async fn update(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    Path(record_id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    who.require(object.write_scope())?;
    let q = QueryParams::from_uri(&uri)?;
    let input: UpdateBody = parse_json(&body)?;
    let mut portal = app.portal();
    let record = portal.lookup(object, &record_id, q.get("idProperty"), false).ok_or(ApiError::NotFound)?;
    let plan = portal.plan_write(object, Some(record), &input.properties)?;
    portal.check_unique(&plan)?;
    let id = portal.commit(plan);
    let record = portal.store(object).get(id).expect("exists");
    Ok(json_response(StatusCode::OK, &record.to_json(&record.full_selection())))
}

async fn archive(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    Path(record_id): Path<String>,
) -> ApiResult {
    who.require(object.write_scope())?;
    let mut portal = app.portal();
    let id =
        record_id.parse::<u64>().ok().filter(|id| portal.store(object).get(*id).is_some()).ok_or(ApiError::NotFound)?;
    portal.archive(object, id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- batches ----

fn check_batch_size(len: usize) -> Result<(), ApiError> {
    if len > MAX_BATCH_INPUTS {
        return Err(ApiError::Validation(format!(
            "Too many inputs in batch: {len}. The maximum is {MAX_BATCH_INPUTS}."
        )));
    }
    Ok(())
}

/// `{status, results, startedAt, completedAt}` plus errors when there are any; 207 then.
fn batch_reply(portal: &Portal, ok_status: StatusCode, results: Vec<Value>, errors: Vec<Value>) -> Response {
    let now = format_timestamp(portal.now());
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": now,
        "completedAt": now,
    });
    if errors.is_empty() {
        return json_response(ok_status, &body);
    }
    body["numErrors"] = json!(errors.len());
    body["errors"] = Value::Array(errors);
    json_response(StatusCode::MULTI_STATUS, &body)
}

/// One entry of a 207's `errors`.
fn batch_error(error: &ApiError, context: Value) -> Value {
    let body = error.body();
    json!({
        "status": "error",
        "category": body["category"],
        "message": body["message"],
        "context": context,
    })
}

fn not_found_error(object: ObjectType, ids: Vec<String>) -> Value {
    json!({
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": format!(
            "Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.",
            object.upper_name()
        ),
        "context": { "ids": ids },
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchReadBody {
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    id_property: Option<String>,
    #[serde(default)]
    inputs: Vec<IdInput>,
}

#[derive(Deserialize)]
struct IdInput {
    id: Value,
}

fn id_text(id: &Value) -> Result<String, ApiError> {
    match id {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(ApiError::Validation(format!("Invalid input JSON: id must be a string, got {other}"))),
    }
}

async fn batch_read(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    who.require(object.read_scope())?;
    let q = QueryParams::from_uri(&uri)?;
    let input: BatchReadBody = parse_json(&body)?;
    check_batch_size(input.inputs.len())?;
    let id_property = input.id_property.as_deref().filter(|p| !p.is_empty());
    let portal = app.portal();
    if let Some(p) = id_property
        && !portal.is_unique_property(object, p)
    {
        let email = if object == ObjectType::Contact { "email, " } else { "" };
        return Err(ApiError::Validation(format!(
            "{p} is not a unique property of {}: use {email}hs_object_id or a property with unique values",
            object.plural()
        )));
    }
    let selection = portal.selection(object, &input.properties);
    let archived = q.flag("archived");
    let mut seen = HashSet::new();
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for input in &input.inputs {
        let key = id_text(&input.id)?;
        match portal.lookup(object, &key, id_property, archived) {
            Some(found) => {
                if seen.insert(found.id) {
                    let mut record = found.to_json(&selection);
                    if let Some(p) = id_property.filter(|p| *p != "hs_object_id") {
                        // HubSpot echoes the value the record was asked for by.
                        record["properties"][p] = found.get(p).map_or(Value::Null, |v| Value::String(v.into()));
                    }
                    results.push(record);
                }
            }
            None => missing.push(key),
        }
    }
    let errors = if missing.is_empty() { vec![] } else { vec![not_found_error(object, missing)] };
    Ok(batch_reply(&portal, StatusCode::OK, results, errors))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WriteInput {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    id_property: Option<String>,
    #[serde(default)]
    properties: Value,
    #[serde(default)]
    associations: Value,
    #[serde(default)]
    object_write_trace_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchWriteBody {
    #[serde(default)]
    inputs: Vec<WriteInput>,
    #[serde(default)]
    id_property: Option<String>,
}

/// Batch writes succeed whole or fail whole, unless every input carries an
/// `objectWriteTraceId`: then each input stands alone and the reply is a 207.
fn traced(inputs: &[WriteInput]) -> bool {
    !inputs.is_empty() && inputs.iter().all(|i| i.object_write_trace_id.is_some())
}

async fn batch_create(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    body: Bytes,
) -> ApiResult {
    who.require(object.write_scope())?;
    let input: BatchWriteBody = parse_json(&body)?;
    check_batch_size(input.inputs.len())?;
    for i in &input.inputs {
        check_associations(&i.associations)?;
    }
    let mut portal = app.portal();
    let plans: Vec<Result<(PlannedWrite, Vec<PlannedLink>), ApiError>> = portal
        .plan_batch(object, input.inputs.iter().map(|i| (None, &i.properties)))
        .into_iter()
        .zip(&input.inputs)
        .map(|(plan, i)| Ok((plan?, plan_create_links(&portal, object, &i.associations)?)))
        .collect();
    let partial = traced(&input.inputs);
    if !partial && let Some(Err(error)) = plans.iter().find(|p| p.is_err()) {
        return Err(error.clone());
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (plan, input) in plans.into_iter().zip(&input.inputs) {
        match plan {
            Ok((plan, links)) => {
                let id = portal.commit(plan);
                link_created(&mut portal, (object, id), &links);
                let created = portal.store(object).get(id).expect("just created");
                let mut record = created.to_json(&created.full_selection());
                if let Some(trace) = &input.object_write_trace_id {
                    record["objectWriteTraceId"] = Value::String(trace.clone());
                }
                results.push(record);
            }
            Err(error) => errors.push(batch_error(
                &error,
                json!({ "objectWriteTraceId": [input.object_write_trace_id.clone().unwrap_or_default()] }),
            )),
        }
    }
    Ok(batch_reply(&portal, StatusCode::CREATED, results, errors))
}

/// HubSpot's refusal of an update or upsert keyed by a property whose values are not unique (a
/// company's `domain`), as seen from its API.
fn non_unique_id_property(portal: &Portal, object: ObjectType, name: &str) -> ApiError {
    ApiError::Validation(format!(
        "Unable to perform update/upsert by non-unique {} property {name} in portal ID {}",
        object.type_id(),
        portal.info.portal_id
    ))
}

/// The property a batch input names its record by: its own `idProperty`, else the batch's.
fn input_id_property<'a>(body: &'a BatchWriteBody, input: &'a WriteInput) -> Option<&'a str> {
    input.id_property.as_deref().or(body.id_property.as_deref()).filter(|p| !p.is_empty())
}

async fn batch_update(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    body: Bytes,
) -> ApiResult {
    who.require(object.write_scope())?;
    let body: BatchWriteBody = parse_json(&body)?;
    check_batch_size(body.inputs.len())?;
    let mut portal = app.portal();
    // Record ids, or a custom property with unique values; a contact's email is refused here
    // (batch update takes it as non-unique), as HubSpot does.
    for input in &body.inputs {
        if let Some(name) = input_id_property(&body, input)
            && name != "hs_object_id"
            && !portal.catalog(object).unique_custom().any(|d| d.name == name)
        {
            return Err(non_unique_id_property(&portal, object, name));
        }
    }
    let mut ids = Vec::with_capacity(body.inputs.len());
    let mut seen = HashSet::new();
    for i in &body.inputs {
        let id = id_text(i.id.as_ref().unwrap_or(&Value::Null))?;
        if !seen.insert(id.to_lowercase()) {
            return Err(ApiError::Validation(format!(
                "Duplicate IDs found in batch input: [{id}]. IDs must be unique"
            )));
        }
        ids.push(id);
    }
    // Unknown ids are reported in a 207 and the rest still apply.
    let mut missing = Vec::new();
    let mut found = Vec::new();
    for (id, input) in ids.iter().zip(&body.inputs) {
        match portal.lookup(object, id, input_id_property(&body, input), false) {
            Some(record) => found.push((record.id, input)),
            None => missing.push(id.clone()),
        }
    }
    let plans = portal.plan_batch(object, found.iter().map(|(id, i)| (portal.store(object).get(*id), &i.properties)));
    let partial = traced(&body.inputs);
    if !partial && let Some(Err(error)) = plans.iter().find(|p| p.is_err()) {
        return Err(error.clone());
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (plan, (_, input)) in plans.into_iter().zip(&found) {
        match plan {
            Ok(plan) => {
                let id = portal.commit(plan);
                let updated = portal.store(object).get(id).expect("exists");
                results.push(updated.to_json(&updated.full_selection()));
            }
            Err(error) => errors.push(batch_error(
                &error,
                json!({ "objectWriteTraceId": [input.object_write_trace_id.clone().unwrap_or_default()] }),
            )),
        }
    }
    if !missing.is_empty() {
        errors.push(not_found_error(object, missing));
    }
    Ok(batch_reply(&portal, StatusCode::OK, results, errors))
}

/// Checks an upsert key as a value of the property it names, so a key the property could never
/// hold is refused the way a write of it would be.
fn check_upsert_key(portal: &Portal, object: ObjectType, id_property: &str, key: &str) -> Result<(), ApiError> {
    let refused =
        |error: PropertyValueError| ApiError::PropertyValues { portal_id: portal.info.portal_id, errors: vec![error] };
    if object == ObjectType::Contact && id_property == "email" {
        if !hubsync_email::is_valid(key) {
            return Err(refused(PropertyValueError::new(
                "email",
                "INVALID_EMAIL",
                format!("Email address {key} is invalid"),
            )));
        }
        return Ok(());
    }
    let def =
        portal.property(object, id_property).ok_or_else(|| refused(PropertyValueError::doesnt_exist(id_property)))?;
    normalize_value(def, key, None, &|id| portal.owner_exists(id)).map(|_| ()).map_err(refused)
}

async fn batch_upsert(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    body: Bytes,
) -> ApiResult {
    who.require(object.write_scope())?;
    let body: BatchWriteBody = parse_json(&body)?;
    check_batch_size(body.inputs.len())?;
    let mut portal = app.portal();
    let mut keys = Vec::with_capacity(body.inputs.len());
    let mut seen = HashSet::new();
    for i in &body.inputs {
        let id_property = input_id_property(&body, i).ok_or_else(|| {
            ApiError::Validation("idProperty is required for upsert: use a property with unique values".into())
        })?;
        let by_email = object == ObjectType::Contact && id_property == "email";
        if !by_email && !portal.catalog(object).unique_custom().any(|d| d.name == id_property) {
            return Err(non_unique_id_property(&portal, object, id_property));
        }
        if !matches!(i.properties, Value::Object(_) | Value::Null) {
            return Err(ApiError::Validation("Invalid input JSON: \"properties\" must be an object".into()));
        }
        let key = id_text(i.id.as_ref().unwrap_or(&Value::Null))?;
        check_upsert_key(&portal, object, id_property, &key)?;
        if !seen.insert((id_property, key.to_lowercase())) {
            return Err(ApiError::Validation(format!(
                "Duplicate IDs found in batch input: [{key}]. IDs must be unique"
            )));
        }
        keys.push((id_property, key));
    }
    let existing: Vec<Option<u64>> =
        keys.iter().map(|(p, k)| portal.lookup(object, k, Some(p), false).map(|r| r.id)).collect();
    let with_key: Vec<Value> = body
        .inputs
        .iter()
        .zip(&keys)
        .zip(&existing)
        .map(|((i, (id_property, key)), found)| {
            let mut props = match &i.properties {
                Value::Object(map) => map.clone(),
                _ => serde_json::Map::new(),
            };
            if found.is_none() && !props.contains_key(*id_property) {
                props.insert(id_property.to_string(), Value::String(key.clone()));
            }
            Value::Object(props)
        })
        .collect();
    let plans = portal.plan_batch(
        object,
        existing.iter().zip(&with_key).map(|(found, props)| (found.and_then(|id| portal.store(object).get(id)), props)),
    );
    // Upsert has no partial success: one bad input fails the batch.
    let plans: Vec<PlannedWrite> = plans.into_iter().collect::<Result<_, _>>()?;
    let mut results = Vec::new();
    for plan in plans {
        let is_new = plan.id.is_none();
        let id = portal.commit(plan);
        let upserted = portal.store(object).get(id).expect("exists");
        let mut record = upserted.to_json(&upserted.full_selection());
        record["new"] = Value::Bool(is_new);
        results.push(record);
    }
    Ok(batch_reply(&portal, StatusCode::OK, results, vec![]))
}

async fn batch_archive(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    body: Bytes,
) -> ApiResult {
    who.require(object.write_scope())?;
    let input: BatchReadBody = parse_json(&body)?;
    check_batch_size(input.inputs.len())?;
    let ids: Vec<String> = input.inputs.iter().map(|i| id_text(&i.id)).collect::<Result<_, _>>()?;
    let mut portal = app.portal();
    for id in ids {
        // Unknown and already archived ids are ignored, as HubSpot does.
        if let Ok(id) = id.parse::<u64>() {
            portal.archive(object, id);
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn search(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(object): Extension<ObjectType>,
    body: Bytes,
) -> ApiResult {
    who.require(object.read_scope())?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::Validation("Invalid input JSON: body is not UTF-8".into()))?;
    let portal = app.portal();
    let page = crate::search::run(&portal, object, text)?;
    let mut body = json!({ "total": page.total, "results": page.results });
    if let Some(after) = page.next_after {
        body["paging"] = json!({ "next": { "after": after.to_string() } });
    }
    Ok(json_response(StatusCode::OK, &body))
}
