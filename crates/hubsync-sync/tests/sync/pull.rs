//! The pull against the sandbox: every contact past 10,000 through the list, a filter matching
//! more than 10,000 through search windows, write rules, contacts without email, new-only.

use hubsync_store::journal::Journal;
use hubsync_store::{RunStatus, WriteRule};
use hubsync_sync::pull_rules::{self, Condition, PullRules};
use hubsync_sync::{Cancel, PullAction, PullSkip, prepare_pull, record_pull_preview, run_pull};
use serde_json::json;

use crate::push::{Portal, fast, quiet, store_for};

#[tokio::test]
async fn a_full_pull_reads_every_contact_past_10000_and_a_second_pull_changes_nothing() {
    let portal = Portal::start_seeded(json!([]), 10_050).await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    let contacts = portal.contacts().await; // by email: the ones that have one
    let with_email = contacts.len();
    assert!(with_email > 9_500 && with_email < 10_050, "some demo contacts have no email: {with_email}");

    let prepared = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let plan = crate::support::pulled(&store, &prepared);
    assert_eq!(plan.len(), 10_050, "every contact, none capped");
    assert_eq!(prepared.counts.no_email, 10_050 - with_email, "counted, not dropped");
    assert_eq!(prepared.counts.new, with_email);
    // The portal check (account details), properties, owners (active and deactivated), company
    // properties and pipelines, then 101 list pages, each with its contacts' companies and deals.
    let pages: Vec<Vec<&str>> = plan.chunks(100).map(|p| p.iter().map(|i| i.contact_id.as_str()).collect()).collect();
    assert_eq!(pages.len(), 101);
    let floor = 6 + crate::pull_companies::floor_per_page(&pages, &portal).await;
    assert_eq!(prepared.plan.api_calls, floor);
    assert_eq!(crate::pull_companies::counted(&portal).await, floor, "as the sandbox counted them");
    // The live pull reads the same pages: more than 100 calls at 100 per 10 s wait a window.
    let e = &prepared.plan.estimate;
    assert_eq!((e.api_calls, e.setup_calls, e.read_calls, e.write_calls), (floor, 6, floor - 6, 0));
    assert!(e.seconds >= 10.0, "{e:?}");
    let preview = record_pull_preview(&mut store, &prepared).unwrap();
    assert_eq!(store.lead_count().unwrap(), 0, "a preview writes nothing locally");
    assert_eq!(store.run(preview).unwrap().unwrap().counts.create, with_email as u64);

    let run = run_pull(&mut store, prepared, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!((run.counts.created, run.counts.failed), (with_email as u64, 0));
    assert_eq!(store.lead_count().unwrap(), with_email as i64);
    let (email, contact) = contacts.iter().find(|(_, c)| c["properties"]["firstname"].is_string()).unwrap();
    let lead = store.lead_by_email(email).unwrap().unwrap();
    assert_eq!(lead.hubspot_id.as_deref(), contact["id"].as_str(), "linked to its contact");
    assert_eq!(lead.value("first_name"), contact["properties"]["firstname"].as_str());
    assert_eq!(store.integrity_check().unwrap(), "ok");
    // Owners: kept in the store, and each owned lead shows its owner's email and name.
    let mut owners = client.owners(false).await.unwrap();
    owners.extend(client.owners(true).await.unwrap());
    assert_eq!(store.owners().unwrap().len(), owners.len());
    let (email, contact) = contacts.iter().find(|(_, c)| c["properties"]["hubspot_owner_id"].is_string()).unwrap();
    let owner =
        owners.iter().find(|o| Some(o.id.as_str()) == contact["properties"]["hubspot_owner_id"].as_str()).unwrap();
    let lead = store.lead_by_email(email).unwrap().unwrap();
    assert_eq!(lead.value("owner_email"), owner.email.as_deref());
    let name = format!("{} {}", owner.first_name.as_deref().unwrap(), owner.last_name.as_deref().unwrap());
    assert_eq!(lead.value("owner_name"), Some(name.as_str()));
    let active = store.owner_by_email(owner.email.as_deref().unwrap()).unwrap().unwrap().active;
    assert_eq!(active, !owner.archived, "whether the owner is active");

    let again = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((again.counts.new, again.counts.update), (0, 0), "round trip: {:?}", again.counts);
    assert_eq!(again.counts.unchanged, with_email);
}

#[tokio::test]
async fn a_filter_matching_more_than_10000_comes_in_whole_through_search_windows() {
    let portal = Portal::start_seeded(json!([]), 10_300).await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    let with_email = portal.contacts().await.len();
    assert!(with_email > 10_000, "{with_email}");
    let rules = PullRules { conditions: vec![Condition::parse("email known").unwrap()], ..PullRules::default() };
    pull_rules::save(&mut store, &rules).unwrap();
    let prepared = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let plan = crate::support::pulled(&store, &prepared);
    assert_eq!(plan.len(), with_email, "every match, past search's 10,000 cap");
    assert_eq!(prepared.counts.new, with_email);
    let mut ids: Vec<&str> = plan.iter().map(|i| i.contact_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), with_email, "no contact read twice");
    // Setup (the portal check, properties, owners, company properties, pipelines), then one
    // search per 200 matches (and one that finds the end), each page with its companies and deals.
    let searches = crate::pull_companies::counted_to(&portal, "POST /crm/v3/objects/contacts/search").await;
    assert_eq!(searches, with_email as u64 / 200 + 1);
    assert_eq!(prepared.plan.api_calls, crate::pull_companies::counted(&portal).await);
    // Well inside the window's 100 calls, but search's 5 per second sets the pace at least
    // (slower round trips, as on a busy test machine, make it longer).
    let e = &prepared.plan.estimate;
    assert!(e.seconds >= (e.read_calls - 1) as f64 / 5.0 - 0.1, "{e:?}");
}

#[tokio::test]
async fn write_rules_apply_locally_and_new_only_skips_known_leads() {
    let portal = Portal::start(json!([
        { "id": "11", "properties": { "email": "Known@Example.com", "company": "HubSpot Co", "city": "Oslo", "firstname": "Kim" } },
        { "id": "12", "properties": { "email": "fresh@example.com", "company": "Fresh Co", "lifecyclestage": "customer" } },
        { "id": "13", "properties": { "firstname": "No email" } }
    ]))
    .await;
    let client = portal.client(fast());
    let mut store = store_for(&portal); // city is if-empty; company overwrite
    store.add_lead("known@example.com", &[("company", "Local Co"), ("city", "Bergen")]).unwrap();
    let prepared = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let plan = crate::support::pulled(&store, &prepared);
    let known = plan.iter().find(|i| i.contact_id == "11").unwrap();
    assert!(matches!(known.action, PullAction::Update { .. }));
    let changes: Vec<(&str, Option<&str>, Option<&str>, bool)> =
        known.changes.iter().map(|c| (c.field.as_str(), c.before.as_deref(), c.after.as_deref(), c.kept)).collect();
    assert_eq!(
        changes,
        [
            ("first_name", None, Some("Kim"), false),
            ("company", Some("Local Co"), Some("HubSpot Co"), false),
            ("city", Some("Bergen"), None, true)
        ]
    );
    let no_email = plan.iter().find(|i| i.contact_id == "13").unwrap();
    assert_eq!(no_email.action, PullAction::Skip { reason: PullSkip::NoEmail });
    let run = run_pull(&mut store, prepared, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!((run.counts.created, run.counts.updated), (1, 1));
    let lead = store.lead_by_email("known@example.com").unwrap().unwrap();
    assert_eq!((lead.value("company"), lead.value("city")), (Some("HubSpot Co"), Some("Bergen")));
    assert_eq!(lead.hubspot_id.as_deref(), Some("11"));
    let fresh = store.lead_by_email("fresh@example.com").unwrap().unwrap();
    assert_eq!(fresh.value("lifecycle_stage"), Some("customer"), "a choice converted to the field's option");

    store.set_mapping("city", "city", Some(WriteRule::Overwrite)).unwrap();
    pull_rules::save(&mut store, &PullRules { new_only: true, ..PullRules::default() }).unwrap();
    let prepared = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(prepared.counts.already_in_store, 2, "{:?}", prepared.counts);
}

#[tokio::test]
async fn an_incremental_pull_takes_exactly_the_contacts_changed_since_the_last_pull() {
    let at = "2026-01-05T10:00:00Z";
    let portal = Portal::start(json!([
        { "id": "21", "properties": { "email": "one@example.com", "company": "One" }, "createdAt": at, "updatedAt": at },
        { "id": "22", "properties": { "email": "two@example.com", "company": "Two" }, "createdAt": at, "updatedAt": at },
        { "id": "23", "properties": { "email": "three@example.com", "company": "Three" }, "createdAt": at, "updatedAt": at }
    ]))
    .await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    pull_rules::save(&mut store, &PullRules { since_last_pull: true, ..PullRules::default() }).unwrap();
    let first = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(first.counts.new, 3, "no pull yet: every contact");
    run_pull(&mut store, first, &Cancel::default(), &mut |_| {}).unwrap();

    portal
        .call(
            reqwest::Method::PATCH,
            "/crm/v3/objects/contacts/22",
            Some(json!({ "properties": { "company": "Two Inc" } })),
        )
        .await;
    // Once the change has reached search (HubSpot's lags its writes by a few seconds).
    portal.sandbox.advance_clock(search_lag());
    let next = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let plan = crate::support::pulled(&store, &next);
    let ids: Vec<&str> = plan.iter().map(|i| i.contact_id.as_str()).collect();
    assert_eq!(ids, ["22"], "only the contact changed since the last pull began");
    assert_eq!(next.counts.update, 1);
}

/// Past the sandbox's default search lag: what a write waits before search finds it.
fn search_lag() -> chrono::Duration {
    chrono::Duration::milliseconds(hubsync_sandbox::config::DEFAULT_SEARCH_DELAY_MS as i64 + 1)
}

#[tokio::test]
async fn a_change_search_had_not_seen_at_the_last_pull_comes_with_the_next_one() {
    let at = "2026-01-05T10:00:00Z";
    let portal = Portal::start(json!([
        { "id": "21", "properties": { "email": "one@example.com", "company": "One" }, "createdAt": at, "updatedAt": at },
        { "id": "22", "properties": { "email": "two@example.com", "company": "Two" }, "createdAt": at, "updatedAt": at }
    ]))
    .await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    pull_rules::save(&mut store, &PullRules { since_last_pull: true, ..PullRules::default() }).unwrap();
    let first = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    run_pull(&mut store, first, &Cancel::default(), &mut |_| {}).unwrap();
    let patch = |id: &'static str, company: &'static str| {
        let path = format!("/crm/v3/objects/contacts/{id}");
        let body = json!({ "properties": { "company": company } });
        let portal = &portal;
        async move { portal.call(reqwest::Method::PATCH, &path, Some(body)).await }
    };

    // 21 changes and search sees it at once; 22 changes just before the next pull, which
    // search does not see for a minute.
    portal.sandbox.set_search_delay(std::time::Duration::ZERO);
    patch("21", "One Inc").await;
    portal.sandbox.set_search_delay(std::time::Duration::from_secs(60));
    patch("22", "Two Inc").await;
    let second = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let ids: Vec<String> = crate::support::pulled(&store, &second).into_iter().map(|i| i.contact_id).collect();
    assert_eq!(ids, ["21"], "search can't find 22's change yet");
    run_pull(&mut store, second, &Cancel::default(), &mut |_| {}).unwrap();
    let one = store.lead_by_email("one@example.com").unwrap().unwrap();

    // A minute on, search has 22's change, made before the last pull began: the next pull
    // reaches back far enough to take it.
    portal.sandbox.advance_clock(chrono::Duration::seconds(61));
    let third = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let plan = crate::support::pulled(&store, &third);
    let two = plan.iter().find(|i| i.contact_id == "22").expect("22's change is not lost");
    assert!(matches!(two.action, PullAction::Update { .. }), "{two:?}");
    // The overlap reads 21 again, which is up to date: it writes nothing.
    let again = plan.iter().find(|i| i.contact_id == "21").expect("21 is in the overlap");
    assert_eq!(again.action, PullAction::Skip { reason: PullSkip::Unchanged });
    assert_eq!((third.counts.update, third.counts.unchanged), (1, 1), "{:?}", third.counts);
    run_pull(&mut store, third, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!(store.lead_by_email("two@example.com").unwrap().unwrap().value("company"), Some("Two Inc"));
    assert_eq!(store.lead_by_email("one@example.com").unwrap().unwrap(), one, "21's lead was not written again");
}

/// A lead as a comparable row: email, linked contact, values, its company's HubSpot id and its
/// deals (id and stage label).
type LeadRow = (String, Option<String>, Vec<(String, String)>, Option<String>, Vec<(String, Option<String>)>);

fn lead_rows(store: &hubsync_store::Store) -> Vec<LeadRow> {
    let portal = store.active_portal().unwrap().unwrap().portal_id;
    let mut rows: Vec<_> = store
        .leads()
        .unwrap()
        .into_iter()
        .map(|l| {
            let company = store.lead_company(l.id).unwrap().and_then(|c| c.company.hubspot_id);
            let deals =
                store.lead_deals(portal, l.id).unwrap().into_iter().map(|d| (d.deal.deal_id, d.deal.stage_label));
            (l.email.to_lowercase(), l.hubspot_id, l.values.into_iter().collect(), company, deals.collect())
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn a_live_pull_cut_off_after_its_first_chunk_resumes_to_the_same_store_as_an_uninterrupted_one() {
    let portal = Portal::start_seeded(json!([]), 2_500).await;
    let client = portal.client(fast());

    // The reference: one uninterrupted live pull.
    let mut whole = store_for(&portal);
    let prepared = prepare_pull(&mut whole, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let run = run_pull(&mut whole, prepared, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!(run.status, RunStatus::Completed);

    // The same pull journaled as a live run, with only its first 1,000 rows applied before the
    // process dies; the store is opened again from its file and the run resumed.
    let dir = std::env::temp_dir().join(format!("hubsync-pull-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hubsync.db");
    let run_id = {
        let mut store = hubsync_store::Store::open(&path, std::sync::Arc::new(hubsync_store::SystemClock)).unwrap();
        store.connect_portal(&super::push::connection_to(&portal)).unwrap();
        for mapping in whole.mappings().unwrap() {
            store.set_mapping(&mapping.field_key, &mapping.property, Some(mapping.write_rule)).unwrap();
        }
        let prepared = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
        let preview = record_pull_preview(&mut store, &prepared).unwrap();
        let journal: Vec<hubsync_store::RunItem> = store
            .run_items(preview)
            .unwrap()
            .into_iter()
            .map(|item| {
                let writes = matches!(item.action, hubsync_store::RunAction::Create | hubsync_store::RunAction::Update);
                hubsync_store::RunItem { outcome: if writes { None } else { item.outcome }, ..item }
            })
            .collect();
        let live = store.run(preview).unwrap().unwrap();
        let new_run = hubsync_store::NewRun {
            kind: live.kind,
            mode: hubsync_store::RunMode::Live,
            portal_id: live.portal_id,
            settings: live.settings,
            estimate: live.estimate,
            api_calls: live.api_calls,
        };
        let run_id = store.create_run(&new_run, &journal).unwrap();
        let first: Vec<hubsync_store::PulledLead> = store
            .pending_items_page(run_id, -1, 1_000)
            .unwrap()
            .into_iter()
            .map(|item| hubsync_store::PulledLead {
                seq: item.seq,
                lead_id: None,
                email: item.email,
                contact_id: item.contact_id.unwrap(),
                values: item.changes.into_iter().filter_map(|c| Some((c.field, c.after?))).collect(),
                related: item.related,
            })
            .collect();
        store.apply_pull(run_id, &first).unwrap();
        run_id
        // The store is dropped here without finishing the run, as a killed process leaves it.
    };
    let mut store = hubsync_store::Store::open(&path, std::sync::Arc::new(hubsync_store::SystemClock)).unwrap();
    let cut = store.run(run_id).unwrap().unwrap();
    assert_eq!((cut.status, cut.counts.created), (RunStatus::Running, 1_000));
    assert!(cut.counts.pending > 0 && cut.is_resumable(), "{:?}", cut.counts);
    assert_eq!(store.lead_count().unwrap(), 1_000, "the first chunk, whole");
    let (applied, reference) = (lead_rows(&store), lead_rows(&whole));
    assert!(applied.iter().all(|row| reference.contains(row)), "each with its company and deals");
    assert!(applied.iter().any(|(.., company, deals)| company.is_some() && !deals.is_empty()));

    let resumed = hubsync_sync::resume_pull(&mut store, run_id, &Cancel::default(), &mut |_| {}).unwrap();
    assert_eq!((resumed.status, resumed.counts.pending, resumed.counts.failed), (RunStatus::Completed, 0, 0));
    assert_eq!(resumed.counts.created, run.counts.created, "every contact once");
    assert_eq!(lead_rows(&store), reference, "the same leads, values, links, companies and deals");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_cancelled_pull_preview_stops_between_pages_and_records_nothing() {
    let portal = Portal::start_seeded(json!([]), 250).await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    let cancel = Cancel::default();
    let mut reported = Vec::new();
    let error = prepare_pull(&mut store, &client, &cancel, &mut |p| {
        reported.push((p.phase, p.done));
        if p.done >= 100 {
            cancel.cancel_because("cancelled in a test");
        }
    })
    .await
    .unwrap_err();
    assert_eq!(error.code(), "cancelled");
    assert!(error.to_string().contains("(cancelled in a test)"), "{error}");
    use hubsync_sync::Phase::Reading;
    assert_eq!(reported, vec![(Reading, 0), (Reading, 100)], "progress per page; no page after the cancel");
    // The portal check, properties, owners (active and deactivated), company properties,
    // pipelines, and the one list page read before the cancel, with its companies and deals.
    assert_eq!(crate::pull_companies::counted_to(&portal, "GET /crm/v3/objects/contacts").await, 1);
    assert_eq!(client.api_calls(), crate::pull_companies::counted(&portal).await);
    assert_eq!(store.newest_run_id().unwrap(), None, "no run recorded");
    assert_eq!(store.lead_count().unwrap(), 0);
}

#[tokio::test]
async fn a_live_pull_cancelled_after_its_first_chunk_resumes_to_the_same_store_as_an_uninterrupted_one() {
    let portal = Portal::start_seeded(json!([]), 2_500).await;
    let client = portal.client(fast());
    let mut whole = store_for(&portal);
    let prepared = prepare_pull(&mut whole, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let plan = prepared.plan.run_id;
    let mut applied = Vec::new();
    let mut runs = Vec::new();
    let run = run_pull(&mut whole, prepared, &Cancel::default(), &mut |p| {
        applied.push((p.phase, p.done, p.total));
        runs.push(p.run_id);
    })
    .unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.id, plan, "a plan never recorded as a preview becomes the live run itself");
    assert!(runs.iter().all(|&id| id == run.id), "every report names the live run: {runs:?}");
    let total = run.counts.created;
    use hubsync_sync::Phase::Applying;
    assert_eq!(
        applied,
        vec![(Applying, 0, total), (Applying, 1_000, total), (Applying, 2_000, total), (Applying, total, total)],
        "progress per applied chunk"
    );

    let mut store = store_for(&portal);
    let prepared = prepare_pull(&mut store, &client, &Cancel::default(), &mut quiet).await.unwrap();
    let cancel = Cancel::default();
    let cut = run_pull(&mut store, prepared, &cancel, &mut |p| {
        if p.done >= 1_000 {
            cancel.cancel();
        }
    })
    .unwrap();
    assert_eq!((cut.status, cut.stop_reason.as_deref()), (RunStatus::Interrupted, Some("cancelled")));
    assert_eq!((cut.counts.created, cut.counts.pending), (1_000, total - 1_000), "the first chunk stays applied");
    assert_eq!(store.lead_count().unwrap(), 1_000);
    assert!(cut.is_resumable());

    let resumed = hubsync_sync::resume_pull(&mut store, cut.id, &Cancel::default(), &mut quiet).unwrap();
    assert_eq!((resumed.status, resumed.counts.pending, resumed.counts.failed), (RunStatus::Completed, 0, 0));
    assert_eq!(resumed.counts.created, total, "every contact once");
    assert_eq!(lead_rows(&store), lead_rows(&whole), "the same leads, values and links");
}
