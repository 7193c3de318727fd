//! How a running sync reports and is stopped: `Progress` by phase, and `Cancel`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use ts_rs::TS;

use crate::error::SyncError;

/// Stops a live run between batches: the batches in flight finish and are recorded, the rest
/// stay pending for `resume_push` (`resume_undo`, `resume_pull`). The reason becomes the run's
/// stop reason.
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

// What a running sync is doing; the app's pages get it as `SyncPhase`. No doc comment here:
// ts-rs would put it in ui/src/bindings/SyncPhase.ts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, rename = "SyncPhase")]
pub enum Phase {
    /// Reading HubSpot's side for a plan.
    Reading,
    /// Writing a live run's batches to HubSpot.
    Writing,
    /// Writing a live pull's rows into the lead store.
    Applying,
}

/// Rows handled so far out of the phase's total, in run `run_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The run the rows belong to: the preview run a preparation journals its plan in, or the
    /// live run being written or applied (a recorded preview runs as a new live run). Every
    /// report carries it, so a shell knows which run it started without looking for it.
    pub run_id: i64,
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}
