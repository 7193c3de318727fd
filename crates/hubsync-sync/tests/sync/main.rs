//! The push plan, table by table: matching, write rules, rules, conversions and refusals.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use hubsync_hubspot::{Owner, Property, Record};
use hubsync_store::{Field, FieldType, Lead, Mapping, PushRules, WriteRule};
use hubsync_sync::{Action, Found, OwnerDirectory, PushInputs, PushPlan, SkipReason, plan_push};
use serde_json::json;

fn field(key: &str, kind: FieldType) -> Field {
    Field { key: key.into(), label: key.into(), kind, options: vec![], builtin: false, position: 0 }
}

fn fields() -> Vec<Field> {
    vec![
        field("email", FieldType::Text),
        field("first_name", FieldType::Text),
        field("city", FieldType::Text),
        field("score", FieldType::Number),
        field("stage", FieldType::Text),
        field("owner_email", FieldType::Text),
        field("tier", FieldType::Text),
    ]
}

fn mappings(city_rule: WriteRule) -> Vec<Mapping> {
    let m = |f: &str, p: &str, r| Mapping { field_key: f.into(), property: p.into(), write_rule: r };
    vec![
        m("email", "email", WriteRule::Overwrite),
        m("first_name", "firstname", WriteRule::Overwrite),
        m("city", "city", city_rule),
        m("score", "lead_score", WriteRule::Overwrite),
        m("stage", "lifecyclestage", WriteRule::Overwrite),
        m("owner_email", "hubspot_owner_id", WriteRule::Overwrite),
        m("tier", "customer_tier", WriteRule::Overwrite),
    ]
}

fn properties() -> Vec<Property> {
    serde_json::from_value(json!([
        { "name": "email", "type": "string" },
        { "name": "firstname", "type": "string" },
        { "name": "city", "type": "string" },
        { "name": "lead_score", "type": "number" },
        { "name": "lifecyclestage", "type": "enumeration", "fieldType": "radio",
          "options": [{ "label": "Lead", "value": "lead" }, { "label": "Customer", "value": "customer" }] },
        { "name": "hubspot_owner_id", "type": "enumeration", "externalOptions": true },
        { "name": "customer_tier", "type": "enumeration", "fieldType": "select",
          "options": [{ "label": "Gold", "value": "gold" }] },
    ]))
    .unwrap()
}

fn owners() -> OwnerDirectory {
    let owner = |id: &str, email: &str, active: bool| Owner {
        id: id.into(),
        email: Some(email.into()),
        first_name: None,
        last_name: None,
        user_id: active.then_some(7),
        archived: !active,
    };
    OwnerDirectory::new(vec![owner("101", "sam@acme.test", true)], vec![owner("110", "gone@acme.test", false)])
}

fn lead(id: i64, email: &str, hubspot_id: Option<&str>, values: &[(&str, &str)]) -> Lead {
    let at: DateTime<Utc> = "2026-05-01T12:00:00Z".parse().unwrap();
    Lead {
        id,
        email: email.into(),
        hubspot_id: hubspot_id.map(String::from),
        owner_id: None,
        values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        created_at: at,
        updated_at: at,
    }
}

fn record(id: &str, props: &[(&str, &str)], modified: &str) -> Record {
    let mut properties: BTreeMap<String, Option<String>> =
        props.iter().map(|(k, v)| (k.to_string(), Some(v.to_string()))).collect();
    properties.insert("lastmodifieddate".into(), Some(modified.into()));
    Record {
        id: id.into(),
        properties,
        created_at: None,
        updated_at: Some(modified.into()),
        archived: false,
        new: None,
        object_write_trace_id: None,
    }
}

fn found(by_email: &[(&str, Vec<Record>)], by_id: &[Record]) -> Found {
    Found {
        by_email: by_email.iter().map(|(e, r)| (e.to_string(), r.clone())).collect(),
        by_id: by_id.iter().map(|r| (r.id.clone(), r.clone())).collect::<HashMap<_, _>>(),
    }
}

fn plan(leads: &[Lead], found: &Found, rules: PushRules, city_rule: WriteRule) -> PushPlan {
    let (fields, mappings, properties, owners) = (fields(), mappings(city_rule), properties(), owners());
    plan_push(&PushInputs {
        leads,
        fields: &fields,
        mappings: &mappings,
        rules,
        properties: &properties,
        owners: &owners,
        found,
    })
}

const UPDATE_ONLY: PushRules = PushRules { update: true, create: false };
const BOTH: PushRules = PushRules { update: true, create: true };

#[test]
fn a_mixed_case_email_match_updates_only_what_differs() {
    let leads = [lead(1, "Ann@Example.com", None, &[("first_name", "Ann"), ("city", "Oslo"), ("score", "42")])];
    let hubspot = found(
        &[(
            "ann@example.com",
            vec![record(
                "501",
                &[("email", "ann@example.com"), ("firstname", "Ann"), ("city", "Bergen")],
                "2026-01-01",
            )],
        )],
        &[],
    );
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    let item = &plan.items[0];
    assert_eq!(item.action, Action::Update { contact_id: "501".into() });
    let changed: Vec<(&str, Option<&str>, Option<&str>)> =
        item.changes.iter().map(|c| (c.property.as_str(), c.before.as_deref(), c.after.as_deref())).collect();
    assert_eq!(changed, [("city", Some("Bergen"), Some("Oslo")), ("lead_score", None, Some("42"))]);
    assert!(item.notes.is_empty());
}

#[test]
fn if_empty_keeps_hubspots_value_and_fills_empty_ones() {
    let leads = [lead(1, "a@x.com", None, &[("city", "Oslo")]), lead(2, "b@x.com", None, &[("city", "Rome")])];
    let hubspot = found(
        &[("a@x.com", vec![record("1", &[("city", "Bergen")], "t")]), ("b@x.com", vec![record("2", &[], "t")])],
        &[],
    );
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::IfEmpty);
    assert_eq!(plan.items[0].action, Action::Skip { reason: SkipReason::Unchanged });
    let kept = &plan.items[0].changes[0];
    assert!(kept.kept && kept.after.is_none() && kept.before.as_deref() == Some("Bergen"));
    assert_eq!(plan.items[1].action, Action::Update { contact_id: "2".into() });
    assert_eq!(plan.items[1].changes[0].after.as_deref(), Some("Rome"));
}

#[test]
fn rules_decide_creates_and_updates() {
    let leads =
        [lead(1, "new@x.com", None, &[("first_name", "Nu")]), lead(2, "old@x.com", None, &[("first_name", "Ol")])];
    let hubspot = found(&[("old@x.com", vec![record("9", &[], "t")])], &[]);
    let create_off = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    assert_eq!(create_off.items[0].action, Action::Skip { reason: SkipReason::NoMatchCreateOff });
    let create_on = plan(&leads, &hubspot, BOTH, WriteRule::Overwrite);
    assert_eq!(create_on.items[0].action, Action::Create);
    let written: Vec<&str> = create_on.items[0].changes.iter().map(|c| c.property.as_str()).collect();
    assert_eq!(written, ["email", "firstname"], "a create carries the email");
    let update_off = plan(&leads, &hubspot, PushRules { update: false, create: false }, WriteRule::Overwrite);
    assert_eq!(update_off.items[1].action, Action::Skip { reason: SkipReason::UpdateOff });
    assert_eq!(update_off.items[0].action, Action::Skip { reason: SkipReason::NoMatchCreateOff });
    assert_eq!((create_on.counts.create, create_on.counts.update), (1, 1));
}

#[test]
fn matching_email_first_then_id_and_saying_so() {
    let leads = [
        lead(1, "dup@x.com", None, &[("city", "A")]),
        lead(2, "moved@x.com", Some("77"), &[("city", "B")]),
        lead(3, "linked@x.com", Some("88"), &[("city", "C")]),
    ];
    let hubspot = found(
        &[
            (
                "dup@x.com",
                vec![record("10", &[], "2026-01-01T00:00:00.000Z"), record("11", &[], "2026-03-01T00:00:00.000Z")],
            ),
            ("moved@x.com", vec![record("20", &[], "t")]),
        ],
        &[record("88", &[("email", "old-address@x.com")], "t")],
    );
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    assert_eq!(plan.items[0].contact_id.as_deref(), Some("11"), "the most recently updated");
    assert!(plan.items[0].notes[0].contains("2 contacts have this email"), "{:?}", plan.items[0].notes);
    assert_eq!(plan.items[1].contact_id.as_deref(), Some("20"), "email wins over the linked id");
    assert!(plan.items[1].notes[0].contains("linked to contact 77"));
    assert_eq!(plan.items[2].contact_id.as_deref(), Some("88"), "the linked id when the email finds nothing");
    assert!(plan.items[2].notes[0].contains("old-address@x.com"));
    assert!(plan.items[2].changes.iter().all(|c| c.property != "email"), "an update never rewrites the email");
}

#[test]
fn bad_values_make_the_row_invalid_with_every_reason() {
    let leads = [
        lead(1, "a@x.com", None, &[("tier", "Platinum"), ("owner_email", "gone@acme.test"), ("stage", "lead")]),
        lead(2, "b@x.com", None, &[("owner_email", "SAM@acme.test"), ("stage", "customer"), ("tier", "GOLD")]),
        lead(3, "c@x.com", None, &[("score", "")]),
    ];
    let hubspot = found(
        &[
            ("a@x.com", vec![record("1", &[("lifecyclestage", "customer")], "t")]),
            ("b@x.com", vec![record("2", &[("lifecyclestage", "lead")], "t")]),
            ("c@x.com", vec![record("3", &[("lead_score", "5")], "t")]),
        ],
        &[],
    );
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    let Action::Invalid { reasons } = &plan.items[0].action else { panic!("{:?}", plan.items[0]) };
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("Platinum")));
    assert!(reasons.iter().any(|r| r.contains("deactivated")));
    assert!(reasons.iter().any(|r| r.contains("only moves the stage forward")));
    let converted: Vec<(&str, Option<&str>)> =
        plan.items[1].changes.iter().map(|c| (c.property.as_str(), c.after.as_deref())).collect();
    assert_eq!(
        converted,
        [("lifecyclestage", Some("customer")), ("hubspot_owner_id", Some("101")), ("customer_tier", Some("gold"))]
    );
    assert_eq!(plan.items[2].action, Action::Skip { reason: SkipReason::Unchanged }, "a blank never wipes HubSpot");
    assert_eq!(plan.counts.invalid, 1);
}

#[test]
fn a_mapping_to_a_missing_property_is_reported() {
    let leads = [lead(1, "a@x.com", None, &[("first_name", "A")])];
    let (fields, mut mappings, properties, owners) = (fields(), mappings(WriteRule::Overwrite), properties(), owners());
    mappings.push(Mapping {
        field_key: "first_name".into(),
        property: "deleted_prop".into(),
        write_rule: WriteRule::Overwrite,
    });
    let hubspot = found(&[("a@x.com", vec![record("1", &[], "t")])], &[]);
    let plan = plan_push(&PushInputs {
        leads: &leads,
        fields: &fields,
        mappings: &mappings,
        rules: UPDATE_ONLY,
        properties: &properties,
        owners: &owners,
        found: &hubspot,
    });
    let Action::Invalid { reasons } = &plan.items[0].action else { panic!() };
    assert_eq!(reasons, &["first_name: HubSpot has no property deleted_prop".to_string()]);
}
