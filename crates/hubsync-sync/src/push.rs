//! The push, end to end. `prepare_push` reads what HubSpot holds for the selected leads (batch
//! reads by email, then by id for leads whose email found nothing), plans and journals the plan
//! page by page; the plan is then recorded as a preview, or made the live run by `run_push`:
//! every row is in the store before anything is sent, writes go out in batches of 100 (updates
//! by id, creates as upserts by email, so a resent batch never makes a second contact), a
//! rejected batch is split until the bad rows are isolated, and each batch's outcomes land in
//! one transaction together with the leads' links to their contacts. `resume_push` finishes whatever a crash, a cancel
//! or the daily limit left pending.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};
use hubsync_hubspot::{
    BATCH_LIMIT, BatchOutcome, ClientError, HubSpotClient, Property, Record, SAFETY_MARGIN, describe_scopes,
};
use hubsync_store::{
    ItemOutcome, ItemResult, Lead, NewRun, PlanRow, Run, RunAction, RunItem, RunKind, RunMode, Store, StoreError,
};
use serde::Serialize;
use serde_json::json;
use tracing::Instrument;

use crate::owners::OwnerDirectory;
use crate::plan::{Action, Counts, Found, PlanItem, PushInputs, SkipReason, plan_leads, shared_contact_reason};

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
    /// HubSpot refused a live run's write for a scope the token lacks. The run stopped with its
    /// rows pending: it can finish once the connection has the scope, not before.
    #[error(
        "HubSpot refused to write: the token lacks {}; run {run_id} stopped with {pending} of its rows still to write",
        describe_scopes(.scopes)
    )]
    MissingScopes { run_id: i64, pending: u64, scopes: Vec<String> },
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
            SyncError::MissingScopes { .. } => "missing_scopes",
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

/// A plan, journaled in the store, and everything needed to record it as a preview or run it.
#[derive(Debug)]
pub struct PreparedPush {
    /// The run holding the plan's rows: a preview, `running` until `record_preview` records it
    /// or `run_push` runs it (`discard_push` throws it away). The plan is never in memory whole:
    /// at 1,000,000 leads it is gigabytes.
    pub run_id: i64,
    pub counts: Counts,
    pub estimate: Estimate,
    pub portal_id: Option<u64>,
    /// Calls the preparation made (they count toward the live run's).
    pub api_calls: u64,
    /// Reading HubSpot's side, and computing the plan from it and journaling it.
    pub read_time: Duration,
    pub plan_time: Duration,
}

/// Leads are read, planned and journaled this many at a time, so memory holds a page, not every
/// lead, every contact or the plan.
const PAGE: usize = 2_000;

/// A lead and its place in the selection: its row's `seq` in the plan.
type Placed = (i64, Lead);

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
        let rows = seqs.into_iter().zip(items).map(|(seq, item)| {
            let claim = item.claim.as_ref().map(|c| c.rank());
            PlanRow { item: run_item(seq, item, RunMode::Preview), claim }
        });
        store.add_plan_rows(run_id, rows)?;
        Ok(())
    }
}

/// Reads HubSpot's side for the selected leads, plans the push and journals the plan as a
/// preview run that is not yet recorded (`PreparedPush::run_id`). Sends no write and changes no
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
    let selection = Selection::new(store, &options.emails)?;
    let mappings = store.mappings()?;
    let rules = store.push_rules()?;
    let portal_id = store.active_portal()?.map(|p| p.portal_id);
    ensure_portal(client, portal_id).await?;

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
    // The rules and mapping the plan is made with, kept with its run.
    let settings = json!({ "rules": rules, "mappings": mappings, "emails": options.emails });
    let context = PlanContext { fields: store.fields()?, mappings, rules, properties, owners };

    let run_id = begin_plan(store, RunKind::Push, portal_id, &settings)?;
    let planned = plan_selection(store, client, run_id, selection, &context, &wanted, options, cancel, progress).await;
    let plan_time = planned.map_err(|error| abandon_plan(store, run_id, error))?;
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

    let write_calls = (counts.update.div_ceil(BATCH_LIMIT) + counts.create.div_ceil(BATCH_LIMIT)) as u64;
    let spent = client.api_calls() - calls_before;
    // Reads overlapped as writes will, so their pace is the live run's pace when the limit isn't.
    let per_call = if spent == 0 { Duration::ZERO } else { read_time / spent as u32 };
    let estimate = estimate_at_limit(client, setup_calls, read_calls, write_calls, per_call).await;
    store.finish_plan(run_id, &serde_json::to_value(&estimate).expect("plain data"), spent)?;
    Ok(PreparedPush { run_id, counts, estimate, portal_id, api_calls: spent, read_time, plan_time })
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

/// Reads, plans and journals every page of the selection into plan `run_id`, then settles the
/// contacts several leads reached. Returns the time spent planning and journaling.
#[allow(clippy::too_many_arguments)]
async fn plan_selection(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    mut selection: Selection,
    context: &PlanContext,
    wanted: &[String],
    options: &PushOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Duration, SyncError> {
    let total = selection.total;
    let mut next_seq = 0;
    let mut by_id_pending: Vec<Placed> = Vec::new();
    let mut plan_time = Duration::ZERO;
    let mut done = 0;
    progress(Progress { phase: Phase::Reading, done, total });
    loop {
        cancel.check()?;
        let page = selection.next_page(store)?;
        let last = page.is_empty();
        if !page.is_empty() {
            let by_email = read_by_email(client, &page, wanted, options.concurrency, cancel).await?;
            let places = next_seq..next_seq + page.len() as i64;
            next_seq = places.end;
            let (now, later): (Vec<Placed>, Vec<Placed>) = places
                .zip(page)
                .partition(|(_, l)| l.hubspot_id.is_none() || by_email.contains_key(&l.email.to_lowercase()));
            by_id_pending.extend(later);
            let found = Found { by_email, by_id: HashMap::new() };
            let planning = Instant::now();
            done += now.len() as u64;
            context.plan_into(store, run_id, now, &found)?;
            plan_time += planning.elapsed();
        }
        // Only whole batches of 100 until the last page, which takes the rest.
        let take = if last { by_id_pending.len() } else { by_id_pending.len() / BATCH_LIMIT * BATCH_LIMIT };
        if take > 0 {
            let rest = by_id_pending.split_off(take);
            let leads = std::mem::replace(&mut by_id_pending, rest);
            let ids: Vec<String> = leads.iter().filter_map(|(_, l)| l.hubspot_id.clone()).collect();
            let by_id = read_by_id(client, &ids, wanted, options.concurrency, cancel).await?;
            let found = Found { by_email: HashMap::new(), by_id };
            let planning = Instant::now();
            done += leads.len() as u64;
            context.plan_into(store, run_id, leads, &found)?;
            plan_time += planning.elapsed();
        }
        progress(Progress { phase: Phase::Reading, done, total });
        if last {
            break;
        }
    }
    let settling = Instant::now();
    settle_journaled_plan(store, run_id)?;
    Ok(plan_time + settling.elapsed())
}

/// `finish_plan`'s settling of contacts several leads reached, done on a journaled plan: the
/// store ranks the claims, so only the losing rows come into memory.
fn settle_journaled_plan(store: &mut Store, run_id: i64) -> Result<(), SyncError> {
    let contested: Vec<(i64, Vec<String>)> = store
        .contested_rows(run_id)?
        .into_iter()
        .map(|row| (row.seq, vec![shared_contact_reason(&row.contact_id, &row.winner_email)]))
        .collect();
    store.invalidate_plan_rows(run_id, &contested)?;
    Ok(())
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

/// A planned row as the run's journal holds it; a live run's writes have no outcome until
/// HubSpot answers.
fn run_item(seq: i64, item: PlanItem, mode: RunMode) -> RunItem {
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
        ..RunItem::planned(seq, item.lead_id, item.email, item.contact_id, action, reasons, mode)
    }
}

/// A push run's row as the plan item it was made from (what `push --preview --json` shows).
pub fn plan_item(item: RunItem) -> PlanItem {
    let action = match item.action {
        RunAction::Update => Action::Update { contact_id: item.contact_id.clone().unwrap_or_default() },
        RunAction::Create => Action::Create,
        RunAction::Skip => Action::Skip {
            reason: [SkipReason::Unchanged, SkipReason::NoMatchCreateOff, SkipReason::UpdateOff]
                .into_iter()
                .find(|r| item.reasons.first().map(String::as_str) == Some(skip_reason(r)))
                .unwrap_or(SkipReason::Unchanged),
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

/// Records the plan as a preview run (the history keeps every preview). Writes nothing to
/// HubSpot and changes no lead. Recording it again changes nothing.
pub fn record_preview(store: &mut Store, prepared: &PreparedPush) -> Result<i64, SyncError> {
    store.record_plan(prepared.run_id)?;
    Ok(prepared.run_id)
}

/// Throws away a plan that is neither recorded nor run (a push not confirmed). A recorded
/// preview stays in the history.
pub fn discard_push(store: &mut Store, prepared: PreparedPush) -> Result<(), SyncError> {
    Ok(store.discard_plan(prepared.run_id)?)
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
    ensure_portal(client, prepared.portal_id).await?;
    let run_id = store.live_run_from_plan(prepared.run_id)?;
    let written =
        write(store, client, run_id, prepared.api_calls, &Writing::new(options.concurrency), cancel, progress)
            .instrument(tracing::info_span!("push", run_id))
            .await;
    give_back(store, written)
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
    store.check_run_address(&run)?;
    ensure_portal(client, run.portal_id).await?;
    let run = store.reopen_run(run_id)?;
    tracing::info!(run_id, pending = run.counts.pending, "resuming");
    let written = write(store, client, run_id, run.api_calls, &Writing::new(options.concurrency), cancel, progress)
        .instrument(tracing::info_span!("push", run_id, resumed = true))
        .await;
    give_back(store, written)
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
    /// The run can't go on now (daily limit, token, scopes, network): the batch stays pending.
    Stop(ClientError),
}

/// Why a live run stopped with rows pending.
enum Stopped {
    /// Cancelled, for this reason.
    Cancelled(String),
    /// HubSpot refused a batch for a reason that is not about its rows.
    Refused(ClientError),
}

impl Stopped {
    /// The reason the run's history keeps.
    fn reason(&self) -> String {
        match self {
            Stopped::Cancelled(reason) => reason.clone(),
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
    let total = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?.counts.pending;
    // Creates an earlier session sent without recording the reply: HubSpot now calls them
    // "not new", yet this run made them.
    let resent = store.sent_pending(run_id)?;
    let mut done = 0;
    let mut stop: Option<Stopped> = None;
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
    store.finish_run(run_id, stop.as_ref().map(Stopped::reason).as_deref(), calls(client))?;
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
    landed: &mut dyn FnMut(u64),
    calls: &dyn Fn(&HubSpotClient) -> u64,
) -> Result<Option<Stopped>, SyncError> {
    let mut in_flight = FuturesUnordered::new();
    let mut stop: Option<Stopped> = None;
    loop {
        while stop.is_none() && !cancel.is_cancelled() && in_flight.len() < concurrency.max(1) {
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
            Verdict::Stop(error) => {
                tracing::warn!(%error, "stopping the run with its rows pending");
                stop.get_or_insert(Stopped::Refused(error));
            }
        }
    }
    if stop.is_none() && !queue.is_empty() {
        stop = Some(Stopped::Cancelled(cancel.reason()));
    }
    Ok(stop)
}

/// A sandbox portal holding `contacts` with no rate limit, a client for it, and an empty store:
/// what the unit tests of a run's paging start from.
#[cfg(test)]
pub(crate) async fn sandboxed(contacts: Vec<serde_json::Value>) -> (hubsync_sandbox::Sandbox, HubSpotClient, Store) {
    use hubsync_hubspot::{ClientConfig, PortalLimiter, RateLimitSettings, Secret};
    use hubsync_sandbox::{Fixture, PrivateToken, Sandbox, SandboxConfig};

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
    let store = Store::open_in_memory(Arc::new(hubsync_store::SystemClock)).unwrap();
    (sandbox, client, store)
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
                        _ => Action::Invalid { reasons: vec!["city: refused".into()] },
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
        let run_id = store.live_run_from_plan(prepared.run_id).unwrap();
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
