//! Tauri commands: thin adapters that take the page's arguments, call one use case of the
//! application layer (`hubsync_api`) and hand back its answer or its `{ code, message }`. The
//! surface is declared once, in `commands/list.rs`.

pub mod companies;
pub mod config;
pub mod guardrails;
pub mod leads;
pub mod mapping_file;
pub mod overview;
pub mod portals;
pub mod pull_rules;
pub mod schedules;
pub mod sync;

/// Opens `path` (a folder or an address) with the system's handler; `what` names it in the
/// error, which gives the path so the admin can go there by hand. The launcher's own failure
/// (an exit status, a missing `xdg-open`) means nothing to an admin: it goes to the log.
pub(crate) fn open_with_system(path: &str, what: &str) -> Result<(), crate::error::CommandError> {
    open::that_detached(path).map_err(|error| {
        tracing::warn!(%error, path, "the system's handler did not open it");
        crate::error::CommandError::new(
            hubsync_api::ErrorCode::OpenFailed,
            format!("{what} is {path}. No program on this computer opened it: open it from your file manager."),
        )
    })
}
