//! leads import: the CSV form, all or nothing, adds and updates.

use serde_json::{Value, json};

use crate::support::Hub;

fn write(hub: &Hub, name: &str, bytes: &[u8]) -> String {
    let path = hub.dir().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn lead<'a>(leads: &'a Value, email: &str) -> &'a Value {
    leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == email)
        .unwrap_or_else(|| panic!("{email}: {leads}"))
}

#[test]
fn a_file_with_a_bom_crlf_and_a_quoted_line_break_imports() {
    let hub = Hub::new();
    hub.run(&["fields", "add", "score", "--type", "number"]).ok();
    let file = write(
        &hub,
        "leads.csv",
        "\u{feff}email,first_name,company,score\r\nann@example.com,Ann,\"Acme, Inc.\nSecond line\",10\r\nbo@example.com,Bo,\"Say \"\"hi\"\"\",\r\n"
            .as_bytes(),
    );
    let body = hub.json(&["leads", "import", &file]);
    assert_eq!(body, json!({ "file": file, "rows": 2, "added": 2, "updated": 0 }));
    let leads = hub.json(&["leads", "list"]);
    assert_eq!(
        lead(&leads, "ann@example.com")["values"],
        json!({ "first_name": "Ann", "company": "Acme, Inc.\nSecond line", "score": "10" })
    );
    assert_eq!(lead(&leads, "bo@example.com")["values"], json!({ "first_name": "Bo", "company": "Say \"hi\"" }));
}

#[test]
fn any_bad_row_stops_the_whole_import_and_every_bad_row_is_listed() {
    let hub = Hub::new();
    hub.run(&["fields", "add", "score", "--type", "number"]).ok();
    hub.run(&["leads", "add", "--email", "kept@example.com", "--set", "score=1"]).ok();
    let csv = "email,score\n\
               good@example.com,5\n\
               not-an-email,1\n\
               two@example.com,many\n\
               Good@Example.com,2\n\
               kept@example.com,3,extra\n\
               ,4\n";
    let file = write(&hub, "bad.csv", csv.as_bytes());

    let run = hub.run(&["leads", "import", &file]).fails();
    for expected in [
        "row 3: ",
        "row 4: score",
        "row 5: ",
        "also on row 2",
        "row 6: has 3 cells",
        "row 7: the email is empty",
        "nothing was written",
    ] {
        assert!(run.stderr.contains(expected), "{expected:?} missing: {}", run.stderr);
    }
    assert!(!run.stderr.contains("row 2:"), "row 2 is fine: {}", run.stderr);

    let error = hub.json_error(&["leads", "import", &file]);
    assert_eq!(error["code"], "invalid_rows");
    let rows: Vec<u64> = error["rows"].as_array().unwrap().iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, [3, 4, 5, 6, 7]);

    let leads = hub.json(&["leads", "list"]);
    assert_eq!(leads["leads"].as_array().unwrap().len(), 1, "nothing was written: {leads}");
    assert_eq!(lead(&leads, "kept@example.com")["values"]["score"], "1");
}

#[test]
fn a_row_whose_email_is_in_the_store_updates_that_lead() {
    let hub = Hub::new();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "first_name=Ann", "--set", "company=Old Co"]).ok();
    let file =
        write(&hub, "update.csv", b"email,company,first_name\nANN@example.com,New Co,\nnew@example.com,Fresh,Nia\n");
    let run = hub.run(&["leads", "import", &file]).ok();
    assert!(run.stdout.contains("1 added, 1 updated"), "{run:?}");
    let leads = hub.json(&["leads", "list"]);
    let ann = lead(&leads, "ANN@example.com");
    assert_eq!(ann["id"], 1, "the same lead");
    assert_eq!(ann["values"], json!({ "first_name": "Ann", "company": "New Co" }), "a blank cell leaves the value");
    assert_eq!(lead(&leads, "new@example.com")["values"], json!({ "first_name": "Nia", "company": "Fresh" }));
}

#[test]
fn a_header_that_cannot_be_used_is_refused_before_any_row() {
    let hub = Hub::new();
    let unknown = write(&hub, "unknown.csv", b"email,colour,shoe_size\nann@example.com,red,42\n");
    let error = hub.json_error(&["leads", "import", &unknown]);
    assert_eq!(error["code"], "invalid_csv");
    assert!(error["message"].as_str().unwrap().contains("\"colour\", \"shoe_size\""), "{error}");
    assert!(error["hint"].as_str().unwrap().contains("fields add"), "{error}");

    let no_email = write(&hub, "no-email.csv", b"first_name\nAnn\n");
    assert!(hub.json_error(&["leads", "import", &no_email])["message"].as_str().unwrap().contains("no email column"));
    let empty = write(&hub, "empty.csv", b"");
    assert_eq!(hub.json_error(&["leads", "import", &empty])["code"], "invalid_csv");
    let missing = hub.dir().join("missing.csv").display().to_string();
    assert_eq!(hub.json_error(&["leads", "import", &missing])["code"], "io_error");
    let latin1 = write(&hub, "latin1.csv", b"email,city\nann@example.com,M\xfcnchen\n");
    let error = hub.json_error(&["leads", "import", &latin1]);
    assert_eq!(error["rows"], json!([{ "row": 2, "message": "is not UTF-8 text: save the file as UTF-8" }]));
    assert_eq!(hub.json(&["leads", "list"])["leads"], json!([]));
}

#[test]
fn an_export_defuses_formulas_and_reads_back_with_import() {
    let hub = Hub::new();
    hub.run(&["fields", "add", "score", "--type", "number"]).ok();
    hub.run(&[
        "leads",
        "add",
        "--email",
        "ann@example.com",
        "--set",
        "company==HYPERLINK(\"http://x\")",
        "--set",
        "score=-5",
    ])
    .ok();
    hub.run(&["leads", "add", "--email", "bo@example.com", "--set", "company=Bo, \"Ltd\"\nline two"]).ok();
    let file = hub.dir().join("out.csv");
    let file = file.to_str().unwrap();
    assert_eq!(hub.json(&["leads", "export", file]), json!({ "file": file, "leads": 2 }));
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.starts_with("email,first_name,last_name,company,"), "{text}");
    assert!(text.contains("'=HYPERLINK"), "a formula is written as text: {text}");
    assert!(text.contains(",-5"), "a negative number stays a number: {text}");

    let other = Hub::new();
    other.run(&["fields", "add", "score", "--type", "number"]).ok();
    other.json(&["leads", "import", file]);
    let leads = other.json(&["leads", "list"]);
    assert_eq!(lead(&leads, "bo@example.com")["values"]["company"], "Bo, \"Ltd\"\nline two", "quoted cells read back");
    assert_eq!(lead(&leads, "ann@example.com")["values"]["score"], "-5");
}
