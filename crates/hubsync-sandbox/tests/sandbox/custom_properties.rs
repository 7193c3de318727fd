//! Each object type's property catalog under `/crm/v3/properties/{objectType}`: listing, reading
//! one, and creating custom properties of every type, whose values are then checked as HubSpot
//! checks them.

use serde_json::{Value, json};

use crate::support::{READ_ONLY_TOKEN, assert_error, start, start_with_token};

fn names(reply: &crate::support::Reply) -> Vec<String> {
    reply.body["results"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn each_object_type_lists_its_own_properties_under_every_path() {
    let portal = start(0).await;
    let companies = portal.get("/crm/v3/properties/companies").await;
    assert_eq!(companies.status, 200);
    let company_names = names(&companies);
    for name in [
        "name",
        "domain",
        "website",
        "phone",
        "city",
        "state",
        "country",
        "zip",
        "description",
        "industry",
        "numberofemployees",
        "annualrevenue",
        "lifecyclestage",
        "hs_lead_status",
        "hubspot_owner_id",
        "hs_additional_domains",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    ] {
        assert!(company_names.contains(&name.to_string()), "companies lack {name}");
    }
    assert!(!company_names.contains(&"email".to_string()) && !company_names.contains(&"lastmodifieddate".to_string()));
    let find =
        |name: &str| companies.body["results"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(
        (find("numberofemployees")["type"].clone(), find("annualrevenue")["type"].clone()),
        (json!("number"), json!("number"))
    );
    assert_eq!(find("domain")["hasUniqueValue"], false);
    assert_eq!(find("hs_lastmodifieddate")["modificationMetadata"]["readOnlyValue"], true);
    let industries = find("industry")["options"].as_array().unwrap().clone();
    assert!(industries.len() > 140, "HubSpot's ~150 industries: {}", industries.len());
    assert!(
        industries.iter().all(|o| o["value"].as_str().unwrap().chars().all(|c| c.is_ascii_uppercase() || c == '_'))
    );
    let owner = find("hubspot_owner_id");
    assert_eq!(
        (owner["externalOptions"].clone(), owner["referencedObjectType"].clone()),
        (json!(true), json!("OWNER"))
    );

    assert_eq!(names(&portal.get("/crm/v3/properties/0-2").await), company_names);
    assert_eq!(names(&portal.get("/crm/properties/2026-03/companies").await), company_names);
    let industry = portal.get("/crm/properties/2026-09/0-2/industry").await;
    assert_eq!((industry.status, industry.body["type"].clone()), (200, json!("enumeration")));

    let deals = portal.get("/crm/v3/properties/deals").await;
    let deal_names = names(&deals);
    for name in [
        "dealname",
        "amount",
        "closedate",
        "pipeline",
        "dealstage",
        "hubspot_owner_id",
        "dealtype",
        "deal_currency_code",
        "hs_is_closed_won",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    ] {
        assert!(deal_names.contains(&name.to_string()), "deals lack {name}");
    }
    let stage = portal.get("/crm/v3/properties/0-3/dealstage").await;
    assert_eq!((stage.body["externalOptions"].clone(), stage.body["options"].clone()), (json!(true), json!([])));
    let won = portal.get("/crm/v3/properties/deals/hs_is_closed_won").await;
    assert_eq!((won.body["calculated"].clone(), won.body["type"].clone()), (json!(true), json!("bool")));

    assert!(
        !names(&portal.get("/crm/v3/properties/contacts").await).contains(&"domain".to_string()),
        "catalogs are per type"
    );
    assert_error(&portal.get("/crm/v3/properties/companies/email").await, 404, "OBJECT_NOT_FOUND");
    assert_error(&portal.get("/crm/v3/properties/tickets").await, 404, "OBJECT_NOT_FOUND");
}

/// One property of every type and field type, as an integration would create them.
fn every_type() -> Vec<Value> {
    let group = "hubsync_test";
    let enumeration = |name: &str, field_type: &str| {
        json!({ "name": name, "label": name, "type": "enumeration", "fieldType": field_type, "groupName": group,
                "options": [{ "label": "Red", "value": "red" }, { "label": "Blue", "value": "blue" }] })
    };
    vec![
        json!({ "name": "t_bool", "label": "Bool", "type": "bool", "fieldType": "booleancheckbox", "groupName": group }),
        json!({ "name": "t_date", "label": "Date", "type": "date", "fieldType": "date", "groupName": group }),
        json!({ "name": "t_datetime", "label": "Datetime", "type": "datetime", "fieldType": "date", "groupName": group }),
        enumeration("t_select", "select"),
        enumeration("t_checkbox", "checkbox"),
        json!({ "name": "t_number", "label": "Number", "type": "number", "fieldType": "number", "groupName": group }),
        json!({ "name": "t_phone", "label": "Phone", "type": "phone_number", "fieldType": "phonenumber", "groupName": group }),
        json!({ "name": "t_string", "label": "String", "type": "string", "fieldType": "textarea", "groupName": group }),
    ]
}

#[tokio::test]
async fn custom_properties_of_every_type_are_created_and_check_what_is_written() {
    for object in ["companies", "deals", "contacts"] {
        let portal = start(0).await;
        for definition in every_type() {
            let created = portal.post(&format!("/crm/v3/properties/{object}"), definition.clone()).await;
            assert_eq!(created.status, 201, "{object} {definition}: {}", created.text);
            assert_eq!(
                (created.body["name"].clone(), created.body["type"].clone()),
                (definition["name"].clone(), definition["type"].clone())
            );
            assert_eq!(created.body["hubspotDefined"], false);
            assert_eq!(created.body["modificationMetadata"]["readOnlyValue"], false);
            let read =
                portal.get(&format!("/crm/v3/properties/{object}/{}", definition["name"].as_str().unwrap())).await;
            assert_eq!(read.body, created.body, "{object}: read back as created");
        }
        let bool_options = portal.get(&format!("/crm/v3/properties/{object}/t_bool")).await.body["options"].clone();
        assert_eq!(bool_options.as_array().unwrap().len(), 2, "a bool gets its true/false options");

        let base = if object == "contacts" { json!({ "email": "typed@example.com" }) } else { json!({}) };
        let mut good = base.clone();
        good.as_object_mut().unwrap().extend(
            json!({ "t_bool": "true", "t_date": "2026-05-01", "t_datetime": "2026-05-01T10:00:00+02:00",
                    "t_select": "red", "t_checkbox": "red;blue", "t_number": "-12.5", "t_phone": "+1 617 555 0100",
                    "t_string": "two\nlines" })
            .as_object()
            .unwrap()
            .clone(),
        );
        let stored = portal.create_record(object, good).await;
        assert_eq!(stored.prop("t_datetime"), "2026-05-01T08:00:00.000Z");
        assert_eq!(stored.prop("t_checkbox"), "red;blue");

        let mut bad = base;
        bad.as_object_mut().unwrap().extend(
            json!({ "t_bool": "yes", "t_date": "05/01/2026", "t_datetime": "soon", "t_select": "Red",
                    "t_checkbox": "red;green", "t_number": "1,5" })
            .as_object()
            .unwrap()
            .clone(),
        );
        let refused = portal.post(&format!("/crm/v3/objects/{object}"), json!({ "properties": bad })).await;
        assert_error(&refused, 400, "VALIDATION_ERROR");
        let mut codes: Vec<(String, String)> = refused.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (e["context"]["propertyName"][0].as_str().unwrap().to_string(), e["code"].as_str().unwrap().to_string())
            })
            .collect();
        codes.sort();
        let expected: Vec<(String, String)> = [
            ("t_bool", "INVALID_OPTION"),
            ("t_checkbox", "INVALID_OPTION"),
            ("t_date", "INVALID_DATE"),
            ("t_datetime", "INVALID_DATETIME"),
            ("t_number", "INVALID_INTEGER"),
            ("t_select", "INVALID_OPTION"),
        ]
        .iter()
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .collect();
        assert_eq!(codes, expected, "{object}: {}", refused.text);
    }
}

#[tokio::test]
async fn a_new_property_is_refused_when_its_name_is_taken_or_its_definition_wrong() {
    let portal = start(0).await;
    let taken = portal
        .post(
            "/crm/v3/properties/companies",
            json!({ "name": "domain", "label": "D", "type": "string", "fieldType": "text", "groupName": "g" }),
        )
        .await;
    assert_error(&taken, 409, "OBJECT_ALREADY_EXISTS");
    assert_eq!(taken.body["message"], "Property named 'domain' already exists.");
    // The name is free on another object type: each has its own catalog.
    let elsewhere = portal
        .post(
            "/crm/v3/properties/deals",
            json!({ "name": "domain", "label": "D", "type": "string", "fieldType": "text", "groupName": "g" }),
        )
        .await;
    assert_eq!(elsewhere.status, 201, "{}", elsewhere.text);
    assert_error(&portal.get("/crm/v3/properties/contacts/domain").await, 404, "OBJECT_NOT_FOUND");

    for bad in [
        json!({ "label": "No name", "type": "string", "fieldType": "text", "groupName": "g" }),
        json!({ "name": "Has Spaces", "label": "X", "type": "string", "fieldType": "text", "groupName": "g" }),
        json!({ "name": "x1", "label": "X", "type": "money", "fieldType": "text", "groupName": "g" }),
        json!({ "name": "x2", "label": "X", "type": "number", "fieldType": "checkbox", "groupName": "g" }),
        json!({ "name": "x3", "label": "X", "type": "date", "fieldType": "date", "groupName": "g", "hasUniqueValue": true }),
        json!({ "name": "x4", "label": "X", "type": "string", "fieldType": "text" }),
    ] {
        let reply = portal.post("/crm/v3/properties/companies", bad.clone()).await;
        assert_error(&reply, 400, "VALIDATION_ERROR");
        assert!(reply.body["message"].as_str().unwrap().len() > 10, "{bad}: says what is wrong");
    }
    // At most 10 unique properties per object type; companies come with one.
    for n in 0..9 {
        let unique = json!({ "name": format!("key_{n}"), "label": "K", "type": "number", "fieldType": "number", "groupName": "g", "hasUniqueValue": true });
        assert_eq!(portal.post("/crm/v3/properties/companies", unique).await.status, 201);
    }
    let eleventh = json!({ "name": "key_x", "label": "K", "type": "string", "fieldType": "text", "groupName": "g", "hasUniqueValue": true });
    assert_error(&portal.post("/crm/v3/properties/companies", eleventh).await, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn creating_a_property_takes_the_objects_schema_write_scope() {
    const SCHEMAS: &str = "pat-na1-schemas";
    let portal = start_with_token(SCHEMAS, &["crm.schemas.deals.write", "crm.schemas.deals.read"]).await;
    let definition =
        json!({ "name": "region", "label": "Region", "type": "string", "fieldType": "text", "groupName": "g" });
    let refused = portal
        .send(reqwest::Method::POST, "/crm/v3/properties/companies", Some(definition.clone()), Some(READ_ONLY_TOKEN))
        .await;
    assert_error(&refused, 403, "MISSING_SCOPES");
    assert_eq!(refused.body["errors"][0]["context"]["requiredGranularScopes"], json!(["crm.schemas.companies.write"]));
    let deals =
        portal.send(reqwest::Method::POST, "/crm/v3/properties/deals", Some(definition.clone()), Some(SCHEMAS)).await;
    assert_eq!(deals.status, 201, "{}", deals.text);
    let listed = portal.send(reqwest::Method::GET, "/crm/v3/properties/deals", None, Some(SCHEMAS)).await;
    assert_eq!(listed.status, 200, "the schema read scope reads properties");
    assert_error(
        &portal.send(reqwest::Method::POST, "/crm/v3/properties/companies", Some(definition), Some(SCHEMAS)).await,
        403,
        "MISSING_SCOPES",
    );
}
