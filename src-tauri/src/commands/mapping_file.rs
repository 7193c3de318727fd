//! The mapping as a file: export, preview an import, import.

use hubsync_api::mapping_file::{self, MappingExported, MappingImport};
use tauri::{AppHandle, State};

use crate::error::CommandError;
use crate::folders::save_dir;
use crate::state::AppWorkspace;

/// Writes the mapping to a new file in the Downloads folder; `open_saved_folder` opens it.
#[tauri::command]
pub async fn export_mapping_file(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
) -> Result<MappingExported, CommandError> {
    mapping_file::export(workspace.get().await?, &save_dir(&app)?).await
}

#[tauri::command]
pub async fn preview_mapping_file(
    workspace: State<'_, AppWorkspace>,
    text: String,
) -> Result<MappingImport, CommandError> {
    mapping_file::preview(workspace.get().await?, &text).await
}

#[tauri::command]
pub async fn import_mapping_file(
    workspace: State<'_, AppWorkspace>,
    text: String,
) -> Result<MappingImport, CommandError> {
    mapping_file::import(workspace.get().await?, &text).await
}
