//! The run history: a run with what belongs to it, a page of its rows, and its export.

use std::path::Path;

use hubsync_store::{Run, RunItemFilter, RunItemPage, Store, StoreError};
use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;
use crate::files::unique_path;

/// The most rows one page of a run's table carries.
pub const MAX_PAGE: u64 = 500;
/// Exports are folders named `hubsync-run-<id>-<stamp>`.
pub const EXPORT_PREFIX: &str = "hubsync-run-";

/// One run with what belongs to it: the undo runs made of it, and the portal's name.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RunDetail {
    pub run: Run,
    pub undo_runs: Vec<Run>,
    pub portal_name: Option<String>,
}

pub fn detail(store: &Store, run_id: i64) -> Result<RunDetail, ApiError> {
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    let undo_runs = store.undo_runs_of(run_id)?;
    let portal_name = match run.portal_id {
        Some(id) => store.portal(id)?.map(|p| p.name),
        None => None,
    };
    Ok(RunDetail { run, undo_runs, portal_name })
}

/// A page of a run's rows, filtered, with how many rows match in all (at most `MAX_PAGE`).
pub fn items_page(
    store: &Store,
    run_id: i64,
    filter: &RunItemFilter,
    offset: u64,
    limit: u64,
) -> Result<RunItemPage, ApiError> {
    Ok(store.run_items_page(run_id, filter, offset, limit.min(MAX_PAGE))?)
}

/// Where a run's export went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportedRun {
    #[ts(type = "number")]
    pub run_id: i64,
    pub folder: String,
    pub success_file: String,
    #[ts(type = "number")]
    pub success_rows: u64,
    pub error_file: String,
    #[ts(type = "number")]
    pub error_rows: u64,
}

/// Exports run `run_id` into a new folder of `base` named after the run and `stamp`.
pub fn export_into(store: &Store, run_id: i64, base: &Path, stamp: &str) -> Result<ExportedRun, ApiError> {
    let folder = unique_path(base, &format!("{EXPORT_PREFIX}{run_id}"), "", stamp);
    let export = hubsync_sync::export_run(store, run_id, &folder)?;
    Ok(ExportedRun {
        run_id,
        folder: folder.display().to_string(),
        success_file: export.success_file.display().to_string(),
        success_rows: export.success_rows,
        error_file: export.error_file.display().to_string(),
        error_rows: export.error_rows,
    })
}

/// Whether `folder` is an export this layer made in `base` (the only folders a shell opens).
pub fn is_export_folder(base: &Path, folder: &Path) -> bool {
    folder.parent() == Some(base)
        && folder.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(EXPORT_PREFIX))
        && folder.is_dir()
}
