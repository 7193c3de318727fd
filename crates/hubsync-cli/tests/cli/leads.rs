//! leads add and list.

use serde_json::json;

use crate::support::Hub;

#[test]
fn leads_are_added_with_typed_values_in_their_canonical_form() {
    let hub = Hub::new();
    hub.run(&["fields", "add", "score", "--type", "number"]).ok();
    hub.run(&["fields", "add", "vip", "--type", "boolean"]).ok();
    hub.run(&["fields", "add", "met_on", "--type", "date"]).ok();
    let added = hub.json(&[
        "leads",
        "add",
        "--email",
        "Ada@Example.com",
        "--set",
        "first_name=Ada",
        "--set",
        "company=Analytical = Engines",
        "--set",
        "score=007.50",
        "--set",
        "vip=Yes",
        "--set",
        "met_on=2026-03-01",
        "--set",
        "lead_status=open",
    ]);
    assert_eq!(added["lead"]["email"], "Ada@Example.com");
    assert_eq!(
        added["lead"]["values"],
        json!({
            "first_name": "Ada", "company": "Analytical = Engines", "score": "7.5", "vip": "true",
            "met_on": "2026-03-01", "lead_status": "OPEN",
        })
    );
    hub.run(&["leads", "add", "--email", "grace@example.com"]).ok();

    let list = hub.json(&["leads", "list"]);
    let leads = list["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 2);
    assert_eq!(leads[0]["values"]["score"], "7.5", "--json lists every field");
    assert_eq!(leads[1]["hubspot_id"], json!(null));
    assert!(leads[0]["created_at"].is_string());

    let table = hub.run(&["leads", "list"]).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ID", "EMAIL", "HUBSPOT", "ID", "FIRST", "NAME", "LAST", "NAME", "COMPANY", "COMPANY", "DOMAIN", "OWNER"]
    );
    assert!(
        lines[1].starts_with("1 ") && lines[1].contains("Ada@Example.com") && lines[1].contains("Analytical"),
        "{table}"
    );
    assert!(lines[2].starts_with("2 ") && lines[2].contains("grace@example.com"), "{table}");
}

#[test]
fn a_bad_value_names_its_field_and_why_and_adds_nothing() {
    let hub = Hub::new();
    hub.run(&["fields", "add", "score", "--type", "number"]).ok();
    let run = hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "score=12,5"]).fails();
    assert!(run.stderr.contains("score") && run.stderr.contains("not a number"), "{run:?}");
    let error = hub.json_error(&["leads", "add", "--email", "ann@example.com", "--set", "company_size=huge"]);
    assert_eq!(error["code"], "invalid_value");
    assert!(error["message"].as_str().unwrap().starts_with("company_size: "), "{error}");
    assert!(error["message"].as_str().unwrap().contains("not one of the options"), "{error}");
    assert_eq!(
        hub.json_error(&["leads", "add", "--email", "ann@example.com", "--set", "colour=red"])["code"],
        "unknown_field"
    );
    assert_eq!(hub.json_error(&["leads", "add", "--email", "not-an-address"])["code"], "invalid_email");
    assert_eq!(hub.json(&["leads", "list"])["leads"], json!([]));
}

/// The application layer checks the whole lead at once, as the app's form does: every problem
/// is named, under the first one's code, and nothing is added.
#[test]
fn every_problem_with_a_lead_is_named_at_once() {
    let hub = Hub::new();
    hub.run(&["fields", "add", "score", "--type", "number"]).ok();
    let args = ["leads", "add", "--email", "not-an-address", "--set", "score=many", "--set", "colour=red"];
    let run = hub.run(&args).fails();
    assert!(run.stderr.contains("3 values need fixing; nothing was added"), "{run:?}");
    assert!(run.stderr.contains("score: ") && run.stderr.contains("colour"), "{run:?}");
    let error = hub.json_error(&args);
    assert_eq!(error["code"], "invalid_email", "{error}");
    assert!(error["hint"].as_str().unwrap().contains("hubsync fields list"), "{error}");
    assert_eq!(hub.json(&["leads", "list"])["leads"], json!([]));
}

#[test]
fn an_email_already_there_in_another_case_is_refused() {
    let hub = Hub::new();
    hub.run(&["leads", "add", "--email", "ann@example.com"]).ok();
    let run = hub.run(&["leads", "add", "--email", "ANN@Example.COM"]).fails();
    assert!(run.stderr.contains("already exists"), "{run:?}");
    assert_eq!(hub.json_error(&["leads", "add", "--email", "Ann@example.com"])["code"], "duplicate_email");
    assert_eq!(hub.json(&["leads", "list"])["leads"].as_array().unwrap().len(), 1);
}

#[test]
fn a_set_without_an_equals_sign_is_a_usage_error_naming_it() {
    let hub = Hub::new();
    let run = hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "first_name"]).fails();
    assert!(run.stderr.contains("--set \"first_name\"") && run.stderr.contains("FIELD=VALUE"), "{run:?}");
    assert_eq!(hub.json_error(&["leads", "add", "--email", "ann@example.com", "--set", "=x"])["code"], "usage");
}

/// `leads show`: a pulled lead with its company (found by the pull) and its deals, each with its
/// pipeline, stage, state and amount with its currency; by email in any case or by id.
#[test]
fn a_pulled_lead_is_shown_with_its_company_and_deals() {
    let portal = crate::support::Portal::start();
    let primary = json!([{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1 }]);
    portal.control(
        reqwest::Method::POST,
        "/fixture",
        Some(json!({
            "contacts": [{ "id": "900000101", "properties": { "email": "kim@kimco.example.com", "firstname": "Kim" } }],
            "companies": [{ "id": "900000201", "properties": { "name": "Kim Co", "domain": "kimco.example.com" } }],
            "deals": [
                { "id": "900000301", "properties": { "dealname": "Kim pilot", "amount": "2500", "pipeline": "default",
                  "dealstage": "closedwon", "deal_currency_code": "USD", "closedate": "2026-04-01T00:00:00.000Z" } },
                { "id": "900000302", "properties": { "dealname": "Kim renewal", "amount": "800.50", "pipeline": "1467091",
                  "dealstage": "2710548" } }
            ],
            "associations": [
                { "fromObjectType": "contacts", "fromObjectId": "900000101", "toObjectType": "companies",
                  "toObjectId": "900000201", "types": primary },
                { "fromObjectType": "contacts", "fromObjectId": "900000101", "toObjectType": "deals", "toObjectId": "900000301" },
                { "fromObjectType": "contacts", "fromObjectId": "900000101", "toObjectType": "deals", "toObjectId": "900000302" }
            ]
        })),
    );
    let hub = Hub::new();
    hub.connect(&portal);
    // The company's name into the company's name field (a first portal's standard mapping has
    // it; setting it again keeps the one row).
    hub.run(&["companies", "mapping", "set", "name", "name"]).ok();
    // Only Kim, by a rule on the contact's company (the portal's demo contacts aside).
    hub.run(&["rules", "pull", "--filter", "company.domain = kimco.example.com"]).ok();

    let preview = hub.json(&["pull", "--preview"]);
    let counts = &preview["counts"];
    assert_eq!(
        (counts["new"].as_u64(), counts["with_company"].as_u64(), counts["deals"].as_u64()),
        (Some(1), Some(1), Some(2))
    );
    assert!(counts["company_rule_left_out"].as_u64().unwrap() > 0, "the demo contacts: {counts}");
    let human = hub.run(&["pull", "--preview"]).ok().stdout;
    assert!(human.contains("Kim Co (new)") && human.contains("2 (1 open)"), "{human}");
    assert!(
        human.contains("left out") && human.contains("doesn't meet the pull rule company.domain equals"),
        "{human}"
    );
    hub.run(&["pull", "--yes"]).ok();

    let shown = hub.json(&["leads", "show", "KIM@kimco.example.com"]);
    assert_eq!(shown["company"]["source"], "pull");
    assert_eq!(shown["company"]["company"]["domain"], "kimco.example.com");
    assert_eq!(shown["company"]["company"]["values"]["name"], "Kim Co");
    let deals = shown["deals"].as_array().unwrap();
    let rows: Vec<(&str, &str, &str, bool)> = deals
        .iter()
        .map(|d| {
            (
                d["deal_id"].as_str().unwrap(),
                d["stage_label"].as_str().unwrap(),
                d["amount"].as_str().unwrap(),
                d["closed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("900000302", "Renewal Due", "800.5", false), ("900000301", "Closed Won", "2500", true)],
        "open first"
    );
    let id = shown["view"]["id"].as_i64().unwrap().to_string();
    assert_eq!(hub.json(&["leads", "show", &id]), shown, "by id too");

    let text = hub.run(&["leads", "show", "kim@kimco.example.com"]).ok().stdout;
    for expected in [
        "Kim Co",
        "its contact's primary company in HubSpot",
        "Renewals",
        "Renewal Due",
        "open",
        "800.5 USD",
        "Closed Won",
        "won",
        "2500 USD",
        "2026-04-01",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    let missing = hub.json_error(&["leads", "show", "nobody@example.com"]);
    assert_eq!(missing["code"], "lead_not_found");
}
