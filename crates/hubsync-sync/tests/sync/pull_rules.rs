//! Pull rules compile to HubSpot search filters, or are refused with the reason.

use hubsync_sync::pull_rules::{Condition, PullRules, compile, parse_instant};
use serde_json::json;

use crate::support::{owners, properties};

fn rules(conditions: &[&str]) -> PullRules {
    PullRules { conditions: conditions.iter().map(|c| Condition::parse(c).unwrap()).collect(), ..PullRules::default() }
}

fn compiled(conditions: &[&str]) -> Result<serde_json::Value, String> {
    compile(&rules(conditions), &properties(), &[], &owners()).map(|c| serde_json::Value::Array(c.filters))
}

#[test]
fn every_contact_is_no_filter_at_all() {
    assert_eq!(compiled(&[]).unwrap(), json!([]));
    assert!(PullRules::default().is_everything());
}

#[test]
fn the_compile_table() {
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("lifecyclestage = Customer", json!({"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"})),
        (
            "lifecyclestage in (lead, Customer)",
            json!({"propertyName": "lifecyclestage", "operator": "IN", "values": ["lead", "customer"]}),
        ),
        ("city in (Oslo, BERGEN)", json!({"propertyName": "city", "operator": "IN", "values": ["oslo", "bergen"]})),
        ("city contains fjord", json!({"propertyName": "city", "operator": "CONTAINS_TOKEN", "value": "*fjord*"})),
        ("lead_score > 40", json!({"propertyName": "lead_score", "operator": "GT", "value": "40"})),
        (
            "lead_score between 10,20",
            json!({"propertyName": "lead_score", "operator": "BETWEEN", "value": "10", "highValue": "20"}),
        ),
        ("firstname known", json!({"propertyName": "firstname", "operator": "HAS_PROPERTY"})),
        ("firstname unknown", json!({"propertyName": "firstname", "operator": "NOT_HAS_PROPERTY"})),
        ("owner = sam@acme.test", json!({"propertyName": "hubspot_owner_id", "operator": "EQ", "value": "101"})),
        ("owner = GONE@acme.test", json!({"propertyName": "hubspot_owner_id", "operator": "EQ", "value": "110"})),
    ];
    for (condition, want) in cases {
        assert_eq!(compiled(&[condition]).unwrap(), json!([want]), "{condition}");
    }
}

#[test]
fn rules_hubspot_cannot_take_are_refused_with_the_reason() {
    let cases = [
        ("shoe_size = 9", "has no contact property"),
        ("lifecyclestage = champion", "not one of lifecyclestage's options"),
        ("lifecyclestage > lead", "is a choice"),
        ("lead_score > lots", "is a number"),
        ("city > Oslo", "is text"),
        ("owner = nobody@acme.test", "no HubSpot owner"),
    ];
    for (condition, reason) in cases {
        let error = compiled(&[condition]).unwrap_err();
        assert!(error.contains(reason), "{condition}: {error}");
    }
    let six = ["city known"; 6];
    assert!(compiled(&six).unwrap_err().contains("at most 5"));
    let mut five = rules(&["city known"; 5]);
    five.modified_since = Some(parse_instant("2026-01-01").unwrap());
    assert!(compile(&five, &properties(), &[], &owners()).unwrap_err().contains("drop a condition"));
    let long = format!("city in ({})", (0..200).map(|i| format!("town{i}")).collect::<Vec<_>>().join(","));
    assert!(compiled(&[long.as_str()]).unwrap_err().contains("characters"));
}

#[test]
fn modified_since_is_a_filter_on_lastmodifieddate() {
    let mut since = rules(&["city known"]);
    since.modified_since = Some(parse_instant("2026-05-01").unwrap());
    let filters = compile(&since, &properties(), &[], &owners()).unwrap().filters;
    assert_eq!(filters[1], json!({"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1777593600000"}));
    assert!(!since.is_everything());
}
