//! Single-record contact routes: list, get, create, update, archive, and the value rules.

use std::collections::HashSet;

use serde_json::json;

use crate::support::{assert_error, start, start_with};

#[tokio::test]
async fn list_pages_through_every_contact_with_after_cursors() {
    let portal = start(250).await;
    let mut ids = HashSet::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &after {
            Some(a) => format!("/crm/v3/objects/contacts?limit=100&after={a}"),
            None => "/crm/v3/objects/contacts?limit=100".to_string(),
        };
        let reply = portal.get(&path).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        for record in reply.body["results"].as_array().unwrap() {
            assert!(ids.insert(record["id"].as_str().unwrap().to_string()));
        }
        pages += 1;
        match reply.body["paging"]["next"]["after"].as_str() {
            Some(next) => {
                let link = reply.body["paging"]["next"]["link"].as_str().unwrap();
                assert!(link.starts_with(&portal.base) && link.contains("/crm/v3/objects/contacts?after="), "{link}");
                after = Some(next.to_string());
            }
            None => break,
        }
    }
    assert_eq!((ids.len(), pages), (250, 3));
}

#[tokio::test]
async fn list_defaults_limit_properties_and_rejects_too_large_limits() {
    let portal = start(30).await;
    let reply = portal.get("/crm/v3/objects/contacts").await;
    let results = reply.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    let props = results[0]["properties"].as_object().unwrap();
    let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"]);
    for key in ["id", "createdAt", "updatedAt", "archived"] {
        assert!(results[0].get(key).is_some(), "record lacks {key}");
    }

    // Comma-separated and repeated `properties` both work; unknown names are dropped silently;
    // a known property without a value comes back as null.
    let reply =
        portal.get("/crm/v3/objects/contacts?limit=30&properties=company,renewal_date&properties=no_such_prop").await;
    let first = &reply.body["results"][0]["properties"];
    assert!(first["company"].is_string());
    assert!(first.get("no_such_prop").is_none());
    assert!(reply.body["results"].as_array().unwrap().iter().any(|r| r["properties"]["renewal_date"].is_null()));
    assert!(first.get("email").is_none(), "only the asked-for properties (plus system ones)");

    assert_error(&portal.get("/crm/v3/objects/contacts?limit=101").await, 400, "VALIDATION_ERROR");
    assert_error(&portal.get("/crm/v3/objects/contacts?after=abc").await, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn dated_paths_serve_the_same_api() {
    let portal = start(5).await;
    let v3 = portal.get("/crm/v3/objects/contacts?limit=5").await;
    let dated = portal.get("/crm/objects/2026-03/contacts?limit=5").await;
    assert_eq!(dated.status, 200);
    assert_eq!(v3.body["results"], dated.body["results"]);
    assert_eq!(portal.get("/crm/properties/2026-03/contacts").await.status, 200);
    assert_eq!(portal.get("/crm/owners/2026-03").await.status, 200);
    assert_eq!(portal.get("/crm/objects/2019-01/contacts").await.status, 404);
}

#[tokio::test]
async fn get_by_id_and_by_email_case_insensitively() {
    let portal = start(0).await;
    let created = portal.create_contact(json!({ "email": "Mixed.Case@Example.COM", "firstname": "Mia" })).await;
    let id = created.body["id"].as_str().unwrap().to_string();

    let by_id = portal.get(&format!("/crm/v3/objects/contacts/{id}")).await;
    assert_eq!(by_id.prop("firstname"), "Mia");
    let by_email = portal.get("/crm/v3/objects/contacts/mixed.case@example.com?idProperty=email").await;
    assert_eq!(by_email.body["id"], id.as_str());
    // The stored address keeps the case it was written with.
    assert_eq!(by_email.prop("email"), "Mixed.Case@Example.COM");

    assert_error(&portal.get("/crm/v3/objects/contacts/999999").await, 404, "OBJECT_NOT_FOUND");
    assert_error(
        &portal.get("/crm/v3/objects/contacts/nobody@example.com?idProperty=email").await,
        404,
        "OBJECT_NOT_FOUND",
    );
}

#[tokio::test]
async fn emails_are_unique_across_primary_and_additional_case_insensitively() {
    let portal = start_with(0, |c| {
        c.fixture = Some(
            hubsync_sandbox::Fixture::from_json(
                r#"{"contacts":[{"id":"5001","properties":{"email":"ann@example.com","hs_additional_emails":"ann.b@home.example.com;ab@old.example.com"}}]}"#,
            )
            .unwrap(),
        )
    })
    .await;
    for taken in ["ANN@example.com", "Ann.B@Home.Example.com", "ab@old.example.com"] {
        let reply = portal.post("/crm/v3/objects/contacts", json!({ "properties": { "email": taken } })).await;
        assert_error(&reply, 409, "CONFLICT");
        assert_eq!(reply.body["message"], "Contact already exists. Existing ID: 5001");
    }
    // An additional email also finds its contact.
    let found = portal.get("/crm/v3/objects/contacts/AB@old.example.com?idProperty=email").await;
    assert_eq!(found.body["id"], "5001");
    // hs_additional_emails is read-only through the API.
    let reply = portal
        .patch("/crm/v3/objects/contacts/5001", json!({ "properties": { "hs_additional_emails": "x@y.example.com" } }))
        .await;
    assert_error(&reply, 400, "VALIDATION_ERROR");
    assert!(reply.text.contains("READ_ONLY_VALUE"));
}

#[tokio::test]
async fn create_returns_201_with_system_properties_and_contacts_without_email_are_allowed() {
    let portal = start(0).await;
    let reply = portal.create_contact(json!({ "firstname": "No", "lastname": "Email" })).await;
    assert_eq!(reply.prop("firstname"), "No");
    let id = reply.body["id"].as_str().unwrap();
    assert_eq!(reply.prop("hs_object_id"), id);
    assert!(reply.prop("createdate").as_str().unwrap().ends_with('Z'));
    assert_eq!(reply.prop("createdate"), reply.prop("lastmodifieddate"));

    let bad = portal.post("/crm/v3/objects/contacts", json!({ "properties": { "email": "not-an-email" } })).await;
    assert_error(&bad, 400, "VALIDATION_ERROR");
    assert!(bad.body["message"].as_str().unwrap().starts_with("Property values were not valid: ["));
    assert!(bad.text.contains("INVALID_EMAIL"));
    // HubSpot's rule (the one the lead store checks): RFC 2822, no quoted local part, a
    // top-level domain IANA lists.
    for refused in ["a.@x.com", "x..y@x.com", "q@-bad.x.com", "z@x.c", "tb.tb@yahoo.comtttt", "ann@acme.test"] {
        let reply = portal.post("/crm/v3/objects/contacts", json!({ "properties": { "email": refused } })).await;
        assert_error(&reply, 400, "VALIDATION_ERROR");
        assert!(reply.text.contains("INVALID_EMAIL"), "{refused}: {}", reply.text);
    }
    for taken in ["x@test.design", "user@email.삼성", "ann+tag@sub.example.co.uk"] {
        let reply = portal.create_contact(json!({ "email": taken })).await;
        assert_eq!(reply.prop("email"), taken);
    }

    let broken = portal
        .http
        .post(portal.url("/crm/v3/objects/contacts"))
        .bearer_auth(&portal.token)
        .body("{\"properties\":")
        .send()
        .await
        .unwrap();
    let broken = crate::support::into_reply(broken).await;
    assert_error(&broken, 400, "VALIDATION_ERROR");
    assert!(broken.body["message"].as_str().unwrap().starts_with("Invalid input JSON"));
}

#[tokio::test]
async fn every_property_type_is_validated_and_all_errors_are_reported_together() {
    let portal = start(0).await;
    let reply = portal
        .post(
            "/crm/v3/objects/contacts",
            json!({ "properties": {
                "email": "types@example.com",
                "annualrevenue": "5,333,222",
                "is_vip": "yes",
                "renewal_date": "1430438400001",
                "last_demo_at": "last tuesday",
                "customer_tier": "Gold",
                "product_interests": "analytics;teleportation",
                "hubspot_owner_id": "424242",
                "hs_object_id": "1",
                "favourite_colour": "blue",
            }}),
        )
        .await;
    assert_error(&reply, 400, "VALIDATION_ERROR");
    let message = reply.body["message"].as_str().unwrap();
    let list: serde_json::Value =
        serde_json::from_str(message.strip_prefix("Property values were not valid: ").unwrap()).unwrap();
    let mut codes: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["isValid"], false);
            (e["name"].as_str().unwrap().to_string(), e["error"].as_str().unwrap().to_string())
        })
        .collect();
    codes.sort();
    let expected = [
        ("annualrevenue", "INVALID_INTEGER"),
        ("customer_tier", "INVALID_OPTION"),
        ("favourite_colour", "PROPERTY_DOESNT_EXIST"),
        ("hs_object_id", "READ_ONLY_VALUE"),
        ("hubspot_owner_id", "INVALID_OWNER_ID"),
        ("is_vip", "INVALID_OPTION"),
        ("last_demo_at", "INVALID_DATETIME"),
        ("product_interests", "INVALID_OPTION"),
        ("renewal_date", "INVALID_DATE"),
    ];
    assert_eq!(codes, expected.map(|(a, b)| (a.to_string(), b.to_string())));
    assert!(message.contains("Gold was not one of the allowed options: [gold, silver, bronze]"));
    assert!(portal.all_contacts().await.is_empty(), "nothing is written when a value is invalid");

    // The same values in the forms HubSpot accepts are stored normalised.
    let ok = portal
        .create_contact(json!({
            "email": "types@example.com",
            "annualrevenue": "5333222.50",
            "is_vip": "true",
            "renewal_date": "1430438400000",
            "last_demo_at": "2020-02-29T05:30:17+02:00",
            "customer_tier": "gold",
            "product_interests": "analytics;security",
            "lead_score": 42,
        }))
        .await;
    assert_eq!(ok.prop("renewal_date"), "2015-05-01");
    assert_eq!(ok.prop("last_demo_at"), "2020-02-29T03:30:17.000Z");
    assert_eq!(ok.prop("lead_score"), "42", "every value comes back as a string");
    assert_eq!(ok.prop("hs_email_domain"), "example.com", "calculated from the email");
}

#[tokio::test]
async fn update_changes_values_maintains_lastmodifieddate_and_clears_with_empty_string() {
    let portal = start(0).await;
    let created = portal.create_contact(json!({ "email": "u@example.com", "jobtitle": "CTO", "city": "Oslo" })).await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let before = created.prop("lastmodifieddate").as_str().unwrap().to_string();
    portal.control(reqwest::Method::POST, "/clock", Some(json!({ "advanceSeconds": 60 }))).await;

    let updated = portal
        .patch(&format!("/crm/v3/objects/contacts/{id}"), json!({ "properties": { "jobtitle": "CEO", "city": "" } }))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.prop("jobtitle"), "CEO");
    assert!(updated.body["properties"].get("city").is_none(), "an empty string clears the value");
    let after = updated.prop("lastmodifieddate").as_str().unwrap().to_string();
    assert!(after > before, "{after} should be later than {before}");
    assert_eq!(updated.body["updatedAt"], after.as_str());

    // Update by email works too; an unknown contact is a 404.
    let by_email = portal
        .patch("/crm/v3/objects/contacts/U@EXAMPLE.COM?idProperty=email", json!({ "properties": { "city": "Bergen" } }))
        .await;
    assert_eq!(by_email.prop("city"), "Bergen");
    assert_error(
        &portal.patch("/crm/v3/objects/contacts/424242", json!({ "properties": {} })).await,
        404,
        "OBJECT_NOT_FOUND",
    );

    // Moving the email onto another contact's address is a conflict.
    portal.create_contact(json!({ "email": "other@example.com" })).await;
    let clash = portal
        .patch(&format!("/crm/v3/objects/contacts/{id}"), json!({ "properties": { "email": "Other@example.com" } }))
        .await;
    assert_error(&clash, 409, "CONFLICT");
}

#[tokio::test]
async fn multi_checkbox_leading_semicolon_appends_instead_of_replacing() {
    let portal = start(0).await;
    let created = portal.create_contact(json!({ "email": "m@example.com", "product_interests": "reporting" })).await;
    let path = format!("/crm/v3/objects/contacts/{}", created.body["id"].as_str().unwrap());
    let appended = portal.patch(&path, json!({ "properties": { "product_interests": ";security;analytics" } })).await;
    assert_eq!(appended.prop("product_interests"), "reporting;security;analytics");
    let replaced = portal.patch(&path, json!({ "properties": { "product_interests": "automation" } })).await;
    assert_eq!(replaced.prop("product_interests"), "automation");
}

#[tokio::test]
async fn lifecycle_stage_only_moves_forward() {
    let portal = start(0).await;
    let created = portal.create_contact(json!({ "email": "l@example.com", "lifecyclestage": "customer" })).await;
    let path = format!("/crm/v3/objects/contacts/{}", created.body["id"].as_str().unwrap());

    // By default a backwards write is accepted and ignored.
    let back = portal.patch(&path, json!({ "properties": { "lifecyclestage": "lead", "jobtitle": "VP" } })).await;
    assert_eq!(back.status, 200);
    assert_eq!(back.prop("lifecyclestage"), "customer");
    assert_eq!(back.prop("jobtitle"), "VP");

    // Clearing first, then setting in a later request, moves it back.
    portal.patch(&path, json!({ "properties": { "lifecyclestage": "" } })).await;
    let reset = portal.patch(&path, json!({ "properties": { "lifecyclestage": "lead" } })).await;
    assert_eq!(reset.prop("lifecyclestage"), "lead");
    assert!(reset.prop("hs_lifecyclestage_lead_date").is_string());

    // The reject mode answers a VALIDATION_ERROR instead.
    portal.put("/__sandbox/settings", json!({ "lifecycleBackward": "reject" })).await;
    portal.patch(&path, json!({ "properties": { "lifecyclestage": "opportunity" } })).await;
    let refused = portal.patch(&path, json!({ "properties": { "lifecyclestage": "subscriber" } })).await;
    assert_error(&refused, 400, "VALIDATION_ERROR");
    assert!(refused.text.contains("lifecyclestage"));
}

#[tokio::test]
async fn archived_contacts_leave_list_get_and_search_and_free_their_email() {
    let portal = start(0).await;
    let a = portal.create_contact(json!({ "email": "gone@example.com" })).await;
    let id = a.body["id"].as_str().unwrap().to_string();
    portal.create_contact(json!({ "email": "kept@example.com" })).await;

    assert_eq!(portal.delete(&format!("/crm/v3/objects/contacts/{id}")).await.status, 204);
    assert_error(&portal.get(&format!("/crm/v3/objects/contacts/{id}")).await, 404, "OBJECT_NOT_FOUND");
    let archived = portal.get(&format!("/crm/v3/objects/contacts/{id}?archived=true")).await;
    assert_eq!(archived.body["archived"], true);
    assert!(archived.body["archivedAt"].is_string());

    let live = portal.get("/crm/v3/objects/contacts").await;
    assert_eq!(live.body["results"].as_array().unwrap().len(), 1);
    let only_archived = portal.get("/crm/v3/objects/contacts?archived=true").await;
    let only_archived = only_archived.body["results"].as_array().unwrap();
    assert_eq!((only_archived.len(), only_archived[0]["id"].as_str()), (1, Some(id.as_str())));

    let search = portal.post("/crm/v3/objects/contacts/search", json!({})).await;
    assert_eq!(search.body["total"], 1);
    // The address can be used again.
    portal.create_contact(json!({ "email": "GONE@example.com" })).await;
    assert_error(&portal.delete("/crm/v3/objects/contacts/777777").await, 404, "OBJECT_NOT_FOUND");
}

#[tokio::test]
async fn very_long_urls_get_414() {
    let portal = start(1).await;
    let properties: Vec<String> = (0..900).map(|i| format!("custom_property_{i}")).collect();
    let reply = portal.get(&format!("/crm/v3/objects/contacts?properties={}", properties.join(","))).await;
    assert_eq!(reply.status, 414, "{}", reply.text);
}
