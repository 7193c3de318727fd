//! Fuzz-style property tests of the code that reads what users and HubSpot hand us: the CSV
//! importer, the pull-filter parser and value conversion both ways. Each case must end in a
//! result or a reason, never a panic, and inputs are bounded in size so a case can't hang.
//! (cargo-fuzz needs a nightly toolchain, which the project doesn't use; proptest runs on stable.)
//! Cases: 64 by default, so CI stays brief; `PROPTEST_CASES=100000` runs them long on demand.

use std::sync::Arc;

use hubsync_hubspot::Property;
use hubsync_store::{BadRows, Field, FieldType, ImportOptions, Store, SystemClock, canonical_email};
use hubsync_sync::convert::{Fit, MAX_STRING_CHARS, fit, from_hubspot, to_hubspot};
use hubsync_sync::csv_import::{
    CsvFile, is_skipped_rows_file, match_columns, read_rows, sniff, suggest_columns, write_skipped_rows,
};
use hubsync_sync::pull_rules::{Condition, Operator, PullRules, compile, parse_instant};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::json;

use crate::support::{kind_field, owners, property};

/// `cases` cases unless `PROPTEST_CASES` says otherwise.
pub fn config_with(cases: u32) -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

fn config() -> Config {
    config_with(64)
}

// ---- the CSV importer ----

/// A store with a number, a choice and a date field besides the built-in ones.
fn import_store() -> Store {
    let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    store.add_field("tier", Some("Customer tier"), FieldType::SingleChoice, &["Gold".into(), "Silver".into()]).unwrap();
    store.add_field("renewal", None, FieldType::Date, &[]).unwrap();
    store
}

/// Imports `bytes` as a CSV file the way the CLI does, then checks what landed: each row counted
/// once (added, updated, skipped or blank), every stored email an address and every stored value
/// in its field's canonical form. Refusing the whole file is fine, with a message.
fn import_checked(bytes: &[u8], bad_rows: BadRows) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.csv");
    std::fs::write(&path, bytes).unwrap();
    let mut store = import_store();
    let fields = store.fields().unwrap();
    let mut file = match CsvFile::open(&path) {
        Ok(file) => file,
        Err(e) => {
            prop_assert!(!e.to_string().is_empty() && !e.code().is_empty());
            return Ok(());
        }
    };
    let plan = match match_columns(file.columns(), &fields, &store.mappings().unwrap(), &[]) {
        Ok(plan) => plan,
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            return Ok(());
        }
    };
    let mut import = store.begin_import(ImportOptions { bad_rows, dry_run: false }).unwrap();
    let counts = match read_rows(&mut file, &plan, &mut import, &mut |_| {}) {
        Ok(counts) => counts,
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            return Ok(());
        }
    };
    let summary = match import.finish() {
        Ok(summary) => summary,
        Err(e) => {
            prop_assert_eq!(bad_rows, BadRows::Refuse, "only a refusing import fails on bad rows: {}", e);
            prop_assert_eq!(store.lead_count().unwrap(), 0, "a refused import keeps nothing");
            return Ok(());
        }
    };
    prop_assert_eq!(summary.added + summary.updated + summary.skipped.len() + counts.blank, counts.rows);
    prop_assert!(summary.skipped.iter().all(|e| e.row >= 2 && !e.message.is_empty()));
    // The skipped rows can be written out again, one line each, as a file the import knows.
    let errors = dir.path().join("leads.errors.csv");
    let written = write_skipped_rows(&path, &summary.skipped, std::fs::File::create(&errors).unwrap())
        .map_err(|e| TestCaseError::fail(format!("the skipped rows were not written: {e}")))?;
    prop_assert_eq!(written, summary.skipped.len());
    prop_assert!(is_skipped_rows_file(&errors));
    let _ = suggest_columns(file.columns(), &fields, &[]);
    let leads = store.leads().unwrap();
    prop_assert_eq!(leads.len(), summary.added);
    for lead in leads {
        prop_assert!(canonical_email(&lead.email).is_ok(), "stored email {:?}", lead.email);
        for (key, value) in &lead.values {
            let field = fields.iter().find(|f| &f.key == key).unwrap();
            prop_assert_eq!(field.canonical(value), Ok(Some(value.clone())), "{} = {:?}", key, value);
        }
    }
    Ok(())
}

/// A cell as files write them: plain, quoted (with doubled quotes), or broken.
fn cell() -> impl Strategy<Value = Vec<u8>> {
    let text = prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 @._+-]{0,12}",
        "[a-z]{1,6}(\\+[a-z]{1,4})?@[a-z]{1,6}\\.[a-z]{2,3}",
        "-?[0-9]{0,5}(\\.[0-9]{0,3})?",
        "(Gold|gold|Silver|Bronze)",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
        "[,;\t\"\r\n =+@é🚀\u{202e}\u{7}]{0,6}",
        any::<String>().prop_map(|s| s.chars().take(16).collect()),
    ];
    (text, 0..4u8, proptest::collection::vec(any::<u8>(), 0..3)).prop_map(|(text, how, junk)| match how {
        0 => format!("\"{}\"", text.replace('"', "\"\"")).into_bytes(),
        1 => format!("\"{text}").into_bytes(),
        2 => [text.as_bytes(), &junk].concat(),
        _ => text.into_bytes(),
    })
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("email".to_string()),
        Just("E-mail".to_string()),
        Just("Email Address".to_string()),
        Just("first_name".to_string()),
        Just("score".to_string()),
        Just("Customer tier".to_string()),
        Just("renewal".to_string()),
        Just(String::new()),
        "[a-zA-Z _-]{1,10}",
    ]
}

/// A CSV file: a header, then rows of any width (ragged ones included), with the delimiter, line
/// ends and byte-order mark varied.
fn csv_file() -> impl Strategy<Value = Vec<u8>> {
    let rows = proptest::collection::vec(proptest::collection::vec(cell(), 0..7), 0..24);
    let header = proptest::collection::vec(header_name(), 0..7);
    (header, rows, prop_oneof![Just(b','), Just(b';'), Just(b'\t')], any::<bool>(), any::<bool>()).prop_map(
        |(header, rows, delimiter, crlf, bom)| {
            let mut bytes = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
            let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            bytes.extend(header.join(&(delimiter as char).to_string()).bytes());
            for row in rows {
                bytes.extend_from_slice(end);
                bytes.extend(row.join(&delimiter));
            }
            bytes
        },
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_import_or_are_refused_with_a_reason(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = sniff(&bytes);
        import_checked(&bytes, BadRows::Skip)?;
    }

    #[test]
    fn csv_files_import_row_by_row(bytes in csv_file(), refuse in any::<bool>()) {
        let layout = sniff(&bytes);
        prop_assert_eq!(layout.byte_order_mark, bytes.starts_with(b"\xef\xbb\xbf"));
        import_checked(&bytes, if refuse { BadRows::Refuse } else { BadRows::Skip })?;
    }
}

// ---- the pull-filter parser ----

/// The portal's properties a condition may name, one of each type.
fn filter_properties() -> Vec<Property> {
    serde_json::from_value(json!([
        { "name": "city", "type": "string" },
        { "name": "phone", "type": "phone_number" },
        { "name": "lead_score", "type": "number" },
        { "name": "is_vip", "type": "bool" },
        { "name": "renewal_date", "type": "date" },
        { "name": "last_demo_at", "type": "datetime" },
        { "name": "lifecyclestage", "type": "enumeration", "fieldType": "radio",
          "options": [{ "label": "Lead", "value": "lead" }, { "label": "Customer", "value": "customer" }] },
        { "name": "hubspot_owner_id", "type": "enumeration", "externalOptions": true },
    ]))
    .unwrap()
}

const OPERATORS: &[&str] = &[
    "=",
    "==",
    "eq",
    "is",
    "!=",
    "<>",
    "is-not",
    "in",
    "one-of",
    "contains",
    "~",
    ">",
    "gt",
    "after",
    "<",
    "before",
    "between",
    "known",
    "is-unknown",
    "IN",
    "Between",
];

fn property_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("city".to_string()),
        Just("Lead_Score".to_string()),
        Just("is_vip".to_string()),
        Just("renewal_date".to_string()),
        Just("last_demo_at".to_string()),
        Just("lifecyclestage".to_string()),
        Just("owner".to_string()),
        "[a-z_]{1,12}",
    ]
}

fn filter_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,.'\"()-]{0,16}",
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9](T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-][01][0-9]:[0-5][0-9]))?",
        "(lead|Customer|sam@acme\\.test|gone@acme\\.test|yes|false|NaN|inf|1e400)",
        any::<String>().prop_map(|s| s.chars().take(24).collect()),
    ]
}

/// Whitespace as people type it, including tabs and runs of spaces.
fn gap() -> impl Strategy<Value = String> {
    "[ \t]{1,3}"
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_parses_or_is_refused_with_the_syntax(text in any::<String>().prop_map(|s| s.chars().take(200).collect::<String>())) {
        match Condition::parse(&text) {
            Ok(condition) => {
                prop_assert!(!condition.property.is_empty());
                let rules = PullRules { conditions: vec![condition], ..PullRules::default() };
                let _ = compile(&rules, &filter_properties(), &[], &owners());
            }
            Err(reason) => prop_assert!(!reason.is_empty()),
        }
        let _ = parse_instant(&text);
    }

    #[test]
    fn written_conditions_parse_whatever_the_spacing(
        property in property_name(),
        op in proptest::sample::select(OPERATORS),
        values in proptest::collection::vec(filter_value(), 0..4),
        gaps in (gap(), gap()),
        parenthesised in any::<bool>(),
    ) {
        let list = values.join(",");
        let list = if parenthesised { format!("({list})") } else { list };
        let text = format!("{property}{}{op}{}{list}", gaps.0, gaps.1);
        let tight = format!("{property} {op} {list}");
        // However many spaces or tabs separate the parts, the condition reads the same (a
        // refusal quotes the text as typed, so only its being one is compared).
        prop_assert_eq!(Condition::parse(&text).ok(), Condition::parse(&tight).ok(), "{:?}", text);
        if let Ok(condition) = Condition::parse(&text) {
            prop_assert_eq!(&condition.property, &property.to_lowercase());
            let rules = PullRules { conditions: vec![condition.clone()], ..PullRules::default() };
            match compile(&rules, &filter_properties(), &[], &owners()).map(|c| c.filters) {
                Ok(filters) => {
                    prop_assert_eq!(filters.len(), 1);
                    let filter = &filters[0];
                    prop_assert!(filter["propertyName"].is_string() && filter["operator"].is_string());
                    let wanted = match condition.operator {
                        Operator::Known | Operator::Unknown => 0,
                        _ => 1,
                    };
                    let given = ["value", "values"].iter().filter(|k| filter.get(**k).is_some()).count();
                    prop_assert_eq!(given, wanted, "{}", filter);
                }
                Err(reason) => prop_assert!(!reason.is_empty()),
            }
        }
    }

    #[test]
    fn instants_parse_to_what_they_say(
        (y, m, d) in (1000i32..9999, 1u32..=12, 1u32..=28),
        (h, min, s) in (0u32..24, 0u32..60, 0u32..60),
        offset_minutes in -14 * 60i32..=14 * 60,
    ) {
        let date = format!("{y:04}-{m:02}-{d:02}");
        let midnight = parse_instant(&date).unwrap();
        prop_assert_eq!(midnight.format("%Y-%m-%d").to_string(), date.clone());
        prop_assert_eq!(midnight.timestamp() % 86_400, 0);
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let zone = format!("{sign}{:02}:{:02}", offset_minutes.abs() / 60, offset_minutes.abs() % 60);
        let instant = parse_instant(&format!("{date}T{h:02}:{min:02}:{s:02}{zone}")).unwrap();
        let local = midnight.timestamp() + i64::from(h * 3600 + min * 60 + s);
        prop_assert_eq!(instant.timestamp(), local - i64::from(offset_minutes) * 60);
    }
}

// ---- value conversion ----

pub const PROPERTY_TYPES: &[&str] = &["string", "phone_number", "number", "bool", "date", "datetime", "enumeration"];

/// A property of `kind`; choices are single (`select`) or multiple (`checkbox`).
pub fn typed_property(kind: &str, multi: bool) -> Property {
    let options = json!([{ "label": "Gold", "value": "gold" }, { "label": "Silver tier", "value": "silver" }]);
    let field_type = if multi { "checkbox" } else { "select" };
    property(json!({ "name": "p", "label": "P", "type": kind, "fieldType": field_type, "options": options }))
}

pub fn typed_field(kind: FieldType) -> Field {
    Field { options: vec!["Gold".into(), "silver".into(), "Bronze".into()], ..kind_field(kind) }
}

/// Whether `sent` is a value HubSpot takes for a property of `kind`, as its API documents them.
pub fn valid_for_hubspot(kind: &str, multi: bool, sent: &str) -> bool {
    let no_control = !sent.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'));
    match kind {
        "string" | "phone_number" => sent.chars().count() <= MAX_STRING_CHARS && no_control,
        "number" => {
            let digits = sent.strip_prefix('-').unwrap_or(sent);
            let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
            !whole.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.bytes().all(|b| b.is_ascii_digit())
                && !sent.ends_with('.')
        }
        "bool" => sent == "true" || sent == "false",
        "date" => sent.len() == 10 && chrono::NaiveDate::parse_from_str(sent, "%Y-%m-%d").is_ok(),
        "datetime" => {
            sent.len() == 24
                && sent.ends_with('Z')
                && chrono::DateTime::parse_from_rfc3339(sent)
                    .is_ok_and(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) == sent)
        }
        "enumeration" => {
            let choices: Vec<&str> = sent.split(';').collect();
            !sent.is_empty() && (multi || choices.len() == 1) && choices.iter().all(|c| *c == "gold" || *c == "silver")
        }
        _ => false,
    }
}

/// Values as lead fields may hold them, the odd ones included.
fn lead_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,8}(\\.[0-9]{1,4})?",
        "[0-9]{1,3}(,[0-9]{3}){1,2}",
        "(true|false|yes|No|1|0|maybe)",
        "[0-9]{4}-[01][0-9]-[0-3][0-9]",
        "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{3})?(Z|[+-]0[0-9]:[03]0)",
        "[0-3][0-9]/[01][0-9]/[0-9]{4}",
        "(gold|Gold|silver|Silver tier|Bronze|gold;silver|;gold|;| ;)",
        "[ \t]{0,2}[a-zA-Z0-9@.+éü🚀\u{200f}\u{202e}]{0,20}[ \t]{0,2}",
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Whatever a field holds goes out in a form HubSpot takes for the property's type, or is
    /// refused with a reason naming the property; `fit`'s "never" is always a refusal.
    #[test]
    fn every_value_is_sent_valid_or_refused_with_a_reason(
        kind in proptest::sample::select(&FieldType::ALL[..]),
        property_kind in proptest::sample::select(PROPERTY_TYPES),
        multi in any::<bool>(),
        raw in lead_value(),
    ) {
        let field = typed_field(kind);
        // What the store would hold: the raw value in the field's canonical form.
        let Ok(Some(stored)) = field.canonical(&raw) else { return Ok(()) };
        prop_assert_eq!(field.canonical(&stored), Ok(Some(stored.clone())), "canonical form is stable");
        let property = typed_property(property_kind, multi);
        match to_hubspot(&field, &stored, &property, &owners()) {
            Ok(sent) => {
                prop_assert!(!matches!(fit(&field, &property), Fit::Never(_)));
                prop_assert!(valid_for_hubspot(property_kind, multi, &sent),
                    "{:?} {:?} into {} sent as {:?}", kind, stored, property_kind, sent);
                // And a value pulled back from HubSpot reads without a panic.
                let _ = from_hubspot(&field, &property, &sent, &owners());
            }
            Err(invalid) => {
                prop_assert_eq!(invalid.property, "p");
                prop_assert!(!invalid.reason.is_empty());
            }
        }
    }

    /// Any text HubSpot might send back is read as the field's value or refused with a reason.
    #[test]
    fn any_hubspot_value_is_read_or_refused(
        kind in proptest::sample::select(&FieldType::ALL[..]),
        property_kind in proptest::sample::select(PROPERTY_TYPES),
        multi in any::<bool>(),
        value in lead_value(),
    ) {
        let field = typed_field(kind);
        match from_hubspot(&field, &typed_property(property_kind, multi), &value, &owners()) {
            Ok(Some(read)) => prop_assert_eq!(field.canonical(&read), Ok(Some(read.clone()))),
            Ok(None) => {}
            Err(reason) => prop_assert!(!reason.is_empty()),
        }
    }
}

// ---- round trips ----

/// A valid value of each field type, in the field's canonical form.
fn canonical_value(kind: FieldType) -> BoxedStrategy<String> {
    let raw: BoxedStrategy<String> = match kind {
        FieldType::Text => any::<String>()
            .prop_map(|s| s.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).take(64).collect())
            .boxed(),
        FieldType::Number => "-?[0-9]{1,12}(\\.[0-9]{1,6})?".boxed(),
        FieldType::Date => {
            (1000i32..9999, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")).boxed()
        }
        FieldType::Datetime => (1000i32..9999, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, 0u32..1000)
            .prop_map(|(y, mo, d, h, mi, s, ms)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z"))
            .boxed(),
        FieldType::Boolean => {
            proptest::sample::select(&["true", "false", "yes", "0"][..]).prop_map(String::from).boxed()
        }
        FieldType::SingleChoice => proptest::sample::select(&["Gold", "silver"][..]).prop_map(String::from).boxed(),
        FieldType::MultipleChoice => proptest::sample::subsequence(&["Gold", "silver"][..], 1..=2)
            .prop_shuffle()
            .prop_map(|picked| picked.join(";"))
            .boxed(),
    };
    let field = choice_field(kind);
    raw.prop_filter_map("not a value of the field", move |raw| field.canonical(&raw).ok().flatten()).boxed()
}

/// The property types a field's values all fill (`fit` says `Fits`), where the trip back is
/// identity. Not identity, on purpose: text read as a number, yes/no or date (" 0012 " goes as
/// 12 and comes back as "12"), a choice named by its HubSpot label (comes back as the option's
/// own spelling), an owner's email (comes back in the directory's case), and a time of day sent
/// to a date property (refused: HubSpot dates are whole days).
fn identity_targets(kind: FieldType) -> &'static [(&'static str, bool)] {
    match kind {
        FieldType::Text => &[("string", false), ("phone_number", false)],
        FieldType::Number => &[("number", false), ("string", false)],
        FieldType::Date => &[("date", false), ("datetime", false), ("string", false)],
        FieldType::Datetime => &[("datetime", false), ("string", false)],
        FieldType::Boolean => &[("bool", false), ("string", false)],
        FieldType::SingleChoice => &[("enumeration", false), ("enumeration", true), ("string", false)],
        FieldType::MultipleChoice => &[("enumeration", true), ("string", false)],
    }
}

/// A field whose options are all among the test property's (by value or label), so choices fit.
fn choice_field(kind: FieldType) -> Field {
    Field { options: vec!["Gold".into(), "silver".into()], ..kind_field(kind) }
}

fn kind_and_value() -> impl Strategy<Value = (FieldType, String)> {
    proptest::sample::select(&FieldType::ALL[..]).prop_flat_map(|kind| (Just(kind), canonical_value(kind)))
}

proptest! {
    #![proptest_config(config())]

    /// A lead value sent to a property it fits and read back is the value it was.
    #[test]
    fn a_value_sent_and_read_back_is_itself((kind, value) in kind_and_value()) {
        let field = choice_field(kind);
        for (property_kind, multi) in identity_targets(kind) {
            let property = typed_property(property_kind, *multi);
            prop_assert_eq!(fit(&field, &property), Fit::Fits, "{:?} into {}", kind, property_kind);
            let sent = to_hubspot(&field, &value, &property, &owners())
                .map_err(|e| TestCaseError::fail(format!("{kind:?} {value:?} into {property_kind}: {}", e.reason)))?;
            let back = from_hubspot(&field, &property, &sent, &owners());
            prop_assert_eq!(back, Ok(Some(value.clone())), "{:?} {:?} → {} {:?}", kind, value, property_kind, sent);
        }
    }

    /// A value in HubSpot's form, pulled into a field of the matching type and pushed again, goes
    /// out as it came in: a pull followed by a push changes nothing.
    #[test]
    fn a_hubspot_value_pulled_and_pushed_is_itself((kind, value) in kind_and_value()) {
        let (property_kind, multi) = identity_targets(kind)[0];
        let field = choice_field(kind);
        let property = typed_property(property_kind, multi);
        let hubspot = to_hubspot(&field, &value, &property, &owners()).unwrap();
        let pulled = from_hubspot(&field, &property, &hubspot, &owners()).unwrap().unwrap();
        prop_assert_eq!(to_hubspot(&field, &pulled, &property, &owners()).unwrap(), hubspot);
    }

    /// Midnight datetimes go to a date property and come back (the one time of day a date holds).
    #[test]
    fn midnight_fills_a_date_and_comes_back(date in canonical_value(FieldType::Date)) {
        let field = choice_field(FieldType::Datetime);
        let value = format!("{date}T00:00:00.000Z");
        let property = typed_property("date", false);
        let sent = to_hubspot(&field, &value, &property, &owners()).unwrap();
        prop_assert_eq!(&sent, &date);
        prop_assert_eq!(from_hubspot(&field, &property, &sent, &owners()), Ok(Some(value)));
    }
}

#[test]
fn a_text_value_read_as_a_type_is_normalised_not_kept() {
    // The documented exceptions to identity, so a change to them is a decision, not an accident.
    let text = kind_field(FieldType::Text);
    let cases = [("number", " 0012.50 ", "12.5"), ("bool", "Yes", "true"), ("enumeration", "Silver tier", "silver")];
    for (property_kind, value, sent) in cases {
        let property = typed_property(property_kind, false);
        assert_eq!(to_hubspot(&text, value, &property, &owners()).as_deref(), Ok(sent), "{property_kind}");
        assert_ne!(from_hubspot(&text, &property, sent, &owners()).unwrap().as_deref(), Some(value));
    }
}
