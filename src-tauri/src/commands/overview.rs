//! The overview, the app's first screen once a portal is connected.

use hubsync_api::builtin::BuiltinPortal;
use hubsync_api::overview::{self, Overview};
use hubsync_store::{Clock, SystemClock};
use tauri::State;

use crate::commands::portals::record_builtin_portal;
use crate::error::CommandError;
use crate::state::AppWorkspace;

/// The active portal and how it was last found, today's API use, the newest runs, the leads as
/// they stand with the portal and the setup checklist, from the store alone. Like the portals
/// overview, it waits on a first start for the built-in sandbox to become the active portal.
#[tauri::command]
pub async fn overview(
    workspace: State<'_, AppWorkspace>,
    builtin: State<'_, BuiltinPortal>,
) -> Result<Overview, CommandError> {
    let ws = workspace.get().await?;
    record_builtin_portal(ws, &builtin).await;
    overview::overview(ws, SystemClock.now()).await
}
