//! A push's companies against the sandbox portal: each lead's contact associated with its
//! company (found by the lead's domain field or its email, never a free-mail domain), missing
//! companies created when the rules say so, mapped company properties updated; the preview
//! showing exactly what the live run does, a scope the token lacks, a refused company alone in
//! its batch, a run resumed after a crash, and the calls at their floor.

use std::collections::HashMap;
use std::time::Duration;

use hubsync_hubspot::{HubSpotClient, ObjectType, type_ids};
use hubsync_sandbox::{Fixture, KNOWN_SCOPES, PrivateToken, SandboxConfig};
use hubsync_store::{
    AssociationAction, AssociationReason, CompanyNote, CompanyReason, CompanySource, FieldType, ItemOutcome,
    MappingSource, RowFailure, RunAction, RunAssociation, RunCompany, RunStatus, Store, SystemClock, WriteRule,
};
use hubsync_sync::{Cancel, PushOptions, prepare_push, record_preview, resume_push, run_push};
use serde_json::{Value, json};

use crate::push::{Portal, TOKEN, configured, fast, quiet, store_for};

async fn start(fixture: Value) -> Portal {
    start_scoped(fixture, None).await
}

/// A sandbox holding `fixture`, whose token has only `scopes` when given.
async fn start_scoped(fixture: Value, scopes: Option<Vec<String>>) -> Portal {
    let fixture = Fixture::from_json(&fixture.to_string()).unwrap();
    let private_tokens = match scopes {
        Some(scopes) => vec![PrivateToken { token: TOKEN.into(), scopes }],
        None => Vec::new(),
    };
    Portal::start_with(SandboxConfig { fixture: Some(fixture), private_tokens, ..SandboxConfig::default() }).await
}

/// Every scope the sandbox knows but these.
fn scopes_without(missing: &[&str]) -> Vec<String> {
    KNOWN_SCOPES.iter().filter(|s| !missing.contains(s)).map(|s| s.to_string()).collect()
}

/// A fixture association making `company` contact `contact`'s primary company.
fn primary_of(contact: &str, company: &str) -> Value {
    json!({
        "fromObjectType": "contacts", "fromObjectId": contact, "toObjectType": "companies", "toObjectId": company,
        "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_ids::CONTACT_TO_COMPANY_PRIMARY }]
    })
}

/// Associating on, creating companies as `create` says; the company's name from the lead's
/// company (only where HubSpot has none), its city from the company's own.
fn company_rules(store: &mut Store, create: bool) {
    store.set_company_push_rules(Some(true), Some(create)).unwrap();
    store.set_company_mapping("name", MappingSource::Lead, "company", Some(WriteRule::IfEmpty)).unwrap();
    store.set_company_mapping("city", MappingSource::Company, "city", None).unwrap();
}

/// Each contact's primary company in HubSpot, read as a push reads it.
async fn primaries(client: &HubSpotClient, contacts: &[&str]) -> HashMap<String, Option<String>> {
    let ids: Vec<String> = contacts.iter().map(|c| c.to_string()).collect();
    let read = client.read_associations(ObjectType::Contacts, ObjectType::Companies, &ids).await.unwrap();
    ids.iter()
        .map(|id| {
            let primary = read
                .associated(id)
                .iter()
                .find(|a| a.has_type(type_ids::CONTACT_TO_COMPANY_PRIMARY))
                .map(|a| a.to_object_id.clone());
            (id.clone(), primary)
        })
        .collect()
}

/// HubSpot's live companies with `domain`.
async fn companies_with(portal: &Portal, domain: &str) -> Vec<Value> {
    let all = portal.control(reqwest::Method::GET, "/companies", Value::Null).await;
    all["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["archived"] != json!(true) && c["properties"]["domain"] == json!(domain))
        .cloned()
        .collect()
}

fn by_domain(rows: Vec<RunCompany>) -> HashMap<String, RunCompany> {
    rows.into_iter().map(|r| (r.domain.clone(), r)).collect()
}

fn by_email(rows: Vec<RunAssociation>) -> HashMap<String, RunAssociation> {
    rows.into_iter().map(|r| (r.email.clone(), r)).collect()
}

fn reason_code(row: &RunAssociation) -> Option<String> {
    row.reason.as_ref().map(AssociationReason::code)
}

/// Requests the sandbox served since `seq`.
async fn served_since(portal: &Portal, seq: u64) -> u64 {
    portal.last_seq().await - seq
}

fn the_fixture() -> Value {
    json!({
        "contacts": [
            { "id": "501", "properties": { "email": "ann@acme.com" } },
            { "id": "502", "properties": { "email": "bo@globex.com" } },
            { "id": "503", "properties": { "email": "cy@initech.com" } },
            { "id": "504", "properties": { "email": "fay@shared-co.com" } }
        ],
        "companies": [
            { "id": "7001", "properties": { "name": "Acme", "domain": "acme.com" } },
            { "id": "7002", "properties": { "name": "Globex", "domain": "globex.com" } },
            { "id": "7003", "properties": { "name": "Shared (older)", "domain": "shared-co.com" },
              "updatedAt": "2026-01-01T00:00:00Z" },
            { "id": "7004", "properties": { "name": "Shared (newer)", "domain": "shared-co.com" },
              "updatedAt": "2026-03-01T00:00:00Z" },
            { "id": "7005", "properties": { "name": "Old Co", "domain": "old.example" } }
        ],
        "associations": [primary_of("502", "7002"), primary_of("503", "7005")]
    })
}

/// The leads of `the_fixture`'s portal: known contacts and new ones, companies known and not,
/// a free-mail address, a domain named by the lead's website, and a website that is no domain.
fn add_leads(store: &mut Store) {
    store.set_company_domain_field(Some("website")).unwrap();
    store.set_push_rules(Some(true), Some(true)).unwrap();
    store.upsert_company("acme.com", &[("city", "Springfield")]).unwrap();
    for (email, values) in [
        ("ann@acme.com", vec![("company", "Acme Inc")]),
        ("bo@globex.com", vec![("company", "Globex Corp")]),
        ("cy@initech.com", vec![("company", "Initech")]),
        ("dee@newco.io", vec![("company", "NewCo")]),
        ("eve@gmail.com", vec![("company", "Eve's")]),
        ("fay@shared-co.com", vec![]),
        ("gus@gmail.com", vec![("company", "Gus Corp"), ("website", "https://www.Gus-Corp.com/about")]),
        ("hal@hotmail.com", vec![("website", "not a domain")]),
    ] {
        store.add_lead(email, &values).unwrap();
    }
}

/// `the_fixture`'s portal (its token with only `scopes`, when given), a client, and a store with
/// `add_leads`' leads and the company rules on (creating companies as `create` says).
async fn the_portal(scopes: Option<Vec<String>>, create: bool) -> (Portal, HubSpotClient, Store) {
    let portal = start_scoped(the_fixture(), scopes).await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    company_rules(&mut store, create);
    add_leads(&mut store);
    (portal, client, store)
}

#[tokio::test]
async fn a_preview_shows_each_company_and_association_and_the_live_run_makes_exactly_those() {
    let (portal, client, mut store) = the_portal(None, true).await;

    let seq = portal.last_seq().await;
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let preview = record_preview(&mut store, &prepared).unwrap();
    assert_eq!(portal.writes_since(seq).await, Vec::<String>::new(), "a preview sends no write");
    assert_eq!(store.company_count().unwrap(), 1, "nor makes a local company");
    assert!(store.lead_companies(&store.leads().unwrap().iter().map(|l| l.id).collect::<Vec<_>>()).unwrap().is_empty());

    let companies = by_domain(store.run_companies(preview).unwrap());
    let domains: Vec<&str> = {
        let mut d: Vec<&str> = companies.keys().map(String::as_str).collect();
        d.sort();
        d
    };
    assert_eq!(domains, ["acme.com", "globex.com", "gus-corp.com", "initech.com", "newco.io", "shared-co.com"]);
    let acme = &companies["acme.com"];
    assert_eq!(
        (acme.action, acme.company_id.as_deref(), acme.name.as_deref()),
        (RunAction::Update, Some("7001"), Some("Acme"))
    );
    let acme_changes: Vec<(&str, Option<&str>, Option<&str>, bool)> =
        acme.changes.iter().map(|c| (c.property.as_str(), c.before.as_deref(), c.after.as_deref(), c.kept)).collect();
    assert_eq!(acme_changes, [("city", None, Some("Springfield"), false), ("name", Some("Acme"), None, true)]);
    assert_eq!(
        (companies["globex.com"].action, companies["globex.com"].reasons.clone()),
        (RunAction::Skip, vec![CompanyReason::Unchanged])
    );
    let initech = &companies["initech.com"];
    assert_eq!(
        (initech.action, initech.company_id.as_deref(), initech.name.as_deref()),
        (RunAction::Create, None, Some("Initech"))
    );
    let sent: Vec<(&str, Option<&str>)> =
        initech.changes.iter().map(|c| (c.property.as_str(), c.after.as_deref())).collect();
    assert_eq!(sent, [("domain", Some("initech.com")), ("name", Some("Initech"))]);
    assert_eq!(companies["gus-corp.com"].action, RunAction::Create);
    let shared = &companies["shared-co.com"];
    assert_eq!(shared.company_id.as_deref(), Some("7004"), "the most recently modified of the two");
    assert_eq!(
        shared.notes,
        [CompanyNote::SeveralCompanies { company_ids: vec!["7004".into(), "7003".into()], chosen: "7004".into() }]
    );
    assert!(shared.notes[0].to_string().contains("most recently modified"));

    let associations = by_email(store.run_associations(preview).unwrap());
    let decided = |email: &str| {
        let row = &associations[email];
        (row.action, row.company_id.clone(), reason_code(row), row.source)
    };
    assert_eq!(
        decided("ann@acme.com"),
        (AssociationAction::Associate, Some("7001".into()), None, Some(CompanySource::Email))
    );
    assert_eq!(
        decided("bo@globex.com"),
        (AssociationAction::Skip, Some("7002".into()), Some("already-associated".into()), Some(CompanySource::Email))
    );
    assert_eq!(decided("cy@initech.com"), (AssociationAction::Associate, None, None, Some(CompanySource::Email)));
    assert_eq!(associations["cy@initech.com"].previous_primary.as_deref(), Some("7005"), "kept for an undo");
    assert_eq!(decided("dee@newco.io").0, AssociationAction::Associate);
    assert_eq!(decided("eve@gmail.com"), (AssociationAction::Skip, None, Some("free-mail".into()), None));
    assert_eq!(
        decided("fay@shared-co.com"),
        (AssociationAction::Associate, Some("7004".into()), None, Some(CompanySource::Email))
    );
    assert_eq!(decided("gus@gmail.com"), (AssociationAction::Associate, None, None, Some(CompanySource::Domain)));
    assert_eq!(associations["gus@gmail.com"].domain.as_deref(), Some("gus-corp.com"));
    assert_eq!(
        associations["hal@hotmail.com"].reason,
        Some(AssociationReason::InvalidDomain { field: "website".into() })
    );
    let counts = prepared.companies.clone().unwrap();
    assert_eq!((counts.update, counts.create, counts.unchanged), (1, 3, 2));
    assert_eq!((counts.associate, counts.already, counts.no_association), (5, 1, 2));
    // 3 creates, 1 update, 5 associations: a batch each.
    assert_eq!(prepared.plan.estimate.company_write_calls, 3);

    let before_run = portal.last_seq().await;
    let live =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(live.status, RunStatus::Completed, "{live:?}");
    let run_counts = store.run_company_counts(live.id).unwrap();
    assert_eq!((run_counts.created, run_counts.updated, run_counts.failed, run_counts.pending), (3, 1, 0, 0));
    assert_eq!((run_counts.associated, run_counts.association_failed, run_counts.association_pending), (5, 0, 0));
    let estimate = store.run(preview).unwrap().unwrap().estimate;
    assert_eq!(
        served_since(&portal, seq).await,
        estimate["apiCalls"].as_u64().unwrap(),
        "the estimate is the calls the preview and the run made"
    );
    assert_eq!(
        served_since(&portal, before_run).await,
        estimate["writeCalls"].as_u64().unwrap(),
        "the live run makes the writes the estimate counted, nothing else"
    );

    let initech = companies_with(&portal, "initech.com").await;
    assert_eq!(initech.len(), 1);
    assert_eq!(initech[0]["properties"]["name"], json!("Initech"));
    let initech_id = initech[0]["id"].as_str().unwrap().to_string();
    assert_eq!(companies_with(&portal, "acme.com").await[0]["properties"]["city"], json!("Springfield"));
    assert_eq!(companies_with(&portal, "acme.com").await[0]["properties"]["name"], json!("Acme"), "if-empty kept it");
    let contacts = portal.contacts().await;
    let id_of = |email: &str| contacts[email]["id"].as_str().unwrap().to_string();
    let (dee, gus) = (id_of("dee@newco.io"), id_of("gus@gmail.com"));
    let now = primaries(&client, &["501", "502", "503", "504", &dee, &gus, &id_of("eve@gmail.com")]).await;
    assert_eq!(now["501"].as_deref(), Some("7001"));
    assert_eq!(now["502"].as_deref(), Some("7002"));
    assert_eq!(now["503"], Some(initech_id.clone()), "the new company is its primary one now");
    assert_eq!(now["504"].as_deref(), Some("7004"));
    assert_eq!(now[&dee], companies_with(&portal, "newco.io").await[0]["id"].as_str().map(String::from));
    assert_eq!(now[&gus], companies_with(&portal, "gus-corp.com").await[0]["id"].as_str().map(String::from));
    assert_eq!(now[&id_of("eve@gmail.com")], None, "a free-mail domain names no company");

    // The store: each company linked to its HubSpot company, each lead given its company.
    let initech_local = store.company_by_domain("initech.com").unwrap().unwrap();
    assert_eq!(initech_local.hubspot_id, Some(initech_id));
    assert_eq!(store.company_by_domain("acme.com").unwrap().unwrap().hubspot_id.as_deref(), Some("7001"));
    assert_eq!(store.company_by_domain("globex.com").unwrap().unwrap().hubspot_id.as_deref(), Some("7002"));
    let lead_company = |email: &str| {
        let lead = store.lead_by_email(email).unwrap().unwrap();
        store.lead_company(lead.id).unwrap().map(|c| (c.company.domain.unwrap_or_default(), c.source))
    };
    assert_eq!(lead_company("cy@initech.com"), Some(("initech.com".into(), CompanySource::Email)));
    assert_eq!(lead_company("gus@gmail.com"), Some(("gus-corp.com".into(), CompanySource::Domain)));
    assert_eq!(lead_company("bo@globex.com"), Some(("globex.com".into(), CompanySource::Email)), "already associated");
    assert_eq!(lead_company("eve@gmail.com"), None);

    // Pushing again writes nothing: every company is found by its link (search may not show
    // the new ones yet), every contact has its company.
    let again =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let counts = again.companies.clone().unwrap();
    assert_eq!((counts.create, counts.update, counts.associate), (0, 0, 0), "{counts:?}");
    assert_eq!((counts.unchanged, counts.already), (6, 6));
    assert_eq!(again.plan.estimate.write_calls, 0);
}

#[tokio::test]
async fn with_creating_companies_off_a_domain_no_company_has_is_skipped_and_so_are_its_associations() {
    let (portal, client, mut store) = the_portal(None, false).await;
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let companies = by_domain(store.run_companies(prepared.plan.run_id).unwrap());
    for domain in ["initech.com", "newco.io", "gus-corp.com"] {
        assert_eq!(companies[domain].reasons, [CompanyReason::CreateOff], "{domain}");
        assert!(companies[domain].changes.is_empty());
    }
    let associations = by_email(store.run_associations(prepared.plan.run_id).unwrap());
    assert_eq!(
        associations["cy@initech.com"].reason,
        Some(AssociationReason::CompanyNotCreated { domain: "initech.com".into() })
    );
    assert_eq!(associations["ann@acme.com"].action, AssociationAction::Associate);
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert!(companies_with(&portal, "initech.com").await.is_empty(), "no company made");
    let now = primaries(&client, &["501", "503"]).await;
    assert_eq!((now["501"].as_deref(), now["503"].as_deref()), (Some("7001"), Some("7005")));
}

#[tokio::test]
async fn a_token_without_the_companies_scopes_still_pushes_its_contacts_and_says_why_no_company_is_associated() {
    let scopes = scopes_without(&["crm.objects.companies.read", "crm.objects.companies.write"]);
    let (portal, client, mut store) = the_portal(Some(scopes), true).await;
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert!(store.run_companies(prepared.plan.run_id).unwrap().is_empty());
    let associations = by_email(store.run_associations(prepared.plan.run_id).unwrap());
    let scope = AssociationReason::MissingScope { scope: "crm.objects.companies.read".into() };
    for email in ["ann@acme.com", "cy@initech.com", "gus@gmail.com"] {
        assert_eq!(associations[email].reason.as_ref(), Some(&scope), "{email}");
    }
    assert_eq!(reason_code(&associations["eve@gmail.com"]), Some("free-mail".into()));
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.status, run.counts.created, run.counts.failed), (RunStatus::Completed, 4, 0));
    assert_eq!(portal.contacts().await.len(), 8, "every lead's contact is there");
}

#[tokio::test]
async fn a_token_that_can_read_but_not_write_companies_fails_their_writes_alone() {
    let (_portal, client, mut store) = the_portal(Some(scopes_without(&["crm.objects.companies.write"])), true).await;
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed, "the scope fails rows, not the run: {run:?}");
    let companies = by_domain(store.run_companies(run.id).unwrap());
    let scopes = RowFailure::MissingScope { scopes: vec!["crm.objects.companies.write".into()] };
    for domain in ["acme.com", "initech.com", "newco.io", "gus-corp.com"] {
        assert_eq!(
            (companies[domain].outcome, companies[domain].error.as_ref()),
            (Some(ItemOutcome::Failed), Some(&scopes))
        );
    }
    let associations = by_email(store.run_associations(run.id).unwrap());
    assert_eq!(
        associations["cy@initech.com"].error,
        Some(RowFailure::CompanyNotWritten { domain: "initech.com".into() })
    );
    // The company exists, only its update failed: the contact is associated with it all the same.
    assert_eq!(associations["ann@acme.com"].outcome, Some(hubsync_store::AssociationOutcome::Associated));
    assert_eq!(primaries(&client, &["501"]).await["501"].as_deref(), Some("7001"));
}

#[tokio::test]
async fn a_company_hubspot_refuses_fails_alone_and_its_leads_associations_say_so() {
    let portal = start(json!({
        "companyProperties": [{ "name": "vat_id", "label": "VAT ID", "type": "string", "fieldType": "text",
                                "hasUniqueValue": true }],
        "companies": [{ "id": "7010", "properties": { "name": "Other", "domain": "other.org", "vat_id": "DE1" } }]
    }))
    .await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    company_rules(&mut store, true);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    store.add_field("vat", None, FieldType::Text, &[]).unwrap();
    store.set_company_mapping("vat_id", MappingSource::Lead, "vat", None).unwrap();
    for (email, vat) in [("a1@alpha.org", "DE1"), ("a2@alpha.org", ""), ("b1@beta.org", "DE2"), ("c1@gamma.org", "DE3")]
    {
        store.add_lead(email, &[("vat", vat), ("company", "Co")]).unwrap();
    }
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(prepared.companies.as_ref().unwrap().create, 3, "the plan can't know the value is taken");
    let before = portal.last_seq().await;
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    // One contact upsert, one company create (a 207 naming the refused input), one association batch.
    assert_eq!(served_since(&portal, before).await, 3);
    let companies = by_domain(store.run_companies(run.id).unwrap());
    assert_eq!(companies["alpha.org"].outcome, Some(ItemOutcome::Failed));
    assert!(companies["alpha.org"].error.as_ref().unwrap().to_string().contains("HubSpot refused it"));
    assert_eq!(
        (companies["beta.org"].outcome, companies["gamma.org"].outcome),
        (Some(ItemOutcome::Created), Some(ItemOutcome::Created))
    );
    let associations = by_email(store.run_associations(run.id).unwrap());
    for email in ["a1@alpha.org", "a2@alpha.org"] {
        assert_eq!(associations[email].error, Some(RowFailure::CompanyNotWritten { domain: "alpha.org".into() }));
    }
    assert_eq!(associations["b1@beta.org"].outcome, Some(hubsync_store::AssociationOutcome::Associated));
    assert!(companies_with(&portal, "alpha.org").await.is_empty());
}

/// Company rules on; a lead of a known contact and company (acme.com), and a new one of a new
/// company (fresh.io).
fn a_known_and_a_new_company(store: &mut Store) {
    company_rules(store, true);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    store.add_lead("ann@acme.com", &[("company", "Acme")]).unwrap();
    store.add_lead("new@fresh.io", &[("company", "Fresh")]).unwrap();
}

/// A push that stopped after its contacts, its company create sent but its reply lost (as a
/// crash or a dropped connection leaves it), resumed by another process: the create is found by
/// its domain once search's lag has passed, never made twice, and the associations follow.
#[tokio::test]
async fn a_push_cut_off_between_its_contacts_and_its_associations_resumes_without_a_second_company() {
    let portal = start(the_fixture()).await;
    portal.control(reqwest::Method::PUT, "/settings", json!({ "searchVisibilityDelayMs": 200 })).await;
    let client = portal.client(fast());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hubsync.db");
    let mut store = configured(Store::open(&path, std::sync::Arc::new(SystemClock)).unwrap(), &portal);
    a_known_and_a_new_company(&mut store);
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();

    let lost_replies = json!({ "dropAfter": 1.0, "paths": ["/objects/companies/batch/create"] });
    portal.control(reqwest::Method::PUT, "/faults", lost_replies).await;
    let once = portal.client_trying(fast(), 1);
    let run =
        run_push(&mut store, &once, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Interrupted);
    assert_eq!((run.counts.pending, run.counts.created, run.counts.updated), (0, 1, 1), "the contacts are written");
    let counts = store.run_company_counts(run.id).unwrap();
    assert_eq!((counts.pending, counts.association_pending), (1, 2), "the company and associations wait");
    assert_eq!(companies_with(&portal, "fresh.io").await.len(), 1, "the create landed all the same");
    drop(store);

    portal.control(reqwest::Method::PUT, "/faults", json!({})).await;
    let mut store = Store::open(&path, std::sync::Arc::new(SystemClock)).unwrap();
    let options = PushOptions { search_lag: Duration::from_millis(800), ..PushOptions::default() };
    let connected = Some(portal.sandbox.portal_id());
    let run =
        resume_push(&mut store, &client, run.id, connected, &options, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    let made = companies_with(&portal, "fresh.io").await;
    assert_eq!(made.len(), 1, "no second company");
    let made_id = made[0]["id"].as_str().unwrap().to_string();
    let companies = by_domain(store.run_companies(run.id).unwrap());
    assert_eq!(
        (companies["fresh.io"].outcome, companies["fresh.io"].company_id.clone()),
        (Some(ItemOutcome::Created), Some(made_id.clone())),
        "the company it made, found by its domain"
    );
    let new_contact = portal.contacts().await["new@fresh.io"]["id"].as_str().unwrap().to_string();
    let now = primaries(&client, &["501", &new_contact]).await;
    assert_eq!((now["501"].as_deref(), now[&new_contact].clone()), (Some("7001"), Some(made_id)));
    assert_eq!(store.run_company_counts(run.id).unwrap().associated, 2);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// A store of `portal` with the company rules on (creating companies), pushes updating and
/// creating contacts, and `leads` leads `lead{i}@d{i % domains}.net`, each with company
/// `D{i % domains}`.
fn store_of_domain_leads(portal: &Portal, leads: usize, domains: usize) -> Store {
    let mut store = store_for(portal);
    company_rules(&mut store, true);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    let rows: Vec<hubsync_store::LeadRow> = (0..leads)
        .map(|i| hubsync_store::LeadRow {
            row: i + 1,
            email: format!("lead{i}@d{}.net", i % domains),
            values: vec![("company".into(), format!("D{}", i % domains))],
        })
        .collect();
    store.import_leads(&rows, hubsync_store::ImportOptions::default()).unwrap();
    store
}

/// 250 leads over 150 domains, 120 of them with contacts, 60 domains with companies: the
/// preview's reads and the run's writes are each at their floor, and the estimate says so.
#[tokio::test]
async fn a_push_of_many_companies_reads_and_writes_at_the_floor() {
    let contacts: Vec<Value> = (0..120)
        .map(
            |i| json!({ "id": (5000 + i).to_string(), "properties": { "email": format!("lead{i}@d{}.net", i % 150) } }),
        )
        .collect();
    let companies: Vec<Value> = (0..60)
        .map(|d| json!({ "id": (8000 + d).to_string(), "properties": { "name": format!("D{d}"), "domain": format!("d{d}.net") } }))
        .collect();
    let portal = start(json!({ "contacts": contacts, "companies": companies })).await;
    let client = portal.client(fast());
    let mut store = store_of_domain_leads(&portal, 250, 150);

    let seq = portal.last_seq().await;
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let counts = prepared.companies.clone().unwrap();
    assert_eq!((counts.create, counts.unchanged, counts.associate), (90, 60, 250));
    let estimate = prepared.plan.estimate.clone();
    // ceil(150 domains / 100) searches, ceil(120 contacts / 100) association reads.
    assert_eq!(estimate.company_read_calls, 2 + 2);
    // ceil(90 / 100) creates, no update, ceil(250 / 100) association batches.
    assert_eq!(estimate.company_write_calls, 1 + 3);
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    let counts = store.run_company_counts(run.id).unwrap();
    assert_eq!((counts.created, counts.associated), (90, 250));
    assert_eq!(served_since(&portal, seq).await, estimate.api_calls, "{estimate:?}");
}

/// What a push of many companies plans at `concurrency` reads in flight, and the calls its
/// preparation made (sorted, as several in flight land in any order). 420 leads over 350
/// domains, 320 of them with contacts (some associated already, some with another primary
/// company); 300 domains have companies (20 of them two: the newer is chosen unless the older is
/// linked), and 250 local companies are linked to HubSpot companies, 20 of those gone from
/// HubSpot, so the linked reads (3), the searches (2) and the contacts' reads (4) each take more
/// batches than two reads in flight hold.
async fn many_companies_planned(concurrency: usize) -> (Vec<RunCompany>, Vec<RunAssociation>, Vec<String>, u64) {
    let contacts: Vec<Value> = (0..320)
        .map(|i| json!({ "id": (5000 + i).to_string(), "properties": { "email": format!("lead{i}@d{i}.net") } }))
        .collect();
    let mut companies: Vec<Value> = (0..300)
        .map(|d| json!({ "id": (8000 + d).to_string(), "properties": { "name": format!("D{d}"), "domain": format!("d{d}.net") },
                        "updatedAt": "2026-02-01T00:00:00Z" }))
        .collect();
    companies.extend((0..10).chain(260..270).map(|d| {
        json!({ "id": (9000 + d).to_string(), "properties": { "name": format!("D{d} (newer)"), "domain": format!("d{d}.net") },
                "updatedAt": "2026-03-01T00:00:00Z" })
    }));
    let mut associations: Vec<Value> =
        (0..40).map(|i| primary_of(&(5000 + i).to_string(), &(8000 + i).to_string())).collect();
    associations.extend((40..60).map(|i| primary_of(&(5000 + i).to_string(), "8299")));
    let portal = start(json!({ "contacts": contacts, "companies": companies, "associations": associations })).await;
    let client = portal.client(fast());
    let mut store = store_of_domain_leads(&portal, 420, 350);
    for d in 0..250 {
        let local = store.upsert_company(&format!("d{d}.net"), &[("city", "Springfield")]).unwrap();
        let hubspot_id = if d < 230 { 8000 + d } else { 70_000 + d };
        store.link_company(portal.sandbox.portal_id(), local.id, &hubspot_id.to_string(), None).unwrap();
    }

    let seq = portal.last_seq().await;
    let options = PushOptions { concurrency, ..PushOptions::default() };
    let prepared = prepare_push(&mut store, &client, &options, &Cancel::default(), &mut quiet).await.unwrap();
    let log = portal.control(reqwest::Method::GET, &format!("/requests?since={seq}"), Value::Null).await;
    let mut calls: Vec<String> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["method"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .collect();
    calls.sort();
    let run_id = prepared.plan.run_id;
    (
        store.run_companies(run_id).unwrap(),
        store.run_associations(run_id).unwrap(),
        calls,
        prepared.plan.estimate.company_read_calls,
    )
}

/// Reading the companies two batches at a time plans exactly what reading them one at a time
/// plans, row for row, from the same calls, each kind of read at its floor.
#[tokio::test]
async fn a_push_reading_its_companies_several_batches_at_once_plans_what_one_at_a_time_plans() {
    let (companies, associations, calls, company_reads) = many_companies_planned(2).await;
    let one_at_a_time = many_companies_planned(1).await;

    // 3 reads of linked companies, 2 searches (100 unlinked domains, 20 linked ones gone),
    // 4 reads of the 320 contacts' companies.
    assert_eq!(company_reads, 3 + 2 + 4);
    let searches = calls.iter().filter(|c| c.ends_with("/companies/search")).count();
    assert_eq!(searches, 2, "{calls:?}");
    assert_eq!((companies.len(), associations.len()), (350, 420));
    let counted = |action: RunAction| companies.iter().filter(|c| c.action == action).count();
    assert_eq!(counted(RunAction::Create), 50, "the domains no company has");
    let company_of = |domain: &str| companies.iter().find(|c| c.domain == domain).and_then(|c| c.company_id.clone());
    assert_eq!(company_of("d5.net").as_deref(), Some("8005"), "linked, though a newer one has its domain");
    assert_eq!(company_of("d240.net").as_deref(), Some("8240"), "its linked one gone, found by its domain");
    assert_eq!(company_of("d265.net").as_deref(), Some("9265"), "the newer of two found");
    let already = associations.iter().filter(|a| reason_code(a).as_deref() == Some("already-associated")).count();
    assert_eq!(already, 40);
    let replacing = associations.iter().filter(|a| a.previous_primary.as_deref() == Some("8299")).count();
    assert_eq!(replacing, 20);
    assert_eq!((companies, associations, calls, company_reads), one_at_a_time);
}

/// The daily limit reached at the company creates: the run stops with them pending, and, as
/// HubSpot made none, `runs resume` sends them again at once instead of waiting out search's lag
/// to look for them.
#[tokio::test]
async fn creates_the_daily_limit_refused_are_sent_again_on_resume_without_waiting_to_look_for_them() {
    let portal = start(the_fixture()).await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    a_known_and_a_new_company(&mut store);
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    // Two calls left today: the contacts' update and upsert land, then the cap.
    portal.control(reqwest::Method::PUT, "/rate-limits", json!({ "enabled": true })).await;
    let limits = portal.control(reqwest::Method::GET, "/rate-limits", Value::Null).await;
    let cap = limits["dailyLimit"].as_u64().unwrap();
    portal.control(reqwest::Method::PUT, "/rate-limits", json!({ "dailyUsed": cap - 2 })).await;
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.status, run.counts.updated, run.counts.created), (RunStatus::Interrupted, 1, 1));
    assert!(run.stop_reason.as_deref().unwrap().contains("daily"), "{:?}", run.stop_reason);
    assert!(companies_with(&portal, "fresh.io").await.is_empty());

    portal.control(reqwest::Method::PUT, "/rate-limits", json!({ "dailyUsed": 0 })).await;
    // The default lag is 10 minutes: a resume that waited it out would not end in time.
    let (options, cancel, mut progress) = (PushOptions::default(), Cancel::default(), quiet);
    let resumed = resume_push(&mut store, &client, run.id, None, &options, &cancel, &mut progress);
    let run = tokio::time::timeout(Duration::from_secs(60), resumed).await.expect("no wait").unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(companies_with(&portal, "fresh.io").await.len(), 1);
    assert_eq!(store.run_company_counts(run.id).unwrap().associated, 2);
}

/// A domain's company takes a lead field's value from its most recently changed lead that has
/// one, and notes when its other leads hold another; leads that agree, or leave it blank, leave
/// no note.
#[tokio::test]
async fn a_company_notes_when_its_leads_disagree_on_a_value_it_takes_from_them() {
    let portal = start(json!({ "contacts": [] })).await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    company_rules(&mut store, true);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    for (email, company) in [
        ("ann@differ.io", "Differ Ltd"),
        ("bo@differ.io", "Differ Limited"),
        ("cy@agree.io", "Agree"),
        ("dee@agree.io", "Agree"),
        ("eve@agree.io", ""),
    ] {
        let values: Vec<(&str, &str)> = if company.is_empty() { vec![] } else { vec![("company", company)] };
        store.add_lead(email, &values).unwrap();
    }
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let preview = record_preview(&mut store, &prepared).unwrap();
    let companies = by_domain(store.run_companies(preview).unwrap());

    let differ = &companies["differ.io"];
    assert_eq!(differ.action, RunAction::Create);
    let name = differ.changes.iter().find(|c| c.property == "name").and_then(|c| c.after.clone());
    assert_eq!(name.as_deref(), Some("Differ Limited"), "the later lead's value");
    assert_eq!(differ.notes, [CompanyNote::LeadValuesDiffer { field: "company".into(), email: "bo@differ.io".into() }]);
    let agree = &companies["agree.io"];
    let name = agree.changes.iter().find(|c| c.property == "name").and_then(|c| c.after.clone());
    assert_eq!((name.as_deref(), agree.notes.as_slice()), (Some("Agree"), &[][..]));
}
