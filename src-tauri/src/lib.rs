//! Hubsync's desktop shell: window, IPC commands and app state. Domain logic lives in the
//! workspace's library crates; this crate only wires them to Tauri.

pub mod commands;
pub mod error;
pub mod logs;
pub mod portal;
pub mod workspace;

use tauri::{Manager, RunEvent};

use crate::portal::BuiltinPortal;
use crate::workspace::AppWorkspace;

/// Builds and runs the app until its last window closes.
pub fn run() {
    let app = tauri::Builder::default()
        .manage(BuiltinPortal::default())
        .manage(commands::sync::jobs::SyncJobs::default())
        .setup(|app| {
            // Logs to stderr and to daily files in the app's log folder ("Show logs").
            let guard = logs::init(app.path().app_log_dir().ok().as_deref());
            app.manage(guard);
            // The lead store the command line shares: `<data dir>/app.hubsync.desktop/hubsync.db`.
            let data_dir = app.path().app_data_dir()?;
            app.state::<BuiltinPortal>().keep_in(data_dir.join(portal::DB_FILE_NAME));
            let workspace = AppWorkspace::open(&data_dir);
            if let Err(error) = &workspace.0 {
                tracing::error!(%error, "the lead store could not be opened");
            }
            app.manage(workspace);
            // Start the built-in portal now rather than on the page's first request, and record
            // where it listens; on a first start it is the active portal. The window opens
            // without waiting for it.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                // A failure is logged and kept for the page to report.
                let Ok(sandbox) = handle.state::<BuiltinPortal>().info().await else { return };
                if let Ok(workspace) = handle.state::<AppWorkspace>().get()
                    && let Err(error) = workspace.register_sandbox(&sandbox).await
                {
                    tracing::error!(%error, "the built-in sandbox portal could not be recorded");
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::sandbox_portal,
            commands::portals_overview,
            commands::use_portal,
            commands::use_sandbox,
            commands::connect_token,
            commands::oauth_start,
            commands::oauth_cancel,
            commands::test_connection,
            commands::disconnect,
            commands::open_logs,
            commands::config::list_fields,
            commands::config::add_field,
            commands::config::list_mappings,
            commands::config::contact_properties,
            commands::config::set_mapping,
            commands::config::remove_mapping,
            commands::config::push_rules,
            commands::config::set_push_rules,
            commands::leads::leads_page,
            commands::leads::lead_detail,
            commands::leads::open_lead_in_hubspot,
            commands::leads::add_lead,
            commands::leads::update_lead,
            commands::leads::refresh_owners,
            commands::leads::export_leads,
            commands::leads::open_saved_folder,
            commands::leads::csv_import_inspect,
            commands::leads::csv_import_run,
            commands::sync::sync_preview,
            commands::sync::undo_preview,
            commands::sync::retry_failed,
            commands::sync::sync_run,
            commands::sync::sync_cancel,
            commands::sync::sync_job_status,
            commands::sync::resume_run,
            commands::sync::runs_list,
            commands::sync::run_detail,
            commands::sync::run_items_page,
            commands::sync::export_run,
            commands::sync::open_export_folder,
            commands::pull_rules::pull_rules,
            commands::pull_rules::pull_rule_properties,
            commands::pull_rules::set_pull_rules,
            commands::mapping_file::export_mapping_file,
            commands::mapping_file::preview_mapping_file,
            commands::mapping_file::import_mapping_file,
        ])
        .build(tauri::generate_context!())
        .expect("failed to build the Tauri app");

    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            tauri::async_runtime::block_on(handle.state::<BuiltinPortal>().shutdown());
        }
    });
}
