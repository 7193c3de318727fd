//! The mapping as a file: export it into the Downloads folder, preview what importing a file
//! would change, and import it. The store (`hubsync_store::MappingFile`) checks and applies
//! the file; the live portal adds its refusals of unknown or read-only properties when it
//! answers.

use std::path::Path;

use hubsync_auth::portals::interactive;
use hubsync_store::{Mapping, MappingFile, MappingImportPlan, Store, StoreError};
use hubsync_sync::files::replace_file;
use hubsync_sync::{PullRules, mapping_check};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::files::{file_stamp, unique_path};
use crate::workspace::Workspace;

/// Where an exported mapping file was written, and what it holds.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct MappingExported {
    pub path: String,
    #[ts(type = "number")]
    pub rows: u32,
    /// The custom fields the rows name, written with them.
    #[ts(type = "number")]
    pub fields: u32,
}

/// Writes the active portal's mapping to a new file in `dir` named after the portal.
pub async fn export(ws: &Workspace, dir: &Path) -> Result<MappingExported, ApiError> {
    let portal = ws.active_portal().await.map(|p| p.portal_id.to_string()).unwrap_or_else(|_| "local".into());
    write(ws, &unique_path(dir, &format!("hubsync-mapping-{portal}"), "json", &file_stamp())).await
}

/// Writes the active portal's mapping to `path`, replacing a file there whole.
pub async fn write(ws: &Workspace, path: &Path) -> Result<MappingExported, ApiError> {
    let file = ws.store.lock().await.export_mapping()?;
    let text = file.to_text();
    replace_file(path, |temp| std::fs::write(temp, &text)).map_err(|e| {
        ApiError::new(
            ErrorCode::ExportFailed,
            format!(
                "The mapping file could not be written to {}: {e}. Check that the folder is writable.",
                path.display()
            ),
        )
    })?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(MappingExported {
        path: path.display().to_string(),
        rows: count(file.mappings.len()),
        fields: count(file.fields.len()),
    })
}

/// What importing a mapping file does (or did), and whether HubSpot checked its properties.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct MappingImport {
    pub plan: MappingImportPlan,
    pub checked_in_hubspot: bool,
    pub warning: Option<String>,
}

/// What importing the file's text would change; every problem at once when it can't be used.
pub async fn preview(ws: &Workspace, text: &str) -> Result<MappingImport, ApiError> {
    checked(ws, text, |store, file, refused| store.plan_mapping_import(file, refused)).await
}

/// Imports the file's text (checked whole again): the active portal's mapping becomes the
/// file's, keeping the email row.
pub async fn import(ws: &Workspace, text: &str) -> Result<MappingImport, ApiError> {
    checked(ws, text, |store, file, refused| store.import_mapping(file, refused)).await
}

/// Parses the file, asks the live portal which rows it refuses, and hands both to the store's
/// `plan` or `import`, which checks the whole file again.
async fn checked(
    ws: &Workspace,
    text: &str,
    apply: impl FnOnce(&mut Store, &MappingFile, Vec<String>) -> Result<MappingImportPlan, StoreError>,
) -> Result<MappingImport, ApiError> {
    let file = MappingFile::parse(text)?;
    let (live_problems, warning) = live_problems(ws, &file.mappings, None).await;
    let plan = apply(&mut *ws.store.lock().await, &file, live_problems)?;
    Ok(MappingImport { plan, checked_in_hubspot: warning.is_none(), warning })
}

/// What the live portal refuses in a file's rows and pull rules, or (offline: not connected,
/// the portal unreachable or refusing) a warning that the file was not checked; its rows are
/// checked again when a sync runs. The one check a mapping file and a configuration file get.
pub(crate) async fn live_problems(
    ws: &Workspace,
    mappings: &[Mapping],
    rules: Option<&PullRules>,
) -> (Vec<String>, Option<String>) {
    let asked = async {
        let (_, client) = ws.connected(interactive).await?;
        let asked = mapping_check::ask_portal(&client, mappings, rules).await;
        ws.record_outcome(&client).await?;
        Ok::<_, ApiError>(asked?)
    };
    match asked.await {
        Ok(problems) => (problems, None),
        Err(error) => (Vec::new(), Some(format!("the file was not checked in HubSpot: {}", error.message))),
    }
}
