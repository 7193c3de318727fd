//! `/crm/v3/pipelines/{objectType}` and `/crm/pipelines/{version}/{objectType}`: the deal
//! pipelines and their stages, read-only (`{results}` without paging; unknown and archived ids
//! are 404). Contacts and companies have no pipelines in HubSpot.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::errors::{ApiError, ApiResult, json_response};
use crate::oauth::Principal;
use crate::object_type::ObjectType;
use crate::pipelines::Pipeline;
use crate::routes::associations::path_type;

/// Any one of these reads pipelines: HubSpot's list is long (every CRM object's read and write
/// scopes, their schemas, owners, …); these are the ones the sandbox grants.
pub const READ_SCOPES: &[&str] = &[
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.schemas.deals.read",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.schemas.contacts.read",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.owners.read",
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{objectType}", get(list))
        .route("/{objectType}/{pipelineId}", get(read))
        .route("/{objectType}/{pipelineId}/stages", get(stages))
        .route("/{objectType}/{pipelineId}/stages/{stageId}", get(stage))
}

/// A read of pipelines: any of the read scopes, and only deals have pipelines among the
/// sandbox's types.
fn check_read(who: &Principal, segment: &str) -> Result<(), ApiError> {
    who.require_any(READ_SCOPES)?;
    match path_type(segment)? {
        ObjectType::Deal => Ok(()),
        other => Err(ApiError::Validation(format!("Object type {} has no pipelines", other.type_id()))),
    }
}

fn pipeline_not_found(id: &str) -> ApiError {
    ApiError::detailed(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        None,
        format!("Unable to find pipeline {id} for object type 0-3"),
        Value::Null,
    )
}

fn with_pipeline<T>(app: &AppState, id: &str, f: impl FnOnce(&Pipeline) -> Result<T, ApiError>) -> Result<T, ApiError> {
    let portal = app.portal();
    let pipeline = portal.deal_pipelines.get(id).ok_or_else(|| pipeline_not_found(id))?;
    f(pipeline)
}

async fn list(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(object_type): Path<String>,
) -> ApiResult {
    check_read(&who, &object_type)?;
    let portal = app.portal();
    let results: Vec<Value> = portal.deal_pipelines.live().into_iter().map(Pipeline::to_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "results": results })))
}

async fn read(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((object_type, pipeline_id)): Path<(String, String)>,
) -> ApiResult {
    check_read(&who, &object_type)?;
    let body = with_pipeline(&app, &pipeline_id, |p| Ok(p.to_json()))?;
    Ok(json_response(StatusCode::OK, &body))
}

async fn stages(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((object_type, pipeline_id)): Path<(String, String)>,
) -> ApiResult {
    check_read(&who, &object_type)?;
    let results = with_pipeline(&app, &pipeline_id, |p| Ok(p.live_stages().map(|s| s.to_json()).collect::<Vec<_>>()))?;
    Ok(json_response(StatusCode::OK, &json!({ "results": results })))
}

async fn stage(
    State(app): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((object_type, pipeline_id, stage_id)): Path<(String, String, String)>,
) -> ApiResult {
    check_read(&who, &object_type)?;
    let body = with_pipeline(&app, &pipeline_id, |p| {
        p.stage(&stage_id).map(|s| s.to_json()).ok_or_else(|| {
            ApiError::detailed(
                StatusCode::NOT_FOUND,
                "OBJECT_NOT_FOUND",
                None,
                format!("Unable to find stage {stage_id} in pipeline {pipeline_id}"),
                Value::Null,
            )
        })
    })?;
    Ok(json_response(StatusCode::OK, &body))
}
