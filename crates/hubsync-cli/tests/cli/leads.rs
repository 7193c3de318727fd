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
        ["ID", "EMAIL", "HUBSPOT", "ID", "FIRST", "NAME", "LAST", "NAME", "COMPANY", "OWNER"]
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
