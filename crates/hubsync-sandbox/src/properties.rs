//! Contact property definitions, in HubSpot's own JSON shape, and the per-type validation that
//! decides what a write may store.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// HubSpot's property `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyType {
    Bool,
    Date,
    Datetime,
    Enumeration,
    Number,
    PhoneNumber,
    String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyOption {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub display_order: i32,
    #[serde(default)]
    pub hidden: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationMetadata {
    #[serde(default = "yes")]
    pub archivable: bool,
    #[serde(default)]
    pub read_only_definition: bool,
    #[serde(default)]
    pub read_only_value: bool,
}

fn yes() -> bool {
    true
}

/// One contact property as `GET /crm/v3/properties/contacts` returns it. Fixtures use the same
/// shape, so a property list exported from a real portal loads as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyDef {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: PropertyType,
    pub field_type: String,
    #[serde(default = "default_group")]
    pub group_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub options: Vec<PropertyOption>,
    #[serde(default)]
    pub display_order: i32,
    #[serde(default)]
    pub calculated: bool,
    #[serde(default)]
    pub external_options: bool,
    #[serde(default)]
    pub has_unique_value: bool,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub hubspot_defined: bool,
    #[serde(default)]
    pub form_field: bool,
    #[serde(default = "default_metadata")]
    pub modification_metadata: ModificationMetadata,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_object_type: Option<String>,
    #[serde(default = "default_stamp")]
    pub created_at: String,
    #[serde(default = "default_stamp")]
    pub updated_at: String,
    #[serde(default)]
    pub archived: bool,
}

pub(crate) fn default_group() -> String {
    "contactinformation".into()
}

pub(crate) fn default_metadata() -> ModificationMetadata {
    ModificationMetadata { archivable: true, read_only_definition: false, read_only_value: false }
}

pub(crate) fn default_stamp() -> String {
    "2024-01-15T09:00:00.000Z".into()
}

impl PropertyDef {
    pub fn is_read_only(&self) -> bool {
        self.modification_metadata.read_only_value || self.calculated
    }

    pub fn is_multi_select(&self) -> bool {
        self.kind == PropertyType::Enumeration && self.field_type == "checkbox"
    }

    fn option_values(&self) -> impl Iterator<Item = &str> {
        self.options.iter().map(|o| o.value.as_str())
    }

    fn has_option(&self, value: &str) -> bool {
        self.option_values().any(|o| o == value)
    }

    fn allowed_options_message(&self, value: &str) -> String {
        let allowed: Vec<&str> = self.option_values().collect();
        format!("{value} was not one of the allowed options: [{}]", allowed.join(", "))
    }
}

/// One rejected property value, as HubSpot lists them inside a VALIDATION_ERROR message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyValueError {
    pub name: String,
    pub code: &'static str,
    pub message: String,
}

impl PropertyValueError {
    pub fn new(name: &str, code: &'static str, message: impl Into<String>) -> Self {
        PropertyValueError { name: name.to_string(), code, message: message.into() }
    }

    pub fn doesnt_exist(name: &str) -> Self {
        Self::new(name, "PROPERTY_DOESNT_EXIST", format!("Property \"{name}\" does not exist"))
    }

    pub fn to_json(&self, portal_id: u64) -> serde_json::Value {
        serde_json::json!({
            "isValid": false,
            "message": self.message,
            "error": self.code,
            "name": self.name,
            "localizedErrorMessage": self.message,
            "portalId": portal_id,
        })
    }
}

/// HubSpot's maximum length of a string property value.
pub const MAX_STRING_CHARS: usize = 65_536;

/// Checks one value against its property's type and returns the form the portal stores:
/// `None` clears the property. `current` is the stored value (multi-select appends to it).
pub fn normalize_value(
    def: &PropertyDef,
    raw: &str,
    current: Option<&str>,
    owner_exists: &dyn Fn(&str) -> bool,
) -> Result<Option<String>, PropertyValueError> {
    let name = def.name.as_str();
    if def.is_read_only() {
        return Err(PropertyValueError::new(
            name,
            "READ_ONLY_VALUE",
            format!("\"{name}\" is a read only property; its value cannot be set."),
        ));
    }
    // An empty string clears a value of any type.
    if raw.is_empty() {
        return Ok(None);
    }
    match def.kind {
        PropertyType::String | PropertyType::PhoneNumber => {
            if raw.chars().count() > MAX_STRING_CHARS {
                return Err(PropertyValueError::new(
                    name,
                    "INVALID_LENGTH",
                    format!("Value for {name} is longer than the maximum of {MAX_STRING_CHARS} characters"),
                ));
            }
            if name == "email" && !hubsync_email::is_valid(raw) {
                return Err(PropertyValueError::new(name, "INVALID_EMAIL", format!("Email address {raw} is invalid")));
            }
            Ok(Some(raw.to_string()))
        }
        PropertyType::Number => {
            if is_hubspot_number(raw) {
                Ok(Some(raw.to_string()))
            } else {
                Err(PropertyValueError::new(name, "INVALID_INTEGER", format!("{raw} was not a valid number.")))
            }
        }
        PropertyType::Bool => match raw {
            "true" | "false" => Ok(Some(raw.to_string())),
            _ => Err(PropertyValueError::new(
                name,
                "INVALID_OPTION",
                format!("{raw} was not one of the allowed options: [true, false]"),
            )),
        },
        PropertyType::Date => parse_date_value(raw)
            .map(|d| Some(d.format("%Y-%m-%d").to_string()))
            .map_err(|why| PropertyValueError::new(name, "INVALID_DATE", why)),
        PropertyType::Datetime => parse_datetime_value(raw)
            .map(|t| Some(format_timestamp(t)))
            .map_err(|why| PropertyValueError::new(name, "INVALID_DATETIME", why)),
        PropertyType::Enumeration => {
            if def.external_options {
                // Owner-style properties list no options; their values are checked against the
                // referenced objects instead.
                if def.referenced_object_type.as_deref() == Some("OWNER") && !owner_exists(raw) {
                    return Err(PropertyValueError::new(
                        name,
                        "INVALID_OWNER_ID",
                        format!("{raw} is not a valid owner id"),
                    ));
                }
                return Ok(Some(raw.to_string()));
            }
            if def.is_multi_select() {
                return normalize_multi_select(def, raw, current).map(Some);
            }
            if def.has_option(raw) {
                Ok(Some(raw.to_string()))
            } else {
                Err(PropertyValueError::new(name, "INVALID_OPTION", def.allowed_options_message(raw)))
            }
        }
    }
}

/// Multiple checkboxes: values joined by `;`. A leading `;` appends to the current values.
fn normalize_multi_select(def: &PropertyDef, raw: &str, current: Option<&str>) -> Result<String, PropertyValueError> {
    let (appending, list) = match raw.strip_prefix(';') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let mut values: Vec<String> = Vec::new();
    if appending {
        values.extend(current.unwrap_or("").split(';').filter(|v| !v.is_empty()).map(String::from));
    }
    for value in list.split(';').filter(|v| !v.is_empty()) {
        if !def.has_option(value) {
            return Err(PropertyValueError::new(&def.name, "INVALID_OPTION", def.allowed_options_message(value)));
        }
        if !values.iter().any(|v| v == value) {
            values.push(value.to_string());
        }
    }
    Ok(values.join(";"))
}

/// Digits with at most one `.`, an optional leading `-`; no thousands separators or exponents.
pub fn is_hubspot_number(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

/// `YYYY-MM-DD`, or epoch milliseconds that fall on midnight UTC.
pub fn parse_date_value(raw: &str) -> Result<NaiveDate, String> {
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        && raw.len() == 10
    {
        return Ok(date);
    }
    if let Ok(ms) = raw.parse::<i64>() {
        let Some(at) = DateTime::<Utc>::from_timestamp_millis(ms) else {
            return Err(format!("{raw} was not a valid date"));
        };
        let since_midnight = ms.rem_euclid(86_400_000);
        if since_midnight != 0 {
            let t = at.time();
            return Err(format!(
                "{raw} is at {}:{}:{}.{} UTC, not midnight!",
                chrono::Timelike::hour(&t),
                chrono::Timelike::minute(&t),
                chrono::Timelike::second(&t),
                since_midnight % 1000
            ));
        }
        return Ok(at.date_naive());
    }
    Err(format!("{raw} was not a valid date. Dates must be YYYY-MM-DD or epoch milliseconds at midnight UTC"))
}

/// ISO 8601 with an offset, `YYYY-MM-DD` (midnight UTC), or epoch milliseconds.
pub fn parse_datetime_value(raw: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(ms) = raw.parse::<i64>() {
        return DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| format!("{raw} was not a valid datetime"));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    if raw.len() == 10
        && let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
    {
        return Ok(date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(format!("{raw} was not a valid datetime. Use ISO 8601 (2020-02-29T03:30:17.000Z) or epoch milliseconds"))
}

/// HubSpot's timestamp format in responses: ISO 8601, UTC, milliseconds.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The order of HubSpot's built-in lifecycle stages; custom stages follow in option order.
pub const LIFECYCLE_STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];

/// Position of a stage in the lifecycle, from the property's option order.
pub fn lifecycle_rank(def: &PropertyDef, stage: &str) -> Option<usize> {
    let mut options: Vec<&PropertyOption> = def.options.iter().collect();
    options.sort_by_key(|o| o.display_order);
    options.iter().position(|o| o.value == stage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str) -> PropertyDef {
        crate::catalog::default_catalog(crate::object_type::ObjectType::Contact)
            .into_iter()
            .find(|d| d.name == name)
            .unwrap()
    }

    fn check(name: &str, raw: &str, current: Option<&str>) -> Result<Option<String>, &'static str> {
        normalize_value(&def(name), raw, current, &|id| id == "101").map_err(|e| e.code)
    }

    #[test]
    fn numbers_take_digits_and_one_point_only() {
        assert_eq!(check("annualrevenue", "5333222", None), Ok(Some("5333222".into())));
        assert_eq!(check("annualrevenue", "-12.50", None), Ok(Some("-12.50".into())));
        assert_eq!(check("annualrevenue", "5,333,222", None), Err("INVALID_INTEGER"));
        assert_eq!(check("annualrevenue", "1e5", None), Err("INVALID_INTEGER"));
        assert_eq!(check("annualrevenue", "1.2.3", None), Err("INVALID_INTEGER"));
    }

    #[test]
    fn dates_must_fall_on_midnight_utc() {
        assert_eq!(check("renewal_date", "2015-05-01", None), Ok(Some("2015-05-01".into())));
        assert_eq!(check("renewal_date", "1430438400000", None), Ok(Some("2015-05-01".into())));
        assert_eq!(check("renewal_date", "1430438400001", None), Err("INVALID_DATE"));
        assert_eq!(check("renewal_date", "05/01/2015", None), Err("INVALID_DATE"));
    }

    #[test]
    fn datetimes_normalize_to_utc_millis() {
        assert_eq!(
            check("last_demo_at", "2020-02-29T05:30:17+02:00", None),
            Ok(Some("2020-02-29T03:30:17.000Z".into()))
        );
        assert_eq!(check("last_demo_at", "1582947017000", None), Ok(Some("2020-02-29T03:30:17.000Z".into())));
        assert_eq!(check("last_demo_at", "yesterday", None), Err("INVALID_DATETIME"));
    }

    #[test]
    fn multi_select_replaces_or_appends() {
        assert_eq!(
            check("product_interests", "analytics;security", Some("reporting")),
            Ok(Some("analytics;security".into()))
        );
        assert_eq!(check("product_interests", ";security", Some("reporting")), Ok(Some("reporting;security".into())));
        assert_eq!(check("product_interests", "analytics;nope", None), Err("INVALID_OPTION"));
    }

    #[test]
    fn enumerations_bools_owners_and_read_only() {
        assert_eq!(check("customer_tier", "gold", None), Ok(Some("gold".into())));
        assert_eq!(check("customer_tier", "Gold", None), Err("INVALID_OPTION"));
        assert_eq!(check("is_vip", "true", None), Ok(Some("true".into())));
        assert_eq!(check("is_vip", "yes", None), Err("INVALID_OPTION"));
        assert_eq!(check("hubspot_owner_id", "101", None), Ok(Some("101".into())));
        assert_eq!(check("hubspot_owner_id", "999", None), Err("INVALID_OWNER_ID"));
        assert_eq!(check("hs_object_id", "5", None), Err("READ_ONLY_VALUE"));
        assert_eq!(check("hs_email_domain", "x.com", None), Err("READ_ONLY_VALUE"));
        assert_eq!(check("customer_tier", "", Some("gold")), Ok(None));
    }

    #[test]
    fn emails_are_checked_by_hubspots_rule() {
        let ok = "Mixed.Case+tag@Example.COM";
        assert_eq!(check("email", ok, None), Ok(Some(ok.into())));
        for bad in ["plain", "a@b.c", "a..b@c.com", "tb.tb@yahoo.comtttt"] {
            assert_eq!(check("email", bad, None), Err("INVALID_EMAIL"), "{bad}");
        }
    }
}
