//! Lead values to HubSpot property values: converted to the form HubSpot accepts for the
//! property's type and checked against the portal's live definition, so one bad record is
//! reported with its reason instead of sinking a batch.

use hubsync_hubspot::Property;
use hubsync_store::{Field, FieldType};

use crate::owners::{OwnerDirectory, OwnerProblem};

/// HubSpot's limit on a string property's value.
pub const MAX_STRING_CHARS: usize = 65_536;

/// Why a value can't be sent, for the preview and the run's row errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub property: String,
    pub reason: String,
}

fn invalid(property: &Property, reason: impl Into<String>) -> Invalid {
    Invalid { property: property.name.clone(), reason: reason.into() }
}

/// Re-reads a text value as another lead type, so a text field can fill a typed property when
/// its content fits.
fn as_type(kind: FieldType, value: &str) -> Result<Option<String>, String> {
    let probe =
        Field { key: String::new(), label: String::new(), kind, options: Vec::new(), builtin: false, position: 0 };
    probe.canonical(value)
}

/// Converts a lead's stored value (canonical for `field`'s type, never empty) to the string
/// HubSpot accepts for `property`.
pub fn to_hubspot(field: &Field, value: &str, property: &Property, owners: &OwnerDirectory) -> Result<String, Invalid> {
    if property.is_read_only() {
        return Err(invalid(
            property,
            format!("{} is read-only in HubSpot; map the field to another property", property.name),
        ));
    }
    let mismatch =
        || invalid(property, format!("a {} field can't fill a {} property", field.kind.as_str(), property.kind));
    let from_text = |kind: FieldType, what: &str| match as_type(kind, value) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(invalid(property, format!("{value:?} is empty as {what}"))),
        Err(reason) => Err(invalid(property, reason)),
    };
    match property.kind.as_str() {
        "string" | "phone_number" => {
            if value.chars().count() > MAX_STRING_CHARS {
                return Err(invalid(property, format!("longer than HubSpot's {MAX_STRING_CHARS} characters")));
            }
            Ok(value.to_string())
        }
        "number" => match field.kind {
            FieldType::Number => Ok(value.to_string()),
            FieldType::Text if value.contains(',') => Err(invalid(
                property,
                format!("{value:?} has a comma; HubSpot numbers take digits and one decimal point (1234.5)"),
            )),
            FieldType::Text => from_text(FieldType::Number, "a number"),
            _ => Err(mismatch()),
        },
        "bool" => match field.kind {
            FieldType::Boolean => Ok(value.to_string()),
            FieldType::Text => from_text(FieldType::Boolean, "a yes/no value"),
            _ => Err(mismatch()),
        },
        "date" => match field.kind {
            FieldType::Date => Ok(value.to_string()),
            // HubSpot dates are midnight UTC; a datetime converts only when it is one.
            FieldType::Datetime => value.strip_suffix("T00:00:00.000Z").map(String::from).ok_or_else(|| {
                invalid(property, format!("{value} has a time of day; HubSpot dates are whole days (midnight UTC)"))
            }),
            FieldType::Text => from_text(FieldType::Date, "a date"),
            _ => Err(mismatch()),
        },
        "datetime" => match field.kind {
            FieldType::Datetime => Ok(value.to_string()),
            FieldType::Date => Ok(format!("{value}T00:00:00.000Z")),
            FieldType::Text => from_text(FieldType::Datetime, "a date and time"),
            _ => Err(mismatch()),
        },
        "enumeration" if property.external_options => {
            if property.name != "hubspot_owner_id" {
                return Ok(value.to_string());
            }
            match owners.active_id(value) {
                Ok(id) => Ok(id.to_string()),
                Err(OwnerProblem::Unknown) => Err(invalid(property, format!("no HubSpot owner has the email {value}"))),
                Err(OwnerProblem::Deactivated) => Err(invalid(
                    property,
                    format!("the owner {value} is deactivated in HubSpot; choose an active owner"),
                )),
            }
        }
        "enumeration" => {
            let choices: Vec<&str> = value.split(';').map(str::trim).filter(|c| !c.is_empty()).collect();
            if choices.len() > 1 && !property.is_multi_select() {
                return Err(invalid(property, format!("{value:?} has several choices; {} takes one", property.name)));
            }
            let mut values = Vec::with_capacity(choices.len());
            for choice in choices {
                let option = property
                    .options
                    .iter()
                    .find(|o| o.value == choice)
                    .or_else(|| {
                        property
                            .options
                            .iter()
                            .find(|o| o.value.eq_ignore_ascii_case(choice) || o.label.eq_ignore_ascii_case(choice))
                    })
                    .ok_or_else(|| {
                        let allowed: Vec<&str> = property.options.iter().map(|o| o.value.as_str()).collect();
                        invalid(
                            property,
                            format!("{choice:?} is not one of {}'s options: {}", property.name, allowed.join(", ")),
                        )
                    })?;
                if !values.contains(&option.value.as_str()) {
                    values.push(option.value.as_str());
                }
            }
            // Joined without a leading `;`, which would append instead of replace.
            Ok(values.join(";"))
        }
        other => Err(invalid(property, format!("HubSpot property type {other:?} is not supported"))),
    }
}

/// Whether writing `new` would move the lifecycle stage backwards from `current` (HubSpot only
/// moves it forward).
pub fn lifecycle_moves_backward(property: &Property, current: Option<&str>, new: &str) -> bool {
    let rank = |stage: &str| property.options.iter().position(|o| o.value == stage);
    matches!((current.and_then(rank), rank(new)), (Some(from), Some(to)) if to < from)
}

#[cfg(test)]
mod tests {
    use hubsync_hubspot::Owner;
    use serde_json::json;

    use super::*;

    fn property(json: serde_json::Value) -> Property {
        serde_json::from_value(json).unwrap()
    }

    fn field(kind: FieldType) -> Field {
        Field { key: "f".into(), label: "F".into(), kind, options: vec![], builtin: false, position: 0 }
    }

    fn owners() -> OwnerDirectory {
        let owner = |id: &str, email: &str, active: bool| Owner {
            id: id.into(),
            email: Some(email.into()),
            first_name: None,
            last_name: None,
            user_id: active.then_some(1),
            archived: !active,
        };
        OwnerDirectory::new(vec![owner("101", "Sam@Acme.test", true)], vec![owner("110", "gone@acme.test", false)])
    }

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
            (Text, "sam@acme.test", &owner, ok("101")),
            (Text, "gone@acme.test", &owner, Err(())),
            (Text, "nobody@acme.test", &owner, Err(())),
            (Number, "5", &read_only, Err(())),
            (Text, "acme.test", &calculated, Err(())),
            (Text, &too_long, &string, Err(())),
        ];
        let directory = owners();
        for (kind, value, property, want) in cases {
            let got = to_hubspot(&field(kind), value, property, &directory);
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
        let error = to_hubspot(&field(FieldType::Text), "gone@acme.test", &owner, &owners()).unwrap_err();
        assert_eq!(error.reason, "the owner gone@acme.test is deactivated in HubSpot; choose an active owner");
        let number = property(json!({ "name": "annualrevenue", "type": "number" }));
        let error = to_hubspot(&field(FieldType::Text), "5,333,222", &number, &owners()).unwrap_err();
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
}
