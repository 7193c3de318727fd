//! fields list and add.

use serde_json::json;

use crate::support::Hub;

#[test]
fn custom_fields_are_added_and_listed_beside_the_built_in_ones() {
    let hub = Hub::new();
    let added = hub.json(&["fields", "add", "score", "--type", "number", "--label", "Lead score"]);
    assert_eq!(
        added["field"],
        json!({ "key": "score", "label": "Lead score", "type": "number", "options": [], "builtin": false, "position": 14 }) // after the 14 built-in fields (0 to 13)
    );
    hub.run(&["fields", "add", "interests", "--type", "multiple_choice", "--options", "api,ui", "--options", "docs"])
        .ok();

    let list = hub.json(&["fields", "list"]);
    let fields = list["fields"].as_array().unwrap();
    assert_eq!(fields[0]["key"], "email");
    assert_eq!(fields[0]["builtin"], true);
    let interests = fields.iter().find(|f| f["key"] == "interests").unwrap();
    assert_eq!(interests["type"], "multiple_choice");
    assert_eq!(interests["options"], json!(["api", "ui", "docs"]));
    assert_eq!(interests["label"], "Interests");

    let table = hub.run(&["fields", "list"]).ok().stdout;
    let header = table.lines().next().unwrap();
    assert_eq!(header.split_whitespace().collect::<Vec<_>>(), ["KEY", "LABEL", "TYPE", "OPTIONS", "BUILT-IN"]);
    let row = table.lines().find(|l| l.starts_with("interests ")).unwrap();
    assert!(row.contains("multiple-choice") && row.contains("api, ui, docs") && row.ends_with("no"), "{row}");
    // Columns line up: every row's second column starts where the header's does.
    let label_at = header.find("LABEL").unwrap();
    assert!(table.lines().all(|l| l[label_at - 2..label_at].trim().is_empty()), "{table}");
}

#[test]
fn a_choice_field_needs_options_and_names_must_be_new_and_well_formed() {
    let hub = Hub::new();
    let run = hub.run(&["fields", "add", "tier", "--type", "single-choice"]).fails();
    assert!(run.stderr.contains("needs options"), "{run:?}");
    assert!(run.stderr.contains("--options a,b,c"), "the flag is named: {run:?}");
    assert_eq!(hub.json_error(&["fields", "add", "tier", "--type", "single-choice"])["code"], "invalid_field");
    assert_eq!(
        hub.json_error(&["fields", "add", "score", "--type", "number", "--options", "a"])["code"],
        "invalid_field"
    );
    assert_eq!(hub.json_error(&["fields", "add", "Bad-Name", "--type", "text"])["code"], "invalid_field");
    assert_eq!(hub.json_error(&["fields", "add", "company", "--type", "text"])["code"], "field_exists");
    let list = hub.json(&["fields", "list"]);
    assert!(list["fields"].as_array().unwrap().iter().all(|f| f["builtin"] == true), "nothing was added");
}
