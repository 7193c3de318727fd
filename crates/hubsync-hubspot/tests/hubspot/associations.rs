//! Associations v4 against the sandbox: a primary company and unlabelled links made and read from
//! both sides, "no associations" read as none, each record's own paging followed to the end,
//! 207s with the pairs made beside the ones refused, archives, labels, and missing scopes.

use std::collections::BTreeMap;
use std::sync::Arc;

use hubsync_hubspot::estimate::association_read_requests;
use hubsync_hubspot::{
    ApiVersion, AssociationInput, AssociationType, ClientConfig, HubSpotClient, ObjectType, PortalLimiter,
    RateLimitSettings, Secret, type_ids,
};
use hubsync_sandbox::{ControlSecret, PrivateToken, Sandbox, SandboxConfig};

use crate::{client_for, portal, props};

use ObjectType::{Companies, Contacts};

/// Contacts `n@people.example.com` for each n in `numbers`, 100 a batch; their ids in order.
async fn contacts(client: &HubSpotClient, numbers: std::ops::Range<usize>) -> Vec<String> {
    let mut ids = Vec::new();
    let emails: Vec<String> = numbers.map(|n| format!("{n}@people.example.com")).collect();
    for chunk in emails.chunks(100) {
        let inputs: Vec<(String, BTreeMap<String, String>)> = chunk.iter().map(|e| (e.clone(), props(&[]))).collect();
        let done = client.batch_upsert_by_email(&inputs).await.unwrap();
        let by_email: BTreeMap<String, String> =
            done.results.iter().map(|r| (r.get("email").unwrap().to_string(), r.id.clone())).collect();
        ids.extend(chunk.iter().map(|e| by_email[e].clone()));
    }
    ids
}

async fn companies(client: &HubSpotClient, names: &[&str]) -> Vec<String> {
    let inputs: Vec<(String, BTreeMap<String, String>)> =
        names.iter().map(|n| (n.to_string(), props(&[("name", n), ("domain", &format!("{n}.example"))]))).collect();
    let created = client.batch_create_companies(&inputs).await.unwrap();
    let by_trace = created.by_trace_id();
    names.iter().map(|n| by_trace[n].id.clone()).collect()
}

fn types(found: &hubsync_hubspot::AssociatedRecord) -> Vec<u32> {
    let mut ids: Vec<u32> = found.association_types.iter().map(|t| t.type_id).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn a_primary_company_and_plain_links_are_made_read_from_both_sides_and_archived() {
    let sandbox = portal(0, false).await;
    for (base, version) in [(0, ApiVersion::V3), (10, ApiVersion::Dated("2026-03".into()))] {
        let client = client_for(&sandbox, version.clone());
        let people = contacts(&client, base..base + 3).await;
        let firms = companies(&client, &["acme", "globex"]).await;
        let (ann, bo, cy) = (&people[0], &people[1], &people[2]);

        let made = client
            .batch_create_associations(
                Contacts,
                Companies,
                &[AssociationInput {
                    from_id: ann.clone(),
                    to_id: firms[0].clone(),
                    types: AssociationType::primary_contact_to_company(),
                }],
            )
            .await
            .unwrap();
        assert_eq!(made.pairs(), [(ann.as_str(), firms[0].as_str())], "{version:?}");
        assert!(made.errors.is_empty());
        let plain = client
            .batch_associate_default(
                Contacts,
                Companies,
                &[(bo.clone(), firms[0].clone()), (bo.clone(), firms[1].clone())],
            )
            .await
            .unwrap();
        assert_eq!(plain.results.len(), 2);
        assert!(
            plain.results.iter().all(|r| r.association_spec == AssociationType::hubspot(type_ids::CONTACT_TO_COMPANY))
        );

        let read = client.read_associations(Contacts, Companies, &[ann.clone(), bo.clone(), cy.clone()]).await.unwrap();
        assert!(read.errors.is_empty(), "no associations is not an error: {:?}", read.errors);
        let ann_firms = read.associated(ann);
        assert_eq!(ann_firms.len(), 1);
        assert_eq!((ann_firms[0].to_object_id.as_str(), types(&ann_firms[0])), (firms[0].as_str(), vec![1, 279]));
        let mut bo_firms: Vec<&str> = read.associated(bo).iter().map(|a| a.to_object_id.as_str()).collect();
        bo_firms.sort_unstable();
        let mut expected = vec![firms[0].as_str(), firms[1].as_str()];
        expected.sort_unstable();
        assert_eq!(bo_firms, expected);
        assert!(read.by_from.contains_key(cy.as_str()) && read.associated(cy).is_empty());

        let back = client.read_associations(Companies, Contacts, &[firms[0].clone()]).await.unwrap();
        let ann_back = back.associated(&firms[0]).iter().find(|a| &a.to_object_id == ann).unwrap();
        assert_eq!(types(ann_back), [type_ids::COMPANY_TO_CONTACT_PRIMARY, type_ids::COMPANY_TO_CONTACT]);

        // Taking the primary type off leaves the plain link; archiving takes every type.
        client
            .batch_archive_association_types(
                Contacts,
                Companies,
                &[AssociationInput {
                    from_id: ann.clone(),
                    to_id: firms[0].clone(),
                    types: vec![AssociationType::hubspot(type_ids::CONTACT_TO_COMPANY_PRIMARY)],
                }],
            )
            .await
            .unwrap();
        client.batch_archive_associations(Contacts, Companies, &[(bo.clone(), vec![firms[0].clone()])]).await.unwrap();
        client
            .batch_archive_associations(Contacts, Companies, &[(bo.clone(), vec![firms[0].clone()])])
            .await
            .expect("archiving again changes nothing");
        let after = client.read_associations(Contacts, Companies, &[ann.clone(), bo.clone()]).await.unwrap();
        assert_eq!(types(&after.associated(ann)[0]), [279]);
        assert_eq!(
            after.associated(bo).iter().map(|a| a.to_object_id.as_str()).collect::<Vec<_>>(),
            [firms[1].as_str()]
        );

        let labels = client.association_labels(Contacts, Companies).await.unwrap();
        let primary = labels.iter().find(|t| t.type_id == type_ids::CONTACT_TO_COMPANY_PRIMARY).expect("primary");
        assert!(primary.label.is_some());
        assert!(labels.iter().any(|t| t.type_id == type_ids::CONTACT_TO_COMPANY && t.label.is_none()));
    }
}

#[tokio::test]
async fn a_batch_create_makes_the_good_pairs_and_names_the_refused_ones() {
    let sandbox = portal(0, false).await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let people = contacts(&client, 0..2).await;
    let firms = companies(&client, &["acme"]).await;
    let input = |from: &str, to: &str, types: Vec<AssociationType>| AssociationInput {
        from_id: from.into(),
        to_id: to.into(),
        types,
    };
    let made = client
        .batch_create_associations(
            Contacts,
            Companies,
            &[
                input(&people[0], &firms[0], vec![AssociationType::unlabelled(Contacts, Companies).unwrap()]),
                input(&people[1], "987654321", vec![AssociationType::unlabelled(Contacts, Companies).unwrap()]),
            ],
        )
        .await
        .unwrap();
    assert_eq!(made.pairs(), [(people[0].as_str(), firms[0].as_str())]);
    assert_eq!(made.errors.len(), 1, "{:?}", made.errors);
    let again = client
        .batch_create_associations(
            Contacts,
            Companies,
            &[input(&people[0], &firms[0], vec![AssociationType::unlabelled(Contacts, Companies).unwrap()])],
        )
        .await
        .unwrap();
    assert_eq!(again.pairs().len(), 1, "linking a pair again is no error");
    let read = client.read_associations(Contacts, Companies, &people).await.unwrap();
    assert_eq!(read.associated(&people[0]).len(), 1, "and makes no second link");
    assert!(read.associated(&people[1]).is_empty());
}

/// 600 contacts on one company: its read takes a second page, which the client asks for by
/// itself; 150 contacts to read from take two requests of at most 100.
#[tokio::test]
async fn each_records_paging_is_followed_to_the_end_and_reads_go_100_ids_a_request() {
    let sandbox = portal(0, false).await;
    let client = client_for(&sandbox, ApiVersion::V3);
    let people = contacts(&client, 0..600).await;
    let firms = companies(&client, &["big", "small", "empty"]).await;
    for chunk in people.chunks(100) {
        let pairs: Vec<(String, String)> = chunk.iter().map(|c| (c.clone(), firms[0].clone())).collect();
        assert!(client.batch_associate_default(Contacts, Companies, &pairs).await.unwrap().errors.is_empty());
    }
    client.batch_associate_default(Contacts, Companies, &[(people[0].clone(), firms[1].clone())]).await.unwrap();

    let calls = client.api_calls();
    let read = client.read_associations(Companies, Contacts, &firms).await.unwrap();
    assert_eq!(client.api_calls() - calls, association_read_requests(3) + 1, "one more for the big one's next page");
    let mut linked: Vec<String> = read.associated(&firms[0]).iter().map(|a| a.to_object_id.clone()).collect();
    linked.sort();
    let mut expected = people.clone();
    expected.sort();
    assert_eq!(linked, expected, "every page, once each");
    assert_eq!(read.associated(&firms[1]).len(), 1);
    assert!(read.associated(&firms[2]).is_empty() && read.errors.is_empty());

    let calls = client.api_calls();
    let from_people = client.read_associations(Contacts, Companies, &people[..150]).await.unwrap();
    assert_eq!(client.api_calls() - calls, association_read_requests(150));
    assert_eq!(association_read_requests(150), 2);
    assert_eq!(from_people.by_from.len(), 150);
    assert_eq!(from_people.associated(&people[0]).len(), 2);
    assert!(from_people.by_from.values().all(|found| !found.is_empty()));
}

#[tokio::test]
async fn association_calls_without_the_scopes_name_them() {
    let sandbox = Sandbox::start(SandboxConfig {
        private_tokens: vec![
            PrivateToken::new(crate::TOKEN),
            PrivateToken {
                token: "pat-na1-contacts-only".into(),
                scopes: vec!["crm.objects.contacts.read".into(), "crm.objects.contacts.write".into()],
            },
        ],
        control_secret: Some(ControlSecret::generate()),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let everything = client_for(&sandbox, ApiVersion::V3);
    let people = contacts(&everything, 0..1).await;
    let firms = companies(&everything, &["acme"]).await;
    let limits = RateLimitSettings::private_app(100);
    let narrow = HubSpotClient::new(
        ClientConfig::new(sandbox.base_url(), limits),
        Secret::new("pat-na1-contacts-only"),
        Arc::new(PortalLimiter::new(limits)),
    )
    .unwrap();
    let read = narrow.read_associations(Contacts, Companies, &people).await.unwrap_err();
    assert!(read.missing_scopes_error().unwrap().names("crm.objects.companies.read"), "{read}");
    let write = narrow.batch_associate_default(Companies, Contacts, &[(firms[0].clone(), people[0].clone())]).await;
    let write = write.unwrap_err();
    assert!(write.missing_scopes_error().unwrap().names("crm.objects.companies.write"), "{write}");
}
