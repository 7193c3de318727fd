//! The requests sent to each portal, as every process using this store sees them. HubSpot's
//! limits are a portal's, not a process's: the app and every `hubsync` command record here each
//! request before they send it, so that run together or back to back they share one window per
//! portal (and one for search) instead of each starting from an empty one. The limits HubSpot's
//! headers stated are kept here too, so a new process starts with what the last one learned.
//!
//! It is a small database of its own beside the store (`<store>.ratelimits`), not tables in it:
//! a write per request would wake every window that watches the store's version, and would wait
//! behind a long import's write transaction.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::Result;
use crate::clock::Clock;
use crate::error::{BUSY_TIMEOUT, StoreError};
use crate::store::{parse_stamp, stamp};

/// The ledger's schema; a file with another version is rebuilt (it holds nothing lasting).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sends (
    portal_id   INTEGER NOT NULL,
    lane        TEXT NOT NULL,
    sent_at_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sends_window ON sends (portal_id, lane, sent_at_ms);
CREATE TABLE IF NOT EXISTS limits (
    portal_id        INTEGER PRIMARY KEY,
    per_window       INTEGER,
    window_ms        INTEGER,
    daily            INTEGER,
    daily_remaining  INTEGER,
    seen_at          TEXT NOT NULL
);
";

/// What HubSpot's rate-limit headers last said of a portal, by any process, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenLimits {
    pub per_window: Option<u32>,
    pub window_ms: Option<u64>,
    pub daily: Option<u64>,
    pub daily_remaining: Option<u64>,
    pub seen_at: DateTime<Utc>,
}

/// One portal's entries in the ledger beside a store, on a connection of its own.
pub struct RateLedger {
    conn: Mutex<Connection>,
    portal_id: u64,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RateLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLedger").field("portal_id", &self.portal_id).finish_non_exhaustive()
    }
}

/// Where the ledger of the store at `store_path` lives.
pub fn rate_ledger_path(store_path: &Path) -> PathBuf {
    let mut path = store_path.as_os_str().to_owned();
    path.push(".ratelimits");
    path.into()
}

impl RateLedger {
    /// Opens (creating if needed) the ledger beside the store at `store_path`, for `portal_id`.
    pub fn open(store_path: &Path, portal_id: u64, clock: Arc<dyn Clock>) -> Result<RateLedger> {
        let path = rate_ledger_path(store_path);
        crate::private_files::protect_store_files(&path);
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(&path)?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if version != SCHEMA_VERSION {
                // Sends age out in seconds and limits are learned again: nothing here lasts.
                conn.execute_batch("DROP TABLE IF EXISTS sends; DROP TABLE IF EXISTS limits;")?;
            }
            conn.execute_batch(SCHEMA)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            Ok(conn)
        };
        let conn = open().map_err(|source| StoreError::Open { path: path.clone(), source })?;
        Ok(RateLedger { conn: Mutex::new(conn), portal_id, clock })
    }

    pub fn portal_id(&self) -> u64 {
        self.portal_id
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a request in `lane` now if fewer than `capacity` were recorded in it over the
    /// last `span_ms`, by any process; else, recording nothing, how many milliseconds until
    /// enough of them age out for one more.
    pub fn take(&self, lane: &str, capacity: u32, span_ms: u64) -> Result<Option<u64>> {
        let now = self.clock.now().timestamp_millis();
        let since = now - span_ms as i64;
        let portal = self.portal_id as i64;
        let mut conn = self.conn();
        // Immediate: the count and the insert are one step for every process.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Sends from after now are from before the clock was set back: they hold no slot.
        tx.execute(
            "DELETE FROM sends WHERE portal_id = ?1 AND lane = ?2 AND (sent_at_ms <= ?3 OR sent_at_ms > ?4)",
            params![portal, lane, since, now],
        )?;
        let sent: i64 = tx.query_row(
            "SELECT COUNT(*) FROM sends WHERE portal_id = ?1 AND lane = ?2",
            params![portal, lane],
            |r| r.get(0),
        )?;
        let capacity = i64::from(capacity.max(1));
        let wait = if sent < capacity {
            tx.execute(
                "INSERT INTO sends (portal_id, lane, sent_at_ms) VALUES (?1, ?2, ?3)",
                params![portal, lane, now],
            )?;
            None
        } else {
            // The one whose ageing out leaves room for one more.
            let frees: i64 = tx.query_row(
                "SELECT sent_at_ms FROM sends WHERE portal_id = ?1 AND lane = ?2 ORDER BY sent_at_ms LIMIT 1 OFFSET ?3",
                params![portal, lane, sent - capacity],
                |r| r.get(0),
            )?;
            Some((frees + span_ms as i64 - now).max(1) as u64)
        };
        tx.commit()?;
        Ok(wait)
    }

    /// Records requests in `lane` that went out `ages_ms` milliseconds ago (a connection being
    /// made sends some before it knows its portal).
    pub fn record(&self, lane: &str, ages_ms: &[u64]) -> Result<()> {
        let now = self.clock.now().timestamp_millis();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO sends (portal_id, lane, sent_at_ms) VALUES (?1, ?2, ?3)")?;
            for age in ages_ms {
                insert.execute(params![self.portal_id as i64, lane, now - *age as i64])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Keeps what a reply's headers said of the portal's limits; figures a reply lacked keep
    /// their last value.
    pub fn learn(
        &self,
        per_window: Option<u32>,
        window_ms: Option<u64>,
        daily: Option<u64>,
        daily_remaining: Option<u64>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO limits (portal_id, per_window, window_ms, daily, daily_remaining, seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (portal_id) DO UPDATE SET
                per_window = COALESCE(excluded.per_window, per_window),
                window_ms = COALESCE(excluded.window_ms, window_ms),
                daily = COALESCE(excluded.daily, daily),
                daily_remaining = COALESCE(excluded.daily_remaining, daily_remaining),
                seen_at = excluded.seen_at",
            params![
                self.portal_id as i64,
                per_window,
                window_ms.map(|ms| ms as i64),
                daily.map(|d| d as i64),
                daily_remaining.map(|d| d as i64),
                stamp(self.clock.now())
            ],
        )?;
        Ok(())
    }

    /// What HubSpot's headers last said of this portal's limits, if any reply had them.
    pub fn seen(&self) -> Result<Option<SeenLimits>> {
        let row = self
            .conn()
            .query_row(
                "SELECT per_window, window_ms, daily, daily_remaining, seen_at FROM limits WHERE portal_id = ?1",
                params![self.portal_id as i64],
                |r| {
                    Ok(SeenLimits {
                        per_window: r.get::<_, Option<i64>>(0)?.map(|n| n as u32),
                        window_ms: r.get::<_, Option<i64>>(1)?.map(|n| n as u64),
                        daily: r.get::<_, Option<i64>>(2)?.map(|n| n as u64),
                        daily_remaining: r.get::<_, Option<i64>>(3)?.map(|n| n as u64),
                        seen_at: parse_stamp(&r.get::<_, String>(4)?)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::clock::FixedClock;

    fn ledgers(clock: Arc<FixedClock>) -> (tempfile::TempDir, RateLedger, RateLedger) {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("hubsync.db");
        let one = RateLedger::open(&store, 7, clock.clone()).unwrap();
        let two = RateLedger::open(&store, 7, clock).unwrap();
        (dir, one, two)
    }

    #[test]
    fn two_connections_share_one_window_per_portal_and_lane() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (dir, one, two) = ledgers(clock.clone());
        for _ in 0..3 {
            assert_eq!(one.take("general", 5, 10_000).unwrap(), None);
        }
        clock.advance(Duration::milliseconds(400));
        for _ in 0..2 {
            assert_eq!(two.take("general", 5, 10_000).unwrap(), None);
        }
        // Full: the first send ages out 10 s after it went, 9.6 s from now.
        assert_eq!(two.take("general", 5, 10_000).unwrap(), Some(9_600));
        assert_eq!(one.take("general", 5, 10_000).unwrap(), Some(9_600), "refused sends are not recorded");
        assert_eq!(one.take("search", 5, 1_000).unwrap(), None, "search has a window of its own");
        let other_portal = RateLedger::open(&dir.path().join("hubsync.db"), 8, clock.clone()).unwrap();
        assert_eq!(other_portal.take("general", 5, 10_000).unwrap(), None, "and so has each portal");

        clock.advance(Duration::milliseconds(9_600));
        assert_eq!(two.take("general", 5, 10_000).unwrap(), None, "the three first aged out");
        // Two room left of the three: the fourth waits for the sends 0.4 s in.
        assert_eq!(one.take("general", 5, 10_000).unwrap(), None);
        assert_eq!(one.take("general", 5, 10_000).unwrap(), None);
        assert_eq!(one.take("general", 5, 10_000).unwrap(), Some(400));
    }

    #[test]
    fn a_clock_set_back_frees_the_slots_of_sends_it_left_in_the_future() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (_dir, one, _two) = ledgers(clock.clone());
        for _ in 0..5 {
            assert_eq!(one.take("general", 5, 10_000).unwrap(), None);
        }
        assert_eq!(one.take("general", 5, 10_000).unwrap(), Some(10_000));
        clock.advance(Duration::hours(-1));
        assert_eq!(one.take("general", 5, 10_000).unwrap(), None, "not an hour's wait");
    }

    #[test]
    fn sends_made_before_the_portal_was_known_count_from_when_they_went() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (_dir, one, two) = ledgers(clock);
        one.record("general", &[3_000, 1_000]).unwrap();
        for _ in 0..3 {
            assert_eq!(two.take("general", 5, 10_000).unwrap(), None);
        }
        assert_eq!(two.take("general", 5, 10_000).unwrap(), Some(7_000), "the one sent 3 s ago frees first");
    }

    #[test]
    fn the_limits_learned_are_kept_for_every_connection_and_gaps_keep_the_last_figure() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (_dir, one, two) = ledgers(clock.clone());
        assert_eq!(two.seen().unwrap(), None);
        one.learn(Some(190), Some(10_000), Some(625_000), Some(600_000)).unwrap();
        clock.advance(Duration::seconds(5));
        one.learn(Some(190), Some(10_000), None, None).unwrap();
        let seen = two.seen().unwrap().unwrap();
        assert_eq!(
            (seen.per_window, seen.window_ms, seen.daily, seen.daily_remaining),
            (Some(190), Some(10_000), Some(625_000), Some(600_000))
        );
        assert_eq!(seen.seen_at, clock.now());
    }

    #[test]
    fn the_ledger_is_its_owners_alone_and_beside_the_store() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (dir, one, _two) = ledgers(clock);
        one.take("general", 1, 1).unwrap();
        let path = rate_ledger_path(&dir.path().join("hubsync.db"));
        assert_eq!(path.file_name().unwrap(), "hubsync.db.ratelimits");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
