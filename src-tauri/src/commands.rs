//! Tauri commands: thin adapters from IPC to app state. Each one returns `CommandError`
//! on failure so the page always gets `{ code, message }`.

use tauri::State;

use crate::error::CommandError;
use crate::portal::{BuiltinPortal, PortalSummary};

/// The portal the app is talking to. Waits for the built-in sandbox if it is still starting.
#[tauri::command]
pub async fn sandbox_portal(portal: State<'_, BuiltinPortal>) -> Result<PortalSummary, CommandError> {
    portal.info().await
}
