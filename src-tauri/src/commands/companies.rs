//! The company settings: company fields, the company mapping, the company rules and domain
//! field, the free-mail overrides.

use hubsync_api::companies::{
    self, CompanyMappingSaved, CompanyMappingView, CompanyRules, CompanyRulesSaved, FreeMailCheck, FreeMailRemoved,
};
use hubsync_store::{Field, FieldType, FreeMailOverride, MappingSource, WriteRule};
use tauri::State;

use crate::error::CommandError;
use crate::state::AppWorkspace;

#[tauri::command]
pub async fn list_company_fields(workspace: State<'_, AppWorkspace>) -> Result<Vec<Field>, CommandError> {
    companies::list_company_fields(workspace.get().await?).await
}

#[tauri::command]
pub async fn add_company_field(
    workspace: State<'_, AppWorkspace>,
    key: String,
    label: Option<String>,
    kind: FieldType,
    options: Vec<String>,
) -> Result<Field, CommandError> {
    companies::add_company_field(workspace.get().await?, key, label, kind, options).await
}

#[tauri::command]
pub async fn remove_company_field(workspace: State<'_, AppWorkspace>, key: String) -> Result<(), CommandError> {
    companies::remove_company_field(workspace.get().await?, key).await
}

#[tauri::command]
pub async fn company_mapping(workspace: State<'_, AppWorkspace>) -> Result<CompanyMappingView, CommandError> {
    companies::company_mapping(workspace.get().await?).await
}

#[tauri::command]
pub async fn set_company_mapping(
    workspace: State<'_, AppWorkspace>,
    property: String,
    source: MappingSource,
    field_key: String,
    rule: Option<WriteRule>,
) -> Result<CompanyMappingSaved, CommandError> {
    companies::set_company_mapping(workspace.get().await?, property, source, field_key, rule).await
}

#[tauri::command]
pub async fn remove_company_mapping(workspace: State<'_, AppWorkspace>, property: String) -> Result<(), CommandError> {
    companies::remove_company_mapping(workspace.get().await?, property).await
}

#[tauri::command]
pub async fn company_rules(workspace: State<'_, AppWorkspace>) -> Result<CompanyRules, CommandError> {
    companies::company_rules(workspace.get().await?).await
}

#[tauri::command]
pub async fn set_company_rules(
    workspace: State<'_, AppWorkspace>,
    associate: Option<bool>,
    create: Option<bool>,
) -> Result<CompanyRulesSaved, CommandError> {
    companies::set_company_rules(workspace.get().await?, associate, create).await
}

#[tauri::command]
pub async fn set_company_domain_field(
    workspace: State<'_, AppWorkspace>,
    field_key: Option<String>,
) -> Result<CompanyRules, CommandError> {
    companies::set_company_domain_field(workspace.get().await?, field_key).await
}

#[tauri::command]
pub async fn free_mail_overrides(workspace: State<'_, AppWorkspace>) -> Result<Vec<FreeMailOverride>, CommandError> {
    companies::free_mail_overrides(workspace.get().await?).await
}

#[tauri::command]
pub async fn set_free_mail_override(
    workspace: State<'_, AppWorkspace>,
    domain: String,
    free: bool,
) -> Result<FreeMailOverride, CommandError> {
    companies::set_free_mail_override(workspace.get().await?, domain, free).await
}

#[tauri::command]
pub async fn remove_free_mail_override(
    workspace: State<'_, AppWorkspace>,
    domain: String,
) -> Result<FreeMailRemoved, CommandError> {
    companies::remove_free_mail_override(workspace.get().await?, domain).await
}

#[tauri::command]
pub async fn check_free_mail(
    workspace: State<'_, AppWorkspace>,
    domain: String,
) -> Result<FreeMailCheck, CommandError> {
    companies::check_free_mail(workspace.get().await?, domain).await
}
