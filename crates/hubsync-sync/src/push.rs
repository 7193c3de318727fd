//! The push, end to end. `prepare_push` reads what HubSpot holds for the selected leads (batch
//! reads by email, then by id for leads whose email found nothing) and plans; the plan is then
//! recorded as a preview, or written by `run_push` as a journaled live run: every row is in the
//! store before anything is sent, writes go out in batches of 100 (updates by id, creates as
//! upserts by email, so a resent batch never makes a second contact), a rejected batch is split
//! until the bad rows are isolated, and each batch's outcomes land in one transaction together
//! with the leads' links to their contacts. `resume_push` finishes whatever a crash, a cancel
//! or the daily limit left pending.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};
use hubsync_hubspot::{BATCH_LIMIT, BatchOutcome, ClientError, HubSpotClient, Property, Record, SAFETY_MARGIN};
use hubsync_store::{
    ItemOutcome, ItemResult, Lead, NewRun, Run, RunAction, RunItem, RunKind, RunMode, Store, StoreError,
};
use serde::Serialize;
use serde_json::json;
use tracing::Instrument;

use crate::owners::OwnerDirectory;
use crate::plan::{Action, Found, PlanItem, PushInputs, PushPlan, SkipReason, finish_plan, plan_leads};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    HubSpot(#[from] ClientError),
    #[error("no lead has the email {}; `hubsync leads list` shows the leads", .0.join(", "))]
    UnknownLeads(Vec<String>),
    #[error("run {run_id} is a {kind} run, which this command does not resume")]
    NotAPush { run_id: i64, kind: &'static str },
    #[error("the saved pull rules can't be used with this portal: {0}; change them with `hubsync rules pull`")]
    InvalidRule(String),
    #[error(
        "run {run_id} belongs to portal {run_portal}, but portal {connected} is connected; connect that portal to resume it"
    )]
    OtherPortal { run_id: i64, run_portal: u64, connected: u64 },
    #[error("run {run_id} can't be undone: {why}")]
    NotUndoable { run_id: i64, why: String },
    #[error("cannot write {}: {source}", path.display())]
    File { path: std::path::PathBuf, source: std::io::Error },
    #[error("run {run_id} is a {kind} run: only a push's failed rows can be retried")]
    RetryNeedsAPush { run_id: i64, kind: &'static str },
    #[error("run {0} has no failed rows to retry")]
    NoFailedRows(i64),
    /// A preview stopped before its plan was made: nothing was recorded or written.
    #[error("the preview was stopped ({0}) before it finished; nothing was recorded or written: preview again")]
    Cancelled(String),
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Store(e) => e.code(),
            SyncError::HubSpot(e) => e.code(),
            SyncError::UnknownLeads(_) => "unknown_leads",
            SyncError::NotAPush { .. } | SyncError::RetryNeedsAPush { .. } => "not_a_push_run",
            SyncError::NoFailedRows(_) => "no_failed_rows",
            SyncError::OtherPortal { .. } => "other_portal",
            SyncError::InvalidRule(_) => "invalid_rule",
            SyncError::NotUndoable { .. } => "not_undoable",
            SyncError::File { .. } => "file_error",
            SyncError::Cancelled(_) => "cancelled",
        }
    }
}

/// Stops a live run between batches: the batches in flight finish and are recorded, the rest
/// stay pending for `resume_push` (or `resume_pull`). The reason becomes the run's stop reason.
/// A preview stops between its reads with `SyncError::Cancelled`, having recorded nothing.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    reason: Arc<std::sync::Mutex<Option<String>>>,
}

impl Cancel {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Cancels with the reason the run's history shows (the first reason given wins).
    pub fn cancel_because(&self, reason: impl Into<String>) {
        self.reason.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(|| reason.into());
        self.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Why the run was cancelled: the reason given, or "cancelled".
    pub fn reason(&self) -> String {
        self.reason.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_else(|| "cancelled".into())
    }

    /// A preview's check between reads: `SyncError::Cancelled` once cancelled.
    pub fn check(&self) -> Result<(), SyncError> {
        if self.is_cancelled() { Err(SyncError::Cancelled(self.reason())) } else { Ok(()) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Reading HubSpot's contacts for the plan.
    Reading,
    /// Writing a live run's batches.
    Writing,
    /// Applying a live pull's rows to the lead store.
    Applying,
}

/// Rows handled so far out of the phase's total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}

#[derive(Clone, Debug)]
pub struct PushOptions {
    /// The leads to push, by email; all leads when empty.
    pub emails: Vec<String>,
    /// Batches in flight at once; the portal's rate limiter paces them.
    pub concurrency: usize,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions { emails: Vec::new(), concurrency: 8 }
    }
}

/// What the live run will cost, at the portal's rate limit.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    /// Every call the live run makes: `setup_calls + read_calls + write_calls`.
    pub api_calls: u64,
    /// Properties and owners.
    pub setup_calls: u64,
    /// Batch reads by email, and by id for leads whose email found nothing.
    pub read_calls: u64,
    /// Batch updates and upserts, 100 rows each.
    pub write_calls: u64,
    /// The requests the portal admits per window, and the window.
    pub rate_limit_per_window: u32,
    pub rate_limit_window_ms: u64,
    /// Wall time: the rate limit's bound, or the round trips at this concurrency, whichever is longer.
    pub seconds: f64,
}

/// A plan and everything needed to record it as a preview or run it.
#[derive(Debug)]
pub struct PreparedPush {
    pub plan: PushPlan,
    pub estimate: Estimate,
    /// The rules and mapping the plan was made with, kept with the run.
    pub settings: serde_json::Value,
    pub portal_id: Option<u64>,
    /// Calls the preparation made (they count toward the live run's).
    pub api_calls: u64,
    /// Reading HubSpot's side, and computing the plan from it.
    pub read_time: Duration,
    pub plan_time: Duration,
}

/// Leads are read and planned this many at a time, so memory holds the plan, not every lead
/// and every contact at once.
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
    fn plan(&self, leads: &[Lead], found: &Found) -> Vec<PlanItem> {
        plan_leads(&PushInputs {
            leads,
            fields: &self.fields,
            mappings: &self.mappings,
            rules: self.rules,
            properties: &self.properties,
            owners: &self.owners,
            found,
        })
    }
}

/// Reads HubSpot's side for the selected leads and plans the push. Sends no write.
///
/// A page of leads at a time: one batch read by email per 100 leads; leads whose email found
/// nothing but that are linked to a contact wait until 100 of them (or the last page) make a
/// full batch read by id, so the calls stay at the floor however the pages fall.
pub async fn prepare_push(
    store: &Store,
    client: &HubSpotClient,
    options: &PushOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<PreparedPush, SyncError> {
    let started = Instant::now();
    let calls_before = client.api_calls();
    let mut selection = Selection::new(store, &options.emails)?;
    let mappings = store.mappings()?;
    let rules = store.push_rules()?;
    let portal_id = store.active_portal()?.map(|p| p.portal_id);

    let properties = client.properties().await?;
    let owners = if mappings.iter().any(|m| m.property == "hubspot_owner_id") {
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
    let context = PlanContext { fields: store.fields()?, mappings, rules, properties, owners };

    let total = selection.total;
    let mut items: Vec<PlanItem> = Vec::with_capacity(total as usize);
    let mut by_id_pending: Vec<Lead> = Vec::new();
    let mut plan_time = Duration::ZERO;
    let mut done = 0;
    progress(Progress { phase: Phase::Reading, done, total });
    loop {
        cancel.check()?;
        let page = selection.next_page(store)?;
        let last = page.is_empty();
        if !page.is_empty() {
            let by_email = read_by_email(client, &page, &wanted, options.concurrency, cancel).await?;
            let (now, later): (Vec<Lead>, Vec<Lead>) = page
                .into_iter()
                .partition(|l| l.hubspot_id.is_none() || by_email.contains_key(&l.email.to_lowercase()));
            by_id_pending.extend(later);
            let found = Found { by_email, by_id: HashMap::new() };
            let planning = Instant::now();
            done += now.len() as u64;
            items.extend(context.plan(&now, &found));
            plan_time += planning.elapsed();
        }
        // Only whole batches of 100 until the last page, which takes the rest.
        let take = if last { by_id_pending.len() } else { by_id_pending.len() / BATCH_LIMIT * BATCH_LIMIT };
        if take > 0 {
            let rest = by_id_pending.split_off(take);
            let leads = std::mem::replace(&mut by_id_pending, rest);
            let ids: Vec<String> = leads.iter().filter_map(|l| l.hubspot_id.clone()).collect();
            let by_id = read_by_id(client, &ids, &wanted, options.concurrency, cancel).await?;
            let found = Found { by_email: HashMap::new(), by_id };
            let planning = Instant::now();
            done += leads.len() as u64;
            items.extend(context.plan(&leads, &found));
            plan_time += planning.elapsed();
        }
        progress(Progress { phase: Phase::Reading, done, total });
        if last {
            break;
        }
    }
    let planning = Instant::now();
    // Leads read by id were planned after their page: back to the store's order.
    items.sort_by_key(|i| i.lead_id);
    let plan = finish_plan(items);
    plan_time += planning.elapsed();
    let read_calls = client.api_calls() - calls_before - setup_calls;
    let read_time = started.elapsed().saturating_sub(plan_time);

    let write_calls = (plan.counts.update.div_ceil(BATCH_LIMIT) + plan.counts.create.div_ceil(BATCH_LIMIT)) as u64;
    let spent = client.api_calls() - calls_before;
    // Reads overlapped as writes will, so their pace is the live run's pace when the limit isn't.
    let per_call = if spent == 0 { Duration::ZERO } else { read_time / spent as u32 };
    let estimate = estimate_at_limit(client, setup_calls, read_calls, write_calls, per_call).await;
    let settings = json!({ "rules": context.rules, "mappings": context.mappings, "emails": options.emails });
    Ok(PreparedPush { plan, estimate, settings, portal_id, api_calls: spent, read_time, plan_time })
}

/// `estimate` at the client's portal's rate limit.
pub(crate) async fn estimate_at_limit(
    client: &HubSpotClient,
    setup_calls: u64,
    read_calls: u64,
    write_calls: u64,
    per_call: Duration,
) -> Estimate {
    let capacity = client.window_capacity().await;
    estimate(setup_calls, read_calls, write_calls, capacity, client.config().limits.window, per_call)
}

/// The time a run of `calls` takes: the rate limit admits a window's worth at once, then
/// another each window (plus the limiter's margin); or, when that is faster, the calls at the
/// pace (`per_call`, round trips overlapped) the preparation's reads went at.
fn estimate(
    setup_calls: u64,
    read_calls: u64,
    write_calls: u64,
    capacity: u32,
    window: Duration,
    per_call: Duration,
) -> Estimate {
    let api_calls = setup_calls + read_calls + write_calls;
    // A rolling window: `capacity` go at once, the next `capacity` a window (plus the limiter's
    // margin) after the first of them, and so on.
    let windows = api_calls.saturating_sub(1) / u64::from(capacity.max(1));
    let bound = windows as f64 * (window + SAFETY_MARGIN).as_secs_f64();
    let round_trips = api_calls as f64 * per_call.as_secs_f64();
    Estimate {
        api_calls,
        setup_calls,
        read_calls,
        write_calls,
        rate_limit_per_window: capacity,
        rate_limit_window_ms: window.as_millis() as u64,
        seconds: (bound.max(round_trips) * 10.0).round() / 10.0,
    }
}

/// The leads a push covers, handed out a page at a time: every lead (paged from the store),
/// or those named by email (checked up front: an unknown one is an error before any call).
struct Selection {
    named: Option<std::vec::IntoIter<Lead>>,
    after: i64,
    total: u64,
}

impl Selection {
    fn new(store: &Store, emails: &[String]) -> Result<Selection, SyncError> {
        if emails.is_empty() {
            return Ok(Selection { named: None, after: 0, total: store.lead_count()? as u64 });
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
        Ok(Selection { total: leads.len() as u64, named: Some(leads.into_iter()), after: 0 })
    }

    fn next_page(&mut self, store: &Store) -> Result<Vec<Lead>, SyncError> {
        match &mut self.named {
            Some(named) => Ok(named.by_ref().take(PAGE).collect()),
            None => {
                let page = store.leads_page(self.after, PAGE)?;
                if let Some(last) = page.last() {
                    self.after = last.id;
                }
                Ok(page)
            }
        }
    }
}

/// Asking for a property the portal lacks fails the whole read; the plan reports the mapping
/// to a missing property on each row instead.
fn known_properties(wanted: Vec<String>, properties: &[Property]) -> Vec<String> {
    let names: HashSet<&str> = properties.iter().map(|p| p.name.as_str()).collect();
    wanted.into_iter().filter(|w| names.contains(w.as_str())).collect()
}

/// Batch reads by email, one call per 100 leads. A contact found through an additional email
/// is filed under it.
async fn read_by_email(
    client: &HubSpotClient,
    leads: &[Lead],
    properties: &[String],
    concurrency: usize,
    cancel: &Cancel,
) -> Result<HashMap<String, Vec<Record>>, SyncError> {
    let mut found: HashMap<String, Vec<Record>> = HashMap::new();
    let emails: Vec<String> = leads.iter().map(|l| l.email.to_lowercase()).collect();
    let mut reads = futures_util::stream::iter(emails.chunks(BATCH_LIMIT).map(|chunk| async move {
        let outcome = client.batch_read(chunk, true, properties).await;
        (chunk, outcome)
    }))
    .buffer_unordered(concurrency.max(1));
    while let Some((chunk, outcome)) = reads.next().await {
        // Reads in flight are dropped: a preview that stops keeps nothing of them.
        cancel.check()?;
        let asked: HashSet<&str> = chunk.iter().map(String::as_str).collect();
        for record in outcome?.results {
            for address in addresses(&record) {
                if asked.contains(address.as_str()) {
                    found.entry(address).or_default().push(record.clone());
                }
            }
        }
    }
    Ok(found)
}

/// Batch reads by record id, one call per 100; ids HubSpot no longer has are simply absent.
pub(crate) async fn read_by_id(
    client: &HubSpotClient,
    ids: &[String],
    properties: &[String],
    concurrency: usize,
    cancel: &Cancel,
) -> Result<HashMap<String, Record>, SyncError> {
    let mut found = HashMap::new();
    let mut reads = futures_util::stream::iter(
        ids.chunks(BATCH_LIMIT).map(|chunk| async move { client.batch_read(chunk, false, properties).await }),
    )
    .buffer_unordered(concurrency.max(1));
    while let Some(outcome) = reads.next().await {
        cancel.check()?;
        for record in outcome?.results {
            found.insert(record.id.clone(), record);
        }
    }
    Ok(found)
}

/// A contact's addresses, lowercased: the primary email and the additional ones.
fn addresses(record: &Record) -> Vec<String> {
    let mut all: Vec<String> = record.get("email").map(|e| e.trim().to_lowercase()).into_iter().collect();
    if let Some(extra) = record.get("hs_additional_emails") {
        all.extend(extra.split(';').map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()));
    }
    all
}

fn skip_reason(reason: &SkipReason) -> &'static str {
    match reason {
        SkipReason::Unchanged => "unchanged",
        SkipReason::NoMatchCreateOff => "no matching contact, and creating contacts is off",
        SkipReason::UpdateOff => "a contact matches, and updating contacts is off",
    }
}

/// The plan's rows as run items, one at a time as the run's journal takes them; a live run's
/// writes have no outcome until HubSpot answers. The plan is never held twice: at 1,000,000
/// leads a copy of it is gigabytes.
fn run_items(items: impl IntoIterator<Item = PlanItem>, mode: RunMode) -> impl Iterator<Item = RunItem> {
    items.into_iter().enumerate().map(move |(seq, item)| {
        let (action, reasons) = match item.action {
            Action::Update { .. } => (RunAction::Update, vec![]),
            Action::Create => (RunAction::Create, vec![]),
            Action::Skip { reason } => (RunAction::Skip, vec![skip_reason(&reason).to_string()]),
            Action::Invalid { reasons } => (RunAction::Invalid, reasons),
        };
        RunItem {
            changes: item.changes,
            notes: item.notes,
            record: item.record,
            ..RunItem::planned(seq as i64, item.lead_id, item.email, item.contact_id, action, reasons, mode)
        }
    })
}

fn new_run(prepared: &PreparedPush, mode: RunMode) -> NewRun {
    NewRun {
        kind: RunKind::Push,
        mode,
        portal_id: prepared.portal_id,
        settings: prepared.settings.clone(),
        estimate: serde_json::to_value(&prepared.estimate).expect("plain data"),
        api_calls: prepared.api_calls,
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

/// Records the plan as a preview run (the history keeps every preview). Writes nothing to
/// HubSpot and changes no lead.
pub fn record_preview(store: &mut Store, prepared: &PreparedPush) -> Result<i64, SyncError> {
    let items = run_items(prepared.plan.items.iter().cloned(), RunMode::Preview);
    Ok(store.create_run(&new_run(prepared, RunMode::Preview), items)?)
}

/// Runs the plan for real: journals it, then writes it. Returns the finished (or interrupted)
/// run. The plan is consumed: the run's rows in the store are its record from then on.
pub async fn run_push(
    store: &mut Store,
    client: &HubSpotClient,
    mut prepared: PreparedPush,
    options: &PushOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let items = run_items(std::mem::take(&mut prepared.plan.items), RunMode::Live);
    let run_id = store.create_run(&new_run(&prepared, RunMode::Live), items)?;
    write(store, client, run_id, prepared.api_calls, &Writing::new(options.concurrency), cancel, progress)
        .instrument(tracing::info_span!("push", run_id))
        .await
}

/// Finishes a live push that a crash, a cancel, lost network or the daily limit left with rows
/// pending. Safe to repeat: updates by id and upserts by email land once however often sent.
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
    // An undo's rows are written exactly as a push's are.
    if !matches!(run.kind, RunKind::Push | RunKind::Undo) {
        return Err(SyncError::NotAPush { run_id, kind: run.kind.as_str() });
    }
    if let (Some(run_portal), Some(connected)) = (run.portal_id, connected_portal)
        && run_portal != connected
    {
        return Err(SyncError::OtherPortal { run_id, run_portal, connected });
    }
    let run = store.reopen_run(run_id)?;
    tracing::info!(run_id, pending = run.counts.pending, "resuming");
    write(store, client, run_id, run.api_calls, &Writing::new(options.concurrency), cancel, progress)
        .instrument(tracing::info_span!("push", run_id, resumed = true))
        .await
}

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
                    error: Some(format!("the journal holds a pending {} row without a contact id", action.as_str())),
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
    /// The run can't go on now (daily limit, token, network): the batch stays pending.
    Stop(String),
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
        Err(error) => Verdict::Stop(error.to_string()),
    }
}

/// A 4xx that is about the inputs (not the token, scopes or limits): some row is bad.
fn rejects_rows(error: &ClientError) -> bool {
    matches!(error.status(), Some(400..=499)) && !matches!(error.status(), Some(401 | 403 | 429))
}

/// What HubSpot said about a refused row, in words: a property-value refusal names each property
/// and its problem instead of HubSpot's JSON-in-a-string message.
fn row_error(error: &ClientError) -> String {
    match error {
        ClientError::Api { status, message, body } => {
            let problems = body.as_ref().map(|b| b.property_problems()).unwrap_or_default();
            let said = if problems.is_empty() {
                message.clone()
            } else {
                problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            };
            match error.category() {
                Some(category) => format!("HubSpot refused it ({status} {category}): {said}"),
                None => format!("HubSpot refused it ({status}): {said}"),
            }
        }
        other => other.to_string(),
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
                    format!("contact {} no longer exists in HubSpot (deleted or merged since the plan)", job.key)
                } else if other_errors.is_empty() {
                    "HubSpot's reply had no result for this row".to_string()
                } else {
                    format!("HubSpot refused it: {}", other_errors.join("; "))
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

/// How a live run's rows go out: batches in flight at once, and the journal's page.
pub(crate) struct Writing {
    concurrency: usize,
    page: usize,
}

impl Writing {
    pub(crate) fn new(concurrency: usize) -> Writing {
        Writing { concurrency, page: WRITE_PAGE }
    }
}

/// Writes a live run's pending rows, read from its journal a page at a time, step by step
/// (each step whole before the next), and finishes the run: completed, or interrupted with the
/// reason it stopped.
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
    let total = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?.counts.pending;
    // Creates an earlier session sent without recording the reply: HubSpot now calls them
    // "not new", yet this run made them.
    let resent = store.sent_pending(run_id)?;
    let mut done = 0;
    let mut stop: Option<String> = None;
    progress(Progress { phase: Phase::Writing, done, total });
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
                stop = Some(cancel.reason());
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
                    error: Some(format!("not written: this contact's step {} row failed", step - 1)),
                })
                .collect();
            let (queue, damaged) = batcher.add(items, last);
            unwritable.extend(damaged);
            if !unwritable.is_empty() {
                store.record_outcomes(run_id, &unwritable, calls(client))?;
                done += unwritable.len() as u64;
                progress(Progress { phase: Phase::Writing, done, total });
            }
            stop = write_batches(
                store,
                client,
                run_id,
                queue,
                &resent,
                writing.concurrency,
                cancel,
                &mut |landed| {
                    done += landed;
                    progress(Progress { phase: Phase::Writing, done, total });
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
    store.finish_run(run_id, stop.as_deref(), calls(client))?;
    Ok(store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?)
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
    landed: &mut dyn FnMut(u64),
    calls: &dyn Fn(&HubSpotClient) -> u64,
) -> Result<Option<String>, SyncError> {
    let mut in_flight = FuturesUnordered::new();
    let mut stop: Option<String> = None;
    loop {
        while stop.is_none() && !cancel.is_cancelled() && in_flight.len() < concurrency.max(1) {
            let Some(batch) = queue.pop_front() else { break };
            if batch.kind == WriteKind::Upsert {
                store.mark_sent(run_id, &batch.jobs.iter().map(|j| j.seq).collect::<Vec<_>>())?;
            }
            in_flight.push(send(client, batch));
        }
        let Some((batch, outcome)) = in_flight.next().await else { break };
        match judge(batch, outcome, resent) {
            Verdict::Landed(results) => {
                store.record_outcomes(run_id, &results, calls(client))?;
                landed(results.len() as u64);
            }
            Verdict::Split(first, second) => {
                tracing::info!(rows = first.jobs.len() + second.jobs.len(), "batch refused; splitting it");
                queue.push_front(second);
                queue.push_front(first);
            }
            Verdict::Stop(reason) => {
                tracing::warn!(%reason, "stopping the run; it can resume");
                stop.get_or_insert(reason);
            }
        }
    }
    if stop.is_none() && !queue.is_empty() {
        stop = Some(cancel.reason());
    }
    Ok(stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_rate_limit_bound_or_the_round_trips() {
        let window = Duration::from_secs(10);
        let small = estimate(1, 1, 1, 110, window, Duration::from_millis(100));
        assert_eq!((small.api_calls, small.seconds), (3, 0.3), "inside one window: round trips only");
        let big = estimate(1, 1000, 625, 110, window, Duration::from_millis(10));
        // 1,626 calls: 110 at once, then 14 more windows of 10.5 s.
        assert_eq!(big.seconds, 147.0);
    }

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

    /// A push of 250 leads (130 known and changed, 120 new) written from a journal read 7 rows
    /// at a time: batches span the pages, so the calls stay at the floor, and a run cancelled
    /// between pages resumes with every row landing once.
    #[tokio::test]
    async fn a_journal_read_in_small_pages_writes_every_row_once_in_full_batches() {
        use hubsync_hubspot::{ClientConfig, PortalLimiter, RateLimitSettings, Secret};
        use hubsync_sandbox::{Fixture, PrivateToken, Sandbox, SandboxConfig};
        use hubsync_store::{ImportOptions, LeadRow, RunStatus, SystemClock};

        let known = 130;
        let contacts: Vec<serde_json::Value> = (0..known)
            .map(|i| json!({ "properties": { "email": format!("lead{i}@example.com"), "company": "Old" } }))
            .collect();
        let fixture = Fixture::from_json(&json!({ "contacts": contacts }).to_string()).unwrap();
        let sandbox = Sandbox::start(SandboxConfig {
            rate_limits: false,
            fixture: Some(fixture),
            private_tokens: vec![PrivateToken::new("pat-paged")],
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        let limits = RateLimitSettings::private_app(100);
        let client = HubSpotClient::new(
            ClientConfig::new(sandbox.base_url(), limits),
            Secret::new("pat-paged"),
            Arc::new(PortalLimiter::new(limits)),
        )
        .unwrap();
        let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
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

        let mut prepared =
            prepare_push(&store, &client, &PushOptions::default(), &Cancel::default(), &mut |_| {}).await.unwrap();
        assert_eq!((prepared.plan.counts.update, prepared.plan.counts.create), (130, 120));
        let items = run_items(std::mem::take(&mut prepared.plan.items), RunMode::Live);
        let run_id = store.create_run(&new_run(&prepared, RunMode::Live), items).unwrap();
        let paged = Writing { concurrency: 1, page: 7 };
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
