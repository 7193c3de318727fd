//! Checking a mapping row against the portal's live contact properties, shared by the command
//! line and the desktop app: the property must exist and be writable, and whether the lead
//! field's type can fill it (`convert::fit`) is told before anything is sent. Files (a mapping
//! file, a configuration file) get the same checks for every row, and their pull rules the
//! rules' own.

use hubsync_hubspot::{ClientError, HubSpotClient, Property};
use hubsync_store::{Field, Mapping, Store, StoreError};

pub use crate::convert::{Fit, fit};
use crate::owners::OwnerDirectory;
use crate::pull_rules::{self, PullRules};

/// Why a mapping to a property is refused when the portal could be asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PropertyRefusal {
    #[error("HubSpot has no contact property {0:?}")]
    Unknown(String),
    #[error("the HubSpot property {name} ({label}) is read-only: HubSpot refuses writes to it")]
    ReadOnly { name: String, label: String },
}

impl PropertyRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            PropertyRefusal::Unknown(_) => "unknown_property",
            PropertyRefusal::ReadOnly { .. } => "read_only_property",
        }
    }
}

/// The live definition of `name` when a lead field may be mapped to it: it exists and is
/// writable.
pub fn check_property<'a>(properties: &'a [Property], name: &str) -> Result<&'a Property, PropertyRefusal> {
    match properties.iter().find(|p| p.name == name) {
        None => Err(PropertyRefusal::Unknown(name.to_string())),
        Some(p) if p.is_read_only() => {
            Err(PropertyRefusal::ReadOnly { name: name.to_string(), label: p.label.clone() })
        }
        Some(p) => Ok(p),
    }
}

/// Whether setting the mapping of `field_key` is worth asking HubSpot about: only a mapping the
/// store could accept (the field exists) and not the email row, which maps to `email` alone
/// whatever HubSpot holds.
pub fn worth_checking(store: &Store, field_key: &str) -> Result<bool, StoreError> {
    Ok(field_key != "email" && store.field(field_key)?.is_some())
}

/// The warning a mapping saved without the portal's answer carries (offline, not connected).
pub fn unchecked_warning(property: &str, why: &str) -> String {
    format!("the property {property} was not checked in HubSpot: {why}")
}

/// What to tell an admin who maps `field` onto `property`, as the app's mapping screen does:
/// nothing when every value fits, else the reason (prefixed when no value ever converts).
pub fn fit_warning(field: &Field, property: &Property) -> Option<String> {
    match fit(field, property) {
        Fit::Fits => None,
        Fit::Sometimes(reason) => Some(reason),
        Fit::Never(reason) => Some(format!("these types look incompatible: {reason}")),
    }
}

/// What the live portal refuses in a file: its rows (`file_problems`) and its pull rules (a
/// property it lacks, an option or an owner it has no such thing for, …), each in words naming
/// where it is. The one check a mapping file and a configuration file both get.
pub fn portal_problems(facts: &PortalFacts, mappings: &[Mapping], rules: Option<&PullRules>) -> Vec<String> {
    let mut problems = file_problems(&facts.properties, mappings);
    if let Some(rules) = rules
        && let Err(refused) = pull_rules::check(rules, &facts.properties, &facts.company_properties, &facts.owners)
    {
        problems.extend(refused.into_iter().map(|problem| match problem.condition {
            Some(i) => format!("the pull rules' condition {}: {}", i + 1, problem.message),
            None => format!("the pull rules: {}", problem.message),
        }));
    }
    problems
}

/// Asks the live portal what it refuses in a file (`portal_problems`): its properties, and its
/// owners when a pull rule names one.
pub async fn ask_portal(
    client: &HubSpotClient,
    mappings: &[Mapping],
    rules: Option<&PullRules>,
) -> Result<Vec<String>, ClientError> {
    let facts = portal_facts(client, rules).await?;
    Ok(portal_problems(&facts, mappings, rules))
}

/// What the live portal's checks need: its contact properties; its company properties when a
/// pull rule tests the contact's company; its owners (active and deactivated) when a pull rule
/// names one. Nothing else is read.
#[derive(Clone, Debug, Default)]
pub struct PortalFacts {
    pub properties: Vec<Property>,
    pub company_properties: Vec<Property>,
    pub owners: OwnerDirectory,
}

/// Reads the `PortalFacts` `rules` need.
pub async fn portal_facts(client: &HubSpotClient, rules: Option<&PullRules>) -> Result<PortalFacts, ClientError> {
    let properties = client.properties().await?;
    let company_properties =
        if rules.is_some_and(PullRules::tests_companies) { client.company_properties().await? } else { Vec::new() };
    let names_an_owner = rules.is_some_and(|r| {
        r.conditions.iter().any(|c| c.property == pull_rules::OWNER || c.company_property() == Some(pull_rules::OWNER))
    });
    let owners = if names_an_owner {
        OwnerDirectory::new(client.owners(false).await?, client.owners(true).await?)
    } else {
        OwnerDirectory::default()
    };
    Ok(PortalFacts { properties, company_properties, owners })
}

/// The rows of a mapping file the live portal refuses (unknown or read-only properties), in
/// words naming the row; the email row is not asked about.
pub fn file_problems(properties: &[Property], mappings: &[Mapping]) -> Vec<String> {
    mappings
        .iter()
        .filter(|m| m.field_key != "email")
        .filter_map(|m| {
            check_property(properties, &m.property)
                .err()
                .map(|refusal| format!("the row {} → {}: {refusal}", m.field_key, m.property))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn property(name: &str, calculated: bool) -> Property {
        serde_json::from_value(serde_json::json!({
            "name": name, "label": name.to_uppercase(), "type": "string", "calculated": calculated
        }))
        .unwrap()
    }

    #[test]
    fn unknown_and_read_only_properties_are_refused_with_their_codes() {
        let properties = [property("company", false), property("hs_score", true)];
        assert_eq!(check_property(&properties, "company").unwrap().name, "company");
        let unknown = check_property(&properties, "nope").unwrap_err();
        assert_eq!(
            (unknown.code(), unknown.to_string().as_str()),
            ("unknown_property", "HubSpot has no contact property \"nope\"")
        );
        let read_only = check_property(&properties, "hs_score").unwrap_err();
        assert_eq!(read_only.code(), "read_only_property");
        assert!(read_only.to_string().contains("(HS_SCORE) is read-only"), "{read_only}");
    }

    #[test]
    fn a_files_refused_rows_are_named() {
        let properties = [property("company", false), property("hs_score", true)];
        let row = |field_key: &str, property: &str| Mapping {
            field_key: field_key.into(),
            property: property.into(),
            write_rule: hubsync_store::WriteRule::Overwrite,
        };
        let problems = file_problems(
            &properties,
            &[row("email", "email"), row("company", "company"), row("score", "hs_score"), row("x", "nope")],
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("the row score → hs_score: the HubSpot property hs_score"), "{problems:?}");
        assert_eq!(problems[1], "the row x → nope: HubSpot has no contact property \"nope\"");
    }
}
