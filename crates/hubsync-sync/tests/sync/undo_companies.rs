//! An undo of a push that wrote companies and associations, against the sandbox portal: the
//! company values it overwrote put back, the companies it created archived (or kept), the
//! associations it made taken back with the previous primary company primary again; a company
//! or a primary changed since flagged and left alone unless forced; and an undo cut off
//! mid-way resumed to land each write once. Each checked by reading the sandbox back.

use std::collections::BTreeMap;

use hubsync_hubspot::{AssociationInput, AssociationType, HubSpotClient, ObjectType, type_ids};
use hubsync_sandbox::{Fixture, SandboxConfig};
use hubsync_store::{
    AssociationAction, AssociationReason, CompanyNote, CompanyReason, ItemOutcome, MappingSource, RunAction,
    RunAssociation, RunCompany, RunStatus, Store, SystemClock,
};
use hubsync_sync::{Cancel, PushOptions, UndoOptions, prepare_push, prepare_undo, resume_undo, run_push, run_undo};
use serde_json::{Value, json};

use crate::push::{Portal, configured, fast, quiet, store_for};

/// Ann's contact has no company; Cy's has Old Co as its primary and Initech's domain, which
/// HubSpot lacks; Dee is new, and so is her company.
fn fixture() -> Value {
    json!({
        "contacts": [
            { "id": "501", "properties": { "email": "ann@acme.com" } },
            { "id": "503", "properties": { "email": "cy@initech.com" } }
        ],
        "companies": [
            { "id": "7001", "properties": { "name": "Acme", "domain": "acme.com", "city": "Shelbyville" } },
            { "id": "7005", "properties": { "name": "Old Co", "domain": "old.example" } }
        ],
        "associations": [{
            "fromObjectType": "contacts", "fromObjectId": "503", "toObjectType": "companies", "toObjectId": "7005",
            "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_ids::CONTACT_TO_COMPANY_PRIMARY }]
        }]
    })
}

async fn start() -> Portal {
    let fixture = Fixture::from_json(&fixture().to_string()).unwrap();
    Portal::start_with(SandboxConfig { fixture: Some(fixture), ..SandboxConfig::default() }).await
}

fn leads(store: &mut Store) {
    store.set_push_rules(Some(true), Some(true)).unwrap();
    store.set_company_push_rules(Some(true), Some(true)).unwrap();
    store.set_company_mapping("city", MappingSource::Company, "city", None).unwrap();
    store.upsert_company("acme.com", &[("city", "Springfield")]).unwrap();
    store.add_lead("ann@acme.com", &[]).unwrap();
    store.add_lead("cy@initech.com", &[]).unwrap();
    store.add_lead("dee@newco.io", &[]).unwrap();
}

/// Pushes the leads: Acme's city updated, Initech and NewCo created, every contact associated.
async fn pushed(portal: &Portal, store: &mut Store, client: &HubSpotClient) -> i64 {
    leads(store);
    let options = PushOptions::default();
    let prepared = prepare_push(store, client, &options, &Cancel::default(), &mut quiet).await.unwrap();
    let run = run_push(store, client, prepared, &options, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    let counts = store.run_company_counts(run.id).unwrap();
    assert_eq!((counts.updated, counts.created, counts.associated), (1, 2, 3));
    assert_eq!(primary(client, "503").await.as_deref(), Some(company_id(portal, "initech.com").await.as_str()));
    run.id
}

async fn companies(portal: &Portal) -> Vec<Value> {
    let all = portal.control(reqwest::Method::GET, "/companies", Value::Null).await;
    all["results"].as_array().unwrap().clone()
}

/// The id of the company with `domain` (archived or not).
async fn company_id(portal: &Portal, domain: &str) -> String {
    let all = companies(portal).await;
    let found = all.iter().find(|c| c["properties"]["domain"] == json!(domain)).unwrap();
    found["id"].as_str().unwrap().to_string()
}

async fn archived(portal: &Portal, id: &str) -> bool {
    companies(portal).await.iter().any(|c| c["id"] == json!(id) && c["archived"] == json!(true))
}

async fn city(client: &HubSpotClient, id: &str) -> Option<String> {
    let read = client.batch_read_companies(&[id.to_string()], &["city".into()]).await.unwrap();
    read.results[0].get("city").filter(|v| !v.is_empty()).map(String::from)
}

/// The contact's companies now: (company, primary?).
async fn associated(client: &HubSpotClient, contact: &str) -> Vec<(String, bool)> {
    let read =
        client.read_associations(ObjectType::Contacts, ObjectType::Companies, &[contact.to_string()]).await.unwrap();
    let mut found: Vec<(String, bool)> = read
        .associated(contact)
        .iter()
        .map(|a| (a.to_object_id.clone(), a.has_type(type_ids::CONTACT_TO_COMPANY_PRIMARY)))
        .collect();
    found.sort();
    found
}

async fn primary(client: &HubSpotClient, contact: &str) -> Option<String> {
    associated(client, contact).await.into_iter().find(|(_, p)| *p).map(|(c, _)| c)
}

fn by_domain(rows: Vec<RunCompany>) -> BTreeMap<String, RunCompany> {
    rows.into_iter().map(|r| (r.domain.clone(), r)).collect()
}

fn by_email(rows: Vec<RunAssociation>) -> BTreeMap<String, RunAssociation> {
    rows.into_iter().map(|r| (r.email.clone(), r)).collect()
}

async fn undo(store: &mut Store, client: &HubSpotClient, run_id: i64, options: UndoOptions) -> hubsync_store::Run {
    let prepared = prepare_undo(store, client, run_id, None, options, &Cancel::default(), &mut quiet).await.unwrap();
    run_undo(store, client, prepared, &options, &Cancel::default(), &mut quiet).await.unwrap()
}

#[tokio::test]
async fn an_undo_puts_company_values_back_archives_created_companies_and_restores_the_previous_primary() {
    let portal = start().await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    let push = pushed(&portal, &mut store, &client).await;
    let (initech, newco) = (company_id(&portal, "initech.com").await, company_id(&portal, "newco.io").await);
    let portal_id = portal.sandbox.portal_id();
    let initech_local = store.company_by_domain("initech.com").unwrap().unwrap().id;
    assert!(store.company_link(portal_id, initech_local).unwrap().is_some());

    let options = UndoOptions { archive_created: true, ..UndoOptions::default() };
    let prepared =
        prepare_undo(&mut store, &client, push, None, options, &Cancel::default(), &mut quiet).await.unwrap();
    let c = &prepared.counts;
    assert_eq!((c.companies.restore, c.companies.archive, c.companies.changed_since, c.companies.skip), (1, 2, 0, 0));
    let a = &c.associations;
    assert_eq!((a.unassociate, a.restore_primary, a.changed_since, a.skip), (2, 1, 0, 1), "{a:?}");
    let rows = by_email(store.run_associations(prepared.plan.run_id).unwrap());
    assert_eq!(rows["dee@newco.io"].reason, Some(AssociationReason::ContactArchived { run_id: push }));
    assert_eq!(
        (rows["cy@initech.com"].action, rows["cy@initech.com"].previous_primary.as_deref()),
        (AssociationAction::Unassociate, Some("7005"))
    );
    assert_eq!(rows["cy@initech.com"].previously_associated, Some(false), "the pair is removed");
    let acme = &by_domain(store.run_companies(prepared.plan.run_id).unwrap())["acme.com"];
    let restored: Vec<(&str, Option<&str>, Option<&str>)> =
        acme.changes.iter().map(|c| (c.property.as_str(), c.before.as_deref(), c.after.as_deref())).collect();
    assert_eq!(restored, [("city", Some("Springfield"), Some("Shelbyville"))]);
    // Contacts: none to restore; Dee archived. Companies: 1 update, 1 archive batch.
    // Associations: 1 re-primary, 1 pair archive.
    assert_eq!(prepared.plan.estimate.write_calls, 1 + 1 + 1 + 1 + 1, "{:?}", prepared.plan.estimate);

    let run = run_undo(&mut store, &client, prepared, &options, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(city(&client, "7001").await.as_deref(), Some("Shelbyville"));
    assert!(archived(&portal, &initech).await && archived(&portal, &newco).await);
    assert_eq!(associated(&client, "503").await, [("7005".to_string(), true)], "Old Co primary again");
    assert_eq!(associated(&client, "501").await, [], "Ann's association with Acme is gone");
    let counts = store.run_company_counts(run.id).unwrap();
    assert_eq!((counts.updated, counts.archived, counts.unassociated, counts.failed), (1, 2, 2, 0));
    // Locally: the archived companies are no portal's, Ann's lead has no company again.
    assert!(store.company_link(portal_id, initech_local).unwrap().is_none());
    let ann = store.leads().unwrap().into_iter().find(|l| l.email == "ann@acme.com").unwrap();
    assert!(store.lead_company(ann.id).unwrap().is_none());

    // Undone once: a second undo is refused unless forced, and forced finds everything back.
    let again = UndoOptions { force: true, archive_created: true, ..UndoOptions::default() };
    let prepared = prepare_undo(&mut store, &client, push, None, again, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(
        prepared.counts.companies.restore + prepared.counts.associations.unassociate,
        0,
        "{:?}",
        prepared.counts
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[tokio::test]
async fn an_undo_that_keeps_created_companies_still_takes_their_associations_back() {
    let portal = start().await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    let push = pushed(&portal, &mut store, &client).await;
    let (initech, newco) = (company_id(&portal, "initech.com").await, company_id(&portal, "newco.io").await);
    let dee = portal.contacts().await["dee@newco.io"]["id"].as_str().unwrap().to_string();

    let run = undo(&mut store, &client, push, UndoOptions::default()).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert!(!archived(&portal, &initech).await && !archived(&portal, &newco).await, "created companies kept");
    let rows = by_domain(store.run_companies(run.id).unwrap());
    assert_eq!(rows["newco.io"].reasons, [CompanyReason::CreatedKept { run_id: push }]);
    assert_eq!(associated(&client, "503").await, [("7005".to_string(), true)], "Initech's association is gone");
    assert_eq!(associated(&client, &dee).await, [], "the kept contact's association is taken back too");
}

#[tokio::test]
async fn a_company_or_a_primary_changed_since_is_left_alone_unless_forced() {
    let portal = start().await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    let push = pushed(&portal, &mut store, &client).await;
    // Someone edits Acme's city and makes Old Co Ann's primary company.
    let edit = vec![("7001".to_string(), BTreeMap::from([("city".to_string(), "Capital City".to_string())]))];
    client.batch_update_companies(&edit).await.unwrap();
    let input = AssociationInput {
        from_id: "501".into(),
        to_id: "7005".into(),
        types: AssociationType::primary_contact_to_company(),
    };
    client.batch_create_associations(ObjectType::Contacts, ObjectType::Companies, &[input]).await.unwrap();

    let run = undo(&mut store, &client, push, UndoOptions::default()).await;
    assert_eq!(city(&client, "7001").await.as_deref(), Some("Capital City"), "left alone");
    let acme = &by_domain(store.run_companies(run.id).unwrap())["acme.com"];
    assert_eq!(acme.action, RunAction::Skip);
    assert_eq!(acme.reasons[0], CompanyReason::ChangedSince { run_id: push });
    assert!(acme.reasons.iter().any(|r| matches!(r, CompanyReason::Drift { property, .. } if property == "city")));
    let ann = &by_email(store.run_associations(run.id).unwrap())["ann@acme.com"];
    assert_eq!(
        (ann.action, ann.reason.clone()),
        (
            AssociationAction::Skip,
            Some(AssociationReason::PrimaryChangedSince {
                now: Some("7005".into()),
                made: "7001".into(),
                run_id: push
            })
        )
    );
    assert_eq!(primary(&client, "501").await.as_deref(), Some("7005"));
    assert!(associated(&client, "501").await.contains(&("7001".to_string(), false)), "Acme left associated");
    assert_eq!(associated(&client, "503").await, [("7005".to_string(), true)], "the unchanged one is undone");

    let forced = UndoOptions { force: true, ..UndoOptions::default() };
    let run = undo(&mut store, &client, push, forced).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(city(&client, "7001").await.as_deref(), Some("Shelbyville"), "forced: put back");
    let acme = &by_domain(store.run_companies(run.id).unwrap())["acme.com"];
    assert_eq!(
        acme.notes,
        [CompanyNote::Forced {
            property: "city".into(),
            now: Some("Capital City".into()),
            wrote: Some("Springfield".into()),
            run_id: push
        }]
    );
    assert_eq!(associated(&client, "501").await, [("7005".to_string(), true)], "Acme's association removed");
}

/// An undo whose association archives lost their reply (as a crash mid-batch leaves it),
/// resumed by another process: each row lands once and the run completes.
#[tokio::test]
async fn an_undo_cut_off_mid_way_resumes_and_lands_each_write_once() {
    let portal = start().await;
    let client = portal.client(fast());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hubsync.db");
    let mut store = configured(Store::open(&path, std::sync::Arc::new(SystemClock)).unwrap(), &portal);
    let push = pushed(&portal, &mut store, &client).await;
    let options = UndoOptions { archive_created: true, ..UndoOptions::default() };
    let prepared =
        prepare_undo(&mut store, &client, push, None, options, &Cancel::default(), &mut quiet).await.unwrap();

    let lost_replies = json!({ "dropAfter": 1.0, "paths": ["/associations/contacts/companies/batch/archive"] });
    portal.control(reqwest::Method::PUT, "/faults", lost_replies).await;
    let once = portal.client_trying(fast(), 1);
    let seq = portal.last_seq().await;
    let run = run_undo(&mut store, &once, prepared, &options, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Interrupted, "{run:?}");
    assert_eq!(primary(&client, "503").await.as_deref(), Some("7005"), "the re-primary landed before the cut");
    let counts = store.run_company_counts(run.id).unwrap();
    assert_eq!((counts.association_pending, counts.pending), (2, 3), "associations, then companies, wait");
    drop(store);

    portal.control(reqwest::Method::PUT, "/faults", json!({})).await;
    let mut store = Store::open(&path, std::sync::Arc::new(SystemClock)).unwrap();
    let connected = Some(portal.sandbox.portal_id());
    let run =
        resume_undo(&mut store, &client, run.id, connected, &options, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    let counts = store.run_company_counts(run.id).unwrap();
    assert_eq!((counts.updated, counts.archived, counts.unassociated, counts.failed), (1, 2, 2, 0));
    assert_eq!(associated(&client, "503").await, [("7005".to_string(), true)]);
    assert_eq!(associated(&client, "501").await, []);
    assert_eq!(city(&client, "7001").await.as_deref(), Some("Shelbyville"));
    let writes = portal.writes_since(seq).await;
    let count = |suffix: &str| writes.iter().filter(|w| w.ends_with(suffix)).count();
    // The association writes went twice (the lost one, then the resume's, both landing as
    // once); the company writes, which follow them, once.
    assert_eq!(count("/associations/contacts/companies/batch/create"), 2, "{writes:?}");
    assert_eq!(count("/associations/contacts/companies/batch/archive"), 2, "{writes:?}");
    assert_eq!(count("/objects/companies/batch/update"), 1, "{writes:?}");
    assert_eq!(count("/objects/companies/batch/archive"), 1, "{writes:?}");
    assert!(store.run_company_counts(run.id).unwrap().pending == 0);
    for row in store.run_companies(run.id).unwrap() {
        assert!(matches!(row.outcome, Some(ItemOutcome::Updated | ItemOutcome::Archived)), "{row:?}");
    }
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
