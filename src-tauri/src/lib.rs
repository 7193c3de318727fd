//! Hubsync's desktop shell: the window, the IPC commands and the app's state. Every use case
//! lives in the application layer (`hubsync_api`); this crate only wires it to Tauri.

pub mod commands;
pub mod error;
pub mod folders;
pub mod logs;
pub mod notices;
pub mod scheduler;
pub mod state;
pub mod tray;
pub mod window_place;

use hubsync_api::builtin::{BuiltinPortal, SANDBOX_DB_FILE_NAME};
use hubsync_api::connect;
use tauri::{AppHandle, Emitter, Manager, RunEvent, Runtime, WindowEvent};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_window_state::StateFlags;

use crate::commands::portals::STORE_UPGRADE_EVENT;
use crate::notices::OpenOnReturn;
use crate::state::AppWorkspace;

/// The label of the app's one window (`tauri.conf.json`).
pub const MAIN_WINDOW: &str = "main";

/// The handlers of `commands/list.rs`, registered.
macro_rules! app_commands {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$command),*]
    };
}

/// Brings the main window forward: shown (from the tray), restored and focused.
pub(crate) fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Builds and runs the app until it is quit: from the tray's menu, or by closing its window
/// where there is no tray.
pub fn run() {
    let app = tauri::Builder::default()
        // The window opens where and as big as it was when the app last closed (the state is
        // in the app's config folder), maximised if it was; its visibility, decorations and
        // fullscreen are the configuration's. The page is granted none of the plugin's commands.
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
        // Run ends are notified from Rust (`notices`); the page is granted none of its commands.
        .plugin(tauri_plugin_notification::init())
        .manage(BuiltinPortal::default())
        .manage(OpenOnReturn::default())
        .setup(|app| {
            // Logs to stderr and to daily files in the app's log folder ("Show logs").
            let guard = logs::init(app.path().app_log_dir().ok().as_deref());
            app.manage(guard);
            // The configuration's windows exist by now, not yet shown, the plugin having restored
            // their saved state: keep the main one within the screen.
            if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                window_place::fit_to_screen(&window);
            }
            // Where the desktop has a tray: closing the window then hides it, schedules firing on.
            tray::install(app.handle());
            let handle = app.handle().clone();
            app.notification().on_action(move |performed| notices::on_notification_action(&handle, performed))?;
            // The lead store the command line shares: `<data dir>/app.hubsync.desktop/hubsync.db`.
            let data_dir = app.path().app_data_dir()?;
            app.state::<BuiltinPortal>().keep_in(data_dir.join(SANDBOX_DB_FILE_NAME));
            // Opened off the main thread: a store from an older Hubsync is upgraded first, which
            // can take seconds, and the window shows how it goes (the `store-upgrade` event)
            // while commands wait for the workspace.
            app.manage(AppWorkspace::default());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn_blocking(move || {
                handle.state::<AppWorkspace>().open(&data_dir, |upgrade| {
                    if let Err(error) = handle.emit(STORE_UPGRADE_EVENT, upgrade) {
                        tracing::warn!(%error, "could not tell the page how the store's upgrade goes");
                    }
                });
            });
            // Start the built-in portal now rather than on the page's first request, and record
            // where it listens; on a first start it is the active portal. The window opens
            // without waiting for it. Then the scheduler starts: a schedule of the built-in
            // portal fires at the address it listens at now.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                // A failure of either is logged, and kept for the page to report.
                let sandbox = handle.state::<BuiltinPortal>().info().await;
                let Ok(workspace) = handle.state::<AppWorkspace>().inner().get().await else { return };
                if let Ok(sandbox) = sandbox
                    && let Err(error) = connect::register_sandbox(workspace, &sandbox).await
                {
                    tracing::error!(%error, "the built-in sandbox portal could not be recorded");
                }
                scheduler::run(handle.clone(), workspace).await;
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            if window.label() != MAIN_WINDOW {
                return;
            }
            match event {
                WindowEvent::Focused(true) => notices::on_main_window_focus(window.app_handle()),
                WindowEvent::CloseRequested { api, .. } => tray::on_close_requested(window, api),
                _ => {}
            }
        })
        .invoke_handler(include!("commands/list.rs"))
        .build(tauri::generate_context!())
        .expect("failed to build the Tauri app");

    app.run(|handle, event| match event {
        RunEvent::Exit => tauri::async_runtime::block_on(handle.state::<BuiltinPortal>().shutdown()),
        // The dock icon clicked with the window hidden in the tray.
        #[cfg(target_os = "macos")]
        RunEvent::Reopen { .. } => show_main_window(handle),
        _ => {}
    });
}
