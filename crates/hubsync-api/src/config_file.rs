//! The whole configuration as one file: the custom fields, the mapping, the push rules, the
//! pull rules and the company settings. Importing it gets the live portal's check a mapping
//! file gets, its pull rules' too, and its company rows are checked against the portal's
//! company properties.

use std::path::Path;

use hubsync_store::ConfigFile;
use hubsync_sync::PullRules;
use hubsync_sync::files::replace_file;
use serde::Serialize;

use crate::companies::{company_file_problems, live_company_properties};
use crate::error::{ApiError, ErrorCode};
use crate::mapping_file::live_problems;
use crate::workspace::Workspace;

/// What a configuration file holds, and (on import) whether HubSpot checked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigReport {
    pub fields: usize,
    pub mappings: usize,
    /// The custom company fields (none when the file has no company settings).
    pub company_fields: usize,
    /// The company mapping's rows, the domain row included (none without company settings).
    pub company_mappings: usize,
    /// The free-mail overrides.
    pub free_mail_overrides: usize,
    /// On import: whether the connected portal was asked what it refuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_hubspot: Option<bool>,
    /// On import: why the portal could not be asked (not connected, unreachable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl ConfigReport {
    fn of(config: &ConfigFile) -> ConfigReport {
        let companies = config.companies.as_ref();
        ConfigReport {
            fields: config.fields.len(),
            mappings: config.mappings.len(),
            company_fields: companies.map_or(0, |c| c.fields.len()),
            company_mappings: companies.map_or(0, |c| c.mappings.len()),
            free_mail_overrides: companies.map_or(0, |c| c.free_mail_overrides.len()),
            checked_in_hubspot: None,
            warning: None,
        }
    }
}

/// Writes the configuration to `path`, replacing a file there whole.
pub async fn write(ws: &Workspace, path: &Path) -> Result<ConfigReport, ApiError> {
    let config = ws.store.lock().await.export_config()?;
    let text = serde_json::to_string_pretty(&config).map_err(|e| {
        ApiError::new(ErrorCode::Internal, format!("The configuration could not be put into words: {e}"))
    })? + "\n";
    replace_file(path, |temp| std::fs::write(temp, &text)).map_err(|e| {
        ApiError::new(
            ErrorCode::ExportFailed,
            format!(
                "The configuration could not be written to {}: {e}. Check that the folder is writable.",
                path.display()
            ),
        )
    })?;
    Ok(ConfigReport::of(&config))
}

/// Imports a configuration file's text: the mapping and both rules are replaced, custom fields
/// checked or added. Nothing changes unless all of it can be used, the live portal's refusals
/// included when it answers.
pub async fn import(ws: &Workspace, text: &str) -> Result<ConfigReport, ApiError> {
    let config = ConfigFile::parse(text)?;
    let rules = match &config.pull_rules {
        Some(rules) => Some(serde_json::from_value::<PullRules>(rules.clone()).map_err(|e| {
            ApiError::new(ErrorCode::InvalidConfig, format!("the pull rules can't be read: {e}; nothing was changed"))
        })?),
        None => None,
    };
    let (mut problems, mut warning) = live_problems(ws, &config.mappings, rules.as_ref()).await;
    // The company rows against the company properties, once the contact side was asked: a
    // token without the companies scope leaves them unchecked, with a warning.
    let company_rows = config.companies.as_ref().map(|c| c.mappings.as_slice()).unwrap_or_default();
    if warning.is_none() && company_rows.iter().any(|m| m.property != hubsync_store::DOMAIN_PROPERTY) {
        match live_company_properties(ws).await {
            Ok(properties) => problems.extend(company_file_problems(&properties, company_rows)),
            Err(error) => {
                warning = Some(format!("the file's company rows were not checked in HubSpot: {}", error.message));
            }
        }
    }
    ws.store.lock().await.import_config(&config, problems)?;
    Ok(ConfigReport { checked_in_hubspot: Some(warning.is_none()), warning, ..ConfigReport::of(&config) })
}
