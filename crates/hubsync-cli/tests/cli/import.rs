//! leads import: admins' files (BOM, semicolons, tabs, quoted line breaks, labels as headers),
//! column matching and --map, all or nothing, --skip-bad-rows and its errors file, --dry-run,
//! and the round trip with leads export.

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

/// Asserts that `output` has each of `parts`.
fn says(output: &str, parts: &[&str]) {
    for part in parts {
        assert!(output.contains(part), "{part:?} missing:\n{output}");
    }
}

fn lead_count(hub: &Hub) -> usize {
    hub.json(&["leads", "list"])["leads"].as_array().unwrap().len()
}

/// `(column, field, matched_by)` of an import's JSON.
fn columns(body: &Value) -> Vec<(String, Value, String)> {
    body["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["column"].as_str().unwrap().to_string(), c["field"].clone(), c["matched_by"].as_str().unwrap().into())
        })
        .collect()
}

fn skipped_rows(body: &Value) -> Vec<u64> {
    body["skipped"].as_array().unwrap().iter().map(|r| r["row"].as_u64().unwrap()).collect()
}

/// A store with a number field `score` and a choice field `tier` labelled "Customer tier".
fn hub_with_fields() -> Hub {
    let hub = Hub::new();
    hub.run(&["fields", "add", "score", "--type", "number"]).ok();
    hub.run(&[
        "fields",
        "add",
        "tier",
        "--type",
        "single-choice",
        "--options",
        "Gold,Silver",
        "--label",
        "Customer tier",
    ])
    .ok();
    hub
}

#[test]
fn a_file_with_a_bom_crlf_and_a_quoted_line_break_imports() {
    let hub = hub_with_fields();
    let file = write(
        &hub,
        "leads.csv",
        "\u{feff}email,first_name,company,score\r\nann@example.com,Ann,\"Acme, Inc.\nSecond line\",10\r\nbo@example.com,Bo,\"Say \"\"hi\"\"\",\r\n"
            .as_bytes(),
    );
    let body = hub.json(&["leads", "import", &file]);
    assert_eq!(
        body,
        json!({
            "file": file, "dry_run": false, "delimiter": "comma",
            "columns": [
                { "column": "email", "field": "email", "matched_by": "key" },
                { "column": "first_name", "field": "first_name", "matched_by": "key" },
                { "column": "company", "field": "company", "matched_by": "key" },
                { "column": "score", "field": "score", "matched_by": "key" },
            ],
            "rows": 2, "blank": 0, "added": 2, "updated": 0, "skipped": [],
            "errors_file": null, "removed_errors_file": null,
        })
    );
    let leads = hub.json(&["leads", "list"]);
    assert_eq!(
        lead(&leads, "ann@example.com")["values"],
        json!({ "first_name": "Ann", "company": "Acme, Inc.\nSecond line", "score": "10" })
    );
    assert_eq!(lead(&leads, "bo@example.com")["values"], json!({ "first_name": "Bo", "company": "Say \"hi\"" }));
}

#[test]
fn spreadsheet_headers_semicolons_and_tabs_are_read_as_admins_write_them() {
    let hub = hub_with_fields();
    let crm = |score: &str| {
        let text = format!(
            "\u{feff}E-mail;First Name;Surname;Company Name;Customer Tier;Score;Fax\r\n\
             ann@example.com;Ann;Lee;\"Acme; Inc.\";gold;{score};0123\r\n"
        );
        write(&hub, "crm.csv", text.as_bytes())
    };
    // A decimal comma is no number: the row is refused, with its field and row.
    let error = hub.json_error(&["leads", "import", &crm("1,5")]);
    assert_eq!(
        error["rows"],
        json!([{ "row": 2, "message": "score: \"1,5\" is not a number (digits, an optional - and one decimal point)" }])
    );

    let semicolons = crm("1.5");
    let body = hub.json(&["leads", "import", &semicolons]);
    assert_eq!(body["delimiter"], "semicolon");
    assert_eq!(
        columns(&body),
        [
            ("E-mail".to_string(), json!("email"), "key".to_string()),
            ("First Name".into(), json!("first_name"), "key".into()),
            ("Surname".into(), json!("last_name"), "alias".into()),
            ("Company Name".into(), json!("company"), "alias".into()),
            ("Customer Tier".into(), json!("tier"), "label".into()),
            ("Score".into(), json!("score"), "key".into()),
            ("Fax".into(), Value::Null, "unmatched".into()),
        ]
    );
    let leads = hub.json(&["leads", "list"]);
    assert_eq!(
        lead(&leads, "ann@example.com")["values"],
        json!({ "first_name": "Ann", "last_name": "Lee", "company": "Acme; Inc.", "tier": "Gold", "score": "1.5" })
    );

    let tabs = write(&hub, "crm.tsv", b"Email Address\tPhone number\tJob Title\nbo@example.com\t+44 20\tBuyer\n");
    let body = hub.json(&["leads", "import", &tabs]);
    assert_eq!(body["delimiter"], "tab");
    let leads = hub.json(&["leads", "list"]);
    assert_eq!(lead(&leads, "bo@example.com")["values"], json!({ "phone": "+44 20", "job_title": "Buyer" }));
}

#[test]
fn people_see_how_each_column_was_matched_and_which_are_not_imported() {
    let hub = hub_with_fields();
    let file = write(&hub, "leads.csv", b"E-mail,Given name,Notes,Fax\nann@example.com,Ann,hello,0123\n");
    let run = hub.run(&["leads", "import", &file]).ok();
    says(
        &run.stdout,
        &[
            "Columns of ",
            "(comma separated):",
            "E-mail      email       key",
            "Given name  first_name  alias",
            "Notes       -           ignored: no field matched",
            "Not imported: \"Notes\", \"Fax\" (--map \"COLUMN=FIELD\" sends a column to a field)",
            "1 added, 0 updated.",
        ],
    );
    let run = hub.run(&["leads", "import", &file, "--map", "notes=company", "--map", "Fax="]).ok();
    assert!(run.stdout.contains("Notes       company     override"), "{}", run.stdout);
    assert!(run.stdout.contains("Fax         -           ignored (--map)"), "{}", run.stdout);
    assert!(!run.stdout.contains("Not imported"), "{}", run.stdout);
    assert_eq!(lead(&hub.json(&["leads", "list"]), "ann@example.com")["values"]["company"], "hello");
}

#[test]
fn map_sends_a_column_to_a_field_or_ignores_it() {
    let hub = hub_with_fields();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "company=Kept"]).ok();
    let file = write(&hub, "leads.csv", b"Contact,Company,Points\nann@example.com,Overwritten,7\n");
    let body = hub.json(&[
        "leads",
        "import",
        &file,
        "--map",
        " CONTACT = email",
        "--map",
        "Company=",
        "--map",
        "points=Score",
    ]);
    assert_eq!(
        columns(&body),
        [
            ("Contact".to_string(), json!("email"), "override".to_string()),
            ("Company".into(), Value::Null, "override".into()),
            ("Points".into(), json!("score"), "override".into()),
        ]
    );
    assert_eq!((body["added"].as_u64(), body["updated"].as_u64()), (Some(0), Some(1)));
    assert_eq!(
        lead(&hub.json(&["leads", "list"]), "ann@example.com")["values"],
        json!({ "company": "Kept", "score": "7" })
    );
}

#[test]
fn a_header_that_cannot_be_used_is_refused_before_any_row() {
    let hub = hub_with_fields();
    let file = write(&hub, "leads.csv", b"Name,Contact,Company\nAnn,ann@example.com,Acme\n");

    let error = hub.json_error(&["leads", "import", &file]);
    assert_eq!(error["code"], "no_email_column");
    assert!(error["message"].as_str().unwrap().contains(r#"the columns are "Name", "Contact", "Company""#), "{error}");
    assert_eq!(error["hint"], r#"name the column that holds the email: --map "Name=email""#);
    let run = hub.run(&["leads", "import", &file]).fails();
    assert!(run.stderr.contains("hint: name the column that holds the email"), "{}", run.stderr);

    let error = hub.json_error(&["leads", "import", &file, "--map", "Mail=email"]);
    assert_eq!(error["code"], "unknown_column");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(r#"no column "Mail" in the file; the columns are "Name", "Contact", "Company""#),
        "{error}"
    );
    let error = hub.json_error(&["leads", "import", &file, "--map", "Contact=e_mail"]);
    assert_eq!(error["code"], "unknown_field");
    assert!(error["hint"].as_str().unwrap().contains("fields list"), "{error}");
    let error = hub.json_error(&["leads", "import", &file, "--map", "Contact"]);
    assert_eq!(error["code"], "usage");

    let twice = write(&hub, "twice.csv", b"Email,E-mail address\nann@example.com,ann@example.org\n");
    let error = hub.json_error(&["leads", "import", &twice]);
    assert_eq!(error["code"], "ambiguous_columns");
    assert!(error["message"].as_str().unwrap().contains(r#""Email", "E-mail address" all go to the field email"#));
    assert!(error["hint"].as_str().unwrap().contains(r#"--map "Email=""#), "{error}");
    hub.json(&["leads", "import", &twice, "--map", "E-mail address="]);

    let empty = write(&hub, "empty.csv", b"");
    assert_eq!(hub.json_error(&["leads", "import", &empty])["code"], "invalid_csv");
    let missing = hub.dir().join("missing.csv").display().to_string();
    assert_eq!(hub.json_error(&["leads", "import", &missing])["code"], "io_error");
    assert_eq!(lead_count(&hub), 1, "only the import that worked wrote");
}

#[test]
fn any_bad_row_stops_the_whole_import_and_every_bad_row_is_listed() {
    let hub = hub_with_fields();
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
    says(
        &run.stderr,
        &[
            "row 3: ",
            "row 4: score",
            "row 5: ",
            "also on row 2",
            "row 6: has 3 cells",
            "row 7: the email is empty",
            "nothing was written",
            "hint: fix those rows, or add --skip-bad-rows",
        ],
    );
    assert!(!run.stderr.contains("row 2:"), "row 2 is fine: {}", run.stderr);

    let error = hub.json_error(&["leads", "import", &file]);
    assert_eq!(error["code"], "invalid_rows");
    let rows: Vec<u64> = error["rows"].as_array().unwrap().iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, [3, 4, 5, 6, 7]);

    let leads = hub.json(&["leads", "list"]);
    assert_eq!(leads["leads"].as_array().unwrap().len(), 1, "nothing was written: {leads}");
    assert_eq!(lead(&leads, "kept@example.com")["values"]["score"], "1");
    assert!(!hub.dir().join("bad.errors.csv").exists(), "no errors file without --skip-bad-rows");
}

#[test]
fn values_are_converted_to_their_types_and_refusals_name_the_row_after_quoted_line_breaks() {
    let hub = hub_with_fields();
    hub.run(&["fields", "add", "met_on", "--type", "date"]).ok();
    let file = write(
        &hub,
        "types.csv",
        b"email,score,tier,met_on,company\n\
          a@example.com,007.50,silver,2026-02-28,\"Two\nline\"\n\
          b@example.com,1e3,Gold,2026-02-28,\"Three\nline\ncell\"\n\
          c@example.com,1,Bronze,2026-02-28,x\n\
          d@example.com,1,Gold,28/02/2026,x\n",
    );
    let error = hub.json_error(&["leads", "import", &file]);
    let rows = error["rows"].as_array().unwrap();
    let got: Vec<(u64, &str)> =
        rows.iter().map(|r| (r["row"].as_u64().unwrap(), r["message"].as_str().unwrap())).collect();
    assert_eq!(
        got,
        [
            (3, "score: \"1e3\" is not a number (digits, an optional - and one decimal point)"),
            (4, "tier: \"Bronze\" is not one of the options: Gold, Silver"),
            (5, "met_on: \"28/02/2026\" is not a date (YYYY-MM-DD)"),
        ],
        "a line break inside quotes does not start a row"
    );
    let body = hub.json(&["leads", "import", &file, "--skip-bad-rows"]);
    assert_eq!(skipped_rows(&body), [3, 4, 5]);
    let leads = hub.json(&["leads", "list"]);
    assert_eq!(
        lead(&leads, "a@example.com")["values"],
        json!({ "score": "7.5", "tier": "Silver", "met_on": "2026-02-28", "company": "Two\nline" })
    );
}

#[test]
fn skip_bad_rows_imports_the_rest_and_writes_the_bad_rows_as_they_were() {
    let hub = hub_with_fields();
    let file = write(
        &hub,
        "leads.csv",
        "\u{feff}Email;First Name;Score;Notes\r\n\
         ok@example.com;Ok;1;=SUM(A1)\r\n\
         bad@example.com;\"=HYPERLINK(\"\"http://x\"\")\";many;\"two\r\nlines\"\r\n\
         ;;;\r\n\
         also@example.com;Al;2;\r\n\
         not-an-email;@me;3;+1+1\r\n"
            .as_bytes(),
    );
    let errors = hub.dir().join("leads.errors.csv");
    let body = hub.json(&["leads", "import", &file, "--skip-bad-rows"]);
    assert_eq!((body["rows"].as_u64(), body["blank"].as_u64()), (Some(5), Some(1)));
    assert_eq!((body["added"].as_u64(), body["updated"].as_u64()), (Some(2), Some(0)));
    assert_eq!(skipped_rows(&body), [3, 6]);
    assert_eq!(body["errors_file"], errors.display().to_string());
    assert_eq!(lead_count(&hub), 2);

    let written = std::fs::read_to_string(&errors).unwrap();
    assert_eq!(
        written,
        "\u{feff}row;error;Email;First Name;Score;Notes\r\n\
         3;\"score: \"\"many\"\" is not a number (digits, an optional - and one decimal point)\";bad@example.com;\"'=HYPERLINK(\"\"http://x\"\")\";many;\"two\r\nlines\"\r\n\
         6;\"\"\"not-an-email\"\" is not an email address HubSpot accepts: it has no @\";not-an-email;'@me;3;'+1+1\r\n",
        "the bad rows only, in the input's layout, formula-looking cells escaped"
    );

    // Fixed in the errors file and imported from it: the quote goes again, row and error are ignored.
    let fixed = written.replace("many", "4").replace("not-an-email;", "nia@example.com;");
    let fixed = write(&hub, "fixed.csv", fixed.as_bytes());
    let body = hub.json(&["leads", "import", &fixed, "--skip-bad-rows"]);
    assert_eq!((body["added"].as_u64(), skipped_rows(&body)), (Some(2), vec![]));
    assert_eq!(columns(&body)[0], ("row".to_string(), Value::Null, "unmatched".to_string()));
    let leads = hub.json(&["leads", "list"]);
    assert_eq!(lead(&leads, "bad@example.com")["values"]["first_name"], "=HYPERLINK(\"http://x\")");
    assert_eq!(lead(&leads, "nia@example.com")["values"]["first_name"], "@me");
}

#[test]
fn an_import_without_bad_rows_leaves_no_errors_file_claiming_errors() {
    let hub = hub_with_fields();
    let file = write(&hub, "leads.csv", b"email,score\na@example.com,x\n");
    hub.json(&["leads", "import", &file, "--skip-bad-rows"]);
    let errors = hub.dir().join("leads.errors.csv");
    assert!(errors.exists());

    write(&hub, "leads.csv", b"email,score\na@example.com,1\n");
    let run = hub.run(&["leads", "import", &file, "--skip-bad-rows"]).ok();
    assert!(
        run.stdout.contains(&format!(
            "No bad rows, so no errors file was written; the old {} was removed.",
            errors.display()
        )),
        "{}",
        run.stdout
    );
    assert!(!errors.exists());

    // A file of that name Hubsync did not write is left alone.
    let mine = write(&hub, "mine.csv", b"precious,data\n1,2\n");
    let body = hub.json(&["leads", "import", &file, "--skip-bad-rows", "--errors", &mine]);
    assert_eq!((body["errors_file"].clone(), body["removed_errors_file"].clone()), (Value::Null, Value::Null));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "precious,data\n1,2\n");
    let run = hub.run(&["leads", "import", &file, "--skip-bad-rows", "--errors", &mine]).ok();
    assert!(run.stderr.contains("is not an errors file Hubsync wrote, so it was left as it is"), "{}", run.stderr);

    let error = hub.json_error(&["leads", "import", &file, "--skip-bad-rows", "--errors", &file]);
    assert_eq!(error["code"], "usage");
    assert!(hub.run(&["leads", "import", &file, "--errors", &mine]).code == 2, "--errors needs --skip-bad-rows");
}

#[test]
fn the_errors_file_can_be_named() {
    let hub = hub_with_fields();
    let file = write(&hub, "leads.csv", b"email,score\na@example.com,x\nb@example.com,2\n");
    let errors = hub.dir().join("out").join("bad-rows.csv");
    std::fs::create_dir(hub.dir().join("out")).unwrap();
    let run = hub.run(&["leads", "import", &file, "--skip-bad-rows", "--errors", errors.to_str().unwrap()]).ok();
    assert!(run.stdout.contains(&format!("1 bad row skipped, written to {}:", errors.display())), "{}", run.stdout);
    assert_eq!(
        std::fs::read_to_string(&errors).unwrap(),
        "row,error,email,score\n2,\"score: \"\"x\"\" is not a number (digits, an optional - and one decimal point)\",a@example.com,x\n"
    );
    assert!(!hub.dir().join("leads.errors.csv").exists());
}

#[test]
fn a_row_that_is_not_utf8_is_named() {
    let hub = Hub::new();
    let latin1 = write(&hub, "latin1.csv", b"email,city\nann@example.com,M\xfcnchen\nbo@example.com,Berlin\n");
    let error = hub.json_error(&["leads", "import", &latin1]);
    assert_eq!(
        error["rows"],
        json!([{ "row": 2, "message": "is not UTF-8 text (the column \"city\"): save the file as UTF-8" }])
    );
    assert_eq!(hub.json(&["leads", "list"])["leads"], json!([]));
    let body = hub.json(&["leads", "import", &latin1, "--skip-bad-rows"]);
    assert_eq!((body["added"].as_u64(), skipped_rows(&body)), (Some(1), vec![2]));
    let errors = std::fs::read(hub.dir().join("latin1.errors.csv")).unwrap();
    assert!(errors.ends_with(b",ann@example.com,M\xfcnchen\n"), "the bytes as they were: {errors:?}");
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let hub = hub_with_fields();
    hub.run(&["leads", "add", "--email", "known@example.com", "--set", "score=1"]).ok();
    let file = write(&hub, "leads.csv", b"Email,Score\nknown@example.com,2\nnew@example.com,3\nbad@example.com,x\n");
    let before = hub.json(&["leads", "list"]);

    let body = hub.json(&["leads", "import", &file, "--dry-run", "--skip-bad-rows"]);
    assert_eq!(body["dry_run"], true);
    assert_eq!((body["added"].as_u64(), body["updated"].as_u64()), (Some(1), Some(1)));
    assert_eq!((skipped_rows(&body), body["errors_file"].clone()), (vec![4], Value::Null));
    let run = hub.run(&["leads", "import", &file, "--dry-run", "--skip-bad-rows"]).ok();
    assert!(run.stdout.contains("nothing was written: it would add 1 and update 1 leads."), "{}", run.stdout);
    assert!(run.stdout.contains("1 bad row would be skipped:\n  row 4: score"), "{}", run.stdout);

    let error = hub.json_error(&["leads", "import", &file, "--dry-run"]);
    assert_eq!(error["code"], "invalid_rows", "all or nothing: the dry run fails as the import would");
    assert_eq!(hub.json(&["leads", "list"]), before, "nothing was written");
    assert!(!hub.dir().join("leads.errors.csv").exists(), "nor an errors file");
}

#[test]
fn an_export_defuses_formulas_and_reads_back_with_import() {
    let hub = hub_with_fields();
    let formula = "=HYPERLINK(\"http://x\")";
    hub.run(&[
        "leads",
        "add",
        "--email",
        "ann@example.com",
        "--set",
        &format!("company={formula}"),
        "--set",
        "score=-5",
    ])
    .ok();
    hub.run(&[
        "leads",
        "add",
        "--email",
        "bo@example.com",
        "--set",
        "company=Bo, \"Ltd\"\nline two",
        "--set",
        "phone=+33 1 23 45",
        "--set",
        "job_title=@lead",
        "--set",
        "city='=quoted",
    ])
    .ok();
    let file = hub.dir().join("out.csv");
    let file = file.to_str().unwrap();
    assert_eq!(hub.json(&["leads", "export", file]), json!({ "file": file, "leads": 2 }));
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.starts_with("email,first_name,last_name,company,"), "{text}");
    assert!(text.contains("'=HYPERLINK"), "a formula is written as text: {text}");
    assert!(text.contains(",-5"), "a negative number stays a number: {text}");
    assert!(text.contains("''=quoted"), "a quote before a formula gets another: {text}");

    let other = hub_with_fields();
    other.json(&["leads", "import", file]);
    let (exported, imported) = (hub.json(&["leads", "list"]), other.json(&["leads", "list"]));
    for source in exported["leads"].as_array().unwrap() {
        let email = source["email"].as_str().unwrap();
        assert_eq!(lead(&imported, email)["values"], source["values"], "{email} reads back as it was");
    }
    let leads = other.json(&["leads", "list"]);
    assert_eq!(lead(&leads, "ann@example.com")["values"]["company"], formula, "the value, not the escaped cell");
    assert_eq!(lead(&leads, "bo@example.com")["values"]["company"], "Bo, \"Ltd\"\nline two", "quoted cells read back");
    assert_eq!(lead(&leads, "bo@example.com")["values"]["phone"], "+33 1 23 45");
    assert_eq!(lead(&leads, "bo@example.com")["values"]["job_title"], "@lead");
    assert_eq!(lead(&leads, "bo@example.com")["values"]["city"], "'=quoted");
    assert_eq!(lead(&leads, "ann@example.com")["values"]["score"], "-5");
}
