//! Guardrails on every live run, whoever starts it (the app, the command line, a schedule): a
//! plan that crosses the active portal's limits is held instead of run (its preview kept, with
//! what it crossed), to be approved once or refused; a run's failures past the failed share stop
//! it between batches (`Plan::run`). One path for every shell.

use hubsync_auth::portals::PortalClient;
use hubsync_store::{Crossing, Guardrails, HoldState, Run, RunHold, Store};
use hubsync_sync::{Cancel, Progress};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::plans::{Plan, PlanRequest};

/// The active portal's guardrails.
pub fn get(store: &Store) -> Result<Guardrails, ApiError> {
    Ok(store.guardrails()?)
}

/// Saves the active portal's guardrails, checked whole first.
pub fn set(store: &mut Store, limits: &Guardrails) -> Result<Guardrails, ApiError> {
    Ok(store.set_guardrails(limits)?)
}

/// The active portal's runs still held, newest first (none without an active portal).
pub fn held_runs(store: &Store) -> Result<Vec<RunHold>, ApiError> {
    match store.active_portal()? {
        Some(portal) => Ok(store.held_runs(portal.portal_id)?),
        None => Ok(Vec::new()),
    }
}

/// What became of a live run asked for: it ran (to its end, or stopped with rows pending), or
/// its plan crossed a guardrail and it is held.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
#[ts(export)]
pub enum LiveOutcome {
    Ran { run: Run },
    Held { hold: RunHold },
}

impl LiveOutcome {
    /// The run, when it ran (not held).
    pub fn ran(self) -> Option<Run> {
        match self {
            LiveOutcome::Ran { run } => Some(run),
            LiveOutcome::Held { .. } => None,
        }
    }
}

/// Holds `plan` (recorded as a preview, if it isn't already) when it crosses `limits`, keeping
/// `request` to plan it again on approval; `None` when it crosses nothing and may run.
pub fn hold_if_crossed(
    store: &mut Store,
    plan: &Plan,
    request: &PlanRequest,
    limits: &Guardrails,
) -> Result<Option<RunHold>, ApiError> {
    let crossed = limits.crossed_by(&store.plan_figures(plan.journaled().run_id)?);
    if crossed.is_empty() {
        return Ok(None);
    }
    let run_id = plan.record(store)?;
    let request = serde_json::to_value(request).expect("plain data");
    let hold = store.hold_run(run_id, &crossed, &request)?;
    tracing::info!(run_id, crossed = %words(&crossed), "held by a guardrail: nothing was written");
    Ok(Some(hold))
}

/// The crossings in words, for logs and the command line ("1,204 creates, your limit is 500").
pub fn words(crossed: &[Crossing]) -> String {
    crossed.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// The limits an approval of `hold` runs under: the saved ones, raised to what the held plan
/// crossed them with, so a plan made again passes if it does no more than was approved.
pub fn approved_limits(saved: &Guardrails, hold: &RunHold) -> Guardrails {
    let mut limits = saved.clone();
    for crossing in &hold.crossed {
        let planned = crossing.planned;
        let count = |limit: &mut Option<u64>| *limit = Some(limit.unwrap_or(0).max(planned.ceil() as u64));
        let share = |limit: &mut Option<f64>| *limit = Some(limit.unwrap_or(0.0).max(planned));
        match crossing.guardrail {
            hubsync_store::Guardrail::Creates => count(&mut limits.max_creates),
            hubsync_store::Guardrail::Overwrites => count(&mut limits.max_overwrites),
            hubsync_store::Guardrail::Archives => count(&mut limits.max_archives),
            hubsync_store::Guardrail::OverwriteShare => share(&mut limits.max_overwrite_percent),
            hubsync_store::Guardrail::FailedShare => share(&mut limits.max_failed_percent),
        }
    }
    limits
}

/// Refuses held run `run_id`: it is never run.
pub fn refuse(store: &mut Store, run_id: i64) -> Result<RunHold, ApiError> {
    Ok(store.decide_hold(run_id, HoldState::Refused)?)
}

/// Approves held run `run_id` once, for `client`'s portal (the one it was held for): plans it
/// again from what HubSpot and the leads hold now (a held plan may be hours old) and runs it
/// under the saved limits raised to what was approved (`approved_limits`). A plan that now does
/// more than was approved is not run (`approval_exceeded`), and the run stays held. Whatever
/// stops the approval before its live run exists leaves the run held, to approve again.
pub async fn approve(
    store: &mut Store,
    client: &PortalClient,
    run_id: i64,
    concurrency: usize,
    cancel: &Cancel,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Run, ApiError> {
    let held = store.run(run_id)?.ok_or(hubsync_store::StoreError::RunNotFound(run_id))?;
    if held.portal_id != Some(client.portal.portal_id) {
        return Err(ApiError::new(
            ErrorCode::OtherPortal,
            format!(
                "Held run {run_id} was made for portal {}; make it the active portal to approve it.",
                held.portal_id.map_or_else(|| "none".into(), |p| p.to_string())
            ),
        ));
    }
    let hold = store.decide_hold(run_id, HoldState::Approved)?;
    let request: PlanRequest = serde_json::from_value(hold.request.clone()).map_err(|e| {
        ApiError::new(ErrorCode::StoreCorrupt, format!("Held run {run_id} keeps a request Hubsync can't read: {e}."))
    })?;
    let limits = approved_limits(&store.guardrails()?, &hold);
    let planned = Plan::prepare(store, client, request, concurrency, cancel, on_progress).await;
    let plan = match planned {
        Ok(plan) => plan,
        Err(error) => return Err(back_to_held(store, run_id, error.into())),
    };
    let crossed = match store.plan_figures(plan.journaled().run_id) {
        Ok(figures) => limits.crossed_by(&figures),
        Err(error) => return Err(back_to_held(store, run_id, error.into())),
    };
    if !crossed.is_empty() {
        let error = ApiError::new(
            ErrorCode::ApprovalExceeded,
            format!(
                "Nothing was written: planned again, the run does more than was approved ({}). It stays held; raise the guardrails, or run it by hand with higher limits.",
                words(&crossed)
            ),
        );
        if let Err(discard) = plan.discard(store) {
            tracing::warn!(%discard, "could not throw away the plan that exceeded its approval");
        }
        return Err(back_to_held(store, run_id, error));
    }
    // A plan not recorded as a preview goes live as itself: its id is the live run's.
    let live_id = plan.journaled().run_id;
    if let Some(schedule_id) = held.schedule_id {
        store.mark_scheduled(live_id, schedule_id)?;
    }
    let ran = plan.run(store, client, concurrency, &limits, cancel, on_progress).await;
    let went_live = store.run(live_id)?.is_some_and(|r| r.mode == hubsync_store::RunMode::Live);
    if went_live {
        store.finish_approval(run_id, Some(live_id))?;
    } else if let Err(error) = store.finish_approval(run_id, None) {
        tracing::warn!(%error, run_id, "could not put the held run back");
    }
    Ok(ran?)
}

/// Puts held run `run_id` back to held after its approval stopped before anything went live,
/// and hands `error` on.
fn back_to_held(store: &mut Store, run_id: i64, error: ApiError) -> ApiError {
    if let Err(undo) = store.finish_approval(run_id, None) {
        tracing::warn!(%undo, run_id, "could not put the held run back");
    }
    error
}
