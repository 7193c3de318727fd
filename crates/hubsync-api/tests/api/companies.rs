//! The company settings against the built-in sandbox portal: the standard company mapping a
//! first portal starts with, the mapping checked against the portal's company properties row by
//! row, company fields, the company rules with the scopes they need, the domain field, the
//! free-mail overrides, a lead's company and deals, and the company settings in a configuration
//! file.

use chrono::{TimeZone, Utc};
use hubsync_api::companies::{self, CompanyRulesSaved, FreeMailReason};
use hubsync_api::connect::register_sandbox;
use hubsync_api::{config, config_file, leads, status};
use hubsync_auth::connection::{COMPANIES_READ, COMPANIES_WRITE, DEALS_READ, ScopeState};
use hubsync_sandbox::PrivateToken;
use hubsync_store::{CompanySource, Deal, FieldType, LeadCompanyDomain, MappingSource, WriteRule};

use crate::support::{connected_workspace, fixture, open_workspace, portal_with_token};

fn properties(view: &companies::CompanyMappingView) -> Vec<&str> {
    view.rows.iter().map(|r| r.mapping.property.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_portal_maps_the_company_fields_its_company_properties_take_and_each_row_is_checked() {
    let f = fixture().await;
    let ws = &f.workspace;
    let view = companies::company_mapping(ws).await.unwrap();
    // Industry is an enumeration of HubSpot's own options there: the admin's to map.
    assert_eq!(
        properties(&view),
        ["domain", "name", "numberofemployees", "annualrevenue", "phone", "city", "country", "website"]
    );
    assert!(view.rows.iter().all(|r| r.mapping.source == MappingSource::Company), "{view:?}");
    assert!(view.rows.iter().all(|r| r.mapping.write_rule == WriteRule::Overwrite));
    assert!(view.rows.iter().all(|r| r.problem.is_none() && r.fit.is_none()), "{view:?}");
    assert!(view.rows[0].locked && view.rows[1..].iter().all(|r| !r.locked));
    assert!(view.unavailable.is_none());
    let industry = view.properties.iter().find(|p| p.name == "industry").unwrap();
    assert!(
        industry.fits.iter().any(|f| f.source == MappingSource::Company && f.field_key == "industry"),
        "{industry:?}"
    );
    assert!(view.properties.iter().find(|p| p.name == "num_associated_contacts").unwrap().read_only);

    // A property the portal lacks or refuses writes to is refused, and nothing is saved.
    let unknown =
        companies::set_company_mapping(ws, "no_such_property".into(), MappingSource::Company, "name".into(), None)
            .await
            .unwrap_err();
    assert_eq!(unknown.code, "unknown_property", "{unknown:?}");
    assert_eq!(unknown.message, "HubSpot has no company property \"no_such_property\"");
    let read_only =
        companies::set_company_mapping(ws, "num_associated_contacts".into(), MappingSource::Lead, "city".into(), None)
            .await
            .unwrap_err();
    assert_eq!(read_only.code, "read_only_property", "{read_only:?}");
    // The domain row is the store's to refuse: HubSpot is not asked.
    let locked = companies::set_company_mapping(ws, "domain".into(), MappingSource::Lead, "website".into(), None)
        .await
        .unwrap_err();
    assert_eq!(locked.code, "domain_mapping_locked");
    assert_eq!(companies::remove_company_mapping(ws, "domain".into()).await.unwrap_err().code, "domain_mapping_locked");
    assert_eq!(properties(&companies::company_mapping(ws).await.unwrap()).len(), 8, "nothing changed");

    // A lead field fills a property; a field whose values only sometimes fit is saved and said.
    let state = companies::set_company_mapping(
        ws,
        "state".into(),
        MappingSource::Lead,
        "city".into(),
        Some(WriteRule::IfEmpty),
    )
    .await
    .unwrap();
    assert!(state.checked_in_hubspot && state.warning.is_none(), "{state:?}");
    assert_eq!((state.row.mapping.write_rule, state.row.fit.as_ref()), (WriteRule::IfEmpty, None));
    let public = companies::set_company_mapping(ws, "is_public".into(), MappingSource::Company, "name".into(), None)
        .await
        .unwrap();
    assert!(public.row.fit.as_ref().is_some_and(|f| f.reason.contains("yes/no")), "{public:?}");

    // A custom company field fills a property, and takes its row with it when removed.
    let tier =
        companies::add_company_field(ws, " tier ".into(), Some("Tier".into()), FieldType::Text, vec![]).await.unwrap();
    assert_eq!((tier.key.as_str(), tier.builtin), ("tier", false));
    assert!(companies::list_company_fields(ws).await.unwrap().iter().any(|f| f.key == "tier"));
    companies::set_company_mapping(ws, "description".into(), MappingSource::Company, "tier".into(), None)
        .await
        .unwrap();
    assert!(properties(&companies::company_mapping(ws).await.unwrap()).contains(&"description"));
    companies::remove_company_field(ws, "tier".into()).await.unwrap();
    assert!(!properties(&companies::company_mapping(ws).await.unwrap()).contains(&"description"));
    let built_in = companies::remove_company_field(ws, "name".into()).await.unwrap_err();
    assert_eq!(built_in.code, "built_in_field");

    companies::remove_company_mapping(ws, "state".into()).await.unwrap();
    assert_eq!(companies::remove_company_mapping(ws, "state".into()).await.unwrap_err().code, "not_mapped");
    f.builtin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_company_rules_need_associating_to_create_and_say_nothing_is_lacking_on_a_portal_with_every_scope() {
    let f = fixture().await;
    let ws = &f.workspace;
    let rules = companies::company_rules(ws).await.unwrap();
    assert!(!rules.associate && !rules.create && rules.domain_field.is_none() && rules.decided_at.is_none());
    let choices: Vec<&str> = rules.domain_field_choices.iter().map(|f| f.key.as_str()).collect();
    assert!(choices.contains(&"website") && !choices.contains(&"email"), "{choices:?}");

    let refused = companies::set_company_rules(ws, None, Some(true)).await.unwrap_err();
    assert_eq!(refused.code, "create_company_needs_associate");
    let CompanyRulesSaved { rules, missing_scopes, warning } =
        companies::set_company_rules(ws, Some(true), Some(true)).await.unwrap();
    assert!(rules.associate && rules.create && rules.decided_at.is_some(), "{rules:?}");
    assert!(missing_scopes.is_empty() && warning.is_none(), "{missing_scopes:?} {warning:?}");

    // Keeping the rules decides them again, changing nothing.
    let kept = companies::set_company_rules(ws, None, None).await.unwrap();
    assert!(kept.rules.associate && kept.rules.create);

    config::add_field(ws, "score".into(), None, FieldType::Number, vec![]).await.unwrap();
    let with_field = companies::set_company_domain_field(ws, Some("website".into())).await.unwrap();
    assert_eq!(with_field.domain_field.as_deref(), Some("website"));
    let number = companies::set_company_domain_field(ws, Some("score".into())).await.unwrap_err();
    assert_eq!(number.code, "invalid_domain_field", "{number:?}");
    let cleared = companies::set_company_domain_field(ws, None).await.unwrap();
    assert_eq!(cleared.domain_field, None);
    f.builtin.shutdown().await;
}

/// A token without the companies scopes: associating is allowed and says what the portal
/// lacks; the company mapping is unchecked, saying why; the status names each scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn associating_without_the_companies_scopes_is_allowed_and_says_what_the_portal_lacks() {
    const TOKEN: &str = "pat-na1-contacts-only";
    let sandbox = portal_with_token(TOKEN, |config| {
        config.private_tokens = vec![PrivateToken {
            token: TOKEN.into(),
            scopes: ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read"]
                .map(String::from)
                .to_vec(),
        }];
    })
    .await;
    let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
    let view = companies::company_mapping(&ws).await.unwrap();
    assert_eq!(properties(&view), ["domain"], "no company property could be read to start from");
    let unavailable = view.unavailable.unwrap();
    assert!(unavailable.contains(COMPANIES_READ), "{unavailable}");

    let saved = companies::set_company_rules(&ws, Some(true), None).await.unwrap();
    assert!(saved.rules.associate, "saved all the same");
    let missing: Vec<&str> = saved.missing_scopes.iter().map(|s| s.scope).collect();
    assert_eq!(missing, [COMPANIES_READ, COMPANIES_WRITE]);
    assert!(saved.missing_scopes.iter().all(|s| s.state == ScopeState::Missing));
    assert_eq!(
        saved.warning.as_deref(),
        Some(
            "the connection lacks crm.objects.companies.read and crm.objects.companies.write: a push associates \
             no company until the portal is connected with them"
        )
    );
    // Off, nothing is lacking.
    let off = companies::set_company_rules(&ws, Some(false), None).await.unwrap();
    assert!(off.missing_scopes.is_empty() && off.warning.is_none(), "{off:?}");

    // Offline, the row is saved unchecked with a warning.
    let saved =
        companies::set_company_mapping(&ws, "name".into(), MappingSource::Company, "name".into(), None).await.unwrap();
    assert!(!saved.checked_in_hubspot, "{saved:?}");
    assert!(saved.warning.unwrap().starts_with("the company property name was not checked in HubSpot"));

    let check = status::status(&ws).await.unwrap().check.unwrap();
    let scopes: Vec<(&str, ScopeState)> = check.scopes.iter().map(|s| (s.scope, s.state)).collect();
    assert_eq!(
        scopes,
        [
            (COMPANIES_READ, ScopeState::Missing),
            (COMPANIES_WRITE, ScopeState::Missing),
            (DEALS_READ, ScopeState::Missing)
        ]
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn free_mail_overrides_add_to_and_take_from_the_maintained_list() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open_workspace(dir.path());
    let gmail = companies::check_free_mail(&ws, " Mail.GMAIL.com ".into()).await.unwrap();
    assert_eq!(
        (gmail.domain.as_str(), gmail.free, gmail.listed, gmail.reason),
        ("mail.gmail.com", true, true, FreeMailReason::Listed)
    );
    let acme = companies::check_free_mail(&ws, "https://www.acme.com/about".into()).await.unwrap();
    assert_eq!((acme.domain.as_str(), acme.free, acme.reason), ("acme.com", false, FreeMailReason::NotListed));

    companies::set_free_mail_override(&ws, "acme.com".into(), true).await.unwrap();
    companies::set_free_mail_override(&ws, "GMAIL.com".into(), false).await.unwrap();
    let overrides: Vec<(String, bool)> =
        companies::free_mail_overrides(&ws).await.unwrap().into_iter().map(|o| (o.domain, o.free)).collect();
    assert_eq!(overrides, [("acme.com".to_string(), true), ("gmail.com".to_string(), false)]);
    let acme = companies::check_free_mail(&ws, "acme.com".into()).await.unwrap();
    assert_eq!((acme.free, acme.listed, acme.reason), (true, false, FreeMailReason::Added));
    let sub = companies::check_free_mail(&ws, "eu.acme.com".into()).await.unwrap();
    assert_eq!((sub.free, sub.listed, sub.reason), (true, false, FreeMailReason::OverrideAbove));
    let gmail = companies::check_free_mail(&ws, "gmail.com".into()).await.unwrap();
    assert_eq!((gmail.free, gmail.listed, gmail.reason), (false, true, FreeMailReason::TakenOff));

    let removed = companies::remove_free_mail_override(&ws, "ACME.com".into()).await.unwrap();
    assert_eq!((removed.domain.as_str(), removed.removed), ("acme.com", true));
    assert!(!companies::remove_free_mail_override(&ws, "acme.com".into()).await.unwrap().removed);
    let bad = companies::check_free_mail(&ws, "not a domain".into()).await.unwrap_err();
    assert_eq!(bad.code, "invalid_domain", "{bad:?}");
    let bad = companies::set_free_mail_override(&ws, "".into(), true).await.unwrap_err();
    assert_eq!(bad.code, "invalid_domain", "{bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_s_detail_has_its_company_and_its_deals_in_the_active_portal() {
    let f = fixture().await;
    let ws = &f.workspace;
    let portal = ws.active_portal().await.unwrap().portal_id;
    let read_at = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
    let lead = {
        let mut store = ws.store.lock().await;
        let lead = store.add_lead("ann@acme.com", &[]).unwrap();
        let company = store.upsert_company("acme.com", &[("name", "Acme")]).unwrap();
        store.link_company(portal, company.id, "9001", Some(read_at)).unwrap();
        store.set_lead_company(lead.id, company.id, CompanySource::Email).unwrap();
        let deal = |id: &str, closed: bool, won: Option<bool>| Deal {
            deal_id: id.into(),
            name: Some(format!("Deal {id}")),
            pipeline_id: Some("default".into()),
            pipeline_label: Some("Sales Pipeline".into()),
            stage_id: Some("closedwon".into()),
            stage_label: Some("Closed won".into()),
            amount: Some("1250.50".into()),
            currency: Some("eur".into()),
            close_date: Some(read_at),
            closed,
            won,
        };
        store
            .replace_lead_deals(portal, lead.id, &[deal("7", true, Some(true)), deal("8", false, None)], read_at)
            .unwrap();
        lead
    };
    let detail = leads::detail(&*ws.store.lock().await, lead.id).unwrap();
    let company = detail.company.unwrap();
    assert_eq!(company.source, CompanySource::Email);
    assert_eq!(
        (company.company.domain.as_deref(), company.company.hubspot_id.as_deref(), company.company.value("name")),
        (Some("acme.com"), Some("9001"), Some("Acme"))
    );
    assert_eq!(detail.company_domain, LeadCompanyDomain::Email { domain: "acme.com".into() });
    let deals: Vec<(&str, bool, Option<&str>, Option<&str>)> = detail
        .deals
        .iter()
        .map(|d| (d.deal.deal_id.as_str(), d.deal.closed, d.deal.amount.as_deref(), d.deal.currency.as_deref()))
        .collect();
    assert_eq!(
        deals,
        [("8", false, Some("1250.5"), Some("EUR")), ("7", true, Some("1250.5"), Some("EUR"))],
        "open first"
    );

    // A free-mail lead has no company, and says why.
    let gmail = ws.store.lock().await.add_lead("bo@gmail.com", &[]).unwrap();
    let detail = leads::detail_of(&*ws.store.lock().await, "BO@gmail.com").unwrap();
    assert_eq!((detail.view.lead.id, detail.company.is_none(), detail.deals.len()), (gmail.id, true, 0));
    assert_eq!(detail.company_domain, LeadCompanyDomain::FreeMail { domain: "gmail.com".into() });
    let unknown = leads::detail_of(&*ws.store.lock().await, "nobody@example.com").unwrap_err();
    assert_eq!(unknown.code, "lead_not_found");
    f.builtin.shutdown().await;
}

/// The configuration file carries the company settings, counted; its company rows are checked
/// against the portal's company properties, and one it refuses changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_file_counts_its_company_settings_and_the_portal_checks_its_company_rows() {
    let f = fixture().await;
    let ws = &f.workspace;
    companies::add_company_field(ws, "tier".into(), None, FieldType::Text, vec![]).await.unwrap();
    companies::set_company_mapping(ws, "founded_year".into(), MappingSource::Company, "tier".into(), None)
        .await
        .unwrap();
    companies::set_free_mail_override(ws, "acme.com".into(), true).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("config.json");
    let written = config_file::write(ws, &path).await.unwrap();
    assert_eq!((written.company_fields, written.company_mappings, written.free_mail_overrides), (1, 9, 1));
    let text = std::fs::read_to_string(&path).unwrap();

    let imported = config_file::import(ws, &text).await.unwrap();
    assert_eq!((imported.company_mappings, imported.checked_in_hubspot), (9, Some(true)), "{imported:?}");
    let bad = text.replace("\"founded_year\"", "\"no_such_company_property\"");
    assert_ne!(bad, text);
    let refused = config_file::import(ws, &bad).await.unwrap_err();
    assert_eq!(refused.code, "invalid_config", "{refused:?}");
    assert!(
        refused
            .message
            .contains("the company row no_such_company_property ← company field tier: HubSpot has no company property"),
        "{refused:?}"
    );
    assert!(properties(&companies::company_mapping(ws).await.unwrap()).contains(&"founded_year"), "nothing changed");

    // A store that knew no portal: the register starts its own standard mapping.
    let other_dir = tempfile::tempdir().unwrap();
    let other = open_workspace(other_dir.path());
    register_sandbox(&other, &f.builtin.info().await.unwrap()).await.unwrap();
    assert_eq!(properties(&companies::company_mapping(&other).await.unwrap()).len(), 8);
    f.builtin.shutdown().await;
}
