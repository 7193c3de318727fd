//! Bulk imports of leads. Rows are checked and written one at a time inside one transaction,
//! so a caller reading a large file never holds it whole, and the end of the import decides
//! whether anything is kept.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{CachedStatement, Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use crate::Result;
use crate::error::{RowError, StoreError};
use crate::fields::{Field, canonical_email};
use crate::leads::{
    CLEAR_VALUE, FIND_LEAD_BY_EMAIL_KEY, INSERT_LEAD, SET_VALUE, check_values, index_new_search_texts,
    insert_new_search_text, write_search_text,
};

/// One lead of a bulk import: its email and raw values by field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadRow {
    /// How the caller numbers it in errors (a CSV line, say).
    pub row: usize,
    pub email: String,
    pub values: Vec<(String, String)>,
}

/// What an import does with the rows it can't take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BadRows {
    /// Any bad row stops the import and nothing is written.
    #[default]
    Refuse,
    /// The good rows are written; the bad ones are left out and listed in the summary.
    Skip,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    pub bad_rows: BadRows,
    /// Check every row and count what would be added and updated, but write nothing.
    pub dry_run: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub added: usize,
    pub updated: usize,
    /// The rows left out (`BadRows::Skip`), in row order.
    pub skipped: Vec<RowError>,
}

/// An import under way (`Store::begin_import`): `add` each row, then `finish`. Dropped
/// unfinished, it writes nothing.
pub struct LeadImport<'conn> {
    // Declared before `tx`, so they are reset before the transaction ends.
    statements: Statements<'conn>,
    tx: Transaction<'conn>,
    fields: BTreeMap<String, Field>,
    now: String,
    options: ImportOptions,
    /// Each email (by its key) taken so far and the row that took it.
    taken: HashMap<String, usize>,
    errors: Vec<RowError>,
    added: usize,
    updated: usize,
    /// The first lead this import added: the new leads' documents are indexed at the end.
    first_new: Option<i64>,
}

/// Prepared once per import: a large file runs each of them for every row.
struct Statements<'conn> {
    find: CachedStatement<'conn>,
    insert: CachedStatement<'conn>,
    touch: CachedStatement<'conn>,
    set_value: CachedStatement<'conn>,
    clear_value: CachedStatement<'conn>,
}

impl<'conn> LeadImport<'conn> {
    pub(crate) fn begin(
        conn: &'conn Connection,
        fields: BTreeMap<String, Field>,
        now: String,
        options: ImportOptions,
    ) -> Result<Self> {
        // A write takes the write lock at once, so a busy store fails before any row is read.
        let behavior = if options.dry_run { TransactionBehavior::Deferred } else { TransactionBehavior::Immediate };
        let tx = Transaction::new_unchecked(conn, behavior)?;
        let statements = Statements {
            find: conn.prepare_cached(FIND_LEAD_BY_EMAIL_KEY)?,
            insert: conn.prepare_cached(INSERT_LEAD)?,
            touch: conn.prepare_cached("UPDATE leads SET email = ?1, updated_at = ?2 WHERE id = ?3")?,
            set_value: conn.prepare_cached(SET_VALUE)?,
            clear_value: conn.prepare_cached(CLEAR_VALUE)?,
        };
        Ok(LeadImport {
            statements,
            tx,
            fields,
            now,
            options,
            taken: HashMap::new(),
            errors: Vec::new(),
            added: 0,
            updated: 0,
            first_new: None,
        })
    }

    /// Checks one row and, unless the import already can't succeed, writes it. A bad row is
    /// recorded with its number, never returned: the error is only for the store failing.
    pub fn add(&mut self, row: usize, email: &str, values: &[(&str, &str)]) -> Result<()> {
        let (email, key) = match canonical_email(email) {
            Ok(canonical) => canonical,
            Err(_) if email.trim().is_empty() => {
                self.reject(row, "the email is empty; every lead needs one");
                return Ok(());
            }
            Err(invalid) => {
                self.reject(row, invalid.to_string());
                return Ok(());
            }
        };
        let values = match check_values(&self.fields, values) {
            Ok(values) => values,
            Err(e) => {
                self.reject(row, e.to_string());
                return Ok(());
            }
        };
        // Only a good row takes its email: a bad row left out must not shut out a good one.
        if let Some(first) = self.taken.get(&key) {
            let message = format!("{email} is also on row {first}");
            self.reject(row, message);
            return Ok(());
        }
        self.taken.insert(key.clone(), row);
        if self.options.bad_rows == BadRows::Refuse && !self.errors.is_empty() {
            // Nothing will be kept; the rest is only checked.
            return Ok(());
        }
        let statements = &mut self.statements;
        let existing: Option<i64> = statements.find.query_row([&key], |r| r.get(0)).optional()?;
        if self.options.dry_run {
            if existing.is_some() {
                self.updated += 1
            } else {
                self.added += 1
            }
            return Ok(());
        }
        let id = match existing {
            Some(id) => {
                statements.touch.execute(params![email, self.now, id])?;
                self.updated += 1;
                id
            }
            None => {
                statements.insert.execute(params![email, key, self.now])?;
                self.added += 1;
                self.tx.last_insert_rowid()
            }
        };
        for (field, value) in &values {
            match value {
                Some(value) => statements.set_value.execute(params![id, field, value])?,
                None => statements.clear_value.execute(params![id, field])?,
            };
        }
        match existing {
            None => {
                self.first_new.get_or_insert(id);
                insert_new_search_text(
                    &self.tx,
                    id,
                    &key,
                    values.iter().filter_map(|(field, value)| Some((field.as_str(), value.as_deref()?))),
                )?;
            }
            Some(_) => write_search_text(&self.tx, id)?,
        }
        Ok(())
    }

    /// Records a row the caller could not read (not text, a cell missing, …).
    pub fn reject(&mut self, row: usize, message: impl Into<String>) {
        self.errors.push(RowError { row, message: message.into() });
    }

    /// The bad rows so far, in the order they came.
    pub fn bad_rows(&self) -> &[RowError] {
        &self.errors
    }

    /// Keeps the rows (nothing for a dry run). With `BadRows::Refuse`, any bad row makes this
    /// `StoreError::InvalidRows` and nothing is kept.
    pub fn finish(self) -> Result<ImportSummary> {
        let LeadImport { statements, tx, mut errors, options, added, updated, first_new, .. } = self;
        drop(statements);
        errors.sort_by_key(|e| e.row);
        if options.bad_rows == BadRows::Refuse && !errors.is_empty() {
            tx.rollback()?;
            return Err(StoreError::InvalidRows(errors));
        }
        if options.dry_run {
            tx.rollback()?;
        } else {
            if let Some(first) = first_new {
                index_new_search_texts(&tx, first)?;
            }
            tx.commit()?;
        }
        Ok(ImportSummary { added, updated, skipped: errors })
    }
}
