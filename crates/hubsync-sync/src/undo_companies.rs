//! The company part of an undo: taking back what a push wrote to companies and associations, as
//! `undo.rs` does its contacts. Planned after the contact rows (so the contacts the undo archives
//! are known) from what HubSpot holds now, and written by the push's company writer
//! (`companies::write_companies`): associations first (the previous primary company made
//! primary again, then the push's association removed), then company values put back, then the
//! companies the push created archived. Every one of those writes is by id or by pair, so a
//! resumed undo sends it again safely.
//!
//! Its reads go a page of the undone push's rows at a time, 100 companies or contacts a call,
//! `concurrency` calls in flight at once.
//!
//! A company or an association HubSpot changed since the push is flagged and left alone unless
//! the undo is forced, as a contact is. A token without the companies scope leaves the company
//! part skipped with the scope named; the contacts' undo stands.

use std::collections::{BTreeSet, HashMap, HashSet};

use hubsync_hubspot::{AssociatedRecord, AssociationsRead, BATCH_LIMIT, HubSpotClient, ObjectType, Record, type_ids};
use hubsync_store::journal::{CompanyJournal, PlannedCompanyRow, UndoAssociationRow};
use hubsync_store::{
    AssociationAction, AssociationOutcome, AssociationReason, CompanyNote, CompanyReason, FieldChange, ItemOutcome,
    RunAction, RunAssociation, RunCompany, Store,
};
use serde::Serialize;

use crate::companies::{COMPANIES_READ, missing_scope};
use crate::error::SyncError;
use crate::progress::Cancel;
use crate::reads::{batches_of, each_in_order};
use crate::undo::{Drift, same, written_and_drift};

/// Rows of the undone push read from the journal, and planned, at a time.
const PAGE: usize = 1_000;

/// An undo's company rows, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UndoCompanyCounts {
    /// Companies whose earlier values would be put back.
    pub restore: u64,
    /// Companies the push created that would be archived.
    pub archive: u64,
    /// Companies HubSpot changed since the push: left alone (or, forced, restored all the same).
    pub changed_since: u64,
    /// Nothing to undo: values already back, companies gone, created companies kept.
    pub skip: u64,
}

/// An undo's association rows, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UndoAssociationCounts {
    /// Associations the push made that would be taken back.
    pub unassociate: u64,
    /// Of those, contacts whose previous primary company would be primary again.
    pub restore_primary: u64,
    /// Contacts whose primary company changed since the push: left alone (or, forced, undone).
    pub changed_since: u64,
    /// Nothing to undo: already back, or the contact is archived by the undo.
    pub skip: u64,
}

/// What planning an undo's companies found, and the writes it plans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CompanyUndoPlan {
    pub(crate) companies: UndoCompanyCounts,
    pub(crate) associations: UndoAssociationCounts,
    /// The scope the token lacks to read companies, if it does.
    pub(crate) missing_scope: Option<String>,
    /// Write batches: re-primaries, label removals, pair removals, updates, archives.
    pub(crate) write_calls: u64,
}

/// Plans the undo of push `undo_of`'s companies and associations into plan `plan_id`, whose
/// contact rows are journaled (`force` and `archive_created` as for contacts), its reads
/// `concurrency` calls at a time.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn plan_company_undo(
    store: &mut Store,
    client: &HubSpotClient,
    plan_id: i64,
    undo_of: i64,
    force: bool,
    archive_created: bool,
    concurrency: usize,
    cancel: &Cancel,
) -> Result<CompanyUndoPlan, SyncError> {
    let mut plan = CompanyUndoPlan::default();
    let mut writes = Writes::default();
    let reads = Reads { client, concurrency, cancel };
    plan_companies(store, &reads, plan_id, undo_of, force, archive_created, &mut plan, &mut writes).await?;
    let archived = archived_contacts(store, plan_id)?;
    plan_associations(store, &reads, plan_id, undo_of, force, &archived, &mut plan, &mut writes).await?;
    plan.write_calls = [writes.re_primary, writes.unlabel, writes.unassociate, writes.update, writes.archive]
        .iter()
        .map(|rows| rows.div_ceil(BATCH_LIMIT as u64))
        .sum();
    Ok(plan)
}

/// How an undo's company part reads HubSpot: `concurrency` calls in flight at once.
struct Reads<'a> {
    client: &'a HubSpotClient,
    concurrency: usize,
    cancel: &'a Cancel,
}

impl Reads<'_> {
    /// Companies by id, 100 a call: those HubSpot still has.
    async fn companies(&self, ids: Vec<String>, properties: &[String]) -> Result<HashMap<String, Record>, SyncError> {
        let client = self.client;
        let read = |chunk: Vec<String>| async move {
            let read = client.batch_read_companies(&chunk, properties).await;
            (chunk, read)
        };
        let mut now = HashMap::new();
        each_in_order(batches_of(ids), self.concurrency, self.cancel, read, |_, read| {
            now.extend(read?.results.into_iter().map(|r| (r.id.clone(), r)));
            Ok(())
        })
        .await?;
        Ok(now)
    }

    /// The companies each of `contacts` is associated with, 100 contacts a call.
    async fn contacts_companies(&self, contacts: Vec<String>) -> Result<AssociationsRead, SyncError> {
        let client = self.client;
        let read = |chunk: Vec<String>| async move {
            let read = client.read_associations(ObjectType::Contacts, ObjectType::Companies, &chunk).await;
            (chunk, read)
        };
        let mut all = AssociationsRead::default();
        each_in_order(batches_of(contacts), self.concurrency, self.cancel, read, |_, read| {
            let read = read?;
            all.by_from.extend(read.by_from);
            all.errors.extend(read.errors);
            Ok(())
        })
        .await?;
        Ok(all)
    }
}

/// Rows to write, by kind, for the estimate's batches.
#[derive(Default)]
struct Writes {
    re_primary: u64,
    unlabel: u64,
    unassociate: u64,
    update: u64,
    archive: u64,
}

/// The contacts plan `plan_id` archives: their associations go with them.
fn archived_contacts(store: &Store, plan_id: i64) -> Result<HashSet<String>, SyncError> {
    let mut archived = HashSet::new();
    let mut after = -1;
    loop {
        let page = store.step_items_page(plan_id, 0, after, PAGE)?;
        let last = page.len() < PAGE;
        after = page.last().map_or(after, |i| i.seq);
        archived.extend(page.into_iter().filter(|i| i.action == RunAction::Archive).filter_map(|i| i.contact_id));
        if last {
            return Ok(archived);
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn plan_companies(
    store: &mut Store,
    reads: &Reads<'_>,
    plan_id: i64,
    undo_of: i64,
    force: bool,
    archive_created: bool,
    plan: &mut CompanyUndoPlan,
    writes: &mut Writes,
) -> Result<(), SyncError> {
    let mut after = -1;
    loop {
        reads.cancel.check()?;
        let page = store.run_companies_page(undo_of, after, PAGE)?;
        let last = page.len() < PAGE;
        after = page.last().map_or(after, |c| c.seq);
        let written: Vec<RunCompany> = page
            .into_iter()
            .filter(|c| {
                matches!(c.outcome, Some(ItemOutcome::Updated | ItemOutcome::Created)) && c.company_id.is_some()
            })
            .collect();
        let needs_read = |c: &&RunCompany| c.outcome == Some(ItemOutcome::Updated) || archive_created;
        let ids: Vec<String> = written.iter().filter(needs_read).filter_map(|c| c.company_id.clone()).collect();
        let wanted: Vec<String> = written
            .iter()
            .flat_map(|c| c.changes.iter().map(|ch| ch.property.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let now = if plan.missing_scope.is_some() {
            HashMap::new()
        } else {
            match reads.companies(ids, &wanted).await {
                Ok(now) => now,
                Err(SyncError::HubSpot(error)) => {
                    plan.missing_scope = Some(missing_scope(error, COMPANIES_READ)?);
                    HashMap::new()
                }
                Err(error) => return Err(error),
            }
        };
        let rows: Vec<PlannedCompanyRow> = written
            .iter()
            .map(|row| {
                let planned = match &plan.missing_scope {
                    Some(scope) => skip(row, CompanyReason::MissingScope { scope: scope.clone() }),
                    None => judge_company(undo_of, row, &now, force, archive_created),
                };
                count_company(&planned, &mut plan.companies, writes);
                planned
            })
            .collect();
        store.add_company_rows(plan_id, &rows)?;
        if last {
            return Ok(());
        }
    }
}

fn count_company(row: &PlannedCompanyRow, counts: &mut UndoCompanyCounts, writes: &mut Writes) {
    let forced = row.notes.iter().any(|n| matches!(n, CompanyNote::Forced { .. }));
    match row.action {
        RunAction::Update => {
            counts.restore += 1;
            writes.update += 1;
        }
        RunAction::Archive => {
            counts.archive += 1;
            writes.archive += 1;
        }
        _ if row.reasons.iter().any(|r| matches!(r, CompanyReason::ChangedSince { .. })) => counts.changed_since += 1,
        _ => counts.skip += 1,
    }
    if forced {
        counts.changed_since += 1;
    }
}

/// The undo's row for a company the push wrote, skipped for `reason`.
fn skip(row: &RunCompany, reason: CompanyReason) -> PlannedCompanyRow {
    skip_for(row, vec![reason])
}

fn skip_for(row: &RunCompany, reasons: Vec<CompanyReason>) -> PlannedCompanyRow {
    PlannedCompanyRow {
        domain: row.domain.clone(),
        company_id: row.company_id.clone(),
        name: row.name.clone(),
        action: RunAction::Skip,
        reasons,
        changes: Vec::new(),
        notes: Vec::new(),
    }
}

/// What to do with one company the push wrote, from what HubSpot holds now (`now`, by id).
fn judge_company(
    run_id: i64,
    row: &RunCompany,
    now: &HashMap<String, Record>,
    force: bool,
    archive_created: bool,
) -> PlannedCompanyRow {
    let company_id = row.company_id.clone().unwrap_or_default();
    if row.outcome == Some(ItemOutcome::Created) && !archive_created {
        return skip(row, CompanyReason::CreatedKept { run_id });
    }
    let Some(company) = now.get(&company_id) else {
        return skip(row, CompanyReason::CompanyGone { company_id });
    };
    let (written, drift) = written_and_drift(&row.changes, company);
    if !drift.is_empty() && !force {
        let mut reasons = vec![CompanyReason::ChangedSince { run_id }];
        reasons.extend(drift.into_iter().map(|Drift { property, now, wrote }| CompanyReason::Drift {
            property,
            now,
            wrote,
            run_id,
        }));
        return skip_for(row, reasons);
    }
    let notes: Vec<CompanyNote> = drift
        .into_iter()
        .map(|Drift { property, now, wrote }| CompanyNote::Forced { property, now, wrote, run_id })
        .collect();
    let name = company.get("name").map(String::from).or_else(|| row.name.clone());
    if row.outcome == Some(ItemOutcome::Created) {
        return PlannedCompanyRow { action: RunAction::Archive, notes, name, ..skip_for(row, Vec::new()) };
    }
    let changes: Vec<FieldChange> = written
        .into_iter()
        .filter(|c| !same(company.get(&c.property), c.before.as_deref()))
        .map(|c| FieldChange {
            before: company.get(&c.property).map(String::from),
            after: Some(c.before.clone().unwrap_or_default()),
            ..c.clone()
        })
        .collect();
    if changes.is_empty() {
        return skip(row, CompanyReason::AlreadyRestored { run_id });
    }
    PlannedCompanyRow { action: RunAction::Update, changes, notes, name, ..skip_for(row, Vec::new()) }
}

#[allow(clippy::too_many_arguments)]
async fn plan_associations(
    store: &mut Store,
    reads: &Reads<'_>,
    plan_id: i64,
    undo_of: i64,
    force: bool,
    archived: &HashSet<String>,
    plan: &mut CompanyUndoPlan,
    writes: &mut Writes,
) -> Result<(), SyncError> {
    let mut after = -1;
    loop {
        reads.cancel.check()?;
        let page = store.run_associations_page(undo_of, after, PAGE)?;
        let last = page.len() < PAGE;
        after = page.last().map_or(after, |a| a.seq);
        let made: Vec<RunAssociation> = page
            .into_iter()
            .filter(|a| a.outcome == Some(AssociationOutcome::Associated))
            .filter(|a| a.contact_id.is_some() && a.company_id.is_some())
            .collect();
        let contacts: Vec<String> = made
            .iter()
            .filter_map(|a| a.contact_id.clone())
            .filter(|c| !archived.contains(c))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let current = if plan.missing_scope.is_some() || contacts.is_empty() {
            None
        } else {
            match reads.contacts_companies(contacts).await {
                Ok(read) => Some(read),
                Err(SyncError::HubSpot(error)) => {
                    plan.missing_scope = Some(missing_scope(error, COMPANIES_READ)?);
                    None
                }
                Err(error) => return Err(error),
            }
        };
        let rows: Vec<UndoAssociationRow> = made
            .iter()
            .map(|row| {
                let contact = row.contact_id.clone().unwrap_or_default();
                let planned = match (&plan.missing_scope, &current) {
                    _ if archived.contains(&contact) => {
                        skip_association(row, AssociationReason::ContactArchived { run_id: undo_of })
                    }
                    (Some(scope), _) => skip_association(row, AssociationReason::MissingScope { scope: scope.clone() }),
                    (None, Some(read)) => judge_association(undo_of, row, read.associated(&contact), force),
                    (None, None) => judge_association(undo_of, row, &[], force),
                };
                count_association(&planned, &mut plan.associations, writes);
                planned
            })
            .collect();
        store.add_undo_associations(plan_id, undo_of, &rows)?;
        if last {
            return Ok(());
        }
    }
}

fn skip_association(row: &RunAssociation, reason: AssociationReason) -> UndoAssociationRow {
    UndoAssociationRow {
        push_seq: row.seq,
        action: AssociationAction::Skip,
        reason: Some(reason),
        contact_id: row.contact_id.clone(),
        company_id: row.company_id.clone(),
        previous_primary: None,
        label_only: false,
    }
}

fn count_association(row: &UndoAssociationRow, counts: &mut UndoAssociationCounts, writes: &mut Writes) {
    let changed = matches!(row.reason, Some(AssociationReason::PrimaryChangedSince { .. }));
    match row.action {
        AssociationAction::Unassociate => {
            counts.unassociate += 1;
            counts.changed_since += u64::from(changed);
            if row.previous_primary.is_some() {
                counts.restore_primary += 1;
                writes.re_primary += 1;
            }
            if row.label_only { writes.unlabel += 1 } else { writes.unassociate += 1 }
        }
        _ if changed => counts.changed_since += 1,
        _ => counts.skip += 1,
    }
}

/// What to do with an association the push made, from the contact's companies now.
fn judge_association(
    run_id: i64,
    row: &RunAssociation,
    current: &[AssociatedRecord],
    force: bool,
) -> UndoAssociationRow {
    let company = row.company_id.clone().unwrap_or_default();
    let primary_now =
        current.iter().find(|c| c.has_type(type_ids::CONTACT_TO_COMPANY_PRIMARY)).map(|c| c.to_object_id.clone());
    let still_associated = current.iter().any(|c| c.to_object_id == company);
    // Not recorded (a push by an older Hubsync): the pair may have been there before, so only
    // its primary label is taken back.
    let label_only = row.previously_associated != Some(false);
    let back = primary_now == row.previous_primary && (!still_associated || label_only);
    if back {
        return skip_association(row, AssociationReason::AlreadyUndone { run_id });
    }
    let changed = primary_now.as_deref() != Some(company.as_str());
    let reason = changed.then(|| AssociationReason::PrimaryChangedSince {
        now: primary_now.clone(),
        made: company.clone(),
        run_id,
    });
    if let Some(reason) = reason.clone().filter(|_| !force) {
        return skip_association(row, reason);
    }
    // The previous primary is made primary again only while the contact still has it.
    let previous_primary = row
        .previous_primary
        .clone()
        .filter(|previous| *previous != company && current.iter().any(|c| c.to_object_id == *previous));
    UndoAssociationRow {
        push_seq: row.seq,
        action: AssociationAction::Unassociate,
        reason,
        contact_id: row.contact_id.clone(),
        company_id: row.company_id.clone(),
        previous_primary,
        label_only,
    }
}
