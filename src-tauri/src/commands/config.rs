//! The configuration screens: lead fields, the mapping and the push rules.

use hubsync_api::config::{self, ContactProperties, MappingSaved};
use hubsync_store::{Field, FieldType, Mapping, PushRules, WriteRule};
use tauri::State;

use crate::error::CommandError;
use crate::state::AppWorkspace;

#[tauri::command]
pub async fn list_fields(workspace: State<'_, AppWorkspace>) -> Result<Vec<Field>, CommandError> {
    config::list_fields(workspace.get().await?).await
}

#[tauri::command]
pub async fn add_field(
    workspace: State<'_, AppWorkspace>,
    key: String,
    label: Option<String>,
    kind: FieldType,
    options: Vec<String>,
) -> Result<Field, CommandError> {
    config::add_field(workspace.get().await?, key, label, kind, options).await
}

#[tauri::command]
pub async fn list_mappings(workspace: State<'_, AppWorkspace>) -> Result<Vec<Mapping>, CommandError> {
    config::list_mappings(workspace.get().await?).await
}

#[tauri::command]
pub async fn contact_properties(workspace: State<'_, AppWorkspace>) -> Result<ContactProperties, CommandError> {
    config::contact_properties(workspace.get().await?).await
}

#[tauri::command]
pub async fn set_mapping(
    workspace: State<'_, AppWorkspace>,
    field_key: String,
    property: String,
    rule: Option<WriteRule>,
) -> Result<MappingSaved, CommandError> {
    config::set_mapping(workspace.get().await?, field_key, property, rule).await
}

#[tauri::command]
pub async fn remove_mapping(workspace: State<'_, AppWorkspace>, field_key: String) -> Result<(), CommandError> {
    config::remove_mapping(workspace.get().await?, field_key).await
}

#[tauri::command]
pub async fn push_rules(workspace: State<'_, AppWorkspace>) -> Result<PushRules, CommandError> {
    config::push_rules(workspace.get().await?).await
}

#[tauri::command]
pub async fn set_push_rules(
    workspace: State<'_, AppWorkspace>,
    update: Option<bool>,
    create: Option<bool>,
) -> Result<PushRules, CommandError> {
    config::set_push_rules(workspace.get().await?, update, create).await
}
