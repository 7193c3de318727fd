//! Companies against the sandbox: writes with per-input results and errors, reads, the list, and
//! the search by domain that pages through every company of every domain, duplicates included,
//! at the number of requests the estimate says.

use std::collections::BTreeMap;

use hubsync_hubspot::estimate::{domain_search_requests, search_requests};
use hubsync_hubspot::{ApiVersion, HubSpotClient, Record};
use serde_json::json;

use crate::{client_for, control, portal, props};

/// Creates one company per `(name, domain)`, 100 a batch, and returns their ids in order.
async fn create_companies(client: &HubSpotClient, companies: &[(String, String)]) -> Vec<String> {
    let mut ids = Vec::new();
    for (batch, chunk) in companies.chunks(100).enumerate() {
        let inputs: Vec<(String, BTreeMap<String, String>)> = chunk
            .iter()
            .enumerate()
            .map(|(i, (name, domain))| (format!("{batch}-{i}"), props(&[("name", name), ("domain", domain)])))
            .collect();
        let created = client.batch_create_companies(&inputs).await.unwrap();
        assert!(created.errors.is_empty(), "{:?}", created.errors);
        let by_trace = created.by_trace_id();
        ids.extend(inputs.iter().map(|(trace, _)| by_trace[trace.as_str()].id.clone()));
    }
    ids
}

fn ids(records: &[Record]) -> Vec<&str> {
    records.iter().map(|r| r.id.as_str()).collect()
}

#[tokio::test]
async fn companies_are_created_read_updated_listed_and_archived_on_both_path_styles() {
    let sandbox = portal(0, false).await;
    for version in [ApiVersion::V3, ApiVersion::Dated("2026-03".into())] {
        let client = client_for(&sandbox, version.clone());
        let properties = client.company_properties().await.unwrap();
        assert!(properties.iter().any(|p| p.name == "domain" && !p.is_read_only()), "{version:?}");
        let industry = properties.iter().find(|p| p.name == "industry").expect("industry");
        assert!(industry.options.iter().any(|o| o.value == "COMPUTER_SOFTWARE"));

        let created = client
            .batch_create_companies(&[
                ("acme".into(), props(&[("name", "Acme"), ("domain", "acme.example")])),
                ("globex".into(), props(&[("name", "Globex"), ("domain", "globex.example"), ("city", "Oslo")])),
            ])
            .await
            .unwrap();
        assert!(created.errors.is_empty(), "{:?}", created.errors);
        let by_trace = created.by_trace_id();
        let (acme, globex) = (by_trace["acme"].id.clone(), by_trace["globex"].id.clone());
        assert_eq!(by_trace["globex"].get("city"), Some("Oslo"));

        let updated = client
            .batch_update_companies(&[
                (acme.clone(), props(&[("industry", "COMPUTER_SOFTWARE")])),
                ("999999999".into(), props(&[("city", "Nowhere")])),
            ])
            .await
            .unwrap();
        assert_eq!(ids(&updated.results), [acme.as_str()]);
        assert_eq!(updated.missing(), ["999999999"]);

        let wanted = vec!["industry".to_string(), "domain".to_string(), "hs_lastmodifieddate".to_string()];
        let read =
            client.batch_read_companies(&[acme.clone(), globex.clone(), "999999998".into()], &wanted).await.unwrap();
        let acme_read = read.results.iter().find(|r| r.id == acme).unwrap();
        assert_eq!(
            (acme_read.get("industry"), acme_read.get("domain")),
            (Some("COMPUTER_SOFTWARE"), Some("acme.example"))
        );
        assert!(acme_read.get("hs_lastmodifieddate").is_some());
        assert_eq!(read.missing(), ["999999998"], "a 207's missing id, the others read");

        let mut listed = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = client.list_companies(1, after.as_deref(), &["domain".into()]).await.unwrap();
            listed.extend(page.results.iter().map(|r| r.id.clone()));
            match page.next_after() {
                Some(next) => after = Some(next.to_string()),
                None => break,
            }
        }
        assert!(listed.contains(&acme) && listed.contains(&globex), "{listed:?}");

        client.batch_archive_companies(&[acme.clone(), globex.clone()]).await.unwrap();
        client.batch_archive_companies(std::slice::from_ref(&acme)).await.expect("archiving again is no error");
        let gone = client.batch_read_companies(&[acme, globex], &[]).await.unwrap();
        assert_eq!(gone.results.len(), 0);
    }
}

#[tokio::test]
async fn a_refused_input_fails_alone_and_names_its_trace_id() {
    let sandbox = portal(0, false).await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let created = client
        .batch_create_companies(&[
            ("row-1".into(), props(&[("name", "Good"), ("domain", "good.example")])),
            ("row-2".into(), props(&[("name", "Bad"), ("industry", "NOT_AN_INDUSTRY")])),
            ("row-3".into(), props(&[("name", "Also good"), ("numberofemployees", "12")])),
        ])
        .await
        .unwrap();
    let mut made: Vec<&str> = created.by_trace_id().into_keys().collect();
    made.sort_unstable();
    assert_eq!(made, ["row-1", "row-3"]);
    assert_eq!(created.failed_traces(), ["row-2"]);
    let problems = created.errors[0].property_problems();
    assert_eq!(problems.len(), 1, "{:?}", created.errors);
    assert_eq!(
        (problems[0].property.as_deref(), problems[0].code.as_deref()),
        (Some("industry"), Some("INVALID_OPTION"))
    );
    assert_eq!(client.api_calls(), 1);
}

/// 250 domains take three searches; a domain two companies share finds both, the one modified
/// last first; domains are asked in any case and with spaces; an unknown one finds nothing.
#[tokio::test]
async fn domains_find_every_company_in_as_many_searches_as_the_estimate_says() {
    let sandbox = portal(0, false).await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let companies: Vec<(String, String)> =
        (0..250).map(|i| (format!("Company {i}"), format!("d{i}.example"))).collect();
    let created = create_companies(&client, &companies).await;
    // A second company of d7, then the first one changed a minute later: it is the newest.
    sandbox.advance_clock(chrono::Duration::seconds(60));
    let twin = create_companies(&client, &[("Company 7 again".into(), "D7.example".into())]).await;
    sandbox.advance_clock(chrono::Duration::seconds(60));
    client.batch_update_companies(&[(created[7].clone(), props(&[("city", "Bergen")]))]).await.unwrap();

    let mut asked: Vec<String> = (0..250).map(|i| format!(" D{i}.Example ")).collect();
    asked.push("nobody.example".into());
    let properties = vec!["name".to_string(), "city".to_string()];
    let calls = client.api_calls();
    let found = client.search_companies_by_domains(&asked, &properties).await.unwrap();
    assert_eq!(client.api_calls() - calls, 3);
    assert_eq!(domain_search_requests(&asked, &properties), 3);

    for (i, id) in created.iter().enumerate().filter(|(i, _)| *i != 7) {
        assert_eq!(ids(found.companies(&format!("d{i}.example"))), [id.as_str()], "d{i}");
    }
    let sevens = found.companies("d7.example");
    assert_eq!(ids(sevens), [created[7].as_str(), twin[0].as_str()], "the one changed last comes first");
    assert_eq!(found.most_recently_modified("D7.EXAMPLE").unwrap().get("city"), Some("Bergen"));
    assert!(sevens.iter().all(|c| c.get("hs_lastmodifieddate").is_some() && c.get("name").is_some()));
    let duplicates: Vec<&str> = found.duplicates().map(|(domain, _)| domain).collect();
    assert_eq!(duplicates, ["d7.example"]);
    assert_eq!(found.not_found().collect::<Vec<_>>(), ["nobody.example"]);
    assert_eq!(found.iter().count(), 251);
}

/// A domain 450 companies share takes three pages, each a window above the last id read (so no
/// page ever asks past search's 10,000-result cap).
#[tokio::test]
async fn a_domain_with_more_companies_than_a_page_reads_every_page() {
    let sandbox = portal(0, false).await;
    let client = client_for(&sandbox, ApiVersion::Dated("2026-03".into()));
    let companies: Vec<(String, String)> = (0..450).map(|i| (format!("Branch {i}"), "big.example".into())).collect();
    let mut created = create_companies(&client, &companies).await;
    create_companies(&client, &[("Other".into(), "small.example".into())]).await;

    let calls = client.api_calls();
    let found = client.search_companies_by_domains(&["big.example".into()], &[]).await.unwrap();
    assert_eq!(client.api_calls() - calls, search_requests(450));
    assert_eq!(search_requests(450), 3);
    let mut seen: Vec<String> = found.companies("big.example").iter().map(|r| r.id.clone()).collect();
    seen.sort();
    created.sort();
    assert_eq!(seen, created);
    let counters = control(&sandbox, reqwest::Method::GET, "/counters", json!(null)).await;
    assert_eq!(counters["rateLimited"], 0, "{counters}");
}
