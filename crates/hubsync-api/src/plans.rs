//! One plan abstraction for every kind of sync: a push (or the retry of a push's failed rows),
//! a pull and an undo are prepared from what HubSpot holds, recorded as a preview or discarded,
//! and run for real, each by one path. A live run that stopped early is resumed by `resume`,
//! whatever its kind. Both shells go through here; only how they show progress differs.

use hubsync_auth::portals::PortalClient;
use hubsync_store::{CompanyCounts, Crossing, Guardrails, Portal, Run, RunCounts, RunKind, Store, StoreError};
use hubsync_sync::{
    Cancel, Estimate, JournaledPlan, PreparedPull, PreparedPush, PreparedUndo, Progress, PushOptions, SkippedPart,
    SyncError, UndoOptions,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Rows a live run writes to HubSpot at once (batches in flight).
pub const CONCURRENCY: usize = 8;

/// What to plan. A held run keeps it (as JSON) to plan it again when approved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PlanRequest {
    /// Leads to HubSpot: the leads with these emails (none: every lead); with `changed_only`,
    /// only those changed since their last push (never pushed, or edited since).
    Push {
        emails: Vec<String>,
        #[serde(default)]
        changed_only: bool,
    },
    /// HubSpot's contacts to leads, by the saved pull rules.
    Pull,
    /// What undoing live run `run_id` would put back.
    Undo { run_id: i64, options: UndoOptions },
    /// A push of the leads whose rows failed in push run `run_id`.
    RetryFailed { run_id: i64 },
}

impl PlanRequest {
    pub fn kind(&self) -> RunKind {
        match self {
            PlanRequest::Push { .. } | PlanRequest::RetryFailed { .. } => RunKind::Push,
            PlanRequest::Pull => RunKind::Pull,
            PlanRequest::Undo { .. } => RunKind::Undo,
        }
    }

    /// A push of the leads with these emails (none: every lead).
    pub fn push(emails: Vec<String>) -> PlanRequest {
        PlanRequest::Push { emails, changed_only: false }
    }
}

/// A plan the core prepared, of any kind.
#[derive(Debug)]
pub enum Plan {
    Push(PreparedPush),
    Pull(PreparedPull),
    Undo(PreparedUndo),
}

impl Plan {
    /// Reads HubSpot's side and plans `request` for `client`'s portal. Writes nothing.
    pub async fn prepare(
        store: &mut Store,
        client: &PortalClient,
        request: PlanRequest,
        concurrency: usize,
        cancel: &Cancel,
        on_progress: &mut dyn FnMut(Progress),
    ) -> Result<Plan, SyncError> {
        Ok(match request {
            PlanRequest::Push { emails, changed_only } => {
                let options = PushOptions { emails, concurrency, changed_only, ..PushOptions::default() };
                Plan::Push(hubsync_sync::prepare_push(store, client, &options, cancel, on_progress).await?)
            }
            PlanRequest::RetryFailed { run_id } => {
                let emails = hubsync_sync::failed_emails(store, run_id)?;
                let options = PushOptions { emails, concurrency, ..PushOptions::default() };
                Plan::Push(hubsync_sync::prepare_push(store, client, &options, cancel, on_progress).await?)
            }
            PlanRequest::Pull => Plan::Pull(hubsync_sync::prepare_pull(store, client, cancel, on_progress).await?),
            PlanRequest::Undo { run_id, options } => {
                let portal = Some(client.portal.portal_id);
                let options = UndoOptions { concurrency, ..options };
                Plan::Undo(
                    hubsync_sync::prepare_undo(store, client, run_id, portal, options, cancel, on_progress).await?,
                )
            }
        })
    }

    pub fn kind(&self) -> RunKind {
        match self {
            Plan::Push(_) => RunKind::Push,
            Plan::Pull(_) => RunKind::Pull,
            Plan::Undo(_) => RunKind::Undo,
        }
    }

    /// The journaled plan every kind holds beside its own counts.
    pub fn journaled(&self) -> &JournaledPlan {
        match self {
            Plan::Push(p) => &p.plan,
            Plan::Pull(p) => &p.plan,
            Plan::Undo(p) => &p.plan,
        }
    }

    /// Records the plan as a preview run (the history keeps every preview); returns its id.
    pub fn record(&self, store: &mut Store) -> Result<i64, SyncError> {
        self.journaled().record_preview(store)
    }

    /// Drops a plan that will not run (the admin said no); a recorded preview stays in the
    /// history.
    pub fn discard(self, store: &mut Store) -> Result<(), SyncError> {
        match self {
            Plan::Push(p) => p.plan.discard(store),
            Plan::Pull(p) => p.plan.discard(store),
            Plan::Undo(p) => p.plan.discard(store),
        }
    }

    /// Runs the plan for real: a push or undo writes to HubSpot through `client`, stopping
    /// itself between batches once its failures cross `limits`' failed share; a pull applies its
    /// plan to the store without calling HubSpot again. The plan's other limits are checked
    /// before (`guardrails::hold_if_crossed`).
    pub async fn run(
        self,
        store: &mut Store,
        client: &PortalClient,
        concurrency: usize,
        limits: &Guardrails,
        cancel: &Cancel,
        on_progress: &mut dyn FnMut(Progress),
    ) -> Result<Run, SyncError> {
        let max_failed_percent = limits.max_failed_percent;
        match self {
            Plan::Push(p) => {
                let options = PushOptions { concurrency, max_failed_percent, ..PushOptions::default() };
                hubsync_sync::run_push(store, client, p, &options, cancel, on_progress).await
            }
            Plan::Undo(p) => {
                let options = UndoOptions { concurrency, max_failed_percent, ..UndoOptions::default() };
                hubsync_sync::run_undo(store, client, p, &options, cancel, on_progress).await
            }
            Plan::Pull(p) => hubsync_sync::run_pull(store, p, cancel, on_progress),
        }
    }

    /// What the live run will cost.
    pub fn estimate(&self) -> &Estimate {
        &self.journaled().estimate
    }

    /// Rows the live run writes: nothing to write means nothing to run. A push's company creates,
    /// updates and associations count too.
    pub fn writes(&self) -> u64 {
        match self {
            Plan::Push(p) => {
                (p.counts.update + p.counts.create) as u64 + p.companies.as_ref().map_or(0, CompanyCounts::writes)
            }
            Plan::Pull(p) => (p.counts.new + p.counts.update) as u64,
            Plan::Undo(p) => p.counts.writes(),
        }
    }

    /// The kind-specific counts both shells show beside the run's counts: a push's skipped rows
    /// by reason (`skip_lines`, read from the recorded run `run_id`: a push's plan is journaled,
    /// not held).
    pub fn details(&self, store: &Store, run_id: i64) -> Result<Vec<CountLine>, SyncError> {
        Ok(match self {
            Plan::Push(_) => skip_lines(store, run_id)?,
            Plan::Pull(p) => {
                let c = &p.counts;
                vec![
                    line("unchanged", "unchanged", c.unchanged as u64),
                    line("no-email", "no email (skipped)", c.no_email as u64),
                    line("already-in-store", "already in the store (skipped)", c.already_in_store as u64),
                    line(
                        "company-rule-left-out",
                        "left out by a rule on their company (skipped)",
                        c.company_rule_left_out as u64,
                    ),
                    line("with-company", "with a company", c.with_company as u64),
                    line("new-companies", "companies new to the store", c.new_companies as u64),
                    line("deals", "deals", c.deals as u64),
                ]
            }
            Plan::Undo(p) => {
                let c = &p.counts;
                let mut lines = vec![
                    line("restore", "restore", c.restore),
                    line("archive", "archive", c.archive),
                    line("changed-since", "changed in HubSpot since", c.changed_since),
                    line("nothing-to-do", "nothing to do", c.skip),
                ];
                // The company part only for a run that wrote companies or associations.
                let (k, a) = (&c.companies, &c.associations);
                if k.restore + k.archive + k.changed_since + k.skip + a.unassociate + a.changed_since + a.skip > 0 {
                    lines.extend([
                        line("companies-restore", "companies: restore", c.companies.restore),
                        line("companies-archive", "companies: archive", c.companies.archive),
                        line(
                            "companies-changed-since",
                            "companies: changed in HubSpot since",
                            c.companies.changed_since,
                        ),
                        line("companies-nothing-to-do", "companies: nothing to do", c.companies.skip),
                        line("associations-unassociate", "associations: take back", c.associations.unassociate),
                        line(
                            "associations-restore-primary",
                            "associations: previous primary company again",
                            c.associations.restore_primary,
                        ),
                        line(
                            "associations-changed-since",
                            "associations: primary company changed since",
                            c.associations.changed_since,
                        ),
                        line("associations-nothing-to-do", "associations: nothing to do", c.associations.skip),
                    ]);
                }
                lines
            }
        })
    }

    /// A push's or an undo's companies and associations, counted, with the leads left without an
    /// association by why; `None` for a push whose rules associate nothing, an undo of a run
    /// that wrote none, and a pull.
    pub fn companies(&self, store: &Store, run_id: i64) -> Result<Option<CompanySummary>, SyncError> {
        match self {
            Plan::Push(p) if p.companies.is_some() => Ok(Some(company_summary(store, run_id)?)),
            Plan::Undo(_) => Ok(Some(company_summary(store, run_id)?).filter(|c| !c.counts.is_empty())),
            _ => Ok(None),
        }
    }

    /// The preview as both shells show it, once recorded as run `run`, with the active
    /// guardrails it crosses (a live run of it would be held).
    pub fn summary(&self, store: &Store, run: &Run, portal: &Portal) -> Result<PreviewSummary, SyncError> {
        let estimate = self.estimate();
        let crossed = store.guardrails()?.crossed_by(&store.plan_figures(run.id)?);
        Ok(PreviewSummary {
            run_id: run.id,
            kind: run.kind,
            undo_of: match self {
                Plan::Undo(p) => Some(p.undo_of),
                _ => None,
            },
            portal_id: portal.portal_id,
            portal_name: portal.name.clone(),
            counts: run.counts.clone(),
            details: self.details(store, run.id)?,
            companies: self.companies(store, run.id)?,
            skipped_parts: match self {
                Plan::Pull(p) => p.counts.skipped_parts.clone(),
                _ => Vec::new(),
            },
            api_calls: estimate.api_calls,
            seconds: estimate.seconds,
            writes: self.writes(),
            crossed,
        })
    }
}

/// Finishes a live push, pull or undo that stopped early. A pull's remaining rows are local
/// writes, so it needs no client: ask `needs_connection` before making one. A run that does
/// need one, given none, is refused as its portal not being connected.
pub async fn resume(
    store: &mut Store,
    run_id: i64,
    client: Option<&PortalClient>,
    concurrency: usize,
    limits: &Guardrails,
    cancel: &Cancel,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    if !needs_connection(run.kind) {
        return hubsync_sync::resume_pull(store, run_id, cancel, on_progress);
    }
    let Some(client) = client else {
        return Err(StoreError::PortalNotFound(run.portal_id.unwrap_or_default()).into());
    };
    let portal = Some(client.portal.portal_id);
    let max_failed_percent = limits.max_failed_percent;
    if run.kind == RunKind::Undo {
        let options = UndoOptions { concurrency, max_failed_percent, ..UndoOptions::default() };
        return hubsync_sync::resume_undo(store, client, run_id, portal, &options, cancel, on_progress).await;
    }
    let options = PushOptions { concurrency, max_failed_percent, ..PushOptions::default() };
    hubsync_sync::resume_push(store, client, run_id, portal, &options, cancel, on_progress).await
}

/// Whether resuming a run of `kind` talks to HubSpot: a pull's remaining rows are local writes.
pub fn needs_connection(kind: RunKind) -> bool {
    kind != RunKind::Pull
}

/// A push preview's skipped rows by why, each reason's code the key (`no-match-create-off`:
/// no contact matches and creating contacts is off; `unchanged`; `update-off`) and its words the
/// label: a shell can explain each, and say what would change it.
pub fn skip_lines(store: &Store, run_id: i64) -> Result<Vec<CountLine>, StoreError> {
    Ok(store
        .skip_reasons(run_id)?
        .into_iter()
        .map(|(reason, count)| CountLine { key: reason.code(), label: reason.to_string(), count })
        .collect())
}

/// Run `run_id`'s companies and associations, counted, and the leads left without an
/// association by why: each reason's code the key (`free-mail`, `company-not-created`, …), its
/// words the label.
pub fn company_summary(store: &Store, run_id: i64) -> Result<CompanySummary, StoreError> {
    let skipped = store
        .association_skip_reasons(run_id)?
        .into_iter()
        .filter(|(reason, _)| reason.code() != "already-associated")
        .map(|(reason, count)| CountLine { key: reason.code(), label: reason.label().into(), count })
        .collect();
    Ok(CompanySummary { counts: store.run_company_counts(run_id)?, skipped })
}

/// A push's companies and associations as a preview or a run shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CompanySummary {
    /// Company rows and association rows by planned action, and outcomes so far.
    pub counts: CompanyCounts,
    /// Leads left without an association, by why (already associated ones aside).
    pub skipped: Vec<CountLine>,
}

/// A count of a kind-specific outcome of a plan, in words (a pull's "unchanged", an undo's
/// "changed in HubSpot since").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CountLine {
    pub key: String,
    pub label: String,
    #[ts(type = "number")]
    pub count: u64,
}

fn line(key: &str, label: &str, count: u64) -> CountLine {
    CountLine { key: key.into(), label: label.into(), count }
}

/// A recorded preview: what the live run would do and cost, and where.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PreviewSummary {
    #[ts(type = "number")]
    pub run_id: i64,
    pub kind: RunKind,
    /// The run an undo preview undoes.
    #[ts(type = "number | null")]
    pub undo_of: Option<i64>,
    #[ts(type = "number")]
    pub portal_id: u64,
    pub portal_name: String,
    /// Rows by planned action (update, create, skip, invalid, archive).
    pub counts: RunCounts,
    pub details: Vec<CountLine>,
    /// A push's companies and associations, when its rules associate contacts with companies.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub companies: Option<CompanySummary>,
    /// What a pull didn't read beside the contacts (its companies, its deals), each with its
    /// code (`missing_scopes`) and the scopes that would let it.
    pub skipped_parts: Vec<SkippedPart>,
    /// What the live run will cost: API calls and seconds at the portal's rate limit.
    #[ts(type = "number")]
    pub api_calls: u64,
    pub seconds: f64,
    /// Rows the live run writes; nothing to write means nothing to run.
    #[ts(type = "number")]
    pub writes: u64,
    /// The guardrails the plan crosses: run for real, it would be held instead.
    pub crossed: Vec<Crossing>,
}
