//! A run's results as two CSV files an admin opens in a spreadsheet: the rows that went through
//! and the rows that need attention, each with the row's original columns (its values by lead
//! field as the run saw them) and then the contact id, action, outcome and message.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hubsync_store::{ItemOutcome, RunItem, Store, StoreError};
use serde::Serialize;

use crate::error::SyncError;
use crate::files::{replace_file, spreadsheet_safe};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunExport {
    pub run_id: i64,
    pub success_file: PathBuf,
    pub success_rows: u64,
    pub error_file: PathBuf,
    pub error_rows: u64,
}

/// Where a row goes: failed, invalid and still-pending rows need the admin; the rest went through
/// (written, skipped with a reason, or previewed).
fn is_error(item: &RunItem) -> bool {
    matches!(item.outcome, None | Some(ItemOutcome::Failed | ItemOutcome::Invalid))
}

fn message(item: &RunItem) -> String {
    let mut parts: Vec<String> = Vec::new();
    if item.outcome.is_none() {
        parts.push("pending: the run stopped before this row was written; resuming the run writes it".into());
    }
    parts.extend(item.error.iter().map(ToString::to_string));
    parts.extend(item.reasons.iter().map(ToString::to_string));
    parts.extend(item.notes.iter().map(ToString::to_string));
    parts.join("; ")
}

/// Writes `run-N-success.csv` and `run-N-errors.csv` into `dir` (created if missing; files of
/// those names are replaced whole). Both are written, the error file with its header alone when
/// no row needs attention, so an old file never lingers beside a new export.
pub fn export_run(store: &Store, run_id: i64, dir: &Path) -> Result<RunExport, SyncError> {
    store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    let file_error = |path: &Path, source: std::io::Error| SyncError::File { path: path.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;

    let columns = columns(store, run_id)?;
    let mut header: Vec<&str> = columns.iter().map(String::as_str).collect();
    header.extend(["hubspot_contact_id", "action", "outcome", "message"]);

    let success_file = dir.join(format!("run-{run_id}-success.csv"));
    let error_file = dir.join(format!("run-{run_id}-errors.csv"));
    let mut counts = (0, 0);
    replace_file(&success_file, |success_temp| {
        replace_file(&error_file, |error_temp| {
            let mut success = csv::Writer::from_path(success_temp).map_err(csv_error)?;
            let mut errors = csv::Writer::from_path(error_temp).map_err(csv_error)?;
            success.write_record(&header).map_err(csv_error)?;
            errors.write_record(&header).map_err(csv_error)?;
            for item in store.iter_run_items(run_id) {
                let item = item.map_err(std::io::Error::other)?;
                let mut row: Vec<String> = columns
                    .iter()
                    .map(|c| spreadsheet_safe(original_value(&item, c).unwrap_or("")).into_owned())
                    .collect();
                row.push(item.contact_id.clone().unwrap_or_default());
                row.push(item.action.as_str().into());
                row.push(item.outcome.map_or("pending", ItemOutcome::as_str).into());
                row.push(spreadsheet_safe(&message(&item)).into_owned());
                if is_error(&item) {
                    errors.write_record(&row).map_err(csv_error)?;
                    counts.1 += 1;
                } else {
                    success.write_record(&row).map_err(csv_error)?;
                    counts.0 += 1;
                }
            }
            errors.flush()?;
            success.flush()
        })
    })
    .map_err(|e| file_error(dir, e))?;
    Ok(RunExport { run_id, success_file, success_rows: counts.0, error_file, error_rows: counts.1 })
}

/// A row's value for a column: its record, else the value a change set (a pull keeps in its
/// record only what its changes don't carry), else the row's email for `email`.
fn original_value<'a>(item: &'a RunItem, column: &str) -> Option<&'a str> {
    item.record
        .get(column)
        .map(String::as_str)
        .or_else(|| item.changes.iter().find(|c| c.field == column).and_then(|c| c.after.as_deref()))
        .or_else(|| (column == "email").then_some(item.email.as_str()))
}

fn csv_error(error: csv::Error) -> std::io::Error {
    std::io::Error::other(error)
}

/// The original columns: `email`, then every field some row has a value for, in the store's
/// field order (fields deleted since come last, by name).
fn columns(store: &Store, run_id: i64) -> Result<Vec<String>, SyncError> {
    let mut keys = BTreeSet::new();
    for item in store.iter_run_items(run_id) {
        let item = item?;
        keys.extend(item.record.into_keys());
        keys.extend(item.changes.into_iter().filter(|c| c.after.is_some()).map(|c| c.field));
    }
    keys.remove("email");
    let mut columns = vec!["email".to_string()];
    for field in store.fields()? {
        if keys.remove(&field.key) {
            columns.push(field.key);
        }
    }
    columns.extend(keys);
    Ok(columns)
}
