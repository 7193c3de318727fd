//! The company settings: the company mapping and its domain row, the company rules and domain
//! field (each portal's, copied to a portal connected for the first time), the free-mail
//! overrides, which domain names a lead's company, and all of them in the configuration file.

use std::collections::BTreeMap;

use chrono::Duration;
use hubsync_store::{
    Clock, CompanyConfig, CompanyMapping, CompanyPushRules, ConfigFile, CustomField, Deal, FieldType, FreeMailOverride,
    LeadCompanyDomain, MappingSource, Store, StoreError, WriteRule,
};

use super::portals::connection;

fn row(property: &str, source: MappingSource, field_key: &str, write_rule: WriteRule) -> CompanyMapping {
    CompanyMapping { property: property.into(), source, field_key: field_key.into(), write_rule }
}

fn properties(store: &Store) -> Vec<String> {
    store.company_mappings().unwrap().into_iter().map(|m| m.property).collect()
}

#[test]
fn the_domain_row_is_always_there_and_other_rows_name_a_field_of_their_source() {
    let mut store = super::store();
    assert_eq!(store.company_mappings().unwrap(), [CompanyMapping::domain_row()]);
    let locked = [
        store.remove_company_mapping("domain").unwrap_err(),
        store.set_company_mapping("domain", MappingSource::Lead, "website", None).unwrap_err(),
        store.set_company_mapping("domain", MappingSource::Company, "website", None).unwrap_err(),
        store.set_company_mapping("domain", MappingSource::Company, "domain", Some(WriteRule::IfEmpty)).unwrap_err(),
        store.set_company_mapping("website", MappingSource::Company, "domain", None).unwrap_err(),
    ];
    assert!(locked.iter().all(|e| e.code() == "domain_mapping_locked"), "{locked:?}");
    // Asking for the row as it is changes nothing.
    store.set_company_mapping("domain", MappingSource::Company, "domain", None).unwrap();

    let name = store.set_company_mapping("name", MappingSource::Lead, "company", Some(WriteRule::IfEmpty)).unwrap();
    assert_eq!(name, row("name", MappingSource::Lead, "company", WriteRule::IfEmpty));
    store.set_company_mapping("numberofemployees", MappingSource::Company, "employees", None).unwrap();
    store.set_company_mapping("website", MappingSource::Company, "website", None).unwrap();
    store.set_company_mapping("city", MappingSource::Company, "city", None).unwrap();
    // Refilled from another field, a row keeps its rule unless one is given.
    assert_eq!(
        store.set_company_mapping("name", MappingSource::Company, "name", None).unwrap().write_rule,
        WriteRule::IfEmpty
    );
    store.set_company_mapping("phone", MappingSource::Lead, "phone", None).unwrap();
    assert_eq!(
        properties(&store),
        ["domain", "name", "numberofemployees", "city", "website", "phone"],
        "the domain row, then company fields, then lead fields, each in field order"
    );

    let refusals = [
        store.set_company_mapping("x", MappingSource::Company, "first_name", None).unwrap_err(),
        store.set_company_mapping("x", MappingSource::Lead, "employees", None).unwrap_err(),
        store.set_company_mapping("Not A Name", MappingSource::Company, "name", None).unwrap_err(),
        store.remove_company_mapping("industry").unwrap_err(),
    ];
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(codes, ["unknown_field", "unknown_field", "invalid_property_name", "not_mapped"]);
    assert_eq!(refusals[0].to_string(), "there is no company field \"first_name\"");
    assert_eq!(refusals[3].to_string(), "the company property industry is not mapped");
    store.remove_company_mapping("phone").unwrap();
    assert_eq!(properties(&store).len(), 5);
}

#[test]
fn creating_companies_needs_associating_them_and_saving_the_rules_decides_them() {
    let clock = super::clock();
    let mut store = Store::open_in_memory(clock.clone()).unwrap();
    assert_eq!(store.company_push_rules().unwrap(), CompanyPushRules { associate: false, create: false });
    assert_eq!(store.company_push_rules_decided_at().unwrap(), None);
    assert_eq!(store.set_company_push_rules(None, Some(true)).unwrap_err().code(), "create_company_needs_associate");
    assert_eq!(store.company_push_rules_decided_at().unwrap(), None, "a refused change decides nothing");
    clock.advance(Duration::minutes(1));
    let both = store.set_company_push_rules(Some(true), Some(true)).unwrap();
    assert_eq!(both, CompanyPushRules { associate: true, create: true });
    assert_eq!(store.company_push_rules_decided_at().unwrap(), Some(clock.now()));
    assert_eq!(store.set_company_push_rules(Some(false), None).unwrap_err().code(), "create_company_needs_associate");
    clock.advance(Duration::minutes(1));
    assert_eq!(store.set_company_push_rules(None, None).unwrap(), both, "kept as they are");
    assert_eq!(store.company_push_rules_decided_at().unwrap(), Some(clock.now()));
    assert_eq!(store.push_rules_decided_at().unwrap(), None, "the contact rules are decided on their own");
}

#[test]
fn the_domain_field_is_a_lead_field_that_can_hold_a_domain() {
    let mut store = super::store();
    assert_eq!(store.company_domain_field().unwrap(), None);
    assert_eq!(store.set_company_domain_field(Some("website")).unwrap().as_deref(), Some("website"));
    assert_eq!(store.company_domain_field().unwrap().as_deref(), Some("website"));
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    store.add_field("web_choice", None, FieldType::SingleChoice, &["acme.com".into()]).unwrap();
    let refusals = [
        store.set_company_domain_field(Some("nope")).unwrap_err(),
        store.set_company_domain_field(Some("email")).unwrap_err(),
        store.set_company_domain_field(Some("score")).unwrap_err(),
    ];
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(codes, ["unknown_field", "invalid_domain_field", "invalid_domain_field"]);
    assert_eq!(
        refusals[2].to_string(),
        "the lead field score can't name a lead's company domain: a number field holds no domain; choose a text field such as website"
    );
    assert_eq!(store.company_domain_field().unwrap().as_deref(), Some("website"), "refusals change nothing");
    store.set_company_domain_field(Some("web_choice")).unwrap();
    assert_eq!(store.set_company_domain_field(None).unwrap(), None);
    assert_eq!(store.company_domain_field().unwrap(), None);
}

#[test]
fn free_mail_overrides_add_to_and_take_from_the_maintained_list() {
    let mut store = super::store();
    assert!(store.is_free_mail_domain("gmail.com").unwrap());
    assert!(store.is_free_mail_domain("https://www.GMAIL.com/").unwrap(), "normalised first");
    assert!(!store.is_free_mail_domain("acme.com").unwrap());
    assert_eq!(store.is_free_mail_domain("not a domain").unwrap_err().code(), "invalid_domain");

    let off = store.set_free_mail_override("GMAIL.com", false).unwrap();
    assert_eq!(off, FreeMailOverride { domain: "gmail.com".into(), free: false });
    store.set_free_mail_override("acme-mail.com", true).unwrap();
    store.set_free_mail_override("shop.rr.com", false).unwrap();
    assert!(!store.is_free_mail_domain("gmail.com").unwrap());
    assert!(store.is_free_mail_domain("acme-mail.com").unwrap());
    assert!(store.is_free_mail_domain("eu.acme-mail.com").unwrap(), "with its subdomains");
    assert!(!store.is_free_mail_domain("shop.rr.com").unwrap(), "a company under a free-mail domain");
    assert!(store.is_free_mail_domain("austin.rr.com").unwrap());
    let listed: Vec<(String, bool)> =
        store.free_mail_overrides().unwrap().into_iter().map(|o| (o.domain, o.free)).collect();
    assert_eq!(listed, [("acme-mail.com".into(), true), ("gmail.com".into(), false), ("shop.rr.com".into(), false)]);
    store.set_free_mail_override("gmail.com", true).unwrap();
    assert_eq!(store.free_mail_overrides().unwrap().len(), 3, "replaced, not added");

    assert!(store.remove_free_mail_override("www.acme-mail.com").unwrap());
    assert!(!store.remove_free_mail_override("acme-mail.com").unwrap());
    assert!(!store.is_free_mail_domain("acme-mail.com").unwrap());
    assert_eq!(store.set_free_mail_override("acme", true).unwrap_err().code(), "invalid_domain");
    assert_eq!(store.remove_free_mail_override("").unwrap_err().code(), "invalid_domain");
}

#[test]
fn a_lead_s_company_domain_comes_from_its_domain_field_then_its_email_never_free_mail() {
    let mut store = super::store();
    let domain_of = |store: &mut Store, email: &str, website: Option<&str>| {
        let values: Vec<(&str, &str)> = website.map(|w| ("website", w)).into_iter().collect();
        let lead = store.add_lead(email, &values).unwrap();
        store.company_domain_for_lead(&lead).unwrap()
    };
    // Without a domain field: the email's domain, unless it is free-mail.
    assert_eq!(
        domain_of(&mut store, "ann@Sales.Acme.com", Some("https://beta.com")),
        LeadCompanyDomain::Email { domain: "sales.acme.com".into() }
    );
    assert_eq!(domain_of(&mut store, "bo@gmail.com", None), LeadCompanyDomain::FreeMail { domain: "gmail.com".into() });

    store.set_company_domain_field(Some("website")).unwrap();
    let cases = [
        (
            "cy@acme.com",
            Some("https://www.Beta.com/about"),
            LeadCompanyDomain::DomainField { domain: "beta.com".into() },
        ),
        ("di@gmail.com", Some("beta.com"), LeadCompanyDomain::DomainField { domain: "beta.com".into() }),
        ("ed@acme.com", None, LeadCompanyDomain::Email { domain: "acme.com".into() }),
        ("fi@acme.com", Some("   "), LeadCompanyDomain::Email { domain: "acme.com".into() }),
        ("gu@acme.com", Some("not a site"), LeadCompanyDomain::Email { domain: "acme.com".into() }),
        ("ha@acme.com", Some("gmail.com"), LeadCompanyDomain::Email { domain: "acme.com".into() }),
        ("io@gmail.com", None, LeadCompanyDomain::FreeMail { domain: "gmail.com".into() }),
        (
            "jo@gmail.com",
            Some("https://mail.yahoo.com"),
            LeadCompanyDomain::FreeMail { domain: "mail.yahoo.com".into() },
        ),
        ("ka@gmail.com", Some("not a site"), LeadCompanyDomain::InvalidDomain { field: "website".into() }),
    ];
    for (email, website, expected) in cases {
        assert_eq!(domain_of(&mut store, email, website), expected, "{email} {website:?}");
    }

    // The codes, and what a caller takes from the outcome.
    let found = LeadCompanyDomain::DomainField { domain: "beta.com".into() };
    assert_eq!(
        (found.as_str(), found.domain(), found.source()),
        ("domain_field", Some("beta.com"), Some(hubsync_store::CompanySource::Domain))
    );
    let free = LeadCompanyDomain::FreeMail { domain: "gmail.com".into() };
    assert_eq!((free.as_str(), free.domain(), free.source()), ("free_mail", None, None));
    assert_eq!(serde_json::to_value(&free).unwrap(), serde_json::json!({"code": "free_mail", "domain": "gmail.com"}));
    assert_eq!(LeadCompanyDomain::NoDomain.as_str(), "no_domain");

    // An override is heard, and an address from before the store checked them has no domain.
    store.set_free_mail_override("gmail.com", false).unwrap();
    let rules = store.company_domain_rules().unwrap();
    assert_eq!(
        rules.domain_for("lu@gmail.com", &BTreeMap::new()),
        LeadCompanyDomain::Email { domain: "gmail.com".into() }
    );
    assert_eq!(rules.domain_for("not an address", &BTreeMap::new()), LeadCompanyDomain::NoDomain);
    let invalid = BTreeMap::from([("website".to_string(), "x".to_string())]);
    assert_eq!(
        rules.domain_for("not an address", &invalid),
        LeadCompanyDomain::InvalidDomain { field: "website".into() }
    );
}

/// A store whose company settings are all set: a custom company field, rows from both
/// sources, the rules, the domain field, overrides.
fn configured() -> Store {
    let mut store = super::store();
    store.add_field("site", None, FieldType::Text, &[]).unwrap();
    store.add_company_field("tier", Some("Tier"), FieldType::SingleChoice, &["Gold".into(), "Silver".into()]).unwrap();
    store.set_company_mapping("tier", MappingSource::Company, "tier", Some(WriteRule::IfEmpty)).unwrap();
    store.set_company_mapping("name", MappingSource::Lead, "company", None).unwrap();
    store.set_company_mapping("website", MappingSource::Lead, "site", None).unwrap();
    store.set_company_push_rules(Some(true), Some(true)).unwrap();
    store.set_company_domain_field(Some("site")).unwrap();
    store.set_free_mail_override("gmail.com", false).unwrap();
    store.set_free_mail_override("acme-mail.com", true).unwrap();
    store
}

#[test]
fn the_configuration_file_carries_the_company_settings_to_another_store() {
    let source = configured();
    let config = source.export_config().unwrap();
    let companies = config.companies.clone().unwrap();
    assert_eq!(companies.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["tier"]);
    assert_eq!(companies.mappings.len(), 4, "the domain row and three");
    assert_eq!(companies.push_rules, CompanyPushRules { associate: true, create: true });
    assert_eq!(companies.domain_field.as_deref(), Some("site"));
    assert_eq!(companies.free_mail_overrides.len(), 2);

    // Through its text, as a file travels.
    let text = serde_json::to_string_pretty(&config).unwrap();
    assert!(text.contains("\"companies\"") && text.contains("\"freeMailOverrides\""), "{text}");
    let clock = super::clock();
    let mut target = Store::open_in_memory(clock.clone()).unwrap();
    clock.advance(Duration::minutes(3));
    target.import_config(&ConfigFile::parse(&text).unwrap(), Vec::new()).unwrap();
    assert_eq!(target.export_config().unwrap(), config);
    assert_eq!(target.company_push_rules_decided_at().unwrap(), Some(clock.now()), "a file decides them");
    assert!(!target.is_free_mail_domain("gmail.com").unwrap());
}

#[test]
fn a_file_without_company_settings_leaves_the_store_s_as_they_are() {
    let mut store = configured();
    let before = store.export_config().unwrap().companies;
    let old_file =
        r#"{ "version": 1, "fields": [], "mappings": [], "pushRules": { "update": true, "create": false } }"#;
    store.import_config(&ConfigFile::parse(old_file).unwrap(), Vec::new()).unwrap();
    assert_eq!(store.export_config().unwrap().companies, before);

    // A companies part with only some keys: the rest are their defaults.
    let partial = r#"{ "version": 1, "pushRules": { "update": true, "create": false },
                       "companies": { "pushRules": { "associate": true, "create": false } } }"#;
    store.import_config(&ConfigFile::parse(partial).unwrap(), Vec::new()).unwrap();
    assert_eq!(store.company_mappings().unwrap(), [CompanyMapping::domain_row()]);
    assert_eq!(store.company_push_rules().unwrap(), CompanyPushRules { associate: true, create: false });
    assert_eq!(store.company_domain_field().unwrap(), None);
    assert!(store.free_mail_overrides().unwrap().is_empty());
    assert!(store.company_field("tier").unwrap().is_some(), "fields are added, never removed");
    let unknown = r#"{ "version": 1, "pushRules": { "update": true, "create": false }, "companies": { "other": 1 } }"#;
    assert_eq!(ConfigFile::parse(unknown).unwrap_err().code(), "invalid_config");
}

#[test]
fn every_problem_of_the_company_settings_is_listed_and_nothing_changes() {
    let mut store = configured();
    let before = store.export_config().unwrap();
    let mut config = before.clone();
    config.fields.push(CustomField { key: "renewal".into(), label: None, kind: FieldType::Date, options: vec![] });
    config.companies = Some(CompanyConfig {
        fields: vec![
            CustomField { key: "tier".into(), label: None, kind: FieldType::Number, options: vec![] },
            CustomField { key: "ok_field".into(), label: None, kind: FieldType::Text, options: vec![] },
        ],
        mappings: vec![
            row("domain", MappingSource::Lead, "site", WriteRule::Overwrite),
            row("ghost", MappingSource::Company, "ghost", WriteRule::Overwrite),
            row("tier", MappingSource::Lead, "tier", WriteRule::Overwrite),
            row("Bad Name", MappingSource::Company, "ok_field", WriteRule::Overwrite),
            row("city", MappingSource::Company, "city", WriteRule::Overwrite),
            row("city", MappingSource::Lead, "city", WriteRule::Overwrite),
        ],
        push_rules: CompanyPushRules { associate: false, create: true },
        domain_field: Some("renewal".into()),
        free_mail_overrides: vec![
            FreeMailOverride { domain: "Gmail.com".into(), free: true },
            FreeMailOverride { domain: "www.gmail.com".into(), free: false },
            FreeMailOverride { domain: "nope".into(), free: true },
        ],
    });
    let Err(StoreError::InvalidConfig(problems)) = store.import_config(&config, Vec::new()) else {
        panic!("refused");
    };
    for expected in [
        "the company field tier is single_choice here and number in the file",
        "the company row domain ← lead field site",
        "names the company field \"ghost\"",
        "the company row tier ← lead field tier names the lead field \"tier\"",
        "\"Bad Name\" is not a HubSpot property name",
        "the company property city has two rows",
        "the company rules: creating companies is only allowed while associating",
        "the company domain field renewal: a date field holds no domain",
        "the free-mail override gmail.com is listed twice",
        "the free-mail override \"nope\": the domain does not end in a top-level domain",
    ] {
        assert!(problems.iter().any(|p| p.contains(expected)), "{expected}: {problems:#?}");
    }
    assert_eq!(problems.len(), 10, "{problems:#?}");
    assert_eq!(store.export_config().unwrap(), before, "nothing changed");
    assert_eq!(store.field("renewal").unwrap(), None, "not even the lead fields");
}

#[test]
fn a_new_portal_starts_from_the_active_company_settings_which_then_go_their_own_way() {
    let clock = super::clock();
    let mut store = Store::open_in_memory(clock.clone()).unwrap();
    store.set_company_mapping("name", MappingSource::Lead, "company", Some(WriteRule::IfEmpty)).unwrap();
    store.set_company_push_rules(Some(true), None).unwrap();
    store.set_company_domain_field(Some("website")).unwrap();

    store.connect_portal(&connection(111, "test.hubspot.com")).unwrap();
    assert_eq!(properties(&store), ["domain", "name"], "profile 0's mapping, copied");
    assert_eq!(store.company_push_rules().unwrap(), CompanyPushRules { associate: true, create: false });
    assert_eq!(store.company_domain_field().unwrap().as_deref(), Some("website"));
    assert_eq!(store.company_push_rules_decided_at().unwrap(), None, "a new portal asks again");
    store.set_company_push_rules(None, Some(true)).unwrap();
    store.set_company_mapping("city", MappingSource::Company, "city", None).unwrap();

    store.connect_portal(&connection(222, "prod.hubspot.com")).unwrap();
    assert_eq!(properties(&store), ["domain", "city", "name"], "the test portal's, copied");
    assert_eq!(store.company_push_rules().unwrap(), CompanyPushRules { associate: true, create: true });
    store.remove_company_mapping("city").unwrap();
    store.set_company_push_rules(None, Some(false)).unwrap();
    store.set_company_domain_field(None).unwrap();

    store.use_portal(111).unwrap();
    assert_eq!(properties(&store), ["domain", "city", "name"], "the test portal kept its own");
    assert_eq!(store.company_push_rules().unwrap(), CompanyPushRules { associate: true, create: true });
    assert_eq!(store.company_domain_field().unwrap().as_deref(), Some("website"));
    // Reconnecting a known portal keeps its settings rather than copying the active ones.
    store.connect_portal(&connection(222, "prod.hubspot.com")).unwrap();
    assert_eq!(properties(&store), ["domain", "name"]);
    assert_eq!(store.company_domain_field().unwrap(), None);
}

#[test]
fn a_first_portal_s_company_mapping_starts_with_the_rows_given_until_the_admin_made_one() {
    let mut store = super::store();
    store.connect_portal(&connection(111, "test.hubspot.com")).unwrap();
    let standard = [("name", "name"), ("employees", "numberofemployees")];
    assert!(store.start_company_mapping(&standard).unwrap());
    assert_eq!(
        store.company_mappings().unwrap(),
        [
            CompanyMapping::domain_row(),
            row("name", MappingSource::Company, "name", WriteRule::Overwrite),
            row("numberofemployees", MappingSource::Company, "employees", WriteRule::Overwrite),
        ]
    );
    assert!(!store.start_company_mapping(&[("city", "city")]).unwrap(), "a mapping beyond the domain row stays");
    assert_eq!(properties(&store), ["domain", "name", "numberofemployees"]);

    // Rules the admin decided count as a mapping they made too.
    store.connect_portal(&connection(222, "prod.hubspot.com")).unwrap();
    store.remove_company_mapping("name").unwrap();
    store.remove_company_mapping("numberofemployees").unwrap();
    store.set_company_push_rules(None, None).unwrap();
    assert!(!store.start_company_mapping(&standard).unwrap());
    assert_eq!(properties(&store), ["domain"]);

    // A row the domain lock refuses, or a field there is none of, changes nothing.
    store.connect_portal(&connection(333, "third.hubspot.com")).unwrap();
    let refusals = [
        store.start_company_mapping(&[("name", "name"), ("domain", "website")]).unwrap_err(),
        store.start_company_mapping(&[("name", "name"), ("nope", "city")]).unwrap_err(),
    ];
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(codes, ["domain_mapping_locked", "unknown_field"]);
    assert_eq!(properties(&store), ["domain"]);
}

#[test]
fn a_portal_reconnected_at_another_address_keeps_no_company_link_and_no_deal() {
    let mut store = super::store();
    store.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
    let lead = store.add_lead("ann@acme.com", &[]).unwrap();
    let acme = store.upsert_company("acme.com", &[]).unwrap();
    store.link_company(42, acme.id, "9001", None).unwrap();
    let deal = Deal {
        deal_id: "11".into(),
        name: None,
        pipeline_id: None,
        pipeline_label: None,
        stage_id: None,
        stage_label: None,
        amount: None,
        currency: None,
        close_date: None,
        closed: false,
        won: None,
    };
    store.replace_lead_deals(42, lead.id, &[deal], store.now()).unwrap();
    // Reconnected at the same address: all kept.
    store.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
    assert!(store.company_link(42, acme.id).unwrap().is_some());
    assert_eq!(store.lead_deals(42, lead.id).unwrap().len(), 1);

    let moved =
        hubsync_store::PortalConnection { base_url: "http://127.0.0.1:9".into(), ..connection(42, "acme.hubspot.com") };
    store.connect_portal(&moved).unwrap();
    assert_eq!(store.company_link(42, acme.id).unwrap(), None, "another account's company ids");
    assert_eq!(store.company(acme.id).unwrap().unwrap().hubspot_id, None);
    assert!(store.lead_deals(42, lead.id).unwrap().is_empty(), "and its deals");
    assert!(store.company(acme.id).unwrap().is_some(), "the company itself is the store's");
}

#[test]
fn an_upgraded_store_gives_every_portal_the_domain_row_and_undecided_company_rules() {
    let dir = super::temp_dir("companies-upgrade");
    let path = dir.join("hubsync.db");
    {
        let mut store = Store::open(&path, super::clock()).unwrap();
        store.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
        store.connect_portal(&connection(43, "other.hubspot.com")).unwrap();
        store.add_lead("ann@acme.com", &[]).unwrap();
    }
    super::upgrades::roll_back_to_13(&path);
    let mut store = Store::open(&path, super::clock()).unwrap();
    assert_eq!(store.schema_version().unwrap(), hubsync_store::MIGRATIONS.len() as i64);
    for portal in [43, 42] {
        store.use_portal(portal).unwrap();
        assert_eq!(store.company_mappings().unwrap(), [CompanyMapping::domain_row()], "portal {portal}");
        assert_eq!(store.company_push_rules().unwrap(), CompanyPushRules::default());
        assert_eq!(store.company_push_rules_decided_at().unwrap(), None);
        assert_eq!(store.company_domain_field().unwrap(), None);
    }
    assert_eq!(store.company_fields().unwrap().len(), 9);
    assert_eq!(store.company_count().unwrap(), 0);
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
}
