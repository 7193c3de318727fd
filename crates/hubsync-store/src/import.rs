//! Bulk imports of leads. Rows are checked and written one at a time inside one transaction,
//! so a caller reading a large file never holds it whole, and the end of the import decides
//! whether anything is kept. What an import remembers of every row (the email each row took)
//! lives in a temporary table, not in memory, so a file of a million rows takes the memory of a
//! small one. A large import writes in bulk (`Bulk`).

use std::collections::BTreeMap;

use rusqlite::{
    CachedStatement, Connection, OptionalExtension, Statement, Transaction, TransactionBehavior, params,
    params_from_iter,
};
use serde::Serialize;

use crate::Result;
use crate::error::{RowError, StoreError};
use crate::fields::{Field, canonical_email, field_map_of};
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

/// The rows an import writes before it may write in bulk (`LeadImport::bulk_after`): below it,
/// rebuilding the indexes would cost more than keeping them up to date.
pub const BULK_AFTER_ROWS: usize = 10_000;

/// The emails an import has taken, with the row that took each; the connection's own, gone
/// when the import ends.
const TAKEN_TABLE: &str = "DROP TABLE IF EXISTS temp.hubsync_import_taken;
    CREATE TEMP TABLE hubsync_import_taken (email_key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID;";

/// An import under way (`Store::begin_import`): `add` each row, then `finish`. Dropped
/// unfinished, it writes nothing.
pub struct LeadImport<'conn> {
    // Declared before `tx`, so they are reset before the transaction ends.
    statements: Statements<'conn>,
    tx: Transaction<'conn>,
    // Declared after `tx`: the checks come back once the transaction has ended.
    _foreign_keys: ForeignKeysOff<'conn>,
    fields: BTreeMap<String, Field>,
    now: String,
    options: ImportOptions,
    errors: Vec<RowError>,
    added: usize,
    updated: usize,
    /// The first lead this import added: the new leads' documents are indexed at the end.
    first_new: Option<i64>,
    bulk_after: usize,
    /// The leads in the store before the import, counted once it has written `bulk_after` rows.
    leads_before: Option<usize>,
    bulk: Option<Bulk>,
}

/// Prepared once per import: a large file runs each of them for every row.
struct Statements<'conn> {
    take: CachedStatement<'conn>,
    taken_by: CachedStatement<'conn>,
    find: CachedStatement<'conn>,
    insert: CachedStatement<'conn>,
    touch: CachedStatement<'conn>,
    values_of: CachedStatement<'conn>,
    set_value: CachedStatement<'conn>,
    clear_value: CachedStatement<'conn>,
    /// A new lead's values in one statement, by their count (made when first needed).
    insert_values: Vec<Option<Statement<'conn>>>,
    conn: &'conn Connection,
}

impl<'conn> LeadImport<'conn> {
    pub(crate) fn begin(conn: &'conn Connection, now: String, options: ImportOptions) -> Result<Self> {
        let foreign_keys = ForeignKeysOff::unless(conn, options.dry_run)?;
        // A write takes the write lock at once, so a busy store fails before any row is read.
        let behavior = if options.dry_run { TransactionBehavior::Deferred } else { TransactionBehavior::Immediate };
        let tx = Transaction::new_unchecked(conn, behavior)?;
        // Read under the write lock: no field the rows are checked against can go before the end.
        let fields = field_map_of(&tx)?;
        // Made inside the transaction, so an import that doesn't finish leaves no table behind.
        tx.execute_batch(TAKEN_TABLE)?;
        let statements = Statements {
            take: conn.prepare_cached(
                "INSERT INTO temp.hubsync_import_taken (email_key, row) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )?,
            taken_by: conn.prepare_cached("SELECT row FROM temp.hubsync_import_taken WHERE email_key = ?1")?,
            find: conn.prepare_cached(FIND_LEAD_BY_EMAIL_KEY)?,
            insert: conn.prepare_cached(INSERT_LEAD)?,
            touch: conn.prepare_cached("UPDATE leads SET email = ?1, updated_at = ?2 WHERE id = ?3")?,
            values_of: conn.prepare_cached("SELECT field_key, value FROM lead_values WHERE lead_id = ?1")?,
            set_value: conn.prepare_cached(SET_VALUE)?,
            clear_value: conn.prepare_cached(CLEAR_VALUE)?,
            insert_values: Vec::new(),
            conn,
        };
        Ok(LeadImport {
            statements,
            tx,
            _foreign_keys: foreign_keys,
            fields,
            now,
            options,
            errors: Vec::new(),
            added: 0,
            updated: 0,
            first_new: None,
            bulk_after: BULK_AFTER_ROWS,
            leads_before: None,
            bulk: None,
        })
    }

    /// Writes in bulk once this import has added `rows` leads and at least as many as the store
    /// held before it (`BULK_AFTER_ROWS` unless set; tests set it low).
    pub fn bulk_after(&mut self, rows: usize) {
        self.bulk_after = rows;
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
        let row_number = i64::try_from(row).unwrap_or(i64::MAX);
        if self.statements.take.execute(params![key, row_number])? == 0 {
            let first: i64 = self.statements.taken_by.query_row([&key], |r| r.get(0))?;
            self.reject(row, format!("{email} is also on row {first}"));
            return Ok(());
        }
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
        match existing {
            Some(id) => {
                statements.touch.execute(params![email, self.now, id])?;
                self.updated += 1;
                let mut stored: Vec<(String, String)> = statements
                    .values_of
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                // A re-imported file mostly holds what the store has: unchanged values are not
                // written again, and a lead none of whose values changed keeps its search text.
                if write_changed_values(statements, id, &values, &mut stored)? {
                    write_search_text(&self.tx, id)?;
                }
            }
            None => {
                statements.insert.execute(params![email, key, self.now])?;
                self.added += 1;
                let id = self.tx.last_insert_rowid();
                self.first_new.get_or_insert(id);
                let stored = new_values(values);
                statements.insert_values(id, &stored)?;
                insert_new_search_text(&self.tx, id, &key, stored.iter().map(|(f, v)| (f.as_str(), v.as_str())))?;
            }
        }
        self.consider_bulk()
    }

    /// Switches to bulk writing once the import has added enough leads (`bulk_after`). Only
    /// added leads count: a lead updated mostly keeps its values, which write nothing.
    fn consider_bulk(&mut self) -> Result<()> {
        let added = self.added;
        if self.bulk.is_some() || added < self.bulk_after {
            return Ok(());
        }
        let before = match self.leads_before {
            Some(before) => before,
            None => {
                let now: i64 = self.tx.query_row("SELECT count(*) FROM leads", [], |r| r.get(0))?;
                *self.leads_before.insert(usize::try_from(now).unwrap_or(0).saturating_sub(self.added))
            }
        };
        // Rebuilding an index costs the whole table: worth it once the import is the larger part.
        if added >= before {
            self.bulk = Some(Bulk::begin(&self.tx)?);
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
        let LeadImport { statements, tx, _foreign_keys, mut errors, options, added, updated, first_new, bulk, .. } =
            self;
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
            if let Some(bulk) = bulk {
                bulk.finish(&tx)?;
            }
            tx.execute_batch("DROP TABLE temp.hubsync_import_taken")?;
            tx.commit()?;
        }
        Ok(ImportSummary { added, updated, skipped: errors })
    }
}

impl Statements<'_> {
    /// Writes a new lead's values, one row each, in one statement.
    fn insert_values(&mut self, id: i64, values: &[(String, String)]) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        if self.insert_values.len() < values.len() {
            self.insert_values.resize_with(values.len(), || None);
        }
        let statement =
            match &mut self.insert_values[values.len() - 1] {
                Some(statement) => statement,
                slot => {
                    let rows = vec!["(?, ?, ?)"; values.len()].join(", ");
                    // OR IGNORE: no row can conflict (the lead is new, its fields distinct), and
                    // without a conflict that aborts, the statement opens no savepoint either.
                    slot.insert(self.conn.prepare(&format!(
                        "INSERT OR IGNORE INTO lead_values (lead_id, field_key, value) VALUES {rows}"
                    ))?)
                }
            };
        let params = values.iter().flat_map(|(field, value)| {
            [&id as &dyn rusqlite::ToSql, field as &dyn rusqlite::ToSql, value as &dyn rusqlite::ToSql]
        });
        statement.execute(params_from_iter(params))?;
        Ok(())
    }
}

/// A new lead's values from its checked `values`: the last of a field's values wins, as
/// writing them in turn would, and an empty one leaves the field out.
fn new_values(values: Vec<(String, Option<String>)>) -> Vec<(String, String)> {
    let mut stored: Vec<(String, String)> = Vec::with_capacity(values.len());
    for (field, value) in values {
        let slot = stored.iter().position(|(f, _)| *f == field);
        match (value, slot) {
            (Some(value), Some(slot)) => stored[slot].1 = value,
            (Some(value), None) => stored.push((field, value)),
            (None, Some(slot)) => {
                stored.swap_remove(slot);
            }
            (None, None) => {}
        }
    }
    stored
}

/// Writes a lead's checked `values` over `stored`, its values as they are: only those that
/// differ. `stored` ends as the lead's values now. Whether any was written.
fn write_changed_values(
    statements: &mut Statements<'_>,
    id: i64,
    values: &[(String, Option<String>)],
    stored: &mut Vec<(String, String)>,
) -> Result<bool> {
    let mut changed = false;
    for (field, value) in values {
        let slot = stored.iter().position(|(f, _)| f == field);
        match (value, slot) {
            (Some(value), Some(slot)) if stored[slot].1 == *value => {}
            (Some(value), slot) => {
                statements.set_value.execute(params![id, field, value])?;
                match slot {
                    Some(slot) => stored[slot].1.clone_from(value),
                    None => stored.push((field.clone(), value.clone())),
                }
                changed = true;
            }
            (None, Some(slot)) => {
                statements.clear_value.execute(params![id, field])?;
                stored.swap_remove(slot);
                changed = true;
            }
            (None, None) => {}
        }
    }
    Ok(changed)
}

/// FTS5 writes its pending terms out as a new segment each time they reach its `hashsize`
/// (1 MiB unless set), and merges segments as they pile up; a bulk import's terms are held until
/// this many bytes instead, so a million rows make tens of segments rather than thousands. The
/// memory is bounded by it, whatever the file's size (32 MiB measured no faster).
const BULK_SEARCH_HASH_BYTES: i64 = 16 << 20;
/// FTS5's own `hashsize` when none is set.
const FTS5_DEFAULT_HASH_BYTES: i64 = 1 << 20;

/// How a large import writes: the indexes of `lead_values` that no constraint needs (a lead has
/// a row there for each value, and an index on the values takes them at random places) are set
/// aside and built again at the end, from the table in one sorted pass, rather than kept up to
/// date a row at a time; the search index takes its terms in larger batches. All of it inside
/// the import's transaction: other connections see the store as it was until the import
/// commits, and an import that doesn't finish leaves every index as it was. (The indexes of
/// `leads` stay: a new lead's entries there go at the end, as its id, stamp and no contact do.)
struct Bulk {
    /// The indexes set aside, as `CREATE INDEX` statements, and whether each had statistics.
    indexes: Vec<(String, String, bool)>,
    /// The search index's own `hashsize`, if one was set.
    search_hash: Option<i64>,
}

impl Bulk {
    fn begin(conn: &Connection) -> Result<Bulk> {
        let has_statistics: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1')", [], |r| {
                r.get(0)
            })?;
        let mut indexes = Vec::new();
        // `origin = 'c'`: made by CREATE INDEX, not the table's key or a UNIQUE constraint.
        let mut stmt = conn.prepare(
            "SELECT l.name, s.sql FROM pragma_index_list('lead_values') l
             JOIN sqlite_schema s ON s.type = 'index' AND s.name = l.name
             WHERE l.origin = 'c' AND NOT l.\"unique\" ORDER BY l.name",
        )?;
        for index in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (name, sql) = index?;
            let analyzed = has_statistics
                && conn
                    .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_stat1 WHERE idx = ?1)", [&name], |r| r.get(0))?;
            indexes.push((name, sql, analyzed));
        }
        for (name, _, _) in &indexes {
            conn.execute_batch(&format!("DROP INDEX {}", quote_name(name)))?;
        }
        let search_hash: Option<i64> =
            conn.query_row("SELECT v FROM lead_search_config WHERE k = 'hashsize'", [], |r| r.get(0)).optional()?;
        set_search_hash(conn, BULK_SEARCH_HASH_BYTES)?;
        Ok(Bulk { indexes, search_hash })
    }

    /// Builds the indexes set aside again and gives the search index its `hashsize` back.
    fn finish(self, conn: &Connection) -> Result<()> {
        for (name, sql, analyzed) in &self.indexes {
            conn.execute_batch(sql)?;
            if *analyzed {
                conn.execute_batch(&format!("ANALYZE {}", quote_name(name)))?;
            }
        }
        match self.search_hash {
            Some(bytes) => set_search_hash(conn, bytes)?,
            None => {
                // FTS5 keeps its settings as rows: the default set and its row taken out leaves
                // the table as it was.
                set_search_hash(conn, FTS5_DEFAULT_HASH_BYTES)?;
                conn.execute("DELETE FROM lead_search_config WHERE k = 'hashsize'", [])?;
            }
        }
        Ok(())
    }
}

fn set_search_hash(conn: &Connection, bytes: i64) -> Result<()> {
    conn.execute("INSERT INTO lead_search (lead_search, rank) VALUES ('hashsize', ?1)", [bytes])?;
    Ok(())
}

/// An SQL identifier, quoted.
fn quote_name(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The connection's foreign-key checks, off for an import's transaction and back on after it
/// (SQLite changes them only outside a transaction). Checked a row at a time, they cost as much
/// as the writes of a new lead's values; the import writes only what they would let through:
/// values of fields read inside its transaction (under the write lock, so none can be removed
/// meanwhile) for a lead it has just written, and it removes no lead.
struct ForeignKeysOff<'conn> {
    conn: &'conn Connection,
    restore: bool,
}

impl<'conn> ForeignKeysOff<'conn> {
    /// Turns the checks off, unless `keep` (a dry run writes nothing).
    fn unless(conn: &'conn Connection, keep: bool) -> Result<Self> {
        let on: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
        let restore = on && !keep && conn.is_autocommit();
        if restore {
            conn.pragma_update(None, "foreign_keys", false)?;
        }
        Ok(ForeignKeysOff { conn, restore })
    }
}

impl Drop for ForeignKeysOff<'_> {
    fn drop(&mut self) {
        if self.restore {
            // Outside any transaction by now (the import's ended first), so this takes effect;
            // it can fail only when the connection itself is gone.
            let _ = self.conn.pragma_update(None, "foreign_keys", true);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::Store;
    use crate::clock::FixedClock;

    fn checks_foreign_keys(conn: &Connection) -> bool {
        conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap()
    }

    const SKIP: ImportOptions = ImportOptions { bad_rows: BadRows::Skip, dry_run: false };

    #[test]
    fn an_import_turns_the_foreign_key_checks_off_for_its_own_transaction_only() {
        let clock = Arc::new(FixedClock::at("2026-05-01T12:00:00Z".parse().unwrap()));
        let mut store = Store::open_in_memory(clock).unwrap();
        assert!(checks_foreign_keys(&store.conn));

        let mut finished = store.begin_import(SKIP).unwrap();
        assert!(!checks_foreign_keys(&finished.tx));
        finished.add(2, "a@example.com", &[("city", "Oslo")]).unwrap();
        finished.finish().unwrap();
        assert!(checks_foreign_keys(&store.conn), "back on once the import is kept");

        let mut dropped = store.begin_import(SKIP).unwrap();
        dropped.add(2, "b@example.com", &[]).unwrap();
        drop(dropped);
        assert!(checks_foreign_keys(&store.conn), "back on once a dropped import is undone");

        let mut refused = store.begin_import(ImportOptions::default()).unwrap();
        refused.add(2, "not an email", &[]).unwrap();
        assert!(refused.finish().is_err());
        assert!(checks_foreign_keys(&store.conn), "back on once a refused import is undone");

        let dry = store.begin_import(ImportOptions { dry_run: true, ..SKIP }).unwrap();
        assert!(checks_foreign_keys(&dry.tx), "a dry run writes nothing and leaves them be");
        dry.finish().unwrap();
        assert!(checks_foreign_keys(&store.conn));
        assert_eq!(store.lead_count().unwrap(), 1);
    }
}
