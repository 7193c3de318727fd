//! Associations v4 (and v3 on object reads and creates): one association per pair of records,
//! read from both sides with each side's type ids, a single primary company that moves, paging
//! per record, archives, 207 bodies, records that are missing or archived, and scopes.

use hubsync_sandbox::{Fixture, FixtureAssociation, FixtureAssociationType, FixtureRecord, ObjectType, PrivateToken};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Portal, Reply, assert_error, start, start_with};

const CONTACTS_ONLY: &str = "pat-na1-contacts-only";
const READ_EVERYTHING: &str = "pat-na1-read-everything";

async fn create(portal: &Portal, object: &str, properties: Value) -> u64 {
    let reply = portal.post(&format!("/crm/v3/objects/{object}"), json!({ "properties": properties })).await;
    assert_eq!(reply.status, 201, "create {object}: {}", reply.text);
    reply.body["id"].as_str().unwrap().parse().unwrap()
}

async fn contact(portal: &Portal, email: &str) -> u64 {
    create(portal, "contacts", json!({ "email": email })).await
}

async fn company(portal: &Portal, name: &str) -> u64 {
    create(portal, "companies", json!({ "name": name, "domain": format!("{}.example.com", name.to_lowercase()) })).await
}

async fn deal(portal: &Portal, name: &str) -> u64 {
    create(portal, "deals", json!({ "dealname": name, "pipeline": "default", "dealstage": "qualifiedtobuy" })).await
}

fn types(ids: &[u32]) -> Value {
    Value::Array(
        ids.iter().map(|id| json!({ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": id })).collect(),
    )
}

async fn put(portal: &Portal, path: &str, body: Option<Value>) -> Reply {
    portal.send(Method::PUT, path, body, Some(&portal.token)).await
}

/// What a per-record read of `from`'s associations of `to` lists.
async fn page(portal: &Portal, from: &str, id: u64, to: &str) -> Vec<(u64, Vec<u64>)> {
    let reply = portal.get(&format!("/crm/v4/objects/{from}/{id}/associations/{to}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    targets(&reply.body["results"])
}

async fn batch_read(portal: &Portal, from: &str, to: &str, inputs: Value) -> Reply {
    portal.post(&format!("/crm/v4/associations/{from}/{to}/batch/read"), json!({ "inputs": inputs })).await
}

/// `(toObjectId, [typeId…])` of one batch-read result or per-record page.
fn targets(items: &Value) -> Vec<(u64, Vec<u64>)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let ids = item["associationTypes"].as_array().unwrap().iter().map(|t| t["typeId"].as_u64().unwrap());
            (item["toObjectId"].as_u64().expect("toObjectId is a JSON number, as HubSpot sends it"), ids.collect())
        })
        .collect()
}

#[tokio::test]
async fn one_association_read_from_both_sides_with_each_sides_type_ids() {
    let portal = start(0).await;
    let (ann, acme) = (contact(&portal, "ann@acme.example.com").await, company(&portal, "Acme").await);
    let created = portal
        .post(
            "/crm/v4/associations/contacts/companies/batch/create",
            json!({ "inputs": [{ "from": { "id": ann.to_string() }, "to": { "id": acme.to_string() }, "types": types(&[1]) }] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["status"], "COMPLETE");
    assert_eq!(
        created.body["results"],
        json!([{
            "fromObjectTypeId": "0-1", "fromObjectId": ann, "toObjectTypeId": "0-2", "toObjectId": acme, "labels": ["Primary"],
        }])
    );

    let from_contact = batch_read(&portal, "contacts", "companies", json!([{ "id": ann.to_string() }])).await;
    assert_eq!(from_contact.status, 200, "{}", from_contact.text);
    let result = &from_contact.body["results"][0];
    assert_eq!(result["from"]["id"], ann.to_string());
    assert!(result.get("paging").is_none(), "no paging on the last page");
    assert_eq!(
        result["to"][0]["associationTypes"],
        json!([
            { "category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary" },
            { "category": "HUBSPOT_DEFINED", "typeId": 279, "label": null },
        ])
    );
    // The same association seen from the company, under every name HubSpot gives the types.
    for (from, to) in [("companies", "contacts"), ("company", "contact"), ("0-2", "0-1")] {
        let reply = batch_read(&portal, from, to, json!([{ "id": acme }])).await;
        assert_eq!(targets(&reply.body["results"][0]["to"]), [(ann, vec![2, 280])], "{from}→{to}: {}", reply.text);
    }
    let dated = portal
        .post("/crm/associations/2026-03/company/contact/batch/read", json!({ "inputs": [{ "id": acme.to_string() }] }))
        .await;
    assert_eq!(
        dated.body["results"],
        batch_read(&portal, "companies", "contacts", json!([{ "id": acme }])).await.body["results"]
    );

    let stored = portal.control(Method::GET, "/associations", None).await;
    assert_eq!(stored.body["results"].as_array().unwrap().len(), 1, "stored once per pair: {}", stored.text);
}

#[tokio::test]
async fn a_primary_company_moves_and_the_old_one_stays_unlabelled() {
    let portal = start(0).await;
    let ann = contact(&portal, "ann@example.com").await;
    let (acme, globex) = (company(&portal, "Acme").await, company(&portal, "Globex").await);
    let first =
        put(&portal, &format!("/crm/v4/objects/contacts/{ann}/associations/companies/{acme}"), Some(types(&[1]))).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["labels"], json!(["Primary"]));
    let second = put(
        &portal,
        &format!("/crm/v4/objects/contacts/{ann}/associations/companies/{globex}"),
        Some(types(&[1, 279])),
    )
    .await;
    assert_eq!(second.status, 201, "{}", second.text);
    assert_eq!(page(&portal, "contact", ann, "company").await, [(acme, vec![279]), (globex, vec![1, 279])]);
    assert_eq!(page(&portal, "companies", acme, "contacts").await, [(ann, vec![280])]);

    // A deal's primary company works the same way, with its own ids.
    let big = deal(&portal, "Big deal").await;
    for (company, ids) in [(acme, vec![5]), (globex, vec![341])] {
        let reply = portal
            .post(
                "/crm/v4/associations/deals/companies/batch/create",
                json!({ "inputs": [{ "from": { "id": big.to_string() }, "to": { "id": company.to_string() }, "types": types(&ids) }] }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    assert_eq!(page(&portal, "companies", acme, "deals").await, [(big, vec![6, 342])]);
    assert_eq!(page(&portal, "0-3", big, "0-2").await, [(acme, vec![5, 341]), (globex, vec![341])]);

    // Contacts and deals have one type each way.
    let reply =
        put(&portal, &format!("/crm/v4/objects/deals/{big}/associations/contacts/{ann}"), Some(types(&[3]))).await;
    assert_eq!((reply.status, reply.body["labels"].clone()), (201, json!([])), "{}", reply.text);
    assert_eq!(page(&portal, "contacts", ann, "deals").await, [(big, vec![4])]);
}

#[tokio::test]
async fn batch_reads_page_per_record_and_per_record_reads_page_by_limit() {
    let portal = start(0).await;
    let (big, small) = (company(&portal, "Big").await, company(&portal, "Small").await);
    let contacts: Vec<Value> = (0..1_100)
        .map(|i| json!({ "id": (50_000 + i).to_string(), "properties": { "email": format!("c{i}@big.example.com") } }))
        .collect();
    let mut associations: Vec<Value> = (0..1_100)
        .map(|i| {
            json!({ "fromObjectType": "companies", "fromObjectId": big.to_string(), "toObjectType": "contacts",
                          "toObjectId": (50_000 + i).to_string() })
        })
        .collect();
    associations.extend((0..3).map(|i| {
        json!({ "fromObjectType": "0-1", "fromObjectId": (50_000 + i).to_string(), "toObjectType": "0-2", "toObjectId": small })
    }));
    let loaded = portal
        .control(Method::POST, "/fixture", Some(json!({ "contacts": contacts, "associations": associations })))
        .await;
    assert_eq!(loaded.status, 200, "{}", loaded.text);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut big_input = json!({ "id": big.to_string() });
        if let Some(after) = &after {
            big_input["after"] = json!(after);
        }
        let reply = batch_read(&portal, "companies", "contacts", json!([big_input, { "id": small.to_string() }])).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let results = reply.body["results"].as_array().unwrap();
        let result_of = |id: u64| results.iter().find(|r| r["from"]["id"].as_str() == Some(id.to_string().as_str()));
        let (big_result, small_result) = (result_of(big).unwrap(), result_of(small).unwrap());
        assert_eq!(targets(&small_result["to"]).len(), 3, "each record pages on its own");
        assert!(small_result.get("paging").is_none());
        seen.extend(targets(&big_result["to"]).into_iter().map(|(id, _)| id));
        pages += 1;
        match big_result["paging"]["next"]["after"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!((pages, seen.len()), (3, 1_100));
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in id order, none twice");

    let mut paged = Vec::new();
    let mut path = format!("/crm/v4/objects/companies/{big}/associations/contacts?limit=300");
    loop {
        let reply = portal.get(&path).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        paged.extend(targets(&reply.body["results"]).into_iter().map(|(id, _)| id));
        let Some(next) = reply.body["paging"]["next"]["after"].as_str() else { break };
        assert!(reply.body["paging"]["next"]["link"].as_str().unwrap().contains(&format!("after={next}")));
        path = format!("/crm/v4/objects/companies/{big}/associations/contacts?limit=300&after={next}");
    }
    assert_eq!(paged, seen);
    assert_eq!(
        portal.get(&format!("/crm/v4/objects/companies/{big}/associations/contacts")).await.body["results"]
            .as_array()
            .unwrap()
            .len(),
        500,
        "500 by default"
    );
    assert_error(
        &portal.get(&format!("/crm/v4/objects/companies/{big}/associations/contacts?limit=501")).await,
        400,
        "VALIDATION_ERROR",
    );
    assert_error(
        &portal.get(&format!("/crm/v4/objects/companies/{big}/associations/contacts?after=xyz")).await,
        400,
        "VALIDATION_ERROR",
    );
}

#[tokio::test]
async fn records_without_associations_and_bad_ids_are_207_errors() {
    let portal = start(0).await;
    let (ann, bob, acme) = (
        contact(&portal, "ann@example.com").await,
        contact(&portal, "bob@example.com").await,
        company(&portal, "Acme").await,
    );
    portal.sandbox.associate((ObjectType::Contact, ann), (ObjectType::Company, acme), false).unwrap();
    let reply = batch_read(
        &portal,
        "contacts",
        "companies",
        json!([{ "id": ann }, { "id": bob.to_string() }, { "id": "abc" }]),
    )
    .await;
    assert_eq!(reply.status, 207, "{}", reply.text);
    assert_eq!((reply.body["status"].clone(), reply.body["numErrors"].clone()), (json!("COMPLETE"), json!(2)));
    assert_eq!(reply.body["results"].as_array().unwrap().len(), 1);
    let errors = reply.body["errors"].as_array().unwrap();
    let none = errors.iter().find(|e| e["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND").expect(&reply.text);
    assert_eq!(none["status"], "error");
    assert_eq!(none["category"], "OBJECT_NOT_FOUND");
    assert_eq!(none["message"], format!("No company is associated with contact {bob}."));
    assert_eq!(
        none["context"],
        json!({ "fromObjectId": [bob.to_string()], "fromObjectType": ["contact"], "toObjectType": ["company"] })
    );
    let bad = errors.iter().find(|e| e["subCategory"] == "crm.associations.INVALID_IDENTIFIER").expect(&reply.text);
    assert_eq!(bad["category"], "VALIDATION_ERROR");

    let nothing = batch_read(&portal, "contacts", "companies", json!([{ "id": bob }, { "id": "999999" }])).await;
    assert_eq!(
        (nothing.status, nothing.body["results"].clone(), nothing.body["numErrors"].clone()),
        (207, json!([]), json!(2))
    );

    let many: Vec<Value> = (0..1_001).map(|i| json!({ "id": i.to_string() })).collect();
    let most = batch_read(&portal, "contacts", "companies", Value::Array(many[..1_000].to_vec())).await;
    assert_eq!((most.status, most.body["numErrors"].clone()), (207, json!(1_000)), "1,000 inputs are taken");
    assert_error(&batch_read(&portal, "contacts", "companies", Value::Array(many)).await, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn archives_remove_every_type_and_label_archives_the_given_ones() {
    let portal = start(0).await;
    let (ann, bob) = (contact(&portal, "ann@example.com").await, contact(&portal, "bob@example.com").await);
    let acme = company(&portal, "Acme").await;
    for who in [ann, bob] {
        portal.sandbox.associate((ObjectType::Contact, who), (ObjectType::Company, acme), true).unwrap();
    }
    assert_eq!(page(&portal, "contacts", ann, "companies").await, [(acme, vec![1, 279])]);

    // Taking the primary label away leaves the association, unlabelled.
    let body = json!({ "inputs": [{ "from": { "id": ann.to_string() }, "to": { "id": acme.to_string() }, "types": types(&[1]) }] });
    let reply = portal.post("/crm/v4/associations/contacts/companies/batch/labels/archive", body).await;
    assert_eq!((reply.status, reply.text.as_str()), (204, ""));
    assert_eq!(page(&portal, "contacts", ann, "companies").await, [(acme, vec![279])]);
    // Taking the unlabelled type away takes the association.
    let body = json!({ "inputs": [{ "from": { "id": ann.to_string() }, "to": { "id": acme.to_string() }, "types": types(&[279]) }] });
    let dated = portal.post("/crm/associations/2026-03/contacts/companies/batch/labels/archive", body).await;
    assert_eq!((dated.status, dated.body["status"].as_str()), (200, Some("COMPLETE")), "{}", dated.text);
    assert!(page(&portal, "contacts", ann, "companies").await.is_empty());

    // A batch archive removes every type, from either side; unknown pairs are ignored.
    let body = json!({ "inputs": [{ "from": { "id": acme.to_string() }, "to": [{ "id": bob.to_string() }, { "id": "424242" }] }] });
    let reply = portal.post("/crm/v4/associations/companies/contacts/batch/archive", body).await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(page(&portal, "contacts", bob, "companies").await.is_empty());
    assert_eq!(portal.control(Method::GET, "/associations", None).await.body["results"], json!([]));

    portal.sandbox.associate((ObjectType::Contact, bob), (ObjectType::Company, acme), false).unwrap();
    let dated = portal
        .post(
            "/crm/associations/2026-03/contacts/companies/batch/archive",
            json!({ "inputs": [{ "from": { "id": bob }, "to": [{ "id": acme }] }] }),
        )
        .await;
    assert_eq!((dated.status, dated.body["results"].clone()), (200, json!([])), "{}", dated.text);
    assert!(page(&portal, "contacts", bob, "companies").await.is_empty());

    portal.sandbox.associate((ObjectType::Contact, bob), (ObjectType::Company, acme), true).unwrap();
    let deleted = portal.delete(&format!("/crm/v4/objects/companies/{acme}/associations/contacts/{bob}")).await;
    assert_eq!(deleted.status, 204);
    assert!(page(&portal, "contacts", bob, "companies").await.is_empty());
    let again = portal.delete(&format!("/crm/objects/2026-03/contacts/{bob}/associations/companies/{acme}")).await;
    assert_eq!(again.status, 204, "deleting what is not there is no error: {}", again.text);
}

#[tokio::test]
async fn default_associations_are_the_unlabelled_type() {
    let portal = start(0).await;
    let (ann, acme, big) =
        (contact(&portal, "ann@example.com").await, company(&portal, "Acme").await, deal(&portal, "Big").await);
    let reply = portal
        .post(
            "/crm/v4/associations/deal/company/batch/associate/default",
            json!({ "inputs": [{ "from": { "id": big.to_string() }, "to": { "id": acme.to_string() } }] }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.body["results"],
        json!([{
            "from": { "id": big.to_string() }, "to": { "id": acme.to_string() },
            "associationSpec": { "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341 },
        }])
    );
    let single = put(&portal, &format!("/crm/v4/objects/contacts/{ann}/associations/default/deals/{big}"), None).await;
    assert_eq!(single.status, 200, "{}", single.text);
    assert_eq!(single.body["results"][0]["associationSpec"]["associationTypeId"], 4);
    let dated =
        put(&portal, &format!("/crm/objects/2026-03/contacts/{ann}/associations/default/companies/{acme}"), None).await;
    assert_eq!(dated.status, 200, "{}", dated.text);
    assert_eq!(page(&portal, "companies", acme, "contacts").await, [(ann, vec![280])]);
    assert_eq!(page(&portal, "deals", big, "contacts").await, [(ann, vec![3])]);
    let same_type = portal
        .post(
            "/crm/v4/associations/contacts/contacts/batch/associate/default",
            json!({ "inputs": [{ "from": { "id": ann }, "to": { "id": ann } }] }),
        )
        .await;
    assert_error(&same_type, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn missing_archived_and_wrongly_typed_writes_are_refused() {
    let portal = start(0).await;
    let (ann, gone) = (contact(&portal, "ann@example.com").await, contact(&portal, "gone@example.com").await);
    let acme = company(&portal, "Acme").await;
    assert_eq!(portal.delete(&format!("/crm/v3/objects/contacts/{gone}")).await.status, 204);

    let inputs = json!([
        { "from": { "id": ann.to_string() }, "to": { "id": acme.to_string() }, "types": types(&[279]) },
        { "from": { "id": gone.to_string() }, "to": { "id": acme.to_string() }, "types": types(&[279]) },
        { "from": { "id": ann.to_string() }, "to": { "id": "999999" }, "types": types(&[279]) },
        { "from": { "id": ann.to_string() }, "to": { "id": acme.to_string() }, "types": types(&[4]) },
    ]);
    let reply = portal.post("/crm/v4/associations/contacts/companies/batch/create", json!({ "inputs": inputs })).await;
    assert_eq!(reply.status, 207, "{}", reply.text);
    assert_eq!(reply.body["results"].as_array().unwrap().len(), 1, "the good input is made");
    let errors = reply.body["errors"].as_array().unwrap();
    let categories: Vec<&str> = errors.iter().map(|e| e["category"].as_str().unwrap()).collect();
    assert_eq!(categories, ["OBJECT_NOT_FOUND", "OBJECT_NOT_FOUND", "VALIDATION_ERROR"], "{}", reply.text);
    assert_eq!(errors[2]["subCategory"], "crm.associations.INVALID_ASSOCIATION_TYPE");
    assert_eq!(errors[2]["message"], "4 is not a valid association type between CONTACT and COMPANY");

    assert_error(
        &put(&portal, &format!("/crm/v4/objects/contacts/{gone}/associations/companies/{acme}"), Some(types(&[279])))
            .await,
        404,
        "OBJECT_NOT_FOUND",
    );
    assert_error(
        &put(&portal, &format!("/crm/v4/objects/contacts/{ann}/associations/default/companies/999999"), None).await,
        404,
        "OBJECT_NOT_FOUND",
    );
    let wrong =
        put(&portal, &format!("/crm/v4/objects/contacts/{ann}/associations/companies/{acme}"), Some(types(&[280])))
            .await;
    assert_error(&wrong, 400, "VALIDATION_ERROR");
    assert_eq!(wrong.body["subCategory"], "crm.associations.INVALID_ASSOCIATION_TYPE");
    let user_defined = json!([{ "associationCategory": "USER_DEFINED", "associationTypeId": 279 }]);
    assert_error(
        &put(&portal, &format!("/crm/v4/objects/contacts/{ann}/associations/companies/{acme}"), Some(user_defined))
            .await,
        400,
        "VALIDATION_ERROR",
    );
    assert_error(
        &put(&portal, &format!("/crm/v4/objects/contacts/{ann}/associations/companies/{acme}"), None).await,
        400,
        "VALIDATION_ERROR",
    );
    assert_error(
        &put(&portal, &format!("/crm/v4/objects/contacts/x1/associations/companies/{acme}"), Some(types(&[279]))).await,
        400,
        "VALIDATION_ERROR",
    );

    let unknown = batch_read(&portal, "contacts", "tickets", json!([{ "id": ann }])).await;
    assert_eq!(
        (unknown.status, unknown.body["message"].as_str()),
        (400, Some("Unable to infer object type from: tickets"))
    );
}

#[tokio::test]
async fn archived_records_drop_out_of_association_reads() {
    let portal = start(0).await;
    let (ann, bob) = (contact(&portal, "ann@example.com").await, contact(&portal, "bob@example.com").await);
    let acme = company(&portal, "Acme").await;
    for who in [ann, bob] {
        portal.sandbox.associate((ObjectType::Contact, who), (ObjectType::Company, acme), true).unwrap();
    }
    assert_eq!(portal.delete(&format!("/crm/v3/objects/contacts/{ann}")).await.status, 204);
    assert_eq!(
        page(&portal, "companies", acme, "contacts").await,
        [(bob, vec![2, 280])],
        "the archived contact is left out"
    );
    let from_ann = batch_read(&portal, "contacts", "companies", json!([{ "id": ann }])).await;
    assert_eq!(
        from_ann.body["errors"][0]["subCategory"], "crm.associations.NO_ASSOCIATIONS_FOUND",
        "{}",
        from_ann.text
    );
    assert_eq!(portal.sandbox.associated((ObjectType::Company, acme), ObjectType::Contact), [bob]);
    // The store keeps it: a restored record would have it back.
    assert_eq!(portal.control(Method::GET, "/associations", None).await.body["results"].as_array().unwrap().len(), 2);

    assert_eq!(portal.delete(&format!("/crm/v3/objects/companies/{acme}")).await.status, 204);
    let nothing = batch_read(&portal, "contacts", "companies", json!([{ "id": bob }])).await;
    assert_eq!((nothing.status, nothing.body["results"].clone()), (207, json!([])));
}

#[tokio::test]
async fn labels_list_each_directions_types() {
    let portal = start(0).await;
    let reply = portal.get("/crm/v4/associations/contact/company/labels").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.body["results"],
        json!([
            { "category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary" },
            { "category": "HUBSPOT_DEFINED", "typeId": 279, "label": null },
        ])
    );
    for (path, ids) in [
        ("/crm/v4/associations/companies/contacts/labels", vec![2, 280]),
        ("/crm/v4/associations/deals/contacts/labels", vec![3]),
        ("/crm/v4/associations/contacts/deals/labels", vec![4]),
        ("/crm/associations/2026-03/deals/companies/labels", vec![5, 341]),
        ("/crm/associations/v4/0-2/0-3/labels", vec![6, 342]),
    ] {
        let reply = portal.get(path).await;
        let got: Vec<u64> = reply.body["results"]
            .as_array()
            .expect(&reply.text)
            .iter()
            .map(|t| t["typeId"].as_u64().unwrap())
            .collect();
        assert_eq!(got, ids, "{path}");
    }
}

#[tokio::test]
async fn reads_need_both_read_scopes_and_writes_the_from_types_write_scope() {
    let portal = start_with(0, |config| {
        config.private_tokens.push(PrivateToken {
            token: CONTACTS_ONLY.into(),
            scopes: vec!["crm.objects.contacts.read".into(), "crm.objects.contacts.write".into()],
        });
        config.private_tokens.push(PrivateToken {
            token: READ_EVERYTHING.into(),
            scopes: ["contacts", "companies", "deals"].iter().map(|t| format!("crm.objects.{t}.read")).collect(),
        });
    })
    .await;
    let (ann, acme) = (contact(&portal, "ann@example.com").await, company(&portal, "Acme").await);
    let read = json!({ "inputs": [{ "id": ann }] });
    let refused = portal
        .send(
            Method::POST,
            "/crm/v4/associations/contacts/companies/batch/read",
            Some(read.clone()),
            Some(CONTACTS_ONLY),
        )
        .await;
    assert_error(&refused, 403, "MISSING_SCOPES");
    assert_eq!(refused.body["errors"][0]["context"]["requiredGranularScopes"], json!(["crm.objects.companies.read"]));

    let create = json!({ "inputs": [{ "from": { "id": ann }, "to": { "id": acme }, "types": types(&[279]) }] });
    let path = "/crm/v4/associations/contacts/companies/batch/create";
    assert_eq!(
        portal.send(Method::POST, path, Some(create.clone()), Some(CONTACTS_ONLY)).await.status,
        201,
        "the from type's write scope suffices"
    );
    let reader = portal
        .send(
            Method::POST,
            "/crm/v4/associations/companies/contacts/batch/archive",
            Some(json!({ "inputs": [] })),
            Some(READ_EVERYTHING),
        )
        .await;
    assert_error(&reader, 403, "MISSING_SCOPES");
    assert_eq!(reader.body["errors"][0]["context"]["requiredGranularScopes"], json!(["crm.objects.companies.write"]));
    let reads = portal
        .send(Method::POST, "/crm/v4/associations/contacts/companies/batch/read", Some(read), Some(READ_EVERYTHING))
        .await;
    assert_eq!(reads.status, 200, "{}", reads.text);
    let page = portal
        .send(
            Method::GET,
            &format!("/crm/v4/objects/companies/{acme}/associations/contacts"),
            None,
            Some(CONTACTS_ONLY),
        )
        .await;
    assert_error(&page, 403, "MISSING_SCOPES");
}

#[tokio::test]
async fn v3_creates_take_associations_and_reads_list_them() {
    let portal = start(0).await;
    let (acme, globex, big) =
        (company(&portal, "Acme").await, company(&portal, "Globex").await, deal(&portal, "Big").await);
    let created = portal
        .post(
            "/crm/v3/objects/contacts",
            json!({
                "properties": { "email": "ann@acme.example.com" },
                "associations": [
                    { "to": { "id": acme.to_string() }, "types": types(&[1]) },
                    { "to": { "id": globex }, "types": types(&[279]) },
                    { "to": { "id": big.to_string() }, "types": types(&[4]) },
                ],
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let ann: u64 = created.body["id"].as_str().unwrap().parse().unwrap();

    let read = portal.get(&format!("/crm/v3/objects/contacts/{ann}?associations=companies,deals")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(
        read.body["associations"]["companies"]["results"],
        json!([
            { "id": acme.to_string(), "type": "contact_to_company" },
            { "id": acme.to_string(), "type": "contact_to_company_unlabeled" },
            { "id": globex.to_string(), "type": "contact_to_company_unlabeled" },
        ])
    );
    assert_eq!(
        read.body["associations"]["deals"]["results"],
        json!([{ "id": big.to_string(), "type": "contact_to_deal" }])
    );
    let plain = portal.get(&format!("/crm/v3/objects/contacts/{ann}")).await;
    assert!(plain.body.get("associations").is_none(), "only when asked: {}", plain.text);
    let unknown = portal.get(&format!("/crm/v3/objects/contacts/{ann}?associations=tickets")).await;
    assert!(unknown.body.get("associations").is_none(), "unknown types are left out: {}", unknown.text);
    let listed = portal.get("/crm/objects/2026-03/companies?associations=contacts&limit=100").await;
    let acme_record = listed.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"].as_str() == Some(acme.to_string().as_str()))
        .expect(&listed.text);
    assert_eq!(
        acme_record["associations"]["contacts"]["results"],
        json!([
            { "id": ann.to_string(), "type": "company_to_contact" },
            { "id": ann.to_string(), "type": "company_to_contact_unlabeled" },
        ])
    );

    let batch = portal
        .post("/crm/v3/objects/deals/batch/create", json!({ "inputs": [{
            "properties": { "dealname": "Bigger" },
            "associations": [{ "to": { "id": acme.to_string() }, "types": types(&[5]) }, { "to": { "id": ann.to_string() }, "types": types(&[3]) }],
        }] }))
        .await;
    assert_eq!(batch.status, 201, "{}", batch.text);
    let bigger: u64 = batch.body["results"][0]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(page(&portal, "deals", bigger, "companies").await, [(acme, vec![5, 341])]);

    // An association to a record that is not there refuses the whole create.
    let before = portal.all_contacts().await.len();
    let refused = portal
        .post(
            "/crm/v3/objects/contacts",
            json!({
                "properties": { "email": "bob@example.com" },
                "associations": [{ "to": { "id": "999999" }, "types": types(&[279]) }],
            }),
        )
        .await;
    assert_error(&refused, 400, "VALIDATION_ERROR");
    let wrong_type = portal
        .post(
            "/crm/v3/objects/contacts",
            json!({
                "properties": { "email": "bob@example.com" },
                "associations": [{ "to": { "id": acme }, "types": types(&[3]) }],
            }),
        )
        .await;
    assert_error(&wrong_type, 400, "VALIDATION_ERROR");
    assert_eq!(portal.all_contacts().await.len(), before, "nothing was created");
}

/// The dated per-record routes share their prefix with the object routes
/// (`/crm/objects/2026-03/contacts/{id}`): both must answer.
#[tokio::test]
async fn per_record_routes_live_beside_the_object_routes() {
    let portal = start(0).await;
    let ann = contact(&portal, "ann@example.com").await;
    for path in [
        format!("/crm/objects/2026-03/contacts/{ann}/associations/companies"),
        format!("/crm/objects/2026-09/0-1/{ann}/associations/0-2"),
        format!("/crm/v4/objects/contacts/{ann}/associations/deals"),
        // A record that is not there has nothing associated.
        "/crm/v4/objects/contacts/424242/associations/companies".to_string(),
    ] {
        let reply = portal.get(&path).await;
        assert_eq!((reply.status, reply.body.clone()), (200, json!({ "results": [] })), "{path}: {}", reply.text);
    }
    assert_eq!(portal.get(&format!("/crm/objects/2026-03/contacts/{ann}")).await.status, 200);
    let counted = portal.counters().await;
    assert!(
        counted["requests"]["GET /crm/objects/2026-03/{objectType}/{objectId}/associations/{toObjectType}"].as_u64()
            == Some(1),
        "counted by its route: {counted}"
    );
}

#[tokio::test]
async fn associations_and_pipelines_survive_a_restart_with_a_db_file() {
    let dir = std::env::temp_dir().join(format!("hubsync-sandbox-test-{}-associations-db", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("portal.db");
    let first = start_with(0, |config| config.db_path = Some(db.clone())).await;
    let (ann, acme) = (contact(&first, "ann@example.com").await, company(&first, "Acme").await);
    let globex = company(&first, "Globex").await;
    for (company, ids) in [(acme, [1]), (globex, [1])] {
        let reply =
            put(&first, &format!("/crm/v4/objects/contacts/{ann}/associations/companies/{company}"), Some(types(&ids)))
                .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let renamed = json!({ "id": "default", "label": "Sales Pipeline", "stages": [
        { "id": "closedwon", "label": "Signed", "metadata": { "probability": "1.0" } } ] });
    assert_eq!(first.control(Method::PUT, "/pipelines/deals", Some(renamed)).await.status, 200);
    first.sandbox.shutdown().await;

    let second = start_with(0, |config| config.db_path = Some(db.clone())).await;
    assert_eq!(page(&second, "contacts", ann, "companies").await, [(acme, vec![279]), (globex, vec![1, 279])]);
    assert_eq!(second.get("/crm/v3/pipelines/deals/default/stages/closedwon").await.body["label"], "Signed");
    assert_eq!(second.get("/crm/v3/pipelines/deals").await.body["results"].as_array().unwrap().len(), 2);
    second.sandbox.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_seeded_portal_associates_contacts_companies_and_deals() {
    let portal = start(300).await;
    let contacts = portal.all_contacts().await;
    let companies = portal.control(Method::GET, "/companies", None).await.body["results"].as_array().unwrap().clone();
    let with_email: Vec<&Value> = contacts.iter().filter(|c| c["properties"]["email"].is_string()).take(100).collect();
    let inputs: Vec<Value> = with_email.iter().map(|c| json!({ "id": c["id"] })).collect();
    let reply = batch_read(&portal, "contacts", "companies", Value::Array(inputs)).await;
    assert_eq!((reply.status, reply.body["results"].as_array().unwrap().len()), (200, 100), "{}", reply.text);
    for result in reply.body["results"].as_array().unwrap() {
        let contact = with_email.iter().find(|c| c["id"] == result["from"]["id"]).unwrap();
        let email = contact["properties"]["email"].as_str().unwrap().to_lowercase();
        let primary: Vec<u64> =
            targets(&result["to"]).into_iter().filter(|(_, t)| t.contains(&1)).map(|(id, _)| id).collect();
        assert_eq!(primary.len(), 1, "{result}");
        let company = companies.iter().find(|c| c["id"].as_str() == Some(primary[0].to_string().as_str())).unwrap();
        assert!(email.ends_with(&format!("@{}", company["properties"]["domain"].as_str().unwrap())), "{email}");
    }
    let deals = portal.control(Method::GET, "/deals", None).await.body["results"].as_array().unwrap().clone();
    assert!(!deals.is_empty());
    for deal in &deals {
        let id: u64 = deal["id"].as_str().unwrap().parse().unwrap();
        let companies = page(&portal, "deals", id, "companies").await;
        assert!(companies.iter().any(|(_, types)| types == &vec![5, 341]), "deal {id}: {companies:?}");
        assert!(!page(&portal, "deals", id, "contacts").await.is_empty(), "deal {id} has contacts");
    }

    // The same seed gives the same associations.
    let first = portal.control(Method::GET, "/associations", None).await.body;
    assert_eq!(portal.control(Method::POST, "/reset", Some(json!({}))).await.status, 200);
    assert_eq!(portal.control(Method::GET, "/associations", None).await.body, first);
}

#[tokio::test]
async fn fixtures_and_in_process_calls_set_associations_up() {
    let portal = start(0).await;
    let fixture = json!({
        "contacts": [{ "id": "7001", "properties": { "email": "ann@acme.example.com" } }],
        "companies": [{ "id": "8001", "properties": { "name": "Acme", "domain": "acme.example.com" } }],
        "deals": [{ "id": "9001", "properties": { "dealname": "Acme renewal", "pipeline": "1467091", "dealstage": "2710548" } }],
        "associations": [
            { "fromObjectType": "contacts", "fromObjectId": "7001", "toObjectType": "companies", "toObjectId": "8001",
              "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1 }] },
            { "fromObjectType": "deal", "fromObjectId": 9001, "toObjectType": "0-1", "toObjectId": "7001" },
        ],
    });
    let loaded = portal.control(Method::POST, "/fixture", Some(fixture)).await;
    assert_eq!(loaded.status, 200, "{}", loaded.text);
    assert_eq!(page(&portal, "contacts", 7001, "companies").await, [(8001, vec![1, 279])]);
    assert_eq!(page(&portal, "contacts", 7001, "deals").await, [(9001, vec![4])]);

    // A fixture whose association names nothing, or a type of the other direction, changes nothing.
    for association in [
        json!({ "fromObjectType": "contacts", "fromObjectId": "7001", "toObjectType": "companies", "toObjectId": "404" }),
        json!({ "fromObjectType": "contacts", "fromObjectId": "7001", "toObjectType": "companies", "toObjectId": "8001",
                "types": [{ "associationTypeId": 280 }] }),
        json!({ "fromObjectType": "tickets", "fromObjectId": "1", "toObjectType": "companies", "toObjectId": "8001" }),
    ] {
        let fixture = json!({ "contacts": [{ "id": "7002", "properties": { "email": "bob@example.com" } }], "associations": [association] });
        assert_error(&portal.control(Method::POST, "/fixture", Some(fixture)).await, 400, "VALIDATION_ERROR");
        assert_eq!(portal.get("/crm/v3/objects/contacts/7002").await.status, 404, "nothing applied");
    }

    let sandbox = &portal.sandbox;
    let (ann, acme, renewal) = ((ObjectType::Contact, 7001), (ObjectType::Company, 8001), (ObjectType::Deal, 9001));
    sandbox.associate(renewal, acme, true).expect("a deal takes a primary company");
    assert_eq!(sandbox.associated(acme, ObjectType::Deal), [9001]);
    assert!(sandbox.associate(ann, renewal, true).is_err(), "a contact is no deal's primary");
    assert!(sandbox.associate(ann, (ObjectType::Contact, 7001), false).is_err(), "no contact-to-contact");
    assert!(sandbox.associate(ann, (ObjectType::Company, 404), false).is_err(), "no record, no association");
}

#[tokio::test]
async fn v3_association_reads_need_the_read_scope_of_each_type_asked_for() {
    let portal = start_with(0, |config| {
        config
            .private_tokens
            .push(PrivateToken { token: CONTACTS_ONLY.into(), scopes: vec!["crm.objects.contacts.read".into()] });
    })
    .await;
    let ann = contact(&portal, "ann@example.com").await;
    let path = format!("/crm/v3/objects/contacts/{ann}?associations=companies");
    let refused = portal.send(Method::GET, &path, None, Some(CONTACTS_ONLY)).await;
    assert_error(&refused, 403, "MISSING_SCOPES");
    assert_eq!(refused.body["errors"][0]["context"]["requiredGranularScopes"], json!(["crm.objects.companies.read"]));
    let plain = portal.send(Method::GET, &format!("/crm/v3/objects/contacts/{ann}"), None, Some(CONTACTS_ONLY)).await;
    assert_eq!(plain.status, 200);
}

/// 2026-03 answers as v4 (201, 207); from 2026-09 on, batch creates and reads answer 200, errors
/// or not (HubSpot's spec for that version declares nothing else), so a client must read
/// `numErrors` whatever the status.
#[tokio::test]
async fn dated_versions_answer_with_their_statuses() {
    let portal = start(0).await;
    let (ann, bob, acme) = (
        contact(&portal, "ann@example.com").await,
        contact(&portal, "bob@example.com").await,
        company(&portal, "Acme").await,
    );
    let create = json!({ "inputs": [{ "from": { "id": ann }, "to": { "id": acme }, "types": types(&[279]) }] });
    let read = json!({ "inputs": [{ "id": ann }, { "id": bob }] });
    for (version, created, partial) in [("2026-03", 201, 207), ("2026-09", 200, 200)] {
        let reply =
            portal.post(&format!("/crm/associations/{version}/contacts/companies/batch/create"), create.clone()).await;
        assert_eq!(reply.status, created, "{version}: {}", reply.text);
        let reply =
            portal.post(&format!("/crm/associations/{version}/contacts/companies/batch/read"), read.clone()).await;
        assert_eq!((reply.status, reply.body["numErrors"].clone()), (partial, json!(1)), "{version}: {}", reply.text);
        let reply = portal
            .post(&format!("/crm/associations/{version}/contacts/companies/batch/archive"), json!({ "inputs": [] }))
            .await;
        assert_eq!(reply.status, 200, "{version}");
    }
}

/// What a Rust client test writes: the portal's records and associations in its configuration.
#[tokio::test]
async fn a_fixture_built_in_code_starts_a_portal_with_associations() {
    let record = |id: &str, properties: Value| FixtureRecord {
        id: Some(id.into()),
        properties: properties.as_object().cloned().unwrap_or_default(),
        ..Default::default()
    };
    let fixture = Fixture {
        contacts: vec![record("7001", json!({ "email": "ann@acme.example.com" }))],
        companies: vec![record("8001", json!({ "name": "Acme", "domain": "acme.example.com" }))],
        deals: vec![record("9001", json!({ "dealname": "Acme renewal" }))],
        associations: vec![
            FixtureAssociation {
                from_object_type: "contacts".into(),
                from_object_id: json!("7001"),
                to_object_type: "companies".into(),
                to_object_id: json!("8001"),
                types: vec![FixtureAssociationType { association_category: None, association_type_id: 1 }],
            },
            FixtureAssociation {
                from_object_type: "deals".into(),
                from_object_id: json!("9001"),
                to_object_type: "companies".into(),
                to_object_id: json!("8001"),
                types: vec![],
            },
        ],
        ..Default::default()
    };
    let portal = start_with(0, |config| config.fixture = Some(fixture)).await;
    assert_eq!(page(&portal, "companies", 8001, "contacts").await, [(7001, vec![2, 280])]);
    assert_eq!(page(&portal, "companies", 8001, "deals").await, [(9001, vec![342])]);
    assert_eq!(portal.sandbox.associated((ObjectType::Deal, 9001), ObjectType::Company), [8001]);
}
