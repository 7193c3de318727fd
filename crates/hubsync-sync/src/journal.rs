//! What push, pull and undo share around a plan journaled in the store: starting it, throwing
//! it away when its preparation fails, checking the portal before reading or writing, and giving
//! the portal's lease back when a live run stops on an error.

use hubsync_hubspot::HubSpotClient;
use hubsync_store::journal::{Journal, PlanJournal};
use hubsync_store::{NewRun, RunKind, RunMode, Store};

use crate::error::SyncError;

/// Refuses, before anything is read into a plan or written, a client whose token answers for
/// another portal than `portal` (the run's). The client asks once; every later check is free.
pub(crate) async fn ensure_portal(client: &HubSpotClient, portal: Option<u64>) -> Result<(), SyncError> {
    if let Some(portal) = portal {
        client.ensure_portal(portal).await?;
    }
    Ok(())
}

/// A live run's outcome, with its lease given back when it stopped on an error: the run stays as
/// it is, for a resume (which takes the lease again).
pub(crate) fn give_back<T>(store: &mut Store, outcome: Result<T, SyncError>) -> Result<T, SyncError> {
    if outcome.is_err() {
        store.release_lease();
    }
    outcome
}

/// Starts journaling a plan of `kind` (`Store::start_plan`), first throwing away any a crash
/// left neither recorded nor run: their reads are stale.
pub(crate) fn begin_plan(
    store: &mut Store,
    kind: RunKind,
    portal_id: Option<u64>,
    settings: &serde_json::Value,
) -> Result<i64, SyncError> {
    let discarded = store.discard_unfinished_plans(kind)?;
    if discarded > 0 {
        tracing::info!(discarded, kind = kind.as_str(), "threw away plans a crash left unfinished");
    }
    Ok(store.start_plan(&NewRun {
        kind,
        mode: RunMode::Preview,
        portal_id,
        settings: settings.clone(),
        estimate: serde_json::Value::Null,
        api_calls: 0,
    })?)
}

/// Throws away plan `run_id`, which `error` stopped midway, and hands the error on.
pub(crate) fn abandon_plan(store: &mut Store, run_id: i64, error: SyncError) -> SyncError {
    if let Err(discard) = store.discard_plan(run_id) {
        tracing::warn!(%discard, run_id, "could not throw away the unfinished plan");
    }
    error
}
