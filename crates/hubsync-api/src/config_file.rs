//! The whole configuration as one file: the custom fields, the mapping, the push rules and the
//! pull rules. Importing it gets the live portal's check a mapping file gets, and its pull
//! rules' too.

use std::path::Path;

use hubsync_store::ConfigFile;
use hubsync_sync::PullRules;
use hubsync_sync::files::replace_file;
use serde::Serialize;

use crate::error::{ApiError, ErrorCode};
use crate::mapping_file::live_problems;
use crate::workspace::Workspace;

/// What a configuration file holds, and (on import) whether HubSpot checked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigReport {
    pub fields: usize,
    pub mappings: usize,
    /// On import: whether the connected portal was asked what it refuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_hubspot: Option<bool>,
    /// On import: why the portal could not be asked (not connected, unreachable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl ConfigReport {
    fn of(config: &ConfigFile) -> ConfigReport {
        ConfigReport {
            fields: config.fields.len(),
            mappings: config.mappings.len(),
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
    let (problems, warning) = live_problems(ws, &config.mappings, rules.as_ref()).await;
    ws.store.lock().await.import_config(&config, problems)?;
    Ok(ConfigReport { checked_in_hubspot: Some(warning.is_none()), warning, ..ConfigReport::of(&config) })
}
