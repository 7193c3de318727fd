//! The pull: HubSpot contacts into the local store. `plan_pull` is pure: for a page of contacts
//! and the leads they match, what each lead would become, field by field, through the mapping
//! in reverse and its write rules, and what the contact's primary company and deals do to it
//! (`pull_related`). `prepare_pull` fetches page by page (the contacts list for every contact,
//! no 10,000 cap; search in `hs_object_id` windows for filtered pulls, so more than 10,000
//! matches still come in whole), with each page's companies and deals, plans each page and
//! journals it, so the plan is never in memory whole; `record_pull_preview` keeps the plan as a
//! preview run; `run_pull` makes it the live run and applies it a thousand rows per transaction
//! (a cancel stops it between them; `resume_pull` applies the rest).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use hubsync_hubspot::{HubSpotClient, ObjectType, Property, Record, SearchWindows};
use hubsync_store::journal::{Journal, PlanJournal};
use hubsync_store::{
    Field, FieldChange, Lead, Mapping, PlanRow, PulledLead, PulledRelated, RowNote, RowReason, Run, RunAction, RunItem,
    RunKind, RunMode, Store, StoreError, WriteRule, serialize_words,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::convert::from_hubspot;
use crate::error::SyncError;
use crate::estimate::estimate_at_limit;
use crate::journal::{JournaledPlan, UnfinishedPlan, ensure_portal, give_back};
use crate::owners::OwnerDirectory;
use crate::progress::{Cancel, Phase, Progress};
use crate::pull_related::{LocalRelated, PageRelated, RelatedInputs, RelatedReader, SkippedPart, plan_related};
use crate::pull_rules::{self, CompanyTest, PullRules};

/// Rows applied per transaction in a live pull.
const APPLY_CHUNK: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PullSkip {
    /// The lead already has every value.
    Unchanged,
    /// The contact has no email, which is what identifies a lead.
    NoEmail,
    /// The rules take only contacts not in the store yet.
    AlreadyInStore,
    /// A rule on the contact's company (`condition`) left it out; `no_company`: it has none.
    CompanyRuleLeftOut { condition: String, no_company: bool },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum PullAction {
    /// A new lead.
    New,
    Update {
        lead_id: i64,
    },
    Skip {
        reason: PullSkip,
    },
    Invalid {
        #[serde(serialize_with = "serialize_words")]
        reasons: Vec<RowReason>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullItem {
    pub contact_id: String,
    pub email: Option<String>,
    #[serde(flatten)]
    pub action: PullAction,
    /// `before` is the lead's value, `after` what the pull sets; `kept` when `if-empty` kept it.
    pub changes: Vec<FieldChange>,
    #[serde(serialize_with = "serialize_words")]
    pub notes: Vec<RowNote>,
    /// The contact's values as lead fields that `changes` doesn't carry (unchanged, or kept by
    /// an `if-empty` rule): with the changes' new values, the original columns of the run's
    /// export. Held apart so that 100,000 rows don't hold every value twice.
    #[serde(skip)]
    pub record: BTreeMap<String, String>,
    /// What a new or updated lead gets of the contact's primary company and deals.
    pub related: Option<PulledRelated>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullCounts {
    pub new: usize,
    pub update: usize,
    pub unchanged: usize,
    pub no_email: usize,
    pub already_in_store: usize,
    pub invalid: usize,
    /// Contacts a rule on their company left out.
    pub company_rule_left_out: usize,
    /// Contacts the pull brings in (new, updated or unchanged) that have a primary company.
    pub with_company: usize,
    /// HubSpot companies the store doesn't have yet, which the pull adds.
    pub new_companies: usize,
    /// Deals of the contacts the pull brings in.
    pub deals: usize,
    /// What the pull didn't read, and why (the connection lacks a scope).
    pub skipped_parts: Vec<SkippedPart>,
}

pub(crate) struct PullInputs<'a> {
    pub contacts: &'a [Record],
    /// Leads these contacts may match, by lowercased email and by linked contact id.
    pub by_email: &'a HashMap<String, Lead>,
    pub by_contact: &'a HashMap<String, Lead>,
    pub fields: &'a [Field],
    pub mappings: &'a [Mapping],
    pub properties: &'a [Property],
    pub owners: &'a OwnerDirectory,
    pub new_only: bool,
    /// The page's companies and deals, and what the store holds of them.
    pub page: &'a PageRelated,
    pub local: &'a LocalRelated,
    pub related: &'a RelatedInputs<'a>,
}

/// What each contact would do to the store. A blank HubSpot value never clears a lead's value.
pub(crate) fn plan_pull(inputs: &PullInputs<'_>) -> Vec<PullItem> {
    let fields: HashMap<&str, &Field> = inputs.fields.iter().map(|f| (f.key.as_str(), f)).collect();
    let properties: HashMap<&str, &Property> = inputs.properties.iter().map(|p| (p.name.as_str(), p)).collect();
    inputs
        .contacts
        .iter()
        .map(|contact| {
            let mut item = PullItem {
                contact_id: contact.id.clone(),
                email: contact.get("email").map(|e| e.trim().to_string()),
                action: PullAction::New,
                changes: Vec::new(),
                notes: Vec::new(),
                record: BTreeMap::new(),
                related: None,
            };
            let Some(email) = item.email.clone() else {
                item.action = PullAction::Skip { reason: PullSkip::NoEmail };
                return item;
            };
            if let Some(skip) = inputs.page.left_out.get(&contact.id) {
                item.action = PullAction::Skip { reason: skip.clone() };
                return item;
            }
            let lead = inputs.by_email.get(&email.to_lowercase()).or_else(|| inputs.by_contact.get(&contact.id));
            if lead.is_some() && inputs.new_only {
                item.action = PullAction::Skip { reason: PullSkip::AlreadyInStore };
                return item;
            }
            let mut problems = Vec::new();
            for mapping in inputs.mappings.iter().filter(|m| m.field_key != "email") {
                let (Some(field), Some(property)) =
                    (fields.get(mapping.field_key.as_str()), properties.get(mapping.property.as_str()))
                else {
                    continue;
                };
                let Some(raw) = contact.get(&mapping.property) else { continue };
                let value = match from_hubspot(field, property, raw, inputs.owners) {
                    Ok(Some(v)) => v,
                    Ok(None) => continue,
                    Err(detail) => {
                        problems.push(RowReason::PulledValueRefused {
                            property: mapping.property.clone(),
                            field: mapping.field_key.clone(),
                            detail,
                        });
                        continue;
                    }
                };
                let before = lead.and_then(|l| l.value(&mapping.field_key));
                let change = pulled_change(&mapping.field_key, &mapping.property, before, &value, mapping.write_rule);
                // The contact's value, unless the change carries it: the export's column.
                if change.as_ref().is_none_or(|c| c.kept) {
                    item.record.insert(mapping.field_key.clone(), value);
                }
                item.changes.extend(change);
            }
            owner_fields(contact, lead, inputs, &fields, &mut item);
            // What the contact's own values fill, its company doesn't.
            let filled: HashSet<String> = item
                .changes
                .iter()
                .filter(|c| c.after.is_some() || c.kept)
                .map(|c| c.field.clone())
                .chain(item.record.keys().cloned())
                .collect();
            let related = plan_related(&contact.id, lead, inputs.page, inputs.local, inputs.related, &filled);
            problems.extend(related.problems);
            item.changes.extend(related.lead_changes);
            item.record.extend(related.lead_record);
            item.action = match lead {
                _ if !problems.is_empty() => PullAction::Invalid { reasons: problems },
                None => PullAction::New,
                Some(lead) => {
                    if !lead.email.eq_ignore_ascii_case(&email) {
                        item.notes.push(RowNote::MatchedByLink {
                            lead_email: lead.email.clone(),
                            contact_id: contact.id.clone(),
                            email: email.clone(),
                        });
                    }
                    let relink = lead.hubspot_id.as_deref() != Some(contact.id.as_str());
                    if item.changes.iter().any(|c| c.after.is_some()) || relink || related.changes_store {
                        PullAction::Update { lead_id: lead.id }
                    } else {
                        PullAction::Skip { reason: PullSkip::Unchanged }
                    }
                }
            };
            if matches!(item.action, PullAction::New | PullAction::Update { .. }) {
                item.related = related.related;
            }
            item
        })
        .collect()
}

/// What a pulled `value` does to a field holding `before` under `rule`: nothing (`None`) when it
/// holds it already; else the change, `kept` (and no `after`) when an `if-empty` rule keeps the
/// value the field has.
pub(crate) fn pulled_change(
    field: &str,
    property: &str,
    before: Option<&str>,
    value: &str,
    rule: WriteRule,
) -> Option<FieldChange> {
    if before == Some(value) {
        return None;
    }
    let kept = rule == WriteRule::IfEmpty && before.is_some();
    Some(FieldChange {
        field: field.into(),
        property: property.into(),
        before: before.map(String::from),
        after: (!kept).then(|| value.to_string()),
        kept,
    })
}

/// The contact's owner fills the built-in `owner_email` and `owner_name` fields (unless the
/// mapping already fills them), so each lead shows who owns it.
fn owner_fields(
    contact: &Record,
    lead: Option<&Lead>,
    inputs: &PullInputs<'_>,
    fields: &HashMap<&str, &Field>,
    item: &mut PullItem,
) {
    let Some(owner) = contact.get("hubspot_owner_id").and_then(|id| inputs.owners.by_id(id)) else { return };
    let name = hubsync_store::full_name(owner.first_name.as_deref(), owner.last_name.as_deref());
    for (key, value) in [("owner_email", owner.email.clone()), ("owner_name", name)] {
        if inputs.mappings.iter().any(|m| m.field_key == key) {
            continue;
        }
        let (Some(field), Some(value)) = (fields.get(key), value) else { continue };
        let Ok(Some(value)) = field.canonical(&value) else { continue };
        let before = lead.and_then(|l| l.value(key)).map(String::from);
        if before.as_deref() == Some(value.as_str()) {
            item.record.insert(key.into(), value);
        } else {
            item.changes.push(FieldChange {
                field: key.into(),
                property: "hubspot_owner_id".into(),
                before,
                after: Some(value),
                kept: false,
            });
        }
    }
}

impl PullCounts {
    /// Counts `items` too.
    pub fn add(&mut self, items: &[PullItem]) {
        for item in items {
            match &item.action {
                PullAction::New => self.new += 1,
                PullAction::Update { .. } => self.update += 1,
                PullAction::Skip { reason: PullSkip::Unchanged } => self.unchanged += 1,
                PullAction::Skip { reason: PullSkip::NoEmail } => self.no_email += 1,
                PullAction::Skip { reason: PullSkip::AlreadyInStore } => self.already_in_store += 1,
                PullAction::Skip { reason: PullSkip::CompanyRuleLeftOut { .. } } => self.company_rule_left_out += 1,
                PullAction::Invalid { .. } => self.invalid += 1,
            }
        }
    }

    /// Counts a page's companies and deals: those of the contacts it brings in (new, updated,
    /// unchanged), and the companies the store doesn't have yet (`new_companies` holds their
    /// HubSpot ids across pages, each counted once).
    fn add_related(&mut self, items: &[PullItem], page: &PageRelated, new_companies: &mut HashSet<String>) {
        for item in items {
            let brought = matches!(
                item.action,
                PullAction::New | PullAction::Update { .. } | PullAction::Skip { reason: PullSkip::Unchanged }
            );
            if !brought {
                continue;
            }
            if page.companies.contains_key(&item.contact_id) {
                self.with_company += 1;
            }
            if let Some(Some(Ok(deals))) = page.deals.as_ref().map(|d| d.get(&item.contact_id)) {
                self.deals += deals.len();
            }
            if let Some(company) = item.related.as_ref().and_then(|r| r.company.as_ref())
                && company.company_id.is_none()
            {
                new_companies.insert(company.hubspot_company_id.clone());
            }
        }
        self.new_companies = new_companies.len();
    }
}

/// A pull's plan, journaled in the store: recorded as a preview (`record_pull_preview`), run
/// (`run_pull`) or thrown away (`discard_pull`). A live pull applies it without calling HubSpot
/// again; its estimate is what a pull that reads the same pages costs at the portal's limits.
#[derive(Debug)]
pub struct PreparedPull {
    pub plan: JournaledPlan,
    pub counts: PullCounts,
    pub read_time: Duration,
    /// The portal's owners, active and deactivated, which a live pull keeps in the store.
    pub owners: Vec<hubsync_store::OwnerRecord>,
}

/// Fetches the contacts the rules select, a page at a time, plans each page and journals it as
/// a preview run that is not yet recorded (`JournaledPlan::run_id`). Changes no lead. Reports the
/// contacts read after each page (of the total HubSpot reports for a filtered pull; the list
/// endpoint reports none, so there the total is what has come in so far), and stops between
/// pages when `cancel` is cancelled, leaving nothing behind.
pub async fn prepare_pull(
    store: &mut Store,
    client: &HubSpotClient,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<PreparedPull, SyncError> {
    let started = Instant::now();
    let calls_before = client.api_calls();
    let portal_id = store.active_portal()?.map(|p| p.portal_id);
    ensure_portal(client, portal_id).await?;
    let saved = pull_rules::load(store)?;
    let last_pull = store.last_completed_live_run(RunKind::Pull, portal_id)?.map(|r| r.started_at);
    let rules = saved.effective(last_pull);
    let fields = store.fields()?;
    let mappings = store.mappings()?;
    let company_fields = store.company_fields()?;
    let company_mappings = store.company_mappings()?;
    let properties = client.properties().await?;
    let owners = OwnerDirectory::new(client.owners(false).await?, client.owners(true).await?);
    let mut reader = RelatedReader::setup(client, &company_mappings).await?;
    if rules.tests_companies() && !reader.reads_companies() {
        return Err(crate::pull_related::companies_needed(&reader.skipped));
    }
    let compiled = pull_rules::compile(&rules, &properties, reader.company_properties(), &owners)
        .map_err(SyncError::InvalidRule)?;
    reader.want(&compiled.company);
    let setup_calls = client.api_calls() - calls_before;
    let names: std::collections::HashSet<&str> = properties.iter().map(|p| p.name.as_str()).collect();
    let mut wanted: Vec<String> =
        mappings.iter().map(|m| m.property.clone()).filter(|p| names.contains(p.as_str())).collect();
    for always in ["email", "hubspot_owner_id"] {
        if !wanted.iter().any(|w| w == always) && names.contains(always) {
            wanted.push(always.into());
        }
    }
    let settings = json!({ "rules": rules, "mappings": mappings, "companyMappings": company_mappings });

    let journal = UnfinishedPlan::begin(store, RunKind::Pull, portal_id, &settings)?;
    let mut counts = PullCounts::default();
    let mut pages = Pages::new(&rules, compiled.filters, wanted);
    let company_field_map: HashMap<&str, &Field> = company_fields.iter().map(|f| (f.key.as_str(), f)).collect();
    let lead_field_map: HashMap<&str, &Field> = fields.iter().map(|f| (f.key.as_str(), f)).collect();
    let company_properties = reader.company_properties().to_vec();
    let company_property_map: HashMap<&str, &Property> =
        company_properties.iter().map(|p| (p.name.as_str(), p)).collect();
    let related = RelatedInputs {
        company_mappings: &company_mappings,
        company_fields: &company_field_map,
        lead_fields: &lead_field_map,
        company_properties: &company_property_map,
        owners: &owners,
    };
    let inputs = PageInputs {
        fields: &fields,
        mappings: &mappings,
        properties: &properties,
        owners: &owners,
        rules: &rules,
        company_tests: &compiled.company,
        related: &related,
        portal_id,
    };
    let journaled =
        journal_pages(store, client, journal.run_id, &mut pages, &mut reader, &inputs, &mut counts, cancel, progress);
    if let Err(error) = journaled.await {
        return Err(journal.abandon(store, error));
    }
    counts.skipped_parts = reader.skipped.clone();
    let api_calls = client.api_calls() - calls_before;
    let read_time = started.elapsed();
    let read_calls = api_calls - setup_calls;
    let per_call = if api_calls == 0 { Duration::ZERO } else { read_time / api_calls as u32 };
    let mut estimate = estimate_at_limit(client, setup_calls, read_calls, 0, per_call).await;
    if pages.search.is_some() {
        // Search has a per-second limit of its own besides the window.
        let per_second = f64::from(client.config().limits.search_per_second.max(1));
        let search_bound = read_calls.saturating_sub(1) as f64 / per_second;
        estimate.seconds = estimate.seconds.max((search_bound * 10.0).round() / 10.0);
    }
    let plan = journal.finish(store, estimate, api_calls)?;
    Ok(PreparedPull { plan, counts, read_time, owners: owners.records() })
}

/// What planning a page of contacts needs besides the page and its leads.
struct PageInputs<'a> {
    fields: &'a [Field],
    mappings: &'a [Mapping],
    properties: &'a [Property],
    owners: &'a OwnerDirectory,
    rules: &'a PullRules,
    company_tests: &'a [CompanyTest],
    related: &'a RelatedInputs<'a>,
    portal_id: Option<u64>,
}

/// Reads every page with its companies and deals, plans it and journals its rows in plan
/// `run_id`, counting them.
#[allow(clippy::too_many_arguments)]
async fn journal_pages(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    pages: &mut Pages,
    reader: &mut RelatedReader,
    inputs: &PageInputs<'_>,
    counts: &mut PullCounts,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), SyncError> {
    let mut done = 0;
    let mut new_companies = HashSet::new();
    progress(Progress { run_id, phase: Phase::Reading, done: 0, total: 0 });
    loop {
        cancel.check()?;
        let Some(contacts) = pages.next(client).await? else { break };
        let page = reader.read_page(client, &contacts, inputs.company_tests, cancel).await?;
        let (by_email, by_contact) = leads_for(store, &contacts)?;
        let matched: Vec<&Lead> = by_email.values().chain(by_contact.values()).collect();
        let local = LocalRelated::read(store, inputs.portal_id, &page, &matched)?;
        let items = plan_pull(&PullInputs {
            contacts: &contacts,
            by_email: &by_email,
            by_contact: &by_contact,
            fields: inputs.fields,
            mappings: inputs.mappings,
            properties: inputs.properties,
            owners: inputs.owners,
            new_only: inputs.rules.new_only,
            page: &page,
            local: &local,
            related: inputs.related,
        });
        counts.add(&items);
        counts.add_related(&items, &page, &mut new_companies);
        let first = done as i64;
        let rows = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| PlanRow { item: run_item(first + i as i64, item, RunMode::Preview), claim: None });
        store.add_plan_rows(run_id, rows)?;
        done += contacts.len() as u64;
        progress(Progress { run_id, phase: Phase::Reading, done, total: pages.total().unwrap_or(done) });
    }
    Ok(())
}

/// The leads a page of contacts may match: by email, and by the contact id they are linked to.
/// Leads by lowercased email, and by the contact id they are linked to.
type LeadIndex = (HashMap<String, Lead>, HashMap<String, Lead>);

fn leads_for(store: &Store, contacts: &[Record]) -> Result<LeadIndex, StoreError> {
    let mut by_email = HashMap::new();
    let mut by_contact = HashMap::new();
    for contact in contacts {
        if let Some(email) = contact.get("email")
            && let Some(lead) = store.lead_by_email(email)?
        {
            by_email.insert(email.trim().to_lowercase(), lead);
        }
        if let Some(lead) = store.lead_by_contact(&contact.id)? {
            by_contact.insert(contact.id.clone(), lead);
        }
    }
    Ok((by_email, by_contact))
}

/// The contacts a pull reads, a page at a time: the list endpoint for every contact, or search
/// windows for filters.
struct Pages {
    search: Option<SearchWindows>,
    properties: Vec<String>,
    after: Option<String>,
    done: bool,
}

impl Pages {
    fn new(rules: &PullRules, filters: Vec<Value>, properties: Vec<String>) -> Pages {
        let search =
            (!rules.is_everything()).then(|| SearchWindows::new(ObjectType::Contacts, filters, properties.clone()));
        Pages { search, properties, after: None, done: false }
    }

    fn total(&self) -> Option<u64> {
        self.search.as_ref().and_then(SearchWindows::total)
    }

    async fn next(&mut self, client: &HubSpotClient) -> Result<Option<Vec<Record>>, SyncError> {
        if let Some(search) = &mut self.search {
            return Ok(search.next(client).await?);
        }
        if self.done {
            return Ok(None);
        }
        let page = client.list_contacts(100, self.after.as_deref(), &self.properties).await?;
        self.after = page.next_after().map(String::from);
        self.done = self.after.is_none();
        Ok(Some(page.results))
    }
}

impl PullSkip {
    /// The reason as a run's row keeps it.
    pub fn row_reason(&self) -> RowReason {
        match self {
            PullSkip::Unchanged => RowReason::Unchanged,
            PullSkip::NoEmail => RowReason::NoEmail,
            PullSkip::AlreadyInStore => RowReason::AlreadyInStore,
            PullSkip::CompanyRuleLeftOut { condition, no_company } => {
                RowReason::CompanyRuleLeftOut { condition: condition.clone(), no_company: *no_company }
            }
        }
    }

    /// The skip reason a run's row keeps, by its code; `None` for a reason no pull skips for.
    pub fn from_row(reason: &RowReason) -> Option<PullSkip> {
        match reason {
            RowReason::Unchanged => Some(PullSkip::Unchanged),
            RowReason::NoEmail => Some(PullSkip::NoEmail),
            RowReason::AlreadyInStore => Some(PullSkip::AlreadyInStore),
            RowReason::CompanyRuleLeftOut { condition, no_company } => {
                Some(PullSkip::CompanyRuleLeftOut { condition: condition.clone(), no_company: *no_company })
            }
            _ => None,
        }
    }
}

/// A planned row as the run's journal holds it.
fn run_item(seq: i64, item: PullItem, mode: RunMode) -> RunItem {
    let (action, lead_id, reasons) = match item.action {
        PullAction::New => (RunAction::Create, 0, vec![]),
        PullAction::Update { lead_id } => (RunAction::Update, lead_id, vec![]),
        PullAction::Skip { reason } => (RunAction::Skip, 0, vec![reason.row_reason()]),
        PullAction::Invalid { reasons } => (RunAction::Invalid, 0, reasons),
    };
    let email = item.email.unwrap_or_default();
    RunItem {
        changes: item.changes,
        notes: item.notes,
        record: item.record,
        related: item.related,
        ..RunItem::planned(seq, lead_id, email, Some(item.contact_id), action, reasons, mode)
    }
}

/// A pull run's row as the plan item it was made from (what `pull --preview --json` shows).
pub fn pull_item(item: RunItem) -> PullItem {
    let action = match item.action {
        RunAction::Create => PullAction::New,
        RunAction::Update => PullAction::Update { lead_id: item.lead_id },
        RunAction::Skip => PullAction::Skip {
            reason: item.reasons.first().and_then(PullSkip::from_row).unwrap_or(PullSkip::Unchanged),
        },
        RunAction::Invalid | RunAction::Archive => PullAction::Invalid { reasons: item.reasons },
    };
    PullItem {
        contact_id: item.contact_id.unwrap_or_default(),
        email: Some(item.email).filter(|e| !e.is_empty()),
        action,
        changes: item.changes,
        notes: item.notes,
        record: item.record,
        related: item.related,
    }
}

/// Records the pull's plan as a preview run (`JournaledPlan::record_preview`); changes no lead.
pub fn record_pull_preview(store: &mut Store, prepared: &PreparedPull) -> Result<i64, SyncError> {
    prepared.plan.record_preview(store)
}

/// Throws away a pull's plan that is neither recorded nor run (`JournaledPlan::discard`).
pub fn discard_pull(store: &mut Store, prepared: PreparedPull) -> Result<(), SyncError> {
    prepared.plan.discard(store)
}

/// Makes the plan the live run (a copy of it when it was recorded as a preview), then applies
/// it a thousand rows per transaction, reporting each chunk, read back from the journal a chunk
/// at a time. A cancel stops it between chunks: what was applied stays applied, the run is
/// interrupted with the cancel's reason and `resume_pull` applies the rest.
pub fn run_pull(
    store: &mut Store,
    prepared: PreparedPull,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    store.replace_owners(&prepared.owners)?;
    let api_calls = prepared.plan.api_calls;
    let run_id = prepared.plan.go_live(store)?;
    let applied = apply_pending(store, run_id, api_calls, cancel, progress);
    give_back(store, applied)
}

/// Applies whatever rows of a live pull are still pending (after a crash or a cancel).
pub fn resume_pull(
    store: &mut Store,
    run_id: i64,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    let run = store.reopen_run(run_id)?;
    let applied = apply_pending(store, run_id, run.api_calls, cancel, progress);
    give_back(store, applied)
}

fn apply_pending(
    store: &mut Store,
    run_id: i64,
    api_calls: u64,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, SyncError> {
    // Skipped and invalid rows have their outcome from the start: only the pending count.
    let total = store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?.counts.pending;
    let mut done = 0;
    progress(Progress { run_id, phase: Phase::Applying, done, total });
    let mut after = -1;
    let mut stop = None;
    loop {
        if cancel.is_cancelled() {
            stop = Some(cancel.reason());
            break;
        }
        let chunk = store.pending_items_page(run_id, after, APPLY_CHUNK)?;
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        let rows: Vec<PulledLead> = chunk
            .iter()
            .map(|item| PulledLead {
                seq: item.seq,
                lead_id: (item.action == RunAction::Update).then_some(item.lead_id),
                email: item.email.clone(),
                contact_id: item.contact_id.clone().unwrap_or_default(),
                values: item.changes.iter().filter_map(|c| Some((c.field.clone(), c.after.clone()?))).collect(),
                related: item.related.clone(),
            })
            .collect();
        store.apply_pull(run_id, &rows)?;
        done += rows.len() as u64;
        progress(Progress { run_id, phase: Phase::Applying, done, total });
    }
    store.finish_run(run_id, stop.as_deref(), api_calls)?;
    Ok(store.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?)
}
