//! Several portals: each keeps its own mapping, rules and lead links; one is active.

use std::sync::Arc;

use chrono::Duration;
use hubsync_store::{
    Clock, FixedClock, PortalConnection, PortalEnvironment, PortalStatus, PushRules, SecretStoreKind, Store, TokenKind,
    WriteRule,
};
use serde_json::json;

pub fn connection(portal_id: u64, name: &str) -> PortalConnection {
    PortalConnection {
        portal_id,
        name: name.into(),
        hub_domain: name.into(),
        user_email: "admin@example.com".into(),
        scopes: vec!["crm.objects.contacts.read".into(), "crm.objects.contacts.write".into()],
        token_kind: TokenKind::Oauth,
        base_url: "https://api.hubapi.com".into(),
        client_id: Some("client-1".into()),
        secret_store: SecretStoreKind::Keychain,
        connected_at: "2026-05-01T12:00:00Z".parse().unwrap(),
        account_type: Some("STANDARD".into()),
        writable_properties: None,
    }
}

fn mapped(store: &Store) -> Vec<(String, String)> {
    store.mappings().unwrap().into_iter().map(|m| (m.field_key, m.property)).collect()
}

#[test]
fn each_portal_keeps_its_own_mapping_and_rules_and_a_new_one_starts_from_the_active_ones() {
    let mut store = super::store();
    assert!(store.active_portal().unwrap().is_none());
    let id = store.store_id().unwrap();
    assert!(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    assert_ne!(id, super::store().store_id().unwrap(), "every store has its own");
    store.set_mapping("first_name", "firstname", None).unwrap();
    store.set_pull_rules_json(&json!({"conditions": []})).unwrap();

    let test = store.connect_portal(&connection(111, "test.hubspot.com")).unwrap();
    assert!(test.active && test.status == PortalStatus::Connected);
    assert_eq!(mapped(&store), [("email".into(), "email".into()), ("first_name".into(), "firstname".into())]);
    assert_eq!(store.pull_rules_json().unwrap(), Some(json!({"conditions": []})));
    store.set_mapping("company", "company", Some(WriteRule::IfEmpty)).unwrap();
    store.set_push_rules(None, Some(true)).unwrap();

    // Production starts from the test portal's configuration, then goes its own way.
    store.connect_portal(&connection(222, "prod.hubspot.com")).unwrap();
    assert_eq!(mapped(&store).len(), 3);
    assert_eq!(store.push_rules().unwrap(), PushRules { update: true, create: true });
    store.remove_mapping("company").unwrap();
    store.set_push_rules(None, Some(false)).unwrap();
    store.set_pull_rules_json(&json!({"conditions": ["lifecyclestage = lead"]})).unwrap();

    let back = store.use_portal(111).unwrap();
    assert_eq!((back.portal_id, back.active), (111, true));
    assert_eq!(mapped(&store).len(), 3, "the test portal kept its company mapping");
    assert_eq!(store.push_rules().unwrap(), PushRules { update: true, create: true });
    assert_eq!(store.pull_rules_json().unwrap(), Some(json!({"conditions": []})));
    let portals = store.portals().unwrap();
    assert_eq!(portals.iter().map(|p| (p.portal_id, p.active)).collect::<Vec<_>>(), [(111, true), (222, false)]);

    // Another mapping row onto a property already mapped is refused within a profile only.
    store.use_portal(222).unwrap();
    store.set_mapping("job_title", "company", None).unwrap();
    store.use_portal(111).unwrap();
    assert_eq!(store.set_mapping("job_title", "company", None).unwrap_err().code(), "property_already_mapped");
    assert_eq!(store.use_portal(999).unwrap_err().code(), "portal_not_found");
}

#[test]
fn links_belong_to_their_portal() {
    let mut store = super::store();
    let lead = store.add_lead("ann@example.com", &[]).unwrap();
    store.connect_portal(&connection(111, "test.hubspot.com")).unwrap();
    store.link_contact(lead.id, Some("501")).unwrap();
    assert_eq!(store.lead(lead.id).unwrap().unwrap().hubspot_id.as_deref(), Some("501"));

    store.connect_portal(&connection(222, "prod.hubspot.com")).unwrap();
    let in_prod = store.lead(lead.id).unwrap().unwrap();
    assert_eq!(in_prod.hubspot_id, None, "a test portal's contact id means nothing in production");
    assert!(store.lead_by_contact("501").unwrap().is_none());
    assert_eq!(store.leads().unwrap()[0].hubspot_id, None);
    store.link_contact(lead.id, Some("9001")).unwrap();

    store.use_portal(111).unwrap();
    assert_eq!(store.lead_by_contact("501").unwrap().map(|l| l.id), Some(lead.id));
    assert_eq!(store.leads_page(0, 10).unwrap()[0].hubspot_id.as_deref(), Some("501"));
    store.link_contact(lead.id, None).unwrap();
    assert_eq!(store.lead(lead.id).unwrap().unwrap().hubspot_id, None);
    store.use_portal(222).unwrap();
    assert_eq!(store.lead(lead.id).unwrap().unwrap().hubspot_id.as_deref(), Some("9001"));
    assert_eq!(store.link_contact(12345, Some("1")).unwrap_err().code(), "lead_not_found");
}

#[test]
fn disconnecting_keeps_everything_and_reconnecting_brings_it_back() {
    let mut store = super::store();
    let lead = store.add_lead("ann@example.com", &[]).unwrap();
    store.connect_portal(&connection(111, "test.hubspot.com")).unwrap();
    store.set_mapping("first_name", "firstname", None).unwrap();
    store.link_contact(lead.id, Some("501")).unwrap();

    let gone = store.set_portal_status(111, PortalStatus::Disconnected, Some("disconnected by the admin")).unwrap();
    assert_eq!((gone.status, gone.active), (PortalStatus::Disconnected, true));
    assert_eq!(gone.status_detail.as_deref(), Some("disconnected by the admin"));
    assert_eq!(mapped(&store).len(), 2);

    let mut again = connection(111, "test.hubspot.com");
    again.user_email = "other@example.com".into();
    let back = store.connect_portal(&again).unwrap();
    assert_eq!(
        (back.status, back.status_detail, back.user_email.as_str()),
        (PortalStatus::Connected, None, "other@example.com")
    );
    assert_eq!(mapped(&store).len(), 2, "the mapping came back, not a fresh copy");
    assert_eq!(store.lead(lead.id).unwrap().unwrap().hubspot_id.as_deref(), Some("501"));
    assert_eq!(store.set_portal_status(5, PortalStatus::Connected, None).unwrap_err().code(), "portal_not_found");
    let moved = store.set_portal_base_url(111, "http://127.0.0.1:4011").unwrap();
    assert_eq!((moved.base_url.as_str(), moved.status), ("http://127.0.0.1:4011", PortalStatus::Connected));
    assert_eq!(store.set_portal_base_url(5, "x").unwrap_err().code(), "portal_not_found");
    assert_eq!(store.connect_portal(&connection(0, "zero")).unwrap_err().code(), "invalid_portal");
}

#[test]
fn a_version_5_store_moves_its_connection_mapping_rules_and_links_to_the_portal() {
    let dir = super::temp_dir("portals-upgrade");
    let path = dir.join("hubsync.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        for migration in &hubsync_store::MIGRATIONS[..5] {
            tx.execute_batch(migration.sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 5).unwrap();
        tx.execute_batch(
            "INSERT INTO connection (id, portal_id, hub_domain, user_email, scopes, token_kind, base_url, connected_at)
                 VALUES (1, 42, 'acme.hubspot.com', '', '[\"crm.objects.contacts.read\"]', 'private-app',
                         'https://api.hubapi.com', '2026-05-01T12:00:00.000Z');
             INSERT INTO mappings (field_key, property, write_rule) VALUES ('company', 'company', 'if-empty');
             UPDATE push_rules SET create_enabled = 1;
             INSERT INTO pull_rules (id, rules, updated_at) VALUES (1, '{\"new_only\":true}', '2026-05-01T12:00:00.000Z');
             INSERT INTO leads (id, email, email_key, hubspot_id, created_at, updated_at)
                 VALUES (1, 'ann@example.com', 'ann@example.com', '501', '2026-05-01T12:00:00.000Z', '2026-05-01T12:00:00.000Z');",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let store = Store::open(&path, super::clock()).unwrap();
    let portal = store.active_portal().unwrap().unwrap();
    assert_eq!(
        (portal.portal_id, portal.name.as_str(), portal.token_kind),
        (42, "acme.hubspot.com", TokenKind::PrivateApp)
    );
    assert_eq!(portal.status, PortalStatus::ReconnectNeeded, "its token file is no longer read");
    assert!(portal.status_detail.unwrap().contains("keychain"));
    assert_eq!(mapped(&store), [("email".into(), "email".into()), ("company".into(), "company".into())]);
    assert_eq!(store.push_rules().unwrap(), PushRules { update: true, create: true });
    assert_eq!(store.pull_rules_json().unwrap(), Some(json!({"new_only": true})));
    assert_eq!(store.lead(1).unwrap().unwrap().hubspot_id.as_deref(), Some("501"));
    // Saved before Hubsync read account types: not known, checked when it was connected.
    assert_eq!((portal.account_type, portal.environment), (None, PortalEnvironment::Unknown));
    assert_eq!((portal.checked_at, portal.check_passed), (Some(portal.connected_at), Some(true)));
    assert_eq!(store.integrity_check().unwrap(), "ok");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_portal_keeps_the_account_type_hubspot_gave_and_each_check_refreshes_it() {
    let clock = Arc::new(FixedClock::at("2026-05-01T12:00:00Z".parse().unwrap()));
    let mut store = Store::open_in_memory(clock.clone()).unwrap();
    let saved = |account_type: Option<&str>| PortalConnection {
        account_type: account_type.map(str::to_string),
        ..connection(111, "test.hubspot.com")
    };
    let test = store.connect_portal(&saved(Some("SANDBOX"))).unwrap();
    assert_eq!((test.account_type.as_deref(), test.environment), (Some("SANDBOX"), PortalEnvironment::HubspotSandbox));
    assert_eq!((test.checked_at, test.check_passed), (Some(test.connected_at), Some(true)), "connecting checked it");
    assert_eq!(store.portal(111).unwrap().unwrap(), test, "read back as saved");

    // A reconnect that didn't read the type keeps the one known.
    let again = store.connect_portal(&saved(None)).unwrap();
    assert_eq!(again.environment, PortalEnvironment::HubspotSandbox);

    clock.advance(Duration::hours(2));
    let checked = store.record_portal_check(111, false, None).unwrap();
    assert_eq!((checked.checked_at, checked.check_passed), (Some(clock.now()), Some(false)));
    assert_eq!(checked.environment, PortalEnvironment::HubspotSandbox, "a check that read no type keeps it");
    let production = store.record_portal_check(111, true, Some("STANDARD")).unwrap();
    assert_eq!((production.environment, production.check_passed), (PortalEnvironment::Production, Some(true)));
    assert_eq!(store.record_portal_check(5, true, None).unwrap_err().code(), "portal_not_found");

    let serialized = serde_json::to_value(&production).unwrap();
    assert_eq!((&serialized["environment"], &serialized["account_type"]), (&json!("production"), &json!("STANDARD")));
}

#[test]
fn the_environment_comes_from_the_token_kind_and_the_account_type() {
    use PortalEnvironment::*;
    let of = PortalEnvironment::of;
    assert_eq!(of(TokenKind::Sandbox, Some("STANDARD")), BuiltinSandbox, "the built-in portal is never HubSpot");
    assert_eq!(of(TokenKind::Sandbox, None), BuiltinSandbox);
    for kind in [TokenKind::Oauth, TokenKind::PrivateApp, TokenKind::ServiceKey] {
        assert_eq!(of(kind, Some("STANDARD")), Production);
        assert_eq!(of(kind, Some("SANDBOX")), HubspotSandbox);
        assert_eq!(of(kind, Some("DEVELOPER_TEST")), DeveloperTest);
        assert_eq!(of(kind, Some("APP_DEVELOPER")), AppDeveloper);
        assert_eq!(of(kind, Some("PARTNER")), Other);
        assert_eq!(of(kind, None), Unknown);
    }
    let production_like: Vec<PortalEnvironment> =
        [BuiltinSandbox, HubspotSandbox, DeveloperTest, AppDeveloper, Production, Other, Unknown]
            .into_iter()
            .filter(|e| e.may_be_production())
            .collect();
    assert_eq!(production_like, [Production, Other, Unknown]);
}

#[test]
fn each_portal_keeps_a_share_of_its_daily_limit_free_ten_percent_unless_told() {
    let mut store = super::store();
    let first = store.connect_portal(&connection(111, "test.hubspot.com")).unwrap();
    assert_eq!(first.daily_reserve_percent, 10);
    store.connect_portal(&connection(222, "prod.hubspot.com")).unwrap();
    assert_eq!(store.set_daily_reserve(111, 25).unwrap().daily_reserve_percent, 25);
    assert_eq!(store.set_daily_reserve(222, 0).unwrap().daily_reserve_percent, 0);
    let refused = store.set_daily_reserve(111, 91).unwrap_err();
    assert_eq!(refused.code(), "invalid_daily_reserve");
    assert!(refused.to_string().contains("between 0 and 90"), "{refused}");
    assert_eq!(store.set_daily_reserve(333, 5).unwrap_err().code(), "portal_not_found");
    // Reconnecting keeps the admin's choice.
    store.connect_portal(&connection(111, "test.hubspot.com")).unwrap();
    let reserves: Vec<(u64, u8)> =
        store.portals().unwrap().iter().map(|p| (p.portal_id, p.daily_reserve_percent)).collect();
    assert_eq!(reserves, [(111, 25), (222, 0)]);
}

/// A portal's first mapping: the standard one of the built-in fields, to the properties it takes
/// writes to, when what it would copy maps only the email; never over a mapping that exists.
#[test]
fn a_new_portal_starts_from_the_standard_mapping_of_the_properties_it_takes_unless_one_was_made() {
    let writable = |except: &[&str]| -> Option<Vec<String>> {
        let names = ["email", "firstname", "lastname", "company", "jobtitle", "phone", "website", "city", "country"];
        Some(names.iter().filter(|n| !except.contains(n)).map(|n| n.to_string()).collect())
    };
    let with = |portal_id: u64, writable: Option<Vec<String>>| PortalConnection {
        writable_properties: writable,
        ..connection(portal_id, &format!("portal-{portal_id}.hubspot.com"))
    };
    let mut store = super::store();
    store.connect_portal(&with(111, writable(&["jobtitle"]))).unwrap();
    let rules: Vec<WriteRule> = store.mappings().unwrap().iter().map(|m| m.write_rule).collect();
    assert!(rules.iter().all(|r| *r == WriteRule::Overwrite), "{rules:?}");
    assert_eq!(
        mapped(&store),
        [
            ("email", "email"),
            ("first_name", "firstname"),
            ("last_name", "lastname"),
            ("company", "company"),
            ("phone", "phone"),
            ("website", "website"),
            ("city", "city"),
            ("country", "country"),
        ]
        .map(|(f, p)| (f.to_string(), p.to_string())),
        "job title is left out: the portal lacks jobtitle"
    );
    assert_eq!(store.push_rules().unwrap(), PushRules { update: true, create: false });

    // Reconnected, the portal keeps what the admin made of it.
    store.remove_mapping("city").unwrap();
    store.set_mapping("company", "company", Some(WriteRule::IfEmpty)).unwrap();
    let edited = store.mappings().unwrap();
    store.connect_portal(&with(111, writable(&[]))).unwrap();
    assert_eq!(store.mappings().unwrap(), edited);

    // A new portal copies a mapping the admin made, whatever the portal offers.
    store.connect_portal(&with(222, writable(&[]))).unwrap();
    assert_eq!(store.mappings().unwrap(), edited);

    // Connecting without reading the properties (as older callers do) copies as before.
    let mut plain = super::store();
    plain.connect_portal(&with(333, None)).unwrap();
    assert_eq!(mapped(&plain), [("email".to_string(), "email".to_string())]);
    // And a portal with a profile is never given the standard mapping later.
    plain.connect_portal(&with(333, writable(&[]))).unwrap();
    assert_eq!(mapped(&plain).len(), 1);
    // A portal after one whose mapping holds only the email starts from the standard one.
    plain.connect_portal(&with(444, writable(&[]))).unwrap();
    assert_eq!(mapped(&plain).len(), 9);
}
