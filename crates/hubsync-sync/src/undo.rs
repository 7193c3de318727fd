//! Undoing a live push: put back the values it overwrote in HubSpot and, if asked, archive the
//! contacts it created. Planned like a push (read what HubSpot holds now, decide per row, record
//! a preview or journal a live run) and written by the push's own executor, so an undo is
//! resumable and lands each row once.
//!
//! A row HubSpot changed since the run (someone edited a property the run wrote) is flagged and
//! left alone, unless the admin forces it: an undo never silently throws away a later edit.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use hubsync_hubspot::{BATCH_LIMIT, HubSpotClient, Property, Record};
use hubsync_store::StoreError;
use hubsync_store::{FieldChange, ItemOutcome, NewRun, Run, RunAction, RunItem, RunKind, RunMode, RunStatus, Store};
use serde::Serialize;
use serde_json::json;
use tracing::Instrument;

use crate::convert::lifecycle_moves_backward;
use crate::push::{
    Cancel, Estimate, Phase, Progress, PushOptions, SyncError, Writing, estimate_at_limit, read_by_id, write,
};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UndoOptions {
    /// Archive the contacts the run created (they are kept otherwise).
    pub archive_created: bool,
    /// Also restore rows HubSpot changed since the run, and undo a run already undone.
    pub force: bool,
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
}

/// An undo's plan and everything needed to record it as a preview or run it.
#[derive(Debug)]
pub struct PreparedUndo {
    pub undo_of: i64,
    pub items: Vec<RunItem>,
    pub counts: UndoCounts,
    pub estimate: Estimate,
    pub settings: serde_json::Value,
    pub portal_id: Option<u64>,
    pub api_calls: u64,
}

/// A row of the undone run that wrote something.
struct Written {
    item: RunItem,
    contact_id: String,
}

/// Checks the run can be undone, reads what HubSpot holds now for every contact it wrote, and
/// plans the undo. Sends no write. Stops between reads when `cancel` is cancelled.
#[allow(clippy::too_many_arguments)]
pub async fn prepare_undo(
    store: &Store,
    client: &HubSpotClient,
    run_id: i64,
    connected_portal: Option<u64>,
    options: UndoOptions,
    concurrency: usize,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<PreparedUndo, SyncError> {
    let started = Instant::now();
    let calls_before = client.api_calls();
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    check_undoable(store, &run, connected_portal, options)?;

    let mut written = Vec::new();
    for item in store.iter_run_items(run_id) {
        let item = item?;
        let wrote = matches!(item.outcome, Some(ItemOutcome::Updated | ItemOutcome::Created | ItemOutcome::Archived));
        if let (true, Some(contact_id)) = (wrote, item.contact_id.clone()) {
            written.push(Written { item, contact_id });
        }
    }
    let written = merge_steps(written);

    let properties = client.properties().await?;
    let setup_calls = client.api_calls() - calls_before;
    let mut wanted: BTreeSet<String> =
        written.iter().flat_map(|w| w.item.changes.iter().map(|c| c.property.clone())).collect();
    wanted.insert("email".into());
    let known: BTreeSet<&str> = properties.iter().map(|p| p.name.as_str()).collect();
    let wanted: Vec<String> = wanted.into_iter().filter(|p| known.contains(p.as_str())).collect();
    // Archived contacts can't be read back (nor restored through the API): no read for them.
    let ids: Vec<String> = written
        .iter()
        .filter(|w| w.item.outcome != Some(ItemOutcome::Archived))
        .filter(|w| w.item.outcome != Some(ItemOutcome::Created) || options.archive_created)
        .map(|w| w.contact_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let total = ids.len() as u64;
    progress(Progress { phase: Phase::Reading, done: 0, total });
    let mut now = HashMap::new();
    // A page of reads at a time, so progress moves and a cancel stops between pages.
    for (page, chunk) in ids.chunks(BATCH_LIMIT * concurrency.max(1)).enumerate() {
        cancel.check()?;
        now.extend(read_by_id(client, chunk, &wanted, concurrency, cancel).await?);
        let done = (page * BATCH_LIMIT * concurrency.max(1) + chunk.len()) as u64;
        progress(Progress { phase: Phase::Reading, done, total });
    }
    if ids.is_empty() {
        progress(Progress { phase: Phase::Reading, done: 0, total });
    }
    let read_calls = client.api_calls() - calls_before - setup_calls;

    let lifecycle = properties.iter().find(|p| p.name == "lifecyclestage");
    let (items, counts) = plan_undo(run_id, written, &now, lifecycle, options);

    let step_rows = |step: u32, action: RunAction| {
        items.iter().filter(|i| i.step == step && i.action == action && i.outcome.is_none()).count()
    };
    let write_calls =
        [step_rows(0, RunAction::Update), step_rows(1, RunAction::Update), step_rows(0, RunAction::Archive)]
            .iter()
            .map(|rows| rows.div_ceil(BATCH_LIMIT) as u64)
            .sum();
    let spent = client.api_calls() - calls_before;
    let per_call = if spent == 0 { std::time::Duration::ZERO } else { started.elapsed() / spent as u32 };
    let estimate = estimate_at_limit(client, setup_calls, read_calls, write_calls, per_call).await;
    Ok(PreparedUndo {
        undo_of: run_id,
        items,
        counts,
        estimate,
        settings: json!({ "undo_of": run_id, "archive_created": options.archive_created, "force": options.force }),
        portal_id: run.portal_id,
        api_calls: spent,
    })
}

/// One row per contact: a later step's writes (an undo's stage set after its clear) fold into
/// the contact's first row, keeping the earliest value before and the last value written.
fn merge_steps(written: Vec<Written>) -> Vec<Written> {
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut merged: Vec<Written> = Vec::with_capacity(written.len());
    let mut later = Vec::new();
    for row in written {
        if row.item.step == 0 {
            first_row.insert(row.contact_id.clone(), merged.len());
            merged.push(row);
        } else {
            later.push(row);
        }
    }
    for row in later {
        let Some(&at) = first_row.get(&row.contact_id) else {
            merged.push(row);
            continue;
        };
        let changes = &mut merged[at].item.changes;
        for change in row.item.changes {
            match changes.iter_mut().find(|c| c.property == change.property) {
                Some(earlier) => earlier.after = change.after,
                None => changes.push(change),
            }
        }
    }
    merged
}

fn check_undoable(
    store: &Store,
    run: &Run,
    connected_portal: Option<u64>,
    options: UndoOptions,
) -> Result<(), SyncError> {
    let refuse = |why: String| Err(SyncError::NotUndoable { run_id: run.id, why });
    match (run.kind, run.mode) {
        (_, RunMode::Preview) => return refuse("it is a preview, which wrote nothing".into()),
        (RunKind::Pull, _) => {
            return refuse(
                "it is a pull, which changed only the local store; undo puts back what a push wrote to HubSpot".into(),
            );
        }
        _ => {}
    }
    if run.status != RunStatus::Completed {
        return refuse(format!(
            "it has rows still pending; finish it first with `hubsync runs resume {}`, then undo it",
            run.id
        ));
    }
    if let (Some(run_portal), Some(connected)) = (run.portal_id, connected_portal)
        && run_portal != connected
    {
        return Err(SyncError::OtherPortal { run_id: run.id, run_portal, connected });
    }
    if let Some(undo) = store.undo_runs_of(run.id)?.first().filter(|_| !options.force) {
        return refuse(format!(
            "run {} already undid it; to put its values back again, undo run {} (or pass --force)",
            undo.id, undo.id
        ));
    }
    Ok(())
}

/// One row's verdict, before it becomes run items.
enum Verdict {
    Restore { changes: Vec<FieldChange>, later: Option<FieldChange>, notes: Vec<String> },
    Archive { notes: Vec<String> },
    ChangedSince(Vec<String>),
    Skip(String),
}

/// The undo's rows, numbered in the undone run's order; a lifecycle stage moved back gets a
/// second row in step 1. Pure: what HubSpot holds now is `now`, by contact id.
fn plan_undo(
    run_id: i64,
    written: Vec<Written>,
    now: &HashMap<String, Record>,
    lifecycle: Option<&Property>,
    options: UndoOptions,
) -> (Vec<RunItem>, UndoCounts) {
    let mut items = Vec::new();
    let mut later = Vec::new();
    let mut counts = UndoCounts::default();
    for Written { item, contact_id } in written {
        let verdict = match item.outcome {
            Some(ItemOutcome::Archived) => Verdict::Skip(format!(
                "run {run_id} archived this contact; HubSpot restores archived contacts from its recycling bin (Contacts → Actions → Restore), not through the API"
            )),
            Some(ItemOutcome::Created) if !options.archive_created => Verdict::Skip(format!(
                "created by run {run_id}; kept (pass --archive-created to archive the contacts it created)"
            )),
            _ => match now.get(&contact_id) {
                None => Verdict::Skip(format!("contact {contact_id} is no longer in HubSpot (deleted or merged)")),
                Some(contact) => judge(run_id, &item, contact, lifecycle, options),
            },
        };
        let seq = items.len() as i64;
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
                if notes.iter().any(|n| n.starts_with(FORCED)) {
                    counts.changed_since += 1;
                }
                if let Some(change) = second {
                    later.push(RunItem {
                        changes: vec![change],
                        step: 1,
                        notes: vec!["sets the earlier lifecycle stage once step 0 has cleared it".into()],
                        ..row(RunAction::Update, vec![])
                    });
                }
                RunItem { changes, notes, ..row(RunAction::Update, vec![]) }
            }
            Verdict::Archive { notes } => {
                counts.archive += 1;
                if notes.iter().any(|n| n.starts_with(FORCED)) {
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
    let first_later = items.len() as i64;
    items.extend(later.into_iter().enumerate().map(|(i, item)| RunItem { seq: first_later + i as i64, ..item }));
    (items, counts)
}

const FORCED: &str = "forced: ";

/// Empty and absent are one thing to HubSpot.
fn same(a: Option<&str>, b: Option<&str>) -> bool {
    a.filter(|v| !v.is_empty()) == b.filter(|v| !v.is_empty())
}

/// What to do with one contact the run wrote, from what HubSpot holds now.
fn judge(run_id: i64, item: &RunItem, contact: &Record, lifecycle: Option<&Property>, options: UndoOptions) -> Verdict {
    let written: Vec<&FieldChange> = item.changes.iter().filter(|c| !c.kept && c.after.is_some()).collect();
    let drift: Vec<String> = written
        .iter()
        .filter(|c| !same(contact.get(&c.property), c.after.as_deref()))
        .map(|c| {
            format!(
                "{} is now {} (run {run_id} wrote {})",
                c.property,
                shown(contact.get(&c.property)),
                shown(c.after.as_deref())
            )
        })
        .collect();
    if !drift.is_empty() && !options.force {
        let mut reasons =
            vec![format!("changed in HubSpot since run {run_id}; left alone (pass --force to undo it anyway)")];
        reasons.extend(drift);
        return Verdict::ChangedSince(reasons);
    }
    let notes: Vec<String> = drift.iter().map(|d| format!("{FORCED}{d}")).collect();
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
        return Verdict::Skip(format!("already holds the values it had before run {run_id}"));
    }
    Verdict::Restore { changes, later, notes }
}

fn shown(value: Option<&str>) -> String {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => format!("{v:?}"),
        None => "empty".into(),
    }
}

fn new_run(prepared: &PreparedUndo, mode: RunMode) -> NewRun {
    NewRun {
        kind: RunKind::Undo,
        mode,
        portal_id: prepared.portal_id,
        settings: prepared.settings.clone(),
        estimate: serde_json::to_value(&prepared.estimate).expect("plain data"),
        api_calls: prepared.api_calls,
    }
}

/// Records the undo's plan as a preview run. Writes nothing.
pub fn record_undo_preview(store: &mut Store, prepared: &PreparedUndo) -> Result<i64, SyncError> {
    let items = prepared
        .items
        .iter()
        .cloned()
        .map(|item| RunItem { outcome: RunMode::Preview.initial_outcome(item.outcome), ..item });
    Ok(store.create_run(&new_run(prepared, RunMode::Preview), items)?)
}

/// Runs the undo for real: journals it, then writes it step by step. The plan is consumed.
pub async fn run_undo(
    store: &mut Store,
    client: &HubSpotClient,
    mut prepared: PreparedUndo,
    options: &PushOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let run_id = store.create_run(&new_run(&prepared, RunMode::Live), std::mem::take(&mut prepared.items))?;
    write(store, client, run_id, prepared.api_calls, &Writing::new(options.concurrency), cancel, progress)
        .instrument(tracing::info_span!("undo", run_id, undo_of = prepared.undo_of))
        .await
}
