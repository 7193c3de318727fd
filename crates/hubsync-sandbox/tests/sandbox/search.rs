//! CRM search: operators, groups, sorting, paging, limits and eventual consistency.

use serde_json::{Value, json};

use crate::support::{Portal, assert_error, start, start_with};

async fn people(portal: &Portal) {
    let rows = [
        json!({ "email": "ann@alpha.example.com", "firstname": "Ann", "lastname": "Lee", "lead_score": "10", "lifecyclestage": "lead", "renewal_date": "2026-01-15", "product_interests": "analytics;security", "company": "Alpha Works" }),
        json!({ "email": "Bob@Beta.example.com", "firstname": "Bob", "lastname": "Stone", "lead_score": "55", "lifecyclestage": "customer", "renewal_date": "2026-03-01", "product_interests": "reporting", "company": "Beta Labs" }),
        json!({ "email": "cy@gamma.example.com", "firstname": "Cy", "lastname": "Lee", "lead_score": "90", "lifecyclestage": "customer", "company": "Gamma" }),
        json!({ "email": "di@alpha.example.com", "firstname": "Di", "lastname": "Park", "lifecyclestage": "subscriber" }),
    ];
    for row in rows {
        portal.create_contact(row).await;
    }
}

async fn emails_for(portal: &Portal, body: Value) -> Vec<String> {
    let reply = portal.post("/crm/v3/objects/contacts/search", body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut emails: Vec<String> = reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["email"].as_str().unwrap_or("").to_lowercase())
        .collect();
    emails.sort();
    emails
}

fn filter(property: &str, operator: &str, extra: Value) -> Value {
    let mut f = json!({ "propertyName": property, "operator": operator });
    f.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    json!({ "filterGroups": [{ "filters": [f] }], "properties": ["email"], "limit": 100 })
}

#[tokio::test]
async fn every_operator_matches_as_hubspot_documents() {
    let portal = start(0).await;
    people(&portal).await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (filter("lastname", "EQ", json!({ "value": "LEE" })), vec!["ann@alpha.example.com", "cy@gamma.example.com"]),
        (filter("lastname", "NEQ", json!({ "value": "lee" })), vec!["bob@beta.example.com", "di@alpha.example.com"]),
        (filter("lead_score", "LT", json!({ "value": "55" })), vec!["ann@alpha.example.com"]),
        (filter("lead_score", "LTE", json!({ "value": "55" })), vec!["ann@alpha.example.com", "bob@beta.example.com"]),
        (filter("lead_score", "GT", json!({ "value": "55" })), vec!["cy@gamma.example.com"]),
        (
            filter("lead_score", "GTE", json!({ "value": "9" })),
            vec!["ann@alpha.example.com", "bob@beta.example.com", "cy@gamma.example.com"],
        ),
        (
            filter("lead_score", "BETWEEN", json!({ "value": "10", "highValue": "55" })),
            vec!["ann@alpha.example.com", "bob@beta.example.com"],
        ),
        (filter("renewal_date", "GTE", json!({ "value": "1769904000000" })), vec!["bob@beta.example.com"]),
        (
            filter("lifecyclestage", "IN", json!({ "values": ["customer", "subscriber"] })),
            vec!["bob@beta.example.com", "cy@gamma.example.com", "di@alpha.example.com"],
        ),
        (
            filter("lifecyclestage", "NOT_IN", json!({ "values": ["customer"] })),
            vec!["ann@alpha.example.com", "di@alpha.example.com"],
        ),
        // IN on strings wants lowercase values; an uppercase value matches nothing.
        (
            filter("firstname", "IN", json!({ "values": ["ann", "bob"] })),
            vec!["ann@alpha.example.com", "bob@beta.example.com"],
        ),
        (filter("firstname", "IN", json!({ "values": ["Ann"] })), vec![]),
        // Enumerations compare case-sensitively.
        (filter("lifecyclestage", "EQ", json!({ "value": "Customer" })), vec![]),
        (filter("renewal_date", "HAS_PROPERTY", json!({})), vec!["ann@alpha.example.com", "bob@beta.example.com"]),
        (filter("renewal_date", "NOT_HAS_PROPERTY", json!({})), vec!["cy@gamma.example.com", "di@alpha.example.com"]),
        (filter("company", "CONTAINS_TOKEN", json!({ "value": "labs" })), vec!["bob@beta.example.com"]),
        (
            filter("email", "CONTAINS_TOKEN", json!({ "value": "*@alpha.example.com" })),
            vec!["ann@alpha.example.com", "di@alpha.example.com"],
        ),
        (
            filter("company", "NOT_CONTAINS_TOKEN", json!({ "value": "alpha" })),
            vec!["bob@beta.example.com", "cy@gamma.example.com", "di@alpha.example.com"],
        ),
        (filter("product_interests", "EQ", json!({ "value": "security" })), vec!["ann@alpha.example.com"]),
    ];
    for (body, expected) in cases {
        assert_eq!(emails_for(&portal, body.clone()).await, expected, "{body}");
    }
}

#[tokio::test]
async fn filters_and_within_a_group_or_across_groups() {
    let portal = start(0).await;
    people(&portal).await;
    let body = json!({
        "filterGroups": [
            { "filters": [
                { "propertyName": "lastname", "operator": "EQ", "value": "Lee" },
                { "propertyName": "lifecyclestage", "operator": "EQ", "value": "customer" },
            ]},
            { "filters": [{ "propertyName": "firstname", "operator": "EQ", "value": "di" }] },
        ],
        "properties": ["email"],
    });
    assert_eq!(emails_for(&portal, body).await, ["cy@gamma.example.com", "di@alpha.example.com"]);
    assert_eq!(emails_for(&portal, json!({ "query": "sto", "properties": ["email"] })).await, ["bob@beta.example.com"]);
}

#[tokio::test]
async fn one_sort_paging_and_the_total() {
    let portal = start(0).await;
    people(&portal).await;
    let body = |after: Option<&str>| {
        let mut b = json!({ "sorts": [{ "propertyName": "lead_score", "direction": "DESCENDING" }], "properties": ["email", "lead_score"], "limit": 2 });
        if let Some(a) = after {
            b["after"] = json!(a);
        }
        b
    };
    let first = portal.post("/crm/v3/objects/contacts/search", body(None)).await;
    assert_eq!(first.body["total"], 4);
    let scores: Vec<&Value> =
        first.body["results"].as_array().unwrap().iter().map(|r| &r["properties"]["lead_score"]).collect();
    assert_eq!(scores, [&json!("90"), &json!("55")]);
    let after = first.body["paging"]["next"]["after"].as_str().unwrap().to_string();
    let second = portal.post("/crm/v3/objects/contacts/search", body(Some(&after))).await;
    let rest: Vec<&Value> =
        second.body["results"].as_array().unwrap().iter().map(|r| &r["properties"]["lead_score"]).collect();
    // Missing values sort last.
    assert_eq!(rest, [&json!("10"), &Value::Null]);
    assert!(second.body.get("paging").is_none());

    let two_sorts = json!({ "sorts": [{ "propertyName": "email" }, { "propertyName": "lead_score" }] });
    assert_error(&portal.post("/crm/v3/objects/contacts/search", two_sorts).await, 400, "VALIDATION_ERROR");
    let default_limit = portal.post("/crm/v3/objects/contacts/search", json!({})).await;
    assert_eq!(default_limit.body["results"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn search_limits_are_enforced_with_400s() {
    let portal = start(0).await;
    let f = |i: usize| json!({ "propertyName": "lead_score", "operator": "GT", "value": i.to_string() });
    let groups = |n: usize, per: usize| json!({ "filterGroups": (0..n).map(|_| json!({ "filters": (0..per).map(f).collect::<Vec<_>>() })).collect::<Vec<_>>() });
    let search = |body: Value| portal.post("/crm/v3/objects/contacts/search", body);

    assert_eq!(search(groups(5, 3)).await.status, 200, "5 groups of 3 = 15 filters is fine");
    assert_error(&search(groups(6, 1)).await, 400, "VALIDATION_ERROR");
    assert_error(&search(groups(1, 7)).await, 400, "VALIDATION_ERROR");
    let too_many = search(groups(4, 5)).await;
    assert_error(&too_many, 400, "VALIDATION_ERROR");
    assert!(too_many.body["message"].as_str().unwrap().contains("18"));
    assert_error(&search(json!({ "limit": 201 })).await, 400, "VALIDATION_ERROR");
    assert_eq!(search(json!({ "limit": 200 })).await.status, 200);
    assert_error(&search(json!({ "query": "x".repeat(3000) })).await, 400, "VALIDATION_ERROR");
    assert_error(&search(filter("nope", "EQ", json!({ "value": "1" }))).await, 400, "VALIDATION_ERROR");
    assert_error(&search(filter("email", "LIKE", json!({ "value": "1" }))).await, 400, "VALIDATION_ERROR");
    assert_error(&search(filter("lead_score", "BETWEEN", json!({ "value": "1" }))).await, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn paging_stops_at_10000_results_with_a_400() {
    let portal = start(10_050).await;
    let body = |after: u64| json!({ "limit": 200, "after": after.to_string(), "properties": ["email"] });
    let last_page = portal.post("/crm/v3/objects/contacts/search", body(9_800)).await;
    assert_eq!(last_page.status, 200);
    assert_eq!(last_page.body["total"], 10_050);
    assert_eq!(last_page.body["results"].as_array().unwrap().len(), 200);
    // The cursor past the cap is handed out; using it is refused.
    assert_eq!(last_page.body["paging"]["next"]["after"], "10000");
    let refused = portal.post("/crm/v3/objects/contacts/search", body(10_000)).await;
    assert_error(&refused, 400, "VALIDATION_ERROR");
    // The list endpoint has no such cap.
    let list = portal.get("/crm/v3/objects/contacts?limit=100&after=11001").await;
    assert_eq!(list.body["results"].as_array().unwrap().len(), 50);
}

#[tokio::test]
async fn writes_reach_search_after_the_visibility_delay() {
    let portal = start_with(0, |c| c.search_visibility_delay_ms = 60_000).await;
    let created = portal.create_contact(json!({ "email": "late@example.com", "city": "Turin" })).await;
    let by_email = filter("email", "EQ", json!({ "value": "late@example.com" }));
    assert!(emails_for(&portal, by_email.clone()).await.is_empty(), "not searchable yet");
    // It can be read directly at once.
    assert_eq!(
        portal.get(&format!("/crm/v3/objects/contacts/{}", created.body["id"].as_str().unwrap())).await.status,
        200
    );

    portal.control(reqwest::Method::POST, "/clock", Some(json!({ "advanceSeconds": 61 }))).await;
    assert_eq!(emails_for(&portal, by_email).await, ["late@example.com"]);

    // An update shows the old values to search until the delay passes.
    let id = created.body["id"].as_str().unwrap();
    portal.patch(&format!("/crm/v3/objects/contacts/{id}"), json!({ "properties": { "city": "Milan" } })).await;
    assert_eq!(emails_for(&portal, filter("city", "EQ", json!({ "value": "Turin" }))).await, ["late@example.com"]);
    portal.control(reqwest::Method::POST, "/clock", Some(json!({ "advanceSeconds": 61 }))).await;
    assert_eq!(emails_for(&portal, filter("city", "EQ", json!({ "value": "Milan" }))).await, ["late@example.com"]);
}

#[tokio::test]
async fn by_default_a_write_reaches_search_a_few_seconds_later_as_in_hubspot() {
    let lag = hubsync_sandbox::SandboxConfig::default().search_visibility_delay_ms;
    assert_eq!(lag, hubsync_sandbox::config::DEFAULT_SEARCH_DELAY_MS);
    assert!((1_000..=10_000).contains(&lag), "a few seconds: {lag} ms");
    let portal = start_with(0, |c| c.search_visibility_delay_ms = lag).await;
    portal.create_contact(json!({ "email": "fresh@example.com" })).await;
    let by_email = filter("email", "EQ", json!({ "value": "fresh@example.com" }));
    assert!(emails_for(&portal, by_email.clone()).await.is_empty(), "not searchable at once");
    portal.control(reqwest::Method::POST, "/clock", Some(json!({ "advanceSeconds": lag.div_ceil(1000) }))).await;
    assert_eq!(emails_for(&portal, by_email).await, ["fresh@example.com"]);
}
