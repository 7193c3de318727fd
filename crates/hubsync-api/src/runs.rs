//! The run history: a run with what belongs to it, a page of its rows, and its export.

use std::path::Path;

use hubsync_store::{
    LeaseHolder, Run, RunAssociationPage, RunCompanyPage, RunHold, RunItem, RunItemFilter, RunItemPage, Store,
    StoreError,
};
use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;
use crate::files::unique_path;

/// The most rows one page of a run's table carries.
pub const MAX_PAGE: u64 = 500;
/// Exports are folders named `hubsync-run-<id>-<stamp>`.
pub const EXPORT_PREFIX: &str = "hubsync-run-";

/// Every run and preview, newest first.
pub fn list(store: &Store) -> Result<Vec<Run>, ApiError> {
    Ok(store.runs()?)
}

/// One run with what belongs to it: the undo runs made of it, the portal's name, and the
/// process writing it now, if one is (the app, or a `hubsync` command).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RunDetail {
    pub run: Run,
    pub undo_runs: Vec<Run>,
    pub portal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub writer: Option<LeaseHolder>,
    /// A push's companies and associations, when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub companies: Option<crate::plans::CompanySummary>,
    /// What a guardrail held the run for, and what became of it (held, approved, refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hold: Option<RunHold>,
}

/// One run, or `run_not_found`.
pub fn get(store: &Store, run_id: i64) -> Result<Run, ApiError> {
    Ok(store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?)
}

pub fn detail(store: &Store, run_id: i64) -> Result<RunDetail, ApiError> {
    let run = get(store, run_id)?;
    let undo_runs = store.undo_runs_of(run_id)?;
    let portal_name = match run.portal_id {
        Some(id) => store.portal(id)?.map(|p| p.name),
        None => None,
    };
    let writer = store.run_writer(run_id)?;
    let companies = Some(crate::plans::company_summary(store, run_id)?).filter(|c| !c.counts.is_empty());
    let hold = if run.hold.is_some() { store.run_hold(run_id)? } else { None };
    Ok(RunDetail { run, undo_runs, portal_name, writer, companies, hold })
}

/// Up to `limit` (at most `MAX_PAGE`) of a push's company rows after row `after_seq`, in order
/// (by domain).
pub fn companies_page(store: &Store, run_id: i64, after_seq: i64, limit: u64) -> Result<RunCompanyPage, ApiError> {
    get(store, run_id)?;
    Ok(RunCompanyPage { items: store.run_companies_page(run_id, after_seq, limit.min(MAX_PAGE) as usize)? })
}

/// Up to `limit` (at most `MAX_PAGE`) of a push's association rows after row `after_seq` (a
/// lead's row), in order.
pub fn associations_page(
    store: &Store,
    run_id: i64,
    after_seq: i64,
    limit: u64,
) -> Result<RunAssociationPage, ApiError> {
    get(store, run_id)?;
    Ok(RunAssociationPage { items: store.run_associations_page(run_id, after_seq, limit.min(MAX_PAGE) as usize)? })
}

/// Every row of a run the filter matches, in order (a terminal lists them all; a window pages
/// with `items_page`).
pub fn items(store: &Store, run_id: i64, filter: &RunItemFilter) -> Result<Vec<RunItem>, ApiError> {
    get(store, run_id)?;
    Ok(store.run_items_page(run_id, filter, 0, u64::MAX)?.items)
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
    export(store, run_id, &unique_path(base, &format!("{EXPORT_PREFIX}{run_id}"), "", stamp))
}

/// Exports run `run_id` into `folder` (made if missing): its rows that went through in one
/// CSV file, those that need the admin in another.
pub fn export(store: &Store, run_id: i64, folder: &Path) -> Result<ExportedRun, ApiError> {
    let export = hubsync_sync::export_run(store, run_id, folder)?;
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
