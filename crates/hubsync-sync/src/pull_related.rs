//! What a pull reads beside each page of contacts: each contact's primary company (associations
//! v4, primary = type 1, then the companies' batch read with the company properties the
//! company mapping and the company rules name) and its deals (associations, then the deals'
//! batch read; their pipeline and stage labels looked up by id in the pipelines read once per
//! pull). Without a read scope a part is skipped, said once (`SkippedPart`); the contacts still
//! come in. `plan_related` plans, for one contact, what its company and deals do to its lead, as
//! the contact's values are planned (`pull::plan_pull`): the mapping in reverse, its write rules,
//! the conversions of `convert.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use hubsync_hubspot::{BATCH_LIMIT, ClientError, HubSpotClient, ObjectType, Pipeline, Property, Record, type_ids};
use hubsync_store::{
    Company, CompanyMapping, CompanySource, DOMAIN_PROPERTY, Deal, Field, FieldChange, Lead, LeadCompany,
    MappingSource, PulledCompany, PulledRelated, RowReason, Store, StoreError,
};
use serde::Serialize;

use crate::convert::from_hubspot;
use crate::error::SyncError;
use crate::owners::OwnerDirectory;
use crate::progress::Cancel;
use crate::pull::{PullSkip, pulled_change};
use crate::pull_rules::CompanyTest;

/// The deal properties a pull reads: what a lead's deal list shows.
pub const DEAL_PROPERTIES: [&str; 6] =
    ["dealname", "amount", "closedate", "pipeline", "dealstage", "deal_currency_code"];

/// What a lead-sourced company mapping's change names as its property: the company property
/// after this prefix (`company.name`), so a row tells it from a contact property.
pub const COMPANY_PROPERTY_PREFIX: &str = "company.";

/// A part of what a pull reads beside the contacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum RelatedPart {
    Companies,
    Deals,
}

impl RelatedPart {
    /// The scope HubSpot asks for to read this part.
    pub fn scope(self) -> &'static str {
        match self {
            RelatedPart::Companies => "crm.objects.companies.read",
            RelatedPart::Deals => "crm.objects.deals.read",
        }
    }
}

/// A part the pull skipped, and why: its code (`missing_scopes`, the connection lacks the read
/// scope) and the scopes HubSpot named, any one of which would do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SkippedPart {
    pub part: RelatedPart,
    pub code: String,
    pub scopes: Vec<String>,
}

/// What a pull knows before its first page about reading companies and deals.
pub(crate) struct RelatedReader {
    /// The portal's company properties, and those a page's companies are read with; `None`
    /// when companies are skipped.
    companies: Option<CompanyReads>,
    /// The deal pipelines, and the portal's company currency; `None` when deals are skipped.
    deals: Option<DealReads>,
    pub(crate) skipped: Vec<SkippedPart>,
}

struct CompanyReads {
    properties: Vec<Property>,
    wanted: Vec<String>,
}

struct DealReads {
    pipelines: Vec<Pipeline>,
    /// The portal's company currency (account details), for deals without a currency code.
    currency: Option<String>,
}

/// A scope refusal as a skipped part; any other error as it is.
fn skipped(part: RelatedPart, error: ClientError) -> Result<SkippedPart, SyncError> {
    match error.missing_scopes() {
        Some(mut scopes) => {
            if scopes.is_empty() {
                scopes.push(part.scope().to_string());
            }
            Ok(SkippedPart { part, code: "missing_scopes".into(), scopes })
        }
        None => Err(error.into()),
    }
}

impl RelatedReader {
    /// Reads the company properties (one call) and the deal pipelines (one call). A part whose
    /// read HubSpot refuses for a missing scope is skipped.
    pub(crate) async fn setup(client: &HubSpotClient, mappings: &[CompanyMapping]) -> Result<RelatedReader, SyncError> {
        let mut skipped_parts = Vec::new();
        let companies = match client.company_properties().await {
            Ok(properties) => {
                let names: HashSet<&str> = properties.iter().map(|p| p.name.as_str()).collect();
                let mut wanted: Vec<String> = vec![DOMAIN_PROPERTY.into(), "name".into()];
                for mapping in mappings {
                    if names.contains(mapping.property.as_str()) && !wanted.contains(&mapping.property) {
                        wanted.push(mapping.property.clone());
                    }
                }
                wanted.retain(|w| names.contains(w.as_str()));
                Some(CompanyReads { properties, wanted })
            }
            Err(error) => {
                skipped_parts.push(skipped(RelatedPart::Companies, error)?);
                None
            }
        };
        let deals = match client.deal_pipelines().await {
            Ok(pipelines) => {
                let currency = client.known_account_details().and_then(|d| d.company_currency);
                Some(DealReads { pipelines, currency })
            }
            Err(error) => {
                skipped_parts.push(skipped(RelatedPart::Deals, error)?);
                None
            }
        };
        Ok(RelatedReader { companies, deals, skipped: skipped_parts })
    }

    /// The portal's company properties (empty when companies are skipped).
    pub(crate) fn company_properties(&self) -> &[Property] {
        self.companies.as_ref().map_or(&[], |c| c.properties.as_slice())
    }

    pub(crate) fn reads_companies(&self) -> bool {
        self.companies.is_some()
    }

    /// Reads the properties `tests` name too.
    pub(crate) fn want(&mut self, tests: &[CompanyTest]) {
        if let Some(companies) = &mut self.companies {
            for test in tests {
                if !companies.wanted.contains(&test.property) {
                    companies.wanted.push(test.property.clone());
                }
            }
        }
    }

    /// Reads a page's companies and deals: the contacts' primary companies (one association
    /// read per 100 contacts, one batch read per 100 companies), the company tests applied, then
    /// the deals of the contacts they keep (one association read per 100 contacts, one batch read
    /// per 100 deals). A part refused for a missing scope is skipped from then on; a company
    /// rule can't be applied without companies, so then the pull stops.
    pub(crate) async fn read_page(
        &mut self,
        client: &HubSpotClient,
        contacts: &[Record],
        tests: &[CompanyTest],
        cancel: &Cancel,
    ) -> Result<PageRelated, SyncError> {
        let mut page = PageRelated::default();
        let ids: Vec<String> = contacts.iter().map(|c| c.id.clone()).collect();
        if let Some(companies) = &self.companies {
            match read_companies(client, &ids, &companies.wanted, cancel).await {
                Ok(found) => {
                    page.companies_read = true;
                    page.companies = found;
                }
                Err(SyncError::HubSpot(error)) if error.missing_scopes().is_some() => {
                    self.skipped.push(skipped(RelatedPart::Companies, error)?);
                    self.companies = None;
                }
                Err(error) => return Err(error),
            }
        }
        if !tests.is_empty() && !page.companies_read {
            return Err(companies_needed(&self.skipped));
        }
        for contact in contacts {
            let company = page.companies.get(&contact.id);
            if let Some(test) = tests.iter().find(|t| !t.holds(company)) {
                let skip =
                    PullSkip::CompanyRuleLeftOut { condition: test.condition.clone(), no_company: company.is_none() };
                page.left_out.insert(contact.id.clone(), skip);
            }
        }
        if let Some(deals) = &self.deals {
            let kept: Vec<String> = ids.iter().filter(|id| !page.left_out.contains_key(*id)).cloned().collect();
            match read_deals(client, &kept, deals, cancel).await {
                Ok(found) => page.deals = Some(found),
                Err(SyncError::HubSpot(error)) if error.missing_scopes().is_some() => {
                    self.skipped.push(skipped(RelatedPart::Deals, error)?);
                    self.deals = None;
                }
                Err(error) => return Err(error),
            }
        }
        Ok(page)
    }
}

/// The error for company rules a pull can't apply: the companies can't be read.
pub(crate) fn companies_needed(skipped: &[SkippedPart]) -> SyncError {
    let scopes = skipped
        .iter()
        .find(|s| s.part == RelatedPart::Companies)
        .map_or_else(|| vec![RelatedPart::Companies.scope().to_string()], |s| s.scopes.clone());
    SyncError::InvalidRule(format!(
        "a condition tests the contacts' companies, and this connection can't read companies (it lacks {}); connect with that scope or remove the condition",
        hubsync_hubspot::describe_scopes(&scopes)
    ))
}

/// Each contact's primary company (type 1), read with `properties`; a contact without one (or
/// whose company HubSpot no longer has) is absent.
async fn read_companies(
    client: &HubSpotClient,
    contact_ids: &[String],
    properties: &[String],
    cancel: &Cancel,
) -> Result<HashMap<String, Record>, SyncError> {
    let associations = client.read_associations(ObjectType::Contacts, ObjectType::Companies, contact_ids).await?;
    cancel.check()?;
    let mut primary: HashMap<String, String> = HashMap::new();
    for id in contact_ids {
        let company = associations.associated(id).iter().find(|a| a.has_type(type_ids::CONTACT_TO_COMPANY_PRIMARY));
        if let Some(company) = company {
            primary.insert(id.clone(), company.to_object_id.clone());
        }
    }
    let records = read_by_ids(client, primary.values(), properties, ObjectType::Companies, cancel).await?;
    Ok(primary.into_iter().filter_map(|(contact, company)| Some((contact, records.get(&company)?.clone()))).collect())
}

/// Each contact's deals, as the store keeps them (sorted by id), or why one can't be kept.
async fn read_deals(
    client: &HubSpotClient,
    contact_ids: &[String],
    reads: &DealReads,
    cancel: &Cancel,
) -> Result<HashMap<String, Result<Vec<Deal>, RowReason>>, SyncError> {
    if contact_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let associations = client.read_associations(ObjectType::Contacts, ObjectType::Deals, contact_ids).await?;
    cancel.check()?;
    let properties: Vec<String> = DEAL_PROPERTIES.iter().map(|p| p.to_string()).collect();
    let all_ids = contact_ids.iter().flat_map(|id| associations.associated(id).iter().map(|a| &a.to_object_id));
    let records = read_by_ids(client, all_ids, &properties, ObjectType::Deals, cancel).await?;
    let mut by_contact = HashMap::new();
    for id in contact_ids {
        let mut seen = HashSet::new();
        let deals: Result<Vec<Deal>, RowReason> = associations
            .associated(id)
            .iter()
            .filter(|a| seen.insert(a.to_object_id.as_str()))
            .filter_map(|a| records.get(&a.to_object_id))
            .map(|record| deal_from_record(record, &reads.pipelines, reads.currency.as_deref()))
            .collect();
        by_contact.insert(id.clone(), deals.map(sorted_by_id));
    }
    Ok(by_contact)
}

/// Batch reads of records by id, 100 distinct ids a call; ids HubSpot no longer has are absent.
async fn read_by_ids<'a>(
    client: &HubSpotClient,
    ids: impl IntoIterator<Item = &'a String>,
    properties: &[String],
    object: ObjectType,
    cancel: &Cancel,
) -> Result<HashMap<String, Record>, SyncError> {
    let mut distinct: Vec<String> = ids.into_iter().cloned().collect::<HashSet<_>>().into_iter().collect();
    // In id order, so the same page reads the same batches.
    distinct.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    let mut found = HashMap::new();
    for chunk in distinct.chunks(BATCH_LIMIT) {
        cancel.check()?;
        let outcome = match object {
            ObjectType::Companies => client.batch_read_companies(chunk, properties).await?,
            _ => client.batch_read_deals(chunk, properties).await?,
        };
        found.extend(outcome.results.into_iter().map(|r| (r.id.clone(), r)));
    }
    Ok(found)
}

fn sorted_by_id(mut deals: Vec<Deal>) -> Vec<Deal> {
    deals.sort_by(|a, b| (a.deal_id.len(), &a.deal_id).cmp(&(b.deal_id.len(), &b.deal_id)));
    deals
}

/// A deal as a lead keeps it: its pipeline and stage labels looked up by their ids in
/// `pipelines` (a label in HubSpot may be renamed; the id stays), a stage the pipelines lack kept
/// by its id with no label; open, closed or won from the stage's metadata (`isClosed`, else a
/// probability of 1.0 or 0.0); its currency its own code, else the portal's. In the store's
/// form (`Deal::canonical`), or why the store refuses it.
pub fn deal_from_record(
    record: &Record,
    pipelines: &[Pipeline],
    portal_currency: Option<&str>,
) -> Result<Deal, RowReason> {
    let pipeline_id = record.get("pipeline").map(str::trim).filter(|p| !p.is_empty());
    let stage_id = record.get("dealstage").map(str::trim).filter(|s| !s.is_empty());
    let pipeline = match pipeline_id {
        Some(id) => pipelines.iter().find(|p| p.id == id),
        // A deal without a pipeline: its stage's, if any pipeline has it.
        None => stage_id.and_then(|stage| pipelines.iter().find(|p| p.stage(stage).is_some())),
    };
    let stage = stage_id.and_then(|id| pipeline?.stage(id));
    let closed = stage.is_some_and(|s| s.is_closed().unwrap_or(s.is_won() || s.is_lost()));
    let deal = Deal {
        deal_id: record.id.clone(),
        name: record.get("dealname").map(String::from),
        pipeline_id: pipeline_id.map(String::from).or_else(|| pipeline.map(|p| p.id.clone())),
        pipeline_label: pipeline.map(|p| p.label.clone()).filter(|l| !l.trim().is_empty()),
        stage_id: stage_id.map(String::from),
        stage_label: stage.map(|s| s.label.clone()).filter(|l| !l.trim().is_empty()),
        amount: record.get("amount").map(String::from),
        currency: record.get("deal_currency_code").or(portal_currency).map(String::from),
        close_date: record.get("closedate").and_then(parse_moment),
        closed,
        won: stage.filter(|_| closed).map(|s| s.is_won()),
    };
    deal.canonical().map_err(|error| RowReason::PulledValueRefused {
        property: format!("deal {}", record.id),
        field: "deals".into(),
        detail: refusal_detail(error),
    })
}

/// What the store said, without the deal's id it repeats.
fn refusal_detail(error: StoreError) -> String {
    match error {
        StoreError::InvalidDeal { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// A HubSpot date or datetime value: epoch milliseconds, ISO 8601, or a day (midnight UTC).
fn parse_moment(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return DateTime::from_timestamp_millis(raw.parse().ok()?);
    }
    crate::pull_rules::parse_instant(raw).ok()
}

/// What a page of contacts brought beside them.
#[derive(Debug, Default)]
pub(crate) struct PageRelated {
    /// Whether companies were read for this page (a contact absent from `companies` has none).
    pub(crate) companies_read: bool,
    /// Each contact's primary company, by contact id.
    pub(crate) companies: HashMap<String, Record>,
    /// The contacts a company rule left out, each with its reason.
    pub(crate) left_out: HashMap<String, PullSkip>,
    /// Each kept contact's deals (or why one can't be kept), when deals were read.
    pub(crate) deals: Option<HashMap<String, Result<Vec<Deal>, RowReason>>>,
}

/// What the store holds for a page's companies and matched leads: what a plan compares with.
#[derive(Debug, Default)]
pub(crate) struct LocalRelated {
    /// Companies linked in the active portal to a page's HubSpot companies, by HubSpot id.
    by_hubspot_id: HashMap<String, Company>,
    /// Companies holding a page's company domain, by normalised domain.
    by_domain: HashMap<String, Company>,
    /// The matched leads' companies, by lead id.
    lead_companies: BTreeMap<i64, LeadCompany>,
    /// The matched leads' deals in the portal, sorted by id, by lead id.
    lead_deals: HashMap<i64, Vec<Deal>>,
}

impl LocalRelated {
    /// Reads what the store holds for `page` and the leads it matched.
    pub(crate) fn read(
        store: &Store,
        portal: Option<u64>,
        page: &PageRelated,
        leads: &[&Lead],
    ) -> Result<LocalRelated, StoreError> {
        let mut local = LocalRelated::default();
        if let Some(portal) = portal {
            for company in page.companies.values() {
                if local.by_hubspot_id.contains_key(&company.id) {
                    continue;
                }
                if let Some(linked) = store.company_by_hubspot_id(portal, &company.id)? {
                    local.by_hubspot_id.insert(company.id.clone(), linked);
                } else if let Some(key) = company.get(DOMAIN_PROPERTY).and_then(domain_key)
                    && !local.by_domain.contains_key(&key)
                    && let Some(found) = store.company_by_domain(&key)?
                {
                    local.by_domain.insert(key, found);
                }
            }
            if page.deals.is_some() {
                for lead in leads {
                    let deals = store.lead_deals(portal, lead.id)?.into_iter().map(|d| d.deal).collect();
                    local.lead_deals.insert(lead.id, sorted_by_id(deals));
                }
            }
        }
        let ids: Vec<i64> = leads.iter().map(|l| l.id).collect();
        local.lead_companies = store.lead_companies(&ids)?;
        Ok(local)
    }
}

/// The normalised domain a company is found by, when its value is a domain.
fn domain_key(raw: &str) -> Option<String> {
    hubsync_email::normalize_domain(raw).ok()
}

/// What planning a contact's company and deals needs besides them.
pub(crate) struct RelatedInputs<'a> {
    pub(crate) company_mappings: &'a [CompanyMapping],
    pub(crate) company_fields: &'a HashMap<&'a str, &'a Field>,
    pub(crate) lead_fields: &'a HashMap<&'a str, &'a Field>,
    pub(crate) company_properties: &'a HashMap<&'a str, &'a Property>,
    pub(crate) owners: &'a OwnerDirectory,
}

/// What a contact's company and deals do to its lead (`lead`, `None` for a new one).
#[derive(Debug, Default)]
pub(crate) struct RelatedPlan {
    /// What the row applies (`None`: nothing was read).
    pub(crate) related: Option<PulledRelated>,
    /// Lead values the company fills (lead-sourced company mappings), as the contact's.
    pub(crate) lead_changes: Vec<FieldChange>,
    /// The company's values the lead already holds, or an if-empty rule kept (for its record).
    pub(crate) lead_record: BTreeMap<String, String>,
    /// Values the lead's or the company's fields refuse: the row is invalid.
    pub(crate) problems: Vec<RowReason>,
    /// Whether applying it changes the store.
    pub(crate) changes_store: bool,
}

/// Plans what contact `contact_id`'s company and deals do to `lead`. `filled` are the lead fields
/// the contact's own values fill, which the company doesn't fill again.
pub(crate) fn plan_related(
    contact_id: &str,
    lead: Option<&Lead>,
    page: &PageRelated,
    local: &LocalRelated,
    inputs: &RelatedInputs<'_>,
    filled: &HashSet<String>,
) -> RelatedPlan {
    let mut plan = RelatedPlan::default();
    let mut related = PulledRelated::default();
    let lead_company = lead.and_then(|l| local.lead_companies.get(&l.id));
    if page.companies_read {
        match page.companies.get(contact_id) {
            Some(record) => {
                let company = plan_company(record, local, inputs, &mut plan);
                let in_store = company.company_id;
                let linked = in_store.is_some_and(|_| local.by_hubspot_id.contains_key(&record.id));
                let lead_has_it =
                    lead_company.is_some_and(|c| Some(c.company.id) == in_store && c.source == CompanySource::Pull);
                plan.changes_store |= !linked || !lead_has_it || company.changes.iter().any(|c| c.after.is_some());
                related.company = Some(company);
                plan_lead_values(record, lead, inputs, filled, &mut plan);
            }
            None => {
                // A company an earlier pull gave the lead goes with the contact's.
                if let Some(company) = lead_company.filter(|c| c.source == CompanySource::Pull) {
                    related.company_dropped = Some(company.company.id);
                    plan.changes_store = true;
                }
            }
        }
    }
    if let Some(deals) = &page.deals {
        match deals.get(contact_id) {
            Some(Ok(deals)) => {
                let before = lead.and_then(|l| local.lead_deals.get(&l.id));
                plan.changes_store |= before.map_or(lead.is_none() || !deals.is_empty(), |b| b != deals);
                related.deals = Some(deals.clone());
            }
            Some(Err(reason)) => plan.problems.push(reason.clone()),
            None => {}
        }
    }
    plan.related = (!related.is_empty()).then_some(related);
    plan
}

/// The contact's company: the store's company it is, and what its company-sourced mapping sets.
fn plan_company(
    record: &Record,
    local: &LocalRelated,
    inputs: &RelatedInputs<'_>,
    plan: &mut RelatedPlan,
) -> PulledCompany {
    let domain = record.get(DOMAIN_PROPERTY).map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    let existing = local.by_hubspot_id.get(&record.id).or_else(|| {
        let found = local.by_domain.get(&domain_key(domain.as_deref()?)?)?;
        // A company linked to another HubSpot company is HubSpot's duplicate of this domain: the
        // pull adds this one apart.
        found.hubspot_id.as_deref().is_none_or(|linked| linked == record.id).then_some(found)
    });
    let mut changes = Vec::new();
    for mapping in inputs.company_mappings.iter().filter(|m| m.source == MappingSource::Company) {
        if mapping.property == DOMAIN_PROPERTY {
            continue;
        }
        let Some(value) =
            pulled_value(record, &mapping.property, &mapping.field_key, inputs.company_fields, inputs, plan)
        else {
            continue;
        };
        let before = existing.and_then(|c| c.value(&mapping.field_key));
        changes.extend(pulled_change(&mapping.field_key, &mapping.property, before, &value, mapping.write_rule));
    }
    PulledCompany {
        hubspot_company_id: record.id.clone(),
        domain,
        name: record.get("name").map(String::from),
        company_id: existing.map(|c| c.id),
        changes,
    }
}

/// The lead values the company fills (the lead-sourced rows of the company mapping), unless
/// the contact's own values fill that field.
fn plan_lead_values(
    record: &Record,
    lead: Option<&Lead>,
    inputs: &RelatedInputs<'_>,
    filled: &HashSet<String>,
    plan: &mut RelatedPlan,
) {
    for mapping in inputs.company_mappings.iter().filter(|m| m.source == MappingSource::Lead) {
        if mapping.field_key == "email" || filled.contains(&mapping.field_key) {
            continue;
        }
        let Some(value) = pulled_value(record, &mapping.property, &mapping.field_key, inputs.lead_fields, inputs, plan)
        else {
            continue;
        };
        let before = lead.and_then(|l| l.value(&mapping.field_key));
        let property = format!("{COMPANY_PROPERTY_PREFIX}{}", mapping.property);
        let change = pulled_change(&mapping.field_key, &property, before, &value, mapping.write_rule);
        // The company's value, unless the change carries it: the export's column.
        if change.as_ref().is_none_or(|c| c.kept) {
            plan.lead_record.insert(mapping.field_key.clone(), value);
        }
        plan.changes_store |= change.as_ref().is_some_and(|c| c.after.is_some());
        plan.lead_changes.extend(change);
    }
}

/// A company property's value as field `field_key` of `fields` keeps it; `None` when it is empty,
/// unknown, or refused (the refusal goes to the plan's problems).
fn pulled_value(
    record: &Record,
    property_name: &str,
    field_key: &str,
    fields: &HashMap<&str, &Field>,
    inputs: &RelatedInputs<'_>,
    plan: &mut RelatedPlan,
) -> Option<String> {
    let (field, property) = (fields.get(field_key)?, inputs.company_properties.get(property_name)?);
    let raw = record.get(property_name)?;
    match from_hubspot(field, property, raw, inputs.owners) {
        Ok(value) => value,
        Err(detail) => {
            plan.problems.push(RowReason::PulledValueRefused {
                property: format!("{COMPANY_PROPERTY_PREFIX}{property_name}"),
                field: field_key.to_string(),
                detail,
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, properties: &[(&str, &str)]) -> Record {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "properties": properties.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        }))
        .unwrap()
    }

    fn pipelines() -> Vec<Pipeline> {
        serde_json::from_value(serde_json::json!([
            { "id": "default", "label": "Sales Pipeline", "stages": [
                { "id": "open", "label": "Open", "metadata": { "probability": "0.4", "isClosed": "false" } },
                { "id": "won", "label": "Signed", "metadata": { "probability": "1.0", "isClosed": "true" } },
                { "id": "lost", "label": "Lost", "metadata": { "probability": "0.0" } } ] },
            { "id": "7", "label": "Renewals", "stages": [
                { "id": "71", "label": "Churned", "metadata": { "probability": "0.0", "isClosed": "true" } } ] }
        ]))
        .unwrap()
    }

    #[test]
    fn a_deals_labels_come_from_its_pipelines_by_id_and_its_state_from_the_stage() {
        let deal = |stage: &str, pipeline: &str| {
            let fields =
                [("dealname", " Renewal "), ("amount", "1200.50"), ("pipeline", pipeline), ("dealstage", stage)];
            deal_from_record(&record("9", &fields), &pipelines(), Some("eur")).unwrap()
        };
        let won = deal("won", "default");
        assert_eq!(
            (won.pipeline_label.as_deref(), won.stage_label.as_deref()),
            (Some("Sales Pipeline"), Some("Signed"))
        );
        assert_eq!((won.closed, won.won), (true, Some(true)));
        assert_eq!(
            (won.name.as_deref(), won.amount.as_deref(), won.currency.as_deref()),
            (Some("Renewal"), Some("1200.5"), Some("EUR"))
        );
        let lost = deal("lost", "default");
        assert_eq!((lost.closed, lost.won), (true, Some(false)), "closed by its probability of 0.0");
        let open = deal("open", "default");
        assert_eq!((open.closed, open.won), (false, None));
        // The same stage id in another pipeline is that pipeline's stage, or none.
        let other = deal("71", "7");
        assert_eq!((other.stage_label.as_deref(), other.won), (Some("Churned"), Some(false)));
        let missing = deal("gone", "default");
        assert_eq!((missing.stage_id.as_deref(), missing.stage_label), (Some("gone"), None), "the id kept, no label");
        assert_eq!((missing.closed, missing.won), (false, None));
        let unknown_pipeline = deal("won", "99");
        assert_eq!((unknown_pipeline.pipeline_id.as_deref(), unknown_pipeline.pipeline_label), (Some("99"), None));
        assert_eq!(unknown_pipeline.stage_label, None);
    }

    #[test]
    fn a_deals_own_currency_and_close_date_win_and_a_bad_amount_is_refused_with_the_deal() {
        let fields = [("deal_currency_code", "USD"), ("closedate", "1782864000000")];
        let deal = deal_from_record(&record("5", &fields), &pipelines(), Some("EUR")).unwrap();
        assert_eq!(deal.currency.as_deref(), Some("USD"));
        assert_eq!(deal.close_date.map(|d| d.to_rfc3339()), Some("2026-07-01T00:00:00+00:00".into()));
        let without = deal_from_record(&record("5", &[]), &pipelines(), None).unwrap();
        assert_eq!((without.currency, without.close_date, without.closed), (None, None, false));
        let refused = deal_from_record(&record("6", &[("amount", "lots")]), &pipelines(), None).unwrap_err();
        let RowReason::PulledValueRefused { property, field, detail } = refused else { panic!("{refused:?}") };
        assert_eq!((property.as_str(), field.as_str()), ("deal 6", "deals"));
        assert!(detail.contains("not a number"), "{detail}");
    }
}
