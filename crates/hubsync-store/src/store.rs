//! The store itself: one SQLite connection, opened and brought up to date here, and what every
//! concern's operations share (timestamps). Every change runs in a transaction, so a refused
//! change leaves nothing behind. The operations live by concern, each with its own `impl Store`
//! block: fields (`fields.rs`), leads (`leads.rs`), the mapping and rules (`mapping.rs`), portals
//! (`portals.rs`), runs (`runs.rs`, `run_items.rs`) and the sync engine's journal (`journal`).

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;

use crate::Result;
use crate::clock::Clock;
use crate::error::{BUSY_TIMEOUT, StoreError};
use crate::journal::Journal;
use crate::migrations::{MIGRATIONS, UpgradeProgress};

/// The lead store: one SQLite connection, with its run lease and lock file while it writes or
/// plans a run. Its operations live by concern (the crate docs list them).
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) clock: Arc<dyn Clock>,
    /// Where the lock files of run leases live (`leases.rs`): beside the store's file; none for a
    /// store in memory, which no other connection can open.
    pub(crate) leases_dir: Option<std::path::PathBuf>,
    /// The run lease this connection holds while it writes a live run.
    pub(crate) lease: Option<crate::leases::HeldLease>,
    /// This connection's lock file, made when it first leases or plans (`leases.rs`).
    pub(crate) presence: Option<crate::leases::Presence>,
}

impl Drop for Store {
    /// A connection that ends while it holds a run's lease gives it back (its run stays as it
    /// is, resumable); were this skipped, the OS lock going with the process lets it be taken over.
    fn drop(&mut self) {
        let released = self.release_lease();
        if let Some(presence) = self.presence.take() {
            // A lease row left behind names the file: leave it, unlocked, for the next writer.
            presence.end(!released);
        }
    }
}

pub(crate) fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_stamp(raw: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date. A file
    /// from a newer Hubsync is refused and left untouched (but for access by other users, which
    /// every store file loses here, before SQLite opens it).
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Store> {
        Self::open_reporting(path, clock, &mut |_| {})
    }

    /// `open`, telling `report` how an upgrade of the store's schema goes: before each pending
    /// migration, then once all are committed. A store that is up to date, or new (its schema
    /// made, not upgraded), reports nothing.
    pub fn open_reporting(
        path: &Path,
        clock: Arc<dyn Clock>,
        report: &mut dyn FnMut(UpgradeProgress),
    ) -> Result<Store> {
        crate::private_files::protect_store_files(path);
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        let version = Self::check_version(&conn, path).map_err(|e| e.at(path))?;
        // After the version check: a newer Hubsync's file keeps its journal mode too.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| StoreError::from(e).at(path))?;
        let mut store = Self::init(conn, clock, version, report).map_err(|e| e.at(path))?;
        let mut leases = path.as_os_str().to_owned();
        leases.push(".leases");
        store.leases_dir = Some(leases.into());
        Ok(store)
    }

    /// Reads the schema version (the first read of the file: a file that is no database fails
    /// here, before anything is written) and refuses a newer one.
    fn check_version(conn: &Connection, path: &Path) -> Result<i64> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found: version, known });
        }
        Ok(version)
    }

    /// A store that lives in memory, for tests and previews of imports.
    /// Now, by the store's clock (injected: tests move it).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let version = Self::check_version(&conn, Path::new(":memory:"))?;
        Self::init(conn, clock, version, &mut |_| {})
    }

    /// A number that grows whenever the store's contents change: another connection's commit
    /// (SQLite's `data_version`, which covers other processes) or one of this connection's own
    /// writes. A window compares it to the last it saw to know when to read again.
    pub fn data_version(&self) -> Result<u64> {
        let version: i64 = self.conn.query_row(
            "SELECT (SELECT data_version FROM pragma_data_version) + total_changes()",
            [],
            |r| r.get(0),
        )?;
        Ok(version as u64)
    }

    /// Brings a connection whose schema `version` was checked up to date, every pending migration
    /// in one transaction (a crash midway leaves the store as it was), telling `report` how far
    /// an upgrade is.
    fn init(
        mut conn: Connection,
        clock: Arc<dyn Clock>,
        version: i64,
        report: &mut dyn FnMut(UpgradeProgress),
    ) -> Result<Store> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        crate::lead_query::register_functions(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let known = MIGRATIONS.len() as i64;
        if version < known {
            // A new store's schema is made, not upgraded: nothing to report.
            let upgrade = version > 0;
            let pending = &MIGRATIONS[version as usize..];
            let tx = conn.transaction()?;
            for (i, migration) in pending.iter().enumerate() {
                if upgrade {
                    let from = version + i as i64;
                    let step = i + 1;
                    report(UpgradeProgress::Step {
                        step,
                        steps: pending.len(),
                        name: migration.name,
                        from,
                        to: from + 1,
                    });
                }
                tx.execute_batch(migration.sql)?;
            }
            tx.pragma_update(None, "user_version", known)?;
            tx.commit()?;
            if upgrade {
                report(UpgradeProgress::Done { steps: pending.len(), version: known });
            }
        }
        Ok(Store { conn, clock, leases_dir: None, lease: None, presence: None })
    }

    /// The token other connections know this one by while it leases or plans, its lock file
    /// made the first time.
    pub(crate) fn presence_token(&mut self) -> Result<String> {
        if let Some(presence) = &self.presence {
            return Ok(presence.token.clone());
        }
        let token: String = self.conn.query_row("SELECT lower(hex(randomblob(16)))", [], |r| r.get(0))?;
        let presence = crate::leases::Presence::announce(self.leases_dir.as_deref(), token.clone())?;
        self.presence = Some(presence);
        Ok(token)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`: `ok`, or what SQLite found.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}
