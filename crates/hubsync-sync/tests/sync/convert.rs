//! Lead values to HubSpot property values, table by table.

use hubsync_hubspot::Property;
use hubsync_store::FieldType;
use hubsync_sync::convert::{MAX_STRING_CHARS, from_hubspot, lifecycle_moves_backward, to_hubspot};
use serde_json::json;

use crate::support::{kind_field, owners, property};
#[test]
fn the_conversion_table() {
    let string = property(json!({ "name": "jobtitle", "type": "string" }));
    let number = property(json!({ "name": "annualrevenue", "type": "number" }));
    let boolean = property(json!({ "name": "is_vip", "type": "bool" }));
    let date = property(json!({ "name": "renewal_date", "type": "date" }));
    let datetime = property(json!({ "name": "last_demo_at", "type": "datetime" }));
    let tier = property(json!({ "name": "customer_tier", "type": "enumeration", "fieldType": "select",
        "options": [{ "label": "Gold", "value": "gold" }, { "label": "Silver", "value": "silver" }] }));
    let interests = property(json!({ "name": "product_interests", "type": "enumeration", "fieldType": "checkbox",
        "options": [{ "label": "Analytics", "value": "analytics" }, { "label": "Security", "value": "security" }] }));
    let owner = property(json!({ "name": "hubspot_owner_id", "type": "enumeration", "externalOptions": true }));
    let read_only = property(
        json!({ "name": "hs_object_id", "type": "number", "modificationMetadata": { "readOnlyValue": true } }),
    );
    let calculated = property(json!({ "name": "hs_email_domain", "type": "string", "calculated": true }));

    use FieldType::*;
    let too_long = "x".repeat(MAX_STRING_CHARS + 1);
    let ok = |v: &str| Ok::<String, ()>(v.to_string());
    let cases: Vec<(FieldType, &str, &Property, Result<String, ()>)> = vec![
        (Text, "VP Sales 🚀", &string, ok("VP Sales 🚀")),
        (Number, "42", &string, ok("42")),
        (Number, "1234.5", &number, ok("1234.5")),
        (Text, " 0012 ", &number, ok("12")),
        (Text, "1,234", &number, Err(())),
        (Text, "twelve", &number, Err(())),
        (Date, "2026-01-01", &number, Err(())),
        (Boolean, "true", &boolean, ok("true")),
        (Text, "Yes", &boolean, ok("true")),
        (Text, "perhaps", &boolean, Err(())),
        (Date, "2026-03-01", &date, ok("2026-03-01")),
        (Datetime, "2026-03-01T00:00:00.000Z", &date, ok("2026-03-01")),
        (Datetime, "2026-03-01T09:30:00.000Z", &date, Err(())),
        (Text, "03/01/2026", &date, Err(())),
        (Date, "2026-03-01", &datetime, ok("2026-03-01T00:00:00.000Z")),
        (Text, "2026-03-01T10:30:00+01:00", &datetime, ok("2026-03-01T09:30:00.000Z")),
        (SingleChoice, "gold", &tier, ok("gold")),
        (Text, "GOLD", &tier, ok("gold")),
        (Text, "Silver", &tier, ok("silver")),
        (Text, "Platinum", &tier, Err(())),
        (MultipleChoice, "gold;silver", &tier, Err(())),
        (MultipleChoice, "Security;analytics;security", &interests, ok("security;analytics")),
        (Text, ";analytics", &interests, ok("analytics")),
        (Text, ";", &interests, Err(())),
        (Text, " ; ", &tier, Err(())),
        (Text, "sam@acme.test", &owner, ok("101")),
        (Text, "gone@acme.test", &owner, Err(())),
        (Text, "nobody@acme.test", &owner, Err(())),
        (Number, "5", &read_only, Err(())),
        (Text, "acme.test", &calculated, Err(())),
        (Text, &too_long, &string, Err(())),
    ];
    let directory = owners();
    for (kind, value, property, want) in cases {
        let got = to_hubspot(&kind_field(kind), value, property, &directory);
        match (&got, &want) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{kind:?} {value:?} → {}", property.name),
            (Err(e), Err(())) => {
                assert_eq!(e.property, property.name);
                assert!(!e.reason.is_empty());
            }
            _ => panic!("{kind:?} {value:?} → {}: got {got:?}", property.name),
        }
    }
}

#[test]
fn reasons_say_what_to_do() {
    let owner = property(json!({ "name": "hubspot_owner_id", "type": "enumeration", "externalOptions": true }));
    let error = to_hubspot(&kind_field(FieldType::Text), "gone@acme.test", &owner, &owners()).unwrap_err();
    assert_eq!(error.reason, "the owner gone@acme.test is deactivated in HubSpot; choose an active owner");
    let number = property(json!({ "name": "annualrevenue", "type": "number" }));
    let error = to_hubspot(&kind_field(FieldType::Text), "5,333,222", &number, &owners()).unwrap_err();
    assert!(error.reason.contains("1234.5"), "{}", error.reason);
}

#[test]
fn lifecycle_only_forward() {
    let stage = property(json!({ "name": "lifecyclestage", "type": "enumeration", "fieldType": "radio",
        "options": [{ "label": "Lead", "value": "lead" }, { "label": "Customer", "value": "customer" }] }));
    assert!(lifecycle_moves_backward(&stage, Some("customer"), "lead"));
    assert!(!lifecycle_moves_backward(&stage, Some("lead"), "customer"));
    assert!(!lifecycle_moves_backward(&stage, None, "lead"));
    assert!(!lifecycle_moves_backward(&stage, Some("custom_stage"), "lead"));
}

/// A lead value in its field's canonical form goes to HubSpot and comes back as itself, for
/// every field type and each property type it can fill.
#[test]
fn values_round_trip_through_hubspot_both_ways() {
    let string = property(json!({ "name": "jobtitle", "type": "string" }));
    let number = property(json!({ "name": "annualrevenue", "type": "number" }));
    let boolean = property(json!({ "name": "is_vip", "type": "bool" }));
    let date = property(json!({ "name": "renewal_date", "type": "date" }));
    let datetime = property(json!({ "name": "last_demo_at", "type": "datetime" }));
    let options = json!([{ "label": "Gold", "value": "gold" }, { "label": "Silver", "value": "silver" }]);
    let tier =
        property(json!({ "name": "customer_tier", "type": "enumeration", "fieldType": "select", "options": options }));
    let tiers =
        property(json!({ "name": "tiers", "type": "enumeration", "fieldType": "checkbox", "options": options }));
    let owner = property(json!({ "name": "hubspot_owner_id", "type": "enumeration", "externalOptions": true }));

    use FieldType::*;
    let choice = |kind| hubsync_store::Field { options: vec!["gold".into(), "silver".into()], ..kind_field(kind) };
    let cases: Vec<(hubsync_store::Field, &str, &Property)> = vec![
        (kind_field(Text), "VP Sales 🚀, \"EMEA\"\nsecond line", &string),
        (kind_field(Text), "+33 1 23 45 67 89", &string),
        (kind_field(Number), "-1234.5", &number),
        (kind_field(Number), "0", &number),
        (kind_field(Number), "42", &string),
        (kind_field(Text), "1234.5", &number),
        (kind_field(Boolean), "true", &boolean),
        (kind_field(Boolean), "false", &boolean),
        (kind_field(Text), "true", &boolean),
        (kind_field(Date), "2026-02-28", &date),
        (kind_field(Date), "2026-02-28", &datetime),
        (kind_field(Datetime), "2026-03-01T09:30:00.000Z", &datetime),
        (kind_field(Datetime), "2026-03-01T00:00:00.000Z", &date),
        (choice(SingleChoice), "gold", &tier),
        (kind_field(Text), "silver", &tier),
        (choice(MultipleChoice), "silver;gold", &tiers),
        (kind_field(Text), "sam@acme.test", &owner),
    ];
    let directory = owners();
    for (field, value, property) in cases {
        let sent = to_hubspot(&field, value, property, &directory)
            .unwrap_or_else(|e| panic!("{:?} {value:?} → {}: {e:?}", field.kind, property.name));
        let back = from_hubspot(&field, property, &sent, &directory)
            .unwrap_or_else(|e| panic!("{:?} {value:?} → {} {sent:?} → back: {e}", field.kind, property.name));
        // The owner comes back in the directory's spelling of the email (Sam@Acme.test).
        let same = match property.name.as_str() {
            "hubspot_owner_id" => back.as_deref().is_some_and(|b| b.eq_ignore_ascii_case(value)),
            _ => back.as_deref() == Some(value),
        };
        assert!(same, "{:?} {value:?} → {} {sent:?} → {back:?}", field.kind, property.name);
    }
}

/// What the mapping screen warns about agrees with what the push does: a pair `fit` calls
/// "never" is refused by `to_hubspot` for any value, and a "fits" pair converts a valid value.
#[test]
fn fit_says_which_pairs_convert() {
    use FieldType::*;
    use hubsync_sync::convert::{Fit, fit};
    let kinds = |kind: &str| property(json!({ "name": "p", "label": "P", "type": kind, "fieldType": "text" }));
    // A value each field type holds in its canonical form.
    let valid = |kind: FieldType| match kind {
        Number => "12",
        Boolean => "true",
        Date => "2026-05-01",
        Datetime => "2026-05-01T00:00:00Z",
        _ => "lead",
    };
    let cases = [
        (Text, "string", "fits"),
        (Number, "string", "fits"),
        (Number, "number", "fits"),
        (Text, "number", "sometimes"),
        (Boolean, "bool", "fits"),
        (Text, "bool", "sometimes"),
        (Date, "date", "fits"),
        (Datetime, "date", "sometimes"),
        (Date, "datetime", "fits"),
        (Boolean, "number", "never"),
        (Number, "date", "never"),
        (SingleChoice, "bool", "never"),
    ];
    for (kind, property_kind, expected) in cases {
        let verdict = match fit(&kind_field(kind), &kinds(property_kind)) {
            Fit::Fits => "fits",
            Fit::Sometimes(_) => "sometimes",
            Fit::Never(reason) => {
                assert!(reason.contains(kind.as_str()) && reason.contains(property_kind), "{reason}");
                "never"
            }
        };
        let sent = to_hubspot(&kind_field(kind), valid(kind), &kinds(property_kind), &owners());
        match expected {
            "never" => assert!(sent.is_err(), "{kind:?} into {property_kind} was sent: {sent:?}"),
            "fits" => assert!(sent.is_ok(), "{kind:?} into {property_kind} was refused: {sent:?}"),
            _ => {}
        }
        assert_eq!(verdict, expected, "{kind:?} into {property_kind}");
    }
}
