//! HubSpot's reply shapes, written by hand from the documented facts (HubSpot's OpenAPI files
//! are not licensed for reuse). Every field that may be missing is optional.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::errors::{ErrorBody, PropertyProblem};

/// A CRM record. Every property value is a string; a requested property without a value may
/// come back as `null` or not at all, and both mean empty.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub archived: bool,
    /// Set on batch upsert results: whether the record was created.
    #[serde(default)]
    pub new: Option<bool>,
    #[serde(default)]
    pub object_write_trace_id: Option<String>,
}

impl Record {
    /// A property's value; `None` when it is null, absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties.get(name).and_then(Option::as_deref).filter(|v| !v.is_empty())
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyOption {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub hidden: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationMetadata {
    #[serde(default)]
    pub read_only_value: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    pub name: String,
    #[serde(default)]
    pub label: String,
    /// bool, date, datetime, enumeration, number, phone_number, string.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub field_type: String,
    #[serde(default)]
    pub options: Vec<PropertyOption>,
    #[serde(default)]
    pub calculated: bool,
    #[serde(default)]
    pub external_options: bool,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub hubspot_defined: Option<bool>,
    #[serde(default)]
    pub modification_metadata: Option<ModificationMetadata>,
}

impl Property {
    /// Writing it is an error: a read-only value or a calculated property.
    pub fn is_read_only(&self) -> bool {
        self.calculated || self.modification_metadata.as_ref().is_some_and(|m| m.read_only_value)
    }

    pub fn is_multi_select(&self) -> bool {
        self.kind == "enumeration" && self.field_type == "checkbox"
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// `None` for a deactivated owner.
    #[serde(default)]
    pub user_id: Option<u64>,
    #[serde(default)]
    pub archived: bool,
}

/// One entry of a batch reply's `errors`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemError {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// A string in the replies seen (`crm.associations.NO_ASSOCIATIONS_FOUND`); an object in
    /// HubSpot's specs.
    #[serde(default)]
    pub sub_category: Option<Value>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub context: Option<Value>,
    /// Details, as in an error body's `errors`.
    #[serde(default)]
    pub errors: Vec<Value>,
}

impl BatchItemError {
    /// The values under `key` in `context` (HubSpot's context maps keys to lists of strings;
    /// numbers are taken as their text).
    pub fn context_list(&self, key: &str) -> Vec<String> {
        self.context
            .as_ref()
            .and_then(|c| c.get(key))
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(id_text).collect())
            .unwrap_or_default()
    }

    /// The ids an OBJECT_NOT_FOUND error names.
    pub fn ids(&self) -> Vec<String> {
        self.context_list("ids")
    }

    /// The inputs (by `objectWriteTraceId`) an error belongs to.
    pub fn trace_ids(&self) -> Vec<String> {
        self.context_list("objectWriteTraceId")
    }

    /// `subCategory` when it is a string.
    pub fn sub_category(&self) -> Option<&str> {
        self.sub_category.as_ref()?.as_str()
    }

    /// The properties a VALIDATION_ERROR refused values of, read as an error body's are.
    pub fn property_problems(&self) -> Vec<PropertyProblem> {
        ErrorBody {
            message: self.message.clone(),
            category: self.category.clone(),
            errors: self.errors.clone(),
            ..ErrorBody::default()
        }
        .property_problems()
    }
}

/// An id as HubSpot writes it: a string, or (in older replies) a number.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Deserializes an id given as a string or a number into its text: association replies have
/// had both, and ids outgrow 32-bit integers.
pub(crate) fn string_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = Value::deserialize(deserializer)?;
    id_text(&value).ok_or_else(|| serde::de::Error::custom(format!("expected an id, got {value}")))
}

/// A batch reply, 200 or 207 alike: what came back and the errors beside them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct BatchReply<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    #[serde(default)]
    pub errors: Vec<BatchItemError>,
    /// Not HubSpot's: the request was sent again after an attempt that may have landed.
    #[serde(skip)]
    pub resent: bool,
}

impl<T> Default for BatchReply<T> {
    fn default() -> Self {
        BatchReply { results: Vec::new(), errors: Vec::new(), resent: false }
    }
}

/// A batch of records: read, created, updated or upserted.
pub type BatchOutcome = BatchReply<Record>;

impl<T> BatchReply<T> {
    /// Ids (or emails, when read by email) reported missing.
    pub fn missing(&self) -> Vec<String> {
        self.errors.iter().filter(|e| e.category.as_deref() == Some("OBJECT_NOT_FOUND")).flat_map(|e| e.ids()).collect()
    }

    /// The inputs (by trace id) an error names.
    pub fn failed_traces(&self) -> Vec<String> {
        self.errors.iter().flat_map(BatchItemError::trace_ids).collect()
    }
}

impl BatchOutcome {
    /// The records that came back, by the trace id of the input that made them.
    pub fn by_trace_id(&self) -> BTreeMap<&str, &Record> {
        self.results.iter().filter_map(|r| Some((r.object_write_trace_id.as_deref()?, r))).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub next: Option<NextPage>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NextPage {
    pub after: String,
}

/// A page of a list or search.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
    /// Search replies say how many matched in all.
    #[serde(default)]
    pub total: Option<u64>,
}

impl<T> Page<T> {
    pub fn next_after(&self) -> Option<&str> {
        self.paging.as_ref()?.next.as_ref().map(|n| n.after.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDetails {
    pub portal_id: u64,
    /// What kind of account it is: `STANDARD` (production), `SANDBOX`, `DEVELOPER_TEST` or
    /// `APP_DEVELOPER`, as HubSpot spells it.
    #[serde(default)]
    pub account_type: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub ui_domain: Option<String>,
    #[serde(default)]
    pub company_currency: Option<String>,
    #[serde(default)]
    pub utc_offset_milliseconds: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct Results<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
}
