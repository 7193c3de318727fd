//! Lead values to HubSpot property values: converted to the form HubSpot accepts for the
//! property's type and checked against the portal's live definition, so one bad record is
//! reported with its reason instead of sinking a batch.

use hubsync_hubspot::Property;
use hubsync_store::{Field, FieldType, quoted};

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

/// Whether a lead field's values can fill a property, judged from the types alone (and the
/// options of choices), before any value is seen: what a mapping screen warns about. `to_hubspot`
/// refuses every value of a `Never` pair with the same reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Every valid value of the field converts.
    Fits,
    /// Only some values convert; the reason says which.
    Sometimes(String),
    /// No value converts.
    Never(String),
}

pub fn fit(field: &Field, property: &Property) -> Fit {
    let never = || Fit::Never(format!("a {} field can't fill a {} property", field.kind.as_str(), property.kind));
    let text_as = |what: &str| Fit::Sometimes(format!("only text values that read as {what} are sent"));
    match (property.kind.as_str(), field.kind) {
        ("string" | "phone_number", _) => Fit::Fits,
        ("number", FieldType::Number) | ("bool", FieldType::Boolean) | ("date", FieldType::Date) => Fit::Fits,
        ("datetime", FieldType::Datetime | FieldType::Date) => Fit::Fits,
        ("number", FieldType::Text) => text_as("a number (digits and one decimal point, no separators)"),
        ("bool", FieldType::Text) => text_as("a yes/no value"),
        ("date", FieldType::Text) => text_as("a date (YYYY-MM-DD)"),
        ("datetime", FieldType::Text) => text_as("a date and time"),
        ("date", FieldType::Datetime) => {
            Fit::Sometimes("only times at midnight UTC are sent: HubSpot dates are whole days".into())
        }
        ("number" | "bool" | "date" | "datetime", _) => never(),
        ("enumeration", _) if property.external_options => {
            if property.name == "hubspot_owner_id" {
                Fit::Sometimes("only emails of active HubSpot owners are sent".into())
            } else {
                Fit::Fits
            }
        }
        ("enumeration", FieldType::SingleChoice | FieldType::MultipleChoice) => {
            let missing: Vec<&str> = field
                .options
                .iter()
                .filter(|o| {
                    !property.options.iter().any(|p| p.value.eq_ignore_ascii_case(o) || p.label.eq_ignore_ascii_case(o))
                })
                .map(String::as_str)
                .collect();
            if field.kind == FieldType::MultipleChoice && !property.is_multi_select() {
                Fit::Sometimes(format!("{} takes one choice: a value with several is not sent", property.name))
            } else if !missing.is_empty() {
                Fit::Sometimes(format!("not among {}'s options: {}", property.name, missing.join(", ")))
            } else {
                Fit::Fits
            }
        }
        ("enumeration", _) => {
            Fit::Sometimes(format!("only values that are one of {}'s options are sent", property.name))
        }
        (other, _) => Fit::Never(format!("HubSpot property type {other:?} is not supported")),
    }
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
    if let Fit::Never(reason) = fit(field, property) {
        return Err(invalid(property, reason));
    }
    let mismatch =
        || invalid(property, format!("a {} field can't fill a {} property", field.kind.as_str(), property.kind));
    let from_text = |kind: FieldType, what: &str| match as_type(kind, value) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(invalid(property, format!("{} is empty as {what}", quoted(value)))),
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
                format!("{} has a comma; HubSpot numbers take digits and one decimal point (1234.5)", quoted(value)),
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
            // Sent as "", it would clear the property instead of setting it.
            if choices.is_empty() {
                return Err(invalid(
                    property,
                    format!("{} has no choice; {} takes one of its options", quoted(value), property.name),
                ));
            }
            if choices.len() > 1 && !property.is_multi_select() {
                return Err(invalid(
                    property,
                    format!("{} has several choices; {} takes one", quoted(value), property.name),
                ));
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
                            format!(
                                "{} is not one of {}'s options: {}",
                                quoted(choice),
                                property.name,
                                allowed.join(", ")
                            ),
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

/// Converts a HubSpot property value to `field`'s canonical form, for a pull: the reverse of
/// `to_hubspot`. `Ok(None)` when the value is empty. An owner id becomes the owner's email; a
/// choice matches the field's options by value or by the HubSpot option's label.
pub fn from_hubspot(
    field: &Field,
    property: &Property,
    value: &str,
    owners: &OwnerDirectory,
) -> Result<Option<String>, String> {
    if property.name == "hubspot_owner_id" {
        return match owners.email_of(value) {
            Some(email) => field.canonical(email),
            None => Err(format!("owner {value} is not among the portal's owners")),
        };
    }
    match (property.kind.as_str(), field.kind) {
        ("datetime", FieldType::Date) => match value.split_once('T') {
            Some((day, time)) if time.trim_start_matches(['0', ':', '.']).trim_end_matches('Z').is_empty() => {
                field.canonical(day)
            }
            Some(_) => Err(format!("{value} has a time of day; the field {} holds whole days", field.key)),
            None => field.canonical(value),
        },
        ("date", FieldType::Datetime) => field.canonical(&format!("{value}T00:00:00.000Z")),
        ("enumeration", FieldType::SingleChoice | FieldType::MultipleChoice) => field.canonical(value).or_else(|e| {
            let labels: Vec<&str> = value
                .split(';')
                .filter(|v| !v.is_empty())
                .map(|v| property.options.iter().find(|o| o.value == v).map_or(v, |o| o.label.as_str()))
                .collect();
            field.canonical(&labels.join(";")).map_err(|_| e)
        }),
        _ => field.canonical(value),
    }
}
