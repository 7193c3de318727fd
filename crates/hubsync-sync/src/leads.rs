//! Leads in and out of files, as both the command line and the app do it: the export of every
//! lead to a CSV file `import` reads back, and the import of an admin's CSV file (its columns
//! matched to fields, bad rows refused or skipped into a row-error report).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use hubsync_store::{BadRows, ImportOptions, RowError, Store, StoreError};
use serde::Serialize;
use ts_rs::TS;

use crate::csv_import::{
    ColumnMatch, ColumnOverride, ColumnPlan, CsvFile, CsvImportError, CsvLayout, Delimiter, is_skipped_rows_file,
    match_columns, read_rows, write_skipped_rows,
};
use crate::error::SyncError;
use crate::files::{replace_file, spreadsheet_safe};

/// Leads read from the store at a time while exporting, so a large store is never held whole.
const EXPORT_PAGE: usize = 1000;

/// Writes every lead to `path` (replaced whole): `email`, then every other field by key, so the
/// file imports back as it is; values are made formula-safe. Returns how many leads it holds.
pub fn export_leads(store: &Store, path: &Path) -> Result<usize, SyncError> {
    let fields = store.fields()?;
    let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).filter(|k| *k != "email").collect();
    let mut count = 0;
    replace_file(path, |temp| {
        let mut out = csv::Writer::from_path(temp).map_err(std::io::Error::other)?;
        let header = std::iter::once("email").chain(keys.iter().copied());
        out.write_record(header).map_err(std::io::Error::other)?;
        let mut after = 0;
        loop {
            let page = store.leads_page(after, EXPORT_PAGE).map_err(std::io::Error::other)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for lead in &page {
                let row = std::iter::once(spreadsheet_safe(&lead.email))
                    .chain(keys.iter().map(|k| spreadsheet_safe(lead.value(k).unwrap_or(""))));
                out.write_record(row.map(|c| c.into_owned())).map_err(std::io::Error::other)?;
                count += 1;
            }
        }
        out.flush()
    })
    .map_err(|source| SyncError::File { path: path.to_path_buf(), source })?;
    Ok(count)
}

/// A CSV file open for import, its columns matched to fields: what the columns step shows.
pub struct PreparedImport {
    path: PathBuf,
    file: CsvFile,
    plan: ColumnPlan,
}

/// What an import does besides reading its rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSettings {
    /// Leave bad rows out (and list them) rather than refuse the whole file.
    pub skip_bad_rows: bool,
    /// Check every row and count, but write nothing.
    pub dry_run: bool,
    /// Where the skipped rows go, with their errors (only when `skip_bad_rows`); the file is
    /// replaced whole, and a file an earlier import left there is removed when no row is bad.
    pub errors_file: Option<PathBuf>,
}

/// How an import went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Imported {
    pub file: String,
    pub dry_run: bool,
    pub delimiter: Delimiter,
    pub columns: Vec<ColumnMatch>,
    /// Rows after the header: added + updated + skipped + blank.
    #[ts(type = "number")]
    pub rows: usize,
    #[ts(type = "number")]
    pub blank: usize,
    #[ts(type = "number")]
    pub added: usize,
    #[ts(type = "number")]
    pub updated: usize,
    /// Bad rows left out (skip-bad-rows).
    pub skipped: Vec<RowError>,
    /// The errors file written, if any.
    pub errors_file: Option<String>,
    /// An old errors file removed because no row was bad this time.
    pub removed_errors_file: Option<String>,
    /// A file where the errors file would go that Hubsync did not write, left as it is.
    #[serde(skip)]
    #[ts(skip)]
    pub kept_foreign_errors_file: Option<String>,
}

impl PreparedImport {
    /// Opens `path` and matches its columns (`overrides` first).
    pub fn open(store: &Store, path: &Path, overrides: &[ColumnOverride]) -> Result<PreparedImport, CsvImportError> {
        let file = CsvFile::open(path)?;
        let plan = match_columns(file.columns(), &store.fields()?, &store.mappings()?, overrides)?;
        Ok(PreparedImport { path: path.to_path_buf(), file, plan })
    }

    pub fn layout(&self) -> CsvLayout {
        self.file.layout()
    }

    pub fn plan(&self) -> &ColumnPlan {
        &self.plan
    }

    /// Imports every row in one transaction. A refused import (a bad row without
    /// `skip_bad_rows`) is `CsvImportError::Store(StoreError::InvalidRows)` and writes nothing.
    /// The skipped rows are on disk before the others are kept: if their file can't be written,
    /// nothing is imported and no row is lost. `progress` hears the bytes read now and then.
    pub fn run(
        mut self,
        store: &mut Store,
        settings: &ImportSettings,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Imported, CsvImportError> {
        let bad_rows = if settings.skip_bad_rows { BadRows::Skip } else { BadRows::Refuse };
        let errors_file = settings.errors_file.as_deref().filter(|_| settings.skip_bad_rows && !settings.dry_run);
        let mut import = store.begin_import(ImportOptions { bad_rows, dry_run: settings.dry_run })?;
        let counts = read_rows(&mut self.file, &self.plan, &mut import, progress)?;

        let mut written = None;
        if let Some(errors) = errors_file.filter(|_| !import.bad_rows().is_empty()) {
            replace_file(errors, |temp| {
                write_skipped_rows(&self.path, import.bad_rows(), BufWriter::new(File::create(temp)?)).map(|_| ())
            })
            .map_err(|source| CsvImportError::SkippedRowsFile {
                path: errors.to_path_buf(),
                source: Box::new(source),
            })?;
            written = Some(errors.display().to_string());
        }
        let summary = import.finish()?;
        let (mut removed, mut kept) = (None, None);
        if let Some(errors) = errors_file.filter(|e| summary.skipped.is_empty() && e.exists()) {
            if is_skipped_rows_file(errors) {
                std::fs::remove_file(errors)?;
                removed = Some(errors.display().to_string());
            } else {
                kept = Some(errors.display().to_string());
            }
        }
        Ok(Imported {
            file: self.path.display().to_string(),
            dry_run: settings.dry_run,
            delimiter: self.file.layout().delimiter,
            columns: self.plan.columns,
            rows: counts.rows,
            blank: counts.blank,
            added: summary.added,
            updated: summary.updated,
            skipped: summary.skipped,
            errors_file: written,
            removed_errors_file: removed,
            kept_foreign_errors_file: kept,
        })
    }
}

/// The rows of a refused import, when that is why it failed.
pub fn refused_rows(error: &CsvImportError) -> Option<&[RowError]> {
    match error {
        CsvImportError::Store(StoreError::InvalidRows(rows)) => Some(rows),
        _ => None,
    }
}
