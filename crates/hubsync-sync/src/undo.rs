//! Undoing a live push: put back the values it overwrote in HubSpot and, if asked, archive the
//! contacts it created; its companies and associations likewise (`undo_companies.rs`). Planned
//! like a push (read what HubSpot holds now, decide per row, record a preview or journal a live
//! run) and written by the push's own executor, so an undo is resumable and lands each row once.
//!
//! A row HubSpot changed since the run (someone edited a property the run wrote) is flagged and
//! left alone, unless the admin forces it: an undo never silently throws away a later edit.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use hubsync_hubspot::{BATCH_LIMIT, HubSpotClient, Property, Record};
use hubsync_store::journal::{Journal, PlanJournal};
use hubsync_store::{
    FieldChange, ItemOutcome, PlanRow, RowNote, RowReason, Run, RunAction, RunItem, RunKind, RunMode, RunStatus, Store,
    StoreError,
};
use serde::Serialize;
use serde_json::json;

use crate::batch::{resume_run, run_plan};
use crate::convert::lifecycle_moves_backward;
use crate::error::{SyncError, WhyNotUndoable};
use crate::estimate::estimate_at_limit;
use crate::journal::{JournaledPlan, UnfinishedPlan, ensure_portal};
use crate::progress::{Cancel, Phase, Progress};
use crate::reads::read_by_id;
use crate::undo_companies::{UndoAssociationCounts, UndoCompanyCounts, plan_company_undo};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct UndoOptions {
    /// Archive the contacts and the companies the run created (they are kept otherwise).
    pub archive_created: bool,
    /// Also restore rows HubSpot changed since the run, and undo a run already undone.
    pub force: bool,
    /// Batches in flight at once, reading and writing; the portal's rate limiter paces them.
    pub concurrency: usize,
    /// The share of failed rows (percent) past which the live run stops itself; a guardrail,
    /// not a setting of the undo: the history doesn't keep it.
    #[serde(skip)]
    pub max_failed_percent: Option<f64>,
}

impl Default for UndoOptions {
    fn default() -> Self {
        UndoOptions { archive_created: false, force: false, concurrency: 8, max_failed_percent: None }
    }
}

impl UndoOptions {
    /// How its writes go out.
    fn writing(&self) -> crate::batch::Writing {
        crate::batch::Writing::new(self.concurrency, crate::companies::CREATE_SEARCH_LAG, self.max_failed_percent)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UndoCounts {
    /// Contacts whose earlier values would be put back.
    pub restore: u64,
    /// Contacts the run created that would be archived.
    pub archive: u64,
    /// Rows HubSpot changed since the run: left alone (or, forced, restored all the same).
    pub changed_since: u64,
    /// Rows with nothing to undo: values already back, contacts gone, created contacts kept.
    pub skip: u64,
    /// The run's companies: values put back, created ones archived.
    pub companies: UndoCompanyCounts,
    /// The associations the run made, taken back.
    pub associations: UndoAssociationCounts,
    /// The scope the connection lacks to read companies, if it does: the company part is
    /// skipped (its rows say so), the contacts' undo stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub companies_missing_scope: Option<String>,
}

impl UndoCounts {
    /// Rows the live undo writes: contacts, companies and associations.
    pub fn writes(&self) -> u64 {
        self.restore + self.archive + self.companies.restore + self.companies.archive + self.associations.unassociate
    }
}

/// An undo's plan, journaled in the store: recorded as a preview (`record_undo_preview`), run
/// (`run_undo`) or thrown away (`discard_undo`).
#[derive(Debug)]
pub struct PreparedUndo {
    pub plan: JournaledPlan,
    /// The run it undoes.
    pub undo_of: i64,
    pub counts: UndoCounts,
}

/// A row of the undone run that wrote something.
struct Written {
    item: RunItem,
    contact_id: String,
}

impl Written {
    fn of(item: RunItem) -> Option<Written> {
        let wrote = matches!(item.outcome, Some(ItemOutcome::Updated | ItemOutcome::Created | ItemOutcome::Archived));
        let contact_id = item.contact_id.clone().filter(|_| wrote)?;
        Some(Written { item, contact_id })
    }

    /// A create that met a contact already there (another writer made it between the plan and
    /// the write): the plan never read that contact, so its values from before the run are
    /// unknown, and "restoring" them would blank every property the run sent, email included.
    fn before_unknown(&self) -> bool {
        self.item.action == RunAction::Create && self.item.outcome != Some(ItemOutcome::Created)
    }
}

/// Written rows of the undone run read back from HubSpot, planned and journaled at a time.
const UNDO_PAGE: usize = 1_000;

/// Where a plan's step-1 rows are journaled until every step-0 row has its place; then they
/// move to follow them (`Store::move_rows`).
const LATER_ROWS: i64 = 1 << 40;

/// Checks the run can be undone, reads what HubSpot holds now for every contact it wrote, plans
/// the undo and journals it as a preview run that is not yet recorded (`JournaledPlan::run_id`).
/// Sends no write. A page of the undone run at a time, so neither the run's rows, the contacts
/// nor the plan are ever in memory whole. Stops between reads when `cancel` is cancelled,
/// leaving nothing behind.
pub async fn prepare_undo(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    connected_portal: Option<u64>,
    options: UndoOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<PreparedUndo, SyncError> {
    let paging = Paging { concurrency: options.concurrency, page: UNDO_PAGE };
    prepare_undo_paged(store, client, run_id, connected_portal, options, paging, cancel, progress).await
}

/// How an undo's preparation reads: batch reads in flight at once, and the rows of the undone
/// run (and contacts to read) a page holds, a multiple of 100.
#[derive(Clone, Copy)]
struct Paging {
    concurrency: usize,
    page: usize,
}

#[allow(clippy::too_many_arguments)]
async fn prepare_undo_paged(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    connected_portal: Option<u64>,
    options: UndoOptions,
    paging: Paging,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<PreparedUndo, SyncError> {
    let started = Instant::now();
    let calls_before = client.api_calls();
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    check_undoable(store, &run, connected_portal, options)?;
    store.check_run_address(&run)?;
    ensure_portal(client, run.portal_id).await?;
    let properties = client.properties().await?;
    let setup_calls = client.api_calls() - calls_before;

    let settings = json!({ "undo_of": run_id, "archive_created": options.archive_created, "force": options.force });
    let journal = UnfinishedPlan::begin(store, RunKind::Undo, run.portal_id, &settings)?;
    let context = UndoContext { undo_of: run_id, properties: &properties, options, paging };
    let total = run.counts.updated + run.counts.created + run.counts.archived;
    let planned = async {
        let mut tally = plan_pages(store, client, journal.run_id, &context, total, cancel, progress).await?;
        let company_calls_before = client.api_calls();
        // The run's companies and associations, once the contacts the undo archives are known.
        let companies = plan_company_undo(
            store,
            client,
            journal.run_id,
            run_id,
            options.force,
            options.archive_created,
            context.paging.concurrency,
            cancel,
        )
        .await?;
        tally.counts.companies = companies.companies;
        tally.counts.associations = companies.associations;
        tally.counts.companies_missing_scope = companies.missing_scope;
        let company_reads = client.api_calls() - company_calls_before;
        Ok::<_, SyncError>((tally, company_reads, companies.write_calls))
    };
    let (tally, company_reads, company_writes) = match planned.await {
        Ok(planned) => planned,
        Err(error) => return Err(journal.abandon(store, error)),
    };
    let read_calls = client.api_calls() - calls_before - setup_calls;

    let write_calls = [tally.step0_updates, tally.step1_updates, tally.archives]
        .iter()
        .map(|rows| rows.div_ceil(BATCH_LIMIT as u64))
        .sum::<u64>()
        + company_writes;
    let spent = client.api_calls() - calls_before;
    let per_call = if spent == 0 { std::time::Duration::ZERO } else { started.elapsed() / spent as u32 };
    let mut estimate = estimate_at_limit(client, setup_calls, read_calls, write_calls, per_call).await;
    estimate.company_read_calls = company_reads;
    estimate.company_write_calls = company_writes;
    let plan = journal.finish(store, estimate, spent)?;
    Ok(PreparedUndo { plan, undo_of: run_id, counts: tally.counts })
}

/// What planning a page of the undone run needs besides the page.
struct UndoContext<'a> {
    undo_of: i64,
    properties: &'a [Property],
    options: UndoOptions,
    paging: Paging,
}

impl UndoContext<'_> {
    /// Whether the undo reads the row's contact: archived contacts can't be read back (nor
    /// restored through the API), and created ones are only read to be archived.
    fn reads(&self, row: &Written) -> bool {
        row.item.outcome != Some(ItemOutcome::Archived)
            && (row.item.outcome != Some(ItemOutcome::Created) || self.options.archive_created)
            && !row.before_unknown()
    }
}

/// The plan's counts, and its rows to write by kind (for the estimate's batches).
#[derive(Default)]
struct Tally {
    counts: UndoCounts,
    step0_updates: u64,
    step1_updates: u64,
    archives: u64,
}

/// Reads the undone run's written rows a page at a time and plans them in chunks of 1,000
/// contacts to read (whole batches of 100 but the last), each chunk read from HubSpot, planned
/// and journaled in plan `plan_id`; then moves the step-1 rows after the step-0 ones.
async fn plan_pages(
    store: &mut Store,
    client: &HubSpotClient,
    plan_id: i64,
    context: &UndoContext<'_>,
    total: u64,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Tally, SyncError> {
    // A later step's row (an undo's stage set after its clear) folds into its contact's step-0
    // row; only an undo run has them, one per stage it moved back.
    let mut later: HashMap<String, Vec<Written>> = HashMap::new();
    for item in store.later_step_items(context.undo_of)? {
        if let Some(row) = Written::of(item) {
            later.entry(row.contact_id.clone()).or_default().push(row);
        }
    }
    let mut journal = UndoJournal { plan_id, tally: Tally::default(), next_seq: 0, next_later: LATER_ROWS };
    let (mut chunk, mut reads, mut done) = (Vec::new(), 0, 0);
    progress(Progress { run_id: plan_id, phase: Phase::Reading, done, total });
    let mut after = -1;
    loop {
        cancel.check()?;
        let page = store.step_items_page(context.undo_of, 0, after, context.paging.page)?;
        let last = page.len() < context.paging.page;
        after = page.last().map_or(after, |i| i.seq);
        let mut rows: Vec<Written> = page.into_iter().filter_map(Written::of).collect();
        for row in &mut rows {
            for step in later.remove(&row.contact_id).unwrap_or_default() {
                done += 1;
                fold_step(row, step);
            }
        }
        if last {
            // Later rows whose contact had no step-0 row stand on their own.
            let mut rest: Vec<Written> = later.drain().flat_map(|(_, rows)| rows).collect();
            rest.sort_by_key(|r| r.item.seq);
            rows.extend(rest);
        }
        for row in rows {
            done += 1;
            reads += usize::from(context.reads(&row));
            chunk.push(row);
            if reads == context.paging.page {
                journal.plan(store, client, context, std::mem::take(&mut chunk), cancel).await?;
                reads = 0;
                progress(Progress { run_id: plan_id, phase: Phase::Reading, done: done.min(total), total });
            }
        }
        if last {
            break;
        }
    }
    journal.plan(store, client, context, chunk, cancel).await?;
    progress(Progress { run_id: plan_id, phase: Phase::Reading, done: total, total });
    store.move_rows(plan_id, LATER_ROWS, journal.next_seq)?;
    Ok(journal.tally)
}

/// An undo's plan as it is journaled: its counts so far and the next rows' places.
struct UndoJournal {
    plan_id: i64,
    tally: Tally,
    next_seq: i64,
    next_later: i64,
}

impl UndoJournal {
    /// Reads, plans and journals a chunk of written rows.
    async fn plan(
        &mut self,
        store: &mut Store,
        client: &HubSpotClient,
        context: &UndoContext<'_>,
        written: Vec<Written>,
        cancel: &Cancel,
    ) -> Result<(), SyncError> {
        if written.is_empty() {
            return Ok(());
        }
        let planned = plan_page(client, context, written, self.next_seq, cancel).await?;
        self.next_seq += planned.items.len() as i64;
        self.tally.counts.add(&planned.counts);
        for item in planned.items.iter().chain(&planned.later).filter(|i| i.outcome.is_none()) {
            match (item.step, item.action) {
                (0, RunAction::Update) => self.tally.step0_updates += 1,
                (_, RunAction::Update) => self.tally.step1_updates += 1,
                (_, RunAction::Archive) => self.tally.archives += 1,
                _ => {}
            }
        }
        let later = planned.later.into_iter().map(|item| {
            self.next_later += 1;
            RunItem { seq: self.next_later - 1, ..item }
        });
        let rows = planned.items.into_iter().chain(later).map(|item| PlanRow {
            item: RunItem { outcome: RunMode::Preview.initial_outcome(item.outcome), ..item },
            claim: None,
        });
        store.add_plan_rows(self.plan_id, rows)?;
        Ok(())
    }
}

/// Reads what HubSpot holds now for a page of written rows and plans them, numbering the
/// step-0 rows from `first_seq`.
async fn plan_page(
    client: &HubSpotClient,
    context: &UndoContext<'_>,
    written: Vec<Written>,
    first_seq: i64,
    cancel: &Cancel,
) -> Result<UndoPage, SyncError> {
    let mut wanted: BTreeSet<String> =
        written.iter().flat_map(|w| w.item.changes.iter().map(|c| c.property.clone())).collect();
    wanted.insert("email".into());
    let known: BTreeSet<&str> = context.properties.iter().map(|p| p.name.as_str()).collect();
    let wanted: Vec<String> = wanted.into_iter().filter(|p| known.contains(p.as_str())).collect();
    let ids: Vec<String> = written
        .iter()
        .filter(|w| context.reads(w))
        .map(|w| w.contact_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let now = read_by_id(client, &ids, &wanted, context.paging.concurrency, cancel).await?;
    let lifecycle = context.properties.iter().find(|p| p.name == "lifecyclestage");
    Ok(plan_undo(context.undo_of, written, &now, lifecycle, context.options, first_seq))
}

/// Folds a later step's row into its contact's step-0 row, keeping the earliest value before
/// and the last value written.
fn fold_step(row: &mut Written, step: Written) {
    let changes = &mut row.item.changes;
    for change in step.item.changes {
        match changes.iter_mut().find(|c| c.property == change.property) {
            Some(earlier) => earlier.after = change.after,
            None => changes.push(change),
        }
    }
}

impl UndoCounts {
    fn add(&mut self, other: &UndoCounts) {
        self.restore += other.restore;
        self.archive += other.archive;
        self.changed_since += other.changed_since;
        self.skip += other.skip;
    }
}

fn check_undoable(
    store: &Store,
    run: &Run,
    connected_portal: Option<u64>,
    options: UndoOptions,
) -> Result<(), SyncError> {
    let refuse = |why| Err(SyncError::NotUndoable { run_id: run.id, why });
    match (run.kind, run.mode) {
        (_, RunMode::Preview) => return refuse(WhyNotUndoable::Preview),
        (RunKind::Pull, _) => return refuse(WhyNotUndoable::Pull),
        _ => {}
    }
    if run.status != RunStatus::Completed {
        return refuse(WhyNotUndoable::Pending);
    }
    if let (Some(run_portal), Some(connected)) = (run.portal_id, connected_portal)
        && run_portal != connected
    {
        return Err(SyncError::OtherPortal { run_id: run.id, run_portal, connected });
    }
    if let Some(undo) = store.undo_runs_of(run.id)?.first().filter(|_| !options.force) {
        return refuse(WhyNotUndoable::UndoneBy { undo_id: undo.id });
    }
    Ok(())
}

/// One row's verdict, before it becomes run items.
enum Verdict {
    Restore { changes: Vec<FieldChange>, later: Option<FieldChange>, notes: Vec<RowNote> },
    Archive { notes: Vec<RowNote> },
    ChangedSince(Vec<RowReason>),
    Skip(RowReason),
}

/// A page of the undo's rows: step 0's, numbered in the undone run's order, and the step-1 rows
/// of the lifecycle stages moved back (numbered by the caller, after every step-0 row).
struct UndoPage {
    items: Vec<RunItem>,
    later: Vec<RunItem>,
    counts: UndoCounts,
}

/// Plans a page of the undone run's written rows, numbering them from `first_seq`. Pure: what
/// HubSpot holds now is `now`, by contact id.
fn plan_undo(
    run_id: i64,
    written: Vec<Written>,
    now: &HashMap<String, Record>,
    lifecycle: Option<&Property>,
    options: UndoOptions,
    first_seq: i64,
) -> UndoPage {
    let mut items = Vec::new();
    let mut later = Vec::new();
    let mut counts = UndoCounts::default();
    for row in written {
        let before_unknown = row.before_unknown();
        let Written { item, contact_id } = row;
        let verdict = match item.outcome {
            _ if before_unknown => Verdict::Skip(RowReason::CreateMetContact { run_id }),
            Some(ItemOutcome::Archived) => Verdict::Skip(RowReason::ArchivedByRun { run_id }),
            Some(ItemOutcome::Created) if !options.archive_created => Verdict::Skip(RowReason::CreatedKept { run_id }),
            _ => match now.get(&contact_id) {
                None => Verdict::Skip(RowReason::ContactGone { contact_id: contact_id.clone() }),
                Some(contact) => judge(run_id, &item, contact, lifecycle, options),
            },
        };
        let seq = first_seq + items.len() as i64;
        // Written rows are pending, as in a live run; a preview marks them when it records them.
        let row = |action, reasons| RunItem {
            record: item.record.clone(),
            ..RunItem::planned(
                seq,
                item.lead_id,
                item.email.clone(),
                Some(contact_id.clone()),
                action,
                reasons,
                RunMode::Live,
            )
        };
        items.push(match verdict {
            Verdict::Restore { changes, later: second, notes } => {
                counts.restore += 1;
                if notes.iter().any(|n| matches!(n, RowNote::Forced { .. })) {
                    counts.changed_since += 1;
                }
                if let Some(change) = second {
                    later.push(RunItem {
                        changes: vec![change],
                        step: 1,
                        notes: vec![RowNote::StageAfterClear],
                        ..row(RunAction::Update, vec![])
                    });
                }
                RunItem { changes, notes, ..row(RunAction::Update, vec![]) }
            }
            Verdict::Archive { notes } => {
                counts.archive += 1;
                if notes.iter().any(|n| matches!(n, RowNote::Forced { .. })) {
                    counts.changed_since += 1;
                }
                RunItem { notes, ..row(RunAction::Archive, vec![]) }
            }
            Verdict::ChangedSince(reasons) => {
                counts.changed_since += 1;
                row(RunAction::Skip, reasons)
            }
            Verdict::Skip(reason) => {
                counts.skip += 1;
                row(RunAction::Skip, vec![reason])
            }
        });
    }
    UndoPage { items, later, counts }
}

/// Empty and absent are one thing to HubSpot.
pub(crate) fn same(a: Option<&str>, b: Option<&str>) -> bool {
    a.filter(|v| !v.is_empty()) == b.filter(|v| !v.is_empty())
}

/// A property a run wrote that HubSpot now holds another value of: a contact's or a company's.
pub(crate) struct Drift {
    pub(crate) property: String,
    pub(crate) now: Option<String>,
    pub(crate) wrote: Option<String>,
}

/// The changes a run wrote (neither kept nor blank) and each property of them `record` has
/// changed since.
pub(crate) fn written_and_drift<'c>(changes: &'c [FieldChange], record: &Record) -> (Vec<&'c FieldChange>, Vec<Drift>) {
    let written: Vec<&FieldChange> = changes.iter().filter(|c| !c.kept && c.after.is_some()).collect();
    let drift = written
        .iter()
        .filter(|c| !same(record.get(&c.property), c.after.as_deref()))
        .map(|c| Drift {
            property: c.property.clone(),
            now: record.get(&c.property).map(String::from),
            wrote: c.after.clone(),
        })
        .collect();
    (written, drift)
}

/// What to do with one contact the run wrote, from what HubSpot holds now.
fn judge(run_id: i64, item: &RunItem, contact: &Record, lifecycle: Option<&Property>, options: UndoOptions) -> Verdict {
    let (written, drift) = written_and_drift(&item.changes, contact);
    if !drift.is_empty() && !options.force {
        let mut reasons = vec![RowReason::ChangedSince { run_id }];
        reasons.extend(drift.into_iter().map(|Drift { property, now, wrote }| RowReason::Drift {
            property,
            now,
            wrote,
            run_id,
        }));
        return Verdict::ChangedSince(reasons);
    }
    let notes: Vec<RowNote> = drift
        .into_iter()
        .map(|Drift { property, now, wrote }| RowNote::Forced { property, now, wrote, run_id })
        .collect();
    if item.outcome == Some(ItemOutcome::Created) {
        return Verdict::Archive { notes };
    }
    let mut changes = Vec::new();
    let mut later = None;
    for change in written {
        let current = contact.get(&change.property);
        let earlier = change.before.as_deref();
        if same(current, earlier) {
            continue;
        }
        let restored = earlier.unwrap_or("").to_string();
        // A contact's email is how it is found: an undo never blanks it.
        if change.property == "email" && restored.is_empty() {
            continue;
        }
        let backward = change.property == "lifecyclestage"
            && !restored.is_empty()
            && lifecycle.is_some_and(|p| lifecycle_moves_backward(p, current, &restored));
        if backward {
            // HubSpot only moves the stage forward: clear it now, set the earlier stage next step.
            changes.push(FieldChange {
                after: Some(String::new()),
                before: current.map(String::from),
                ..change.clone()
            });
            later = Some(FieldChange { before: None, after: Some(restored), ..change.clone() });
        } else {
            changes.push(FieldChange { before: current.map(String::from), after: Some(restored), ..change.clone() });
        }
    }
    if changes.is_empty() {
        return Verdict::Skip(RowReason::AlreadyRestored { run_id });
    }
    Verdict::Restore { changes, later, notes }
}

/// Records the undo's plan as a preview run (`JournaledPlan::record_preview`).
pub fn record_undo_preview(store: &mut Store, prepared: &PreparedUndo) -> Result<i64, SyncError> {
    prepared.plan.record_preview(store)
}

/// Throws away an undo's plan that is neither recorded nor run (`JournaledPlan::discard`).
pub fn discard_undo(store: &mut Store, prepared: PreparedUndo) -> Result<(), SyncError> {
    prepared.plan.discard(store)
}

/// Runs the undo for real: its plan becomes the live run (a copy, when it was recorded as a
/// preview), then it is written step by step, `options.concurrency` batches at a time.
pub async fn run_undo(
    store: &mut Store,
    client: &HubSpotClient,
    prepared: PreparedUndo,
    options: &UndoOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let undo_of = prepared.undo_of;
    let span = |run_id| tracing::info_span!("undo", run_id, undo_of);
    run_plan(store, client, prepared.plan, options.writing(), cancel, progress, span).await
}

/// Finishes a live undo that a crash, a cancel, lost network or the daily limit left with rows
/// pending, `options.concurrency` batches at a time. Safe to repeat: updates and archives by id,
/// and association writes by pair, land once however often sent.
pub async fn resume_undo(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    connected_portal: Option<u64>,
    options: &UndoOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    if run.kind != RunKind::Undo {
        return Err(SyncError::NotAnUndo { run_id, kind: run.kind.as_str() });
    }
    let span = tracing::info_span!("undo", run_id, resumed = true);
    resume_run(store, client, run, connected_portal, options.writing(), cancel, progress, span).await
}

#[cfg(test)]
mod tests {
    use hubsync_store::{ImportOptions, LeadRow};

    use super::*;
    use crate::push::{PushOptions, prepare_push, run_push};

    /// An undo prepared 100 rows at a time plans exactly what one prepared 1,000 at a time
    /// does, with the same batch reads: for a push (whose created contacts are not read) and
    /// for an undo whose lifecycle stages were set back in a second step, which fold into their
    /// contacts' first rows however the pages fall.
    #[tokio::test]
    async fn an_undo_planned_in_small_pages_is_the_undo_planned_in_one() {
        let known = 250;
        let contacts: Vec<serde_json::Value> = (0..known)
            .map(|i| {
                json!({ "properties": { "email": format!("lead{i}@example.com"), "company": "Old", "lifecyclestage": "lead" } })
            })
            .collect();
        let (_sandbox, client, mut store) = crate::testing::sandboxed(contacts).await;
        store.set_mapping("company", "company", None).unwrap();
        store.set_mapping("lifecycle_stage", "lifecyclestage", None).unwrap();
        store.set_push_rules(Some(true), Some(true)).unwrap();
        let rows: Vec<LeadRow> = (0..known + 60)
            .map(|i| LeadRow {
                row: i + 1,
                email: format!("lead{i}@example.com"),
                values: vec![("company".into(), format!("Company {i}")), ("lifecycle_stage".into(), "customer".into())],
            })
            .collect();
        store.import_leads(&rows, ImportOptions::default()).unwrap();
        let options = PushOptions::default();
        let prepared = prepare_push(&mut store, &client, &options, &Cancel::default(), &mut |_| {}).await.unwrap();
        let push = run_push(&mut store, &client, prepared, &options, &Cancel::default(), &mut |_| {}).await.unwrap();
        assert_eq!((push.counts.updated, push.counts.created), (250, 60));

        async fn planned(
            store: &mut Store,
            client: &HubSpotClient,
            undo_of: i64,
            page: usize,
        ) -> (Vec<RunItem>, UndoCounts, u64) {
            let paging = Paging { concurrency: 2, page };
            let before = client.api_calls();
            let prepared = prepare_undo_paged(
                store,
                client,
                undo_of,
                None,
                UndoOptions::default(),
                paging,
                &Cancel::default(),
                &mut |_| {},
            )
            .await
            .unwrap();
            let rows = store.run_items(prepared.plan.run_id).unwrap();
            (rows, prepared.counts, client.api_calls() - before)
        }

        let (small, small_counts, small_calls) = planned(&mut store, &client, push.id, 100).await;
        let (whole, whole_counts, whole_calls) = planned(&mut store, &client, push.id, 1_000).await;
        assert_eq!((small_counts.restore, small_counts.skip), (250, 60), "created contacts are kept");
        assert_eq!(small.iter().filter(|r| r.step == 1).count(), 250, "each stage set back in step 1");
        assert_eq!(small.iter().map(|r| r.seq).collect::<Vec<_>>(), (0..560).collect::<Vec<i64>>());
        assert_eq!((small, small_counts), (whole.clone(), whole_counts));
        assert_eq!((small_calls, whole_calls), (1 + 3, 1 + 3), "properties, then 250 contacts in 3 reads");

        // Run that undo, then plan undoing it: its step-1 rows fold into their contacts' rows.
        let undo_options = UndoOptions { concurrency: 2, ..UndoOptions::default() };
        let prepared = prepare_undo(&mut store, &client, push.id, None, undo_options, &Cancel::default(), &mut |_| {})
            .await
            .unwrap();
        let undo_options = UndoOptions::default();
        let undo =
            run_undo(&mut store, &client, prepared, &undo_options, &Cancel::default(), &mut |_| {}).await.unwrap();
        assert_eq!((undo.status, undo.counts.updated, undo.counts.failed), (RunStatus::Completed, 500, 0));
        let (small, small_counts, small_calls) = planned(&mut store, &client, undo.id, 100).await;
        let (whole, whole_counts, _) = planned(&mut store, &client, undo.id, 1_000).await;
        assert_eq!((small_counts.restore, small.len()), (250, 250), "one row a contact: {small_counts:?}");
        let first = &small[0];
        let stage = first.changes.iter().find(|c| c.property == "lifecyclestage").unwrap();
        assert_eq!((stage.before.as_deref(), stage.after.as_deref()), (Some("lead"), Some("customer")));
        assert_eq!((small, small_counts), (whole, whole_counts));
        assert_eq!(small_calls, 1 + 3);
        let unfinished = store.runs().unwrap().into_iter().filter(|r| r.status == RunStatus::Running).count();
        assert_eq!(unfinished, 1, "each plan threw away the one left before it");
    }
}
