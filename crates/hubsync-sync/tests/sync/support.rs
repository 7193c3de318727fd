//! Shared fixtures: fields, mappings, live properties, owners, leads and records.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use hubsync_hubspot::{Owner, Property, Record};
use hubsync_store::{Field, FieldType, Lead, Mapping, WriteRule};
use hubsync_sync::{Found, OwnerDirectory};
use serde_json::json;

pub fn property(json: serde_json::Value) -> Property {
    serde_json::from_value(json).unwrap()
}

/// A field of this type, as conversions see it.
pub fn kind_field(kind: FieldType) -> Field {
    field("f", kind)
}

pub fn field(key: &str, kind: FieldType) -> Field {
    Field { key: key.into(), label: key.into(), kind, options: vec![], builtin: false, position: 0 }
}

pub fn fields() -> Vec<Field> {
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

pub fn mappings(city_rule: WriteRule) -> Vec<Mapping> {
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

pub fn properties() -> Vec<Property> {
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

pub fn owners() -> OwnerDirectory {
    let owner = |id: &str, email: &str, active: bool| Owner {
        id: id.into(),
        email: Some(email.into()),
        first_name: None,
        last_name: None,
        user_id: active.then_some(7),
        archived: !active,
    };
    OwnerDirectory::new(vec![owner("101", "Sam@Acme.test", true)], vec![owner("110", "gone@acme.test", false)])
}

pub fn lead(id: i64, email: &str, hubspot_id: Option<&str>, values: &[(&str, &str)]) -> Lead {
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

pub fn record(id: &str, props: &[(&str, &str)], modified: &str) -> Record {
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

pub fn found(by_email: &[(&str, Vec<Record>)], by_id: &[Record]) -> Found {
    Found {
        by_email: by_email.iter().map(|(e, r)| (e.to_string(), r.clone())).collect(),
        by_id: by_id.iter().map(|r| (r.id.clone(), r.clone())).collect::<HashMap<_, _>>(),
    }
}

/// A prepared push's plan, read back from its journal in the store's order.
pub fn planned(store: &hubsync_store::Store, prepared: &hubsync_sync::PreparedPush) -> Vec<hubsync_sync::PlanItem> {
    store.run_items(prepared.plan.run_id).unwrap().into_iter().map(hubsync_sync::plan_item).collect()
}

/// A prepared pull's plan, read back from its journal in the order it was read.
pub fn pulled(store: &hubsync_store::Store, prepared: &hubsync_sync::PreparedPull) -> Vec<hubsync_sync::PullItem> {
    store.run_items(prepared.plan.run_id).unwrap().into_iter().map(hubsync_sync::pull_item).collect()
}
