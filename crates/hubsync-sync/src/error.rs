//! The crate's error: what stopped a preparation, a run or a file, each with a stable code.

use hubsync_hubspot::{ClientError, describe_scopes};
use hubsync_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    HubSpot(#[from] ClientError),
    #[error("no lead has the email {}", .0.join(", "))]
    UnknownLeads(Vec<String>),
    #[error("run {run_id} is a {kind} run, not a push")]
    NotAPush { run_id: i64, kind: &'static str },
    #[error("run {run_id} is a {kind} run, not an undo")]
    NotAnUndo { run_id: i64, kind: &'static str },
    #[error("the saved pull rules can't be used with this portal: {0}")]
    InvalidRule(String),
    #[error(
        "run {run_id} belongs to portal {run_portal}, but portal {connected} is connected; connect that portal to resume it"
    )]
    OtherPortal { run_id: i64, run_portal: u64, connected: u64 },
    #[error("run {run_id} can't be undone: {why}")]
    NotUndoable { run_id: i64, why: WhyNotUndoable },
    #[error("cannot write {}: {source}", path.display())]
    File { path: std::path::PathBuf, source: std::io::Error },
    #[error("run {run_id} is a {kind} run: only a push's failed rows can be retried")]
    RetryNeedsAPush { run_id: i64, kind: &'static str },
    #[error("run {0} has no failed rows to retry")]
    NoFailedRows(i64),
    /// A preview stopped before its plan was made: nothing was recorded or written.
    #[error("the preview was stopped ({0}) before it finished; nothing was recorded or written: preview again")]
    Cancelled(String),
    /// HubSpot refused a live run's write for a scope the token lacks. The run stopped with its
    /// rows pending: it can finish once the connection has the scope, not before.
    #[error(
        "HubSpot refused to write: the token lacks {}; run {run_id} stopped with {pending} of its rows still to write",
        describe_scopes(.scopes)
    )]
    MissingScopes { run_id: i64, pending: u64, scopes: Vec<String> },
}

/// Why a run can't be undone (what to do about it is the shell's to say).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WhyNotUndoable {
    #[error("it is a preview, which wrote nothing")]
    Preview,
    #[error("it is a pull, which changed only the local store; undo puts back what a push wrote to HubSpot")]
    Pull,
    #[error("it has rows still pending; finish it first, then undo it")]
    Pending,
    /// Live undo run `undo_id` undid it already; only a forced undo undoes it again.
    #[error("run {undo_id} already undid it; to put its values back again, undo run {undo_id}")]
    UndoneBy { undo_id: i64 },
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Store(e) => e.code(),
            SyncError::HubSpot(e) => e.code(),
            SyncError::UnknownLeads(_) => "unknown_leads",
            SyncError::NotAPush { .. } | SyncError::RetryNeedsAPush { .. } => "not_a_push_run",
            SyncError::NotAnUndo { .. } => "not_an_undo_run",
            SyncError::NoFailedRows(_) => "no_failed_rows",
            SyncError::OtherPortal { .. } => "other_portal",
            SyncError::InvalidRule(_) => "invalid_rule",
            SyncError::NotUndoable { .. } => "not_undoable",
            SyncError::File { .. } => "file_error",
            SyncError::Cancelled(_) => "cancelled",
            SyncError::MissingScopes { .. } => "missing_scopes",
        }
    }
}
