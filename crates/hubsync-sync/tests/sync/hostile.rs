//! Hostile values, table by table: very long text, control characters, right-to-left marks,
//! emoji, plus-addressed and non-ASCII emails, numbers with separators and dates in other
//! formats. Each is stored and sent in a form HubSpot takes for the property's type, or refused
//! with a reason, for every field type and every property type; never sent broken.

use hubsync_store::{FieldType, canonical_email};
use hubsync_sync::convert::{MAX_STRING_CHARS, from_hubspot, to_hubspot};

use crate::fuzz::{PROPERTY_TYPES, typed_field, typed_property, valid_for_hubspot};
use crate::support::{kind_field, owners, property};

/// What becomes of a raw value typed into a field and pushed to a property.
#[derive(Debug, PartialEq)]
enum Fate {
    /// The store refuses it, with this reason.
    NotStored(String),
    /// Stored, then refused for the property, with this reason.
    NotSent(String),
    Sent(String),
}

fn fate(kind: FieldType, raw: &str, property_kind: &str, multi: bool) -> Option<Fate> {
    let field = typed_field(kind);
    let stored = match field.canonical(raw) {
        Ok(Some(stored)) => stored,
        Ok(None) => return None,
        Err(reason) => return Some(Fate::NotStored(reason)),
    };
    Some(match to_hubspot(&field, &stored, &typed_property(property_kind, multi), &owners()) {
        Ok(sent) => Fate::Sent(sent),
        Err(invalid) => Fate::NotSent(invalid.reason),
    })
}

fn hostile_values() -> Vec<(&'static str, String)> {
    let long = |unit: &str, n: usize| unit.repeat(n);
    vec![
        ("text at the limit", long("x", MAX_STRING_CHARS)),
        ("text past the limit", long("x", MAX_STRING_CHARS + 1)),
        ("emoji at the limit (4 bytes each)", long("🚀", MAX_STRING_CHARS)),
        ("emoji past the limit", long("🚀", MAX_STRING_CHARS + 1)),
        ("a NUL", "ann\u{0}bob".into()),
        ("a bell", "ding\u{7}".into()),
        ("an escape sequence", "\u{1b}[31mred\u{1b}[0m".into()),
        ("DEL", "x\u{7f}".into()),
        ("a C1 control", "x\u{85}y".into()),
        ("line breaks and tabs", "line one\r\nline\ttwo".into()),
        ("right-to-left marks", "\u{200f}שלום\u{200e} world".into()),
        ("a right-to-left override", "invoice\u{202e}fdp.exe".into()),
        ("a zero-width joiner sequence", "👩‍👩‍👧 family".into()),
        ("a byte-order mark", "\u{feff}Gold".into()),
        ("a plus-addressed email", "Ann+Newsletter@Example.com".into()),
        ("a unicode email", "josé.ñúñez@exämple.de".into()),
        ("thousands separators", "1,234,567".into()),
        ("European decimals", "1.234,5".into()),
        ("a space separator", "1 234".into()),
        ("Arabic-Indic digits", "١٢٣".into()),
        ("an exponent", "1e3".into()),
        ("hexadecimal", "0x1F".into()),
        ("not a number", "NaN".into()),
        ("infinity", "inf".into()),
        ("a huge number", long("9", 400)),
        ("a leading plus", "+42".into()),
        ("a US date", "03/01/2026".into()),
        ("a slashed ISO date", "2026/03/01".into()),
        ("an unpadded date", "2026-3-1".into()),
        ("a compact date", "20260301".into()),
        ("a written date", "1 March 2026".into()),
        ("a signed year", "+202-03-01".into()),
        ("a negative year", "-001-01-01".into()),
        ("an impossible date", "2026-02-30".into()),
        ("a date and time with a space", "2026-03-01 10:30:00".into()),
        ("a datetime without a zone", "2026-03-01T10:30:00".into()),
        ("a lowercase datetime", "2026-03-01t10:30:00z".into()),
        ("a leap second", "2026-06-30T23:59:60Z".into()),
        ("epoch milliseconds", "1430438400000".into()),
        ("a far offset", "2026-03-01T00:00:00+23:59".into()),
        ("only separators", ";".into()),
        ("blank choices", " ; ; ".into()),
        ("a choice with a leading separator", ";gold".into()),
        ("a choice in other case", "GOLD".into()),
        ("choices repeated", "gold;Gold;silver".into()),
        ("whitespace", "   ".into()),
    ]
}

#[test]
fn hostile_values_are_sent_valid_or_refused_with_a_reason() {
    let mut sent = 0;
    let mut refused = 0;
    for (what, raw) in hostile_values() {
        for kind in FieldType::ALL {
            for property_kind in PROPERTY_TYPES {
                for multi in [false, true] {
                    match fate(kind, &raw, property_kind, multi) {
                        None => {}
                        Some(Fate::Sent(value)) => {
                            sent += 1;
                            assert!(
                                valid_for_hubspot(property_kind, multi, &value),
                                "{what} in a {kind:?} field went to a {property_kind} property as {:?}",
                                value.chars().take(80).collect::<String>()
                            );
                        }
                        Some(Fate::NotStored(reason) | Fate::NotSent(reason)) => {
                            refused += 1;
                            assert!(reason.len() > 10, "{what} ({kind:?} → {property_kind}): reason {reason:?}");
                            // A reason quotes a value, but not a whole page of it.
                            assert!(
                                reason.chars().count() <= 300,
                                "{what} ({kind:?} → {property_kind}): a reason of {} characters: {}…",
                                reason.chars().count(),
                                reason.chars().take(120).collect::<String>()
                            );
                        }
                    }
                }
            }
        }
    }
    // Both outcomes occur, so neither branch is vacuous.
    assert!(sent > 100 && refused > 100, "sent {sent}, refused {refused}");
}

/// The particular outcomes that matter, with their reasons.
#[test]
fn what_becomes_of_each_hostile_value() {
    use FieldType::*;
    let long = "x".repeat(MAX_STRING_CHARS + 1);
    let sent = |v: &str| Some(Fate::Sent(v.to_string()));
    let not_stored = |raw: &str, kind: FieldType| match fate(kind, raw, "string", false) {
        Some(Fate::NotStored(reason)) => reason,
        other => panic!("{raw:?} as {kind:?} was not refused: {other:?}"),
    };
    assert_eq!(not_stored(&long, Text), format!("longer than {MAX_STRING_CHARS} characters"));
    assert_eq!(fate(Text, &"🚀".repeat(MAX_STRING_CHARS), "string", false), sent(&"🚀".repeat(MAX_STRING_CHARS)));
    for control in ["ann\u{0}bob", "ding\u{7}", "\u{1b}[31m", "x\u{7f}", "x\u{85}y"] {
        assert_eq!(not_stored(control, Text), "contains control characters", "{control:?}");
    }
    // Line breaks and tabs are text; marks, overrides and emoji are characters like any other.
    for kept in ["line one\r\nline\ttwo", "\u{200f}שלום\u{200e} world", "invoice\u{202e}fdp.exe", "👩‍👩‍👧 family"]
    {
        assert_eq!(fate(Text, kept, "string", false), sent(kept), "{kept:?}");
    }
    // Numbers: one form, no separators, whatever the locale wrote.
    for bad in ["1,234,567", "1.234,5", "1 234", "١٢٣", "1e3", "0x1F", "NaN", "inf"] {
        assert!(not_stored(bad, Number).contains("is not a number"), "{bad:?}");
        let via_text = fate(Text, bad, "number", false);
        assert!(matches!(via_text, Some(Fate::NotSent(_))), "{bad:?} as text into a number: {via_text:?}");
    }
    match fate(Text, "1,234,567", "number", false) {
        Some(Fate::NotSent(reason)) => assert!(reason.contains("comma") && reason.contains("1234.5"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fate(Number, "+42", "number", false), sent("42"));
    assert_eq!(fate(Number, &"9".repeat(400), "number", false), sent(&"9".repeat(400)));
    // Dates: YYYY-MM-DD only; anything else is refused, never guessed (03/01 is March or January).
    for bad in
        ["03/01/2026", "2026/03/01", "2026-3-1", "20260301", "1 March 2026", "+202-03-01", "-001-01-01", "2026-02-30"]
    {
        assert!(not_stored(bad, Date).contains("YYYY-MM-DD"), "{bad:?}");
        assert!(matches!(fate(Text, bad, "date", false), Some(Fate::NotSent(_))), "{bad:?} as text into a date");
    }
    // Date and time: a zone is required; the form sent is always UTC with milliseconds.
    for bad in ["2026-03-01T10:30:00", "1430438400000", "2026-03-01"] {
        assert!(not_stored(bad, Datetime).contains("ISO 8601"), "{bad:?}");
    }
    assert_eq!(fate(Datetime, "2026-03-01t10:30:00z", "datetime", false), sent("2026-03-01T10:30:00.000Z"));
    assert_eq!(fate(Datetime, "2026-03-01T00:00:00+23:59", "datetime", false), sent("2026-02-28T00:01:00.000Z"));
    // Choices: a value naming no option, or only separators, is refused rather than sent as a
    // clear ("" empties the property in HubSpot).
    for blank in [";", " ; ; "] {
        match fate(Text, blank, "enumeration", true) {
            Some(Fate::NotSent(reason)) => assert!(reason.contains("no choice"), "{blank:?}: {reason}"),
            other => panic!("{blank:?} was not refused: {other:?}"),
        }
    }
    assert_eq!(fate(Text, ";gold", "enumeration", true), sent("gold"), "never a leading ; (it would append)");
    assert_eq!(fate(Text, "gold;Gold;silver", "enumeration", true), sent("gold;silver"));
    assert_eq!(fate(SingleChoice, "GOLD", "enumeration", false), sent("gold"));
}

#[test]
fn plus_addressed_and_unicode_emails_keep_their_spelling() {
    for email in ["Ann+Newsletter@Example.com", "jose.nunez@exämple.de", "o'brien+x@sub.example.co.uk", "ana@почта.рф"]
    {
        let (stored, key) = canonical_email(email).unwrap_or_else(|e| panic!("{email} was refused: {e}"));
        assert_eq!(stored, email);
        assert_eq!(key, email.to_lowercase());
        let string = property(serde_json::json!({ "name": "email", "type": "string" }));
        assert_eq!(to_hubspot(&kind_field(FieldType::Text), email, &string, &owners()).as_deref(), Ok(email));
    }
    // HubSpot takes letters beyond ASCII in the domain only (RFC 2822 before the @).
    for bad in [
        "ann@example",
        "ann @example.com",
        "ann\u{0}@example.com",
        "ann@exa\u{202e}mple..com",
        "a@b@c.de",
        "josé.ñúñez@exämple.de",
    ] {
        assert_eq!(canonical_email(bad).map_err(|e| e.code()), Err("invalid_email"), "{bad:?}");
    }
    // An owner is found by email without regard to case, plus-address and all.
    let owner =
        property(serde_json::json!({ "name": "hubspot_owner_id", "type": "enumeration", "externalOptions": true }));
    let directory = owners();
    assert_eq!(to_hubspot(&kind_field(FieldType::Text), "SAM@acme.TEST", &owner, &directory).as_deref(), Ok("101"));
    assert_eq!(from_hubspot(&kind_field(FieldType::Text), &owner, "101", &directory), Ok(Some("Sam@Acme.test".into())));
}
