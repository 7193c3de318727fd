//! The company part of the push plan, case by case: which HubSpot company a domain is, what its
//! mapped properties would become, and what each lead's association would be.

use hubsync_hubspot::{AssociatedRecord, AssociationType, Property, Record};
use hubsync_store::journal::{AssociationDraft, CompanySide, DomainLeadValue};
use hubsync_store::{
    AssociationAction, AssociationReason, Company, CompanyMapping, CompanyNote, CompanyOrigin, CompanyPushRules,
    CompanyReason, FieldType, MappingSource, RunAction, WriteRule,
};
use hubsync_sync::OwnerDirectory;
use hubsync_sync::company_plan::{CompanyInputs, DomainFacts, decide_with_reads, decide_without_reads, plan_company};
use serde_json::json;

use crate::support::field;

fn mapping(property: &str, source: MappingSource, field_key: &str, write_rule: WriteRule) -> CompanyMapping {
    CompanyMapping { property: property.into(), source, field_key: field_key.into(), write_rule }
}

fn mappings() -> Vec<CompanyMapping> {
    vec![
        CompanyMapping::domain_row(),
        mapping("city", MappingSource::Company, "city", WriteRule::Overwrite),
        mapping("name", MappingSource::Lead, "company", WriteRule::IfEmpty),
        mapping("lifecyclestage", MappingSource::Lead, "stage", WriteRule::Overwrite),
        mapping("vat_id", MappingSource::Lead, "vat", WriteRule::Overwrite),
    ]
}

fn properties() -> Vec<Property> {
    serde_json::from_value(json!([
        { "name": "domain", "type": "string" },
        { "name": "name", "type": "string" },
        { "name": "city", "type": "string" },
        { "name": "lifecyclestage", "type": "enumeration", "fieldType": "radio",
          "options": [{ "label": "Lead", "value": "lead" }, { "label": "Customer", "value": "customer" }] }
    ]))
    .unwrap()
}

fn company(id: &str, props: &[(&str, &str)], modified: &str) -> Record {
    let mut properties: std::collections::BTreeMap<String, Option<String>> =
        props.iter().map(|(k, v)| (k.to_string(), Some(v.to_string()))).collect();
    properties.insert("hs_lastmodifieddate".into(), Some(modified.into()));
    Record {
        id: id.into(),
        properties,
        created_at: None,
        updated_at: None,
        archived: false,
        new: None,
        object_write_trace_id: None,
    }
}

fn local(city: Option<&str>) -> Company {
    let at = "2026-05-01T12:00:00Z".parse().unwrap();
    Company {
        id: 1,
        domain: Some("acme.com".into()),
        domain_key: Some("acme.com".into()),
        origin: CompanyOrigin::Local,
        hubspot_id: None,
        values: city.map(|c| [("city".to_string(), c.to_string())].into()).unwrap_or_default(),
        created_at: at,
        updated_at: at,
    }
}

fn lead_value(field: &str, value: &str, differs: bool) -> DomainLeadValue {
    DomainLeadValue {
        domain: "acme.com".into(),
        field: field.into(),
        value: value.into(),
        email: "ann@acme.com".into(),
        differs,
    }
}

/// Plans acme.com with the local company `local`, its leads' `values`, and `found` in HubSpot.
fn plan(
    rules: CompanyPushRules,
    local: Option<&Company>,
    values: &[DomainLeadValue],
    linked: Option<(&str, Option<&Record>)>,
    found: &[Record],
) -> hubsync_store::journal::PlannedCompanyRow {
    let company_fields = vec![field("domain", FieldType::Text), field("city", FieldType::Text)];
    let lead_fields =
        vec![field("company", FieldType::Text), field("stage", FieldType::Text), field("vat", FieldType::Text)];
    let (mappings, properties, owners) = (mappings(), properties(), OwnerDirectory::default());
    let inputs = CompanyInputs {
        mappings: &mappings,
        company_fields: &company_fields,
        lead_fields: &lead_fields,
        properties: &properties,
        owners: &owners,
        rules,
        missing_write_scope: None,
    };
    plan_company(&inputs, &DomainFacts { domain: "acme.com", local, lead_values: values, linked, found })
}

const CREATE: CompanyPushRules = CompanyPushRules { associate: true, create: true };
const NO_CREATE: CompanyPushRules = CompanyPushRules { associate: true, create: false };

#[test]
fn a_domain_no_company_has_is_created_with_its_domain_and_mapped_values_or_skipped_when_creating_is_off() {
    let values = [lead_value("company", "Acme", false), lead_value("stage", "lead", false)];
    let row = plan(CREATE, Some(&local(Some("Oslo"))), &values, None, &[]);
    assert_eq!((row.action, row.company_id.as_deref(), row.name.as_deref()), (RunAction::Create, None, Some("Acme")));
    let sent: Vec<(&str, Option<&str>)> =
        row.changes.iter().map(|c| (c.property.as_str(), c.after.as_deref())).collect();
    assert_eq!(
        sent,
        [
            ("domain", Some("acme.com")),
            ("city", Some("Oslo")),
            ("name", Some("Acme")),
            ("lifecyclestage", Some("lead"))
        ]
    );

    let row = plan(NO_CREATE, Some(&local(Some("Oslo"))), &values, None, &[]);
    assert_eq!(
        (row.action, row.reasons.clone(), row.changes.len()),
        (RunAction::Skip, vec![CompanyReason::CreateOff], 0)
    );
}

#[test]
fn an_update_writes_only_what_differs_never_the_domain_and_keeps_what_if_empty_keeps() {
    let hubspot =
        company("7001", &[("domain", "ACME.com"), ("name", "Acme Ltd"), ("city", "Bergen")], "2026-01-01T00:00:00Z");
    let values = [lead_value("company", "Acme", false)];
    let row = plan(CREATE, Some(&local(Some("Oslo"))), &values, None, std::slice::from_ref(&hubspot));
    assert_eq!((row.action, row.company_id.as_deref()), (RunAction::Update, Some("7001")));
    let changes: Vec<(&str, Option<&str>, Option<&str>, bool)> =
        row.changes.iter().map(|c| (c.property.as_str(), c.before.as_deref(), c.after.as_deref(), c.kept)).collect();
    assert_eq!(changes, [("city", Some("Bergen"), Some("Oslo"), false), ("name", Some("Acme Ltd"), None, true)]);

    // Nothing left to write: unchanged, and a blank local value is never pushed.
    let same = company("7001", &[("domain", "acme.com"), ("name", "Acme Ltd"), ("city", "Oslo")], "t");
    let row = plan(CREATE, Some(&local(None)), &values, None, std::slice::from_ref(&same));
    assert_eq!((row.action, row.reasons.clone()), (RunAction::Skip, vec![CompanyReason::Unchanged]));
    assert!(row.changes.iter().all(|c| c.after.is_none()), "{:?}", row.changes);
}

#[test]
fn several_companies_with_the_domain_give_the_most_recently_modified_and_say_so() {
    // The search's order: most recently modified first.
    let found = [
        company("9", &[("domain", "acme.com")], "2026-03-01T00:00:00Z"),
        company("4", &[("domain", "acme.com")], "2026-01-01T00:00:00Z"),
    ];
    let row = plan(CREATE, None, &[], None, &found);
    assert_eq!(row.company_id.as_deref(), Some("9"));
    assert_eq!(
        row.notes,
        [CompanyNote::SeveralCompanies { company_ids: vec!["9".into(), "4".into()], chosen: "9".into() }]
    );
}

#[test]
fn a_linked_company_is_used_when_hubspot_has_it_and_said_gone_when_not() {
    let linked = company("7001", &[("domain", "old-acme.com"), ("city", "Oslo")], "t");
    let found = [company("8", &[("domain", "acme.com")], "t")];
    let row = plan(CREATE, Some(&local(Some("Oslo"))), &[], Some(("7001", Some(&linked))), &found);
    assert_eq!((row.company_id.as_deref(), row.action), (Some("7001"), RunAction::Skip), "the link wins over a search");
    assert!(row.notes.is_empty());

    let row = plan(CREATE, Some(&local(Some("Oslo"))), &[], Some(("7001", None)), &found);
    assert_eq!(row.company_id.as_deref(), Some("8"));
    assert_eq!(row.notes, [CompanyNote::LinkedCompanyGone { linked: "7001".into() }]);
}

#[test]
fn refused_values_make_the_row_invalid_each_with_its_reason_and_differing_leads_are_noted() {
    let hubspot = company("7001", &[("domain", "acme.com"), ("lifecyclestage", "customer")], "t");
    let values = [lead_value("stage", "lead", true), lead_value("vat", "DE1", false)];
    let row = plan(CREATE, None, &values, None, std::slice::from_ref(&hubspot));
    assert_eq!(row.action, RunAction::Invalid);
    assert_eq!(
        row.reasons,
        [
            CompanyReason::StageBackward { field: "stage".into(), from: "customer".into(), to: "lead".into() },
            CompanyReason::NoSuchProperty { field: "vat".into(), property: "vat_id".into() },
        ]
    );
    assert_eq!(row.notes, [CompanyNote::LeadValuesDiffer { field: "stage".into(), email: "ann@acme.com".into() }]);
}

fn draft(contact_action: RunAction, contact_id: Option<&str>, company: Option<CompanySide>) -> AssociationDraft {
    AssociationDraft {
        seq: 3,
        lead_id: 4,
        domain: "acme.com".into(),
        contact_action,
        contact_id: contact_id.map(String::from),
        company,
    }
}

fn side(action: RunAction, company_id: Option<&str>, reasons: Vec<CompanyReason>) -> Option<CompanySide> {
    Some(CompanySide { action, company_id: company_id.map(String::from), reasons })
}

#[test]
fn an_association_needs_a_written_contact_and_a_company_found_or_made() {
    let existing = side(RunAction::Update, Some("7001"), vec![]);
    let reason = |d: &AssociationDraft| decide_without_reads(d).and_then(|d| d.reason);
    assert_eq!(
        reason(&draft(RunAction::Invalid, Some("501"), existing.clone())),
        Some(AssociationReason::ContactNotWritten)
    );
    let no_match = draft(RunAction::Skip, None, existing.clone());
    assert_eq!(reason(&no_match), Some(AssociationReason::ContactNotWritten));
    let create_off = side(RunAction::Skip, None, vec![CompanyReason::CreateOff]);
    assert_eq!(
        reason(&draft(RunAction::Update, Some("501"), create_off)),
        Some(AssociationReason::CompanyNotCreated { domain: "acme.com".into() })
    );
    let invalid = side(RunAction::Invalid, Some("7001"), vec![]);
    assert_eq!(
        reason(&draft(RunAction::Skip, Some("501"), invalid)),
        Some(AssociationReason::CompanyInvalid { domain: "acme.com".into() })
    );
    // A contact the push creates has no company yet: associated without a read.
    let created = decide_without_reads(&draft(RunAction::Create, None, side(RunAction::Create, None, vec![]))).unwrap();
    assert_eq!((created.action, created.decided), (AssociationAction::Associate, true));
    // An existing contact waits for its companies to be read.
    assert_eq!(decide_without_reads(&draft(RunAction::Skip, Some("501"), existing)), None);
}

#[test]
fn a_contact_whose_primary_company_it_is_already_needs_nothing_and_another_primary_is_kept_for_an_undo() {
    let associated = |id: &str, types: Vec<AssociationType>| {
        serde_json::from_value::<AssociatedRecord>(json!({
            "toObjectId": id,
            "associationTypes": types.iter().map(|t| json!({ "category": "HUBSPOT_DEFINED", "typeId": t.type_id })).collect::<Vec<_>>()
        }))
        .unwrap()
    };
    let to_acme =
        draft(RunAction::Skip, Some("501"), side(RunAction::Skip, Some("7001"), vec![CompanyReason::Unchanged]));
    let already = decide_with_reads(&to_acme, &[associated("7001", AssociationType::primary_contact_to_company())]);
    assert_eq!((already.action, already.reason), (AssociationAction::Skip, Some(AssociationReason::AlreadyAssociated)));

    // Associated but not as primary, another company being its primary one.
    let current = [
        associated("7001", vec![AssociationType::hubspot(279)]),
        associated("7005", AssociationType::primary_contact_to_company()),
    ];
    let decision = decide_with_reads(&to_acme, &current);
    assert_eq!(
        (decision.action, decision.company_id.as_deref(), decision.previous_primary.as_deref()),
        (AssociationAction::Associate, Some("7001"), Some("7005"))
    );
}
