//! How a running sync reports and is stopped: `Progress` by phase, and `Cancel`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::error::SyncError;

/// Stops a live run between batches: the batches in flight finish and are recorded, the rest
/// stay pending for `resume_push` (or `resume_pull`). The reason becomes the run's stop reason.
/// A preview stops between its reads with `SyncError::Cancelled`, having recorded nothing.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    reason: Arc<std::sync::Mutex<Option<String>>>,
}

impl Cancel {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Cancels with the reason the run's history shows (the first reason given wins).
    pub fn cancel_because(&self, reason: impl Into<String>) {
        self.reason.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(|| reason.into());
        self.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Why the run was cancelled: the reason given, or "cancelled".
    pub fn reason(&self) -> String {
        self.reason.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_else(|| "cancelled".into())
    }

    /// A preview's check between reads: `SyncError::Cancelled` once cancelled.
    pub fn check(&self) -> Result<(), SyncError> {
        if self.is_cancelled() { Err(SyncError::Cancelled(self.reason())) } else { Ok(()) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Reading HubSpot's contacts for the plan.
    Reading,
    /// Writing a live run's batches.
    Writing,
    /// Applying a live pull's rows to the lead store.
    Applying,
}

/// Rows handled so far out of the phase's total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}
