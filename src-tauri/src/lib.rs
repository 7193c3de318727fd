//! Hubsync's desktop shell: window, IPC commands and app state. Domain logic lives in the
//! workspace's library crates; this crate only wires them to Tauri.

pub mod commands;
pub mod error;
pub mod portal;

use std::io::IsTerminal;

use tauri::{Manager, RunEvent};
use tracing_subscriber::EnvFilter;

use crate::portal::BuiltinPortal;

/// Builds and runs the app until its last window closes.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();

    let app = tauri::Builder::default()
        .manage(BuiltinPortal::default())
        .setup(|app| {
            // No HubSpot account can be connected yet, so start the built-in portal now rather
            // than on the page's first request; the window opens without waiting for it.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                // A failure is logged and kept for the page to report.
                let _ = handle.state::<BuiltinPortal>().ensure_started().await;
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::sandbox_portal])
        .build(tauri::generate_context!())
        .expect("failed to build the Tauri app");

    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            tauri::async_runtime::block_on(handle.state::<BuiltinPortal>().shutdown());
        }
    });
}
