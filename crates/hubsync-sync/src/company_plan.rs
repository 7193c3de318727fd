//! The company part of a push's plan: for each company domain, the HubSpot company it is and
//! exactly what would change, field by field; for each lead, whether its contact is associated
//! with that company as its primary one. Pure functions of the store's data and what HubSpot
//! returned, as `plan.rs` is for contacts, so a preview shows what the live run will do.

use std::collections::HashMap;

use hubsync_hubspot::{AssociatedRecord, Property, Record, type_ids};
use hubsync_store::journal::{AssociationDecision, AssociationDraft, DomainLeadValue, PlannedCompanyRow};
use hubsync_store::{
    AssociationAction, AssociationReason, Company, CompanyMapping, CompanyNote, CompanyPushRules, CompanyReason,
    DOMAIN_PROPERTY, Field, FieldChange, MappingSource, RunAction,
};

use crate::convert::Invalid;
use crate::owners::OwnerDirectory;
use crate::plan::{ValuePlan, plan_value};

/// What every company row's plan needs: the company mapping, the fields it names, the portal's
/// company properties, and the rules.
pub struct CompanyInputs<'a> {
    pub mappings: &'a [CompanyMapping],
    pub company_fields: &'a [Field],
    pub lead_fields: &'a [Field],
    pub properties: &'a [Property],
    pub owners: &'a OwnerDirectory,
    pub rules: CompanyPushRules,
    /// The write scope the connection is known to lack (its scope report), if it lacks it: the
    /// company is then neither created nor updated.
    pub missing_write_scope: Option<String>,
}

/// What is known of one domain: its local company, its leads' values of the fields the mapping
/// takes from leads, and the HubSpot companies that may be its own.
pub struct DomainFacts<'a> {
    pub domain: &'a str,
    pub local: Option<&'a Company>,
    pub lead_values: &'a [DomainLeadValue],
    /// The HubSpot company the local company is linked to in the portal, and the record when
    /// HubSpot still has it.
    pub linked: Option<(&'a str, Option<&'a Record>)>,
    /// The companies a search found with the domain, most recently modified first.
    pub found: &'a [Record],
}

/// Plans one domain's company row: the linked company when HubSpot still has it, else the most
/// recently modified with the domain (several: a note names them), else a create when the rules
/// allow it. Each mapped property is planned as a contact's is (a blank value is never pushed,
/// `if-empty` keeps a value, the lifecycle stage only moves forward); an update never rewrites
/// the domain the company was found by.
pub fn plan_company(inputs: &CompanyInputs<'_>, facts: &DomainFacts<'_>) -> PlannedCompanyRow {
    let mut notes = Vec::new();
    let linked = match facts.linked {
        Some((_, Some(record))) => Some(record),
        Some((linked, None)) => {
            notes.push(CompanyNote::LinkedCompanyGone { linked: linked.to_string() });
            None
        }
        None => None,
    };
    let company = linked.or_else(|| {
        let chosen = facts.found.first()?;
        if facts.found.len() > 1 {
            let company_ids = facts.found.iter().map(|c| c.id.clone()).collect();
            notes.push(CompanyNote::SeveralCompanies { company_ids, chosen: chosen.id.clone() });
        }
        Some(chosen)
    });
    let row = |action, reasons, changes: Vec<FieldChange>, notes| {
        let named = changes.iter().find(|c| c.property == "name").and_then(|c| c.after.clone());
        PlannedCompanyRow {
            domain: facts.domain.to_string(),
            company_id: company.map(|c| c.id.clone()),
            name: named
                .or_else(|| company.and_then(|c| c.get("name")).map(String::from))
                .or_else(|| facts.local.and_then(|l| l.value("name")).map(String::from)),
            action,
            reasons,
            changes,
            notes,
        }
    };
    if company.is_none() && !inputs.rules.create {
        return row(RunAction::Skip, vec![CompanyReason::CreateOff], vec![], notes);
    }

    let fields = |source: MappingSource| match source {
        MappingSource::Company => inputs.company_fields,
        MappingSource::Lead => inputs.lead_fields,
    };
    let properties: HashMap<&str, &Property> = inputs.properties.iter().map(|p| (p.name.as_str(), p)).collect();
    let lead_values: HashMap<&str, &DomainLeadValue> =
        facts.lead_values.iter().map(|v| (v.field.as_str(), v)).collect();
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    for mapping in inputs.mappings {
        // The domain was what found the company: an update never rewrites it.
        if mapping.property == DOMAIN_PROPERTY && company.is_some() {
            continue;
        }
        let value = match mapping.source {
            MappingSource::Company if mapping.field_key == DOMAIN_PROPERTY => Some(facts.domain),
            MappingSource::Company => facts.local.and_then(|l| l.value(&mapping.field_key)),
            MappingSource::Lead => lead_values.get(mapping.field_key.as_str()).map(|v| v.value.as_str()),
        };
        // A blank value is never pushed: it doesn't wipe HubSpot's.
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else { continue };
        let Some(field) = fields(mapping.source).iter().find(|f| f.key == mapping.field_key) else { continue };
        if let Some(differing) = lead_values.get(mapping.field_key.as_str()).filter(|v| v.differs)
            && mapping.source == MappingSource::Lead
        {
            notes.push(CompanyNote::LeadValuesDiffer {
                field: mapping.field_key.clone(),
                email: differing.email.clone(),
            });
        }
        let Some(property) = properties.get(mapping.property.as_str()) else {
            problems.push(CompanyReason::NoSuchProperty {
                field: mapping.field_key.clone(),
                property: mapping.property.clone(),
            });
            continue;
        };
        let before = company.and_then(|c| c.get(&mapping.property)).map(String::from);
        match plan_value(&mapping.field_key, field, value, property, mapping.write_rule, before, inputs.owners, false) {
            ValuePlan::Same => {}
            ValuePlan::Change(change) => changes.push(change),
            ValuePlan::Refused(Invalid { property, reason }) => problems.push(CompanyReason::ValueRefused {
                field: mapping.field_key.clone(),
                property,
                detail: reason,
            }),
            ValuePlan::Backward { from, to } => {
                problems.push(CompanyReason::StageBackward { field: mapping.field_key.clone(), from, to })
            }
        }
    }
    if !problems.is_empty() {
        return row(RunAction::Invalid, problems, changes, notes);
    }
    let writes = company.is_none() || changes.iter().any(|c| c.after.is_some());
    let action = match (&inputs.missing_write_scope, company) {
        (Some(scope), _) if writes => {
            return row(RunAction::Skip, vec![CompanyReason::MissingScope { scope: scope.clone() }], changes, notes);
        }
        (_, Some(_)) if writes => RunAction::Update,
        (_, Some(_)) => return row(RunAction::Skip, vec![CompanyReason::Unchanged], changes, notes),
        (_, None) => RunAction::Create,
    };
    row(action, vec![], changes, notes)
}

/// An association decided now, or `None` when deciding it needs the company row (`company`
/// `None`) or the contact's current companies. A lead whose contact this push doesn't write has
/// none; nor has a lead whose company is neither found nor created.
pub fn decide_without_reads(draft: &AssociationDraft) -> Option<AssociationDecision> {
    let skip = |reason| Some(skipped(draft, reason));
    let contact_written = draft.contact_id.is_some() || draft.contact_action == RunAction::Create;
    if draft.contact_action == RunAction::Invalid || !contact_written {
        return skip(AssociationReason::ContactNotWritten);
    }
    let company = draft.company.as_ref()?;
    let domain = draft.domain.clone();
    match (company.action, company.company_id.as_ref(), company.reasons.first()) {
        (RunAction::Invalid, _, _) => return skip(AssociationReason::CompanyInvalid { domain }),
        (RunAction::Skip, None, Some(CompanyReason::MissingScope { scope })) => {
            return skip(AssociationReason::MissingScope { scope: scope.clone() });
        }
        (RunAction::Skip | RunAction::Archive, None, _) => {
            return skip(AssociationReason::CompanyNotCreated { domain });
        }
        _ => {}
    }
    // A contact the push creates has no companies yet.
    if draft.contact_id.is_none() {
        return Some(AssociationDecision {
            seq: draft.seq,
            action: AssociationAction::Associate,
            reason: None,
            contact_id: None,
            company_id: company.company_id.clone(),
            previous_primary: None,
            previously_associated: Some(false),
            decided: true,
        });
    }
    None
}

/// The association of a lead's existing contact, from its current companies (`current`): none
/// needed when the company is its primary one already; else associated as primary, the primary
/// company it had kept for an undo.
pub fn decide_with_reads(draft: &AssociationDraft, current: &[AssociatedRecord]) -> AssociationDecision {
    let company_id = draft.company.as_ref().and_then(|c| c.company_id.clone());
    let primary =
        current.iter().find(|c| c.has_type(type_ids::CONTACT_TO_COMPANY_PRIMARY)).map(|c| c.to_object_id.clone());
    if company_id.is_some() && primary == company_id {
        return AssociationDecision { company_id, ..skipped(draft, AssociationReason::AlreadyAssociated) };
    }
    // Associated already, not as the primary: an undo then only takes the primary label back.
    let previously_associated = current.iter().any(|c| Some(&c.to_object_id) == company_id.as_ref());
    AssociationDecision {
        seq: draft.seq,
        action: AssociationAction::Associate,
        reason: None,
        contact_id: draft.contact_id.clone(),
        company_id,
        previous_primary: primary,
        previously_associated: Some(previously_associated),
        decided: true,
    }
}

/// A draft left to wait for a read of its contact's companies, its contact and company noted.
pub fn awaiting_read(draft: &AssociationDraft) -> AssociationDecision {
    AssociationDecision {
        seq: draft.seq,
        action: AssociationAction::Associate,
        reason: None,
        contact_id: draft.contact_id.clone(),
        company_id: draft.company.as_ref().and_then(|c| c.company_id.clone()),
        previous_primary: None,
        previously_associated: None,
        decided: false,
    }
}

/// The row skipped for `reason`, its contact and company as known.
pub fn skipped(draft: &AssociationDraft, reason: AssociationReason) -> AssociationDecision {
    AssociationDecision {
        seq: draft.seq,
        action: AssociationAction::Skip,
        reason: Some(reason),
        contact_id: draft.contact_id.clone(),
        company_id: draft.company.as_ref().and_then(|c| c.company_id.clone()),
        previous_primary: None,
        previously_associated: None,
        decided: true,
    }
}
