//! The requests sent to each portal, as every process using this store sees them. HubSpot's
//! limits are a portal's, not a process's: the app and every `hubsync` command record here each
//! request before they send it, so that run together or back to back they share one window per
//! portal (and one for search) instead of each starting from an empty one. The limits HubSpot's
//! headers stated are kept here too, so a new process starts with what the last one learned.
//!
//! A send is recorded when it is granted and again when its reply comes: HubSpot counts it at
//! some moment between the two, so only the later one is sure to free its slot no sooner than
//! HubSpot's window does, however long the request spent on the way.
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
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sends (
    -- Never reused, so a late reply can't restamp another process's send.
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
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

/// What a `take` gave: a recorded send, or how long until one may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerTake {
    /// Recorded; `replied` with this id once its reply came.
    Sent(i64),
    /// Nothing recorded: a slot frees in this many milliseconds.
    WaitMs(u64),
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
    pub fn take(&self, lane: &str, capacity: u32, span_ms: u64) -> Result<LedgerTake> {
        let portal = self.portal_id as i64;
        let mut conn = self.conn();
        // Immediate: the count and the insert are one step for every process.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = self.now_holding_the_lock();
        let since = now - span_ms as i64;
        // Sends more than a window after now are from before the clock was set back: they hold
        // no slot. (One a little after now is another process's, whose clock reads a little
        // ahead: it keeps its slot.)
        tx.execute(
            "DELETE FROM sends WHERE portal_id = ?1 AND lane = ?2 AND (sent_at_ms <= ?3 OR sent_at_ms > ?4)",
            params![portal, lane, since, now + span_ms as i64],
        )?;
        let sent: i64 = tx.query_row(
            "SELECT COUNT(*) FROM sends WHERE portal_id = ?1 AND lane = ?2",
            params![portal, lane],
            |r| r.get(0),
        )?;
        let capacity = i64::from(capacity.max(1));
        let taken = if sent < capacity {
            tx.execute(
                "INSERT INTO sends (portal_id, lane, sent_at_ms) VALUES (?1, ?2, ?3)",
                params![portal, lane, now],
            )?;
            LedgerTake::Sent(tx.last_insert_rowid())
        } else {
            // The one whose ageing out leaves room for one more.
            let frees: i64 = tx.query_row(
                "SELECT sent_at_ms FROM sends WHERE portal_id = ?1 AND lane = ?2 ORDER BY sent_at_ms LIMIT 1 OFFSET ?3",
                params![portal, lane, sent - capacity],
                |r| r.get(0),
            )?;
            LedgerTake::WaitMs((frees + span_ms as i64 - now).max(1) as u64)
        };
        tx.commit()?;
        Ok(taken)
    }

    /// Moves the send `id` of `lane` to now, when its reply came; one already aged out of the
    /// window (a request slower than the window) is recorded again.
    pub fn replied(&self, lane: &str, id: i64) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = self.now_holding_the_lock();
        let moved = tx.execute("UPDATE sends SET sent_at_ms = MAX(sent_at_ms, ?2) WHERE id = ?1", params![id, now])?;
        if moved == 0 {
            tx.execute(
                "INSERT INTO sends (portal_id, lane, sent_at_ms) VALUES (?1, ?2, ?3)",
                params![self.portal_id as i64, lane, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The time to stamp and judge sends by, read once the write lock is held: a time read
    /// before it, while other writers went first, would be older than what they recorded and
    /// take their sends for ones left in the future by a clock set back.
    fn now_holding_the_lock(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Records requests in `lane` that went out `ages_ms` milliseconds ago (a connection being
    /// made sends some before it knows its portal).
    pub fn record(&self, lane: &str, ages_ms: &[u64]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = self.now_holding_the_lock();
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

    /// `None` when the send was recorded, else the wait.
    fn wait(ledger: &RateLedger, lane: &str, capacity: u32, span_ms: u64) -> Option<u64> {
        match ledger.take(lane, capacity, span_ms).unwrap() {
            LedgerTake::Sent(_) => None,
            LedgerTake::WaitMs(ms) => Some(ms),
        }
    }

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
            assert_eq!(wait(&one, "general", 5, 10_000), None);
        }
        clock.advance(Duration::milliseconds(400));
        for _ in 0..2 {
            assert_eq!(wait(&two, "general", 5, 10_000), None);
        }
        // Full: the first send ages out 10 s after it went, 9.6 s from now.
        assert_eq!(wait(&two, "general", 5, 10_000), Some(9_600));
        assert_eq!(wait(&one, "general", 5, 10_000), Some(9_600), "refused sends are not recorded");
        assert_eq!(wait(&one, "search", 5, 1_000), None, "search has a window of its own");
        let other_portal = RateLedger::open(&dir.path().join("hubsync.db"), 8, clock.clone()).unwrap();
        assert_eq!(wait(&other_portal, "general", 5, 10_000), None, "and so has each portal");

        clock.advance(Duration::milliseconds(9_600));
        assert_eq!(wait(&two, "general", 5, 10_000), None, "the three first aged out");
        // Two room left of the three: the fourth waits for the sends 0.4 s in.
        assert_eq!(wait(&one, "general", 5, 10_000), None);
        assert_eq!(wait(&one, "general", 5, 10_000), None);
        assert_eq!(wait(&one, "general", 5, 10_000), Some(400));
    }

    #[test]
    fn a_clock_set_back_frees_the_slots_of_sends_it_left_in_the_future() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (_dir, one, _two) = ledgers(clock.clone());
        for _ in 0..5 {
            assert_eq!(wait(&one, "general", 5, 10_000), None);
        }
        assert_eq!(wait(&one, "general", 5, 10_000), Some(10_000));
        clock.advance(Duration::hours(-1));
        assert_eq!(wait(&one, "general", 5, 10_000), None, "not an hour's wait");
    }

    #[test]
    fn a_send_another_clock_stamped_a_moment_ahead_keeps_its_slot() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (dir, one, _two) = ledgers(clock.clone());
        let ahead = Arc::new(FixedClock::at(clock.now() + Duration::milliseconds(50)));
        let other = RateLedger::open(&dir.path().join("hubsync.db"), 7, ahead).unwrap();
        assert_eq!(wait(&other, "general", 1, 10_000), None);
        assert_eq!(wait(&one, "general", 1, 10_000), Some(10_050), "not taken for a clock set back");
    }

    #[test]
    fn sends_made_before_the_portal_was_known_count_from_when_they_went() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (_dir, one, two) = ledgers(clock);
        one.record("general", &[3_000, 1_000]).unwrap();
        for _ in 0..3 {
            assert_eq!(wait(&two, "general", 5, 10_000), None);
        }
        assert_eq!(wait(&two, "general", 5, 10_000), Some(7_000), "the one sent 3 s ago frees first");
    }

    #[test]
    fn a_send_frees_its_slot_a_window_after_its_reply_came_not_after_it_went() {
        let clock = Arc::new(FixedClock::at("2026-12-07T10:00:00Z".parse().unwrap()));
        let (_dir, one, two) = ledgers(clock.clone());
        let LedgerTake::Sent(slow) = one.take("general", 2, 10_000).unwrap() else { panic!("room") };
        let LedgerTake::Sent(quick) = one.take("general", 2, 10_000).unwrap() else { panic!("room") };
        one.replied("general", quick).unwrap();
        // The slow one's reply comes 3 s after it went: HubSpot may have counted it then.
        clock.advance(Duration::seconds(3));
        one.replied("general", slow).unwrap();
        assert_eq!(wait(&two, "general", 2, 10_000), Some(7_000), "the quick one frees first");
        clock.advance(Duration::seconds(7));
        assert_eq!(wait(&two, "general", 2, 10_000), None);
        assert_eq!(wait(&two, "general", 2, 10_000), Some(3_000), "not 10 s after the slow one went");

        // A reply slower than the window records its send again, from when it came.
        let LedgerTake::Sent(slowest) = one.take("search", 1, 1_000).unwrap() else { panic!("room") };
        clock.advance(Duration::seconds(2));
        assert_eq!(wait(&two, "search", 1, 1_000), None, "aged out while on its way");
        one.replied("search", slowest).unwrap();
        clock.advance(Duration::milliseconds(1));
        assert_eq!(wait(&two, "search", 1, 1_000), Some(999));
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
        wait(&one, "general", 1, 1);
        let path = rate_ledger_path(&dir.path().join("hubsync.db"));
        assert_eq!(path.file_name().unwrap(), "hubsync.db.ratelimits");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
