//! Companies: the same operations as contacts under their own paths, a domain that is not unique,
//! upserts by a custom unique property, search by domain, scopes, fixtures and `--db`.

use hubsync_sandbox::{ObjectType, PrivateToken, Sandbox, SandboxConfig};
use serde_json::{Value, json};

use crate::support::{
    Portal, READ_ONLY_TOKEN, TOKEN, assert_error, property_refusals, start, start_with, start_with_token,
};

fn id(reply: &crate::support::Reply) -> String {
    reply.body["id"].as_str().expect("a record id").to_string()
}

fn ids(reply: &crate::support::Reply) -> Vec<String> {
    let mut ids: Vec<String> =
        reply.body["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn companies_are_created_read_updated_listed_and_archived_under_every_path() {
    let portal = start(0).await;
    let created = portal
        .post(
            "/crm/v3/objects/companies",
            json!({ "properties": { "name": "Acme", "domain": "acme.example.com", "city": "Boston" }, "associations": [] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let company = id(&created);
    assert_eq!(created.prop("city"), "Boston", "a create answers with every property it holds");
    assert_eq!(created.prop("hs_object_id"), company.as_str());
    assert!(created.prop("hs_lastmodifieddate").is_string(), "companies' last-modified property");
    assert!(created.body["properties"].get("lastmodifieddate").is_none());

    for path in [
        format!("/crm/v3/objects/companies/{company}"),
        format!("/crm/v3/objects/0-2/{company}"),
        format!("/crm/objects/2026-03/companies/{company}"),
        format!("/crm/objects/2026-09/0-2/{company}"),
    ] {
        let read = portal.get(&path).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text);
        let mut names: Vec<&str> = read.body["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"], "{path}");
        assert_eq!((read.body["archived"].clone(), read.prop("name").clone()), (json!(false), json!("Acme")));
    }
    let asked = portal.get(&format!("/crm/v3/objects/companies/{company}?properties=city,nope")).await;
    assert_eq!((asked.prop("city").clone(), asked.body["properties"].get("nope")), (json!("Boston"), None));

    let updated =
        portal.patch(&format!("/crm/v3/objects/0-2/{company}"), json!({ "properties": { "city": "Austin" } })).await;
    assert_eq!((updated.status, updated.prop("city").clone()), (200, json!("Austin")));
    assert_eq!(updated.prop("name"), "Acme", "an update leaves other values as they were");

    // Create-time associations must be a list when given.
    let refused = portal.post("/crm/v3/objects/companies", json!({ "properties": {}, "associations": {} })).await;
    assert_error(&refused, 400, "VALIDATION_ERROR");

    for n in 0..3 {
        portal.create_record("companies", json!({ "name": format!("Co {n}") })).await;
    }
    let first = portal.get("/crm/v3/objects/companies?limit=2&properties=name").await;
    assert_eq!(first.body["results"].as_array().unwrap().len(), 2);
    let after = first.body["paging"]["next"]["after"].as_str().unwrap().to_string();
    assert!(first.body["paging"]["next"]["link"].as_str().unwrap().contains("/crm/v3/objects/companies?after="));
    let second = portal.get(&format!("/crm/v3/objects/companies?limit=2&after={after}")).await;
    assert_eq!(second.body["results"].as_array().unwrap().len(), 2);
    assert!(second.body.get("paging").is_none(), "the last page has no next");

    let archived = portal.delete(&format!("/crm/v3/objects/companies/{company}")).await;
    assert_eq!(archived.status, 204);
    assert_error(&portal.get(&format!("/crm/v3/objects/companies/{company}")).await, 404, "OBJECT_NOT_FOUND");
    let only_archived = portal.get("/crm/v3/objects/companies?archived=true").await;
    assert_eq!(ids(&only_archived), vec![company.clone()]);
    assert_eq!(portal.get(&format!("/crm/v3/objects/companies/{company}?archived=true")).await.status, 200);
    assert_error(&portal.delete("/crm/v3/objects/companies/424242").await, 404, "OBJECT_NOT_FOUND");
    // A contact's id is not a company's.
    let contact = portal.create_contact(json!({ "email": "a@example.com" })).await;
    assert_error(&portal.get(&format!("/crm/v3/objects/companies/{}", id(&contact))).await, 404, "OBJECT_NOT_FOUND");
    assert_eq!(portal.sandbox.record_count(ObjectType::Company), 3);
}

#[tokio::test]
async fn a_domain_is_not_unique_and_cannot_key_an_update_or_upsert() {
    let portal = start(0).await;
    let first = portal.create_record("companies", json!({ "name": "Acme", "domain": "acme.example.com" })).await;
    let second = portal.create_record("companies", json!({ "name": "Acme Inc.", "domain": "acme.example.com" })).await;
    assert_ne!(id(&first), id(&second), "the same domain makes a second company, no 409");
    let batch = portal
        .post(
            "/crm/v3/objects/companies/batch/create",
            json!({ "inputs": [
                { "properties": { "name": "Acme EU", "domain": "acme.example.com" } },
                { "properties": { "name": "Acme APAC", "domain": "acme.example.com" } },
            ]}),
        )
        .await;
    assert_eq!(batch.status, 201, "{}", batch.text);
    assert_eq!(portal.all_records("companies").await.len(), 4);

    let portal_id = portal.sandbox.portal_id();
    let by_domain =
        json!({ "inputs": [{ "idProperty": "domain", "id": "acme.example.com", "properties": { "city": "Oslo" } }] });
    for op in ["upsert", "update"] {
        let reply = portal.post(&format!("/crm/v3/objects/companies/batch/{op}"), by_domain.clone()).await;
        assert_error(&reply, 400, "VALIDATION_ERROR");
        assert_eq!(
            reply.body["message"],
            format!("Unable to perform update/upsert by non-unique 0-2 property domain in portal ID {portal_id}"),
            "{op}"
        );
    }
    let batch_level = portal
        .post(
            "/crm/v3/objects/0-2/batch/upsert",
            json!({ "idProperty": "domain", "inputs": [{ "id": "acme.example.com", "properties": {} }] }),
        )
        .await;
    assert_error(&batch_level, 400, "VALIDATION_ERROR");
    assert!(portal.all_records("companies").await.iter().all(|c| c["properties"]["city"].is_null()), "nothing written");
    let read = portal
        .post(
            "/crm/v3/objects/companies/batch/read",
            json!({ "idProperty": "domain", "inputs": [{ "id": "acme.example.com" }] }),
        )
        .await;
    assert_error(&read, 400, "VALIDATION_ERROR");
    assert_error(
        &portal.get("/crm/v3/objects/companies/acme.example.com?idProperty=domain").await,
        404,
        "OBJECT_NOT_FOUND",
    );
}

#[tokio::test]
async fn a_custom_unique_property_keys_upserts_reads_and_refuses_duplicates() {
    let portal = start(0).await;
    let property = portal
        .post(
            "/crm/v3/properties/companies",
            json!({ "name": "vat_id", "label": "VAT ID", "type": "string", "fieldType": "text",
                    "groupName": "companyinformation", "hasUniqueValue": true }),
        )
        .await;
    assert_eq!((property.status, property.body["hasUniqueValue"].clone()), (201, json!(true)), "{}", property.text);

    let upsert = |city: &str| {
        json!({ "inputs": [
            { "idProperty": "vat_id", "id": "DE123", "properties": { "name": "Berlin GmbH", "city": city } },
            { "idProperty": "vat_id", "id": "FR456", "properties": { "name": "Paris SA" } },
        ]})
    };
    let created = portal.post("/crm/v3/objects/companies/batch/upsert", upsert("Berlin")).await;
    assert_eq!(created.status, 200, "{}", created.text);
    let results = created.body["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["new"] == true));
    assert_eq!(results[0]["properties"]["vat_id"], "DE123", "a new record holds its key");
    let again = portal.post("/crm/v3/objects/companies/batch/upsert", upsert("Potsdam")).await;
    let again_results = again.body["results"].as_array().unwrap();
    assert!(again_results.iter().all(|r| r["new"] == false), "{}", again.text);
    assert_eq!(again_results[0]["id"], results[0]["id"]);
    assert_eq!(again_results[0]["properties"]["city"], "Potsdam");
    assert_eq!(portal.all_records("companies").await.len(), 2);

    let berlin = results[0]["id"].as_str().unwrap();
    let by_key = portal.get("/crm/v3/objects/companies/de123?idProperty=vat_id&properties=city").await;
    assert_eq!((by_key.status, by_key.body["id"].as_str()), (200, Some(berlin)));
    let read = portal
        .post(
            "/crm/v3/objects/companies/batch/read",
            json!({ "idProperty": "vat_id", "properties": ["name"], "inputs": [{ "id": "DE123" }, { "id": "XX0" }] }),
        )
        .await;
    assert_eq!(read.status, 207, "{}", read.text);
    assert_eq!(read.body["results"][0]["properties"]["vat_id"], "DE123", "the key is echoed");
    assert_eq!(read.body["errors"][0]["context"]["ids"], json!(["XX0"]));
    assert_eq!(
        read.body["errors"][0]["message"],
        "Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid."
    );

    // Another company may not take a value a live one holds.
    let taken =
        portal.post("/crm/v3/objects/companies", json!({ "properties": { "name": "Copy", "vat_id": "DE123" } })).await;
    assert_error(&taken, 409, "CONFLICT");
    assert_eq!(taken.body["message"], format!("Company already exists. Existing ID: {berlin}"));
    let twice = portal
        .post(
            "/crm/v3/objects/companies/batch/create",
            json!({ "inputs": [{ "properties": { "vat_id": "IT1" } }, { "properties": { "vat_id": "it1" } }] }),
        )
        .await;
    assert_error(&twice, 400, "VALIDATION_ERROR");
    // A batch update may name records by it.
    let update = portal
        .post(
            "/crm/v3/objects/companies/batch/update",
            json!({ "inputs": [{ "idProperty": "vat_id", "id": "FR456", "properties": { "city": "Lyon" } }] }),
        )
        .await;
    assert_eq!((update.status, update.body["results"][0]["properties"]["city"].clone()), (200, json!("Lyon")));
    // Archived, the value is free again.
    assert_eq!(portal.delete(&format!("/crm/v3/objects/companies/{berlin}")).await.status, 204);
    portal.create_record("companies", json!({ "name": "Successor", "vat_id": "DE123" })).await;
}

#[tokio::test]
async fn company_values_are_checked_by_type_and_all_refusals_listed_together() {
    let portal = start(3).await;
    let reply = portal
        .post(
            "/crm/v3/objects/companies",
            json!({ "properties": {
                "name": "Bad Co",
                "industry": "Software",
                "numberofemployees": "1,000",
                "annualrevenue": "lots",
                "hubspot_owner_id": "999",
                "hs_object_id": "5",
                "num_associated_contacts": "3",
                "hs_lastmodifieddate": "2026-01-01T00:00:00Z",
                "favourite_colour": "blue",
            }}),
        )
        .await;
    let refused = property_refusals(&reply);
    let codes: Vec<(&str, &str)> = refused.iter().map(|(name, code, _)| (name.as_str(), code.as_str())).collect();
    for expected in [
        ("industry", "INVALID_OPTION"),
        ("numberofemployees", "INVALID_INTEGER"),
        ("annualrevenue", "INVALID_INTEGER"),
        ("hubspot_owner_id", "INVALID_OWNER_ID"),
        ("hs_object_id", "READ_ONLY_VALUE"),
        ("num_associated_contacts", "READ_ONLY_VALUE"),
        ("hs_lastmodifieddate", "READ_ONLY_VALUE"),
        ("favourite_colour", "PROPERTY_DOESNT_EXIST"),
    ] {
        assert!(codes.contains(&expected), "{expected:?} not in {codes:?}");
    }
    let industry = refused.iter().find(|(name, _, _)| name == "industry").unwrap();
    assert!(industry.2.starts_with("Software was not one of the allowed options: [ACCOUNTING, "), "{}", industry.2);
    assert!(portal.all_records("companies").await.iter().all(|c| c["properties"]["name"] != "Bad Co"));

    let good = portal
        .create_record(
            "companies",
            json!({ "name": "Good Co", "industry": "COMPUTER_SOFTWARE", "numberofemployees": "1000",
                    "annualrevenue": "2500000.50", "hubspot_owner_id": "101", "lifecyclestage": "customer",
                    "hs_additional_domains": "good.example.org;good.example.net" }),
        )
        .await;
    // The lifecycle stage only moves forward, as a contact's does.
    let back = portal
        .patch(
            &format!("/crm/v3/objects/companies/{}", id(&good)),
            json!({ "properties": { "lifecyclestage": "lead" } }),
        )
        .await;
    assert_eq!(back.prop("lifecyclestage"), "customer");
}

#[tokio::test]
async fn batches_answer_per_input_where_hubspot_does() {
    let portal = start(0).await;
    let traced = portal
        .post(
            "/crm/v3/objects/companies/batch/create",
            json!({ "inputs": [
                { "properties": { "name": "One", "domain": "one.example.com" }, "objectWriteTraceId": "a" },
                { "properties": { "name": "Two", "industry": "Nope" }, "objectWriteTraceId": "b" },
                { "properties": { "name": "Three" }, "objectWriteTraceId": "c", "associations": [] },
            ]}),
        )
        .await;
    assert_eq!(traced.status, 207, "{}", traced.text);
    let names: Vec<&str> =
        traced.body["results"].as_array().unwrap().iter().map(|r| r["properties"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["One", "Three"], "one bad company does not fail the others");
    assert_eq!(traced.body["numErrors"], 1);
    assert_eq!(traced.body["errors"][0]["category"], "VALIDATION_ERROR");
    assert_eq!(traced.body["errors"][0]["context"]["objectWriteTraceId"], json!(["b"]));
    assert_eq!(traced.body["results"][0]["objectWriteTraceId"], "a");

    // Without trace ids a bad input sinks the batch, as for contacts.
    let whole = portal
        .post(
            "/crm/v3/objects/companies/batch/create",
            json!({ "inputs": [{ "properties": { "name": "Four" } }, { "properties": { "numberofemployees": "x" } }] }),
        )
        .await;
    assert_error(&whole, 400, "VALIDATION_ERROR");
    assert_eq!(portal.all_records("companies").await.len(), 2);

    let existing: Vec<String> =
        traced.body["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    let update = portal
        .post(
            "/crm/v3/objects/companies/batch/update",
            json!({ "inputs": [
                { "id": existing[0], "properties": { "city": "Bergen" } },
                { "id": "999", "properties": { "city": "Nowhere" } },
            ]}),
        )
        .await;
    assert_eq!(update.status, 207, "{}", update.text);
    assert_eq!(update.body["results"][0]["properties"]["city"], "Bergen");
    assert_eq!(update.body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(update.body["errors"][0]["context"]["ids"], json!(["999"]));

    let read = portal
        .post(
            "/crm/v3/objects/companies/batch/read",
            json!({ "properties": ["city"], "inputs": [{ "id": existing[0] }, { "id": existing[1] }] }),
        )
        .await;
    assert_eq!((read.status, read.body["results"].as_array().unwrap().len()), (200, 2));

    let too_many: Vec<Value> = (0..101).map(|i| json!({ "properties": { "name": format!("n{i}") } })).collect();
    assert_error(
        &portal.post("/crm/v3/objects/companies/batch/create", json!({ "inputs": too_many })).await,
        400,
        "VALIDATION_ERROR",
    );
    let archive = portal
        .post(
            "/crm/v3/objects/companies/batch/archive",
            json!({ "inputs": [{ "id": existing[0] }, { "id": existing[1] }, { "id": "999" }] }),
        )
        .await;
    assert_eq!(archive.status, 204);
    assert_eq!(portal.sandbox.record_count(ObjectType::Company), 0);
}

async fn search_names(portal: &Portal, body: Value) -> Vec<String> {
    let reply = portal.post("/crm/v3/objects/companies/search", body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn by(property: &str, operator: &str, extra: Value) -> Value {
    let mut filter = json!({ "propertyName": property, "operator": operator });
    filter.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    json!({ "filterGroups": [{ "filters": [filter] }], "sorts": [{ "propertyName": "name", "direction": "ASCENDING" }] })
}

#[tokio::test]
async fn search_finds_companies_by_domain_with_eq_and_lowercase_in() {
    let portal = start(0).await;
    for (name, domain, employees) in [
        ("Acme", "acme.example.com", "50"),
        ("Acme Inc.", "acme.example.com", "500"),
        ("Beta", "beta.example.io", "5"),
        ("Gamma", "Gamma.Example.COM", "5000"),
    ] {
        portal
            .create_record("companies", json!({ "name": name, "domain": domain, "numberofemployees": employees }))
            .await;
    }
    portal.create_contact(json!({ "email": "x@acme.example.com", "company": "Acme" })).await;

    assert_eq!(
        search_names(&portal, by("domain", "EQ", json!({ "value": "acme.example.com" }))).await,
        ["Acme", "Acme Inc."]
    );
    assert_eq!(
        search_names(&portal, by("domain", "EQ", json!({ "value": "ACME.example.com" }))).await,
        ["Acme", "Acme Inc."],
        "EQ on a string ignores case"
    );
    assert_eq!(
        search_names(&portal, by("domain", "IN", json!({ "values": ["acme.example.com", "gamma.example.com"] }))).await,
        ["Acme", "Acme Inc.", "Gamma"]
    );
    assert!(
        search_names(&portal, by("domain", "IN", json!({ "values": ["ACME.EXAMPLE.COM"] }))).await.is_empty(),
        "IN values must be lowercase"
    );
    assert_eq!(
        search_names(&portal, by("numberofemployees", "GTE", json!({ "value": "500" }))).await,
        ["Acme Inc.", "Gamma"]
    );
    assert_eq!(
        search_names(&portal, by("domain", "CONTAINS_TOKEN", json!({ "value": "*.example.io" }))).await,
        ["Beta"]
    );
    assert_eq!(
        search_names(
            &portal,
            json!({ "query": "acme", "sorts": [{ "propertyName": "name", "direction": "DESCENDING" }] })
        )
        .await,
        ["Acme Inc.", "Acme"]
    );
    assert_error(
        &portal.post("/crm/v3/objects/companies/search", by("email", "EQ", json!({ "value": "x" }))).await,
        400,
        "VALIDATION_ERROR",
    );

    let page = portal.post("/crm/v3/objects/companies/search", json!({ "limit": 3, "sorts": ["name"] })).await;
    assert_eq!((page.body["total"].clone(), page.body["paging"]["next"]["after"].clone()), (json!(4), json!("3")));
    let mut names: Vec<&str> =
        page.body["results"][0]["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"]);
    assert_error(
        &portal.post("/crm/v3/objects/companies/search", json!({ "after": "10000" })).await,
        400,
        "VALIDATION_ERROR",
    );
}

#[tokio::test]
async fn a_new_company_reaches_search_after_the_portals_delay() {
    let portal = start_with(0, |config| config.search_visibility_delay_ms = 60_000).await;
    portal.create_record("companies", json!({ "name": "Late", "domain": "late.example.com" })).await;
    let eq = by("domain", "EQ", json!({ "value": "late.example.com" }));
    assert!(search_names(&portal, eq.clone()).await.is_empty(), "search lags the write");
    portal.sandbox.advance_clock(chrono::Duration::seconds(61));
    assert_eq!(search_names(&portal, eq).await, ["Late"]);
}

#[tokio::test]
async fn companies_need_the_companies_scopes() {
    const COMPANIES_READ: &str = "pat-na1-companies-read";
    let portal = start_with_token(COMPANIES_READ, &["crm.objects.companies.read"]).await;
    let company = id(&portal.create_record("companies", json!({ "name": "Scoped" })).await);
    use reqwest::Method;
    let read = json!(["crm.objects.companies.read"]);
    let write = json!(["crm.objects.companies.write"]);
    let properties = json!(["crm.objects.companies.read", "crm.schemas.companies.read"]);
    let routes: Vec<(Method, String, Option<Value>, &Value)> = vec![
        (Method::GET, "/crm/v3/objects/companies".into(), None, &read),
        (Method::GET, format!("/crm/v3/objects/0-2/{company}"), None, &read),
        (Method::POST, "/crm/v3/objects/companies/search".into(), Some(json!({})), &read),
        (Method::POST, "/crm/objects/2026-03/companies/batch/read".into(), Some(json!({ "inputs": [] })), &read),
        (Method::POST, "/crm/v3/objects/companies".into(), Some(json!({ "properties": {} })), &write),
        (Method::DELETE, format!("/crm/v3/objects/companies/{company}"), None, &write),
        (Method::GET, "/crm/v3/properties/companies".into(), None, &properties),
        (Method::GET, "/crm/properties/2026-03/0-2/domain".into(), None, &properties),
    ];
    for (method, path, body, scopes) in &routes {
        let reply = portal.send(method.clone(), path, body.clone(), Some(READ_ONLY_TOKEN)).await;
        assert_error(&reply, 403, "MISSING_SCOPES");
        assert_eq!(&reply.body["errors"][0]["context"]["requiredGranularScopes"], *scopes, "{method} {path}");
    }
    // The companies read scope reads companies and their properties, but writes nothing and
    // reads no contacts.
    assert_eq!(portal.send(Method::GET, "/crm/v3/objects/companies", None, Some(COMPANIES_READ)).await.status, 200);
    assert_eq!(portal.send(Method::GET, "/crm/v3/properties/companies", None, Some(COMPANIES_READ)).await.status, 200);
    let write_refused = portal
        .send(
            Method::PATCH,
            &format!("/crm/v3/objects/companies/{company}"),
            Some(json!({ "properties": {} })),
            Some(COMPANIES_READ),
        )
        .await;
    assert_eq!(write_refused.body["errors"][0]["context"]["requiredGranularScopes"], write);
    assert_error(
        &portal.send(Method::GET, "/crm/v3/objects/contacts", None, Some(COMPANIES_READ)).await,
        403,
        "MISSING_SCOPES",
    );
}

#[tokio::test]
async fn seeded_companies_match_the_contacts_domains_and_two_share_a_domain() {
    let portal = start(40).await;
    let companies = portal.all_records("companies").await;
    let domains: Vec<String> =
        companies.iter().map(|c| c["properties"]["domain"].as_str().unwrap().to_string()).collect();
    for contact in portal.all_contacts().await {
        let Some(email) = contact["properties"]["email"].as_str() else { continue };
        let domain = email.rsplit_once('@').unwrap().1.to_lowercase();
        assert!(domains.contains(&domain), "no company for {domain}");
    }
    for company in &companies {
        let p = &company["properties"];
        assert!(p["name"].is_string() && p["city"].is_string() && p["country"].is_string(), "{company}");
    }
    let shared = search_names(&portal, by("domain", "EQ", json!({ "value": "nimbuscloud.example.com" }))).await;
    assert_eq!(shared, ["Nimbus Cloud", "Nimbus Cloud Inc."]);
    let software = search_names(&portal, by("industry", "EQ", json!({ "value": "COMPUTER_SOFTWARE" }))).await;
    assert!(software.contains(&"Delta Analytics".to_string()), "{software:?}");
    // The same seed gives the same companies.
    let again = start(40).await;
    assert_eq!(again.all_records("companies").await.len(), companies.len());
    assert_eq!(
        again.all_records("companies").await[3]["properties"]["numberofemployees"],
        companies[3]["properties"]["numberofemployees"]
    );
    // No contacts, no demo companies.
    assert!(start(0).await.all_records("companies").await.is_empty());
}

#[tokio::test]
async fn fixtures_and_the_control_api_set_up_companies_and_deals() {
    let portal = start(0).await;
    let fixture = json!({
        "companyProperties": [{ "name": "region_code", "label": "Region", "type": "enumeration", "fieldType": "select",
                                "options": [{ "label": "North", "value": "n" }] }],
        "companies": [
            { "id": "77", "properties": { "name": "Fixture Co", "domain": "fixture.example.com", "region_code": "n" } },
            { "properties": { "name": "Old Co" }, "archived": true },
        ],
        "deals": [{ "properties": { "dealname": "Fixture deal", "dealstage": "closedwon", "amount": "100" } }],
    });
    let loaded = portal.control(reqwest::Method::POST, "/fixture", Some(fixture.clone())).await;
    assert_eq!(loaded.status, 200, "{}", loaded.text);
    assert_eq!((loaded.body["companies"].clone(), loaded.body["deals"].clone()), (json!(1), json!(1)));
    let company = portal.get("/crm/v3/objects/companies/77?properties=region_code").await;
    assert_eq!(company.prop("region_code"), "n");
    let deals = portal.all_records("deals").await;
    assert_eq!(deals[0]["properties"]["pipeline"], "default");
    assert_eq!(deals[0]["properties"]["hs_is_closed_won"], "true");
    assert_eq!(portal.all_records("companies").await.len(), 2, "the dump holds archived records too");

    // A fixture with one bad record changes nothing.
    let bad = json!({
        "companies": [{ "properties": { "name": "Fine" } }],
        "deals": [{ "properties": { "dealname": "Bad", "dealstage": "won" } }],
    });
    let refused = portal.control(reqwest::Method::POST, "/fixture", Some(bad)).await;
    assert_error(&refused, 400, "VALIDATION_ERROR");
    assert!(refused.body["message"].as_str().unwrap().starts_with("deal #0: "), "{}", refused.text);
    assert_eq!(portal.sandbox.record_count(ObjectType::Company), 1);
    let taken = portal.control(reqwest::Method::POST, "/fixture", Some(json!({ "companies": [{ "id": "77" }] }))).await;
    assert!(taken.body["message"].as_str().unwrap().contains("company #0: id 77 is already used"), "{}", taken.text);

    let replaced = portal
        .control(
            reqwest::Method::POST,
            "/fixture?replace=true",
            Some(json!({ "companies": [{ "properties": { "name": "Only" } }] })),
        )
        .await;
    assert_eq!((replaced.body["companies"].clone(), replaced.body["deals"].clone()), (json!(1), json!(0)));
    let health = portal.control(reqwest::Method::GET, "/health", None).await;
    assert_eq!((health.body["companies"].clone(), health.body["contacts"].clone()), (json!(1), json!(0)));
    let reset = portal.control(reqwest::Method::POST, "/reset", Some(json!({ "seedContacts": 5 }))).await;
    assert_eq!(reset.body["contacts"], 5);
    assert!(
        reset.body["companies"].as_u64().unwrap() > 20 && reset.body["deals"].as_u64().unwrap() > 20,
        "{}",
        reset.text
    );
}

#[tokio::test]
async fn companies_deals_and_their_properties_survive_a_restart_with_a_db_file() {
    let dir = std::env::temp_dir().join(format!("hubsync-sandbox-test-{}-companies-db", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("portal.db");
    let config = || SandboxConfig {
        db_path: Some(db.clone()),
        seed_contacts: 10,
        rate_limits: false,
        search_visibility_delay_ms: 0,
        private_tokens: vec![PrivateToken::new(TOKEN)],
        ..SandboxConfig::default()
    };
    let first = Sandbox::start(config()).await.unwrap();
    let (companies, deals) = (first.record_count(ObjectType::Company), first.record_count(ObjectType::Deal));
    assert!(companies > 0 && deals > 0);
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{}{path}", first.base_url())).bearer_auth(TOKEN).json(&body).send()
    };
    assert_eq!(
        post(
            "/crm/v3/properties/companies",
            json!({ "name": "vat_id", "label": "VAT", "type": "string",
             "fieldType": "text", "groupName": "companyinformation", "hasUniqueValue": true })
        )
        .await
        .unwrap()
        .status(),
        201
    );
    assert_eq!(
        post("/crm/v3/objects/companies", json!({ "properties": { "name": "Kept", "vat_id": "K1" } }))
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(
        post("/crm/v3/objects/deals", json!({ "properties": { "dealname": "Kept deal" } })).await.unwrap().status(),
        201
    );
    first.shutdown().await;

    let second = Sandbox::start(config()).await.unwrap();
    assert_eq!(second.record_count(ObjectType::Company), companies + 1, "not seeded again");
    assert_eq!(second.record_count(ObjectType::Deal), deals + 1);
    let kept = http
        .get(format!("{}/crm/v3/objects/companies/K1?idProperty=vat_id", second.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 200, "the created property and its unique value came back");
    second.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
