//! The CSV import: the layout read from the header line, columns matched to fields, rows read
//! into the store with their numbers, and the skipped rows written back out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hubsync_store::{BadRows, FieldType, ImportOptions, ImportSummary, RowError, Store, StoreError, SystemClock};
use hubsync_sync::csv_import::{
    ColumnOverride, CsvFile, CsvImportError, CsvLayout, Delimiter, MatchedBy, RowCounts, errors_path,
    is_skipped_rows_file, match_columns, read_rows, sniff, write_skipped_rows,
};

const SKIP: ImportOptions = ImportOptions { bad_rows: BadRows::Skip, dry_run: false };

struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Files {
        Files(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

/// A store with a number field `score` and a choice field `tier` (Gold, Silver).
fn store() -> Store {
    let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    store.add_field("tier", Some("Customer tier"), FieldType::SingleChoice, &["Gold".into(), "Silver".into()]).unwrap();
    store
}

fn overrides(pairs: &[(&str, Option<&str>)]) -> Vec<ColumnOverride> {
    pairs.iter().map(|(c, f)| ColumnOverride { column: c.to_string(), field: f.map(String::from) }).collect()
}

/// The whole import as the command line runs it.
fn import(
    store: &mut Store,
    path: &Path,
    overrides: &[ColumnOverride],
    options: ImportOptions,
) -> Result<(RowCounts, ImportSummary), CsvImportError> {
    let mut file = CsvFile::open(path)?;
    let plan = match_columns(file.columns(), &store.fields()?, &store.mappings()?, overrides)?;
    let mut import = store.begin_import(options)?;
    let counts = read_rows(&mut file, &plan, &mut import, &mut |_| {})?;
    Ok((counts, import.finish()?))
}

fn value(store: &Store, email: &str, field: &str) -> Option<String> {
    store.lead_by_email(email).unwrap().unwrap_or_else(|| panic!("{email}")).value(field).map(String::from)
}

fn rows_of(errors: &[RowError]) -> Vec<usize> {
    errors.iter().map(|e| e.row).collect()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn the_delimiter_is_the_one_the_header_line_uses_most_outside_quotes() {
    let layout = |delimiter, byte_order_mark, crlf| CsvLayout { delimiter, byte_order_mark, crlf };
    assert_eq!(sniff(b"email,first_name\nann@x.com;a;b;c\n"), layout(Delimiter::Comma, false, false));
    assert_eq!(sniff(b"Email;First name;\"Company, Inc\"\r\n"), layout(Delimiter::Semicolon, false, true));
    assert_eq!(sniff(b"\xef\xbb\xbfEmail\tName\t\"a;b;c\"\n"), layout(Delimiter::Tab, true, false));
    assert_eq!(sniff(b"\"a\nb;c;d\",e,f\nx"), layout(Delimiter::Comma, false, false), "a quoted line break");
    assert_eq!(sniff(b"email"), layout(Delimiter::Comma, false, false), "one column");
    assert_eq!(sniff(b"a;b,c\n"), layout(Delimiter::Comma, false, false), "a tie goes to the comma");
    assert_eq!(sniff(b""), layout(Delimiter::Comma, false, false));
}

#[test]
fn columns_match_fields_by_key_label_property_and_alias() {
    let mut store = store();
    store.add_field("shirt", Some("T-shirt size"), FieldType::Text, &[]).unwrap();
    store.set_mapping("shirt", "hs_shirt_size", None).unwrap();
    let columns = strings(&[
        "E-mail",
        "First Name",
        "surname",
        "Company Name",
        "job_title",
        "Title",
        "HS Shirt Size",
        "Customer Tier",
        "Lifecycle Stage",
        "Notes",
        "",
    ]);
    let mut columns = columns;
    // Two columns can't both be the job title: ignore one.
    let plan =
        match_columns(&columns, &store.fields().unwrap(), &store.mappings().unwrap(), &overrides(&[("TITLE", None)]))
            .unwrap();
    let got: Vec<(&str, Option<&str>, MatchedBy)> =
        plan.columns.iter().map(|c| (c.column.as_str(), c.field.as_deref(), c.matched_by)).collect();
    assert_eq!(
        got,
        vec![
            ("E-mail", Some("email"), MatchedBy::Key),
            ("First Name", Some("first_name"), MatchedBy::Key),
            ("surname", Some("last_name"), MatchedBy::Alias),
            ("Company Name", Some("company"), MatchedBy::Alias),
            ("job_title", Some("job_title"), MatchedBy::Key),
            ("Title", None, MatchedBy::Override),
            ("HS Shirt Size", Some("shirt"), MatchedBy::Property),
            ("Customer Tier", Some("tier"), MatchedBy::Label),
            ("Lifecycle Stage", Some("lifecycle_stage"), MatchedBy::Key),
            ("Notes", None, MatchedBy::Unmatched),
            ("", None, MatchedBy::Unmatched),
        ]
    );
    assert_eq!(plan.ignored().map(|c| c.column.as_str()).collect::<Vec<_>>(), ["Title", "Notes", ""]);

    columns[5] = "Role".into();
    let plan = match_columns(&columns, &store.fields().unwrap(), &store.mappings().unwrap(), &[]).unwrap();
    assert_eq!(plan.columns[5].matched_by, MatchedBy::Unmatched, "no field is called Role");
}

#[test]
fn names_match_whatever_their_case_spaces_and_punctuation() {
    let store = store();
    let columns = strings(&["EMAIL", "Job title ", "Owner email"]);
    let plan = match_columns(&columns, &store.fields().unwrap(), &[], &[]).unwrap();
    let how: Vec<MatchedBy> = plan.columns.iter().map(|c| c.matched_by).collect();
    // "Job title" normalises like the key job_title; "Owner email" like owner_email.
    assert_eq!(how, [MatchedBy::Key, MatchedBy::Key, MatchedBy::Key]);
    let columns = strings(&["Mail", "Customer tier"]);
    let plan = match_columns(&columns, &store.fields().unwrap(), &[], &[]).unwrap();
    let how: Vec<MatchedBy> = plan.columns.iter().map(|c| c.matched_by).collect();
    assert_eq!(how, [MatchedBy::Alias, MatchedBy::Label]);
}

#[test]
fn overrides_choose_a_field_or_ignore_a_column() {
    let store = store();
    let fields = store.fields().unwrap();
    let columns = strings(&["Contact", "Points", "Email"]);
    let plan = match_columns(
        &columns,
        &fields,
        &[],
        &overrides(&[(" contact ", Some("email")), ("POINTS", Some("Score")), ("Email", Some(""))]),
    )
    .unwrap();
    let got: Vec<(Option<&str>, MatchedBy)> = plan.columns.iter().map(|c| (c.field.as_deref(), c.matched_by)).collect();
    assert_eq!(
        got,
        [(Some("email"), MatchedBy::Override), (Some("score"), MatchedBy::Override), (None, MatchedBy::Override)]
    );
}

#[test]
fn columns_that_cannot_be_used_are_refused_with_what_the_file_has() {
    let store = store();
    let fields = store.fields().unwrap();
    let matched =
        |columns: &[&str], o: &[(&str, Option<&str>)]| match_columns(&strings(columns), &fields, &[], &overrides(o));

    let error = matched(&["Name", "Contact", "Company"], &[]).unwrap_err();
    assert!(matches!(error, CsvImportError::NoEmailColumn { .. }), "{error}");
    assert_eq!(error.code(), "no_email_column");
    assert!(error.to_string().contains(r#""Name", "Contact", "Company""#), "{error}");
    let error = matched(&["Email", "Company"], &[("email", None)]).unwrap_err();
    assert!(matches!(error, CsvImportError::NoEmailColumn { .. }), "ignoring the email column: {error}");

    let error = matched(&["Email", "E-mail address"], &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"the columns "Email", "E-mail address" all go to the field email; a field takes one column"#
    );
    assert_eq!(error.code(), "ambiguous_columns");
    let error = matched(&["Email", "Phone", "Mobile"], &[("Mobile", Some("phone"))]).unwrap_err();
    assert!(matches!(&error, CsvImportError::SameField { field, .. } if field == "phone"), "{error}");
    matched(&["Email", "Phone", "Mobile"], &[("Mobile", Some("phone")), ("Phone", None)]).unwrap();
    let error = matched(&["Email", "Mobile", "Phone"], &[("Mobile", Some("phone"))]).unwrap_err();
    let CsvImportError::SameField { columns, .. } = error else { panic!("{error}") };
    assert_eq!(columns, ["Phone", "Mobile"], "the column matched by name first: it is the one to ignore");

    let error = matched(&["Email", "Notes"], &[("Comments", Some("company"))]).unwrap_err();
    assert_eq!(error.code(), "unknown_column");
    assert!(
        error.to_string().contains(r#"no column "Comments" in the file; the columns are "Email", "Notes""#),
        "{error}"
    );
    let error = matched(&["Email", "Notes"], &[("Notes", Some("remarks"))]).unwrap_err();
    assert_eq!(error.code(), "unknown_field");
    assert!(error.to_string().contains(r#""remarks""#), "{error}");
    let error = matched(&["Email", "Notes", "notes"], &[("Notes", None)]).unwrap_err();
    assert!(matches!(error, CsvImportError::DuplicateColumn { count: 2, .. }), "{error}");
    let error = matched(&["Email", "Notes"], &[("Notes", None), ("NOTES", Some("company"))]).unwrap_err();
    assert!(matches!(error, CsvImportError::OverriddenTwice { .. }), "{error}");
}

#[test]
fn a_name_two_fields_share_is_refused_rather_than_guessed() {
    let mut store = store();
    store.add_field("phone_home", Some("Phone #"), FieldType::Text, &[]).unwrap();
    store.add_field("phone_work", Some("Phone"), FieldType::Text, &[]).unwrap();
    let fields = store.fields().unwrap();
    // "Phone" is the built-in field's key: the key wins over the labels.
    let plan = match_columns(&strings(&["Email", "Phone"]), &fields, &[], &[]).unwrap();
    assert_eq!(plan.columns[1].field.as_deref(), Some("phone"));
    store.add_field("tel_a", Some("Tel"), FieldType::Text, &[]).unwrap();
    store.add_field("tel_b", Some("TEL."), FieldType::Text, &[]).unwrap();
    let fields = store.fields().unwrap();
    let error = match_columns(&strings(&["Email", "Tel"]), &fields, &[], &[]).unwrap_err();
    assert!(
        matches!(&error, CsvImportError::AmbiguousMatch { fields, .. } if fields == &["tel_a", "tel_b"]),
        "{error}"
    );
}

#[test]
fn semicolons_a_bom_crlf_and_quoted_line_breaks_read_with_the_right_row_numbers() {
    let files = Files::new();
    let path = files.write(
        "leads.csv",
        "\u{feff}E-mail;First Name;Company Name;Score\r\n\
         ann@example.com;Ann;\"Acme; Inc.\r\nSecond line\";10\r\n\
         bo@example.com;Bo;\"Say \"\"hi\"\"\";many\r\n\
         ;;;\r\n\
         cy@example.com;Cy;;3\r\n\
         dee@example.com;Dee;\"Three\nline\nname\";1;extra\r\n\
         eve@example.com;Eve;Eve Co;x\r\n"
            .as_bytes(),
    );
    let mut store = store();
    let (counts, summary) = import(&mut store, &path, &[], SKIP).unwrap();
    assert_eq!(counts, RowCounts { rows: 6, blank: 1 });
    assert_eq!((summary.added, summary.updated), (2, 0));
    assert_eq!(rows_of(&summary.skipped), [3, 6, 7], "{:?}", summary.skipped);
    assert!(summary.skipped[0].message.contains("score: \"many\" is not a number"), "{:?}", summary.skipped);
    assert_eq!(summary.skipped[1].message, "has 5 cells; the header has 4");
    assert_eq!(value(&store, "ann@example.com", "company").as_deref(), Some("Acme; Inc.\r\nSecond line"));
    assert_eq!(value(&store, "cy@example.com", "company"), None, "a blank cell sets nothing");
}

#[test]
fn tab_separated_files_import_and_labels_find_custom_fields() {
    let files = Files::new();
    let path = files.write("leads.tsv", b"Email\tCustomer tier\tScore\nann@example.com\tgold\t007.50\n");
    let mut store = store();
    let (counts, summary) = import(&mut store, &path, &[], ImportOptions::default()).unwrap();
    assert_eq!((counts.rows, summary.added), (1, 1));
    assert_eq!(value(&store, "ann@example.com", "tier").as_deref(), Some("Gold"), "in the option's spelling");
    assert_eq!(value(&store, "ann@example.com", "score").as_deref(), Some("7.5"));
}

#[test]
fn any_bad_row_stops_the_import_unless_bad_rows_are_skipped() {
    let files = Files::new();
    let path = files.write("leads.csv", b"email,score\nok@example.com,1\nbad@example.com,1.2.3\nnot-an-email,2\n");
    let mut store = store();
    let error = import(&mut store, &path, &[], ImportOptions::default()).unwrap_err();
    let CsvImportError::Store(StoreError::InvalidRows(errors)) = &error else { panic!("{error}") };
    assert_eq!(rows_of(errors), [3, 4]);
    assert_eq!(error.code(), "invalid_rows");
    assert_eq!(store.lead_count().unwrap(), 0, "nothing was written");

    let dry = ImportOptions { bad_rows: BadRows::Skip, dry_run: true };
    let (_, summary) = import(&mut store, &path, &[], dry).unwrap();
    assert_eq!((summary.added, rows_of(&summary.skipped)), (1, vec![3, 4]));
    assert_eq!(store.lead_count().unwrap(), 0, "a dry run writes nothing");

    let (_, summary) = import(&mut store, &path, &[], SKIP).unwrap();
    assert_eq!((summary.added, rows_of(&summary.skipped)), (1, vec![3, 4]));
    assert_eq!(value(&store, "ok@example.com", "score").as_deref(), Some("1"));
}

#[test]
fn only_the_cells_imported_must_be_utf8() {
    let files = Files::new();
    let path = files
        .write("latin1.csv", b"email,city,notes\nann@example.com,M\xfcnchen,x\nbo@example.com,Berlin,Gr\xfc\xdfe\n");
    let mut store = store();
    let (_, summary) = import(&mut store, &path, &[], SKIP).unwrap();
    assert_eq!(summary.added, 1, "bo's only non-UTF-8 cell is in an ignored column");
    assert_eq!(
        summary.skipped,
        [RowError { row: 2, message: "is not UTF-8 text (the column \"city\"): save the file as UTF-8".into() }]
    );

    let header = files.write("header.csv", b"email,St\xe4dt\n");
    assert!(matches!(CsvFile::open(&header), Err(CsvImportError::HeaderNotUtf8)));
    for empty in [&b""[..], b"\n\n", b" , \n"] {
        let path = files.write("empty.csv", empty);
        assert!(matches!(CsvFile::open(&path), Err(CsvImportError::Empty)), "{empty:?}");
    }
}

#[test]
fn cells_made_formula_safe_import_as_their_value() {
    let files = Files::new();
    let path = files.write(
        "export.csv",
        b"email,company,job_title,score,phone\n\
          a@example.com,\"'=HYPERLINK(\"\"x\"\")\",'@boss,'-5,'+33 1 23\n\
          b@example.com,''=kept,'plain,-2,+44\n",
    );
    let mut store = store();
    import(&mut store, &path, &[], ImportOptions::default()).unwrap();
    assert_eq!(value(&store, "a@example.com", "company").as_deref(), Some("=HYPERLINK(\"x\")"));
    assert_eq!(value(&store, "a@example.com", "job_title").as_deref(), Some("@boss"));
    assert_eq!(value(&store, "a@example.com", "score").as_deref(), Some("-5"));
    assert_eq!(value(&store, "a@example.com", "phone").as_deref(), Some("+33 1 23"));
    assert_eq!(value(&store, "b@example.com", "company").as_deref(), Some("'=kept"), "one quote goes");
    assert_eq!(value(&store, "b@example.com", "job_title").as_deref(), Some("'plain"), "not before plain text");
    assert_eq!(value(&store, "b@example.com", "score").as_deref(), Some("-2"));
    assert_eq!(value(&store, "b@example.com", "phone").as_deref(), Some("+44"));
}

#[test]
fn skipped_rows_are_written_again_as_the_file_had_them_with_row_and_error() {
    let files = Files::new();
    let input = files.write(
        "leads.csv",
        "\u{feff}Email;Name;Score;Notes\r\n\
         ok@example.com;Ok;1;\r\n\
         bad@example.com;\"Line one\r\nline two\";many;=cmd()\r\n\
         ;;;\r\n\
         also-ok@example.com;Al;2;x\r\n\
         short@example.com;Short\r\n"
            .as_bytes(),
    );
    let mut store = store();
    let overrides = overrides(&[("Name", Some("first_name"))]);
    let (_, summary) = import(&mut store, &input, &overrides, SKIP).unwrap();
    assert_eq!(rows_of(&summary.skipped), [3, 6]);

    let mut out = Vec::new();
    assert_eq!(write_skipped_rows(&input, &summary.skipped, &mut out).unwrap(), 2);
    let text = String::from_utf8(out).unwrap();
    let expected = "\u{feff}row;error;Email;Name;Score;Notes\r\n\
        3;\"score: \"\"many\"\" is not a number (digits, an optional - and one decimal point)\";\
        bad@example.com;\"Line one\r\nline two\";many;'=cmd()\r\n\
        6;\"has 2 cells; the header has 4\";short@example.com;Short\r\n";
    assert_eq!(text, expected, "the input's delimiter, mark and line ends; its cells, made formula-safe");

    let path = files.write("leads.errors.csv", text.as_bytes());
    assert!(is_skipped_rows_file(&path));
    assert!(!is_skipped_rows_file(&input));
    assert!(!is_skipped_rows_file(&files.0.path().join("missing.csv")));
}

#[test]
fn skipped_cells_that_are_not_utf8_keep_their_bytes_and_are_still_formula_safe() {
    let files = Files::new();
    let input = files.write("latin1.csv", b"email,city\nann@example.com,M\xfcnchen\nbo@example.com,=M\xfcnchen\n");
    let errors = [RowError { row: 2, message: "not UTF-8".into() }, RowError { row: 3, message: "not UTF-8".into() }];
    let mut out = Vec::new();
    write_skipped_rows(&input, &errors, &mut out).unwrap();
    assert_eq!(
        out,
        b"row,error,email,city\n2,not UTF-8,ann@example.com,M\xfcnchen\n3,not UTF-8,bo@example.com,'=M\xfcnchen\n"
    );
}

#[test]
fn a_skipped_row_the_file_no_longer_has_is_an_error() {
    let files = Files::new();
    let input = files.write("leads.csv", b"email\na@example.com\n");
    let error = write_skipped_rows(&input, &[RowError { row: 9, message: "x".into() }], Vec::new()).unwrap_err();
    assert!(matches!(error, CsvImportError::FileChanged { row: 9 }), "{error}");
}

#[test]
fn the_errors_file_sits_beside_the_input() {
    assert_eq!(errors_path(Path::new("/data/leads.csv")), Path::new("/data/leads.errors.csv"));
    assert_eq!(errors_path(Path::new("leads.tsv")), Path::new("leads.errors.tsv"));
    assert_eq!(errors_path(Path::new("dir/leads")), Path::new("dir/leads.errors.csv"));
}

#[test]
fn a_quote_never_closed_is_an_error_on_the_row_that_opened_it() {
    let files = Files::new();
    // Row 3 opens a quote in its last cell and never closes it: read as it is, the rows after it
    // are that cell's text and would be lost without a word.
    let path = files.write(
        "leads.csv",
        b"email,score,company\n\
          ann@example.com,1,Acme\n\
          bo@example.com,2,\"Bo Co\n\
          cy@example.com,3,Cy Co\n\
          dee@example.com,4,Dee Co\n",
    );
    let mut store = store();
    let error = import(&mut store, &path, &[], ImportOptions::default()).unwrap_err();
    let CsvImportError::Store(StoreError::InvalidRows(errors)) = &error else { panic!("{error}") };
    assert_eq!(rows_of(errors), [3]);
    let message = &errors[0].message;
    assert!(message.contains("opens a quote (\") on line 3 that is never closed"), "{message}");
    assert_eq!(store.lead_count().unwrap(), 0, "nothing was written");

    let (counts, summary) = import(&mut store, &path, &[], SKIP).unwrap();
    assert_eq!((counts.rows, summary.added, rows_of(&summary.skipped)), (2, 1, vec![3]));
    assert!(store.lead_by_email("bo@example.com").unwrap().is_none());

    // The skipped row is written out as the file has it, with its error.
    let mut out = Vec::new();
    assert_eq!(write_skipped_rows(&path, &summary.skipped, &mut out).unwrap(), 1);
    assert!(String::from_utf8(out).unwrap().contains("never closed"));
}

#[test]
fn quotes_closed_at_the_end_of_the_file_or_inside_a_cell_are_fine() {
    let files = Files::new();
    for (name, bytes) in [
        ("no-final-break.csv", &b"email,company\nann@example.com,\"Acme, Inc\""[..]),
        ("crlf.csv", b"email,company\r\nann@example.com,\"Acme\r\nInc\"\r\n\r\n"),
        ("inner-quote.csv", b"email,company\nann@example.com,5\" screen\n"),
        ("doubled.csv", b"email,company\nann@example.com,\"Say \"\"hi\"\"\""),
        ("bom.csv", b"\xef\xbb\xbf\"email\",company\nann@example.com,Acme"),
    ] {
        let path = files.write(name, bytes);
        let mut store = store();
        let (_, summary) =
            import(&mut store, &path, &[], ImportOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(summary.added, 1, "{name}");
    }
    // A header that opens a quote and never closes it is no header at all.
    let path = files.write("header.csv", b"email,\"company\nann@example.com,Acme\n");
    let error = CsvFile::open(&path).err().expect("refused");
    assert_eq!(error.code(), "invalid_csv");
    assert!(error.to_string().contains("never closed"), "{error}");
}
