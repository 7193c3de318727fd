//! A push's companies: each lead's contact associated with its company, found by the lead's
//! domain (its domain field's, else its email's, never a free-mail one), the company created when
//! none has the domain (if the rules say so) and its mapped properties updated.
//!
//! Planning (`plan_companies`, after the contact rows are planned and settled): each lead's
//! domain is journaled with its contact row page by page (`lead_domain_rows`); then each domain
//! is found: through the local company's link in the portal when HubSpot still has that company
//! (a batch read by id, 100 a call), else by a search of 100 domains a call (`IN`), the most
//! recently modified of several; each domain's company row is planned (`company_plan`); then the
//! current companies of the contacts to associate are read (100 a call), so "already associated"
//! is what HubSpot says. Reads are made a full batch at a time, the calls at their floor, the
//! push's `concurrency` of them in flight at once; their replies are planned from in the order
//! the batches were made, so the plan doesn't depend on which reply came first.
//!
//! Writing (`write_companies`, once every contact row has its outcome): company creates, then
//! updates, then the associations (the contacts a create made known from their rows' outcomes),
//! 100 a batch, a refused batch split until the bad row stands alone. Company creates are not
//! idempotent (HubSpot doesn't keep domains unique): each is marked sent before it goes out, and
//! a later session that finds a create marked sent but without an outcome first waits out
//! search's lag since it was sent, then searches its domain: a company made since it was sent is
//! the one it made; none, and it is sent again. A scope the token lacks fails the company rows
//! (and the associations that need them) with a code naming it; the contacts' push stands.
//!
//! An undo's rows (`undo_companies.rs`) go out through the same writer, in their own kinds:
//! previous primary companies made primary again, associations (or their primary labels)
//! removed, company values put back, created companies archived: each by id or by pair, so
//! sending one again changes nothing.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use hubsync_hubspot::{
    AssociationInput, AssociationType, BATCH_LIMIT, ClientError, HubSpotClient, ObjectType, Property, Record, Sent,
    type_ids,
};
use hubsync_store::journal::{
    AssociationResult, CompanyJournal, CompanyResult, DomainToPlan, LeadDomainRow, PlannedCompanyRow,
    SharedAssociation, UnassociationFilter,
};
use hubsync_store::{
    AssociationOutcome, AssociationReason, CompanyDomainRules, CompanyMapping, CompanyPushRules, Field, ItemOutcome,
    MappingSource, RowFailure, RunAction, RunCompany, Store, TokenKind,
};

use crate::batch::{FailureWatch, Stopped, rejects_rows, row_error};
use crate::company_plan::{
    CompanyInputs, DomainFacts, awaiting_read, decide_with_reads, decide_without_reads, plan_company, skipped,
};
use crate::error::SyncError;
use crate::owners::OwnerDirectory;
use crate::progress::Cancel;
use crate::pull_rules::SINCE_LAST_PULL_OVERLAP;
use crate::reads::{batches_of, each_in_order};
use crate::remembered::Placed;

/// The scopes reading and writing companies need.
pub(crate) const COMPANIES_READ: &str = "crm.objects.companies.read";
const COMPANIES_WRITE: &str = "crm.objects.companies.write";

/// Rows of the journal handled at a time while planning and writing: whole batches of contacts
/// to read, so only the last read of a push's contacts' companies is short of 100.
const PAGE: usize = 10_000;
const _: () = assert!(PAGE.is_multiple_of(BATCH_LIMIT));

/// How long HubSpot's search may lag a write, as the contacts' reads allow for it
/// (`SINCE_LAST_PULL_OVERLAP`: HubSpot documents no bound, "a few seconds" is what it says). A
/// resumed run looks for a company create that may have landed only once this long has passed
/// since it was sent, so a search that doesn't find it means it didn't land.
pub const CREATE_SEARCH_LAG: Duration = Duration::from_secs(10 * 60);

/// What a push's companies are planned with, when its rules associate contacts with companies.
#[derive(Debug)]
pub(crate) struct CompanyContext {
    pub(crate) rules: CompanyPushRules,
    domain_rules: CompanyDomainRules,
    pub(crate) mappings: Vec<CompanyMapping>,
    company_fields: Vec<Field>,
    lead_fields: Vec<Field>,
    /// The lead fields the company mapping fills properties from.
    lead_sourced: Vec<String>,
    /// The portal's company properties (read at setup).
    properties: Vec<Property>,
    /// The read scope the token lacks, if it does: no company is found, none associated.
    missing_read_scope: Option<String>,
    /// The write scope the connection's scope report lacks, if it does.
    missing_write_scope: Option<String>,
}

impl CompanyContext {
    /// The active portal's company rules and mapping; `None` when the push associates nothing.
    pub(crate) fn load(store: &Store) -> Result<Option<CompanyContext>, SyncError> {
        let rules = store.company_push_rules()?;
        if !rules.associate {
            return Ok(None);
        }
        let mappings = store.company_mappings()?;
        let lead_sourced =
            mappings.iter().filter(|m| m.source == MappingSource::Lead).map(|m| m.field_key.clone()).collect();
        // An OAuth token's info lists every scope it was granted: one without this can't write
        // companies. (A private app's saved scopes are only those its connection proved.)
        let granted = store.active_portal()?.filter(|p| p.token_kind == TokenKind::Oauth).map(|p| p.scopes);
        let missing_write_scope = granted
            .filter(|scopes| !scopes.is_empty() && !scopes.iter().any(|s| s == COMPANIES_WRITE))
            .map(|_| COMPANIES_WRITE.to_string());
        Ok(Some(CompanyContext {
            rules,
            domain_rules: store.company_domain_rules()?,
            mappings,
            company_fields: store.company_fields()?,
            lead_fields: store.fields()?,
            lead_sourced,
            properties: Vec::new(),
            missing_read_scope: None,
            missing_write_scope,
        }))
    }

    /// Reads the portal's company properties: a token without the companies read scope is
    /// noted, not an error (the contacts' push goes on).
    pub(crate) async fn setup(&mut self, client: &HubSpotClient) -> Result<(), SyncError> {
        match client.company_properties().await {
            Ok(properties) => self.properties = properties,
            Err(error) => self.missing_read_scope = Some(missing_scope(error, COMPANIES_READ)?),
        }
        Ok(())
    }

    /// Whether the company mapping needs the portal's owners.
    pub(crate) fn maps_owner(&self) -> bool {
        self.mappings.iter().any(|m| m.property == "hubspot_owner_id")
    }

    /// The leads' company domains (and their values of the fields the company mapping takes from
    /// leads), each beside its row.
    pub(crate) fn lead_domain_rows(&self, leads: &[Placed]) -> Vec<LeadDomainRow> {
        leads
            .iter()
            .map(|(seq, lead)| {
                let found = self.domain_rules.domain_for_lead(lead);
                let reason = match &found {
                    hubsync_store::LeadCompanyDomain::FreeMail { domain } => {
                        Some(AssociationReason::FreeMail { domain: domain.clone() })
                    }
                    hubsync_store::LeadCompanyDomain::InvalidDomain { field } => {
                        Some(AssociationReason::InvalidDomain { field: field.clone() })
                    }
                    hubsync_store::LeadCompanyDomain::NoDomain => Some(AssociationReason::NoDomain),
                    _ => None,
                };
                LeadDomainRow {
                    seq: *seq,
                    lead_id: lead.id,
                    domain: found.domain().map(String::from),
                    source: found.source(),
                    reason,
                    lead_values: self
                        .lead_sourced
                        .iter()
                        .filter_map(|f| Some((f.clone(), lead.value(f).filter(|v| !v.trim().is_empty())?.to_string())))
                        .collect(),
                    lead_updated_at: lead.updated_at,
                }
            })
            .collect()
    }

    /// The company properties a plan reads: those mapped that the portal has, and the name.
    fn wanted(&self) -> Vec<String> {
        let mut wanted: Vec<String> = vec!["name".into()];
        for mapping in &self.mappings {
            if !wanted.contains(&mapping.property) && self.properties.iter().any(|p| p.name == mapping.property) {
                wanted.push(mapping.property.clone());
            }
        }
        wanted
    }
}

/// The scope a 403 `MISSING_SCOPES` named (or `assumed`, when it named none); any other error
/// is handed on.
pub(crate) fn missing_scope(error: ClientError, assumed: &str) -> Result<String, SyncError> {
    match error.missing_scopes() {
        Some(scopes) => Ok(scopes.into_iter().next().unwrap_or_else(|| assumed.to_string())),
        None => Err(error.into()),
    }
}

/// What planning the companies called, beside the contacts' reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CompanyReads {
    /// Linked companies read by id, searches by domain, contacts' companies read.
    pub(crate) calls: u64,
}

/// Plans the companies and associations of plan `run_id`, whose contact rows are journaled and
/// settled (see the module's docs).
pub(crate) async fn plan_companies(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    context: &CompanyContext,
    owners: &OwnerDirectory,
    concurrency: usize,
    cancel: &Cancel,
) -> Result<CompanyReads, SyncError> {
    let calls_before = client.api_calls();
    // A lead whose contact this push doesn't write is decided first: its domain needs no company.
    decide_undecided(store, run_id, |draft| decide_without_reads(draft).filter(|d| d.decided))?;
    if let Some(scope) = &context.missing_read_scope {
        skip_undecided(store, run_id, AssociationReason::MissingScope { scope: scope.clone() })?;
        return Ok(CompanyReads::default());
    }
    let inputs = CompanyInputs {
        mappings: &context.mappings,
        company_fields: &context.company_fields,
        lead_fields: &context.lead_fields,
        properties: &context.properties,
        owners,
        rules: context.rules,
        missing_write_scope: context.missing_write_scope.clone(),
    };
    let read = async {
        let wanted = context.wanted();
        plan_company_rows(store, client, run_id, &inputs, &wanted, concurrency, cancel).await?;
        store.order_company_rows(run_id)?;
        decide_undecided(store, run_id, |draft| {
            Some(decide_without_reads(draft).unwrap_or_else(|| match &draft.company {
                // Every domain got its row above; none would mean no company to associate with.
                None => skipped(draft, AssociationReason::CompanyNotCreated { domain: draft.domain.clone() }),
                Some(_) => awaiting_read(draft),
            }))
        })?;
        read_contacts_companies(store, client, run_id, concurrency, cancel).await
    };
    match read.await {
        Ok(()) => {}
        Err(SyncError::HubSpot(error)) => {
            let scope = missing_scope(error, COMPANIES_READ)?;
            skip_undecided(store, run_id, AssociationReason::MissingScope { scope })?;
        }
        Err(error) => return Err(error),
    }
    let shared: Vec<SharedAssociation> = store.shared_associations(run_id)?;
    store.skip_shared_associations(run_id, &shared)?;
    Ok(CompanyReads { calls: client.api_calls() - calls_before })
}

/// Decides the undecided association rows `decide` has a decision for, a page at a time.
fn decide_undecided(
    store: &mut Store,
    run_id: i64,
    decide: impl Fn(&hubsync_store::journal::AssociationDraft) -> Option<hubsync_store::journal::AssociationDecision>,
) -> Result<(), SyncError> {
    let mut after = -1;
    loop {
        let page = store.undecided_associations(run_id, after, PAGE)?;
        let Some(last) = page.last() else { return Ok(()) };
        after = last.seq;
        let decisions: Vec<_> = page.iter().filter_map(&decide).collect();
        store.decide_associations(run_id, &decisions)?;
    }
}

/// Skips every undecided association row for `reason`.
fn skip_undecided(store: &mut Store, run_id: i64, reason: AssociationReason) -> Result<(), SyncError> {
    decide_undecided(store, run_id, |draft| Some(skipped(draft, reason.clone())))
}

/// Plans a company row for each domain of the undecided associations, the domains read from the
/// journal a page at a time: a domain whose local company is linked in the portal waits for a
/// batch read of 100 linked companies by id; the others, and those whose linked company HubSpot
/// no longer has, wait for a search of 100 domains. Only whole batches go out until the last
/// page, so the calls stay at their floor however the pages fall; `concurrency` of them at once.
async fn plan_company_rows(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    inputs: &CompanyInputs<'_>,
    wanted: &[String],
    concurrency: usize,
    cancel: &Cancel,
) -> Result<(), SyncError> {
    let mut linked: Vec<DomainToPlan> = Vec::new();
    let mut to_search: Vec<DomainToPlan> = Vec::new();
    let mut after = String::new();
    loop {
        cancel.check()?;
        let page = store.domains_to_plan(run_id, &after, PAGE)?;
        let last = page.is_empty();
        if let Some(domain) = page.last() {
            after = domain.domain.clone();
        }
        for domain in page {
            if domain.hubspot_company_id.is_some() { linked.push(domain) } else { to_search.push(domain) }
        }
        let read_linked = |batch: Vec<DomainToPlan>| async move {
            let ids: Vec<String> = batch.iter().filter_map(|d| d.hubspot_company_id.clone()).collect();
            let read = client.batch_read_companies(&ids, wanted).await;
            (batch, read)
        };
        each_in_order(whole_batches(&mut linked, last), concurrency, cancel, read_linked, |batch, read| {
            let read = read?;
            let live: HashMap<&str, &Record> = read.results.iter().map(|r| (r.id.as_str(), r)).collect();
            let (found, gone): (Vec<_>, Vec<_>) = batch
                .into_iter()
                .partition(|d| d.hubspot_company_id.as_deref().is_some_and(|id| live.contains_key(id)));
            let rows = plan_domains(store, run_id, inputs, &found, |domain| {
                (domain.hubspot_company_id.as_deref().and_then(|id| live.get(id).copied()), &[])
            })?;
            store.add_company_rows(run_id, &rows)?;
            // A linked company HubSpot no longer has: the domain is searched for.
            to_search.extend(gone);
            Ok(())
        })
        .await?;
        let search = |batch: Vec<DomainToPlan>| async move {
            let domains: Vec<String> = batch.iter().map(|d| d.domain.clone()).collect();
            let found = client.search_companies_by_domains(&domains, wanted).await;
            (batch, found)
        };
        each_in_order(whole_batches(&mut to_search, last), concurrency, cancel, search, |batch, found| {
            let found = found?;
            let rows = plan_domains(store, run_id, inputs, &batch, |domain| (None, found.companies(&domain.domain)))?;
            store.add_company_rows(run_id, &rows)?;
            Ok(())
        })
        .await?;
        if last {
            return Ok(());
        }
    }
}

/// Takes `pending`'s whole batches of 100 (on the `last` page, the rest too), in order; what is
/// left waits for the next page.
fn whole_batches(pending: &mut Vec<DomainToPlan>, last: bool) -> Vec<Vec<DomainToPlan>> {
    let take = if last { pending.len() } else { pending.len() / BATCH_LIMIT * BATCH_LIMIT };
    let rest = pending.split_off(take);
    batches_of(std::mem::replace(pending, rest))
}

/// The company rows of `domains`, each planned from what `hubspot` says of it: its linked
/// company as HubSpot has it (`None`: HubSpot no longer has it, or it has no link), and the
/// companies a search found.
fn plan_domains<'r>(
    store: &Store,
    run_id: i64,
    inputs: &CompanyInputs<'_>,
    domains: &[DomainToPlan],
    hubspot: impl Fn(&DomainToPlan) -> (Option<&'r Record>, &'r [Record]),
) -> Result<Vec<PlannedCompanyRow>, SyncError> {
    let names: Vec<String> = domains.iter().map(|d| d.domain.clone()).collect();
    let values = store.domain_lead_values(run_id, &names)?;
    domains
        .iter()
        .map(|domain| {
            let local = domain.local_company_id.map(|id| store.company(id)).transpose()?.flatten();
            let lead_values: Vec<_> = values.iter().filter(|v| v.domain == domain.domain).cloned().collect();
            let (live, found) = hubspot(domain);
            let linked = domain.hubspot_company_id.as_deref().map(|id| (id, live));
            let facts =
                DomainFacts { domain: &domain.domain, local: local.as_ref(), lead_values: &lead_values, linked, found };
            Ok(plan_company(inputs, &facts))
        })
        .collect()
}

/// Reads the current companies of the contacts whose associations wait for it, 100 contacts a
/// call, `concurrency` calls at once, and decides their associations.
async fn read_contacts_companies(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    concurrency: usize,
    cancel: &Cancel,
) -> Result<(), SyncError> {
    loop {
        cancel.check()?;
        // Decided rows leave the undecided ones: the next page starts from the first again. A
        // page is whole batches of contacts but for the last one.
        let contacts = store.contacts_to_read(run_id, "", PAGE)?;
        if contacts.is_empty() {
            return Ok(());
        }
        let read = |contacts: Vec<String>| async move {
            let read = client.read_associations(ObjectType::Contacts, ObjectType::Companies, &contacts).await;
            (contacts, read)
        };
        each_in_order(batches_of(contacts), concurrency, cancel, read, |contacts, read| {
            let read = read?;
            let drafts = store.undecided_of_contacts(run_id, &contacts)?;
            let decisions: Vec<_> = drafts
                .iter()
                .map(|draft| {
                    let contact = draft.contact_id.as_deref().unwrap_or_default();
                    decide_with_reads(draft, read.associated(contact))
                })
                .collect();
            store.decide_associations(run_id, &decisions)?;
            Ok(())
        })
        .await?;
    }
}

/// How a live run's company rows go out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CompanyWriting {
    pub(crate) concurrency: usize,
    /// How long search may lag a write: a create that may have landed is searched for only once
    /// this long has passed since it was sent.
    pub(crate) search_lag: Duration,
}

/// A live run's company rows and associations, written once every contact row has its outcome
/// (see the module's docs). Returns why it stopped early, if it did.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_companies(
    store: &mut Store,
    client: &HubSpotClient,
    run_id: i64,
    writing: CompanyWriting,
    cancel: &Cancel,
    watch: &mut FailureWatch,
    landed: &mut dyn FnMut(u64),
    calls: &dyn Fn(&HubSpotClient) -> u64,
) -> Result<Option<Stopped>, SyncError> {
    if store.pending_company_work(run_id)? == 0 {
        return Ok(None);
    }
    let mut writer = Writer { client, run_id, writing, cancel, watch, landed, calls };
    if let Some(stop) = writer.settle_maybe_sent(store).await? {
        return Ok(Some(stop));
    }
    // A push's rows are creates, updates and associations; an undo's take associations back
    // (the previous primary company primary again first), then put company values back, then
    // archive the companies the push created. Each run has only its own kinds.
    for kind in
        [Kind::RePrimary, Kind::Unlabel, Kind::Unassociate, Kind::Create, Kind::Update, Kind::Archive, Kind::Associate]
    {
        if let Some(stop) = writer.write_kind(store, kind).await? {
            return Ok(Some(stop));
        }
    }
    Ok(None)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Create,
    Update,
    Associate,
    /// An undo's: archive a company by id.
    Archive,
    /// An undo's: make the contact's previous primary company primary again. Its row stays
    /// pending for `Unlabel` or `Unassociate`, which record it; it fails here only.
    RePrimary,
    /// An undo's: remove only the primary label from a pair associated before the push.
    Unlabel,
    /// An undo's: remove the pair the push associated.
    Unassociate,
}

/// One row of a batch: its seq, the key HubSpot knows it by (a trace id, a company id, a
/// contact id), and what it sends (properties, or the company to associate the contact with).
#[derive(Debug)]
struct Job {
    seq: i64,
    key: String,
    properties: BTreeMap<String, String>,
    company_id: String,
}

/// A batch's reply, as each kind reads it.
enum Reply {
    Records(hubsync_hubspot::BatchOutcome),
    Associations(hubsync_hubspot::BatchReply<hubsync_hubspot::AssociationMade>),
    /// An archive's: HubSpot answers with no results.
    Done,
}

/// What to do with a batch's reply.
enum Verdict {
    Landed(Vec<Landed>),
    Split(Vec<Job>, Vec<Job>),
    /// The token lacks a scope: this batch's rows, and the rest of its kind, fail without being sent.
    MissingScope(Vec<String>, Vec<Job>),
    /// The run can't go on now (daily limit, token, network): the batch stays pending.
    Stop(ClientError, Vec<Job>),
}

/// A row's outcome, of either table.
enum Landed {
    Company(CompanyResult),
    Association(AssociationResult),
}

struct Writer<'a> {
    client: &'a HubSpotClient,
    run_id: i64,
    writing: CompanyWriting,
    cancel: &'a Cancel,
    watch: &'a mut FailureWatch,
    landed: &'a mut dyn FnMut(u64),
    calls: &'a dyn Fn(&HubSpotClient) -> u64,
}

impl Writer<'_> {
    /// Settles the creates an earlier session sent without recording a reply: once search's lag
    /// since they were sent has passed, a company with the domain made since is the one sent; a
    /// company only from before means another one appeared (not created twice); none, and the
    /// row stays pending to be sent again.
    async fn settle_maybe_sent(&mut self, store: &mut Store) -> Result<Option<Stopped>, SyncError> {
        let mut sent: Vec<RunCompany> = Vec::new();
        let mut after = -1;
        loop {
            let page = store.pending_company_rows(self.run_id, RunAction::Create, after, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            sent.extend(page.into_iter().filter(|row| row.sent_at.is_some()));
        }
        if sent.is_empty() {
            return Ok(None);
        }
        let sent_at = |row: &RunCompany| {
            row.sent_at.as_deref().and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok()).map(|t| t.to_utc())
        };
        let latest = sent.iter().filter_map(sent_at).max();
        if let Some(latest) = latest {
            let lag = chrono::TimeDelta::from_std(self.writing.search_lag).unwrap_or(chrono::TimeDelta::MAX);
            let wait = (latest + lag - store.now()).to_std().unwrap_or(Duration::ZERO);
            if !wait.is_zero() {
                tracing::info!(
                    ?wait,
                    creates = sent.len(),
                    "waiting out search's lag before looking for creates that may have landed"
                );
                if !sleep_unless_cancelled(wait, self.cancel).await {
                    return Ok(Some(Stopped::Cancelled(self.cancel.reason())));
                }
            }
        }
        for chunk in sent.chunks(BATCH_LIMIT) {
            let domains: Vec<String> = chunk.iter().map(|r| r.domain.clone()).collect();
            let found = match self.client.search_companies_by_domains(&domains, &["createdate".into()]).await {
                Ok(found) => found,
                Err(error) if error.missing_scopes().is_some() => {
                    let scopes = error.missing_scopes().unwrap_or_default();
                    let results = chunk
                        .iter()
                        .map(|r| failed_company(r.seq, RowFailure::MissingScope { scopes: scopes.clone() }));
                    self.record(store, results.map(Landed::Company).collect())?;
                    continue;
                }
                Err(error) => return Ok(Some(Stopped::Refused(error))),
            };
            let mut results = Vec::new();
            for row in chunk {
                let companies = found.companies(&row.domain);
                // Clocks differ: a company made a little before the create was sent, by this
                // computer's clock, may still be the one it made.
                let since = sent_at(row).map(|at| at - SINCE_LAST_PULL_OVERLAP);
                let made = companies.iter().find(|c| match (created_at(c), since) {
                    (Some(created), Some(since)) => created >= since,
                    _ => false,
                });
                match (made, companies.is_empty()) {
                    (Some(company), _) => results.push(Landed::Company(CompanyResult {
                        seq: row.seq,
                        outcome: ItemOutcome::Created,
                        company_id: Some(company.id.clone()),
                        error: None,
                    })),
                    (None, false) => results.push(Landed::Company(failed_company(
                        row.seq,
                        RowFailure::CompanyAppeared {
                            domain: row.domain.clone(),
                            company_ids: companies.iter().map(|c| c.id.clone()).collect(),
                        },
                    ))),
                    (None, true) => {}
                }
            }
            self.record(store, results)?;
        }
        Ok(None)
    }

    /// Writes every pending row of one kind, a page of the journal at a time.
    async fn write_kind(&mut self, store: &mut Store, kind: Kind) -> Result<Option<Stopped>, SyncError> {
        let mut after = -1;
        let mut jobs: Vec<Job> = Vec::new();
        loop {
            let (page, last_seq) = self.pending_page(store, kind, after)?;
            let last = last_seq.is_none();
            if let Some(seq) = last_seq {
                after = seq;
            }
            jobs.extend(page);
            // Only whole batches until the last page.
            let take = if last { jobs.len() } else { jobs.len() / BATCH_LIMIT * BATCH_LIMIT };
            let rest = jobs.split_off(take);
            let ready = std::mem::replace(&mut jobs, rest);
            let mut queue: VecDeque<Vec<Job>> = VecDeque::new();
            let mut ready = ready.into_iter();
            loop {
                let batch: Vec<Job> = ready.by_ref().take(BATCH_LIMIT).collect();
                if batch.is_empty() {
                    break;
                }
                queue.push_back(batch);
            }
            match self.send_all(store, kind, queue).await? {
                Flow::Done => {}
                Flow::Stopped(stop) => return Ok(Some(stop)),
                // No more of this kind can land: the rows still waiting, and every other pending
                // one, fail with the scope named; the next kind goes on.
                Flow::MissingScope(scopes) => {
                    self.fail_rest(store, kind, jobs, scopes)?;
                    return Ok(None);
                }
            }
            if last {
                return Ok(None);
            }
        }
    }

    /// A page of pending rows of `kind` as jobs, and the page's last seq (`None` when the page
    /// was empty). Associations whose contact or company was not written fail here, unsent.
    fn pending_page(
        &mut self,
        store: &mut Store,
        kind: Kind,
        after: i64,
    ) -> Result<(Vec<Job>, Option<i64>), SyncError> {
        let job = |seq, key: String, properties, company_id: String| Job { seq, key, properties, company_id };
        match kind {
            Kind::Create | Kind::Update => {
                let action = if kind == Kind::Create { RunAction::Create } else { RunAction::Update };
                let page = store.pending_company_rows(self.run_id, action, after, PAGE)?;
                let last = page.last().map(|r| r.seq);
                let jobs = page
                    .into_iter()
                    .map(|row| {
                        let properties: BTreeMap<String, String> =
                            row.changes.iter().filter_map(|c| Some((c.property.clone(), c.after.clone()?))).collect();
                        let key = match kind {
                            Kind::Create => row.seq.to_string(),
                            _ => row.company_id.clone().unwrap_or_default(),
                        };
                        job(row.seq, key, properties, row.company_id.unwrap_or_default())
                    })
                    .collect();
                Ok((jobs, last))
            }
            Kind::Archive => {
                let page = store.pending_company_rows(self.run_id, RunAction::Archive, after, PAGE)?;
                let last = page.last().map(|r| r.seq);
                let jobs = page
                    .into_iter()
                    .map(|row| {
                        let id = row.company_id.unwrap_or_default();
                        job(row.seq, id.clone(), BTreeMap::new(), id)
                    })
                    .collect();
                Ok((jobs, last))
            }
            Kind::RePrimary | Kind::Unlabel | Kind::Unassociate => {
                let filter = match kind {
                    Kind::RePrimary => UnassociationFilter::RePrimary,
                    Kind::Unlabel => UnassociationFilter::LabelOnly,
                    _ => UnassociationFilter::Pair,
                };
                let page = store.pending_unassociations(self.run_id, after, PAGE, filter)?;
                let last = page.last().map(|r| r.seq);
                let jobs = page
                    .into_iter()
                    .map(|row| {
                        let to = if kind == Kind::RePrimary { row.previous_primary } else { row.company_id };
                        job(row.seq, row.contact_id.unwrap_or_default(), BTreeMap::new(), to.unwrap_or_default())
                    })
                    .collect();
                Ok((jobs, last))
            }
            Kind::Associate => {
                let page = store.pending_associations(self.run_id, after, PAGE)?;
                let last = page.last().map(|r| r.seq);
                let mut jobs = Vec::new();
                let mut unwritable = Vec::new();
                for row in page {
                    match (row.contact_id, row.company_id) {
                        (Some(contact), Some(company)) => jobs.push(job(row.seq, contact, BTreeMap::new(), company)),
                        (contact, company) => {
                            let error = if row.contact_failed || contact.is_none() {
                                RowFailure::ContactNotWritten
                            } else {
                                RowFailure::CompanyNotWritten { domain: row.domain.clone() }
                            };
                            unwritable.push(Landed::Association(AssociationResult {
                                seq: row.seq,
                                outcome: AssociationOutcome::Failed,
                                contact_id: contact,
                                company_id: company,
                                error: Some(error),
                            }));
                        }
                    }
                }
                self.record(store, unwritable)?;
                Ok((jobs, last))
            }
        }
    }

    /// Sends a queue of batches of one kind, `concurrency` at a time, recording each reply's
    /// outcomes as it lands.
    async fn send_all(
        &mut self,
        store: &mut Store,
        kind: Kind,
        mut queue: VecDeque<Vec<Job>>,
    ) -> Result<Flow, SyncError> {
        let client = self.client;
        let mut in_flight = FuturesUnordered::new();
        let mut flow = Flow::Done;
        loop {
            while matches!(flow, Flow::Done)
                && self.watch.crossed().is_none()
                && !self.cancel.is_cancelled()
                && in_flight.len() < self.writing.concurrency.max(1)
            {
                let Some(batch) = queue.pop_front() else { break };
                // Nothing goes out unless this process still holds the run's lease; a create is
                // marked sent first, as it can't be sent twice safely.
                if kind == Kind::Create {
                    store.mark_companies_sent(self.run_id, &batch.iter().map(|j| j.seq).collect::<Vec<_>>())?;
                } else {
                    hubsync_store::journal::Journal::check_lease(store, self.run_id)?;
                }
                in_flight.push(send(client, kind, batch));
            }
            let Some((batch, reply)) = in_flight.next().await else { break };
            match judge(kind, batch, reply) {
                Verdict::Landed(results) => self.record(store, results)?,
                Verdict::Split(first, second) => {
                    tracing::info!(rows = first.len() + second.len(), ?kind, "batch refused; splitting it");
                    queue.push_front(second);
                    queue.push_front(first);
                }
                Verdict::MissingScope(scopes, batch) => {
                    // This batch and those not sent fail now; the rest once those in flight land.
                    let unsent = batch.into_iter().chain(queue.drain(..).flatten());
                    let failures = unsent
                        .map(|job| failed(kind, &job, RowFailure::MissingScope { scopes: scopes.clone() }))
                        .collect();
                    self.record(store, failures)?;
                    if matches!(flow, Flow::Done) {
                        flow = Flow::MissingScope(scopes);
                    }
                }
                Verdict::Stop(error, batch) => {
                    tracing::warn!(%error, ?kind, "stopping the run with its company rows pending");
                    // Creates HubSpot certainly didn't make need no search before they go again.
                    if kind == Kind::Create && !may_have_landed(&error) {
                        store.unmark_companies_sent(self.run_id, &batch.iter().map(|j| j.seq).collect::<Vec<_>>())?;
                    }
                    if !matches!(flow, Flow::Stopped(_)) {
                        flow = Flow::Stopped(Stopped::Refused(error));
                    }
                }
            }
        }
        if matches!(flow, Flow::Done)
            && let Some(crossed) = self.watch.crossed()
        {
            flow = Flow::Stopped(Stopped::Guardrail(crossed.clone()));
        }
        if matches!(flow, Flow::Done) && !queue.is_empty() {
            flow = Flow::Stopped(Stopped::Cancelled(self.cancel.reason()));
        }
        Ok(flow)
    }

    /// Fails `jobs`, and every other pending row of `kind`, for the scopes the token lacks.
    fn fail_rest(
        &mut self,
        store: &mut Store,
        kind: Kind,
        jobs: Vec<Job>,
        scopes: Vec<String>,
    ) -> Result<(), SyncError> {
        let fail = |job: &Job| failed(kind, job, RowFailure::MissingScope { scopes: scopes.clone() });
        self.record(store, jobs.iter().map(fail).collect())?;
        loop {
            let (page, last) = self.pending_page(store, kind, -1)?;
            if last.is_none() {
                return Ok(());
            }
            self.record(store, page.iter().map(fail).collect())?;
        }
    }

    /// Records outcomes of either table, and counts them landed.
    fn record(&mut self, store: &mut Store, results: Vec<Landed>) -> Result<(), SyncError> {
        if results.is_empty() {
            return Ok(());
        }
        let count = results.len() as u64;
        let failed = results
            .iter()
            .filter(|r| match r {
                Landed::Company(c) => c.outcome == ItemOutcome::Failed,
                Landed::Association(a) => a.outcome == AssociationOutcome::Failed,
            })
            .count() as u64;
        self.watch.landed(count, failed);
        let (companies, associations): (Vec<_>, Vec<_>) =
            results.into_iter().partition(|r| matches!(r, Landed::Company(_)));
        let companies: Vec<CompanyResult> =
            companies.into_iter().filter_map(|r| if let Landed::Company(c) = r { Some(c) } else { None }).collect();
        let associations: Vec<AssociationResult> = associations
            .into_iter()
            .filter_map(|r| if let Landed::Association(a) = r { Some(a) } else { None })
            .collect();
        let calls = (self.calls)(self.client);
        if !companies.is_empty() {
            store.record_company_outcomes(self.run_id, &companies, calls)?;
        }
        if !associations.is_empty() {
            store.record_association_outcomes(self.run_id, &associations, calls)?;
        }
        (self.landed)(count);
        Ok(())
    }
}

/// How sending a kind's batches ended.
enum Flow {
    Done,
    Stopped(Stopped),
    MissingScope(Vec<String>),
}

async fn send(client: &HubSpotClient, kind: Kind, batch: Vec<Job>) -> (Vec<Job>, Result<Reply, ClientError>) {
    let reply = match kind {
        Kind::Create => {
            let inputs: Vec<(String, BTreeMap<String, String>)> =
                batch.iter().map(|j| (j.key.clone(), j.properties.clone())).collect();
            client.batch_create_companies(&inputs).await.map(Reply::Records)
        }
        Kind::Update => {
            let inputs: Vec<(String, BTreeMap<String, String>)> =
                batch.iter().map(|j| (j.key.clone(), j.properties.clone())).collect();
            client.batch_update_companies(&inputs).await.map(Reply::Records)
        }
        // A push's association and an undo's re-primary both make the company the primary one.
        Kind::Associate | Kind::RePrimary => {
            let inputs = typed(&batch, AssociationType::primary_contact_to_company());
            client
                .batch_create_associations(ObjectType::Contacts, ObjectType::Companies, &inputs)
                .await
                .map(Reply::Associations)
        }
        Kind::Unlabel => {
            let inputs = typed(&batch, vec![AssociationType::hubspot(type_ids::CONTACT_TO_COMPANY_PRIMARY)]);
            client
                .batch_archive_association_types(ObjectType::Contacts, ObjectType::Companies, &inputs)
                .await
                .map(|()| Reply::Done)
        }
        Kind::Unassociate => {
            let inputs: Vec<(String, Vec<String>)> =
                batch.iter().map(|j| (j.key.clone(), vec![j.company_id.clone()])).collect();
            client
                .batch_archive_associations(ObjectType::Contacts, ObjectType::Companies, &inputs)
                .await
                .map(|()| Reply::Done)
        }
        Kind::Archive => {
            let ids: Vec<String> = batch.iter().map(|j| j.key.clone()).collect();
            client.batch_archive_companies(&ids).await.map(|()| Reply::Done)
        }
    };
    (batch, reply)
}

/// Each job's pair (contact, company) with `types`.
fn typed(batch: &[Job], types: Vec<AssociationType>) -> Vec<AssociationInput> {
    batch
        .iter()
        .map(|j| AssociationInput { from_id: j.key.clone(), to_id: j.company_id.clone(), types: types.clone() })
        .collect()
}

fn judge(kind: Kind, batch: Vec<Job>, reply: Result<Reply, ClientError>) -> Verdict {
    match reply {
        Ok(reply) => Verdict::Landed(outcomes(kind, &batch, reply)),
        Err(error) if error.missing_scopes().is_some() => {
            Verdict::MissingScope(error.missing_scopes().unwrap_or_default(), batch)
        }
        Err(error) if rejects_rows(&error) => {
            if batch.len() > 1 {
                let mut first = batch;
                let second = first.split_off(first.len() / 2);
                Verdict::Split(first, second)
            } else {
                Verdict::Landed(batch.iter().map(|job| failed(kind, job, row_error(&error))).collect())
            }
        }
        Err(error) => Verdict::Stop(error, batch),
    }
}

/// Whether a write that failed with `error` may have been applied: its connection failed after
/// it was sent, or HubSpot's answer could not be read. Any answer HubSpot gave with an error
/// status, and a request never sent, applied nothing.
fn may_have_landed(error: &ClientError) -> bool {
    error.sent() == Sent::Maybe || matches!(error, ClientError::Decode(_))
}

/// A row of `kind` failed for `error`.
fn failed(kind: Kind, job: &Job, error: RowFailure) -> Landed {
    match kind {
        Kind::Associate | Kind::Unlabel | Kind::Unassociate | Kind::RePrimary => {
            Landed::Association(AssociationResult {
                seq: job.seq,
                outcome: AssociationOutcome::Failed,
                contact_id: Some(job.key.clone()),
                // A re-primary's company is the previous primary, not the row's.
                company_id: (kind != Kind::RePrimary).then(|| job.company_id.clone()),
                error: Some(error),
            })
        }
        _ => Landed::Company(failed_company(job.seq, error)),
    }
}

fn failed_company(seq: i64, error: RowFailure) -> CompanyResult {
    CompanyResult { seq, outcome: ItemOutcome::Failed, company_id: None, error: Some(error) }
}

/// Matches a reply to the batch's rows: creates by trace id, updates by company id,
/// associations by their pair. A row the reply doesn't account for fails with what HubSpot said.
fn outcomes(kind: Kind, batch: &[Job], reply: Reply) -> Vec<Landed> {
    match reply {
        Reply::Done => batch
            .iter()
            .map(|job| match kind {
                Kind::Archive => Landed::Company(CompanyResult {
                    seq: job.seq,
                    outcome: ItemOutcome::Archived,
                    company_id: Some(job.key.clone()),
                    error: None,
                }),
                _ => Landed::Association(AssociationResult {
                    seq: job.seq,
                    outcome: AssociationOutcome::Unassociated,
                    contact_id: Some(job.key.clone()),
                    company_id: Some(job.company_id.clone()),
                    error: None,
                }),
            })
            .collect(),
        Reply::Records(outcome) => {
            let by_key: HashMap<&str, &Record> = match kind {
                Kind::Create => outcome.by_trace_id().into_iter().collect(),
                _ => outcome.results.iter().map(|r| (r.id.as_str(), r)).collect(),
            };
            let missing: HashSet<String> = outcome.missing().into_iter().collect();
            batch
                .iter()
                .map(|job| match by_key.get(job.key.as_str()) {
                    Some(record) => Landed::Company(CompanyResult {
                        seq: job.seq,
                        outcome: if kind == Kind::Create { ItemOutcome::Created } else { ItemOutcome::Updated },
                        company_id: Some(record.id.clone()),
                        error: None,
                    }),
                    None => {
                        let own: Vec<String> = outcome
                            .errors
                            .iter()
                            .filter(|e| e.trace_ids().contains(&job.key))
                            .map(|e| {
                                let problems = e.property_problems();
                                if problems.is_empty() {
                                    e.message.clone().unwrap_or_default()
                                } else {
                                    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                                }
                            })
                            .collect();
                        let error = if kind == Kind::Update && missing.contains(&job.key) {
                            RowFailure::CompanyGone { company_id: job.key.clone() }
                        } else if !own.is_empty() {
                            RowFailure::RefusedInBatch { detail: own.join("; ") }
                        } else {
                            others(&outcome.errors)
                                .map_or(RowFailure::NoResult, |detail| RowFailure::RefusedInBatch { detail })
                        };
                        failed(kind, job, error)
                    }
                })
                .collect()
        }
        Reply::Associations(made) => {
            let pairs: HashSet<(String, String)> =
                made.pairs().into_iter().map(|(from, to)| (from.to_string(), to.to_string())).collect();
            batch
                .iter()
                .filter_map(|job| {
                    let landed = pairs.contains(&(job.key.clone(), job.company_id.clone()));
                    // A re-primary that landed leaves its row pending for the removal that follows.
                    if landed && kind == Kind::RePrimary {
                        return None;
                    }
                    Some(if landed {
                        Landed::Association(AssociationResult {
                            seq: job.seq,
                            outcome: AssociationOutcome::Associated,
                            contact_id: Some(job.key.clone()),
                            company_id: Some(job.company_id.clone()),
                            error: None,
                        })
                    } else {
                        let error = others(&made.errors)
                            .map_or(RowFailure::NoResult, |detail| RowFailure::RefusedInBatch { detail });
                        failed(kind, job, error)
                    })
                })
                .collect()
        }
    }
}

/// A batch reply's error messages, joined; `None` when it has none.
fn others(errors: &[hubsync_hubspot::BatchItemError]) -> Option<String> {
    let messages: Vec<String> = errors.iter().filter_map(|e| e.message.clone()).collect();
    (!messages.is_empty()).then(|| messages.join("; "))
}

/// When HubSpot made a company (`createdate`, ISO 8601 or ms since the epoch).
fn created_at(record: &Record) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = record.get("createdate")?.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return chrono::DateTime::from_timestamp_millis(text.parse().ok()?);
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
}

/// Sleeps `wait`, waking early when cancelled; whether it slept the whole time.
async fn sleep_unless_cancelled(wait: Duration, cancel: &Cancel) -> bool {
    let until = tokio::time::Instant::now() + wait;
    while tokio::time::Instant::now() < until {
        if cancel.is_cancelled() {
            return false;
        }
        let step = (until - tokio::time::Instant::now()).min(Duration::from_millis(200));
        tokio::time::sleep(step).await;
    }
    !cancel.is_cancelled()
}
