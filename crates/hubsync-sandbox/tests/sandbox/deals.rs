//! Deals: the same operations as contacts, the default pipeline and its stages, calculated
//! won/closed flags, the portal's currencies, scopes and the seeded demo deals.

use hubsync_sandbox::ObjectType;
use serde_json::{Value, json};

use crate::support::{READ_ONLY_TOKEN, assert_error, property_refusals, start, start_with, start_with_token};

#[tokio::test]
async fn a_deal_without_pipeline_or_stage_joins_the_default_pipeline_and_its_first_stage() {
    let portal = start(0).await;
    let created = portal
        .post(
            "/crm/v3/objects/deals",
            json!({ "properties": { "dealname": "First", "amount": "1500.50" }, "associations": [] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.prop("pipeline"), "default");
    assert_eq!(created.prop("dealstage"), "appointmentscheduled");
    assert_eq!(
        (created.prop("hs_is_closed_won").clone(), created.prop("hs_is_closed").clone()),
        (json!("false"), json!("false"))
    );
    assert_eq!(created.prop("hs_deal_stage_probability"), "0.2");
    let deal = created.body["id"].as_str().unwrap().to_string();

    for path in [
        format!("/crm/v3/objects/deals/{deal}"),
        format!("/crm/v3/objects/0-3/{deal}"),
        format!("/crm/objects/2026-03/deals/{deal}"),
    ] {
        let read = portal.get(&path).await;
        assert_eq!(read.status, 200, "{path}");
        let mut names: Vec<&str> = read.body["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline"
            ],
            "{path}"
        );
        assert!(read.prop("closedate").is_null(), "a requested property without a value is null");
    }

    let won = portal
        .patch(&format!("/crm/v3/objects/deals/{deal}"), json!({ "properties": { "dealstage": "closedwon" } }))
        .await;
    assert_eq!(won.status, 200, "{}", won.text);
    assert_eq!(
        (won.prop("hs_is_closed_won").clone(), won.prop("hs_is_closed").clone()),
        (json!("true"), json!("true"))
    );
    let lost = portal
        .patch(&format!("/crm/v3/objects/0-3/{deal}"), json!({ "properties": { "dealstage": "closedlost" } }))
        .await;
    assert_eq!(
        (lost.prop("hs_is_closed_won").clone(), lost.prop("hs_is_closed").clone()),
        (json!("false"), json!("true"))
    );
    assert_eq!(lost.prop("hs_deal_stage_probability"), "0.0");

    let staged = portal
        .create_record(
            "deals",
            json!({ "dealname": "Staged", "pipeline": "default", "dealstage": "contractsent",
                                         "closedate": "2026-09-30", "dealtype": "newbusiness" }),
        )
        .await;
    assert_eq!(staged.prop("dealstage"), "contractsent");
    assert_eq!(staged.prop("closedate"), "2026-09-30T00:00:00.000Z");

    let unknown_stage =
        portal.post("/crm/v3/objects/deals", json!({ "properties": { "dealname": "X", "dealstage": "won" } })).await;
    let refused = property_refusals(&unknown_stage);
    assert_eq!((refused[0].0.as_str(), refused[0].1.as_str()), ("dealstage", "INVALID_OPTION"));
    assert!(refused[0].2.starts_with("won was not one of the allowed options: [appointmentscheduled, qualifiedtobuy"));
    let unknown_pipeline = portal
        .patch(&format!("/crm/v3/objects/deals/{deal}"), json!({ "properties": { "pipeline": "renewals" } }))
        .await;
    assert_eq!(property_refusals(&unknown_pipeline)[0].0, "pipeline");
    let calculated = portal
        .patch(
            &format!("/crm/v3/objects/deals/{deal}"),
            json!({ "properties": { "hs_is_closed_won": "true", "amount": "1,000" } }),
        )
        .await;
    let codes: Vec<(String, String)> = property_refusals(&calculated).into_iter().map(|(n, c, _)| (n, c)).collect();
    assert!(codes.contains(&("hs_is_closed_won".into(), "READ_ONLY_VALUE".into())), "{codes:?}");
    assert!(codes.contains(&("amount".into(), "INVALID_INTEGER".into())), "{codes:?}");
    assert_eq!(portal.sandbox.record_count(ObjectType::Deal), 2, "refused writes made nothing");
}

#[tokio::test]
async fn a_deals_currency_must_be_one_of_the_portals() {
    let portal = start(0).await;
    portal.create_record("deals", json!({ "dealname": "Dollars", "deal_currency_code": "USD" })).await;
    let euros = portal
        .post("/crm/v3/objects/deals", json!({ "properties": { "dealname": "Euros", "deal_currency_code": "EUR" } }))
        .await;
    assert_eq!(
        property_refusals(&euros),
        [(
            "deal_currency_code".into(),
            "INVALID_OPTION".into(),
            "EUR was not one of the allowed options: [USD]".into()
        )]
    );

    let multi = start_with(0, |config| config.portal.additional_currencies = vec!["EUR".into(), "GBP".into()]).await;
    multi.create_record("deals", json!({ "dealname": "Euros", "deal_currency_code": "EUR" })).await;
    let yen = multi
        .post("/crm/v3/objects/deals", json!({ "properties": { "dealname": "Yen", "deal_currency_code": "JPY" } }))
        .await;
    assert_eq!(property_refusals(&yen)[0].2, "JPY was not one of the allowed options: [USD, EUR, GBP]");
    let property = multi.get("/crm/v3/properties/deals/deal_currency_code").await;
    let options: Vec<&str> =
        property.body["options"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
    assert_eq!(options, ["USD", "EUR", "GBP"]);
    let account = multi.get("/account-info/v3/details").await;
    assert_eq!(account.body["additionalCurrencies"], json!(["EUR", "GBP"]));

    // A fixture that changes the portal's currency changes what deals may hold.
    let fixture = json!({ "portal": { "companyCurrency": "EUR" }, "deals": [{ "properties": { "dealname": "F", "deal_currency_code": "EUR" } }] });
    let loaded = portal.control(reqwest::Method::POST, "/fixture", Some(fixture)).await;
    assert_eq!(loaded.status, 200, "{}", loaded.text);
    let dollars = portal.post("/crm/v3/objects/deals", json!({ "properties": { "deal_currency_code": "USD" } })).await;
    assert_eq!(property_refusals(&dollars)[0].2, "USD was not one of the allowed options: [EUR]");
}

#[tokio::test]
async fn deal_batches_and_search_work_as_for_contacts() {
    let portal = start(0).await;
    let created = portal
        .post(
            "/crm/v3/objects/deals/batch/create",
            json!({ "inputs": [
                { "properties": { "dealname": "Small", "amount": "100", "dealstage": "closedwon" }, "objectWriteTraceId": "1" },
                { "properties": { "dealname": "Broken", "dealstage": "nope" }, "objectWriteTraceId": "2" },
                { "properties": { "dealname": "Big", "amount": "90000", "dealstage": "qualifiedtobuy" }, "objectWriteTraceId": "3" },
                { "properties": { "dealname": "Mid", "amount": "5000", "dealstage": "closedwon" }, "objectWriteTraceId": "4" },
            ]}),
        )
        .await;
    assert_eq!(created.status, 207, "{}", created.text);
    assert_eq!(created.body["results"].as_array().unwrap().len(), 3);
    assert_eq!(created.body["errors"][0]["context"]["objectWriteTraceId"], json!(["2"]));

    let search = |body: Value| {
        let portal = &portal;
        async move {
            let reply = portal.post("/crm/v3/objects/deals/search", body).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            reply.body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["properties"]["dealname"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let won = search(json!({
        "filterGroups": [{ "filters": [{ "propertyName": "hs_is_closed_won", "operator": "EQ", "value": "true" }] }],
        "sorts": [{ "propertyName": "amount", "direction": "DESCENDING" }],
    }))
    .await;
    assert_eq!(won, ["Mid", "Small"]);
    let big = search(json!({
        "filterGroups": [
            { "filters": [{ "propertyName": "amount", "operator": "GT", "value": "10000" }] },
            { "filters": [{ "propertyName": "dealstage", "operator": "EQ", "value": "closedwon" },
                          { "propertyName": "amount", "operator": "LT", "value": "1000" }] },
        ],
        "sorts": ["dealname"],
    }))
    .await;
    assert_eq!(big, ["Big", "Small"]);
    assert_eq!(search(json!({ "query": "mid" })).await, ["Mid"]);
    let page = portal.post("/crm/v3/objects/deals/search", json!({ "limit": 1 })).await;
    let props = page.body["results"][0]["properties"].as_object().unwrap();
    assert!(props.contains_key("dealstage") && props.contains_key("hs_lastmodifieddate"), "{page:?}");
}

#[tokio::test]
async fn deals_need_the_deals_scopes() {
    const DEALS_READ: &str = "pat-na1-deals-read";
    let portal = start_with_token(DEALS_READ, &["crm.objects.deals.read"]).await;
    let deal =
        portal.create_record("deals", json!({ "dealname": "Scoped" })).await.body["id"].as_str().unwrap().to_string();
    let list = portal.send(reqwest::Method::GET, "/crm/v3/objects/deals", None, Some(READ_ONLY_TOKEN)).await;
    assert_error(&list, 403, "MISSING_SCOPES");
    assert_eq!(list.body["errors"][0]["context"]["requiredGranularScopes"], json!(["crm.objects.deals.read"]));
    let properties = portal.send(reqwest::Method::GET, "/crm/v3/properties/0-3", None, Some(READ_ONLY_TOKEN)).await;
    assert_eq!(
        properties.body["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.objects.deals.read", "crm.schemas.deals.read"])
    );
    let read =
        portal.send(reqwest::Method::GET, &format!("/crm/v3/objects/deals/{deal}"), None, Some(DEALS_READ)).await;
    assert_eq!(read.status, 200);
    let write = portal
        .send(
            reqwest::Method::POST,
            "/crm/v3/objects/deals/batch/archive",
            Some(json!({ "inputs": [{ "id": deal }] })),
            Some(DEALS_READ),
        )
        .await;
    assert_error(&write, 403, "MISSING_SCOPES");
    assert_eq!(write.body["errors"][0]["context"]["requiredGranularScopes"], json!(["crm.objects.deals.write"]));
    assert_eq!(portal.sandbox.record_count(ObjectType::Deal), 1);
}

#[tokio::test]
async fn seeded_deals_are_open_won_and_lost_in_the_default_pipeline() {
    let portal = start(30).await;
    let deals = portal.all_records("deals").await;
    assert!(deals.len() >= 24, "a deal or more per company: {}", deals.len());
    let stage = |d: &Value| d["properties"]["dealstage"].as_str().unwrap().to_string();
    assert!(deals.iter().any(|d| stage(d) == "closedwon" && d["properties"]["hs_is_closed_won"] == "true"));
    assert!(deals.iter().any(|d| stage(d) == "closedlost" && d["properties"]["hs_is_closed"] == "true"));
    assert!(deals.iter().any(|d| d["properties"]["hs_is_closed"] == "false"));
    let owners: Vec<String> = portal.get("/crm/v3/owners").await.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    for deal in &deals {
        let p = &deal["properties"];
        assert_eq!(p["pipeline"], "default");
        assert!(p["amount"].is_string() && p["closedate"].is_string() && p["dealname"].is_string(), "{deal}");
        assert!(owners.contains(&p["hubspot_owner_id"].as_str().unwrap().to_string()), "owned by an active owner");
    }
    // Each seeded deal passes the portal's own rules: writing it back changes nothing.
    let first = deals[0]["id"].as_str().unwrap();
    let same = portal
        .patch(&format!("/crm/v3/objects/deals/{first}"), json!({ "properties": { "dealstage": stage(&deals[0]) } }))
        .await;
    assert_eq!(same.status, 200);
    assert_eq!(portal.counters().await["recordsUpdated"], 0, "an unchanged write stores nothing");
}
