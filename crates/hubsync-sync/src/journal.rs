//! What push, pull and undo share around a plan journaled in the store: starting it and
//! throwing it away when its preparation fails (`UnfinishedPlan`), finishing it as a
//! `JournaledPlan` that is then recorded as a preview, thrown away or made the live run;
//! checking the portal before reading or writing, and giving the portal's lease back when a
//! live run stops on an error.

use hubsync_hubspot::HubSpotClient;
use hubsync_store::journal::{Journal, PlanJournal};
use hubsync_store::{NewRun, RunKind, RunMode, Store};

use crate::error::SyncError;
use crate::estimate::Estimate;

/// A plan journaled in the store, whatever its kind: the run holding its rows, and what running
/// it needs. Push, pull and undo each hold one beside their own counts.
#[derive(Debug)]
pub struct JournaledPlan {
    /// The run holding the plan's rows: a preview, `running` until it is recorded
    /// (`record_preview`), run, or thrown away (`discard`). The plan is never in memory whole:
    /// at 1,000,000 leads it is gigabytes.
    pub run_id: i64,
    /// The portal it was made for, which a live run checks the client still answers for.
    pub portal_id: Option<u64>,
    /// What the live run will cost.
    pub estimate: Estimate,
    /// Calls the preparation made (they count toward the live run's).
    pub api_calls: u64,
}

impl JournaledPlan {
    /// Records the plan as a preview run (the history keeps every preview); returns its id.
    /// Writes nothing to HubSpot and changes no lead. Recording it again changes nothing.
    pub fn record_preview(&self, store: &mut Store) -> Result<i64, SyncError> {
        store.record_plan(self.run_id)?;
        Ok(self.run_id)
    }

    /// Throws away a plan that is neither recorded nor run (one not confirmed). A recorded
    /// preview stays in the history.
    pub fn discard(self, store: &mut Store) -> Result<(), SyncError> {
        Ok(store.discard_plan(self.run_id)?)
    }

    /// Makes the plan the live run (a copy of it when it was recorded as a preview), under the
    /// portal's lease; returns the live run's id.
    pub(crate) fn go_live(self, store: &mut Store) -> Result<i64, SyncError> {
        Ok(store.live_run_from_plan(self.run_id)?)
    }
}

/// A plan being journaled: begun, then finished (`finish`) or thrown away (`abandon`).
pub(crate) struct UnfinishedPlan {
    pub(crate) run_id: i64,
    portal_id: Option<u64>,
}

impl UnfinishedPlan {
    /// Starts journaling a plan of `kind` for `portal_id` (`Store::start_plan`), first throwing
    /// away any a crash left neither recorded nor run: their reads are stale.
    pub(crate) fn begin(
        store: &mut Store,
        kind: RunKind,
        portal_id: Option<u64>,
        settings: &serde_json::Value,
    ) -> Result<UnfinishedPlan, SyncError> {
        let discarded = store.discard_unfinished_plans(kind)?;
        if discarded > 0 {
            tracing::info!(discarded, kind = kind.as_str(), "threw away plans a crash left unfinished");
        }
        let run_id = store.start_plan(&NewRun {
            kind,
            mode: RunMode::Preview,
            portal_id,
            settings: settings.clone(),
            estimate: serde_json::Value::Null,
            api_calls: 0,
        })?;
        Ok(UnfinishedPlan { run_id, portal_id })
    }

    /// Throws the plan away, `error` having stopped it midway, and hands the error on.
    pub(crate) fn abandon(self, store: &mut Store, error: SyncError) -> SyncError {
        if let Err(discard) = store.discard_plan(self.run_id) {
            tracing::warn!(%discard, run_id = self.run_id, "could not throw away the unfinished plan");
        }
        error
    }

    /// Ends the plan's journal with its estimate and the calls its preparation made.
    pub(crate) fn finish(
        self,
        store: &mut Store,
        estimate: Estimate,
        api_calls: u64,
    ) -> Result<JournaledPlan, SyncError> {
        store.finish_plan(self.run_id, &serde_json::to_value(&estimate).expect("plain data"), api_calls)?;
        Ok(JournaledPlan { run_id: self.run_id, portal_id: self.portal_id, estimate, api_calls })
    }
}

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
