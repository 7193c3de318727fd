//! The Leads screen: the table's pages, a lead's detail, adding and editing, the owners'
//! refresh, the export and the two-step CSV import. Exports and imports run off the async
//! threads on a store connection of their own, so the window and other commands go on.

use std::collections::BTreeMap;
use std::path::Path;

use hubsync_api::leads::{self, ColumnChoice, ImportInspection, ImportProgress, ImportReport, ImportRequest};
use hubsync_api::leads::{LeadDetail, LeadSaved, SavedFile};
use hubsync_api::sync::blocking;
use hubsync_store::{LeadPage, LeadQuery};
use hubsync_sync::owners::OwnerList;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use crate::error::CommandError;
use crate::folders::{save_dir, staging_dir};
use crate::state::AppWorkspace;
use hubsync_api::error::ErrorCode;

#[tauri::command]
pub async fn leads_page(workspace: State<'_, AppWorkspace>, query: LeadQuery) -> Result<LeadPage, CommandError> {
    leads::page(&*workspace.get().await?.store.lock().await, &query)
}

#[tauri::command]
pub async fn lead_detail(workspace: State<'_, AppWorkspace>, id: i64) -> Result<LeadDetail, CommandError> {
    leads::detail(&*workspace.get().await?.store.lock().await, id)
}

/// Opens a linked lead's contact in HubSpot in the system browser (the page never navigates).
#[tauri::command]
pub async fn open_lead_in_hubspot(workspace: State<'_, AppWorkspace>, id: i64) -> Result<String, CommandError> {
    let url = leads::hubspot_page(&*workspace.get().await?.store.lock().await, id)?;
    super::open_with_system(&url, "The contact's page")?;
    Ok(url)
}

#[tauri::command]
pub async fn add_lead(
    workspace: State<'_, AppWorkspace>,
    email: String,
    values: BTreeMap<String, String>,
) -> Result<LeadSaved, CommandError> {
    leads::save(&mut *workspace.get().await?.store.lock().await, None, &email, &values)
}

#[tauri::command]
pub async fn update_lead(
    workspace: State<'_, AppWorkspace>,
    id: i64,
    email: String,
    values: BTreeMap<String, String>,
) -> Result<LeadSaved, CommandError> {
    leads::save(&mut *workspace.get().await?.store.lock().await, Some(id), &email, &values)
}

#[tauri::command]
pub async fn refresh_owners(workspace: State<'_, AppWorkspace>) -> Result<OwnerList, CommandError> {
    leads::refresh_owners(workspace.get().await?).await
}

/// Writes every lead to a new CSV file in the Downloads folder and returns where.
#[tauri::command]
pub async fn export_leads(app: AppHandle, workspace: State<'_, AppWorkspace>) -> Result<SavedFile, CommandError> {
    let store = workspace.get().await?.open_job_store()?;
    let dir = save_dir(&app)?;
    blocking(move || leads::export(&store, &dir)).await
}

/// Opens the folder holding a file this screen saved (an export or a row-error report).
#[tauri::command]
pub async fn open_saved_folder(app: AppHandle, path: String) -> Result<(), CommandError> {
    let dir = Path::new(&path).parent().map(Path::to_path_buf).unwrap_or_default();
    let allowed = [save_dir(&app).ok(), app.path().app_data_dir().ok()];
    if !allowed.iter().flatten().any(|a| a == &dir) {
        return Err(CommandError::new(
            ErrorCode::NotASavedFile,
            "Only the folder of a file Hubsync saved can be opened.",
        ));
    }
    super::open_with_system(&dir.display().to_string(), "The folder")
}

/// Stages the file's text and matches its columns to fields.
#[tauri::command]
pub async fn csv_import_inspect(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    file_name: String,
    text: String,
) -> Result<ImportInspection, CommandError> {
    leads::stage_text(workspace.get().await?, staging_dir(&app)?, file_name, text).await
}

/// Imports a staged file with the columns as chosen; bad rows go to a row-error report in the
/// Downloads folder when `skip_bad_rows`. A dry run writes nothing and keeps the file staged.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn csv_import_run(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    token: String,
    file_name: String,
    columns: Vec<ColumnChoice>,
    skip_bad_rows: bool,
    dry_run: bool,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport, CommandError> {
    let mut store = workspace.get().await?.open_job_store()?;
    let staged = hubsync_api::files::staged_path(&staging_dir(&app)?, &token)?;
    let reports = save_dir(&app)?;
    blocking(move || {
        let request = ImportRequest { file_name, columns, skip_bad_rows, dry_run };
        leads::run_staged(&mut store, &staged, &reports, request, &mut |progress| {
            // A closed page only misses the progress.
            let _ = on_progress.send(progress);
        })
    })
    .await
}
