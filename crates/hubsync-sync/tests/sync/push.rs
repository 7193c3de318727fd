//! The push against the sandbox portal over real HTTP: preview, live run, splitting, 207s,
//! a 429 storm, the daily limit and resume.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret};
use hubsync_sandbox::{CONTROL_SECRET_HEADER, ControlSecret, Fixture, PrivateToken, Sandbox, SandboxConfig};
use hubsync_store::{
    ItemOutcome, PortalConnection, RowFailure, RunAction, RunMode, RunStatus, SecretStoreKind, Store, SystemClock,
    TokenKind, WriteRule,
};
use hubsync_sync::{Cancel, PushOptions, prepare_push, record_preview, resume_push, run_push};
use serde_json::{Value, json};

pub const TOKEN: &str = "pat-na1-push-tests";

pub struct Portal {
    pub sandbox: Sandbox,
    http: reqwest::Client,
}

impl Portal {
    pub async fn start(contacts: Value) -> Portal {
        Portal::start_seeded(contacts, 0).await
    }

    /// With `seed` generated contacts besides the fixture's (the sandbox's demo data: some
    /// without email, mixed-case emails, owners).
    pub async fn start_seeded(contacts: Value, seed: usize) -> Portal {
        Portal::start_with_fixture(json!({ "contacts": contacts }), seed).await
    }

    /// With a whole fixture (companies, deals, associations, pipelines, tokens), and `seed`
    /// generated contacts besides.
    pub async fn start_with_fixture(fixture: Value, seed: usize) -> Portal {
        let fixture = Fixture::from_json(&fixture.to_string()).unwrap();
        Portal::start_with(SandboxConfig { seed_contacts: seed, fixture: Some(fixture), ..SandboxConfig::default() })
            .await
    }

    /// With `config`, its rate limits off, `TOKEN` accepted (with every scope, unless `config`
    /// names it with chosen ones) and a control API.
    pub async fn start_with(mut config: SandboxConfig) -> Portal {
        if !config.private_tokens.iter().any(|t| t.token == TOKEN) {
            config.private_tokens.push(PrivateToken::new(TOKEN));
        }
        let sandbox = Sandbox::start(SandboxConfig {
            rate_limits: false,
            control_secret: Some(ControlSecret::generate()),
            ..config
        })
        .await
        .expect("sandbox starts");
        Portal { sandbox, http: reqwest::Client::new() }
    }

    pub fn client(&self, limits: RateLimitSettings) -> HubSpotClient {
        self.client_trying(limits, ClientConfig::new(self.sandbox.base_url(), limits).max_attempts)
    }

    /// A client that gives each request at most `attempts` tries.
    pub fn client_trying(&self, limits: RateLimitSettings, attempts: u32) -> HubSpotClient {
        let config = ClientConfig {
            timeout: Duration::from_secs(10),
            max_attempts: attempts,
            ..ClientConfig::new(self.sandbox.base_url(), limits)
        };
        HubSpotClient::new(config, Secret::new(TOKEN), Arc::new(PortalLimiter::new(limits))).unwrap()
    }

    /// A client with another of the portal's tokens (one a fixture gave chosen scopes).
    pub fn client_with_token(&self, token: &str) -> HubSpotClient {
        let limits = fast();
        let config =
            ClientConfig { timeout: Duration::from_secs(10), ..ClientConfig::new(self.sandbox.base_url(), limits) };
        HubSpotClient::new(config, Secret::new(token), Arc::new(PortalLimiter::new(limits))).unwrap()
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.sandbox.base_url())).bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        let status = reply.status();
        let body = reply.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        control(&self.sandbox, method, path, body).await
    }

    /// Live contacts by lowercased primary email.
    pub async fn contacts(&self) -> HashMap<String, Value> {
        let all = self.control(reqwest::Method::GET, "/contacts", Value::Null).await;
        all["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["archived"] != json!(true))
            .filter_map(|c| Some((c["properties"]["email"].as_str()?.to_lowercase(), c.clone())))
            .collect()
    }

    pub async fn live_count(&self) -> usize {
        self.sandbox.contact_count()
    }

    /// Requests other than reads since `seq`: what a preview must never send.
    pub async fn writes_since(&self, seq: u64) -> Vec<String> {
        let log = self.control(reqwest::Method::GET, &format!("/requests?since={seq}"), Value::Null).await;
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", e["method"].as_str().unwrap(), e["path"].as_str().unwrap()))
            .filter(|r| !r.starts_with("GET ") && !r.ends_with("/batch/read") && !r.ends_with("/search"))
            .collect()
    }

    pub async fn last_seq(&self) -> u64 {
        self.control(reqwest::Method::GET, "/requests?since=999999999", Value::Null).await["lastSeq"].as_u64().unwrap()
    }
}

/// A control-API call (`/__sandbox/…`, the sandbox started with a control secret) that must
/// succeed; its reply's JSON (null when empty).
pub async fn control(sandbox: &Sandbox, method: reqwest::Method, path: &str, body: Value) -> Value {
    let secret = sandbox.control_secret().expect("the sandbox has a control API");
    let url = format!("{}/__sandbox{path}", sandbox.base_url());
    let reply = reqwest::Client::new().request(method, url).header(CONTROL_SECRET_HEADER, secret).json(&body);
    let reply = reply.send().await.unwrap();
    assert!(reply.status().is_success(), "control call {path}: {}", reply.status());
    reply.json().await.unwrap_or(Value::Null)
}

pub fn prop<'a>(contact: &'a Value, name: &str) -> Option<&'a str> {
    contact["properties"][name].as_str()
}

/// What connecting the store to this sandbox portal with a private-app token saves.
pub fn connection_to(portal: &Portal) -> PortalConnection {
    PortalConnection {
        portal_id: portal.sandbox.portal_id(),
        name: "sandbox".into(),
        hub_domain: "sandbox".into(),
        user_email: String::new(),
        scopes: vec![],
        token_kind: TokenKind::PrivateApp,
        base_url: portal.sandbox.base_url(),
        client_id: None,
        secret_store: SecretStoreKind::Keychain,
        connected_at: chrono::Utc::now(),
        account_type: None,
        writable_properties: None,
    }
}

pub fn store_for(portal: &Portal) -> Store {
    store_on_clock(portal, Arc::new(SystemClock))
}

/// `store_for` with the store's time from `clock`.
pub fn store_on_clock(portal: &Portal, clock: Arc<dyn hubsync_store::Clock>) -> Store {
    configured(Store::open_in_memory(clock).unwrap(), portal)
}

/// `store` connected to `portal`, with the mapping the push tests use.
pub fn configured(mut store: Store, portal: &Portal) -> Store {
    store.connect_portal(&connection_to(portal)).unwrap();
    for (field, property) in [
        ("first_name", "firstname"),
        ("company", "company"),
        ("lifecycle_stage", "lifecyclestage"),
        ("company_size", "numemployees"),
    ] {
        store.set_mapping(field, property, None).unwrap();
    }
    store.set_mapping("city", "city", Some(WriteRule::IfEmpty)).unwrap();
    store
}

pub fn fast() -> RateLimitSettings {
    RateLimitSettings::private_app(100)
}

pub fn quiet(_: hubsync_sync::Progress) {}

#[tokio::test]
async fn a_preview_writes_nothing_and_the_live_run_does_exactly_what_it_showed() {
    let portal = Portal::start(json!([
        { "id": "501", "properties": { "email": "Ada@Example.com", "firstname": "Ada", "city": "Paris", "company": "Old Co" } },
        { "id": "502", "properties": { "email": "main@example.com", "hs_additional_emails": "alias@example.com", "city": "Rome" } },
        { "id": "503", "properties": { "email": "same@example.com", "firstname": "Sam" } },
        { "id": "504", "properties": { "email": "former@example.com", "lifecyclestage": "customer" } },
        { "id": "505", "properties": { "email": "linked-target@example.com" } }
    ]))
    .await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    // Mixed case on both sides; the if-empty city keeps Paris.
    store.add_lead("ADA@example.com", &[("first_name", "Ada"), ("city", "Lyon"), ("company", "New Co")]).unwrap();
    store.add_lead("alias@example.com", &[("company", "Alias Co")]).unwrap();
    store.add_lead("main@example.com", &[("company", "Main Co")]).unwrap();
    store.add_lead("same@example.com", &[("first_name", "Sam")]).unwrap();
    store.add_lead("former@example.com", &[("lifecycle_stage", "lead")]).unwrap();
    store.add_lead("new@example.com", &[("first_name", "Nia"), ("company_size", "25-50")]).unwrap();
    let moved = store.add_lead("moved@example.com", &[("company", "Moved Co")]).unwrap();
    store.link_contact(moved.id, Some("505")).unwrap();

    let before = portal.contacts().await;
    let seq = portal.last_seq().await;
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let preview = record_preview(&mut store, &prepared).unwrap();
    assert_eq!(portal.writes_since(seq).await, Vec::<String>::new(), "a preview sends no write");
    assert_eq!(portal.contacts().await, before);
    assert!(store.leads().unwrap().iter().all(|l| l.hubspot_id.is_none() || l.email == "moved@example.com"));

    let counts = &prepared.counts;
    assert_eq!((counts.update, counts.create, counts.skip, counts.invalid), (3, 1, 1, 2), "{prepared:#?}");
    // Two email reads would be one batch; the moved lead's email finds nothing, so one read by id.
    assert_eq!(prepared.plan.estimate.read_calls, 2);
    assert_eq!(prepared.plan.estimate.write_calls, 2);
    assert_eq!(prepared.plan.estimate.api_calls, prepared.plan.estimate.setup_calls + 4);
    let plan = crate::support::planned(&store, &prepared);
    let by_email: HashMap<&str, &hubsync_sync::PlanItem> = plan.iter().map(|i| (i.email.as_str(), i)).collect();
    let ada = by_email["ADA@example.com"];
    let fields: Vec<(&str, Option<&str>, Option<&str>, bool)> =
        ada.changes.iter().map(|c| (c.property.as_str(), c.before.as_deref(), c.after.as_deref(), c.kept)).collect();
    assert_eq!(fields, [("company", Some("Old Co"), Some("New Co"), false), ("city", Some("Paris"), None, true)]);
    let alias = by_email["alias@example.com"];
    let Some(reason) = alias.notes.first().map(ToString::to_string).or(match &alias.action {
        hubsync_sync::Action::Invalid { reasons } => reasons.first().map(ToString::to_string),
        _ => None,
    }) else {
        panic!()
    };
    assert!(reason.contains("main@example.com"), "{reason}");
    let hubsync_sync::Action::Invalid { reasons } = &by_email["former@example.com"].action else { panic!() };
    assert!(reasons[0].to_string().contains("only moves the stage forward"), "{reasons:?}");
    let moved_note = by_email["moved@example.com"].notes[0].to_string();
    assert!(moved_note.contains("matched by HubSpot id 505") && moved_note.contains("linked-target"), "{moved_note}");

    let live =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(live.status, RunStatus::Completed);
    assert_eq!((live.counts.updated, live.counts.created, live.counts.failed, live.counts.pending), (3, 1, 0, 0));
    let after = portal.contacts().await;
    assert_eq!(prop(&after["ada@example.com"], "company"), Some("New Co"));
    assert_eq!(prop(&after["ada@example.com"], "city"), Some("Paris"), "if-empty kept it");
    assert_eq!(prop(&after["main@example.com"], "company"), Some("Main Co"));
    assert_eq!(prop(&after["linked-target@example.com"], "company"), Some("Moved Co"));
    assert_eq!(prop(&after["former@example.com"], "lifecyclestage"), Some("customer"));
    let created = &after["new@example.com"];
    assert_eq!((prop(created, "firstname"), prop(created, "numemployees")), (Some("Nia"), Some("25-50")));
    assert_eq!(portal.live_count().await, 6);
    let lead = store.lead_by_email("new@example.com").unwrap().unwrap();
    assert_eq!(lead.hubspot_id.as_deref(), created["id"].as_str(), "the new id is written back");
    assert_eq!(store.lead_by_email("ada@example.com").unwrap().unwrap().hubspot_id.as_deref(), Some("501"));

    // The history: both runs, and the live one's rows with their before-values.
    let runs = store.runs().unwrap();
    assert_eq!(
        runs.iter().map(|r| (r.id, r.mode)).collect::<Vec<_>>(),
        [(live.id, RunMode::Live), (preview, RunMode::Preview)]
    );
    let rows = store.run_items(live.id).unwrap();
    let ada_row = rows.iter().find(|r| r.email == "ADA@example.com").unwrap();
    assert_eq!((ada_row.action, ada_row.outcome), (RunAction::Update, Some(ItemOutcome::Updated)));
    assert_eq!(ada_row.changes[0].before.as_deref(), Some("Old Co"));

    // Pushing again finds nothing to do.
    let again =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((again.counts.update, again.counts.create), (0, 0), "{again:#?}");
    assert_eq!(again.plan.estimate.write_calls, 0);
}

#[tokio::test]
async fn selected_leads_only_and_unknown_ones_named() {
    let portal = Portal::start(json!([])).await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    store.add_lead("one@example.com", &[]).unwrap();
    store.add_lead("two@example.com", &[]).unwrap();
    let options = PushOptions { emails: vec!["ONE@example.com".into()], ..PushOptions::default() };
    let prepared = prepare_push(&mut store, &client, &options, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(crate::support::planned(&store, &prepared).len(), 1);
    let options = PushOptions { emails: vec!["one@example.com".into(), "nobody@example.com".into()], ..options };
    let error = prepare_push(&mut store, &client, &options, &Cancel::default(), &mut quiet).await.unwrap_err();
    assert_eq!(error.code(), "unknown_leads");
    assert!(error.to_string().contains("nobody@example.com"), "{error}");
}

/// Twice `portal_contacts` leads: half match contacts (subscribers, whom the push makes leads),
/// half are new.
async fn half_known(portal_contacts: usize) -> (Portal, Store) {
    let contacts: Vec<Value> = (0..portal_contacts)
        .map(|i| json!({ "id": (1000 + i).to_string(), "properties": { "email": format!("lead{i}@example.com"), "lifecyclestage": "subscriber" } }))
        .collect();
    let portal = Portal::start(Value::Array(contacts)).await;
    let mut store = store_for(&portal);
    store.set_push_rules(Some(true), Some(true)).unwrap();
    store.import_leads(&company_leads(portal_contacts * 2), hubsync_store::ImportOptions::default()).unwrap();
    (portal, store)
}

/// `count` leads `lead{i}@example.com`, each with company "Company {i}" and lifecycle stage "lead".
pub fn company_leads(count: usize) -> Vec<hubsync_store::LeadRow> {
    (0..count)
        .map(|i| hubsync_store::LeadRow {
            row: i + 1,
            email: format!("lead{i}@example.com"),
            values: vec![("company".into(), format!("Company {i}")), ("lifecycle_stage".into(), "lead".into())],
        })
        .collect()
}

#[tokio::test]
async fn a_rejected_batch_is_split_and_every_good_row_lands() {
    let (portal, mut store) = half_known(125).await;
    let client = portal.client(fast());
    portal.control(reqwest::Method::PUT, "/settings", json!({ "lifecycleBackward": "reject" })).await;
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((prepared.counts.update, prepared.counts.create), (125, 125));

    // Between the preview and the run, someone moves two contacts to customer and creates one
    // of the new ones as a customer: HubSpot now refuses those rows' stage, and their batches.
    for id in ["1003", "1100"] {
        let body = json!({ "properties": { "lifecyclestage": "customer" } });
        portal.call(reqwest::Method::PATCH, &format!("/crm/v3/objects/contacts/{id}"), Some(body)).await;
    }
    let body = json!({ "properties": { "email": "lead200@example.com", "lifecyclestage": "customer" } });
    portal.call(reqwest::Method::POST, "/crm/v3/objects/contacts", Some(body)).await;

    let read_calls = prepared.plan.api_calls;
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!((run.counts.updated + run.counts.created, run.counts.failed), (247, 3));
    let failed: Vec<_> =
        store.run_items(run.id).unwrap().into_iter().filter(|i| i.outcome == Some(ItemOutcome::Failed)).collect();
    let emails: Vec<&str> = failed.iter().map(|f| f.email.as_str()).collect();
    assert_eq!(emails, ["lead3@example.com", "lead100@example.com", "lead200@example.com"]);
    // HubSpot's JSON-in-a-string message reads as the property and its problem.
    assert!(
        failed.iter().all(|f| f.error.as_ref().map(ToString::to_string).is_some_and(|e| {
            e.starts_with("HubSpot refused it (400 VALIDATION_ERROR): lifecyclestage: ") && !e.contains("[{")
        })),
        "{failed:#?}"
    );
    let contacts = portal.contacts().await;
    assert_eq!(contacts.len(), 250, "no duplicate from the upsert of the contact created meanwhile");
    assert_eq!(prop(&contacts["lead4@example.com"], "company"), Some("Company 4"));
    assert_eq!(prop(&contacts["lead249@example.com"], "company"), Some("Company 249"));
    // The floor is 3 batches of updates and 3 of upserts; each bad row costs a few halvings.
    let writes = run.api_calls - read_calls;
    assert!(writes > 6 && writes <= 6 + 3 * 2 * 7, "{writes} write calls");
}

#[tokio::test]
async fn a_contact_deleted_since_the_plan_fails_its_row_alone_in_a_207() {
    let (portal, mut store) = half_known(10).await;
    let client = portal.client(fast());
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    portal.call(reqwest::Method::DELETE, "/crm/v3/objects/contacts/1004", None).await;
    let read_calls = prepared.plan.api_calls;
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.counts.updated, run.counts.created, run.counts.failed), (9, 10, 1));
    let row = store.run_items(run.id).unwrap().into_iter().find(|i| i.email == "lead4@example.com").unwrap();
    assert_eq!(row.error, Some(RowFailure::ContactGone { contact_id: "1004".into() }));
    assert!(row.error.as_ref().unwrap().to_string().contains("no longer exists"), "{row:?}");
    assert_eq!(run.api_calls - read_calls, 2, "one update and one upsert: the 207 needed no split");
}

#[tokio::test]
async fn a_429_storm_still_lands_every_row_once() {
    let (portal, mut store) = half_known(150).await;
    // The storm's 429s wait out the client's window: one second here, so the test stays short.
    let limits = RateLimitSettings { window: Duration::from_secs(1), ..RateLimitSettings::private_app(100) };
    let client = portal.client(limits);
    let faults = json!({ "rateLimited": 0.3, "paths": ["/crm/v3/objects/contacts/batch"] });
    portal.control(reqwest::Method::PUT, "/faults", faults).await;
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.stop_reason);
    assert_eq!((run.counts.updated, run.counts.created, run.counts.failed), (150, 150, 0));
    let counters = portal.control(reqwest::Method::GET, "/counters", Value::Null).await;
    assert!(counters["rateLimited"].as_u64().unwrap() > 0, "the storm happened: {counters}");
    let contacts = portal.contacts().await;
    assert_eq!(contacts.len(), 300);
    assert!(contacts.values().all(|c| prop(c, "company").is_some()));
}

#[tokio::test]
async fn the_daily_limit_stops_the_run_cleanly_and_resume_finishes_it() {
    let (portal, mut store) = half_known(150).await;
    let client = portal.client(fast());
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    // Two calls left today: two write batches land, then the cap.
    portal.control(reqwest::Method::PUT, "/rate-limits", json!({ "enabled": true })).await;
    let limits = portal.control(reqwest::Method::GET, "/rate-limits", Value::Null).await;
    let cap = limits["dailyLimit"].as_u64().unwrap();
    portal.control(reqwest::Method::PUT, "/rate-limits", json!({ "dailyUsed": cap - 2 })).await;
    let one_at_a_time = PushOptions { concurrency: 1, ..PushOptions::default() };
    let run = run_push(&mut store, &client, prepared, &one_at_a_time, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(run.status, RunStatus::Interrupted);
    assert!(run.stop_reason.as_deref().unwrap().contains("daily"), "{:?}", run.stop_reason);
    assert_eq!((run.counts.updated, run.counts.pending), (150, 150), "{:?}", run.counts);
    assert!(run.is_resumable());

    // After the portal's midnight (here: the counter reset), resume finishes the rest.
    portal.control(reqwest::Method::PUT, "/rate-limits", json!({ "dailyUsed": 0 })).await;
    let connected = Some(portal.sandbox.portal_id());
    let run = resume_push(&mut store, &client, run.id, connected, &one_at_a_time, &Cancel::default(), &mut quiet)
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!((run.counts.updated, run.counts.created, run.counts.pending), (150, 150, 0));
    assert_eq!(portal.contacts().await.len(), 300);
    let error = resume_push(&mut store, &client, run.id, connected, &one_at_a_time, &Cancel::default(), &mut quiet)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "run_not_resumable");
    let error = resume_push(&mut store, &client, run.id, Some(1), &one_at_a_time, &Cancel::default(), &mut quiet)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "other_portal");
}

#[tokio::test]
async fn a_cancelled_run_leaves_the_rest_pending_and_resumes_without_duplicates() {
    let (portal, mut store) = half_known(150).await;
    let client = portal.client(fast());
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let cancel = Cancel::default();
    let one_at_a_time = PushOptions { concurrency: 1, ..PushOptions::default() };
    let mut cancel_after_first = |p: hubsync_sync::Progress| {
        if p.done >= 100 {
            cancel.cancel();
        }
    };
    let run = run_push(&mut store, &client, prepared, &one_at_a_time, &cancel, &mut cancel_after_first).await.unwrap();
    assert_eq!((run.status, run.stop_reason.as_deref()), (RunStatus::Interrupted, Some("cancelled")));
    assert_eq!(run.counts.pending, 200);
    let run =
        resume_push(&mut store, &client, run.id, None, &one_at_a_time, &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(
        (run.status, run.counts.pending, run.counts.updated + run.counts.created),
        (RunStatus::Completed, 0, 300)
    );
    assert_eq!(portal.contacts().await.len(), 300);
}

/// Every progress report names its run: the plan's while preparing, the live run's while
/// writing (a recorded preview runs as a run of its own), the resumed run's on a resume.
#[tokio::test]
async fn each_progress_report_names_the_run_it_belongs_to() {
    let (portal, mut store) = half_known(150).await;
    let client = portal.client(fast());
    let mut planned = Vec::new();
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut |p| planned.push(p.run_id))
            .await
            .unwrap();
    let preview = record_preview(&mut store, &prepared).unwrap();
    assert!(!planned.is_empty() && planned.iter().all(|&id| id == preview), "{planned:?} of preview {preview}");

    let cancel = Cancel::default();
    let one_at_a_time = PushOptions { concurrency: 1, ..PushOptions::default() };
    let mut written = Vec::new();
    let run = run_push(&mut store, &client, prepared, &one_at_a_time, &cancel, &mut |p| {
        written.push(p.run_id);
        if p.done >= 100 {
            cancel.cancel();
        }
    })
    .await
    .unwrap();
    assert_ne!(run.id, preview, "the preview stays in the history; the live run is another run");
    assert!(!written.is_empty() && written.iter().all(|&id| id == run.id), "{written:?} of run {}", run.id);

    let mut resumed = Vec::new();
    let run = resume_push(&mut store, &client, run.id, None, &one_at_a_time, &Cancel::default(), &mut |p| {
        resumed.push(p.run_id)
    })
    .await
    .unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert!(!resumed.is_empty() && resumed.iter().all(|&id| id == run.id), "{resumed:?} of run {}", run.id);
}

#[tokio::test]
async fn creates_whose_replies_were_lost_are_recorded_as_created_when_the_run_resumes() {
    let (portal, mut store) = half_known(50).await;
    let client = portal.client(fast());
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((prepared.counts.update, prepared.counts.create), (50, 50));
    // The creates land in HubSpot and the reply is lost, as when a crash or a dropped
    // connection cuts it off: the run stops with those rows pending. (One try: the client's
    // own retries are another matter.)
    let lost_replies = json!({ "dropAfter": 1.0, "paths": ["/batch/upsert"] });
    portal.control(reqwest::Method::PUT, "/faults", lost_replies).await;
    let once = portal.client_trying(fast(), 1);
    let run =
        run_push(&mut store, &once, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.status, run.counts.pending, run.counts.updated), (RunStatus::Interrupted, 50, 50));
    assert_eq!(portal.contacts().await.len(), 100, "the creates landed all the same");

    portal.control(reqwest::Method::PUT, "/faults", json!({})).await;
    let run = resume_push(&mut store, &client, run.id, None, &PushOptions::default(), &Cancel::default(), &mut quiet)
        .await
        .unwrap();
    // HubSpot calls the resent creates "not new"; they are still the contacts this run made
    // (which is what an undo archives, and never "restores" to empty).
    assert_eq!((run.status, run.counts.created, run.counts.updated), (RunStatus::Completed, 50, 50));
    assert_eq!(portal.contacts().await.len(), 100, "no contact twice");
}

#[tokio::test]
async fn an_owner_email_becomes_the_active_owners_id_and_a_deactivated_one_is_refused() {
    let portal = Portal::start(json!([{ "id": "700", "properties": { "email": "owned@example.com" } }])).await;
    let owners = json!({ "owners": [
        { "id": "201", "email": "Rita.Ruiz@acme.test", "firstName": "Rita", "lastName": "Ruiz", "userId": 9001, "userIdIncludingInactive": 9001 },
        { "id": "202", "email": "left@acme.test", "firstName": "Lee", "lastName": "Left", "userId": null, "userIdIncludingInactive": 9002, "archived": true }
    ] });
    portal.control(reqwest::Method::POST, "/fixture", owners).await;
    let client = portal.client(fast());
    let active = client.owners(false).await.unwrap().into_iter().next().unwrap();
    let gone = client.owners(true).await.unwrap().into_iter().next().unwrap();
    let mut store = store_for(&portal);
    store.set_mapping("owner_email", "hubspot_owner_id", None).unwrap();
    store.set_push_rules(Some(true), Some(true)).unwrap();
    let upper = active.email.clone().unwrap().to_uppercase();
    store.add_lead("owned@example.com", &[("owner_email", upper.as_str())]).unwrap();
    store.add_lead("gone@example.com", &[("owner_email", gone.email.as_deref().unwrap())]).unwrap();
    store.add_lead("nobody@example.com", &[("owner_email", "nobody@elsewhere.test")]).unwrap();
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let plan = crate::support::planned(&store, &prepared);
    let reasons = |i: usize| match &plan[i].action {
        hubsync_sync::Action::Invalid { reasons } => {
            reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        }
        other => panic!("{other:?}"),
    };
    assert!(reasons(1).contains("deactivated"), "{}", reasons(1));
    assert!(reasons(2).contains("no HubSpot owner"), "{}", reasons(2));
    let run =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((run.counts.updated, run.counts.invalid), (1, 2));
    assert_eq!(prop(&portal.contacts().await["owned@example.com"], "hubspot_owner_id"), Some(active.id.as_str()));
}

#[tokio::test]
async fn a_push_bigger_than_a_page_reads_at_the_floor_and_plans_every_lead_once() {
    // 150 contacts whose emails changed in HubSpot: their leads find them by linked id.
    let contacts: Vec<Value> = (0..150)
        .map(|j| json!({ "id": (5000 + j).to_string(), "properties": { "email": format!("renamed{j}@example.com") } }))
        .collect();
    let portal = Portal::start(Value::Array(contacts)).await;
    let client = portal.client(fast());
    let mut store = store_for(&portal);
    let rows: Vec<hubsync_store::LeadRow> = (0..2150)
        .map(|i| hubsync_store::LeadRow {
            row: i + 1,
            email: format!("p{i}@example.com"),
            values: vec![("company".into(), format!("Co {i}"))],
        })
        .collect();
    store.import_leads(&rows, hubsync_store::ImportOptions::default()).unwrap();
    let leads = store.leads().unwrap();
    // Spread over both pages of leads.
    for j in 0..150 {
        store.link_contact(leads[j * 14].id, Some(&(5000 + j).to_string())).unwrap();
    }
    let mut reported = Vec::new();
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut |p| reported.push(p.done))
            .await
            .unwrap();
    assert_eq!(prepared.plan.estimate.read_calls, 22 + 2, "22 by email, then 150 by id in two batches");
    let plan = crate::support::planned(&store, &prepared);
    assert_eq!(plan.len(), 2150);
    assert!(plan.windows(2).all(|w| w[0].lead_id < w[1].lead_id), "in the store's order");
    assert_eq!((prepared.counts.update, prepared.counts.skip), (150, 2000), "create is off");
    assert_eq!(reported.last(), Some(&2150));
    assert!(reported.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn compiled_pull_rules_are_searches_hubspot_accepts() {
    use hubsync_sync::pull_rules::{Condition, PullRules, compile, parse_instant};
    let portal = Portal::start(json!([
        { "id": "1", "properties": { "email": "a@example.com", "lifecyclestage": "lead", "city": "Oslo", "annualrevenue": "50" } },
        { "id": "2", "properties": { "email": "b@example.com", "lifecyclestage": "customer", "city": "Bergen" } }
    ]))
    .await;
    let client = portal.client(fast());
    let properties = client.properties().await.unwrap();
    let owners = hubsync_sync::OwnerDirectory::default();
    let search = |conditions: &[&str]| {
        let rules = PullRules {
            conditions: conditions.iter().map(|c| Condition::parse(c).unwrap()).collect(),
            modified_since: Some(parse_instant("2020-01-01").unwrap()),
            ..PullRules::default()
        };
        let filters = compile(&rules, &properties, &[], &owners).unwrap().filters;
        json!({ "filterGroups": [{ "filters": filters }], "properties": ["email"], "limit": 100 })
    };
    let emails = |page: hubsync_hubspot::Page<hubsync_hubspot::Record>| {
        let mut e: Vec<String> = page.results.iter().filter_map(|r| r.get("email").map(String::from)).collect();
        e.sort();
        e
    };
    assert_eq!(emails(client.search(search(&["lifecyclestage = Lead"])).await.unwrap()), ["a@example.com"]);
    assert_eq!(
        emails(client.search(search(&["city in (oslo, BERGEN)"])).await.unwrap()),
        ["a@example.com", "b@example.com"]
    );
    assert_eq!(
        emails(client.search(search(&["annualrevenue between 10,100", "city known"])).await.unwrap()),
        ["a@example.com"]
    );
    assert_eq!(emails(client.search(search(&["annualrevenue unknown"])).await.unwrap()), ["b@example.com"]);
}

#[tokio::test]
async fn a_cancelled_push_preview_reads_no_further_and_records_nothing() {
    let (portal, mut store) = half_known(150).await;
    let client = portal.client(fast());
    let cancel = Cancel::default();
    let error = prepare_push(&mut store, &client, &PushOptions::default(), &cancel, &mut |_| cancel.cancel())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "cancelled");
    // The portal check and properties only: the cancel came with the first progress, before
    // any batch read.
    assert_eq!(client.api_calls(), 2);
    assert_eq!(store.newest_run_id().unwrap(), None, "no preview recorded");
    assert!(portal.writes_since(0).await.is_empty(), "nothing written");
}

/// The plan is journaled page by page as it is made: a preview stopped after a page, or a push
/// not confirmed, leaves no row behind, and a plan a crash left unfinished is thrown away by the
/// next preview.
#[tokio::test]
async fn a_plan_neither_recorded_nor_run_leaves_nothing_in_the_history() {
    let (portal, mut store) = half_known(1_500).await;
    let client = portal.client(fast());
    let cancel = Cancel::default();
    let mut pages = 0;
    let error = prepare_push(&mut store, &client, &PushOptions::default(), &cancel, &mut |p| {
        if p.done > 0 {
            pages += 1;
            cancel.cancel();
        }
    })
    .await
    .unwrap_err();
    assert_eq!((error.code(), pages), ("cancelled", 1), "stopped after its first page of 2,000 rows");
    assert_eq!(store.newest_run_id().unwrap(), None, "its rows are gone with it");

    // Prepared, then not confirmed.
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(store.run_items(prepared.plan.run_id).unwrap().len(), 3_000);
    hubsync_sync::discard_push(&mut store, prepared).unwrap();
    assert_eq!(store.newest_run_id().unwrap(), None);

    // Prepared, then the process died: the next preview throws the stale plan away.
    let stale = prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await;
    drop(stale);
    let fresh =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!(store.runs().unwrap().len(), 1, "the stale plan is gone");
    assert_eq!(store.run_items(fresh.plan.run_id).unwrap().len(), 3_000);
    let kept = record_preview(&mut store, &fresh).unwrap();
    assert_eq!(store.runs().unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), [kept]);
    assert!(portal.writes_since(0).await.is_empty(), "nothing written");
}

/// A plan run without a preview is the live run itself; a recorded preview stays in the
/// history, and its live run is a copy with the same rows, their writes pending.
#[tokio::test]
async fn a_live_push_runs_its_journaled_plan_and_a_recorded_preview_stays() {
    let (portal, mut store) = half_known(150).await;
    let client = portal.client(fast());
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let plan_id = prepared.plan.run_id;
    let live =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_eq!((live.id, live.mode, live.status), (plan_id, RunMode::Live, RunStatus::Completed));
    assert_eq!((live.counts.updated, live.counts.created), (150, 150));
    assert_eq!(store.runs().unwrap().len(), 1, "no preview was asked for, so none is kept");

    // Every lead is now in HubSpot, unchanged: a preview, then its live run, which only links.
    let prepared =
        prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    let preview = record_preview(&mut store, &prepared).unwrap();
    assert_eq!(record_preview(&mut store, &prepared).unwrap(), preview, "recording twice changes nothing");
    let shown = store.run_items(preview).unwrap();
    let live =
        run_push(&mut store, &client, prepared, &PushOptions::default(), &Cancel::default(), &mut quiet).await.unwrap();
    assert_ne!(live.id, preview);
    let preview_run = store.run(preview).unwrap().unwrap();
    assert_eq!((preview_run.mode, preview_run.status), (RunMode::Preview, RunStatus::Completed));
    assert_eq!((live.status, live.counts.skip, live.counts.pending), (RunStatus::Completed, 300, 0));
    let ran = store.run_items(live.id).unwrap();
    assert_eq!(ran.len(), shown.len());
    for (ran, shown) in ran.iter().zip(&shown) {
        assert_eq!(
            (ran.seq, &ran.email, ran.action, &ran.changes),
            (shown.seq, &shown.email, shown.action, &shown.changes)
        );
    }
}
