//! runs export and runs undo: the result files of a push, and undoing it with a preview first,
//! a confirmation, a later HubSpot edit flagged and its contacts archived only when asked; its
//! companies and associations taken back too, each row printed.

use serde_json::{Value, json};

use crate::support::{Hub, Portal};

fn pushed(portal: &Portal) -> (Hub, i64) {
    portal.control(
        reqwest::Method::POST,
        "/fixture",
        Some(json!({ "contacts": [
            { "id": "9101", "properties": { "email": "ann@example.com", "company": "Old A" } },
            { "id": "9102", "properties": { "email": "bo@example.com", "company": "Old B" } }
        ] })),
    );
    let hub = Hub::new();
    hub.connect(portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "company=@New A"]).ok();
    hub.run(&["leads", "add", "--email", "bo@example.com", "--set", "company=New B"]).ok();
    hub.run(&["leads", "add", "--email", "cy@example.com", "--set", "company=Fresh"]).ok();
    let live = hub.json(&["push", "--yes"]);
    assert_eq!(live["run"]["counts"]["updated"], 2, "{live}");
    (hub, live["run"]["id"].as_i64().unwrap())
}

fn company(portal: &Portal, email: &str) -> Value {
    portal.contacts().get(email).map_or(Value::Null, |c| c["properties"]["company"].clone())
}

#[test]
fn a_push_exports_as_success_and_error_files() {
    let portal = Portal::start();
    let (hub, run) = pushed(&portal);
    let dir = hub.dir().join("results");
    let body = hub.json(&["runs", "export", &run.to_string(), dir.to_str().unwrap()]);
    assert_eq!((body["success_rows"].as_u64(), body["error_rows"].as_u64()), (Some(3), Some(0)), "{body}");
    let success = std::fs::read_to_string(dir.join(format!("run-{run}-success.csv"))).unwrap();
    let lines: Vec<&str> = success.lines().collect();
    assert_eq!(lines[0], "email,company,hubspot_contact_id,action,outcome,message");
    assert_eq!(lines[1], "ann@example.com,'@New A,9101,update,updated,");
    let errors = std::fs::read_to_string(dir.join(format!("run-{run}-errors.csv"))).unwrap();
    assert_eq!(errors.lines().count(), 1, "the header alone: {errors}");

    let text = hub.run(&["runs", "export", &run.to_string(), dir.to_str().unwrap()]).ok().stdout;
    assert!(text.contains("3 rows in") && text.contains("0 in"), "{text}");
    // The run keeps the rules and mapping it was planned with, whatever changed since.
    hub.run(&["mapping", "set", "company", "company", "--rule", "if-empty"]).ok();
    let show = hub.run(&["runs", "show", &run.to_string()]).ok().stdout;
    assert!(show.contains("rules:") && show.contains("update on, create on"), "{show}");
    assert!(show.contains("company → company (overwrite)"), "{show}");

    let missing = hub.json_error(&["runs", "export", "99", dir.to_str().unwrap()]);
    assert_eq!(missing["code"], "run_not_found");
}

#[test]
fn undo_previews_then_restores_and_flags_a_later_edit() {
    let mut portal = Portal::start();
    let (hub, run) = pushed(&portal);
    let run_arg = run.to_string();
    // Bo's company is edited in HubSpot after the push.
    let edit = json!({ "properties": { "company": "Edited B" } });
    portal.api(reqwest::Method::PATCH, "/crm/v3/objects/contacts/9102", edit);
    assert_eq!(company(&portal, "bo@example.com"), "Edited B");

    let preview = hub.json(&["runs", "undo", &run_arg, "--preview"]);
    assert_eq!(preview["mode"], "preview");
    let nothing = json!({ "restore": 0, "archive": 0, "changed_since": 0, "skip": 0 });
    let no_associations = json!({ "unassociate": 0, "restore_primary": 0, "changed_since": 0, "skip": 0 });
    assert_eq!(
        preview["counts"],
        json!({ "restore": 1, "archive": 0, "changed_since": 1, "skip": 1,
                "companies": nothing, "associations": no_associations }),
        "{preview}"
    );
    assert!(preview.get("companies").is_none(), "a push without companies has none to undo: {preview}");
    assert_eq!(company(&portal, "ann@example.com"), "@New A", "a preview writes nothing");
    let text = hub.run(&["runs", "undo", &run_arg, "--preview"]).ok().stdout;
    assert!(text.contains("changed in HubSpot since run") && text.contains("Old A"), "{text}");
    assert!(text.contains("`--force` restores") && text.contains("`--archive-created` archives"), "{text}");

    let refused = hub.json_error(&["runs", "undo", &run_arg]);
    assert!(refused["hint"].as_str().unwrap().contains("--yes"), "{refused}");

    let undone = hub.json(&["runs", "undo", &run_arg, "--yes"]);
    assert_eq!(undone["run"]["kind"], "undo");
    assert_eq!(undone["run"]["counts"]["updated"], 1, "{undone}");
    assert_eq!(company(&portal, "ann@example.com"), "Old A");
    assert_eq!(company(&portal, "bo@example.com"), "Edited B", "the later edit is left alone");
    assert_eq!(company(&portal, "cy@example.com"), "Fresh", "created contacts stay unless asked");

    let again = hub.json_error(&["runs", "undo", &run_arg, "--yes"]);
    assert_eq!(again["code"], "not_undoable");
    assert!(!again["message"].as_str().unwrap().contains("--force"), "{again}");
    assert!(again["hint"].as_str().unwrap().contains("--force"), "{again}");

    let forced = hub.json(&["runs", "undo", &run_arg, "--yes", "--force", "--archive-created"]);
    assert_eq!(
        (forced["run"]["counts"]["updated"].as_u64(), forced["run"]["counts"]["archived"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(company(&portal, "bo@example.com"), "Old B");
    assert_eq!(company(&portal, "cy@example.com"), Value::Null, "archived");
    let show = hub.run(&["runs", "show", &forced["run"]["id"].to_string()]).ok().stdout;
    assert!(show.contains(&format!("run {run}")) && show.contains("1 archived"), "{show}");
    portal.stop();
}

#[test]
fn runs_list_shows_what_an_undo_archived() {
    let portal = Portal::start();
    let (hub, run) = pushed(&portal);
    let undone = hub.json(&["runs", "undo", &run.to_string(), "--yes", "--archive-created"]);
    assert_eq!(undone["run"]["counts"]["archived"], 1, "{undone}");

    let listed = hub.json(&["runs", "list"]);
    let archived: Vec<u64> =
        listed["runs"].as_array().unwrap().iter().map(|r| r["counts"]["archived"].as_u64().unwrap()).collect();
    assert_eq!(archived[0], 1, "the undo, newest first: {listed}");
    let text = hub.run(&["runs", "list"]).ok().stdout;
    let mut lines = text.lines();
    let at = lines.next().unwrap().find("ARCHIVED").unwrap_or_else(|| panic!("no ARCHIVED column: {text}"));
    let undo_row = lines.next().unwrap();
    assert!(undo_row.contains(" undo "), "{text}");
    assert_eq!(undo_row[at..].split_whitespace().next(), Some("1"), "{text}");
}

/// A push that updated a company's city, created a company and made a contact's company primary
/// in place of another: the undo's preview prints each company row and association row, and the
/// live undo puts them back.
#[test]
fn undo_prints_and_takes_back_a_pushs_companies_and_associations() {
    let portal = Portal::start();
    let primary = json!([{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1 }]);
    portal.control(
        reqwest::Method::POST,
        "/fixture",
        Some(json!({
            "contacts": [
                { "id": "9101", "properties": { "email": "ann@acme.com" } },
                { "id": "9103", "properties": { "email": "cy@initech.com" } }
            ],
            "companies": [
                { "id": "9701", "properties": { "name": "Acme", "domain": "acme.com", "city": "Shelbyville" } },
                { "id": "9705", "properties": { "name": "Old Co", "domain": "old.example" } }
            ],
            "associations": [{ "fromObjectType": "contacts", "fromObjectId": "9103", "toObjectType": "companies",
                               "toObjectId": "9705", "types": primary }]
        })),
    );
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["rules", "push", "--create", "on"]).ok();
    hub.run(&["companies", "rules", "--associate", "on", "--create", "on"]).ok();
    // The company's city from its lead's company field: Ann's says Springfield.
    hub.run(&["companies", "mapping", "set", "city", "company", "--from", "lead"]).ok();
    hub.run(&["leads", "add", "--email", "ann@acme.com", "--set", "company=Springfield"]).ok();
    hub.run(&["leads", "add", "--email", "cy@initech.com"]).ok();
    let live = hub.json(&["push", "--yes"]);
    assert_eq!(live["companies"]["counts"]["associated"], 2, "{live}");
    let run = live["run"]["id"].as_i64().unwrap().to_string();

    let preview = hub.json(&["runs", "undo", &run, "--preview"]);
    let counts = &preview["counts"];
    assert_eq!(counts["companies"], json!({ "restore": 1, "archive": 0, "changed_since": 0, "skip": 1 }), "{preview}");
    assert_eq!(
        counts["associations"],
        json!({ "unassociate": 2, "restore_primary": 1, "changed_since": 0, "skip": 0 }),
        "{preview}"
    );
    let rows = preview["companies"]["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{preview}");
    let associations = preview["companies"]["associations"].as_array().unwrap();
    let cy = associations.iter().find(|a| a["email"] == "cy@initech.com").unwrap();
    assert_eq!((&cy["action"], &cy["previous_primary"]), (&json!("unassociate"), &json!("9705")), "{cy}");

    let text = hub.run(&["runs", "undo", &run, "--preview"]).ok().stdout;
    assert!(text.contains("Companies: 1 restore, 0 archive"), "{text}");
    assert!(text.contains("RESTORED VALUE") && text.contains("Shelbyville") && text.contains("restore"), "{text}");
    assert!(text.contains("skip (created-kept)") && text.contains("initech.com"), "{text}");
    assert!(text.contains("PRIMARY AGAIN") && text.contains("9705") && text.contains("unassociate"), "{text}");
    assert!(text.contains("`--archive-created` archives the contacts and companies"), "{text}");

    let undone = hub.json(&["runs", "undo", &run, "--yes"]);
    assert_eq!(undone["run"]["status"], "completed", "{undone}");
    assert_eq!(
        (&undone["companies"]["counts"]["updated"], &undone["companies"]["counts"]["unassociated"]),
        (&json!(1), &json!(2)),
        "{undone}"
    );
    let companies = portal.control(reqwest::Method::GET, "/companies", None);
    let acme = companies["results"].as_array().unwrap().iter().find(|c| c["id"] == "9701").unwrap().clone();
    assert_eq!(acme["properties"]["city"], "Shelbyville", "{acme}");
    let associations = portal.control(reqwest::Method::GET, "/associations", None);
    let of_cy: Vec<&Value> = associations["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["first"]["id"] == "9103" || a["second"]["id"] == "9103")
        .collect();
    assert_eq!(of_cy.len(), 1, "only Old Co is left: {of_cy:?}");
    assert_eq!(of_cy[0]["primary"], true, "{of_cy:?}");
}
