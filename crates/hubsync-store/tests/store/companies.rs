//! Companies: their fields, found by normalised domain, their values, their links to HubSpot
//! companies per portal, each lead's company, the leads' deals, and what the schema itself
//! refuses or cascades.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hubsync_store::{
    Clock, CompanyOrigin, CompanySource, Deal, FieldType, FixedClock, MappingSource, Store, StoreError, WriteRule,
};

use super::portals::connection;

/// A store on portal 42 with a clock the test moves.
fn store() -> (Arc<FixedClock>, Store) {
    let clock = super::clock();
    let mut store = Store::open_in_memory(clock.clone()).unwrap();
    store.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
    (clock, store)
}

fn keys(fields: &[hubsync_store::Field]) -> Vec<&str> {
    fields.iter().map(|f| f.key.as_str()).collect()
}

#[test]
fn company_fields_are_built_in_and_custom_ones_come_and_go_with_their_values_and_rows() {
    let (_, mut store) = store();
    let fields = store.company_fields().unwrap();
    assert_eq!(
        keys(&fields),
        ["domain", "name", "industry", "employees", "annual_revenue", "phone", "city", "country", "website"]
    );
    assert!(fields.iter().all(|f| f.builtin));
    let kinds: Vec<FieldType> = fields.iter().map(|f| f.kind).collect();
    assert_eq!(kinds[3..5], [FieldType::Number, FieldType::Number], "employees and annual revenue are numbers");

    let tier =
        store.add_company_field("tier", None, FieldType::SingleChoice, &["Gold".into(), "Silver".into()]).unwrap();
    assert_eq!((tier.label.as_str(), tier.builtin, tier.position), ("Tier", false, 9));
    assert_eq!(store.company_field("tier").unwrap(), Some(tier));
    assert_eq!(store.field("tier").unwrap(), None, "a company field is no lead field");
    let refusals = [
        store.add_company_field("tier", None, FieldType::Text, &[]).unwrap_err(),
        store.add_company_field("Bad Key", None, FieldType::Text, &[]).unwrap_err(),
        store.add_company_field("size", None, FieldType::Number, &["1".into()]).unwrap_err(),
        store.remove_company_field("domain").unwrap_err(),
        store.remove_company_field("name").unwrap_err(),
        store.remove_company_field("nope").unwrap_err(),
    ];
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(
        codes,
        ["field_exists", "invalid_field", "invalid_field", "built_in_field", "built_in_field", "unknown_field"]
    );
    assert_eq!(refusals[5].to_string(), "there is no company field \"nope\"");

    let acme = store.upsert_company("acme.com", &[("tier", "gold"), ("name", "Acme")]).unwrap();
    assert_eq!(acme.value("tier"), Some("Gold"), "a choice in its option's spelling");
    store.set_company_mapping("tier", MappingSource::Company, "tier", None).unwrap();
    store.connect_portal(&connection(43, "other.hubspot.com")).unwrap();
    assert!(store.company_mappings().unwrap().iter().any(|m| m.property == "tier"), "copied to portal 43");

    store.remove_company_field("tier").unwrap();
    assert_eq!(store.company_field("tier").unwrap(), None);
    assert_eq!(store.company(acme.id).unwrap().unwrap().values, BTreeMap::from([("name".into(), "Acme".into())]));
    assert!(store.company_mappings().unwrap().iter().all(|m| m.property != "tier"), "its row went in portal 43");
    store.use_portal(42).unwrap();
    assert!(store.company_mappings().unwrap().iter().all(|m| m.property != "tier"), "and in portal 42");
}

#[test]
fn a_company_is_found_by_its_normalised_domain_and_keeps_canonical_values() {
    let (clock, mut store) = store();
    let acme = store
        .upsert_company(
            "https://www.Acme.com/about?x",
            &[("name", "Acme"), ("employees", "0120"), ("annual_revenue", "1500000.00")],
        )
        .unwrap();
    assert_eq!((acme.domain.as_deref(), acme.domain_key.as_deref()), (Some("acme.com"), Some("acme.com")));
    assert_eq!((acme.origin, acme.hubspot_id.as_deref()), (CompanyOrigin::Local, None));
    assert_eq!(acme.value("domain"), Some("acme.com"));
    assert_eq!(acme.value("employees"), Some("120"));
    assert_eq!(acme.value("annual_revenue"), Some("1500000"));
    assert_eq!((acme.created_at, acme.updated_at), (clock.now(), clock.now()));

    clock.advance(Duration::minutes(5));
    let same = store.upsert_company("ACME.com.", &[("city", "Oslo")]).unwrap();
    assert_eq!(same.id, acme.id, "one company a domain");
    assert_eq!((same.value("name"), same.value("city")), (Some("Acme"), Some("Oslo")));
    assert_eq!(same.updated_at, clock.now());
    clock.advance(Duration::minutes(5));
    let unchanged = store.update_company(acme.id, &[("city", "Oslo"), ("employees", "120.0")]).unwrap();
    assert_eq!(unchanged.updated_at, same.updated_at, "values set to what they were change nothing");
    let cleared = store.update_company(acme.id, &[("city", "")]).unwrap();
    assert_eq!((cleared.value("city"), cleared.updated_at), (None, clock.now()));

    let invalid = store.upsert_company("acme", &[]).unwrap_err();
    assert_eq!(invalid.code(), "invalid_domain");
    assert_eq!(
        invalid.to_string(),
        "\"acme\" is not a company domain: the domain does not end in a top-level domain such as .com (it has no dot)"
    );
    assert_eq!(store.upsert_company("ann@acme.com", &[]).unwrap_err().code(), "invalid_domain");
    let refusals = [
        store.upsert_company("beta.com", &[("employees", "1,000")]).unwrap_err(),
        store.upsert_company("beta.com", &[("nope", "x")]).unwrap_err(),
        store.upsert_company("beta.com", &[("domain", "beta.com")]).unwrap_err(),
        store.update_company(999, &[("city", "x")]).unwrap_err(),
    ];
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(codes, ["invalid_value", "unknown_field", "invalid_value", "company_not_found"]);
    assert!(refusals[0].to_string().starts_with("employees: "), "{}", refusals[0]);
    assert_eq!(store.company_count().unwrap(), 1, "a refused company leaves nothing behind");

    assert_eq!(store.company_by_domain("www.ACME.com").unwrap().map(|c| c.id), Some(acme.id));
    assert_eq!(store.company_by_domain("bücher.de").unwrap(), None);
    assert_eq!(store.company_by_domain("no domain at all").unwrap(), None);
    let books = store.upsert_company("bücher.de", &[]).unwrap();
    assert_eq!(books.domain.as_deref(), Some("xn--bcher-kva.de"));
    assert_eq!(store.company_by_domain("BÜCHER.de").unwrap().map(|c| c.id), Some(books.id));

    let moved = store.set_company_domain(books.id, "buecher.de").unwrap();
    assert_eq!(moved.domain.as_deref(), Some("buecher.de"));
    assert_eq!(store.company_by_domain("bücher.de").unwrap(), None);
    let taken = store.set_company_domain(books.id, "acme.com").unwrap_err();
    assert!(matches!(&taken, StoreError::DuplicateCompanyDomain { existing, .. } if *existing == acme.id), "{taken}");
    assert_eq!(store.set_company_domain(999, "x.com").unwrap_err().code(), "company_not_found");
}

#[test]
fn companies_are_read_a_page_at_a_time() {
    let (_, mut store) = store();
    let ids: Vec<i64> =
        (0..5).map(|i| store.upsert_company(&format!("c{i}.com"), &[("name", &format!("C{i}"))]).unwrap().id).collect();
    let first = store.companies_page(0, 2).unwrap();
    assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), ids[..2]);
    assert_eq!(first[1].value("name"), Some("C1"), "with their values");
    let rest = store.companies_page(ids[1], 10).unwrap();
    assert_eq!(rest.iter().map(|c| c.id).collect::<Vec<_>>(), ids[2..]);
    assert!(store.companies_page(ids[4], 10).unwrap().is_empty());
    assert_eq!(store.company_count().unwrap(), 5);
}

#[test]
fn a_company_links_to_one_hubspot_company_per_portal() {
    let (clock, mut store) = store();
    let acme = store.upsert_company("acme.com", &[]).unwrap();
    let beta = store.upsert_company("beta.com", &[]).unwrap();
    let at: DateTime<Utc> = clock.now();
    let link = store.link_company(42, acme.id, "9001", Some(at)).unwrap();
    assert_eq!((link.hubspot_company_id.as_str(), link.synced_at), ("9001", Some(at)));
    assert_eq!(store.company(acme.id).unwrap().unwrap().hubspot_id.as_deref(), Some("9001"));
    assert_eq!(store.company_by_hubspot_id(42, "9001").unwrap().map(|c| c.id), Some(acme.id));

    let taken = store.link_company(42, beta.id, "9001", None).unwrap_err();
    assert!(matches!(&taken, StoreError::CompanyAlreadyLinked { company_id, .. } if *company_id == acme.id), "{taken}");
    // Linked again to the same company: still in step; to another: not until a sync says so.
    assert_eq!(store.link_company(42, acme.id, "9001", None).unwrap().synced_at, Some(at));
    assert_eq!(store.link_company(42, acme.id, "9002", None).unwrap().synced_at, None);
    assert_eq!(store.company_by_hubspot_id(42, "9001").unwrap(), None);

    store.connect_portal(&connection(43, "other.hubspot.com")).unwrap();
    assert_eq!(store.company(acme.id).unwrap().unwrap().hubspot_id, None, "portal 42's id means nothing in 43");
    store.link_company(43, beta.id, "9002", None).unwrap();
    assert_eq!(store.company_link(42, acme.id).unwrap().unwrap().hubspot_company_id, "9002");
    assert_eq!(store.company_link(43, beta.id).unwrap().unwrap().hubspot_company_id, "9002");

    assert!(store.unlink_company(42, acme.id).unwrap());
    assert!(!store.unlink_company(42, acme.id).unwrap());
    assert_eq!(store.company_link(42, acme.id).unwrap(), None);
    let refusals = [
        store.link_company(42, acme.id, "", None).unwrap_err(),
        store.link_company(42, acme.id, "12a", None).unwrap_err(),
        store.link_company(42, acme.id, &"9".repeat(21), None).unwrap_err(),
        store.link_company(44, acme.id, "1", None).unwrap_err(),
        store.link_company(0, acme.id, "1", None).unwrap_err(),
        store.link_company(42, 999, "1", None).unwrap_err(),
    ];
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(
        codes,
        [
            "invalid_hubspot_id",
            "invalid_hubspot_id",
            "invalid_hubspot_id",
            "portal_not_found",
            "portal_not_found",
            "company_not_found"
        ]
    );
}

#[test]
fn a_company_pulled_from_hubspot_may_lack_a_domain_and_is_linked_as_it_is_added() {
    let (clock, mut store) = store();
    let at = clock.now();
    let nameless = store.add_pulled_company(42, "700", None, &[("name", "No Domain Ltd")], at).unwrap();
    assert_eq!((nameless.domain, nameless.domain_key, nameless.origin), (None, None, CompanyOrigin::Pull));
    assert_eq!(nameless.hubspot_id.as_deref(), Some("700"));
    assert_eq!(store.company_link(42, nameless.id).unwrap().unwrap().synced_at, Some(at));
    let blank = store.add_pulled_company(42, "701", Some("  "), &[], at).unwrap();
    assert_eq!(blank.domain, None);

    // HubSpot's value that is no domain is kept as HubSpot holds it, and finds nothing.
    let odd = store.add_pulled_company(42, "702", Some(" intranet "), &[], at).unwrap();
    assert_eq!((odd.domain.as_deref(), odd.domain_key), (Some("intranet"), None));
    let pulled = store.add_pulled_company(42, "703", Some("https://www.Pulled.io"), &[], at).unwrap();
    assert_eq!(pulled.domain_key.as_deref(), Some("pulled.io"));
    assert_eq!(store.company_by_domain("pulled.io").unwrap().map(|c| c.id), Some(pulled.id));

    let refusals = [
        store.add_pulled_company(42, "703", None, &[], at).unwrap_err(),
        store.add_pulled_company(42, "704", Some("pulled.io"), &[], at).unwrap_err(),
        store.add_pulled_company(42, "705", Some("bell\u{7}"), &[], at).unwrap_err(),
        store.add_pulled_company(99, "706", None, &[], at).unwrap_err(),
        store.add_pulled_company(42, "x", None, &[], at).unwrap_err(),
        store.add_pulled_company(42, "707", None, &[("employees", "many")], at).unwrap_err(),
    ];
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(
        codes,
        [
            "company_already_linked",
            "duplicate_company_domain",
            "invalid_value",
            "portal_not_found",
            "invalid_hubspot_id",
            "invalid_value"
        ]
    );
    assert_eq!(store.company_count().unwrap(), 4, "a refused company leaves nothing behind");

    // A domain given later makes it one a domain finds.
    let named = store.set_company_domain(nameless.id, "nodomain.co.uk").unwrap();
    assert_eq!((named.domain_key.as_deref(), named.origin), (Some("nodomain.co.uk"), CompanyOrigin::Pull));
}

#[test]
fn each_lead_has_one_company_read_one_lead_or_a_page_at_a_time() {
    let (_, mut store) = store();
    let ann = store.add_lead("ann@acme.com", &[]).unwrap();
    let bo = store.add_lead("bo@acme.com", &[]).unwrap();
    let cy = store.add_lead("cy@gmail.com", &[]).unwrap();
    let acme = store.upsert_company("acme.com", &[("name", "Acme")]).unwrap();
    let beta = store.upsert_company("beta.com", &[]).unwrap();
    assert_eq!(store.lead_company(ann.id).unwrap(), None);

    let set = store.set_lead_company(ann.id, acme.id, CompanySource::Email).unwrap();
    assert_eq!((set.source, set.company.value("name")), (CompanySource::Email, Some("Acme")));
    store.set_lead_company(bo.id, acme.id, CompanySource::Email).unwrap();
    let moved = store.set_lead_company(bo.id, beta.id, CompanySource::Manual).unwrap();
    assert_eq!((moved.source, moved.company.id), (CompanySource::Manual, beta.id), "replaced");

    let page = store.lead_companies(&[ann.id, bo.id, cy.id, 999]).unwrap();
    let summary: Vec<(i64, i64, CompanySource)> =
        page.iter().map(|(lead, c)| (*lead, c.company.id, c.source)).collect();
    assert_eq!(summary, [(ann.id, acme.id, CompanySource::Email), (bo.id, beta.id, CompanySource::Manual)]);
    assert!(store.lead_companies(&[]).unwrap().is_empty());

    assert!(store.clear_lead_company(bo.id).unwrap());
    assert!(!store.clear_lead_company(bo.id).unwrap());
    assert_eq!(store.lead_company(bo.id).unwrap(), None);
    assert_eq!(store.set_lead_company(999, acme.id, CompanySource::Manual).unwrap_err().code(), "lead_not_found");
    assert_eq!(store.set_lead_company(ann.id, 999, CompanySource::Manual).unwrap_err().code(), "company_not_found");
    assert_eq!(serde_json::to_value(CompanySource::Pull).unwrap(), "pull");
}

fn deal(id: &str) -> Deal {
    Deal {
        deal_id: id.into(),
        name: Some(format!("Deal {id}")),
        pipeline_id: Some("default".into()),
        pipeline_label: Some("Sales Pipeline".into()),
        stage_id: Some("appointmentscheduled".into()),
        stage_label: Some("Appointment scheduled".into()),
        amount: None,
        currency: None,
        close_date: None,
        closed: false,
        won: None,
    }
}

#[test]
fn a_lead_s_deals_are_replaced_whole_by_each_read_per_portal() {
    let (clock, mut store) = store();
    let ann = store.add_lead("ann@acme.com", &[]).unwrap();
    let bo = store.add_lead("bo@acme.com", &[]).unwrap();
    let at = clock.now();
    let won = Deal {
        amount: Some(" 1250.50 ".into()),
        currency: Some("eur".into()),
        close_date: Some("2026-03-01T00:00:00Z".parse().unwrap()),
        closed: true,
        won: Some(true),
        stage_id: Some("closedwon".into()),
        ..deal("11")
    };
    let lost = Deal {
        close_date: Some("2026-04-01T00:00:00Z".parse().unwrap()),
        closed: true,
        won: Some(false),
        ..deal("12")
    };
    let open = Deal { name: Some("  ".into()), ..deal("13") };
    store.replace_lead_deals(42, ann.id, &[won.clone(), lost.clone(), open.clone()], at).unwrap();

    let read = store.lead_deals(42, ann.id).unwrap();
    let order: Vec<&str> = read.iter().map(|d| d.deal.deal_id.as_str()).collect();
    assert_eq!(order, ["13", "12", "11"], "open first, then the latest closed");
    assert_eq!(read[2].deal.amount.as_deref(), Some("1250.5"), "the amount's canonical form");
    assert_eq!(read[2].deal.currency.as_deref(), Some("EUR"));
    assert_eq!((read[2].deal.closed, read[2].deal.won), (true, Some(true)));
    assert_eq!(read[0].deal.name, None, "a blank name is none");
    assert!(read.iter().all(|d| d.read_at == at));
    assert!(store.lead_deals(42, bo.id).unwrap().is_empty());
    let json = serde_json::to_value(&read[2]).unwrap();
    assert_eq!((json["deal_id"].as_str(), json["read_at"].is_string()), (Some("11"), true), "one flat object");

    clock.advance(Duration::hours(1));
    let reads = BTreeMap::from([(ann.id, vec![deal("12")]), (bo.id, vec![deal("11")])]);
    store.replace_deals_of_leads(42, &reads, clock.now()).unwrap();
    let ann_deals = store.lead_deals(42, ann.id).unwrap();
    assert_eq!(ann_deals.len(), 1, "deals gone from the contact went from the lead");
    assert_eq!((ann_deals[0].deal.closed, ann_deals[0].read_at), (false, clock.now()));
    assert_eq!(store.lead_deals(42, bo.id).unwrap().len(), 1, "a deal may be two leads'");

    store.connect_portal(&connection(43, "other.hubspot.com")).unwrap();
    assert!(store.lead_deals(43, ann.id).unwrap().is_empty(), "each portal's deals its own");
    store.replace_lead_deals(43, ann.id, &[deal("500")], clock.now()).unwrap();
    assert_eq!(store.lead_deals(42, ann.id).unwrap()[0].deal.deal_id, "12");
    store.replace_lead_deals(43, ann.id, &[], clock.now()).unwrap();
    assert!(store.lead_deals(43, ann.id).unwrap().is_empty(), "none read: none kept");

    let before = store.lead_deals(42, ann.id).unwrap();
    let bad = [
        vec![deal("21"), Deal { amount: Some("1,000".into()), ..deal("22") }],
        vec![Deal { won: Some(true), ..deal("21") }],
        vec![Deal { currency: Some("euro".into()), ..deal("21") }],
        vec![deal("21"), deal("21")],
        vec![Deal { name: Some("a\u{0}b".into()), ..deal("21") }],
        vec![Deal { deal_id: "d-21".into(), ..deal("21") }],
    ];
    let refusals: Vec<StoreError> =
        bad.iter().map(|deals| store.replace_lead_deals(42, ann.id, deals, clock.now()).unwrap_err()).collect();
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(
        codes,
        ["invalid_deal", "invalid_deal", "invalid_deal", "invalid_deal", "invalid_deal", "invalid_hubspot_id"]
    );
    assert_eq!(refusals[0].to_string(), "deal 22: its amount \"1,000\" is not a number");
    assert_eq!(refusals[1].to_string(), "deal 21: it is open, so neither won nor lost");
    assert_eq!(store.lead_deals(42, ann.id).unwrap(), before, "a refused read changes nothing");
    assert_eq!(store.replace_lead_deals(42, 999, &[deal("1")], at).unwrap_err().code(), "lead_not_found");
    assert_eq!(store.replace_lead_deals(44, ann.id, &[deal("1")], at).unwrap_err().code(), "portal_not_found");
}

/// A store file, and a second connection to it with foreign keys on, as the store's own.
fn file_store(name: &str) -> (std::path::PathBuf, Store, rusqlite::Connection) {
    let dir = super::temp_dir(name);
    let path = dir.join("hubsync.db");
    let mut store = Store::open(&path, super::clock()).unwrap();
    store.connect_portal(&connection(42, "acme.hubspot.com")).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    (dir, store, conn)
}

fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn a_lead_or_a_company_deleted_takes_what_is_theirs_with_it() {
    let (dir, mut store, conn) = file_store("company-cascades");
    let ann = store.add_lead("ann@acme.com", &[]).unwrap();
    let bo = store.add_lead("bo@beta.com", &[]).unwrap();
    let acme = store.upsert_company("acme.com", &[("name", "Acme")]).unwrap();
    let beta = store.upsert_company("beta.com", &[("name", "Beta")]).unwrap();
    store.link_company(42, acme.id, "1", None).unwrap();
    store.link_company(42, beta.id, "2", None).unwrap();
    store.set_lead_company(ann.id, acme.id, CompanySource::Email).unwrap();
    store.set_lead_company(bo.id, beta.id, CompanySource::Email).unwrap();
    store.replace_lead_deals(42, ann.id, &[deal("11")], store.now()).unwrap();
    store.replace_lead_deals(42, bo.id, &[deal("11")], store.now()).unwrap();

    conn.execute("DELETE FROM leads WHERE id = ?1", [ann.id]).unwrap();
    assert_eq!((count(&conn, "lead_companies"), count(&conn, "lead_deals")), (1, 1), "ann's went with her");
    assert!(store.company(acme.id).unwrap().is_some(), "her company stays");

    conn.execute("DELETE FROM companies WHERE id = ?1", [beta.id]).unwrap();
    assert_eq!(store.lead_company(bo.id).unwrap(), None, "bo's company went");
    assert_eq!(store.company_link(42, beta.id).unwrap(), None);
    assert_eq!(count(&conn, "company_values"), 1, "acme's name only");
    assert_eq!(store.lead_deals(42, bo.id).unwrap().len(), 1, "his deals are his, not the company's");
    drop((store, conn));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_schema_refuses_what_the_api_never_writes() {
    let (dir, mut store, conn) = file_store("company-schema");
    let acme = store.upsert_company("acme.com", &[]).unwrap();
    let refused = |sql: &str| {
        let error = conn.execute_batch(sql).unwrap_err();
        error.to_string()
    };
    let now = "'2026-05-01T12:00:00.000Z'";
    assert!(refused(&format!(
        "INSERT INTO companies (domain, domain_key, origin, created_at, updated_at) VALUES (NULL, NULL, 'local', {now}, {now})"
    ))
    .contains("CHECK"));
    assert!(refused(&format!(
        "INSERT INTO companies (domain, domain_key, origin, created_at, updated_at) VALUES ('b.com', 'c.com', 'local', {now}, {now})"
    ))
    .contains("CHECK"));
    assert!(refused(&format!(
        "INSERT INTO companies (domain, domain_key, origin, created_at, updated_at) VALUES ('acme.com', 'acme.com', 'pull', {now}, {now})"
    ))
    .contains("UNIQUE"));
    assert!(
        refused(&format!("INSERT INTO company_values VALUES ({}, 'domain', 'x.com')", acme.id))
            .contains("kept in companies")
    );
    assert!(refused("DELETE FROM company_fields WHERE key = 'name'").contains("built-in"));
    assert!(refused("DELETE FROM portal_company_mappings WHERE property = 'domain'").contains("cannot be removed"));
    assert!(
        refused("UPDATE portal_company_mappings SET write_rule = 'if-empty' WHERE property = 'domain'")
            .contains("domain property only")
    );
    assert!(
        refused("UPDATE portal_company_mappings SET field_key = 'website' WHERE property = 'domain'")
            .contains("domain property only")
    );
    assert!(
        refused("INSERT INTO portal_company_mappings VALUES (42, 'website', 'company', 'domain', 'overwrite')")
            .contains("domain property only")
    );
    assert!(
        refused("INSERT OR REPLACE INTO portal_company_mappings VALUES (42, 'domain', 'lead', 'website', 'overwrite')")
            .contains("domain property only")
    );
    assert!(refused("UPDATE portal_company_rules SET create_enabled = 1 WHERE portal_id = 42").contains("CHECK"));
    let lead = store.add_lead("ann@acme.com", &[]).unwrap();
    assert!(refused(&format!(
        "INSERT INTO lead_deals (portal_id, lead_id, deal_id, closed, won, read_at) VALUES (42, {}, '1', 0, 1, {now})",
        lead.id
    ))
    .contains("CHECK"));
    assert_eq!(store.company_mappings().unwrap(), [hubsync_store::CompanyMapping::domain_row()], "as it was");
    assert_eq!(store.company_mappings().unwrap()[0].write_rule, WriteRule::Overwrite, "the domain row overwrites");
    drop((store, conn));
    std::fs::remove_dir_all(dir).unwrap();
}
