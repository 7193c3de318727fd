//! A portal's rate limits shared by every process using a lead store: the store's rate ledger
//! as the client's `SharedLimits`, opened once per portal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hubsync_hubspot::{Lane, RateLimitSeen, SharedLimits, SharedLimitsByPortal, SharedLimitsError, SharedTake};
use hubsync_store::{Clock, LedgerTake, RateLedger, SeenLimits, StoreError};

/// The rate ledgers beside one store, each portal's opened once, when first needed.
pub struct StoreLedgers {
    store_path: PathBuf,
    clock: Arc<dyn Clock>,
    opened: Mutex<HashMap<u64, Arc<LedgerLimits>>>,
}

impl std::fmt::Debug for StoreLedgers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreLedgers").field("store_path", &self.store_path).finish_non_exhaustive()
    }
}

impl StoreLedgers {
    pub fn new(store_path: &Path, clock: Arc<dyn Clock>) -> StoreLedgers {
        StoreLedgers { store_path: store_path.to_path_buf(), clock, opened: Mutex::default() }
    }

    /// `portal_id`'s ledger, opened the first time.
    fn ledger(&self, portal_id: u64) -> Result<Arc<LedgerLimits>, StoreError> {
        let mut opened = self.opened.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ledger) = opened.get(&portal_id) {
            return Ok(ledger.clone());
        }
        let ledger = Arc::new(LedgerLimits::open(&self.store_path, portal_id, self.clock.clone())?);
        opened.insert(portal_id, ledger.clone());
        Ok(ledger)
    }

    /// What HubSpot's headers last said of `portal_id`'s limits, by any process, and when.
    pub fn seen(&self, portal_id: u64) -> Result<Option<SeenLimits>, StoreError> {
        self.ledger(portal_id)?.0.seen()
    }
}

impl SharedLimitsByPortal for StoreLedgers {
    /// `None`, with a warning, when the ledger can't be opened: the client keeps its own windows.
    fn for_portal(&self, portal_id: u64) -> Option<Arc<dyn SharedLimits>> {
        match self.ledger(portal_id) {
            Ok(ledger) => Some(ledger),
            Err(error) => {
                tracing::warn!(%error, portal_id, "the rate limits shared with other processes can't be used");
                None
            }
        }
    }
}

/// The ledger beside a store, for one portal.
#[derive(Debug)]
pub struct LedgerLimits(RateLedger);

impl LedgerLimits {
    /// The shared windows of `portal_id` beside the store at `store_path`.
    fn open(store_path: &Path, portal_id: u64, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        Ok(LedgerLimits(RateLedger::open(store_path, portal_id, clock)?))
    }
}

impl SharedLimits for LedgerLimits {
    fn take(&self, lane: Lane, capacity: u32, span: Duration) -> Result<SharedTake, SharedLimitsError> {
        let span_ms = u64::try_from(span.as_millis()).unwrap_or(u64::MAX);
        Ok(match self.0.take(lane.as_str(), capacity, span_ms)? {
            LedgerTake::Sent(id) => SharedTake::Sent(id),
            LedgerTake::WaitMs(ms) => SharedTake::Wait(Duration::from_millis(ms)),
        })
    }

    fn replied(&self, lane: Lane, id: i64) -> Result<(), SharedLimitsError> {
        Ok(self.0.replied(lane.as_str(), id)?)
    }

    fn learn(&self, seen: &RateLimitSeen) -> Result<(), SharedLimitsError> {
        Ok(self.0.learn(seen.max, seen.interval_ms, seen.daily, seen.daily_remaining)?)
    }

    fn record(&self, lane: Lane, ages: &[Duration]) -> Result<(), SharedLimitsError> {
        let ages: Vec<u64> = ages.iter().map(|age| u64::try_from(age.as_millis()).unwrap_or(u64::MAX)).collect();
        Ok(self.0.record(lane.as_str(), &ages)?)
    }

    fn seen(&self) -> Result<Option<RateLimitSeen>, SharedLimitsError> {
        Ok(self.0.seen()?.map(|seen| RateLimitSeen {
            max: seen.per_window,
            remaining: None,
            interval_ms: seen.window_ms,
            daily: seen.daily,
            daily_remaining: seen.daily_remaining,
        }))
    }
}
