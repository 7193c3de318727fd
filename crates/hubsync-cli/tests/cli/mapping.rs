//! mapping list, set and remove, checked against the portal when connected.

use serde_json::json;

use crate::support::{Hub, Portal};

#[test]
fn mappings_are_set_listed_and_removed() {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    // A first portal maps each built-in field with a standard property to it, overwriting.
    let list = hub.json(&["mapping", "list"]);
    let mapped: Vec<(&str, &str, &str)> = list["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["field_key"].as_str().unwrap(), m["property"].as_str().unwrap(), m["write_rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        mapped,
        [
            ("email", "email", "overwrite"),
            ("first_name", "firstname", "overwrite"),
            ("last_name", "lastname", "overwrite"),
            ("company", "company", "overwrite"),
            ("job_title", "jobtitle", "overwrite"),
            ("phone", "phone", "overwrite"),
            ("website", "website", "overwrite"),
            ("city", "city", "overwrite"),
            ("country", "country", "overwrite"),
        ]
    );

    hub.run(&["mapping", "remove", "company"]).ok();
    let set = hub.json(&["mapping", "set", "company", "company"]);
    assert_eq!(set["mapping"], json!({ "field_key": "company", "property": "company", "write_rule": "overwrite" }));
    assert_eq!(set["checked_in_hubspot"], true);
    hub.run(&["mapping", "set", "job_title", "jobtitle", "--rule", "if-empty"]).ok();
    // An existing mapping keeps its rule unless one is given.
    let moved = hub.json(&["mapping", "set", "job_title", "jobtitle"]);
    assert_eq!(moved["mapping"]["write_rule"], "if-empty");

    let table = hub.run(&["mapping", "list"]).ok().stdout;
    assert!(
        table.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["job_title", "jobtitle", "if-empty"]),
        "{table}"
    );

    let removed = hub.json(&["mapping", "remove", "company"]);
    assert_eq!(removed, json!({ "removed": "company" }));
    assert_eq!(hub.json_error(&["mapping", "remove", "company"])["code"], "not_mapped");
    assert_eq!(hub.json(&["mapping", "list"])["mappings"].as_array().unwrap().len(), 8);
}

#[test]
fn the_email_mapping_is_locked() {
    let hub = Hub::new();
    let run = hub.run(&["mapping", "remove", "email"]).fails();
    assert!(run.stderr.contains("cannot be removed"), "{run:?}");
    assert_eq!(hub.json_error(&["mapping", "remove", "email"])["code"], "email_mapping_locked");
    assert_eq!(hub.json_error(&["mapping", "set", "email", "hs_additional_emails"])["code"], "email_mapping_locked");
    assert_eq!(hub.json(&["mapping", "list"])["mappings"].as_array().unwrap().len(), 1);
}

#[test]
fn read_only_and_unknown_hubspot_properties_are_refused_when_connected() {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    let before = hub.json(&["mapping", "list"]);
    let run = hub.run(&["mapping", "set", "company", "hs_object_id"]).fails();
    assert!(run.stderr.contains("read-only"), "{run:?}");
    assert_eq!(hub.json_error(&["mapping", "set", "company", "lastmodifieddate"])["code"], "read_only_property");
    assert_eq!(hub.json_error(&["mapping", "set", "company", "no_such_property"])["code"], "unknown_property");
    assert_eq!(hub.json_error(&["mapping", "set", "no_such_field", "company"])["code"], "unknown_field");
    assert_eq!(hub.json(&["mapping", "list"]), before, "nothing was saved");
}

#[test]
fn offline_a_mapping_is_saved_with_a_warning() {
    let hub = Hub::new();
    let run = hub.run(&["mapping", "set", "company", "company"]).ok();
    assert!(run.stderr.starts_with("warning: ") && run.stderr.contains("not connected"), "{run:?}");
    let set = hub.json(&["mapping", "set", "city", "city", "--rule", "if-empty"]);
    assert_eq!(set["checked_in_hubspot"], false);
    assert!(set["warning"].as_str().unwrap().contains("not checked"), "{set}");

    let mut portal = Portal::start();
    let connected = Hub::new();
    connected.connect(&portal);
    portal.stop();
    let set = connected.json(&["mapping", "set", "company", "company"]);
    assert_eq!(set["checked_in_hubspot"], false, "the portal is unreachable: {set}");
    assert!(set["warning"].as_str().unwrap().contains("could not reach HubSpot"), "{set}");
}

#[test]
fn the_configuration_exports_and_imports_as_one_file() {
    let source = Hub::new();
    source.run(&["fields", "add", "tier", "--type", "single-choice", "--options", "Gold,Silver"]).ok();
    source.run(&["mapping", "set", "company", "company", "--rule", "if-empty"]).ok();
    source.run(&["rules", "push", "--create", "on"]).ok();
    let file = source.dir().join("hubsync-config.json");
    let file = file.to_str().unwrap();
    let exported = source.json(&["config", "export", file]);
    assert_eq!((exported["fields"].as_u64(), exported["mappings"].as_u64()), (Some(1), Some(2)));

    let target = Hub::new();
    target.run(&["mapping", "set", "city", "city"]).ok();
    target.json(&["config", "import", file]);
    assert_eq!(target.json(&["mapping", "list"]), source.json(&["mapping", "list"]), "the mapping replaced");
    assert_eq!(target.json(&["rules", "push"]), json!({ "update": true, "create": true }));
    assert!(target.json(&["fields", "list"])["fields"].as_array().unwrap().iter().any(|f| f["key"] == "tier"));

    // A broken file is refused whole.
    let broken = source.dir().join("broken.json");
    std::fs::write(&broken, "{ \"version\": 1, \"pushRules\": ").unwrap();
    let error = target.json_error(&["config", "import", broken.to_str().unwrap()]);
    assert_eq!(error["code"], "invalid_config");
    assert!(error["message"].as_str().unwrap().contains("line 1"), "{error}");
    assert_eq!(target.json(&["mapping", "list"]), source.json(&["mapping", "list"]), "unchanged");
}

#[test]
fn the_mapping_moves_between_stores_as_a_file() {
    let portal = Portal::start();
    let from = Hub::new();
    from.connect(&portal);
    from.run(&["fields", "add", "tier", "--type", "single-choice", "--options", "gold,silver"]).ok();
    from.run(&["mapping", "set", "tier", "industry", "--rule", "if-empty"]).ok();
    from.run(&["mapping", "remove", "job_title"]).ok();
    let file = from.dir().join("mapping.json");
    let exported = from.json(&["mapping", "export", file.to_str().unwrap()]);
    // Email, seven of the standard rows a first portal starts with, and tier.
    assert_eq!((exported["rows"].as_u64(), exported["fields"].as_u64()), (Some(9), Some(1)), "{exported}");

    // The other store's portal started with the standard mapping, job title to jobtitle too.
    let to = Hub::new();
    to.connect(&portal);
    let preview = to.json(&["mapping", "import", file.to_str().unwrap(), "--preview"]);
    assert_eq!(preview["checked_in_hubspot"], true);
    assert_eq!(preview["new_fields"][0]["key"], "tier");
    assert_eq!(preview["added"].as_array().unwrap().len(), 1, "{preview}");
    assert_eq!(
        preview["removed"],
        json!([{ "field_key": "job_title", "property": "jobtitle", "write_rule": "overwrite" }])
    );
    assert_eq!(to.json(&["mapping", "list"])["mappings"].as_array().unwrap().len(), 9, "a preview changes nothing");

    let text = to.run(&["mapping", "import", file.to_str().unwrap()]).ok().stdout;
    assert!(text.contains("add tier → industry (if-empty)") && text.contains("remove job_title → jobtitle"), "{text}");
    assert_eq!(to.json(&["mapping", "list"]), from.json(&["mapping", "list"]));

    // A file naming a property the portal lacks, and a field no one defines: both told, nothing changed.
    let bad = from.dir().join("bad.json");
    let mut body: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    body["mappings"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "field_key": "ghost", "property": "no_such_property", "write_rule": "overwrite" }));
    std::fs::write(&bad, body.to_string()).unwrap();
    let error = to.json_error(&["mapping", "import", bad.to_str().unwrap()]);
    assert_eq!(error["code"], "invalid_mapping_file");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("\"ghost\", which neither this store nor the file defines"), "{message}");
    assert!(message.contains("HubSpot has no contact property \"no_such_property\""), "{message}");
    assert_eq!(to.json(&["mapping", "list"]), from.json(&["mapping", "list"]), "nothing changed");
}

/// A configuration file naming properties the portal lacks or can't write, and pull-rule values
/// it has no such thing for.
fn config_the_portal_refuses() -> serde_json::Value {
    json!({
        "version": 1,
        "fields": [],
        "mappings": [
            { "field_key": "email", "property": "email", "write_rule": "overwrite" },
            { "field_key": "city", "property": "no_such_property", "write_rule": "overwrite" },
            { "field_key": "country", "property": "hs_object_id", "write_rule": "overwrite" }
        ],
        "pushRules": { "update": true, "create": true },
        "pullRules": { "conditions": [
            { "property": "lifecyclestage", "operator": "equals", "values": ["vip"] },
            { "property": "owner", "operator": "equals", "values": ["nobody@example.com"] }
        ] }
    })
}

#[test]
fn config_import_runs_the_portals_checks_and_is_refused_whole() {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    let file = hub.dir().join("config.json");
    std::fs::write(&file, config_the_portal_refuses().to_string()).unwrap();
    let (mapping, push, pull) =
        (hub.json(&["mapping", "list"]), hub.json(&["rules", "push"]), hub.json(&["rules", "pull"]));

    let error = hub.json_error(&["config", "import", file.to_str().unwrap()]);
    assert_eq!(error["code"], "invalid_config", "{error}");
    let message = error["message"].as_str().unwrap();
    for expected in [
        "the row city → no_such_property: HubSpot has no contact property \"no_such_property\"",
        "the row country → hs_object_id: the HubSpot property hs_object_id",
        "\"vip\" is not one of lifecyclestage's options",
        "no HubSpot owner has the email nobody@example.com",
    ] {
        assert!(message.contains(expected), "{expected}: {message}");
    }
    assert_eq!(hub.json(&["mapping", "list"]), mapping, "nothing changed");
    assert_eq!(hub.json(&["rules", "push"]), push);
    assert_eq!(hub.json(&["rules", "pull"]), pull);

    // Offline it goes in as a mapping file does offline: the store's checks, and a warning.
    let offline = Hub::new();
    let run = offline.run(&["config", "import", file.to_str().unwrap()]).ok();
    assert!(run.stderr.starts_with("warning: ") && run.stderr.contains("not checked in HubSpot"), "{run:?}");
    let rows = offline.json(&["mapping", "list"])["mappings"].as_array().unwrap().len();
    assert_eq!(rows, 3);
}

#[test]
fn configuration_and_mapping_files_may_start_with_a_byte_order_mark() {
    let source = Hub::new();
    source.run(&["mapping", "set", "company", "company"]).ok();
    let with_mark = |name: &str, args: &[&str]| {
        let file = source.dir().join(name);
        let path = file.to_str().unwrap().to_string();
        let mut export = args.to_vec();
        export.extend(["export", path.as_str()]);
        source.run(&export).ok();
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, format!("\u{feff}{text}")).unwrap();
        path
    };
    let config = with_mark("config.json", &["config"]);
    let mapping = with_mark("mapping.json", &["mapping"]);

    let target = Hub::new();
    target.json(&["config", "import", &config]);
    assert_eq!(target.json(&["mapping", "list"]), source.json(&["mapping", "list"]));
    let other = Hub::new();
    other.json(&["mapping", "import", &mapping]);
    assert_eq!(other.json(&["mapping", "list"]), source.json(&["mapping", "list"]));
}

#[test]
fn exports_create_the_folder_they_are_written_to_as_runs_export_does() {
    let hub = Hub::new();
    for (args, name) in [(["config", "export"], "config.json"), (["mapping", "export"], "mapping.json")] {
        let file = hub.dir().join("not").join("there").join(name);
        hub.json(&[args[0], args[1], file.to_str().unwrap()]);
        assert!(file.is_file(), "{}", file.display());
    }
}

#[test]
fn mapping_set_warns_when_a_fields_values_only_sometimes_fit_as_the_app_does() {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    // Company is text; createdate a date and time: only text that reads as one is sent.
    let run = hub.run(&["mapping", "set", "company", "createdate"]).ok();
    assert!(run.stderr.contains("warning: only text values that read as a date and time are sent"), "{run:?}");
    let set = hub.json(&["mapping", "set", "company", "createdate"]);
    assert_eq!(set["fit"], "only text values that read as a date and time are sent", "{set}");
    hub.run(&["fields", "add", "signed", "--type", "boolean"]).ok();
    let run = hub.run(&["mapping", "set", "signed", "annualrevenue"]).ok();
    assert!(
        run.stderr.contains("warning: these types look incompatible: a boolean field can't fill a number property"),
        "{run:?}"
    );
    // A fitting pair says nothing.
    assert!(hub.run(&["mapping", "set", "city", "city"]).ok().stderr.is_empty());
}
