//! Companies' settings: their fields, the company mapping (checked against the portal's
//! company properties as the contact mapping is against its contact properties), the company
//! rules and the lead field naming a company's domain, the free-mail overrides, and the
//! standard company mapping a first portal starts with.

use chrono::{DateTime, Utc};
use hubsync_auth::connection::{COMPANIES_READ, COMPANIES_WRITE, ScopeCheck, ScopeState};
use hubsync_auth::portals::interactive;
use hubsync_hubspot::{Property, describe_scopes};
use hubsync_store::{
    CompanyMapping, DOMAIN_PROPERTY, Field, FieldType, FreeMailOverride, MappingSource, STANDARD_COMPANY_MAPPINGS,
    WriteRule, domain_field_problem,
};
use hubsync_sync::mapping_check::{Fit, fit};
use serde::Serialize;
use ts_rs::TS;

use crate::config::FitLevel;
use crate::connect::optional_scopes;
use crate::error::{ApiError, ErrorCode};
use crate::workspace::Workspace;

// ---- company fields ----

/// Every company field, built-in and custom, in their order.
pub async fn list_company_fields(ws: &Workspace) -> Result<Vec<Field>, ApiError> {
    Ok(ws.store.lock().await.company_fields()?)
}

/// Adds a custom company field, on the lead fields' rules (key, type, options).
pub async fn add_company_field(
    ws: &Workspace,
    key: String,
    label: Option<String>,
    kind: FieldType,
    options: Vec<String>,
) -> Result<Field, ApiError> {
    Ok(ws.store.lock().await.add_company_field(key.trim(), label.as_deref(), kind, &options)?)
}

/// Removes a custom company field with its values and the company mapping rows it fills;
/// built-in fields stay.
pub async fn remove_company_field(ws: &Workspace, key: String) -> Result<(), ApiError> {
    Ok(ws.store.lock().await.remove_company_field(&key)?)
}

// ---- the portal's company properties ----

/// A field of a source that can't (always) fill a property, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SourceFit {
    pub source: MappingSource,
    pub field_key: String,
    pub level: FitLevel,
    pub reason: String,
}

/// A company property as the company mapping's picker shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CompanyProperty {
    pub name: String,
    pub label: String,
    /// HubSpot's type: string, number, bool, date, datetime, enumeration, phone_number.
    #[serde(rename = "type")]
    pub kind: String,
    pub field_type: String,
    /// HubSpot refuses writes to it: the picker does not offer it.
    pub read_only: bool,
    /// The company and lead fields that can't (always) fill it, with the reason.
    pub fits: Vec<SourceFit>,
}

/// Why a mapping row's property can't be written, as the portal said.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompanyPropertyRefusal {
    #[error("HubSpot has no company property {0:?}")]
    Unknown(String),
    #[error("the HubSpot company property {name} ({label}) is read-only: HubSpot refuses writes to it")]
    ReadOnly { name: String, label: String },
}

impl CompanyPropertyRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            CompanyPropertyRefusal::Unknown(_) => "unknown_property",
            CompanyPropertyRefusal::ReadOnly { .. } => "read_only_property",
        }
    }
}

/// The live definition of `name` when a field may fill it: it exists and takes writes.
pub fn check_company_property<'a>(
    properties: &'a [Property],
    name: &str,
) -> Result<&'a Property, CompanyPropertyRefusal> {
    match properties.iter().find(|p| p.name == name) {
        None => Err(CompanyPropertyRefusal::Unknown(name.to_string())),
        Some(p) if p.is_read_only() => {
            Err(CompanyPropertyRefusal::ReadOnly { name: name.to_string(), label: p.label.clone() })
        }
        Some(p) => Ok(p),
    }
}

/// The active portal's company properties, read from HubSpot now. A token without the scope
/// gets its `missing_scopes` error in words naming it.
pub async fn live_company_properties(ws: &Workspace) -> Result<Vec<Property>, ApiError> {
    let (_, client) = ws.connected(interactive).await?;
    let result = client.company_properties().await;
    ws.record_outcome(&client).await?;
    result.map_err(|error| match error.missing_scopes() {
        Some(scopes) => {
            let scopes = if scopes.is_empty() { vec![COMPANIES_READ.to_string()] } else { scopes };
            let words = format!("the connection lacks {}: companies can't be read", describe_scopes(&scopes));
            ApiError::from(error).reworded(words)
        }
        None => error.into(),
    })
}

/// The company and lead fields, read once for describing properties and rows.
struct SourceFields {
    company: Vec<Field>,
    lead: Vec<Field>,
}

impl SourceFields {
    async fn read(ws: &Workspace) -> Result<SourceFields, ApiError> {
        let store = ws.store.lock().await;
        Ok(SourceFields { company: store.company_fields()?, lead: store.fields()? })
    }

    fn field(&self, source: MappingSource, key: &str) -> Option<&Field> {
        let fields = match source {
            MappingSource::Company => &self.company,
            MappingSource::Lead => &self.lead,
        };
        fields.iter().find(|f| f.key == key)
    }

    fn all(&self) -> impl Iterator<Item = (MappingSource, &Field)> {
        let company = self.company.iter().map(|f| (MappingSource::Company, f));
        company.chain(self.lead.iter().map(|f| (MappingSource::Lead, f)))
    }
}

/// How well a field fills a property, when not every value will.
fn fit_of(field: &Field, property: &Property) -> Option<(FitLevel, String)> {
    match fit(field, property) {
        Fit::Fits => None,
        Fit::Sometimes(reason) => Some((FitLevel::Sometimes, reason)),
        Fit::Never(reason) => Some((FitLevel::Never, reason)),
    }
}

/// The properties as the picker shows them, by label, each with the fields that can't
/// (always) fill it.
fn describe(properties: &[Property], fields: &SourceFields) -> Vec<CompanyProperty> {
    let mut described: Vec<CompanyProperty> = properties
        .iter()
        .map(|p| CompanyProperty {
            name: p.name.clone(),
            label: p.label.clone(),
            kind: p.kind.clone(),
            field_type: p.field_type.clone(),
            read_only: p.is_read_only(),
            fits: fields
                .all()
                .filter_map(|(source, f)| {
                    let (level, reason) = fit_of(f, p)?;
                    Some(SourceFit { source, field_key: f.key.clone(), level, reason })
                })
                .collect(),
        })
        .collect();
    described.sort_by(|a, b| a.label.to_lowercase().cmp(&b.label.to_lowercase()).then(a.name.cmp(&b.name)));
    described
}

// ---- the company mapping ----

/// What the portal refuses about a row's property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PropertyProblem {
    /// `unknown_property` or `read_only_property`.
    pub code: ErrorCode,
    pub message: String,
}

impl From<CompanyPropertyRefusal> for PropertyProblem {
    fn from(refusal: CompanyPropertyRefusal) -> PropertyProblem {
        PropertyProblem { code: ErrorCode::of(refusal.code()), message: refusal.to_string() }
    }
}

/// Which of a field's values its property can't take, when not all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FitNote {
    pub level: FitLevel,
    pub reason: String,
}

/// A company mapping row, checked against the portal when it answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CompanyMappingRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub mapping: CompanyMapping,
    /// The domain row: companies are matched by it, so it can't be changed or removed.
    pub locked: bool,
    /// What the portal refuses about the row's property (it lacks it, or it is read-only).
    pub problem: Option<PropertyProblem>,
    /// Which of the field's values the property can't take, when not all.
    pub fit: Option<FitNote>,
}

/// The company mapping with each row's check, and the portal's company properties.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct CompanyMappingView {
    pub rows: Vec<CompanyMappingRow>,
    /// The portal's company properties, by label, for the picker; none when unavailable.
    pub properties: Vec<CompanyProperty>,
    /// Why the portal's company properties could not be read (not connected, unreachable, a
    /// scope the token lacks): the rows are then unchecked.
    pub unavailable: Option<String>,
}

/// `mapping` checked against `properties` (`None`: the portal was not asked).
fn checked_row(mapping: CompanyMapping, properties: Option<&[Property]>, fields: &SourceFields) -> CompanyMappingRow {
    let locked = mapping.property == DOMAIN_PROPERTY;
    let (problem, fit) = match properties {
        // The domain row matches companies whatever the portal holds; it is not asked about.
        Some(properties) if !locked => match check_company_property(properties, &mapping.property) {
            Err(refusal) => (Some(refusal.into()), None),
            Ok(property) => {
                let fit = fields
                    .field(mapping.source, &mapping.field_key)
                    .and_then(|field| fit_of(field, property))
                    .map(|(level, reason)| FitNote { level, reason });
                (None, fit)
            }
        },
        _ => (None, None),
    };
    CompanyMappingRow { mapping, locked, problem, fit }
}

/// The active portal's company mapping, each row checked against its live company properties
/// when the portal answers.
pub async fn company_mapping(ws: &Workspace) -> Result<CompanyMappingView, ApiError> {
    let mappings = ws.store.lock().await.company_mappings()?;
    let fields = SourceFields::read(ws).await?;
    let (properties, unavailable) = match live_company_properties(ws).await {
        Ok(properties) => (Some(properties), None),
        Err(error) => (None, Some(error.message)),
    };
    let rows = mappings.into_iter().map(|m| checked_row(m, properties.as_deref(), &fields)).collect();
    let properties = properties.map(|p| describe(&p, &fields)).unwrap_or_default();
    Ok(CompanyMappingView { rows, properties, unavailable })
}

/// A saved company mapping row: checked in HubSpot, or saved with a warning saying why not.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct CompanyMappingSaved {
    pub row: CompanyMappingRow,
    pub checked_in_hubspot: bool,
    pub warning: Option<String>,
}

/// Fills a company property from a company or lead field (or changes its write rule: `None`
/// keeps a row's rule). When the portal answers, an unknown or read-only property is refused;
/// offline the row is saved with a warning. The domain row stays as it is.
pub async fn set_company_mapping(
    ws: &Workspace,
    property: String,
    source: MappingSource,
    field_key: String,
    rule: Option<WriteRule>,
) -> Result<CompanyMappingSaved, ApiError> {
    let property = property.trim().to_string();
    let fields = SourceFields::read(ws).await?;
    // Only a row the store could take is worth asking HubSpot about: the store refuses the
    // others in its own words.
    let worth_checking = property != DOMAIN_PROPERTY
        && !(source == MappingSource::Company && field_key == DOMAIN_PROPERTY)
        && fields.field(source, &field_key).is_some();
    let (live, warning) = if worth_checking {
        match live_company_properties(ws).await {
            Ok(properties) => {
                check_company_property(&properties, &property)?;
                (Some(properties), None)
            }
            Err(error) => {
                (None, Some(format!("the company property {property} was not checked in HubSpot: {}", error.message)))
            }
        }
    } else {
        (None, None)
    };
    let mapping = ws.store.lock().await.set_company_mapping(&property, source, &field_key, rule)?;
    let row = checked_row(mapping, live.as_deref(), &fields);
    Ok(CompanyMappingSaved { row, checked_in_hubspot: live.is_some(), warning })
}

/// Stops filling a company property (the domain row can't be removed).
pub async fn remove_company_mapping(ws: &Workspace, property: String) -> Result<(), ApiError> {
    Ok(ws.store.lock().await.remove_company_mapping(property.trim())?)
}

/// The company rows of a configuration the live portal refuses, in words naming the row.
pub fn company_file_problems(properties: &[Property], mappings: &[CompanyMapping]) -> Vec<String> {
    mappings
        .iter()
        .filter(|m| m.property != DOMAIN_PROPERTY)
        .filter_map(|m| {
            check_company_property(properties, &m.property).err().map(|refusal| {
                format!("the company row {} ← {} field {}: {refusal}", m.property, m.source.as_str(), m.field_key)
            })
        })
        .collect()
}

/// The first portal's company mapping: the standard rows (`STANDARD_COMPANY_MAPPINGS`) whose
/// property the portal takes writes to and takes every value of the company field for (an
/// industry property with HubSpot's own options is the admin's to map), when the mapping holds
/// the domain row only and the company rules were never decided. Best effort: a portal whose
/// company properties can't be read (a token without the companies scope) keeps the domain row
/// alone. The rows added.
pub async fn start_standard_mapping(ws: &Workspace) -> Vec<CompanyMapping> {
    let started = async {
        {
            let store = ws.store.lock().await;
            let only_domain = store.company_mappings()?.iter().all(|m| m.property == DOMAIN_PROPERTY);
            if !only_domain || store.company_push_rules_decided_at()?.is_some() {
                return Ok(Vec::new());
            }
        }
        let properties = live_company_properties(ws).await?;
        let mut store = ws.store.lock().await;
        let fields = store.company_fields()?;
        let rows: Vec<(&str, &str)> = STANDARD_COMPANY_MAPPINGS
            .iter()
            .copied()
            .filter(|(field, property)| {
                let field = fields.iter().find(|f| f.key == *field);
                let property = check_company_property(&properties, property).ok();
                field.zip(property).is_some_and(|(field, property)| matches!(fit(field, property), Fit::Fits))
            })
            .collect();
        if !store.start_company_mapping(&rows)? {
            return Ok(Vec::new());
        }
        Ok::<_, ApiError>(store.company_mappings()?.into_iter().filter(|m| m.property != DOMAIN_PROPERTY).collect())
    };
    match started.await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::info!(%error, "the standard company mapping was not started");
            Vec::new()
        }
    }
}

// ---- the company rules and the domain field ----

/// The active portal's company rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CompanyRules {
    /// Associate each lead's contact with its company's HubSpot company.
    pub associate: bool,
    /// Create a HubSpot company when none is the lead's company's (only while associating).
    pub create: bool,
    /// The lead field whose value names a lead's company domain before its email's domain;
    /// `None`: the email's domain only.
    pub domain_field: Option<String>,
    /// The lead fields that can be the domain field: text and single choice fields but the email.
    pub domain_field_choices: Vec<Field>,
    /// When the admin last saved the rules; `None` while they are as the portal got them.
    #[ts(type = "string | null")]
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn company_rules(ws: &Workspace) -> Result<CompanyRules, ApiError> {
    let store = ws.store.lock().await;
    let rules = store.company_push_rules()?;
    let domain_field_choices =
        store.fields()?.into_iter().filter(|f| domain_field_problem(&f.key, f.kind).is_none()).collect();
    Ok(CompanyRules {
        associate: rules.associate,
        create: rules.create,
        domain_field: store.company_domain_field()?,
        domain_field_choices,
        decided_at: store.company_push_rules_decided_at()?,
    })
}

/// Saved company rules, and what the portal lacks for them.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct CompanyRulesSaved {
    pub rules: CompanyRules,
    /// The companies scopes the connection lacks while associating is on: a push associates no
    /// company until it has them.
    pub missing_scopes: Vec<ScopeCheck>,
    /// What the rules can't do yet, or why the scopes could not be asked about, in words.
    pub warning: Option<String>,
}

/// Changes either company rule (`None` keeps it; both `None` keeps the rules as they are, which
/// decides them too). Create without associate is refused (`create_company_needs_associate`).
/// Associating is allowed without the companies scopes; the answer says which the portal lacks.
pub async fn set_company_rules(
    ws: &Workspace,
    associate: Option<bool>,
    create: Option<bool>,
) -> Result<CompanyRulesSaved, ApiError> {
    let saved = ws.store.lock().await.set_company_push_rules(associate, create)?;
    let (missing_scopes, warning) = if saved.associate { lacking_company_scopes(ws).await } else { (Vec::new(), None) };
    Ok(CompanyRulesSaved { rules: company_rules(ws).await?, missing_scopes, warning })
}

/// The companies read and write scopes the active portal's connection lacks, and a warning
/// saying what that means (or why it could not be told).
async fn lacking_company_scopes(ws: &Workspace) -> (Vec<ScopeCheck>, Option<String>) {
    let client = match ws.connected(interactive).await {
        Ok((_, client)) => client,
        Err(error) => {
            return (Vec::new(), Some(format!("the portal's companies scopes were not checked: {}", error.message)));
        }
    };
    let scopes = optional_scopes(&client).await;
    if let Err(error) = ws.record_outcome(&client).await {
        tracing::warn!(%error, "the scope check's outcome was not recorded");
    }
    let needed: Vec<ScopeCheck> =
        scopes.into_iter().filter(|s| s.scope == COMPANIES_READ || s.scope == COMPANIES_WRITE).collect();
    let missing: Vec<ScopeCheck> = needed.iter().filter(|s| s.state == ScopeState::Missing).cloned().collect();
    let unknown: Vec<&ScopeCheck> = needed.iter().filter(|s| s.state == ScopeState::Unknown).collect();
    let warning = if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|s| s.scope).collect();
        Some(format!(
            "the connection lacks {}: a push associates no company until the portal is connected with {}",
            names.join(" and "),
            if names.len() == 1 { "it" } else { "them" }
        ))
    } else {
        unknown.first().map(|s| format!("the portal's {} scope could not be checked: {}", s.scope, s.detail))
    };
    (missing, warning)
}

/// Sets (or, with `None`, clears) the lead field naming a lead's company domain.
pub async fn set_company_domain_field(ws: &Workspace, field_key: Option<String>) -> Result<CompanyRules, ApiError> {
    let field_key = field_key.map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
    ws.store.lock().await.set_company_domain_field(field_key.as_deref())?;
    company_rules(ws).await
}

// ---- free-mail domains ----

/// The admin's changes to the maintained free-mail list, by domain.
pub async fn free_mail_overrides(ws: &Workspace) -> Result<Vec<FreeMailOverride>, ApiError> {
    Ok(ws.store.lock().await.free_mail_overrides()?)
}

/// Counts `domain` (normalised) as free-mail (`free`), or takes it off the list, replacing an
/// override of it.
pub async fn set_free_mail_override(ws: &Workspace, domain: String, free: bool) -> Result<FreeMailOverride, ApiError> {
    Ok(ws.store.lock().await.set_free_mail_override(&domain, free)?)
}

/// What removing an override did.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct FreeMailRemoved {
    /// The domain, normalised.
    pub domain: String,
    /// Whether it had an override (else nothing changed).
    pub removed: bool,
}

/// Leaves `domain` to the maintained list again.
pub async fn remove_free_mail_override(ws: &Workspace, domain: String) -> Result<FreeMailRemoved, ApiError> {
    let normalized = normalized_domain(&domain)?;
    let removed = ws.store.lock().await.remove_free_mail_override(&normalized)?;
    Ok(FreeMailRemoved { domain: normalized, removed })
}

/// Why a domain is free-mail or not. Codes, not sentences: the shells word them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FreeMailReason {
    /// The admin added the domain itself.
    Added,
    /// The admin took the domain itself off the list.
    TakenOff,
    /// The admin's change to a domain it is under decides.
    OverrideAbove,
    /// The maintained list has it (or a domain it is under).
    Listed,
    /// The maintained list doesn't have it.
    NotListed,
}

/// Whether a domain is free-mail, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FreeMailCheck {
    /// The domain, normalised.
    pub domain: String,
    /// Free-mail: it names no company.
    pub free: bool,
    /// Whether the maintained list alone counts it as free-mail.
    pub listed: bool,
    pub reason: FreeMailReason,
}

/// Whether `domain` is free-mail, the admin's overrides heard.
pub async fn check_free_mail(ws: &Workspace, domain: String) -> Result<FreeMailCheck, ApiError> {
    let domain = normalized_domain(&domain)?;
    let store = ws.store.lock().await;
    let free = store.is_free_mail_domain(&domain)?;
    let own = store.free_mail_overrides()?.into_iter().find(|o| o.domain == domain).map(|o| o.free);
    let listed = hubsync_email::is_free_mail(&domain);
    let reason = match own {
        Some(true) => FreeMailReason::Added,
        Some(false) => FreeMailReason::TakenOff,
        None if free != listed => FreeMailReason::OverrideAbove,
        None if listed => FreeMailReason::Listed,
        None => FreeMailReason::NotListed,
    };
    Ok(FreeMailCheck { domain, free, listed, reason })
}

/// `raw` as a company domain, or the store's refusal of it.
fn normalized_domain(raw: &str) -> Result<String, ApiError> {
    hubsync_email::normalize_domain(raw).map_err(|problem| {
        ApiError::from(hubsync_store::StoreError::InvalidDomain {
            domain: raw.trim().to_string(),
            reason: problem.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn property(name: &str, kind: &str, calculated: bool) -> Property {
        serde_json::from_value(serde_json::json!({
            "name": name, "label": name.to_uppercase(), "type": kind, "calculated": calculated
        }))
        .unwrap()
    }

    fn field(key: &str, kind: FieldType) -> Field {
        Field { key: key.into(), label: key.into(), kind, options: Vec::new(), builtin: false, position: 0 }
    }

    fn mapping(property: &str, source: MappingSource, field_key: &str) -> CompanyMapping {
        CompanyMapping {
            property: property.into(),
            source,
            field_key: field_key.into(),
            write_rule: WriteRule::Overwrite,
        }
    }

    #[test]
    fn each_row_says_what_the_portal_refuses_about_its_property_and_the_domain_row_is_never_asked() {
        let properties = [
            property("name", "string", false),
            property("numberofemployees", "number", false),
            property("hs_num_child_companies", "number", true),
        ];
        let fields = SourceFields {
            company: vec![field("domain", FieldType::Text), field("name", FieldType::Text)],
            lead: vec![field("company_size", FieldType::Text)],
        };
        let rows: Vec<CompanyMappingRow> = [
            CompanyMapping::domain_row(),
            mapping("name", MappingSource::Company, "name"),
            mapping("numberofemployees", MappingSource::Lead, "company_size"),
            mapping("hs_num_child_companies", MappingSource::Company, "name"),
            mapping("no_such_property", MappingSource::Company, "name"),
        ]
        .into_iter()
        .map(|m| checked_row(m, Some(&properties), &fields))
        .collect();
        assert!(rows[0].locked && rows[0].problem.is_none(), "{:?}", rows[0]);
        assert_eq!((rows[1].problem.as_ref(), rows[1].fit.as_ref(), rows[1].locked), (None, None, false));
        let fit = rows[2].fit.as_ref().unwrap();
        assert_eq!(fit.level, FitLevel::Sometimes, "{fit:?}");
        let problems: Vec<(ErrorCode, &str)> =
            rows[3..].iter().map(|r| r.problem.as_ref().map(|p| (p.code, p.message.as_str())).unwrap()).collect();
        assert_eq!(
            problems,
            [
                (
                    ErrorCode::ReadOnlyProperty,
                    "the HubSpot company property hs_num_child_companies (HS_NUM_CHILD_COMPANIES) is read-only: \
                     HubSpot refuses writes to it"
                ),
                (ErrorCode::UnknownProperty, "HubSpot has no company property \"no_such_property\""),
            ]
        );
        // Unasked, no row has a problem.
        let unchecked = checked_row(mapping("no_such_property", MappingSource::Company, "name"), None, &fields);
        assert_eq!((unchecked.problem, unchecked.fit), (None, None));
    }

    #[test]
    fn a_configuration_s_refused_company_rows_are_named() {
        let properties = [property("name", "string", false)];
        let problems = company_file_problems(
            &properties,
            &[
                CompanyMapping::domain_row(),
                mapping("name", MappingSource::Lead, "company"),
                mapping("nope", MappingSource::Company, "city"),
            ],
        );
        assert_eq!(problems, ["the company row nope ← company field city: HubSpot has no company property \"nope\""]);
    }

    #[test]
    fn each_company_property_names_the_fields_of_either_source_that_cannot_fill_it() {
        let properties = [property("numberofemployees", "number", false), property("city", "string", false)];
        let fields = SourceFields {
            company: vec![field("employees", FieldType::Number)],
            lead: vec![field("employees", FieldType::Boolean)],
        };
        let described = describe(&properties, &fields);
        assert_eq!(described.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["city", "numberofemployees"]);
        assert!(described[0].fits.is_empty());
        assert_eq!(
            described[1].fits,
            [SourceFit {
                source: MappingSource::Lead,
                field_key: "employees".into(),
                level: FitLevel::Never,
                reason: "a boolean field can't fill a number property".into(),
            }]
        );
    }
}
