//! The lead table's page query: search, filters, sorts and paging.

use chrono::Duration;
use hubsync_store::{
    CompanyPart, CompanySource, FieldOp, FieldType, LeadFilter, LeadQuery, LeadSort, MAX_PAGE_ROWS, OwnerRecord,
    SortKey, Store,
};

use super::{clock, store};

fn query() -> LeadQuery {
    LeadQuery { limit: 100, ..LeadQuery::default() }
}

fn emails(store: &Store, query: &LeadQuery) -> Vec<String> {
    store.query_leads(query).unwrap().leads.into_iter().map(|l| l.email).collect()
}

fn sorted(key: SortKey, descending: bool) -> LeadQuery {
    LeadQuery { sort: LeadSort { key, descending }, ..query() }
}

fn field(field: &str, op: FieldOp, value: &str) -> LeadFilter {
    LeadFilter::Field { field: field.into(), op, value: value.into() }
}

/// Five leads added a minute apart: ids 1..=5 in this order.
fn sample() -> Store {
    let clock = clock();
    let mut store = Store::open_in_memory(clock.clone()).unwrap();
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    let rows: [(&str, &[(&str, &str)]); 5] = [
        ("zoe@example.com", &[("first_name", "Zoë"), ("city", "Oslo"), ("score", "10")]),
        ("Ann@Example.com", &[("first_name", "ann"), ("city", "MÜNCHEN"), ("score", "9")]),
        ("bo@other.org", &[("first_name", "Bo"), ("city", "oslo"), ("owner_email", "Owner@Acme.test")]),
        ("cy@other.org", &[("first_name", "Ann"), ("score", "100")]),
        ("dee@example.com", &[("company", "Oslo Ventures")]),
    ];
    for (email, values) in rows {
        store.add_lead(email, values).unwrap();
        clock.advance(Duration::minutes(1));
    }
    store
}

#[test]
fn an_empty_store_has_an_empty_page() {
    let page = store().query_leads(&LeadQuery { search: "x".into(), ..query() }).unwrap();
    assert_eq!((page.leads.len(), page.total), (0, 0));
    assert_eq!(store().query_leads(&query()).unwrap().total, 0);
}

#[test]
fn search_matches_the_email_or_any_value_ignoring_case_beyond_ascii() {
    let store = sample();
    let search = |text: &str| emails(&store, &LeadQuery { search: text.into(), ..query() });
    assert_eq!(search("EXAMPLE.COM"), ["zoe@example.com", "Ann@Example.com", "dee@example.com"]);
    assert_eq!(search("oslo"), ["zoe@example.com", "bo@other.org", "dee@example.com"], "city and company");
    assert_eq!(search("münchen"), ["Ann@Example.com"], "non-ASCII case folded");
    assert_eq!(search("ZOË"), ["zoe@example.com"]);
    assert_eq!(search("  "), search(""), "blank: every lead");
    assert_eq!(search("").len(), 5);
    assert!(search("nobody").is_empty());
    assert_eq!(store.query_leads(&LeadQuery { search: "ann".into(), ..query() }).unwrap().total, 2);
}

#[test]
fn filters_on_fields_links_and_owners_all_hold() {
    let mut store = sample();
    let filtered = |store: &Store, filters: Vec<LeadFilter>| emails(store, &LeadQuery { filters, ..query() });
    assert_eq!(
        filtered(&store, vec![field("first_name", FieldOp::Equals, "ANN")]),
        ["Ann@Example.com", "cy@other.org"]
    );
    assert_eq!(filtered(&store, vec![field("city", FieldOp::Contains, "sl")]), ["zoe@example.com", "bo@other.org"]);
    assert_eq!(filtered(&store, vec![field("city", FieldOp::IsEmpty, "")]), ["cy@other.org", "dee@example.com"]);
    assert_eq!(filtered(&store, vec![field("score", FieldOp::IsNotEmpty, "")]).len(), 3);
    assert_eq!(filtered(&store, vec![field("email", FieldOp::Equals, "ANN@example.COM")]), ["Ann@Example.com"]);
    assert_eq!(filtered(&store, vec![field("email", FieldOp::Contains, "other")]).len(), 2);
    assert!(filtered(&store, vec![field("email", FieldOp::IsEmpty, "")]).is_empty());
    assert_eq!(
        filtered(&store, vec![field("first_name", FieldOp::Equals, "ann"), field("city", FieldOp::IsNotEmpty, "")]),
        ["Ann@Example.com"],
        "every filter holds"
    );

    assert_eq!(filtered(&store, vec![LeadFilter::Owner { email: "owner@ACME.test".into() }]), ["bo@other.org"]);
    assert_eq!(filtered(&store, vec![LeadFilter::Owner { email: " ".into() }]).len(), 4, "blank: no owner");

    store.link_contact(2, Some("901")).unwrap();
    assert_eq!(filtered(&store, vec![LeadFilter::Linked { linked: true }]), ["Ann@Example.com"]);
    assert_eq!(filtered(&store, vec![LeadFilter::Linked { linked: false }]).len(), 4);
    let page = store.query_leads(&LeadQuery { filters: vec![LeadFilter::Linked { linked: true }], ..query() }).unwrap();
    assert_eq!(page.leads[0].hubspot_id.as_deref(), Some("901"));

    let unknown = store.query_leads(&LeadQuery { filters: vec![field("nope", FieldOp::Equals, "x")], ..query() });
    assert_eq!(unknown.unwrap_err().code(), "unknown_field");
    // A search and a filter together.
    let both =
        LeadQuery { search: "oslo".into(), filters: vec![field("first_name", FieldOp::IsNotEmpty, "")], ..query() };
    assert_eq!(emails(&store, &both), ["zoe@example.com", "bo@other.org"]);
}

#[test]
fn sorts_by_email_fields_and_dates_with_ties_broken_by_id() {
    let mut store = sample();
    assert_eq!(
        emails(&store, &sorted(SortKey::Email, false)),
        ["Ann@Example.com", "bo@other.org", "cy@other.org", "dee@example.com", "zoe@example.com"],
        "case ignored"
    );
    assert_eq!(emails(&store, &sorted(SortKey::Email, true))[0], "zoe@example.com");
    // first_name: "ann" and "Ann" tie; the lower id first ascending, last descending; no value last.
    assert_eq!(
        emails(&store, &sorted(SortKey::Field { key: "first_name".into() }, false)),
        ["Ann@Example.com", "cy@other.org", "bo@other.org", "zoe@example.com", "dee@example.com"]
    );
    assert_eq!(
        emails(&store, &sorted(SortKey::Field { key: "first_name".into() }, true)),
        ["zoe@example.com", "bo@other.org", "cy@other.org", "Ann@Example.com", "dee@example.com"]
    );
    // Numbers by size, not as text ("100" after "9" and "10").
    assert_eq!(
        emails(&store, &sorted(SortKey::Field { key: "score".into() }, false))[..3],
        ["Ann@Example.com", "zoe@example.com", "cy@other.org"]
    );
    assert_eq!(emails(&store, &sorted(SortKey::Created, true))[0], "dee@example.com");
    store.update_lead(1, &[("city", "Bergen")]).unwrap();
    assert_eq!(emails(&store, &sorted(SortKey::Updated, true))[0], "zoe@example.com", "the latest change first");
    assert_eq!(emails(&store, &sorted(SortKey::Id, true))[0], "dee@example.com");
    let unknown = store.query_leads(&sorted(SortKey::Field { key: "nope".into() }, false));
    assert_eq!(unknown.unwrap_err().code(), "unknown_field");
}

/// `sample()` with companies: Zoë and Ann at "Acme" (acme.com), Bo at a company without a
/// name (bo-co.org), Cy at "beta Corp" (beta.net), Dee without a company.
fn with_companies() -> Store {
    let mut store = sample();
    let acme = store.upsert_company("ACME.com", &[("name", "Acme")]).unwrap();
    let nameless = store.upsert_company("bo-co.org", &[]).unwrap();
    let beta = store.upsert_company("beta.net", &[("name", "beta Corp")]).unwrap();
    store.set_lead_company(1, acme.id, CompanySource::Email).unwrap();
    store.set_lead_company(2, acme.id, CompanySource::Domain).unwrap();
    store.set_lead_company(3, nameless.id, CompanySource::Email).unwrap();
    store.set_lead_company(4, beta.id, CompanySource::Manual).unwrap();
    store
}

fn company(part: CompanyPart, op: FieldOp, value: &str) -> LeadFilter {
    LeadFilter::Company { part, op, value: value.into() }
}

#[test]
fn a_page_carries_its_leads_companies_for_the_company_columns() {
    let store = with_companies();
    let page = store.query_leads(&LeadQuery { offset: 1, limit: 3, ..query() }).unwrap();
    let cells: Vec<_> = page.companies.iter().map(|c| (c.lead_id, c.name.as_deref(), c.domain.as_deref())).collect();
    // The page's leads only (2, 3, 4), in its order; a company without a name has none.
    assert_eq!(
        cells,
        [(2, Some("Acme"), Some("acme.com")), (3, None, Some("bo-co.org")), (4, Some("beta Corp"), Some("beta.net"))]
    );
    let last = store.query_leads(&LeadQuery { offset: 4, ..query() }).unwrap();
    assert_eq!((last.leads.len(), last.companies.len()), (1, 0), "dee has no company");
}

#[test]
fn leads_filter_and_sort_by_their_companys_name_and_domain() {
    let store = with_companies();
    let filtered = |filters: Vec<LeadFilter>| emails(&store, &LeadQuery { filters, ..query() });
    assert_eq!(
        filtered(vec![company(CompanyPart::Name, FieldOp::Equals, "ACME")]),
        ["zoe@example.com", "Ann@Example.com"]
    );
    assert_eq!(filtered(vec![company(CompanyPart::Name, FieldOp::Contains, "CORP")]), ["cy@other.org"]);
    assert_eq!(
        filtered(vec![company(CompanyPart::Name, FieldOp::IsEmpty, "")]),
        ["bo@other.org", "dee@example.com"],
        "a company without a name, and no company"
    );
    assert_eq!(filtered(vec![company(CompanyPart::Domain, FieldOp::IsNotEmpty, "")]).len(), 4);
    assert_eq!(filtered(vec![company(CompanyPart::Domain, FieldOp::Contains, "B")]), ["bo@other.org", "cy@other.org"]);
    assert_eq!(
        filtered(vec![
            company(CompanyPart::Domain, FieldOp::Equals, "Acme.COM"),
            field("city", FieldOp::Equals, "oslo")
        ]),
        ["zoe@example.com"],
        "with another filter"
    );
    let searched = LeadQuery {
        search: "example.com".into(),
        filters: vec![company(CompanyPart::Domain, FieldOp::IsEmpty, "")],
        ..query()
    };
    assert_eq!(emails(&store, &searched), ["dee@example.com"], "with a search");

    let by = |part, descending| emails(&store, &sorted(SortKey::Company { part }, descending));
    // Name: "Acme" twice (ties by id), then "beta Corp" (case ignored); no name last either way.
    assert_eq!(
        by(CompanyPart::Name, false),
        ["zoe@example.com", "Ann@Example.com", "cy@other.org", "bo@other.org", "dee@example.com"]
    );
    assert_eq!(
        by(CompanyPart::Name, true),
        ["cy@other.org", "Ann@Example.com", "zoe@example.com", "dee@example.com", "bo@other.org"]
    );
    assert_eq!(
        by(CompanyPart::Domain, false),
        ["zoe@example.com", "Ann@Example.com", "cy@other.org", "bo@other.org", "dee@example.com"]
    );
    assert_eq!(by(CompanyPart::Domain, true)[..2], ["bo@other.org", "cy@other.org"]);
    // A sort by company with a search, and pages of it: every lead once.
    let searched = LeadQuery {
        search: "o".into(),
        sort: LeadSort { key: SortKey::Company { part: CompanyPart::Domain }, descending: false },
        ..query()
    };
    let all = emails(&store, &searched);
    let paged: Vec<String> = (0..all.len() as u64)
        .step_by(2)
        .flat_map(|offset| emails(&store, &LeadQuery { offset, limit: 2, ..searched.clone() }))
        .collect();
    assert_eq!(paged, all);
    let filtered_sorted = LeadQuery {
        filters: vec![company(CompanyPart::Name, FieldOp::IsNotEmpty, "")],
        sort: LeadSort { key: SortKey::Company { part: CompanyPart::Name }, descending: true },
        offset: 1,
        limit: 5,
        ..query()
    };
    let page = store.query_leads(&filtered_sorted).unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.leads.iter().map(|l| l.email.as_str()).collect::<Vec<_>>(), ["Ann@Example.com", "zoe@example.com"]);
}

#[test]
fn pages_cover_every_match_once_and_an_offset_past_the_end_is_empty() {
    let store = sample();
    let sort = LeadSort { key: SortKey::Field { key: "first_name".into() }, descending: false };
    let page = |offset, limit| {
        store.query_leads(&LeadQuery { sort: sort.clone(), offset, limit, ..LeadQuery::default() }).unwrap()
    };
    let mut walked = Vec::new();
    for offset in [0, 2, 4] {
        let p = page(offset, 2);
        assert_eq!(p.total, 5);
        walked.extend(p.leads.into_iter().map(|l| l.id));
    }
    let whole: Vec<i64> = page(0, 10).leads.into_iter().map(|l| l.id).collect();
    assert_eq!(walked, whole);
    let spanning: Vec<i64> = page(3, 2).leads.into_iter().map(|l| l.id).collect();
    assert_eq!(spanning, whole[3..5], "a page across the leads with a value and those without");
    let filtered = LeadQuery {
        sort: sort.clone(),
        filters: vec![field("email", FieldOp::Contains, "example.com")],
        offset: 1,
        limit: 5,
        ..LeadQuery::default()
    };
    assert_eq!(emails(&store, &filtered), ["zoe@example.com", "dee@example.com"], "filters hold in both parts");
    let searched = LeadQuery { search: "EXAMPLE".into(), ..filtered.clone() };
    let found = store.query_leads(&searched).unwrap();
    assert_eq!(found.total, 3);
    assert_eq!(
        found.leads.iter().map(|l| l.email.as_str()).collect::<Vec<_>>(),
        ["zoe@example.com", "dee@example.com"]
    );
    let by_score = LeadQuery {
        search: "example".into(),
        sort: LeadSort { key: SortKey::Field { key: "score".into() }, descending: true },
        ..query()
    };
    assert_eq!(emails(&store, &by_score), ["zoe@example.com", "Ann@Example.com", "dee@example.com"]);
    let past = page(50, 10);
    assert_eq!((past.leads.len(), past.total), (0, 5));
    assert_eq!(page(0, 0).leads.len(), 0, "a limit of 0 only counts");
    assert!(page(0, u64::MAX).leads.len() <= MAX_PAGE_ROWS as usize);
    assert!(page(u64::MAX, 1).leads.is_empty());
}

#[test]
fn rows_carry_every_value() {
    let store = sample();
    let page = store.query_leads(&LeadQuery { search: "bo@".into(), ..query() }).unwrap();
    let bo = &page.leads[0];
    assert_eq!(bo.value("city"), Some("oslo"));
    assert_eq!(bo.value("owner_email"), Some("Owner@Acme.test"));
}

#[test]
fn a_lead_view_names_its_owner_as_last_read() {
    let mut store = sample();
    let view = |store: &Store, id| store.lead_view(store.lead(id).unwrap().unwrap()).unwrap();
    let unknown = view(&store, 3).owner.unwrap();
    assert_eq!((unknown.name, unknown.active), (None, None), "not an owner of the portal (yet)");
    assert!(view(&store, 1).owner.is_none());
    store
        .replace_owners(&[OwnerRecord {
            id: "7".into(),
            email: Some("owner@acme.test".into()),
            first_name: Some("Olga".into()),
            last_name: Some("Ng".into()),
            active: false,
        }])
        .unwrap();
    let known = view(&store, 3).owner.unwrap();
    assert_eq!((known.name.as_deref(), known.active), (Some("Olga Ng"), Some(false)));
}

#[test]
fn search_text_is_literal_even_with_like_wildcards() {
    let mut store = store();
    store.add_lead("pct@example.com", &[("company", "100% off_sale \\o/")]).unwrap();
    store.add_lead("plain@example.com", &[("company", "1000 offXsale")]).unwrap();
    let search = |text: &str| emails(&store, &LeadQuery { search: text.into(), ..query() });
    assert_eq!(search("0% OFF_"), ["pct@example.com"]);
    assert_eq!(search("_"), ["pct@example.com"]);
    assert_eq!(search("\\o/"), ["pct@example.com"]);
    assert_eq!(search("%"), ["pct@example.com"]);
}

#[test]
fn a_lead_form_hears_of_every_problem_by_field() {
    let store = sample();
    let problems = store
        .lead_form_problems(None, "ann@example.com", &[("score", "many"), ("nope", "x"), ("city", "Oslo")])
        .unwrap();
    let found: Vec<(&str, &str)> = problems.iter().map(|p| (p.field.as_str(), p.code)).collect();
    assert_eq!(found, [("email", "duplicate_email"), ("score", "invalid_value"), ("nope", "unknown_field")]);
    assert!(problems[1].message.contains("is not a number"), "{:?}", problems[1]);
    // Editing lead 2 keeps its own address.
    assert!(store.lead_form_problems(Some(2), "ANN@example.com", &[("score", "")]).unwrap().is_empty());
    let bad = store.lead_form_problems(None, "not an email", &[]).unwrap();
    assert_eq!((bad[0].field.as_str(), bad[0].code), ("email", "invalid_email"));
}
