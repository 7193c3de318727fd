//! Beyond the read floor: a push after a push reads only the contacts HubSpot changed since (a
//! search on `lastmodifieddate`) and those the plan would write to, and plans exactly what a push
//! reading everything would.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use hubsync_store::{Clock, RunAction, Store};
use hubsync_sync::{Cancel, PlanItem, PushOptions, SINCE_LAST_PULL_OVERLAP, prepare_push, run_push};
use serde_json::{Value, json};

use crate::push::{Portal, company_leads, fast, quiet, store_on_clock};

/// The wall clock moved on by hand, as the sandbox's is: both move together.
#[derive(Debug, Default)]
struct MovedClock(Mutex<TimeDelta>);

impl Clock for MovedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.0.lock().unwrap()
    }
}

struct Setup {
    portal: Portal,
    store: Store,
    clock: Arc<MovedClock>,
}

impl Setup {
    /// 300 contacts, each with a lead of the same values, pushed once (every lead unchanged,
    /// linked, every contact remembered), an hour after HubSpot last changed any of them.
    async fn pushed_once() -> Setup {
        let contacts: Vec<Value> = (0..300)
            .map(|i| {
                json!({ "id": (1000 + i).to_string(), "properties": {
                    "email": format!("lead{i}@example.com"), "company": format!("Company {i}"), "lifecyclestage": "lead"
                } })
            })
            .collect();
        let portal = Portal::start(Value::Array(contacts)).await;
        let clock = Arc::new(MovedClock::default());
        let mut store = store_on_clock(&portal, clock.clone());
        store.import_leads(&company_leads(300), hubsync_store::ImportOptions::default()).unwrap();
        let mut setup = Setup { portal, store, clock };
        setup.advance(3_600).await;
        let pushed = setup.push_live().await;
        // The account's details and the properties, then a read by email per 100 leads.
        assert_eq!((pushed.counts.skip, pushed.api_calls), (300, 5), "the first push reads every lead");
        setup
    }

    async fn advance(&mut self, seconds: i64) {
        *self.clock.0.lock().unwrap() += TimeDelta::seconds(seconds);
        self.portal.control(reqwest::Method::POST, "/clock", json!({ "advanceSeconds": seconds })).await;
    }

    async fn set_company(&self, contact: &str, company: &str) {
        let path = format!("/crm/v3/objects/contacts/{contact}");
        self.portal.call(reqwest::Method::PATCH, &path, Some(json!({ "properties": { "company": company } }))).await;
    }

    /// Another app sets the company of the first `count` contacts to "Foreign i", then search
    /// shows it.
    async fn another_app_changes(&mut self, count: usize) {
        for i in 0..count {
            self.set_company(&(1000 + i).to_string(), &format!("Foreign {i}")).await;
        }
        self.advance(60).await;
    }

    async fn push_live(&mut self) -> hubsync_store::Run {
        let client = self.portal.client(fast());
        let options = PushOptions::default();
        let prepared = prepare_push(&mut self.store, &client, &options, &Cancel::default(), &mut quiet).await.unwrap();
        run_push(&mut self.store, &client, prepared, &options, &Cancel::default(), &mut quiet).await.unwrap()
    }

    /// A preview's plan and the calls it made, by route.
    async fn preview(&mut self) -> (Vec<PlanItem>, u64, Value) {
        self.portal.control(reqwest::Method::DELETE, "/counters", Value::Null).await;
        let client = self.portal.client(fast());
        let prepared = prepare_push(&mut self.store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet)
            .await
            .unwrap();
        let items = crate::support::planned(&self.store, &prepared);
        let counters = self.portal.control(reqwest::Method::GET, "/counters", Value::Null).await;
        (items, client.api_calls(), counters["requests"].clone())
    }

    fn lead_id(&self, email: &str) -> i64 {
        self.store.lead_by_email(email).unwrap().unwrap().id
    }
}

/// A planned change: property, before, after.
type Change = (String, Option<String>, Option<String>);

/// What the plan does for `email`, with its changes.
fn row(items: &[PlanItem], email: &str) -> (RunAction, Vec<Change>) {
    let item = items.iter().find(|i| i.email == email).unwrap_or_else(|| panic!("{email} is planned"));
    let action = match item.action {
        hubsync_sync::plan::Action::Update { .. } => RunAction::Update,
        hubsync_sync::plan::Action::Create => RunAction::Create,
        hubsync_sync::plan::Action::Skip { .. } => RunAction::Skip,
        hubsync_sync::plan::Action::Invalid { .. } => RunAction::Invalid,
    };
    let changes = item.changes.iter().map(|c| (c.property.clone(), c.before.clone(), c.after.clone())).collect();
    (action, changes)
}

fn change(property: &str, before: &str, after: &str) -> Change {
    (property.into(), Some(before.into()), Some(after.into()))
}

#[tokio::test]
async fn a_push_after_a_push_reads_what_hubspot_changed_and_what_it_writes_to_and_plans_exactly() {
    let mut setup = Setup::pushed_once().await;
    setup.advance(3_600).await;
    // HubSpot changes one contact; the admin changes another lead.
    setup.set_company("1005", "Changed in HubSpot").await;
    let lead = setup.lead_id("lead7@example.com");
    setup.store.update_lead(lead, &[("company", "Changed here")]).unwrap();
    setup.advance(60).await;

    let (items, calls, requests) = setup.preview().await;
    assert_eq!(items.len(), 300);
    // The contact HubSpot changed: its change read by the search, the lead's value written back.
    assert_eq!(
        row(&items, "lead5@example.com"),
        (RunAction::Update, vec![change("company", "Changed in HubSpot", "Company 5")])
    );
    // The lead changed here: its contact read again by id before a write is planned on it.
    assert_eq!(
        row(&items, "lead7@example.com"),
        (RunAction::Update, vec![change("company", "Company 7", "Changed here")])
    );
    assert_eq!(items.iter().filter(|i| matches!(i.action, hubsync_sync::plan::Action::Skip { .. })).count(), 298);
    // The account's details, the properties, one search page and one read by id (of the one
    // contact to write to): the 298 unchanged contacts are not read.
    assert_eq!(calls, 4, "{requests}");
    assert_eq!(requests["POST /crm/v3/objects/contacts/search"], 1, "{requests}");
    assert_eq!(requests["POST /crm/v3/objects/contacts/batch/read"], 1, "{requests}");
}

#[tokio::test]
async fn a_change_search_had_not_seen_yet_is_found_by_the_next_push_through_the_overlap() {
    let mut setup = Setup::pushed_once().await;
    setup.advance(3_600).await;
    setup.portal.control(reqwest::Method::PUT, "/settings", json!({ "searchVisibilityDelayMs": 120_000 })).await;
    setup.set_company("1009", "Changed in HubSpot").await;
    let changed_at = setup.clock.now();
    setup.advance(1).await;

    // Search does not show the change yet: this push can't see it (nor can a search-based pull).
    let reading_from = setup.clock.now();
    let pushed = setup.push_live().await;
    assert_eq!((pushed.counts.skip, pushed.counts.updated), (300, 0));
    assert!(changed_at < reading_from, "the change is older than the moment the snapshots are current from");

    // Search shows it now. The next push searches from that moment less the overlap, so it finds
    // the change and writes the lead's value back.
    setup.advance(300).await;
    assert!(reading_from - SINCE_LAST_PULL_OVERLAP < changed_at, "within the overlap");
    let (items, _, requests) = setup.preview().await;
    assert_eq!(
        row(&items, "lead9@example.com"),
        (RunAction::Update, vec![change("company", "Changed in HubSpot", "Company 9")]),
        "{requests}"
    );
    assert_eq!(requests["POST /crm/v3/objects/contacts/batch/read"], Value::Null, "nothing else read: {requests}");
}

#[tokio::test]
async fn a_push_right_after_its_own_writes_never_plans_from_what_search_shows_of_before_them() {
    let mut setup = Setup::pushed_once().await;
    setup.advance(3_600).await;
    // Another app changes 150 contacts; search shows it; the next push writes the leads' values back.
    setup.another_app_changes(150).await;
    setup.portal.control(reqwest::Method::PUT, "/settings", json!({ "searchVisibilityDelayMs": 120_000 })).await;
    let pushed = setup.push_live().await;
    assert_eq!(pushed.counts.updated, 150);

    // Search still shows the 150 as the other app left them, changed since the last reads: a
    // plan from that would write them all again.
    let (items, _, requests) = setup.preview().await;
    let skipped = items.iter().filter(|i| matches!(i.action, hubsync_sync::plan::Action::Skip { .. })).count();
    assert_eq!(skipped, 300, "every lead is as HubSpot holds it: {requests}");
}

#[tokio::test]
async fn a_search_whose_matches_fill_its_pages_exactly_reads_no_empty_page_after_them() {
    let mut setup = Setup::pushed_once().await;
    setup.advance(3_600).await;
    setup.another_app_changes(200).await;
    let (items, _, requests) = setup.preview().await;
    let updates = items.iter().filter(|i| matches!(i.action, hubsync_sync::plan::Action::Update { .. })).count();
    assert_eq!(updates, 200);
    // One page of 200, whose total says it holds them all.
    assert_eq!(requests["POST /crm/v3/objects/contacts/search"], 1, "{requests}");
}
