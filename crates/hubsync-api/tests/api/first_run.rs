//! A first run that works: a portal connected for the first time maps the built-in lead fields
//! to HubSpot's standard contact properties (those the portal takes writes to), creating stays
//! off, and a preview says in a code why a lead with no contact goes nowhere. A portal that has
//! a mapping keeps it, whatever connects or switches.

use hubsync_api::Workspace;
use hubsync_api::builtin::BuiltinPortal;
use hubsync_api::connect::{connect_target, connect_token, pasted_token, register_sandbox, use_portal};
use hubsync_api::plans::PlanRequest;
use hubsync_api::sync::preview;
use hubsync_api::{config, config_file};
use hubsync_sandbox::{Fixture, Sandbox};
use hubsync_store::{FieldType, Mapping, PushRules, RunAction, TokenKind, WriteRule};
use serde_json::json;

use crate::support::{connected_workspace, open_workspace, portal_with_token};

const TOKEN: &str = "pat-na1-first-run";

/// The mapping a new portal starts with when it has every standard property.
fn standard() -> Vec<(String, String, WriteRule)> {
    [
        ("email", "email"),
        ("first_name", "firstname"),
        ("last_name", "lastname"),
        ("company", "company"),
        ("job_title", "jobtitle"),
        ("phone", "phone"),
        ("website", "website"),
        ("city", "city"),
        ("country", "country"),
    ]
    .into_iter()
    .map(|(field, property)| (field.to_string(), property.to_string(), WriteRule::Overwrite))
    .collect()
}

async fn mapped(ws: &Workspace) -> Vec<(String, String, WriteRule)> {
    config::list_mappings(ws).await.unwrap().into_iter().map(|m| (m.field_key, m.property, m.write_rule)).collect()
}

/// Connects `ws` (again) to `sandbox` with the test's token.
async fn connect(ws: &Workspace, sandbox: &Sandbox) {
    let target = connect_target(ws, &sandbox.base_url(), true).await.unwrap();
    connect_token(ws, &target, &pasted_token(TOKEN).unwrap(), TokenKind::PrivateApp, |_| {}).await.unwrap();
}

fn fixture(value: serde_json::Value) -> Option<Fixture> {
    Some(serde_json::from_value(value).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_portal_maps_the_built_in_fields_to_their_standard_properties_and_keeps_create_off() {
    let sandbox = portal_with_token(TOKEN, |config| {
        config.fixture =
            fixture(json!({ "contacts": [{ "properties": { "email": "ann@example.com", "firstname": "A." } }] }));
    })
    .await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    assert_eq!(mapped(&ws).await, standard());
    assert_eq!(config::push_rules(&ws).await.unwrap(), PushRules { update: true, create: false }, "creating stays off");

    // The first push fills the matching contact's name and city; the lead HubSpot doesn't have
    // is skipped with a code the app explains.
    {
        let mut store = ws.store.lock().await;
        store.add_lead("ann@example.com", &[("first_name", "Ann"), ("city", "Oslo")]).unwrap();
        store.add_lead("bo@example.com", &[("first_name", "Bo")]).unwrap();
    }
    let summary = preview(&ws, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    assert_eq!((summary.counts.update, summary.counts.create, summary.counts.skip), (1, 0, 1), "{summary:?}");
    let skipped: Vec<(&str, u64)> = summary.details.iter().map(|d| (d.key.as_str(), d.count)).collect();
    assert_eq!(skipped, [("no-match-create-off", 1)], "{summary:?}");
    assert_eq!(summary.details[0].label, "no matching contact, and creating contacts is off");
    let items = ws.store.lock().await.run_items(summary.run_id).unwrap();
    let update = items.iter().find(|i| i.action == RunAction::Update).unwrap();
    let changed: Vec<(&str, Option<&str>)> =
        update.changes.iter().map(|c| (c.property.as_str(), c.after.as_deref())).collect();
    assert_eq!(changed, [("firstname", Some("Ann")), ("city", Some("Oslo"))], "{update:?}");
    sandbox.shutdown().await;
}

/// The built-in sandbox portal, the app's first portal, starts the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_sandbox_portal_starts_with_the_standard_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open_workspace(dir.path());
    let builtin = BuiltinPortal::default();
    register_sandbox(&ws, &builtin.info().await.unwrap()).await.unwrap();
    assert_eq!(mapped(&ws).await, standard());
    assert_eq!(config::push_rules(&ws).await.unwrap(), PushRules { update: true, create: false });
    // Registered again (the app's next start): the mapping the admin made stays.
    config::remove_mapping(&ws, "country".into()).await.unwrap();
    register_sandbox(&ws, &builtin.info().await.unwrap()).await.unwrap();
    assert_eq!(mapped(&ws).await.len(), standard().len() - 1);
    builtin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_or_a_switch_keeps_the_mapping_the_admin_made() {
    let first = portal_with_token(TOKEN, |_| {}).await;
    let second = portal_with_token(TOKEN, |config| config.portal.portal_id = 55_500_003).await;
    let (_dir, ws) = connected_workspace(&first, TOKEN).await;
    config::remove_mapping(&ws, "city".into()).await.unwrap();
    config::set_mapping(&ws, "company".into(), "company".into(), Some(WriteRule::IfEmpty)).await.unwrap();
    config::add_field(&ws, "tier".into(), None, FieldType::Text, Vec::new()).await.unwrap();
    config::set_mapping(&ws, "tier".into(), "industry".into(), None).await.unwrap();
    config::set_push_rules(&ws, None, Some(true)).await.unwrap();
    let edited = config::list_mappings(&ws).await.unwrap();
    assert!(edited.contains(&Mapping {
        field_key: "tier".into(),
        property: "industry".into(),
        write_rule: WriteRule::Overwrite
    }));

    connect(&ws, &first).await;
    assert_eq!(config::list_mappings(&ws).await.unwrap(), edited, "a reconnect keeps every row");
    assert!(config::push_rules(&ws).await.unwrap().create, "and the rules");

    // A new portal starts from the mapping the admin made, not from the standard one.
    connect(&ws, &second).await;
    assert_eq!(config::list_mappings(&ws).await.unwrap(), edited);
    config::remove_mapping(&ws, "phone".into()).await.unwrap();

    use_portal(&ws, first.portal_id()).await.unwrap();
    assert_eq!(config::list_mappings(&ws).await.unwrap(), edited, "switching back finds the first portal's own");
    use_portal(&ws, second.portal_id()).await.unwrap();
    assert_eq!(config::list_mappings(&ws).await.unwrap().len(), edited.len() - 1);
    first.shutdown().await;
    second.shutdown().await;
}

/// A standard property the portal lacks (archived) or won't take a write to (calculated) is left
/// out: the rest are mapped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_without_a_standard_property_is_not_mapped_to_it() {
    let sandbox = portal_with_token(TOKEN, |config| {
        config.fixture = fixture(json!({ "properties": [
            { "name": "jobtitle", "label": "Job Title", "type": "string", "fieldType": "text", "archived": true },
            { "name": "city", "label": "City", "type": "string", "fieldType": "text", "calculated": true },
        ] }));
    })
    .await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    let expected: Vec<_> =
        standard().into_iter().filter(|(field, _, _)| field != "job_title" && field != "city").collect();
    assert_eq!(mapped(&ws).await, expected);
    sandbox.shutdown().await;
}

/// The mapping a first portal starts with goes out in a configuration file and comes back whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_mapping_round_trips_through_a_configuration_file() {
    let sandbox = portal_with_token(TOKEN, |_| {}).await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("config.json");
    config_file::write(&ws, &path).await.unwrap();
    config::remove_mapping(&ws, "website".into()).await.unwrap();
    config::set_push_rules(&ws, None, Some(true)).await.unwrap();

    let imported = config_file::import(&ws, &std::fs::read_to_string(&path).unwrap()).await.unwrap();
    assert_eq!((imported.mappings, imported.checked_in_hubspot), (standard().len(), Some(true)));
    assert_eq!(mapped(&ws).await, standard());
    assert_eq!(config::push_rules(&ws).await.unwrap(), PushRules { update: true, create: false });
    sandbox.shutdown().await;
}
