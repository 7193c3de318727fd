//! `hubsync companies …`: the company mapping checked against the portal's company properties
//! (the domain row locked), company fields, the company rules with the scopes they need and
//! the domain field, free-mail domains; `leads show` with a lead's company and deals; the
//! companies and deals scopes in `test-connection` and `status`.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use hubsync_sandbox::PrivateToken;
use hubsync_store::{CompanySource, Deal, Store, SystemClock};
use serde_json::{Value, json};

use crate::support::{Hub, Portal};

/// A private app token that may sync contacts but has no companies or deals scope.
const NO_COMPANIES: &str = "pat-na1-cli-no-companies-3e9d1b07";

fn properties(list: &Value) -> Vec<&str> {
    list["rows"].as_array().unwrap().iter().map(|r| r["property"].as_str().unwrap()).collect()
}

#[test]
fn the_company_mapping_is_checked_in_hubspot_row_by_row_and_the_domain_row_stays() {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    // A first portal starts from the standard rows its company properties take.
    let list = hub.json(&["companies", "mapping", "list"]);
    assert_eq!(
        properties(&list),
        ["domain", "name", "numberofemployees", "annualrevenue", "phone", "city", "country", "website"],
        "{list}"
    );
    assert_eq!((list["checked_in_hubspot"].as_bool(), list["rows"][0]["locked"].as_bool()), (Some(true), Some(true)));
    let shown = hub.run(&["companies", "mapping", "list"]).ok().stdout;
    assert!(shown.contains("locked: companies are matched by their domain"), "{shown}");

    let added = hub.json(&["companies", "fields", "add", "tier", "--type", "text", "--label", "Tier"]);
    assert_eq!(added["field"]["key"], "tier");
    let saved = hub.json(&["companies", "mapping", "set", "description", "tier", "--rule", "if-empty"]);
    assert_eq!(
        (saved["row"]["property"].as_str(), saved["row"]["write_rule"].as_str(), saved["checked_in_hubspot"].as_bool()),
        (Some("description"), Some("if-empty"), Some(true)),
        "{saved}"
    );
    let from_lead = hub.run(&["companies", "mapping", "set", "state", "city", "--from", "lead"]).ok().stdout;
    assert_eq!(from_lead.trim(), "state ← lead field city (overwrite).");
    // A text field fills a yes/no property only sometimes: saved, and said.
    let partly = hub.run(&["companies", "mapping", "set", "is_public", "tier"]).ok();
    assert!(partly.stderr.contains("yes/no"), "{partly:?}");

    let unknown = hub.json_error(&["companies", "mapping", "set", "no_such_property", "name"]);
    assert_eq!(unknown["code"], "unknown_property", "{unknown}");
    assert_eq!(unknown["message"], "HubSpot has no company property \"no_such_property\"");
    assert!(unknown["hint"].as_str().unwrap().contains("internal name"), "{unknown}");
    let read_only = hub.json_error(&["companies", "mapping", "set", "num_associated_contacts", "name"]);
    assert_eq!(read_only["code"], "read_only_property", "{read_only}");
    let locked = hub.json_error(&["companies", "mapping", "set", "domain", "website", "--from", "lead"]);
    assert_eq!(locked["code"], "domain_mapping_locked", "{locked}");
    assert!(locked["hint"].as_str().unwrap().contains("hubsync companies mapping set"), "{locked}");
    assert_eq!(hub.json_error(&["companies", "mapping", "remove", "domain"])["code"], "domain_mapping_locked");
    let no_field = hub.json_error(&["companies", "mapping", "set", "city", "nope"]);
    assert_eq!(no_field["code"], "unknown_field", "{no_field}");
    assert!(no_field["hint"].as_str().unwrap().contains("hubsync companies fields list"), "{no_field}");

    assert_eq!(hub.json(&["companies", "mapping", "remove", "state"]), json!({ "removed": "state" }));
    let again = hub.json_error(&["companies", "mapping", "remove", "state"]);
    assert_eq!(again["code"], "not_mapped", "{again}");
    assert!(again["hint"].as_str().unwrap().contains("hubsync companies mapping list"), "{again}");

    // Removing a custom field takes its rows; a built-in one stays.
    assert_eq!(hub.json_error(&["companies", "fields", "remove", "name"])["code"], "built_in_field");
    hub.run(&["companies", "fields", "remove", "tier"]).ok();
    let list = hub.json(&["companies", "mapping", "list"]);
    assert!(!properties(&list).contains(&"description") && !properties(&list).contains(&"is_public"), "{list}");
    // The configuration file carries the company settings, counted.
    let file = hub.dir().join("config.json");
    let exported = hub.json(&["config", "export", file.to_str().unwrap()]);
    assert_eq!((exported["company_fields"].as_u64(), exported["company_mappings"].as_u64()), (Some(0), Some(8)));
    let said = hub.run(&["config", "import", file.to_str().unwrap()]).ok().stdout;
    assert!(
        said.contains("the company settings (0 custom company fields, 8 company mapping rows, 0 free-mail changes)"),
        "{said}"
    );

    let fields = hub.json(&["companies", "fields", "list"]);
    let keys: Vec<&str> = fields["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        ["domain", "name", "industry", "employees", "annual_revenue", "phone", "city", "country", "website"]
    );
}

#[test]
fn offline_the_company_mapping_is_listed_and_saved_unchecked_with_a_warning() {
    let hub = Hub::new();
    let list = hub.json(&["companies", "mapping", "list"]);
    assert_eq!(properties(&list), ["domain"]);
    assert_eq!(list["checked_in_hubspot"], false);
    assert!(list["warning"].as_str().unwrap().contains("not connected"), "{list}");
    let saved = hub.run(&["companies", "mapping", "set", "name", "name"]).ok();
    assert!(saved.stderr.contains("was not checked in HubSpot"), "{saved:?}");
    assert_eq!(saved.stdout.trim(), "name ← company field name (overwrite).");
}

#[test]
fn the_company_rules_need_associating_to_create_and_name_the_scopes_a_portal_lacks() {
    let portal = Portal::start_with(|config| {
        config.private_tokens.push(PrivateToken {
            token: NO_COMPANIES.into(),
            scopes: ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read"]
                .map(String::from)
                .to_vec(),
        });
    });
    let hub = Hub::new();
    hub.connect(&portal);
    let shown = hub.json(&["companies", "rules"]);
    assert_eq!((shown["associate"].as_bool(), shown["create"].as_bool()), (Some(false), Some(false)), "{shown}");
    assert_eq!(shown["decided_at"], Value::Null);

    let refused = hub.json_error(&["companies", "rules", "--create", "on"]);
    assert_eq!(refused["code"], "create_company_needs_associate", "{refused}");
    assert!(refused["hint"].as_str().unwrap().contains("--associate on --create on"), "{refused}");
    let both = hub.json(&["companies", "rules", "--associate", "on", "--create", "on"]);
    assert_eq!((both["associate"].as_bool(), both["create"].as_bool()), (Some(true), Some(true)), "{both}");
    assert!(both.get("missing_scopes").is_none() && both.get("warning").is_none(), "every scope: {both}");

    let domain = hub.json(&["companies", "rules", "--domain-field", "website"]);
    assert_eq!(domain["domain_field"], "website");
    let email = hub.json_error(&["companies", "rules", "--domain-field", "email"]);
    assert_eq!(email["code"], "invalid_domain_field", "{email}");
    assert!(email["hint"].as_str().unwrap().contains("--no-domain-field"), "{email}");
    assert_eq!(hub.json(&["companies", "rules", "--no-domain-field"])["domain_field"], Value::Null);
    let kept = hub.json(&["companies", "rules", "--keep"]);
    assert!(kept["decided_at"].is_string() && kept["associate"] == true, "{kept}");
    let human = hub.run(&["companies", "rules"]).ok().stdout;
    assert!(human.contains("associate:     on") && human.contains("domain field:  none"), "{human}");

    // A token without the companies scopes: associating is saved, and says what is lacking.
    hub.run_with_stdin(&["connect", "--token", "-", "--base-url", &portal.base_url], Some(NO_COMPANIES)).ok();
    let saved = hub.json(&["companies", "rules", "--associate", "on"]);
    let missing: Vec<&str> =
        saved["missing_scopes"].as_array().unwrap().iter().map(|s| s["scope"].as_str().unwrap()).collect();
    assert_eq!(missing, ["crm.objects.companies.read", "crm.objects.companies.write"], "{saved}");
    let warned = hub.run(&["companies", "rules", "--associate", "on"]).ok();
    assert!(warned.stderr.contains("a push associates no company until"), "{warned:?}");

    let report = hub.run(&["test-connection"]).ok().stdout;
    assert!(report.contains("MISSING crm.objects.companies.read"), "{report}");
    let status = hub.json(&["status"]);
    let states: Vec<(&str, &str)> = status["portal"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["scope"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("crm.objects.companies.read", "missing"),
            ("crm.objects.companies.write", "missing"),
            ("crm.objects.deals.read", "missing")
        ],
        "{status}"
    );
    let human = hub.run(&["status"]).ok().stdout;
    assert!(human.contains("crm.objects.deals.read missing"), "{human}");
}

#[test]
fn free_mail_domains_are_checked_and_the_list_changed_for_this_store() {
    let hub = Hub::new();
    let gmail = hub.json(&["companies", "free-mail", "check", "Mail.Gmail.com"]);
    assert_eq!(gmail, json!({ "domain": "mail.gmail.com", "free": true, "listed": true, "reason": "listed" }));
    let said = hub.run(&["companies", "free-mail", "check", "acme.com"]).ok().stdout;
    assert_eq!(said.trim(), "acme.com is not free-mail (the maintained list doesn't have it): it can name a company.");

    assert_eq!(hub.json(&["companies", "free-mail", "add", "acme.com"]), json!({ "domain": "acme.com", "free": true }));
    hub.run(&["companies", "free-mail", "add", "https://gmail.com/", "--not-free"]).ok();
    assert_eq!(
        hub.json(&["companies", "free-mail", "list"]),
        json!({ "overrides": [{ "domain": "acme.com", "free": true }, { "domain": "gmail.com", "free": false }] })
    );
    let sub = hub.run(&["companies", "free-mail", "check", "eu.acme.com"]).ok().stdout;
    assert!(sub.contains("is free-mail (your change to a domain it is under)"), "{sub}");
    assert_eq!(hub.json(&["companies", "free-mail", "check", "gmail.com"])["free"], false);

    assert_eq!(hub.json(&["companies", "free-mail", "remove", "ACME.com"])["removed"], true);
    let nothing = hub.run(&["companies", "free-mail", "remove", "acme.com"]).ok().stdout;
    assert!(nothing.contains("nothing changed"), "{nothing}");
    let bad = hub.json_error(&["companies", "free-mail", "check", "ann@acme.com"]);
    assert_eq!(bad["code"], "invalid_domain", "{bad}");
}

#[test]
fn a_lead_is_shown_with_its_company_and_deals() {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["leads", "add", "--email", "ann@acme.com", "--set", "first_name=Ann"]).ok();
    hub.run(&["leads", "add", "--email", "bo@gmail.com"]).ok();
    {
        let mut store = Store::open(&hub.db, Arc::new(SystemClock)).unwrap();
        let portal_id = store.active_portal().unwrap().unwrap().portal_id;
        let lead = store.lead_by_email("ann@acme.com").unwrap().unwrap();
        let company = store.upsert_company("acme.com", &[("name", "Acme")]).unwrap();
        store.link_company(portal_id, company.id, "9001", None).unwrap();
        store.set_lead_company(lead.id, company.id, CompanySource::Email).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 6, 30, 0, 0, 0).unwrap();
        let deal = Deal {
            deal_id: "77".into(),
            name: Some("Acme renewal".into()),
            pipeline_id: Some("default".into()),
            pipeline_label: Some("Sales Pipeline".into()),
            stage_id: Some("closedwon".into()),
            stage_label: Some("Closed won".into()),
            amount: Some("1250.5".into()),
            currency: Some("EUR".into()),
            close_date: Some(at),
            closed: true,
            won: Some(true),
        };
        store.replace_lead_deals(portal_id, lead.id, &[deal], at).unwrap();
    }
    let shown = hub.json(&["leads", "show", "ANN@acme.com"]);
    assert_eq!(shown["company"]["company"]["hubspot_id"], "9001", "{shown}");
    assert_eq!(shown["company_domain"], json!({ "code": "email", "domain": "acme.com" }));
    assert_eq!(shown["deals"][0]["stage_label"], "Closed won");
    let human = hub.run(&["leads", "show", "ann@acme.com"]).ok().stdout;
    for expected in ["First name:", "Ann", "HubSpot company:  9001", "found:", "by the email's domain", "Acme renewal"]
    {
        assert!(human.contains(expected), "{expected:?} in {human}");
    }
    assert!(human.contains("1250.5 EUR") && human.contains("2026-06-30") && human.contains("won"), "{human}");

    // The list names each lead's company too.
    let listed = hub.json(&["leads", "list"]);
    let companies: Vec<&Value> = listed["leads"].as_array().unwrap().iter().map(|l| &l["company"]).collect();
    assert_eq!(companies, [&json!({ "name": "Acme", "domain": "acme.com" }), &Value::Null], "{listed}");
    let table = hub.run(&["leads", "list"]).ok().stdout;
    assert!(table.contains("COMPANY DOMAIN") && table.contains("acme.com"), "{table}");

    let free = hub.run(&["leads", "show", "bo@gmail.com"]).ok().stdout;
    assert!(free.contains("gmail.com is free-mail and names no company"), "{free}");
    assert!(free.contains("deals: none read"), "{free}");
    assert_eq!(hub.json_error(&["leads", "show", "nobody@example.com"])["code"], "lead_not_found");
}
