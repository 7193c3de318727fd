//! `/crm/v3/objects/contacts` (and the dated twin): list, get, create, update, archive, the five
//! batch operations and search.

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
use crate::model::{Contact, PropertySelection};
use crate::oauth::Principal;
use crate::portal::{PlannedWrite, Portal};
use crate::properties::format_timestamp;

pub const READ: &str = "crm.objects.contacts.read";
pub const WRITE: &str = "crm.objects.contacts.write";
/// Most records one page of the list returns.
pub const MAX_LIST_LIMIT: u64 = 100;
/// Most inputs one batch takes.
pub const MAX_BATCH_INPUTS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(list).post(create))
        .route("/{contactId}", get(read).patch(update).delete(archive))
        .route("/batch/read", post(batch_read))
        .route("/batch/create", post(batch_create))
        .route("/batch/update", post(batch_update))
        .route("/batch/upsert", post(batch_upsert))
        .route("/batch/archive", post(batch_archive))
        .route("/search", post(search))
}

/// Created and updated records come back with every property they hold.
fn full_selection(contact: &Contact) -> PropertySelection {
    PropertySelection::Named(contact.properties.keys().cloned().collect())
}

async fn list(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult {
    who.require(READ)?;
    let q = QueryParams::from_uri(&uri)?;
    let limit = q.number("limit")?.unwrap_or(10);
    if limit == 0 || limit > MAX_LIST_LIMIT {
        return Err(ApiError::Validation(format!("limit must be between 1 and {MAX_LIST_LIMIT}, got {limit}")));
    }
    let after = q.number("after")?.unwrap_or(0);
    let archived = q.flag("archived");
    let portal = app.portal();
    let selection = portal.selection(&q.all("properties"));
    let mut page: Vec<&Contact> =
        portal.contacts.range_from(after).filter(|c| c.archived == archived).take(limit as usize + 1).collect();
    let next = (page.len() > limit as usize).then(|| page.pop().map(|c| c.id)).flatten();
    let results: Vec<Value> = page.iter().map(|c| c.to_json(&selection)).collect();
    let mut body = json!({ "results": results });
    if let Some(next) = next {
        let mut link_query: Vec<(String, String)> =
            vec![("after".into(), next.to_string()), ("limit".into(), limit.to_string())];
        link_query.extend(q.all("properties").into_iter().map(|p| ("properties".into(), p)));
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
    Path(contact_id): Path<String>,
    uri: Uri,
) -> ApiResult {
    who.require(READ)?;
    let q = QueryParams::from_uri(&uri)?;
    let portal = app.portal();
    let contact = portal.lookup(&contact_id, q.get("idProperty"), q.flag("archived")).ok_or(ApiError::NotFound)?;
    let selection = portal.selection(&q.all("properties"));
    Ok(json_response(StatusCode::OK, &contact.to_json(&selection)))
}

#[derive(Deserialize)]
struct CreateBody {
    #[serde(default)]
    properties: Value,
    #[serde(default)]
    associations: Value,
}

async fn create(State(app): State<AppState>, Extension(who): Extension<Principal>, body: Bytes) -> ApiResult {
    who.require(WRITE)?;
    let input: CreateBody = parse_json(&body)?;
    check_associations(&input.associations)?;
    let mut portal = app.portal();
    let plan = portal.plan_write(None, &input.properties)?;
    if let Some(existing_id) = portal.email_conflict(&plan) {
        return Err(ApiError::ContactExists { existing_id });
    }
    let id = portal.commit(plan);
    let contact = portal.contacts.get(id).expect("just created");
    Ok(json_response(StatusCode::CREATED, &contact.to_json(&full_selection(contact))))
}

/// Associations are accepted (the sandbox has no other objects), but must be a list.
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
    Path(contact_id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    who.require(WRITE)?;
    let q = QueryParams::from_uri(&uri)?;
    let input: UpdateBody = parse_json(&body)?;
    let mut portal = app.portal();
    let contact = portal.lookup(&contact_id, q.get("idProperty"), false).ok_or(ApiError::NotFound)?;
    let plan = portal.plan_write(Some(contact), &input.properties)?;
    if let Some(existing_id) = portal.email_conflict(&plan) {
        return Err(ApiError::ContactExists { existing_id });
    }
    let id = portal.commit(plan);
    let contact = portal.contacts.get(id).expect("exists");
    Ok(json_response(StatusCode::OK, &contact.to_json(&full_selection(contact))))
}

async fn archive(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(contact_id): Path<String>,
) -> ApiResult {
    who.require(WRITE)?;
    let mut portal = app.portal();
    let id =
        contact_id.parse::<u64>().ok().filter(|id| portal.contacts.get(*id).is_some()).ok_or(ApiError::NotFound)?;
    portal.archive(id);
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

fn not_found_error(ids: Vec<String>) -> Value {
    json!({
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.",
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
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    who.require(READ)?;
    let q = QueryParams::from_uri(&uri)?;
    let input: BatchReadBody = parse_json(&body)?;
    check_batch_size(input.inputs.len())?;
    let id_property = input.id_property.as_deref().filter(|p| !p.is_empty());
    if let Some(p) = id_property
        && p != "email"
        && p != "hs_object_id"
    {
        return Err(ApiError::Validation(format!(
            "{p} is not a unique property of contacts: use email or hs_object_id"
        )));
    }
    let portal = app.portal();
    let selection = portal.selection(&input.properties);
    let archived = q.flag("archived");
    let mut seen = HashSet::new();
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for input in &input.inputs {
        let key = id_text(&input.id)?;
        match portal.lookup(&key, id_property, archived) {
            Some(contact) => {
                if seen.insert(contact.id) {
                    let mut record = contact.to_json(&selection);
                    if id_property == Some("email") {
                        // HubSpot echoes the value the record was asked for by.
                        record["properties"]["email"] =
                            contact.email().map_or(Value::Null, |e| Value::String(e.into()));
                    }
                    results.push(record);
                }
            }
            None => missing.push(key),
        }
    }
    let errors = if missing.is_empty() { vec![] } else { vec![not_found_error(missing)] };
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

async fn batch_create(State(app): State<AppState>, Extension(who): Extension<Principal>, body: Bytes) -> ApiResult {
    who.require(WRITE)?;
    let input: BatchWriteBody = parse_json(&body)?;
    check_batch_size(input.inputs.len())?;
    for i in &input.inputs {
        check_associations(&i.associations)?;
    }
    let mut portal = app.portal();
    let plans = portal.plan_batch(input.inputs.iter().map(|i| (None, &i.properties)));
    let partial = traced(&input.inputs);
    if !partial && let Some(Err(error)) = plans.iter().find(|p| p.is_err()) {
        return Err(error.clone());
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (plan, input) in plans.into_iter().zip(&input.inputs) {
        match plan {
            Ok(plan) => {
                let id = portal.commit(plan);
                let contact = portal.contacts.get(id).expect("just created");
                let mut record = contact.to_json(&full_selection(contact));
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

fn non_unique_id_property(name: &str) -> ApiError {
    ApiError::Validation(format!(
        "Unable to perform update/upsert by non-unique 0-1 property: {name}. Batch update takes record ids only."
    ))
}

async fn batch_update(State(app): State<AppState>, Extension(who): Extension<Principal>, body: Bytes) -> ApiResult {
    who.require(WRITE)?;
    let input: BatchWriteBody = parse_json(&body)?;
    check_batch_size(input.inputs.len())?;
    for id_property in input.id_property.iter().chain(input.inputs.iter().filter_map(|i| i.id_property.as_ref())) {
        if id_property != "hs_object_id" {
            return Err(non_unique_id_property(id_property));
        }
    }
    let mut ids = Vec::with_capacity(input.inputs.len());
    let mut seen = HashSet::new();
    for i in &input.inputs {
        let id = id_text(i.id.as_ref().unwrap_or(&Value::Null))?;
        if !seen.insert(id.clone()) {
            return Err(ApiError::Validation(format!(
                "Duplicate IDs found in batch input: [{id}]. IDs must be unique"
            )));
        }
        ids.push(id);
    }
    let mut portal = app.portal();
    // Unknown ids are reported in a 207 and the rest still apply.
    let mut missing = Vec::new();
    let mut found = Vec::new();
    for (id, input) in ids.iter().zip(&input.inputs) {
        match portal.lookup(id, None, false) {
            Some(contact) => found.push((contact.id, input)),
            None => missing.push(id.clone()),
        }
    }
    let plans = portal.plan_batch(found.iter().map(|(id, i)| (portal.contacts.get(*id), &i.properties)));
    let partial = traced(&input.inputs);
    if !partial && let Some(Err(error)) = plans.iter().find(|p| p.is_err()) {
        return Err(error.clone());
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (plan, (_, input)) in plans.into_iter().zip(&found) {
        match plan {
            Ok(plan) => {
                let id = portal.commit(plan);
                let contact = portal.contacts.get(id).expect("exists");
                results.push(contact.to_json(&full_selection(contact)));
            }
            Err(error) => errors.push(batch_error(
                &error,
                json!({ "objectWriteTraceId": [input.object_write_trace_id.clone().unwrap_or_default()] }),
            )),
        }
    }
    if !missing.is_empty() {
        errors.push(not_found_error(missing));
    }
    Ok(batch_reply(&portal, StatusCode::OK, results, errors))
}

async fn batch_upsert(State(app): State<AppState>, Extension(who): Extension<Principal>, body: Bytes) -> ApiResult {
    who.require(WRITE)?;
    let input: BatchWriteBody = parse_json(&body)?;
    check_batch_size(input.inputs.len())?;
    let mut keys = Vec::with_capacity(input.inputs.len());
    let mut seen = HashSet::new();
    for i in &input.inputs {
        let id_property = i.id_property.as_deref().or(input.id_property.as_deref()).ok_or_else(|| {
            ApiError::Validation("idProperty is required for upsert: use a unique property such as email".into())
        })?;
        if id_property != "email" {
            return Err(ApiError::Validation(format!(
                "Unable to perform update/upsert by property {id_property}: upsert takes a unique property such as email"
            )));
        }
        if !matches!(i.properties, Value::Object(_) | Value::Null) {
            return Err(ApiError::Validation("Invalid input JSON: \"properties\" must be an object".into()));
        }
        let key = id_text(i.id.as_ref().unwrap_or(&Value::Null))?;
        if !hubsync_email::is_valid(&key) {
            return Err(ApiError::PropertyValues {
                portal_id: app.portal().info.portal_id,
                errors: vec![crate::properties::PropertyValueError::new(
                    "email",
                    "INVALID_EMAIL",
                    format!("Email address {key} is invalid"),
                )],
            });
        }
        if !seen.insert(key.to_lowercase()) {
            return Err(ApiError::Validation(format!(
                "Duplicate IDs found in batch input: [{key}]. IDs must be unique"
            )));
        }
        keys.push(key);
    }
    let mut portal = app.portal();
    let existing: Vec<Option<u64>> = keys.iter().map(|k| portal.contacts.find_by_email(k)).collect();
    let with_email: Vec<Value> = input
        .inputs
        .iter()
        .zip(&keys)
        .zip(&existing)
        .map(|((i, key), found)| {
            let mut props = match &i.properties {
                Value::Object(map) => map.clone(),
                _ => serde_json::Map::new(),
            };
            if found.is_none() && !props.contains_key("email") {
                props.insert("email".into(), Value::String(key.clone()));
            }
            Value::Object(props)
        })
        .collect();
    let plans = portal.plan_batch(
        existing.iter().zip(&with_email).map(|(found, props)| (found.and_then(|id| portal.contacts.get(id)), props)),
    );
    // Upsert by email has no partial success: one bad input fails the batch.
    let plans: Vec<PlannedWrite> = plans.into_iter().collect::<Result<_, _>>()?;
    let mut results = Vec::new();
    for plan in plans {
        let is_new = plan.id.is_none();
        let id = portal.commit(plan);
        let contact = portal.contacts.get(id).expect("exists");
        let mut record = contact.to_json(&full_selection(contact));
        record["new"] = Value::Bool(is_new);
        results.push(record);
    }
    Ok(batch_reply(&portal, StatusCode::OK, results, vec![]))
}

async fn batch_archive(State(app): State<AppState>, Extension(who): Extension<Principal>, body: Bytes) -> ApiResult {
    who.require(WRITE)?;
    let input: BatchReadBody = parse_json(&body)?;
    check_batch_size(input.inputs.len())?;
    let ids: Vec<String> = input.inputs.iter().map(|i| id_text(&i.id)).collect::<Result<_, _>>()?;
    let mut portal = app.portal();
    for id in ids {
        // Unknown and already archived ids are ignored, as HubSpot does.
        if let Ok(id) = id.parse::<u64>() {
            portal.archive(id);
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn search(State(app): State<AppState>, Extension(who): Extension<Principal>, body: Bytes) -> ApiResult {
    who.require(READ)?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::Validation("Invalid input JSON: body is not UTF-8".into()))?;
    let portal = app.portal();
    let page = crate::search::run(&portal, text)?;
    let mut body = json!({ "total": page.total, "results": page.results });
    if let Some(after) = page.next_after {
        body["paging"] = json!({ "next": { "after": after.to_string() } });
    }
    Ok(json_response(StatusCode::OK, &body))
}
