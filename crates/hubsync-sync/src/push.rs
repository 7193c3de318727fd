//! The push use case. `prepare_push` reads what HubSpot holds for the selected leads (batch
//! reads by email, then by id for leads whose email found nothing), plans and journals the plan
//! page by page; the plan is then recorded as a preview, or made the live run by `run_push` and
//! written by the batch writer (`batch`): every row is in the store before anything is sent, and
//! each batch's outcomes land in one transaction together with the leads' links to their
//! contacts. With the company rules on, each lead's company domain is journaled with its row, and
//! the companies and associations are planned after the contacts and written after them
//! (`companies`). `resume_push` finishes whatever a crash, a cancel or the daily limit left
//! pending.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use hubsync_hubspot::estimate::batch_requests;
use hubsync_hubspot::{BATCH_LIMIT, HubSpotClient, Property, Record};
use hubsync_store::journal::{CompanyJournal, PlanJournal};
use hubsync_store::{
    CompanyCounts, ItemOutcome, Lead, PlanRow, Run, RunAction, RunItem, RunKind, RunMode, Store, StoreError,
};
use serde_json::json;

use crate::batch::{Writing, resume_run, run_plan};
use crate::companies::{CREATE_SEARCH_LAG, CompanyContext, CompanyReads, plan_companies};
use crate::error::SyncError;
use crate::estimate::estimate_at_limit;
use crate::journal::{JournaledPlan, UnfinishedPlan, ensure_portal};
use crate::owners::OwnerDirectory;
use crate::plan::{Action, Counts, Found, PlanItem, PushInputs, SkipReason, plan_leads, shared_contact_reason};
use crate::progress::{Cancel, Phase, Progress};
use crate::reads::{addresses, known_properties, read_by_email, read_by_id};
use crate::remembered::{Placed, Remembered, linked_ids};

#[derive(Clone, Debug)]
pub struct PushOptions {
    /// The leads to push, by email; all leads when empty.
    pub emails: Vec<String>,
    /// Batches in flight at once; the portal's rate limiter paces them.
    pub concurrency: usize,
    /// How long HubSpot's search may lag a write: a resumed run looks for a company create that
    /// may have landed only once this long has passed since it was sent (`CREATE_SEARCH_LAG`).
    pub search_lag: Duration,
    /// The share of failed rows (percent) past which the live run stops itself between batches.
    pub max_failed_percent: Option<f64>,
    /// Only the leads changed since their last push (never pushed, or edited since), of those
    /// `emails` selects.
    pub changed_only: bool,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            emails: Vec::new(),
            concurrency: 8,
            search_lag: CREATE_SEARCH_LAG,
            max_failed_percent: None,
            changed_only: false,
        }
    }
}

impl PushOptions {
    /// How its writes go out.
    fn writing(&self) -> Writing {
        Writing::new(self.concurrency, self.search_lag, self.max_failed_percent)
    }
}

/// A push's plan, journaled in the store: recorded as a preview (`record_preview`), run
/// (`run_push`) or thrown away (`discard_push`).
#[derive(Debug)]
pub struct PreparedPush {
    pub plan: JournaledPlan,
    pub counts: Counts,
    /// The company rows and associations, when the company rules associate contacts with
    /// companies (`None` otherwise).
    pub companies: Option<CompanyCounts>,
    /// Reading HubSpot's side, and computing the plan from it and journaling it.
    pub read_time: Duration,
    pub plan_time: Duration,
}

/// Leads are read, planned and journaled this many at a time, so memory holds a page, not every
/// lead, every contact or the plan.
const PAGE: usize = 2_000;

/// What the plan needs besides the leads and what HubSpot holds for them.
struct PlanContext {
    fields: Vec<hubsync_store::Field>,
    mappings: Vec<hubsync_store::Mapping>,
    rules: hubsync_store::PushRules,
    properties: Vec<Property>,
    owners: OwnerDirectory,
}

impl PlanContext {
    /// Plans `leads` (each with its place in the selection) and journals their rows in run `run_id`.
    fn plan_into(&self, store: &mut Store, run_id: i64, leads: Vec<Placed>, found: &Found) -> Result<(), SyncError> {
        let planned = self.plan(leads, found);
        Self::journal(store, run_id, planned)
    }

    /// The plan's items for `leads`, each beside its place.
    fn plan(&self, leads: Vec<Placed>, found: &Found) -> Vec<(i64, PlanItem)> {
        let (seqs, leads): (Vec<i64>, Vec<Lead>) = leads.into_iter().unzip();
        let items = plan_leads(&PushInputs {
            leads: &leads,
            fields: &self.fields,
            mappings: &self.mappings,
            rules: self.rules,
            properties: &self.properties,
            owners: &self.owners,
            found,
        });
        seqs.into_iter().zip(items).collect()
    }

    fn journal(store: &mut Store, run_id: i64, planned: Vec<(i64, PlanItem)>) -> Result<(), SyncError> {
        let rows = planned.into_iter().map(|(seq, item)| {
            let claim = item.claim.as_ref().map(|c| c.rank());
            PlanRow { item: run_item(seq, item, RunMode::Preview), claim }
        });
        store.add_plan_rows(run_id, rows)?;
        Ok(())
    }
}

/// Reads HubSpot's side for the selected leads, plans the push and journals the plan as a
/// preview run that is not yet recorded (`JournaledPlan::run_id`). Sends no write and changes no
/// lead. A preview that fails or is stopped leaves nothing behind.
///
/// A page of leads at a time: one batch read by email per 100 leads; leads whose email found
/// nothing but that are linked to a contact wait until 100 of them (or the last page) make a
/// full batch read by id, so the calls stay at the floor however the pages fall. Each row keeps
/// its lead's place in the selection, so the plan is in the store's order.
pub async fn prepare_push(
    store: &mut Store,
    client: &HubSpotClient,
    options: &PushOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<PreparedPush, SyncError> {
    let started = Instant::now();
    let calls_before = client.api_calls();
    let selection = Selection::new(store, &options.emails, options.changed_only)?;
    let mappings = store.mappings()?;
    let rules = store.push_rules()?;
    let portal_id = store.active_portal()?.map(|p| p.portal_id);
    let mut companies = CompanyContext::load(store)?;
    ensure_portal(client, portal_id).await?;

    let properties = client.properties().await?;
    if let Some(companies) = &mut companies {
        companies.setup(client).await?;
    }
    let maps_owner = companies.as_ref().is_some_and(CompanyContext::maps_owner);
    let owners = if maps_owner || mappings.iter().any(|m| m.property == "hubspot_owner_id") {
        OwnerDirectory::new(client.owners(false).await?, client.owners(true).await?)
    } else {
        OwnerDirectory::default()
    };
    let setup_calls = client.api_calls() - calls_before;

    let mut wanted: Vec<String> = mappings.iter().map(|m| m.property.clone()).collect();
    for extra in ["email", "hs_additional_emails", "lastmodifieddate"] {
        if !wanted.iter().any(|w| w == extra) {
            wanted.push(extra.to_string());
        }
    }
    let wanted = known_properties(wanted, &properties);
    // The rules and mapping the plan is made with, kept with its run.
    let settings = json!({
        "rules": rules,
        "mappings": mappings,
        "emails": options.emails,
        "changed_only": options.changed_only,
        "company_rules": companies.as_ref().map(|c| c.rules),
        "company_mappings": companies.as_ref().map(|c| &c.mappings),
    });
    let context = PlanContext { fields: store.fields()?, mappings, rules, properties, owners };

    let journal = UnfinishedPlan::begin(store, RunKind::Push, portal_id, &settings)?;
    let run_id = journal.run_id;
    let companies = companies.as_ref();
    let planned = plan_selection(
        store, client, run_id, portal_id, selection, &context, companies, &wanted, options, cancel, progress,
    )
    .await;
    let (plan_time, company_reads) = match planned {
        Ok(planned) => planned,
        Err(error) => return Err(journal.abandon(store, error)),
    };
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    let c = &run.counts;
    let counts = Counts {
        update: c.update as usize,
        create: c.create as usize,
        skip: c.skip as usize,
        invalid: c.invalid as usize,
    };
    let read_calls = client.api_calls() - calls_before - setup_calls;
    let read_time = started.elapsed().saturating_sub(plan_time);
    let company_counts = companies.map(|_| store.run_company_counts(run_id)).transpose()?;
    // Company creates, updates and association batches, 100 rows each.
    let company_write_calls = company_counts.as_ref().map_or(0, |c| {
        batch_requests(c.create as usize) + batch_requests(c.update as usize) + batch_requests(c.associate as usize)
    });

    let write_calls = batch_requests(counts.update) + batch_requests(counts.create) + company_write_calls;
    let spent = client.api_calls() - calls_before;
    // Reads overlapped as writes will, so their pace is the live run's pace when the limit isn't.
    let per_call = if spent == 0 { Duration::ZERO } else { read_time / spent as u32 };
    let mut estimate = estimate_at_limit(client, setup_calls, read_calls, write_calls, per_call).await;
    estimate.company_read_calls = company_reads.calls;
    estimate.company_write_calls = company_write_calls;
    let plan = journal.finish(store, estimate, spent)?;
    Ok(PreparedPush { plan, counts, companies: company_counts, read_time, plan_time })
}

/// Reads, plans and journals every page of the selection into plan `run_id` (with each lead's
/// company domain when the push associates companies), settles the contacts several leads
/// reached, then plans the companies and associations (`companies`). Returns the time spent
/// planning and journaling, and the companies' reads.
///
/// What the portal's snapshots know (`Remembered`) comes first: leads whose contacts it knows
/// are planned without a read, except those the plan would write to, which wait to be read by id
/// and planned from that. The others are read as before: one batch read by email per 100 leads;
/// leads whose email found nothing but that are linked to a contact wait to be read by id. Reads
/// by id wait until 100 (or the last page) make a full batch, so the calls stay at the floor
/// however the pages fall. Each row keeps its lead's place in the selection.
#[allow(clippy::too_many_arguments)]
async fn plan_selection(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    portal_id: Option<u64>,
    mut selection: Selection,
    context: &PlanContext,
    companies: Option<&CompanyContext>,
    wanted: &[String],
    options: &PushOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Duration, CompanyReads), SyncError> {
    let total = selection.total;
    let mut done = 0;
    progress(Progress { run_id, phase: Phase::Reading, done, total });
    let every_lead = options.emails.is_empty() && !options.changed_only;
    let memory = Remembered::begin(store, client, portal_id, wanted, (total, every_lead), cancel).await?;
    let reader = Reader { client, wanted, concurrency: options.concurrency, cancel, memory: &memory };
    let mut next_seq = 0;
    let mut by_id_pending: Vec<Placed> = Vec::new();
    let mut to_read_again: Vec<Placed> = Vec::new();
    let mut plan_time = Duration::ZERO;
    // Plans and journals `leads` from `found`, counting them done.
    let mut plan = |store: &mut Store, leads: Vec<Placed>, found: &Found, done: &mut u64| {
        let planning = Instant::now();
        *done += leads.len() as u64;
        let planned = context.plan_into(store, run_id, leads, found);
        plan_time += planning.elapsed();
        planned
    };
    loop {
        cancel.check()?;
        let page = selection.next_page(store)?;
        let last = page.is_empty();
        if !page.is_empty() {
            let places = next_seq..next_seq + page.len() as i64;
            next_seq = places.end;
            let placed: Vec<Placed> = places.zip(page).collect();
            if let Some(companies) = companies {
                store.add_lead_domains(run_id, &companies.lead_domain_rows(&placed))?;
            }
            let sorted = memory.sort(store, placed)?;
            let mut known: HashMap<i64, Lead> = sorted.known.iter().map(|(seq, lead)| (*seq, lead.clone())).collect();
            let (writes, settled): (Vec<_>, Vec<_>) = context.plan(sorted.known, &sorted.found).into_iter().partition(
                |(_, item)| matches!(&item.action, Action::Update { contact_id } if !memory.is_changed(contact_id)),
            );
            done += settled.len() as u64;
            PlanContext::journal(store, run_id, settled)?;
            to_read_again.extend(writes.into_iter().filter_map(|(seq, _)| known.remove(&seq).map(|lead| (seq, lead))));

            let (now, found, later) = reader.by_email(store, sorted.unknown).await?;
            by_id_pending.extend(later);
            plan(store, now, &found, &mut done)?;
        }
        // Only whole batches of 100 until the last page, which takes the rest.
        let whole = |pending: usize| if last { pending } else { pending / BATCH_LIMIT * BATCH_LIMIT };
        let take = whole(to_read_again.len());
        if take > 0 {
            let rest = to_read_again.split_off(take);
            let leads = std::mem::replace(&mut to_read_again, rest);
            let fresh = reader.by_id(store, &linked_ids(&leads)).await?;
            // A contact that no longer has the lead's email (or is gone) is matched as for a lead never read.
            let (known, unknown): (Vec<Placed>, Vec<Placed>) = leads.into_iter().partition(|(_, lead)| {
                let contact = lead.hubspot_id.as_deref().and_then(|id| fresh.get(id));
                contact.is_some_and(|c| addresses(c).contains(&lead.email.to_lowercase()))
            });
            plan(store, known.clone(), &memory.found(&known, &fresh), &mut done)?;
            let (now, found, later) = reader.by_email(store, unknown).await?;
            by_id_pending.extend(later);
            plan(store, now, &found, &mut done)?;
        }
        let take = whole(by_id_pending.len());
        if take > 0 {
            let rest = by_id_pending.split_off(take);
            let leads = std::mem::replace(&mut by_id_pending, rest);
            let by_id = reader.by_id(store, &linked_ids(&leads)).await?;
            plan(store, leads, &Found { by_email: HashMap::new(), by_id }, &mut done)?;
        }
        progress(Progress { run_id, phase: Phase::Reading, done, total });
        if last {
            break;
        }
    }
    memory.finish(store)?;
    let settling = Instant::now();
    settle_journaled_plan(store, run_id)?;
    let plan_time = plan_time + settling.elapsed();
    let company_reads = match companies {
        Some(companies) => {
            plan_companies(store, client, run_id, companies, &context.owners, options.concurrency, cancel).await?
        }
        None => CompanyReads::default(),
    };
    Ok((plan_time, company_reads))
}

/// A push's reads of the contacts of leads, each kept for the next push.
struct Reader<'a> {
    client: &'a HubSpotClient,
    wanted: &'a [String],
    concurrency: usize,
    cancel: &'a Cancel,
    memory: &'a Remembered,
}

impl Reader<'_> {
    /// Reads `leads`' contacts by email: the leads to plan now with what was found, and those
    /// whose email found nothing but that are linked to a contact, to read by id.
    async fn by_email(
        &self,
        store: &mut Store,
        leads: Vec<Placed>,
    ) -> Result<(Vec<Placed>, Found, Vec<Placed>), SyncError> {
        if leads.is_empty() {
            return Ok((leads, Found::default(), Vec::new()));
        }
        let plain = leads.iter().map(|(_, lead)| lead);
        let by_email = read_by_email(self.client, plain, self.wanted, self.concurrency, self.cancel).await?;
        self.memory.keep(store, by_email.values().flatten())?;
        let (now, later): (Vec<Placed>, Vec<Placed>) = leads
            .into_iter()
            .partition(|(_, l)| l.hubspot_id.is_none() || by_email.contains_key(&l.email.to_lowercase()));
        Ok((now, Found { by_email, by_id: HashMap::new() }, later))
    }

    /// Reads contacts by id; those HubSpot no longer has are forgotten.
    async fn by_id(&self, store: &mut Store, ids: &[String]) -> Result<HashMap<String, Record>, SyncError> {
        let found = read_by_id(self.client, ids, self.wanted, self.concurrency, self.cancel).await?;
        self.memory.keep(store, found.values())?;
        let gone: Vec<String> = ids.iter().filter(|id| !found.contains_key(*id)).cloned().collect();
        self.memory.forget(store, &gone)?;
        Ok(found)
    }
}

/// `finish_plan`'s settling of contacts several leads reached, done on a journaled plan: the
/// store ranks the claims, so only the losing rows come into memory.
fn settle_journaled_plan(store: &mut Store, run_id: i64) -> Result<(), SyncError> {
    let contested: Vec<(i64, Vec<hubsync_store::RowReason>)> = store
        .contested_rows(run_id)?
        .into_iter()
        .map(|row| (row.seq, vec![shared_contact_reason(&row.contact_id, &row.winner_email)]))
        .collect();
    store.invalidate_plan_rows(run_id, &contested)?;
    Ok(())
}

/// The leads a push covers, handed out a page at a time: every lead (paged from the store),
/// or those named by email (checked up front: an unknown one is an error before any call).
struct Selection {
    named: Option<std::vec::IntoIter<Lead>>,
    after: i64,
    total: u64,
    changed_only: bool,
}

impl Selection {
    fn new(store: &Store, emails: &[String], changed_only: bool) -> Result<Selection, SyncError> {
        if emails.is_empty() {
            let total = if changed_only { store.changed_lead_count()? } else { store.lead_count()? as u64 };
            return Ok(Selection { named: None, after: 0, total, changed_only });
        }
        let mut leads = Vec::new();
        let mut seen = HashSet::new();
        let mut unknown = Vec::new();
        for email in emails {
            let key = email.trim().to_lowercase();
            if !seen.insert(key.clone()) {
                continue;
            }
            match store.lead_by_email(&key)? {
                Some(lead) => leads.push(lead),
                None => unknown.push(key),
            }
        }
        if !unknown.is_empty() {
            unknown.sort();
            return Err(SyncError::UnknownLeads(unknown));
        }
        leads.sort_by_key(|l| l.id);
        if changed_only {
            let changed: HashSet<i64> = store.changed_lead_ids(&leads.iter().map(|l| l.id).collect::<Vec<_>>())?;
            leads.retain(|l| changed.contains(&l.id));
        }
        Ok(Selection { total: leads.len() as u64, named: Some(leads.into_iter()), after: 0, changed_only })
    }

    fn next_page(&mut self, store: &Store) -> Result<Vec<Lead>, SyncError> {
        match &mut self.named {
            Some(named) => Ok(named.by_ref().take(PAGE).collect()),
            None => {
                let page = if self.changed_only {
                    store.changed_leads_page(self.after, PAGE)?
                } else {
                    store.leads_page(self.after, PAGE)?
                };
                if let Some(last) = page.last() {
                    self.after = last.id;
                }
                Ok(page)
            }
        }
    }
}

/// A planned row as the run's journal holds it; a live run's writes have no outcome until
/// HubSpot answers.
fn run_item(seq: i64, item: PlanItem, mode: RunMode) -> RunItem {
    let (action, reasons) = match item.action {
        Action::Update { .. } => (RunAction::Update, vec![]),
        Action::Create => (RunAction::Create, vec![]),
        Action::Skip { reason } => (RunAction::Skip, vec![reason.row_reason()]),
        Action::Invalid { reasons } => (RunAction::Invalid, reasons),
    };
    RunItem {
        changes: item.changes,
        notes: item.notes,
        record: item.record,
        ..RunItem::planned(seq, item.lead_id, item.email, item.contact_id, action, reasons, mode)
    }
}

/// A push run's row as the plan item it was made from (what `push --preview --json` shows).
pub fn plan_item(item: RunItem) -> PlanItem {
    let action = match item.action {
        RunAction::Update => Action::Update { contact_id: item.contact_id.clone().unwrap_or_default() },
        RunAction::Create => Action::Create,
        RunAction::Skip => Action::Skip {
            reason: item.reasons.first().and_then(SkipReason::from_row).unwrap_or(SkipReason::Unchanged),
        },
        RunAction::Invalid | RunAction::Archive => Action::Invalid { reasons: item.reasons },
    };
    PlanItem {
        lead_id: item.lead_id,
        email: item.email,
        contact_id: item.contact_id,
        action,
        changes: item.changes,
        notes: item.notes,
        claim: None,
        record: item.record,
    }
}

/// The emails of push run `run_id`'s failed rows, each once (case ignored): what a retry of
/// the failed rows pushes again.
pub fn failed_emails(store: &Store, run_id: i64) -> Result<Vec<String>, SyncError> {
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    if run.kind != RunKind::Push {
        return Err(SyncError::RetryNeedsAPush { run_id, kind: run.kind.as_str() });
    }
    let failed = hubsync_store::RunItemFilter { outcome: Some(ItemOutcome::Failed), ..Default::default() };
    let page = store.run_items_page(run_id, &failed, 0, u64::MAX)?;
    let mut emails: Vec<String> = page.items.into_iter().map(|i| i.email).collect();
    emails.sort_by_key(|e| e.to_lowercase());
    emails.dedup_by_key(|e| e.to_lowercase());
    if emails.is_empty() {
        return Err(SyncError::NoFailedRows(run_id));
    }
    Ok(emails)
}

/// Records the push's plan as a preview run (`JournaledPlan::record_preview`).
pub fn record_preview(store: &mut Store, prepared: &PreparedPush) -> Result<i64, SyncError> {
    prepared.plan.record_preview(store)
}

/// Throws away a push's plan that is neither recorded nor run (`JournaledPlan::discard`).
pub fn discard_push(store: &mut Store, prepared: PreparedPush) -> Result<(), SyncError> {
    prepared.plan.discard(store)
}

/// Runs the plan for real: its journal becomes the live run (a copy of it when it was recorded
/// as a preview), then its rows are written. Returns the finished (or interrupted) run.
pub async fn run_push(
    store: &mut Store,
    client: &HubSpotClient,
    prepared: PreparedPush,
    options: &PushOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let span = |run_id| tracing::info_span!("push", run_id);
    run_plan(store, client, prepared.plan, options.writing(), cancel, progress, span).await
}

/// Finishes a live push that a crash, a cancel, lost network or the daily limit left with rows
/// pending (an undo resumes with `resume_undo`). Safe to repeat: updates by id and upserts by
/// email land once however often sent.
pub async fn resume_push(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    connected_portal: Option<u64>,
    options: &PushOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let run = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
    if run.kind != RunKind::Push {
        return Err(SyncError::NotAPush { run_id, kind: run.kind.as_str() });
    }
    let span = tracing::info_span!("push", run_id, resumed = true);
    resume_run(store, client, run, connected_portal, options.writing(), cancel, progress, span).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use hubsync_store::NewRun;

    use hubsync_store::journal::Journal;

    use super::*;
    use crate::batch::{Writing, write};
    use crate::testing::sandboxed;

    proptest::proptest! {
        /// Settling a journaled plan in the store picks the same lead for each contact, and
        /// makes the same rows invalid with the same reasons, as `finish_plan` in memory; ties
        /// (same hold, same time) go to the later lead either way. Rows reach the journal out of
        /// order, as leads read by id do.
        #[test]
        fn a_journaled_plan_settles_shared_contacts_as_the_plan_in_memory_does(
            rows in proptest::collection::vec((proptest::option::of(0..4u8), proptest::bool::ANY, 0..3i64, 0..3u8), 1..40)
        ) {
            use crate::plan::{Claim, finish_plan};
            use hubsync_store::SystemClock;

            let items: Vec<PlanItem> = rows
                .iter()
                .enumerate()
                .map(|(i, &(contact, primary_email, minute, action))| {
                    let contact_id = contact.map(|c| format!("90{c}"));
                    let action = match (&contact_id, action) {
                        (Some(id), 0) => Action::Update { contact_id: id.clone() },
                        (Some(_), 1) => Action::Skip { reason: SkipReason::Unchanged },
                        (None, 0 | 1) => Action::Create,
                        _ => Action::Invalid {
                            reasons: vec![hubsync_store::RowReason::ValueRefused {
                                field: "city".into(),
                                property: "city".into(),
                                detail: "refused".into(),
                            }],
                        },
                    };
                    PlanItem {
                        lead_id: i as i64 + 1,
                        email: format!("lead{i}@example.com"),
                        claim: contact_id.as_ref().map(|_| Claim {
                            primary_email,
                            lead_updated_at: chrono::DateTime::UNIX_EPOCH + chrono::Duration::minutes(minute),
                        }),
                        contact_id,
                        action,
                        changes: vec![],
                        notes: vec![],
                        record: Default::default(),
                    }
                })
                .collect();
            let in_memory = finish_plan(items.clone());

            let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
            let run = NewRun {
                kind: RunKind::Push,
                mode: RunMode::Preview,
                portal_id: None,
                settings: json!({}),
                estimate: json!(null),
                api_calls: 0,
            };
            let run_id = store.start_plan(&run).unwrap();
            let journal_rows = items.into_iter().enumerate().rev().map(|(seq, item)| PlanRow {
                claim: item.claim.as_ref().map(Claim::rank),
                item: run_item(seq as i64, item, RunMode::Preview),
            });
            store.add_plan_rows(run_id, journal_rows).unwrap();
            settle_journaled_plan(&mut store, run_id).unwrap();
            let journaled: Vec<Action> =
                store.run_items(run_id).unwrap().into_iter().map(|i| plan_item(i).action).collect();
            let expected: Vec<Action> = in_memory.items.into_iter().map(|i| i.action).collect();
            proptest::prop_assert_eq!(journaled, expected);
        }
    }

    /// A push of 250 leads (130 known and changed, 120 new) written from a journal read 7 rows
    /// at a time: batches span the pages, so the calls stay at the floor, and a run cancelled
    /// between pages resumes with every row landing once.
    #[tokio::test]
    async fn a_journal_read_in_small_pages_writes_every_row_once_in_full_batches() {
        use hubsync_store::{ImportOptions, LeadRow, RunStatus};

        let known = 130;
        let contacts: Vec<serde_json::Value> = (0..known)
            .map(|i| json!({ "properties": { "email": format!("lead{i}@example.com"), "company": "Old" } }))
            .collect();
        let (_sandbox, client, mut store) = sandboxed(contacts).await;
        store.set_mapping("company", "company", None).unwrap();
        store.set_push_rules(Some(true), Some(true)).unwrap();
        let rows: Vec<LeadRow> = (0..250)
            .map(|i| LeadRow {
                row: i + 1,
                email: format!("lead{i}@example.com"),
                values: vec![("company".into(), format!("Company {i}"))],
            })
            .collect();
        store.import_leads(&rows, ImportOptions::default()).unwrap();

        let prepared =
            prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut |_| {}).await.unwrap();
        assert_eq!((prepared.counts.update, prepared.counts.create), (130, 120));
        let run_id = store.live_run_from_plan(prepared.plan.run_id).unwrap();
        let paged = Writing { page: 7, ..Writing::new(1, Duration::ZERO, None) };
        let before = client.api_calls();
        // Cancelled once the first batch (100 updates) has landed: the rest stay pending.
        let cancel = Cancel::default();
        let run = write(&mut store, &client, run_id, 0, &paged, &cancel, &mut |p| {
            if p.done >= 100 {
                cancel.cancel();
            }
        })
        .await
        .unwrap();
        assert_eq!((run.status, run.counts.pending), (RunStatus::Interrupted, 150));
        store.reopen_run(run_id).unwrap();
        let run = write(&mut store, &client, run_id, 0, &paged, &Cancel::default(), &mut |_| {}).await.unwrap();
        assert_eq!(
            (run.status, run.counts.updated, run.counts.created, run.counts.failed),
            (RunStatus::Completed, 130, 120, 0)
        );
        // 130 updates and 120 creates: two batches of each, however the pages fell.
        assert_eq!(client.api_calls() - before, 4);
        for i in [0, 129, 130, 249] {
            let lead = store.lead_by_email(&format!("lead{i}@example.com")).unwrap().unwrap();
            assert!(lead.hubspot_id.is_some(), "lead {i} is linked to its contact");
        }
    }
}
