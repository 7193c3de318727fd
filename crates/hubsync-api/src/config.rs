//! Configuration: lead fields, the mapping (checked against the live portal when it answers)
//! and the push rules.

use hubsync_auth::portals::interactive;
use hubsync_hubspot::Property;
use hubsync_store::{Field, FieldType, Mapping, PushRules, WriteRule};
use hubsync_sync::mapping_check::{self, Fit};
use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;
use crate::workspace::Workspace;

/// Every lead field, built-in and custom, in their order.
pub async fn list_fields(ws: &Workspace) -> Result<Vec<Field>, ApiError> {
    Ok(ws.store.lock().await.fields()?)
}

/// Adds a custom field; the store checks the key, the type and the options.
pub async fn add_field(
    ws: &Workspace,
    key: String,
    label: Option<String>,
    kind: FieldType,
    options: Vec<String>,
) -> Result<Field, ApiError> {
    let mut store = ws.store.lock().await;
    Ok(store.add_field(key.trim(), label.as_deref(), kind, &options)?)
}

/// The active portal's mapping, in the fields' order.
pub async fn list_mappings(ws: &Workspace) -> Result<Vec<Mapping>, ApiError> {
    Ok(ws.store.lock().await.mappings()?)
}

/// How well a lead field fills a property, when not every value will.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum FitLevel {
    /// Only some values convert.
    Sometimes,
    /// No value converts: the types don't go together.
    Never,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldFit {
    pub field_key: String,
    pub level: FitLevel,
    pub reason: String,
}

/// A contact property as the mapping picker shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ContactProperty {
    pub name: String,
    pub label: String,
    /// HubSpot's type: string, number, bool, date, datetime, enumeration, phone_number.
    #[serde(rename = "type")]
    pub kind: String,
    pub field_type: String,
    /// HubSpot refuses writes to it: the picker does not offer it.
    pub read_only: bool,
    /// The lead fields that can't (always) fill it, with the reason (the core's `fit`).
    pub fits: Vec<FieldFit>,
}

/// The active portal's contact properties, or why they could not be read (the mapping can
/// still be edited, with a warning).
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct ContactProperties {
    pub properties: Vec<ContactProperty>,
    pub unavailable: Option<String>,
}

/// The live contact properties of the active portal, for the mapping picker.
pub async fn contact_properties(ws: &Workspace) -> Result<ContactProperties, ApiError> {
    let fields = ws.store.lock().await.fields()?;
    Ok(match live_properties(ws).await {
        Ok(properties) => ContactProperties { properties: describe(&properties, &fields), unavailable: None },
        Err(error) => ContactProperties { properties: Vec::new(), unavailable: Some(error.message) },
    })
}

/// What a saved mapping row got: checked in HubSpot, or saved with a warning saying why not.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct MappingSaved {
    pub mapping: Mapping,
    pub checked_in_hubspot: bool,
    pub warning: Option<String>,
    /// Which of the field's values the property can't take, when not all (`convert::fit`); the
    /// pair is saved all the same.
    pub fit: Option<String>,
}

/// Maps a lead field to a property (or changes its write rule). When the portal answers, an
/// unknown or read-only property is refused; offline the row is saved with a warning.
pub async fn set_mapping(
    ws: &Workspace,
    field_key: String,
    property: String,
    rule: Option<WriteRule>,
) -> Result<MappingSaved, ApiError> {
    let worth_checking = mapping_check::worth_checking(&*ws.store.lock().await, &field_key)?;
    let (warning, fit) = if worth_checking {
        match live_properties(ws).await {
            Ok(properties) => {
                let checked = mapping_check::check_property(&properties, &property)?;
                let field = ws.store.lock().await.field(&field_key)?;
                (None, field.and_then(|field| mapping_check::fit_warning(&field, checked)))
            }
            Err(error) => (Some(mapping_check::unchecked_warning(&property, &error.message)), None),
        }
    } else {
        (None, None)
    };
    let mapping = ws.store.lock().await.set_mapping(&field_key, &property, rule)?;
    Ok(MappingSaved { mapping, checked_in_hubspot: worth_checking && warning.is_none(), warning, fit })
}

/// Stops sending a lead field to HubSpot (the email row can't be removed).
pub async fn remove_mapping(ws: &Workspace, field_key: String) -> Result<(), ApiError> {
    Ok(ws.store.lock().await.remove_mapping(&field_key)?)
}

/// The active portal's push rules.
pub async fn push_rules(ws: &Workspace) -> Result<PushRules, ApiError> {
    Ok(ws.store.lock().await.push_rules()?)
}

/// Changes either push rule; create without update is refused (`create_needs_update`).
pub async fn set_push_rules(ws: &Workspace, update: Option<bool>, create: Option<bool>) -> Result<PushRules, ApiError> {
    Ok(ws.store.lock().await.set_push_rules(update, create)?)
}

/// The active portal's contact properties, read from HubSpot now.
pub async fn live_properties(ws: &Workspace) -> Result<Vec<Property>, ApiError> {
    let (_, client) = ws.connected(interactive).await?;
    let result = client.properties().await;
    ws.record_outcome(&client).await?;
    Ok(result?)
}

/// The properties as the picker shows them, each with the fields that can't (always) fill it.
fn describe(properties: &[Property], fields: &[Field]) -> Vec<ContactProperty> {
    let mut described: Vec<ContactProperty> = properties
        .iter()
        .map(|p| ContactProperty {
            name: p.name.clone(),
            label: p.label.clone(),
            kind: p.kind.clone(),
            field_type: p.field_type.clone(),
            read_only: p.is_read_only(),
            fits: fields
                .iter()
                .filter_map(|f| {
                    let (level, reason) = match mapping_check::fit(f, p) {
                        Fit::Fits => return None,
                        Fit::Sometimes(reason) => (FitLevel::Sometimes, reason),
                        Fit::Never(reason) => (FitLevel::Never, reason),
                    };
                    Some(FieldFit { field_key: f.key.clone(), level, reason })
                })
                .collect(),
        })
        .collect();
    described.sort_by(|a, b| a.label.to_lowercase().cmp(&b.label.to_lowercase()).then(a.name.cmp(&b.name)));
    described
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldType) -> Field {
        Field { key: key.into(), label: key.into(), kind, options: Vec::new(), builtin: false, position: 0 }
    }

    #[test]
    fn each_property_names_the_fields_that_cannot_fill_it() {
        let properties: Vec<Property> = serde_json::from_value(serde_json::json!([
            { "name": "num_employees", "label": "Employees", "type": "number" },
            { "name": "hs_score", "label": "Score", "type": "number", "calculated": true },
            { "name": "company", "label": "Company", "type": "string" },
        ]))
        .unwrap();
        let fields =
            [field("size", FieldType::Number), field("signed", FieldType::Boolean), field("note", FieldType::Text)];
        let described = describe(&properties, &fields);
        let names: Vec<&str> = described.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["company", "num_employees", "hs_score"]);
        assert!(described[0].fits.is_empty() && !described[0].read_only);
        let employees = &described[1];
        assert_eq!(employees.fits.len(), 2, "{employees:?}");
        assert_eq!(employees.fits[0].field_key, "signed");
        assert_eq!(employees.fits[0].level, FitLevel::Never);
        assert_eq!(employees.fits[0].reason, "a boolean field can't fill a number property");
        assert_eq!((employees.fits[1].field_key.as_str(), employees.fits[1].level), ("note", FitLevel::Sometimes));
        assert!(described[2].read_only);
    }
}
