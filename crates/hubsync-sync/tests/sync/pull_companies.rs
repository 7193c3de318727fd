//! A pull bringing each contact's primary company and deals against the sandbox: company values
//! into the store's company and the lead, deals with their pipeline and stage labels looked up by
//! id (a renamed stage, two pipelines, open, won and lost), a contact without a company, a
//! company without a domain, a missing scope of either part, a pull rule on a company property,
//! a second pull unchanged, the calls at the floor, and a preview that writes nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

use hubsync_hubspot::HubSpotClient;
use hubsync_sandbox::{PipelineInput, StageInput};
use hubsync_store::{CompanyOrigin, CompanySource, LeadDeal, MappingSource, RowReason, RunStatus, Store, WriteRule};
use hubsync_sync::pull_rules::{self, Condition, PullRules};
use hubsync_sync::{
    Cancel, PreparedPull, PullAction, PullSkip, RelatedPart, prepare_pull, pull_item, record_pull_preview, run_pull,
};
use serde_json::{Value, json};

use crate::push::{Portal, control, fast, quiet, store_for};

const NO_COMPANIES: &str = "pat-na1-no-companies";
const NO_DEALS: &str = "pat-na1-no-deals";

/// Every scope the sandbox knows but those of `object` (reading and writing it and its schema).
fn scopes_without(object: &str) -> Vec<String> {
    hubsync_sandbox::config::KNOWN_SCOPES.iter().filter(|s| !s.contains(object)).map(|s| s.to_string()).collect()
}

fn association(from: (&str, &str), to: (&str, &str), primary: bool) -> Value {
    let types =
        if primary { json!([{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1 }]) } else { json!([]) };
    json!({ "fromObjectType": from.0, "fromObjectId": from.1, "toObjectType": to.0, "toObjectId": to.1, "types": types })
}

/// Four contacts: Ann at Acme (three deals in the default pipeline: open, won, lost; a second,
/// unlabelled company), Bo at Globex (a deal in the Renewals pipeline, won), Cy without a
/// company, Di at Initech, a company without a domain. The portal's currency is EUR.
async fn portal() -> Portal {
    Portal::start_with_fixture(
        json!({
            "portal": { "companyCurrency": "EUR", "additionalCurrencies": ["USD"] },
            "privateTokens": [
                { "token": NO_COMPANIES, "scopes": scopes_without("companies") },
                { "token": NO_DEALS, "scopes": scopes_without("deals") }
            ],
            "contacts": [
                { "id": "101", "properties": { "email": "ann@acme.example.com", "firstname": "Ann" } },
                { "id": "102", "properties": { "email": "bo@globex.example.net", "firstname": "Bo" } },
                { "id": "103", "properties": { "email": "cy@solo.example.org", "firstname": "Cy" } },
                { "id": "104", "properties": { "email": "di@initech.example.com", "firstname": "Di" } }
            ],
            "companies": [
                { "id": "201", "properties": { "name": "Acme", "domain": "acme.example.com",
                  "industry": "COMPUTER_SOFTWARE", "city": "Oslo", "country": "Norway" } },
                { "id": "202", "properties": { "name": "Globex", "domain": "WWW.Globex.example.net",
                  "industry": "FINANCIAL_SERVICES", "country": "Austria" } },
                { "id": "203", "properties": { "name": "Initech", "industry": "COMPUTER_SOFTWARE" } }
            ],
            "deals": [
                { "id": "301", "properties": { "dealname": "Acme expansion", "amount": "5000.50", "pipeline": "default",
                  "dealstage": "qualifiedtobuy", "closedate": "2026-07-01T00:00:00.000Z" } },
                { "id": "302", "properties": { "dealname": "Acme licence", "amount": "1200", "pipeline": "default",
                  "dealstage": "closedwon", "deal_currency_code": "USD" } },
                { "id": "303", "properties": { "dealname": "Acme pilot", "amount": "300", "pipeline": "default",
                  "dealstage": "closedlost" } },
                { "id": "304", "properties": { "dealname": "Globex renewal", "amount": "9000", "pipeline": "1467091",
                  "dealstage": "2710550" } }
            ],
            "associations": [
                association(("contacts", "101"), ("companies", "201"), true),
                association(("contacts", "101"), ("companies", "202"), false),
                association(("contacts", "102"), ("companies", "202"), true),
                association(("contacts", "104"), ("companies", "203"), true),
                association(("contacts", "101"), ("deals", "301"), false),
                association(("contacts", "101"), ("deals", "302"), false),
                association(("contacts", "101"), ("deals", "303"), false),
                association(("contacts", "102"), ("deals", "304"), false)
            ]
        }),
        0,
    )
    .await
}

/// The store `store_for` makes, with a company mapping: name, industry and city (if empty) into
/// the company's fields, and the company's country into the lead's.
fn store(portal: &Portal) -> Store {
    let mut store = store_for(portal);
    store.set_company_mapping("name", MappingSource::Company, "name", None).unwrap();
    store.set_company_mapping("industry", MappingSource::Company, "industry", None).unwrap();
    store.set_company_mapping("city", MappingSource::Company, "city", Some(WriteRule::IfEmpty)).unwrap();
    store.set_company_mapping("country", MappingSource::Lead, "country", None).unwrap();
    store
}

async fn prepare(store: &mut Store, client: &HubSpotClient) -> PreparedPull {
    prepare_pull(store, client, &Cancel::default(), &mut quiet).await.unwrap()
}

fn plan_by_contact(store: &Store, prepared: &PreparedPull) -> HashMap<String, hubsync_sync::PullItem> {
    store
        .run_items(prepared.plan.run_id)
        .unwrap()
        .into_iter()
        .map(pull_item)
        .map(|i| (i.contact_id.clone(), i))
        .collect()
}

fn deals_of(store: &Store, portal: &Portal, email: &str) -> Vec<LeadDeal> {
    let lead = store.lead_by_email(email).unwrap().unwrap();
    store.lead_deals(portal.sandbox.portal_id(), lead.id).unwrap()
}

/// A deal as the tests compare it: `(deal id, stage label, amount, currency, closed, won)`.
type DealRow = (String, Option<String>, Option<String>, Option<String>, bool, Option<bool>);

/// Each deal as a `DealRow`, by id.
fn deal_rows(deals: &[LeadDeal]) -> Vec<DealRow> {
    let mut rows: Vec<_> = deals
        .iter()
        .map(|d| {
            let d = &d.deal;
            (d.deal_id.clone(), d.stage_label.clone(), d.amount.clone(), d.currency.clone(), d.closed, d.won)
        })
        .collect();
    rows.sort();
    rows
}

/// Every request the sandbox counted (control calls aside).
pub async fn counted(portal: &Portal) -> u64 {
    control(&portal.sandbox, reqwest::Method::GET, "/counters", Value::Null).await["totalRequests"].as_u64().unwrap()
}

/// The requests the sandbox counted to `route` (`METHOD route-template`).
pub async fn counted_to(portal: &Portal, route: &str) -> u64 {
    let counters = control(&portal.sandbox, reqwest::Method::GET, "/counters", Value::Null).await;
    counters["requests"][route].as_u64().unwrap_or_else(|| panic!("no {route} in {}", counters["requests"]))
}

#[tokio::test]
async fn a_pull_brings_each_contacts_company_and_deals_and_a_second_pull_changes_nothing() {
    let portal = portal().await;
    let client = portal.client(fast());
    let mut store = store(&portal);
    let portal_id = portal.sandbox.portal_id();

    let prepared = prepare(&mut store, &client).await;
    assert_eq!(prepared.counts.new, 4, "{:?}", prepared.counts);
    assert_eq!((prepared.counts.with_company, prepared.counts.new_companies, prepared.counts.deals), (3, 3, 4));
    assert!(prepared.counts.skipped_parts.is_empty());
    let plan = plan_by_contact(&store, &prepared);
    let ann = plan["101"].related.as_ref().unwrap();
    let acme = ann.company.as_ref().unwrap();
    assert_eq!((acme.hubspot_company_id.as_str(), acme.company_id), ("201", None), "the primary company, new");
    let fields: Vec<(&str, Option<&str>)> =
        acme.changes.iter().map(|c| (c.field.as_str(), c.after.as_deref())).collect();
    assert_eq!(fields, [("name", Some("Acme")), ("industry", Some("COMPUTER_SOFTWARE")), ("city", Some("Oslo"))]);
    let country = plan["101"].changes.iter().find(|c| c.field == "country").unwrap();
    assert_eq!((country.property.as_str(), country.after.as_deref()), ("company.country", Some("Norway")));
    assert_eq!(plan["103"].related.as_ref().and_then(|r| r.company.as_ref()), None, "Cy has no company");

    let run = run_pull(&mut store, prepared, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!((run.status, run.counts.created, run.counts.failed), (RunStatus::Completed, 4, 0));

    // Companies: found by their domain from now on, linked to their HubSpot company.
    let acme = store.company_by_domain("acme.example.com").unwrap().unwrap();
    assert_eq!((acme.origin, acme.hubspot_id.as_deref()), (CompanyOrigin::Pull, Some("201")));
    assert_eq!(acme.value("industry"), Some("COMPUTER_SOFTWARE"));
    assert_eq!(acme.value("city"), Some("Oslo"));
    let globex = store.company_by_domain("globex.example.net").unwrap().unwrap();
    assert_eq!(globex.value("name"), Some("Globex"), "found by its normalised domain");
    let initech = store.company_by_hubspot_id(portal_id, "203").unwrap().unwrap();
    assert_eq!(
        (initech.domain.as_deref(), initech.value("name")),
        (None, Some("Initech")),
        "a company without a domain"
    );
    assert_eq!(store.company_count().unwrap(), 3, "the unlabelled second company is not Ann's");
    let link = store.company_link(portal_id, acme.id).unwrap().unwrap();
    assert!(link.synced_at.is_some(), "in step with its HubSpot company");

    // Leads: their company (found by the pull) and the company's values they take.
    let lead = |email: &str| store.lead_by_email(email).unwrap().unwrap();
    let ann_company = store.lead_company(lead("ann@acme.example.com").id).unwrap().unwrap();
    assert_eq!((ann_company.company.id, ann_company.source), (acme.id, CompanySource::Pull));
    assert_eq!(lead("ann@acme.example.com").value("country"), Some("Norway"));
    assert_eq!(store.lead_company(lead("di@initech.example.com").id).unwrap().unwrap().company.id, initech.id);
    assert_eq!(store.lead_company(lead("cy@solo.example.org").id).unwrap(), None);

    // Deals: stage labels by id, in two pipelines; open, won and lost; the portal's currency
    // for a deal without its own.
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        deal_rows(&deals_of(&store, &portal, "ann@acme.example.com")),
        [
            ("301".into(), some("Qualified To Buy"), some("5000.5"), some("EUR"), false, None),
            ("302".into(), some("Closed Won"), some("1200"), some("USD"), true, Some(true)),
            ("303".into(), some("Closed Lost"), some("300"), some("EUR"), true, Some(false)),
        ]
    );
    let globex_deals = deals_of(&store, &portal, "bo@globex.example.net");
    let renewal = &globex_deals[0].deal;
    assert_eq!(
        (renewal.pipeline_label.as_deref(), renewal.stage_label.as_deref()),
        (Some("Renewals"), Some("Renewed"))
    );
    assert_eq!((renewal.closed, renewal.won), (true, Some(true)));
    let expansion = deals_of(&store, &portal, "ann@acme.example.com").into_iter().find(|d| d.deal.deal_id == "301");
    assert_eq!(expansion.unwrap().deal.close_date.map(|d| d.to_rfc3339()), Some("2026-07-01T00:00:00+00:00".into()));
    assert!(deals_of(&store, &portal, "cy@solo.example.org").is_empty());
    assert_eq!(store.integrity_check().unwrap(), "ok");

    // A second pull finds every lead, company and deal as HubSpot has them.
    let again = prepare(&mut store, &client).await;
    assert_eq!((again.counts.new, again.counts.update, again.counts.unchanged), (0, 0, 4), "{:?}", again.counts);
    assert_eq!((again.counts.with_company, again.counts.new_companies, again.counts.deals), (3, 0, 4));
    hubsync_sync::discard_pull(&mut store, again).unwrap();

    // A stage renamed in HubSpot: its deals show the new label, read by the stage's id.
    portal.sandbox.put_deal_pipeline(&renamed_sales_pipeline()).unwrap();
    let renamed = prepare(&mut store, &client).await;
    assert_eq!((renamed.counts.update, renamed.counts.unchanged), (1, 3), "Ann's won deal only: {:?}", renamed.counts);
    run_pull(&mut store, renamed, &Cancel::default(), &mut |_| {}).unwrap();
    let won = deals_of(&store, &portal, "ann@acme.example.com").into_iter().find(|d| d.deal.deal_id == "302").unwrap();
    assert_eq!((won.deal.stage_id.as_deref(), won.deal.stage_label.as_deref()), (Some("closedwon"), Some("Signed")));
}

/// HubSpot's default pipeline with its won stage renamed "Signed" (its id stays `closedwon`).
fn renamed_sales_pipeline() -> PipelineInput {
    let stage = |id: &str, label: &str, order: i64, probability: &str| StageInput {
        id: id.into(),
        label: label.into(),
        display_order: order,
        metadata: BTreeMap::from([("probability".to_string(), json!(probability))]),
        ..StageInput::default()
    };
    PipelineInput {
        id: "default".into(),
        label: "Sales Pipeline".into(),
        stages: vec![
            stage("appointmentscheduled", "Appointment Scheduled", 0, "0.2"),
            stage("qualifiedtobuy", "Qualified To Buy", 1, "0.4"),
            stage("presentationscheduled", "Presentation Scheduled", 2, "0.6"),
            stage("decisionmakerboughtin", "Decision Maker Bought-In", 3, "0.8"),
            stage("contractsent", "Contract Sent", 4, "0.9"),
            stage("closedwon", "Signed", 5, "1.0"),
            stage("closedlost", "Closed Lost", 6, "0.0"),
        ],
        ..PipelineInput::default()
    }
}

#[tokio::test]
async fn a_preview_shows_companies_and_deals_per_lead_and_writes_nothing() {
    let portal = portal().await;
    let client = portal.client(fast());
    let mut store = store(&portal);
    let before = portal.last_seq().await;
    let prepared = prepare(&mut store, &client).await;
    let preview = record_pull_preview(&mut store, &prepared).unwrap();
    assert_eq!(portal.writes_since(before).await, Vec::<String>::new(), "nothing sent but reads");
    assert_eq!((store.lead_count().unwrap(), store.company_count().unwrap()), (0, 0), "nothing kept locally");
    // The preview's rows carry each lead's company (per field) and deals.
    let items: Vec<_> = store.run_items(preview).unwrap().into_iter().map(pull_item).collect();
    let ann = items.iter().find(|i| i.contact_id == "101").unwrap();
    let related = ann.related.as_ref().unwrap();
    assert_eq!(related.company.as_ref().unwrap().name.as_deref(), Some("Acme"));
    assert_eq!(related.deals.as_ref().unwrap().len(), 3);
    let shown = serde_json::to_value(ann).unwrap();
    assert_eq!(shown["related"]["company"]["changes"][0]["field"], "name", "{shown}");
}

#[tokio::test]
async fn without_the_deals_scope_the_contacts_and_companies_still_come_in() {
    let portal = portal().await;
    let client = portal.client_with_token(NO_DEALS);
    let mut store = store(&portal);
    let prepared = prepare(&mut store, &client).await;
    let skipped = &prepared.counts.skipped_parts;
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!((skipped[0].part, skipped[0].code.as_str()), (RelatedPart::Deals, "missing_scopes"));
    assert!(skipped[0].scopes.iter().any(|s| s == "crm.objects.deals.read"), "{skipped:?}");
    assert_eq!((prepared.counts.new, prepared.counts.with_company, prepared.counts.deals), (4, 3, 0));
    run_pull(&mut store, prepared, &Cancel::default(), &mut |_| {}).unwrap();
    let ann = store.lead_by_email("ann@acme.example.com").unwrap().unwrap();
    assert!(store.lead_company(ann.id).unwrap().is_some());
    assert!(deals_of(&store, &portal, "ann@acme.example.com").is_empty());
}

#[tokio::test]
async fn without_the_companies_scope_the_contacts_and_deals_still_come_in() {
    let portal = portal().await;
    let client = portal.client_with_token(NO_COMPANIES);
    let mut store = store(&portal);
    let prepared = prepare(&mut store, &client).await;
    let skipped = &prepared.counts.skipped_parts;
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!((skipped[0].part, skipped[0].code.as_str()), (RelatedPart::Companies, "missing_scopes"));
    assert!(skipped[0].scopes.iter().any(|s| s.starts_with("crm.objects.companies")), "{skipped:?}");
    assert_eq!((prepared.counts.new, prepared.counts.with_company, prepared.counts.deals), (4, 0, 4));
    run_pull(&mut store, prepared, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!(store.company_count().unwrap(), 0);
    assert_eq!(deals_of(&store, &portal, "ann@acme.example.com").len(), 3);

    // A rule on the company can't be met without reading companies: the pull says so.
    let rules = PullRules {
        conditions: vec![Condition::parse("company.industry = COMPUTER_SOFTWARE").unwrap()],
        ..PullRules::default()
    };
    pull_rules::save(&mut store, &rules).unwrap();
    let refused = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap_err();
    assert_eq!(refused.code(), "invalid_rule");
    assert!(refused.to_string().contains("crm.objects.companies.read"), "{refused}");
}

#[tokio::test]
async fn a_pull_rule_on_a_company_property_leaves_the_other_contacts_out_and_says_why() {
    let portal = portal().await;
    let client = portal.client(fast());
    let mut store = store(&portal);
    let rules = PullRules {
        conditions: vec![
            Condition::parse("company.industry = COMPUTER_SOFTWARE").unwrap(),
            Condition::parse("company.domain known").unwrap(),
        ],
        ..PullRules::default()
    };
    pull_rules::save(&mut store, &rules).unwrap();
    let prepared = prepare(&mut store, &client).await;
    assert_eq!((prepared.counts.new, prepared.counts.company_rule_left_out), (1, 3), "{:?}", prepared.counts);
    let plan = plan_by_contact(&store, &prepared);
    assert_eq!(plan["101"].action, PullAction::New);
    let left_out = |id: &str| match &plan[id].action {
        PullAction::Skip { reason: PullSkip::CompanyRuleLeftOut { condition, no_company } } => {
            (condition.clone(), *no_company)
        }
        other => panic!("{id}: {other:?}"),
    };
    assert_eq!(left_out("102"), ("company.industry equals COMPUTER_SOFTWARE".into(), false));
    assert_eq!(left_out("103"), ("company.industry equals COMPUTER_SOFTWARE".into(), true));
    assert_eq!(left_out("104"), ("company.domain known".into(), false), "Initech has no domain");
    // The preview's row says why, in words.
    let row =
        store.run_items(prepared.plan.run_id).unwrap().into_iter().find(|i| i.contact_id.as_deref() == Some("103"));
    let reason = &row.unwrap().reasons[0];
    assert!(matches!(reason, RowReason::CompanyRuleLeftOut { .. }));
    assert_eq!(
        reason.to_string(),
        "it has no company, so it doesn't meet the pull rule company.industry equals COMPUTER_SOFTWARE"
    );
    // Only the kept contact's deals are read: the floor's one association read and one batch.
    let deal_reads = prepared.plan.api_calls - (6 + 1 + 1 + 1);
    assert_eq!(deal_reads, 2, "{}", prepared.plan.api_calls);
    run_pull(&mut store, prepared, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!(store.lead_count().unwrap(), 1);
}

#[tokio::test]
async fn a_pull_costs_the_floor_its_formula_states_as_the_sandbox_counts_it() {
    let portal = portal().await;
    let client = portal.client(fast());
    let mut store = store(&portal);
    let prepared = prepare(&mut store, &client).await;
    // Setup: the portal check, properties, owners (2), company properties, pipelines. One page
    // of 4 contacts: the list, their companies' associations and batch read (3 companies), their
    // deals' associations and batch read (4 deals).
    let floor = 6 + floor_per_page(&[vec!["101", "102", "103", "104"]], &portal).await;
    assert_eq!(floor, 6 + 5);
    assert_eq!(prepared.plan.api_calls, floor);
    assert_eq!(counted(&portal).await, floor, "what the sandbox answered");
    let e = &prepared.plan.estimate;
    assert_eq!((e.api_calls, e.setup_calls, e.read_calls), (floor, 6, 5));
}

/// The pull's reads of each page of contacts (`pages`, contact ids as read) at the floor: the
/// page itself, then `ceil(n / 100)` association reads for companies, `ceil(c / 100)` batch reads
/// of its `c` distinct primary companies, `ceil(n / 100)` association reads for deals and
/// `ceil(d / 100)` batch reads of its `d` distinct deals, from the sandbox's associations.
pub async fn floor_per_page<S: AsRef<str>>(pages: &[Vec<S>], portal: &Portal) -> u64 {
    let dump = control(&portal.sandbox, reqwest::Method::GET, "/associations", Value::Null).await;
    let companies = live_ids(portal, "companies").await;
    let deals = live_ids(portal, "deals").await;
    let mut primary: HashMap<String, String> = HashMap::new();
    let mut deals_of: HashMap<String, HashSet<String>> = HashMap::new();
    for pair in dump["results"].as_array().unwrap() {
        let (first, second) = (&pair["first"], &pair["second"]);
        if first["objectType"] != "contacts" {
            continue;
        }
        let (contact, other) = (first["id"].as_str().unwrap(), second["id"].as_str().unwrap().to_string());
        match second["objectType"].as_str().unwrap() {
            "companies" if pair["primary"] == json!(true) && companies.contains(&other) => {
                primary.insert(contact.to_string(), other);
            }
            "deals" if deals.contains(&other) => {
                deals_of.entry(contact.to_string()).or_default().insert(other);
            }
            _ => {}
        }
    }
    let per_100 = |n: usize| n.div_ceil(100) as u64;
    pages
        .iter()
        .map(|page| {
            let ids: Vec<&str> = page.iter().map(AsRef::as_ref).collect();
            let page_companies: HashSet<&String> = ids.iter().filter_map(|id| primary.get(*id)).collect();
            let page_deals: HashSet<&String> = ids.iter().filter_map(|id| deals_of.get(*id)).flatten().collect();
            1 + 2 * per_100(ids.len()) + per_100(page_companies.len()) + per_100(page_deals.len())
        })
        .sum()
}

/// The ids of the sandbox's live records of `kind` (`companies`, `deals`).
async fn live_ids(portal: &Portal, kind: &str) -> HashSet<String> {
    let all = control(&portal.sandbox, reqwest::Method::GET, &format!("/{kind}"), Value::Null).await;
    all["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["archived"] != json!(true))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// The store's own company of a domain is linked, not added again, and keeps what an if-empty
/// rule keeps; two HubSpot companies with one domain (HubSpot doesn't keep domains unique) are
/// two companies, the second kept apart; a company the contact loses in HubSpot goes from its
/// lead, the company staying in the store.
#[tokio::test]
async fn companies_are_matched_by_domain_kept_apart_when_hubspot_duplicates_one_and_dropped_with_the_contacts() {
    let portal = Portal::start_with_fixture(
        json!({
            "contacts": [
                { "id": "111", "properties": { "email": "eve@dup.example.com" } },
                { "id": "112", "properties": { "email": "fay@dup.example.com" } },
                { "id": "113", "properties": { "email": "gil@local.example.com" } }
            ],
            "companies": [
                { "id": "211", "properties": { "name": "Dup One", "domain": "dup.example.com" } },
                { "id": "212", "properties": { "name": "Dup Two", "domain": "dup.example.com" } },
                { "id": "213", "properties": { "name": "Local", "domain": "local.example.com", "city": "Oslo" } }
            ],
            "associations": [
                association(("contacts", "111"), ("companies", "211"), true),
                association(("contacts", "112"), ("companies", "212"), true),
                association(("contacts", "113"), ("companies", "213"), true)
            ]
        }),
        0,
    )
    .await;
    let client = portal.client(fast());
    let mut store = store(&portal);
    let portal_id = portal.sandbox.portal_id();
    let local = store.upsert_company("local.example.com", &[("city", "Bergen")]).unwrap();
    let prepared = prepare(&mut store, &client).await;
    assert_eq!(prepared.counts.new_companies, 2, "the two of dup.example.com: {:?}", prepared.counts);
    let plan = plan_by_contact(&store, &prepared);
    let gil = plan["113"].related.as_ref().unwrap().company.clone().unwrap();
    assert_eq!(gil.company_id, Some(local.id), "found by its domain");
    let kept: Vec<(&str, bool)> = gil.changes.iter().map(|c| (c.field.as_str(), c.kept)).collect();
    assert_eq!(kept, [("name", false), ("city", true)], "city is if-empty, and the store's is Bergen");
    run_pull(&mut store, prepared, &Cancel::default(), &mut |_| {}).unwrap();

    let linked = store.company_by_hubspot_id(portal_id, "213").unwrap().unwrap();
    assert_eq!((linked.id, linked.origin), (local.id, CompanyOrigin::Local));
    assert_eq!((linked.value("name"), linked.value("city")), (Some("Local"), Some("Bergen")));
    let one = store.company_by_hubspot_id(portal_id, "211").unwrap().unwrap();
    let two = store.company_by_hubspot_id(portal_id, "212").unwrap().unwrap();
    assert_ne!(one.id, two.id);
    let keys = [one.domain_key.as_deref(), two.domain_key.as_deref()];
    assert!(keys.contains(&Some("dup.example.com")) && keys.contains(&None), "the second apart: {keys:?}");
    assert_eq!((one.domain.as_deref(), two.domain.as_deref()), (Some("dup.example.com"), Some("dup.example.com")));
    assert_eq!(store.company_count().unwrap(), 3);
    let again = prepare(&mut store, &client).await;
    assert_eq!((again.counts.update, again.counts.unchanged), (0, 3), "{:?}", again.counts);
    hubsync_sync::discard_pull(&mut store, again).unwrap();

    // Gil's contact loses its company in HubSpot.
    portal
        .call(
            reqwest::Method::POST,
            "/crm/v4/associations/contacts/companies/batch/archive",
            Some(json!({ "inputs": [{ "from": { "id": "113" }, "to": [{ "id": "213" }] }] })),
        )
        .await;
    let dropped = prepare(&mut store, &client).await;
    assert_eq!((dropped.counts.update, dropped.counts.with_company), (1, 2), "{:?}", dropped.counts);
    let gil_lead = store.lead_by_email("gil@local.example.com").unwrap().unwrap();
    let plan = plan_by_contact(&store, &dropped);
    assert_eq!(plan["113"].related.as_ref().unwrap().company_dropped, Some(local.id));
    run_pull(&mut store, dropped, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!(store.lead_company(gil_lead.id).unwrap(), None);
    assert!(store.company(local.id).unwrap().is_some(), "the company stays");
    // A company found another way than by a pull stays the lead's.
    store.set_lead_company(gil_lead.id, local.id, CompanySource::Manual).unwrap();
    let again = prepare(&mut store, &client).await;
    assert_eq!(again.counts.unchanged, 3, "{:?}", again.counts);
}
