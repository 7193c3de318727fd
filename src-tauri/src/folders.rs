//! The folders the app saves into and stages in, from the system's conventions.

use std::path::PathBuf;

use hubsync_store::{ExistingFolder, create_private_dir};
use tauri::{AppHandle, Manager};

use crate::error::CommandError;
use hubsync_api::error::ErrorCode;

/// Where saved files go: the Downloads folder, or the app's data folder when there is none.
pub fn save_dir(app: &AppHandle) -> Result<PathBuf, CommandError> {
    let dir = app.path().download_dir().or_else(|_| app.path().app_data_dir()).map_err(|e| {
        CommandError::new(
            ErrorCode::NoSaveFolder,
            format!("This system has no Downloads or data folder for the app: {e}"),
        )
    })?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        CommandError::new(ErrorCode::IoError, format!("The folder {} can't be made: {e}", dir.display()))
    })?;
    Ok(dir)
}

/// Where a CSV import's file waits between its two steps: whole lead lists, so the user's alone.
pub fn staging_dir(app: &AppHandle) -> Result<PathBuf, CommandError> {
    let dir = app
        .path()
        .app_cache_dir()
        .map_err(|e| {
            CommandError::new(ErrorCode::IoError, format!("This system has no cache folder for the app: {e}"))
        })?
        .join("imports");
    create_private_dir(&dir, ExistingFolder::Tighten).map_err(|e| {
        CommandError::new(ErrorCode::IoError, format!("The folder {} can't be made: {e}", dir.display()))
    })?;
    Ok(dir)
}
