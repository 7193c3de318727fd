//! The batch writer a live push and a live undo share: a run's pending rows read back from its
//! journal a page at a time, sorted into batches of 100 by kind (updates by id, creates as
//! upserts by email, archives by id), sent `concurrency` at a time, a refused batch split until
//! its bad rows are isolated, and each reply's outcomes recorded as it lands.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use futures_util::stream::{FuturesUnordered, StreamExt};
use hubsync_hubspot::{BATCH_LIMIT, BatchOutcome, ClientError, HubSpotClient, Record, describe_scopes};
use hubsync_store::journal::{CompanyJournal, Journal};
use hubsync_store::{
    Crossing, Guardrails, ItemOutcome, ItemResult, RowFailure, Run, RunAction, RunItem, RunStatus, Store, StoreError,
};
use tracing::Instrument;

use crate::companies::{CompanyWriting, write_companies};
use crate::error::SyncError;
use crate::journal::{JournaledPlan, ensure_portal, give_back};
use crate::progress::{Cancel, Phase, Progress};
use crate::reads::addresses;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WriteKind {
    /// Batch update by record id.
    Update,
    /// Batch upsert by email: a create that can be resent without making a second contact.
    Upsert,
    /// Batch archive by record id (an undo's created contacts).
    Archive,
}

#[derive(Debug)]
struct Job {
    seq: i64,
    /// The record id for an update; the lowercased email for an upsert.
    key: String,
    properties: BTreeMap<String, String>,
}

#[derive(Debug)]
struct Batch {
    kind: WriteKind,
    jobs: Vec<Job>,
}

/// A live run's rows sorted into batches of 100 by kind, a page of the journal at a time. A
/// part-filled batch waits for the next page, so reading the journal in pages adds no call.
#[derive(Default)]
struct Batcher {
    updates: Vec<Job>,
    creates: Vec<Job>,
    archives: Vec<Job>,
}

impl Batcher {
    fn is_empty(&self) -> bool {
        self.updates.is_empty() && self.creates.is_empty() && self.archives.is_empty()
    }

    /// Takes a page of rows. Returns the batches now full (every batch, part-filled too, when
    /// `last`) and, failed, the rows no batch can take.
    fn add(&mut self, items: Vec<RunItem>, last: bool) -> (VecDeque<Batch>, Vec<ItemResult>) {
        let mut unwritable = Vec::new();
        for item in items {
            let properties: BTreeMap<String, String> =
                item.changes.iter().filter_map(|c| Some((c.property.clone(), c.after.clone()?))).collect();
            match (item.action, item.contact_id) {
                (RunAction::Update, Some(contact_id)) => {
                    self.updates.push(Job { seq: item.seq, key: contact_id, properties })
                }
                (RunAction::Create, _) => {
                    self.creates.push(Job { seq: item.seq, key: item.email.to_lowercase(), properties })
                }
                (RunAction::Archive, Some(contact_id)) => {
                    self.archives.push(Job { seq: item.seq, key: contact_id, properties })
                }
                // Only a damaged journal gets here; say so on the row rather than guess.
                (action, _) => unwritable.push(ItemResult {
                    seq: item.seq,
                    outcome: ItemOutcome::Failed,
                    contact_id: None,
                    error: Some(RowFailure::NoContactId { action }),
                }),
            }
        }
        let mut queue = VecDeque::new();
        for (kind, jobs) in [
            (WriteKind::Update, &mut self.updates),
            (WriteKind::Upsert, &mut self.creates),
            (WriteKind::Archive, &mut self.archives),
        ] {
            let full = if last { jobs.len() } else { jobs.len() / BATCH_LIMIT * BATCH_LIMIT };
            let waiting = jobs.split_off(full);
            // Each batch gets its own 100-slot vector (`split_off` would leave every batch
            // holding the capacity of all the rows after it).
            let mut ready = std::mem::replace(jobs, waiting).into_iter();
            loop {
                let batch: Vec<Job> = ready.by_ref().take(BATCH_LIMIT).collect();
                if batch.is_empty() {
                    break;
                }
                queue.push_back(Batch { kind, jobs: batch });
            }
        }
        (queue, unwritable)
    }
}

/// A batch's reply: its rows' results, or none for an archive (HubSpot answers 204).
type Reply = Result<Option<BatchOutcome>, ClientError>;

async fn send(client: &HubSpotClient, batch: Batch) -> (Batch, Reply) {
    let inputs: Vec<(String, BTreeMap<String, String>)> =
        batch.jobs.iter().map(|j| (j.key.clone(), j.properties.clone())).collect();
    let span = tracing::debug_span!("batch", kind = ?batch.kind, rows = inputs.len());
    let outcome = match batch.kind {
        WriteKind::Update => client.batch_update(&inputs).instrument(span).await.map(Some),
        WriteKind::Upsert => client.batch_upsert_by_email(&inputs).instrument(span).await.map(Some),
        WriteKind::Archive => {
            let ids: Vec<String> = inputs.into_iter().map(|(id, _)| id).collect();
            client.batch_archive(&ids).instrument(span).await.map(|()| None)
        }
    };
    (batch, outcome)
}

/// What to do with a batch's reply.
enum Verdict {
    Landed(Vec<ItemResult>),
    /// HubSpot refused the batch as a whole: send the halves to find the bad rows.
    Split(Batch, Batch),
    /// The run can't go on now (daily limit, token, scopes, network): the batch stays pending.
    Stop(ClientError),
}

/// Why a live run stopped with rows pending.
pub(crate) enum Stopped {
    /// Cancelled, for this reason.
    Cancelled(String),
    /// HubSpot refused a batch for a reason that is not about its rows.
    Refused(ClientError),
    /// Its failures crossed the failed share: it stopped itself between batches.
    Guardrail(Crossing),
}

/// A live run's failures as it writes, against its failed-share limit: once crossed, no further
/// batch goes out (those in flight land), and the run stops with its rows pending.
#[derive(Debug)]
pub(crate) struct FailureWatch {
    limits: Guardrails,
    /// Rows this session is to write, contacts, companies and associations.
    total: u64,
    written: u64,
    failed: u64,
    crossed: Option<Crossing>,
}

impl FailureWatch {
    pub(crate) fn new(limits: &Guardrails, total: u64) -> FailureWatch {
        FailureWatch { limits: limits.clone(), total, written: 0, failed: 0, crossed: None }
    }

    /// Counts `rows` written, `failed` of them failed.
    pub(crate) fn landed(&mut self, rows: u64, failed: u64) {
        self.written += rows;
        self.failed += failed;
        if self.crossed.is_none() {
            self.crossed = self.limits.failures_cross(self.failed, self.written, self.total);
            if let Some(crossed) = &self.crossed {
                tracing::warn!(%crossed, "the run's failures crossed its limit: stopping between batches");
            }
        }
    }

    pub(crate) fn crossed(&self) -> Option<&Crossing> {
        self.crossed.as_ref()
    }
}

impl Stopped {
    /// The reason the run's history keeps.
    fn reason(&self) -> String {
        match self {
            Stopped::Cancelled(reason) => reason.clone(),
            Stopped::Guardrail(crossed) => format!("it stopped itself: {crossed}"),
            Stopped::Refused(error) => match error.missing_scopes() {
                Some(scopes) => format!("HubSpot refused to write: the token lacks {}", describe_scopes(&scopes)),
                None => error.to_string(),
            },
        }
    }
}

fn judge(batch: Batch, outcome: Reply, resent: &HashSet<i64>) -> Verdict {
    match outcome {
        Ok(Some(outcome)) => Verdict::Landed(outcomes(&batch, outcome, resent)),
        Ok(None) => Verdict::Landed(
            batch
                .jobs
                .iter()
                .map(|job| ItemResult {
                    seq: job.seq,
                    outcome: ItemOutcome::Archived,
                    contact_id: Some(job.key.clone()),
                    error: None,
                })
                .collect(),
        ),
        Err(error) if rejects_rows(&error) => {
            if batch.jobs.len() > 1 {
                let mut first = batch.jobs;
                let second = first.split_off(first.len() / 2);
                Verdict::Split(Batch { kind: batch.kind, jobs: first }, Batch { kind: batch.kind, jobs: second })
            } else {
                let job = &batch.jobs[0];
                Verdict::Landed(vec![ItemResult {
                    seq: job.seq,
                    outcome: ItemOutcome::Failed,
                    contact_id: (batch.kind != WriteKind::Upsert).then(|| job.key.clone()),
                    error: Some(row_error(&error)),
                }])
            }
        }
        Err(error) => Verdict::Stop(error),
    }
}

/// A 4xx that is about the inputs (not the token, scopes or limits): some row is bad.
pub(crate) fn rejects_rows(error: &ClientError) -> bool {
    matches!(error.status(), Some(400..=499)) && !matches!(error.status(), Some(401 | 403 | 429))
}

/// What HubSpot said about a refused row: a property-value refusal names each property and its
/// problem instead of HubSpot's JSON-in-a-string message.
pub(crate) fn row_error(error: &ClientError) -> RowFailure {
    match error {
        ClientError::Api { status, message, body } => {
            let problems = body.as_ref().map(|b| b.property_problems()).unwrap_or_default();
            let detail = if problems.is_empty() {
                message.clone()
            } else {
                problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            };
            RowFailure::Refused { status: *status, category: error.category().map(String::from), detail }
        }
        // `rejects_rows` passes only HubSpot's answers; any other error is still worded whole.
        other => RowFailure::RefusedInBatch { detail: other.to_string() },
    }
}

/// Matches a reply's results and errors to the batch's rows: updates by record id, upserts by
/// any of the contact's addresses. A row the reply doesn't account for fails with what HubSpot said.
/// An upsert is a create when HubSpot made the contact now, or when an earlier attempt sent it
/// and its reply was lost: the client sent this batch again (`outcome.resent`), or an earlier
/// session of the run did (`resent`). Only planned creates are upserted, so the contact HubSpot
/// then calls "not new" is this run's own, which its undo archives.
fn outcomes(batch: &Batch, outcome: BatchOutcome, resent: &HashSet<i64>) -> Vec<ItemResult> {
    let mut by_key: HashMap<String, &Record> = HashMap::new();
    for record in &outcome.results {
        match batch.kind {
            WriteKind::Update | WriteKind::Archive => {
                by_key.insert(record.id.clone(), record);
            }
            WriteKind::Upsert => {
                for address in addresses(record) {
                    by_key.insert(address, record);
                }
            }
        }
    }
    let missing: HashSet<String> = outcome.missing().into_iter().map(|m| m.to_lowercase()).collect();
    let other_errors: Vec<String> = outcome
        .errors
        .iter()
        .filter(|e| e.category.as_deref() != Some("OBJECT_NOT_FOUND"))
        .filter_map(|e| e.message.clone())
        .collect();
    batch
        .jobs
        .iter()
        .map(|job| match by_key.get(&job.key) {
            Some(record) => ItemResult {
                seq: job.seq,
                outcome: match (batch.kind, record.new) {
                    (WriteKind::Upsert, Some(true)) => ItemOutcome::Created,
                    (WriteKind::Upsert, _) if outcome.resent || resent.contains(&job.seq) => ItemOutcome::Created,
                    _ => ItemOutcome::Updated,
                },
                contact_id: Some(record.id.clone()),
                error: None,
            },
            None => {
                let error = if missing.contains(&job.key.to_lowercase()) {
                    RowFailure::ContactGone { contact_id: job.key.clone() }
                } else if other_errors.is_empty() {
                    RowFailure::NoResult
                } else {
                    RowFailure::RefusedInBatch { detail: other_errors.join("; ") }
                };
                ItemResult {
                    seq: job.seq,
                    outcome: ItemOutcome::Failed,
                    contact_id: (batch.kind != WriteKind::Upsert).then(|| job.key.clone()),
                    error: Some(error),
                }
            }
        })
        .collect()
}

/// Pending rows read back from the journal at a time while writing: a run of any size is
/// written in bounded memory.
const WRITE_PAGE: usize = 10_000;

/// How a live run's rows go out: batches in flight at once, the journal's page, and how long
/// search may lag a write (`companies::CompanyWriting`).
pub(crate) struct Writing {
    pub(crate) concurrency: usize,
    pub(crate) page: usize,
    pub(crate) search_lag: std::time::Duration,
    /// The failed share the run stops itself at (the other limits are checked on the plan).
    pub(crate) limits: Guardrails,
}

impl Writing {
    pub(crate) fn new(concurrency: usize, search_lag: std::time::Duration, max_failed_percent: Option<f64>) -> Writing {
        let limits = Guardrails { max_failed_percent, ..Guardrails::default() };
        Writing { concurrency, page: WRITE_PAGE, search_lag, limits }
    }
}

/// Runs a push's or an undo's plan for real: the plan becomes the live run (a copy of it when
/// it was recorded as a preview), then its rows are written (`write`), in `span(live run id)`.
/// Returns the finished (or interrupted) run.
pub(crate) async fn run_plan(
    store: &mut Store,
    client: &HubSpotClient,
    plan: JournaledPlan,
    writing: Writing,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
    span: impl FnOnce(i64) -> tracing::Span,
) -> Result<Run, SyncError> {
    ensure_portal(client, plan.portal_id).await?;
    let calls_before = plan.api_calls;
    let run_id = plan.go_live(store)?;
    let written = write(store, client, run_id, calls_before, &writing, cancel, progress).instrument(span(run_id)).await;
    give_back(store, written)
}

/// Finishes live run `run` (a push or an undo: its caller checks which) that a crash, a cancel,
/// lost network or the daily limit left with rows pending, writing them in `span`. Safe to
/// repeat: updates by id, upserts by email and archives by id land once however often sent.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn resume_run(
    store: &mut Store,
    client: &HubSpotClient,
    run: Run,
    connected_portal: Option<u64>,
    writing: Writing,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
    span: tracing::Span,
) -> Result<Run, SyncError> {
    if let (Some(run_portal), Some(connected)) = (run.portal_id, connected_portal)
        && run_portal != connected
    {
        return Err(SyncError::OtherPortal { run_id: run.id, run_portal, connected });
    }
    store.check_run_address(&run)?;
    ensure_portal(client, run.portal_id).await?;
    let run = store.reopen_run(run.id)?;
    tracing::info!(run_id = run.id, pending = run.counts.pending, "resuming");
    let written = write(store, client, run.id, run.api_calls, &writing, cancel, progress).instrument(span).await;
    give_back(store, written)
}

/// Writes a live run's pending rows, read from its journal a page at a time, step by step
/// (each step whole before the next), and finishes the run: completed, or interrupted with the
/// reason it stopped (`SyncError::MissingScopes` when that reason is a scope the token lacks).
pub(crate) async fn write(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    calls_before: u64,
    writing: &Writing,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let base = client.api_calls();
    let calls = |client: &HubSpotClient| calls_before + (client.api_calls() - base);
    let total = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?.counts.pending
        + store.pending_company_work(run_id)?;
    // The contacts about to be written are no longer what the last reads remembered of them.
    store.forget_snapshots_run_writes(run_id)?;
    // Creates an earlier session sent without recording the reply: HubSpot now calls them
    // "not new", yet this run made them.
    let resent = store.sent_pending(run_id)?;
    let mut done = 0;
    let mut stop: Option<Stopped> = None;
    let mut watch = FailureWatch::new(&writing.limits, total);
    progress(Progress { run_id, phase: Phase::Writing, done, total });
    'steps: for step in store.pending_steps(run_id)? {
        // A later step builds on the earlier one for the same contact: where that failed, so does this.
        let failed_before: HashSet<String> =
            if step == 0 { HashSet::new() } else { store.failed_contacts(run_id, step - 1)? };
        let mut batcher = Batcher::default();
        let mut after_seq = -1;
        loop {
            let page = store.pending_items_at_step(run_id, step, after_seq, writing.page)?;
            let last = page.len() < writing.page;
            // Cancelled with rows still to send: they stay pending for a resume.
            if cancel.is_cancelled() && !(page.is_empty() && batcher.is_empty()) {
                stop = Some(Stopped::Cancelled(cancel.reason()));
                break 'steps;
            }
            if let Some(item) = page.last() {
                after_seq = item.seq;
            }
            let (blocked, items): (Vec<RunItem>, Vec<RunItem>) =
                page.into_iter().partition(|i| i.contact_id.as_ref().is_some_and(|c| failed_before.contains(c)));
            let mut unwritable: Vec<ItemResult> = blocked
                .iter()
                .map(|i| ItemResult {
                    seq: i.seq,
                    outcome: ItemOutcome::Failed,
                    contact_id: i.contact_id.clone(),
                    error: Some(RowFailure::EarlierStepFailed { step: step - 1 }),
                })
                .collect();
            let (queue, damaged) = batcher.add(items, last);
            unwritable.extend(damaged);
            if !unwritable.is_empty() {
                store.record_outcomes(run_id, &unwritable, calls(client))?;
                watch.landed(unwritable.len() as u64, unwritable.len() as u64);
                done += unwritable.len() as u64;
                progress(Progress { run_id, phase: Phase::Writing, done, total });
            }
            stop = write_batches(
                store,
                client,
                run_id,
                queue,
                &resent,
                writing.concurrency,
                cancel,
                &mut watch,
                &mut |landed| {
                    done += landed;
                    progress(Progress { run_id, phase: Phase::Writing, done, total });
                },
                &calls,
            )
            .await?;
            if stop.is_some() {
                break 'steps;
            }
            if last {
                break;
            }
        }
    }
    // A push's companies and associations follow its contacts: a create's contact id is then known.
    if stop.is_none() {
        let companies = CompanyWriting { concurrency: writing.concurrency, search_lag: writing.search_lag };
        let mut landed = |n: u64| {
            done += n;
            progress(Progress { run_id, phase: Phase::Writing, done, total });
        };
        stop = write_companies(store, client, run_id, companies, cancel, &mut watch, &mut landed, &calls).await?;
    }
    let status = store.finish_run(run_id, stop.as_ref().map(Stopped::reason).as_deref(), calls(client))?;
    // Crossed on the last batch, the run is complete all the same: nothing was held back.
    if let Some(Stopped::Guardrail(crossed)) = &stop
        && status == RunStatus::Interrupted
    {
        store.mark_stopped_by(run_id, crossed.guardrail)?;
    }
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    // Resuming can't help until the connection has the scope: an error that says so, not a run
    // that looks resumable.
    if let Some(Stopped::Refused(error)) = &stop
        && let Some(scopes) = error.missing_scopes()
    {
        return Err(SyncError::MissingScopes { run_id, pending: run.counts.pending, scopes });
    }
    Ok(run)
}

/// Sends a step's batches, `concurrency` at a time, recording each reply's outcomes as it
/// lands. Returns why it stopped early, if it did.
#[allow(clippy::too_many_arguments)]
async fn write_batches(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    mut queue: VecDeque<Batch>,
    resent: &HashSet<i64>,
    concurrency: usize,
    cancel: &Cancel,
    watch: &mut FailureWatch,
    landed: &mut dyn FnMut(u64),
    calls: &dyn Fn(&HubSpotClient) -> u64,
) -> Result<Option<Stopped>, SyncError> {
    let mut in_flight = FuturesUnordered::new();
    let mut stop: Option<Stopped> = None;
    loop {
        while stop.is_none()
            && watch.crossed().is_none()
            && !cancel.is_cancelled()
            && in_flight.len() < concurrency.max(1)
        {
            let Some(batch) = queue.pop_front() else { break };
            // Nothing goes out unless this process still holds the run's lease (marking creates
            // sent checks it too).
            if batch.kind == WriteKind::Upsert {
                store.mark_sent(run_id, &batch.jobs.iter().map(|j| j.seq).collect::<Vec<_>>())?;
            } else {
                store.check_lease(run_id)?;
            }
            in_flight.push(send(client, batch));
        }
        let Some((batch, outcome)) = in_flight.next().await else { break };
        // The versions HubSpot gave what it wrote: search results older than them are stale.
        let versions: Vec<(String, Option<String>)> = match &outcome {
            Ok(Some(written)) => {
                written.results.iter().map(|r| (r.id.clone(), r.get("lastmodifieddate").map(String::from))).collect()
            }
            _ => Vec::new(),
        };
        match judge(batch, outcome, resent) {
            Verdict::Landed(results) => {
                store.record_outcomes(run_id, &results, calls(client))?;
                store.remember_run_writes(run_id, &versions)?;
                let failed = results.iter().filter(|r| r.outcome == ItemOutcome::Failed).count();
                watch.landed(results.len() as u64, failed as u64);
                landed(results.len() as u64);
            }
            Verdict::Split(first, second) => {
                tracing::info!(rows = first.jobs.len() + second.jobs.len(), "batch refused; splitting it");
                queue.push_front(second);
                queue.push_front(first);
            }
            Verdict::Stop(error) => {
                tracing::warn!(%error, "stopping the run with its rows pending");
                stop.get_or_insert(Stopped::Refused(error));
            }
        }
    }
    if stop.is_none()
        && let Some(crossed) = watch.crossed()
    {
        stop = Some(Stopped::Guardrail(crossed.clone()));
    }
    if stop.is_none() && !queue.is_empty() {
        stop = Some(Stopped::Cancelled(cancel.reason()));
    }
    Ok(stop)
}

#[cfg(test)]
mod tests {
    use hubsync_store::RunMode;

    use super::*;

    #[test]
    fn a_batch_of_more_than_100_rows_never_forms() {
        let item = |seq: i64, action| RunItem {
            seq,
            lead_id: seq,
            email: format!("L{seq}@Example.com"),
            contact_id: (action == RunAction::Update).then(|| seq.to_string()),
            action,
            reasons: vec![],
            changes: vec![],
            notes: vec![],
            outcome: None,
            error: None,
            step: 0,
            record: Default::default(),
            related: None,
        };
        let items: Vec<RunItem> = (0..250)
            .map(|i| item(i, RunAction::Update))
            .chain((250..301).map(|i| item(i, RunAction::Create)))
            .collect();
        let (queue, unwritable) = Batcher::default().add(items, true);
        assert!(unwritable.is_empty());
        let sizes: Vec<(WriteKind, usize)> = queue.iter().map(|b| (b.kind, b.jobs.len())).collect();
        assert_eq!(
            sizes,
            vec![(WriteKind::Update, 100), (WriteKind::Update, 100), (WriteKind::Update, 50), (WriteKind::Upsert, 51)]
        );
        assert_eq!(queue[3].jobs[0].key, "l250@example.com", "upserts key by the lowercased email");
    }

    #[test]
    fn a_part_filled_batch_waits_for_the_next_page_of_the_journal() {
        let item = |seq: i64, action| RunItem {
            contact_id: (action == RunAction::Update).then(|| seq.to_string()),
            ..RunItem::planned(seq, seq, format!("l{seq}@example.com"), None, action, vec![], RunMode::Live)
        };
        let mut batcher = Batcher::default();
        let sizes = |queue: &VecDeque<Batch>| queue.iter().map(|b| (b.kind, b.jobs.len())).collect::<Vec<_>>();
        // Pages of 130 rows: 150 updates then 110 creates, as a journal read in pages holds them.
        let (first, _) = batcher.add((0..130).map(|i| item(i, RunAction::Update)).collect(), false);
        assert_eq!(sizes(&first), vec![(WriteKind::Update, 100)], "30 updates wait");
        let page: Vec<RunItem> = (130..150)
            .map(|i| item(i, RunAction::Update))
            .chain((150..260).map(|i| item(i, RunAction::Create)))
            .collect();
        let (second, _) = batcher.add(page, false);
        assert_eq!(sizes(&second), vec![(WriteKind::Upsert, 100)], "50 updates and 10 creates wait");
        let (last, unwritable) = batcher.add(Vec::new(), true);
        assert_eq!(sizes(&last), vec![(WriteKind::Update, 50), (WriteKind::Upsert, 10)]);
        assert!(unwritable.is_empty() && batcher.is_empty());
        let seqs: Vec<i64> =
            [first, second, last].iter().flatten().flat_map(|b| b.jobs.iter().map(|j| j.seq)).collect();
        assert_eq!(seqs.len(), 260, "every row in exactly one batch");
        assert_eq!(seqs.iter().collect::<HashSet<_>>().len(), 260);
    }
}
