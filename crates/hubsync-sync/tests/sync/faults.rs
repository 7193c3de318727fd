//! The fault matrix: a push, a pull, an undo and the OAuth refresh under each of HubSpot's bad
//! days (30 % 429s, 30 % 423s, 10 % 5xx, 2-second latency, dropped connections, cut-off bodies, the
//! daily limit reached mid-run, the access token expiring mid-run, the refresh token revoked
//! mid-run). Every cell ends with checks, not a log line: each valid row landed exactly once,
//! each invalid row is reported with its reason, the store passes `PRAGMA integrity_check` and
//! agrees with the sandbox's contacts, and a run the fault interrupted resumed to completion.
//!
//! The cells of one operation run at once, each against its own sandbox (their waits overlap),
//! and a failing cell names itself and its fault seed. `HUBSYNC_FAULT_SEED=N` draws other faults
//! (or replays a failure).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hubsync_auth::oauth::{Endpoints, HubSpotOAuth, OAuthApp, OAuthGrant};
use hubsync_auth::session::{OAuthSession, SystemClock};
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret, TokenSource};
use hubsync_sandbox::{ControlSecret, FaultConfig, Fixture, OAuthClient, PrivateToken, Sandbox, SandboxConfig};
use hubsync_store::{
    FieldType, ItemOutcome, PortalConnection, Run, RunAction, RunKind, RunStatus, SecretStoreKind, Store, TokenKind,
    WriteRule,
};
use hubsync_sync::Phase;
use hubsync_sync::{
    Cancel, Progress, PushOptions, UndoOptions, prepare_pull, prepare_push, prepare_undo, resume_push, resume_undo,
    run_pull, run_push, run_undo,
};
use serde_json::{Value, json};

use crate::push::control;
use crate::reconnect::approved_grant;

const CLIENT_ID: &str = "hubsync-fault-matrix";
const CLIENT_SECRET: &str = "fault-matrix-secret";
const PRIVATE_TOKEN: &str = "pat-na1-fault-matrix";
/// Contacts in HubSpot that leads match, leads HubSpot doesn't have yet, and leads whose
/// lead status is none of HubSpot's options.
const KNOWN: usize = 120;
const NEW: usize = 130;
const BAD: usize = 5;
/// Resumes a cell may need before its run completes.
const MAX_RESUMES: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    RateLimited,
    Locked,
    ServerErrors,
    Latency,
    DroppedConnections,
    TruncatedBodies,
    DailyLimit,
    AccessTokenExpires,
    RefreshTokenRevoked,
}

const EVERY_FAULT: [Fault; 9] = [
    Fault::RateLimited,
    Fault::Locked,
    Fault::ServerErrors,
    Fault::Latency,
    Fault::DroppedConnections,
    Fault::TruncatedBodies,
    Fault::DailyLimit,
    Fault::AccessTokenExpires,
    Fault::RefreshTokenRevoked,
];

/// Those the network and HubSpot's edge cause: the ones the OAuth refresh must survive too.
const TRANSPORT: [Fault; 6] = [
    Fault::RateLimited,
    Fault::Locked,
    Fault::ServerErrors,
    Fault::Latency,
    Fault::DroppedConnections,
    Fault::TruncatedBodies,
];

impl Fault {
    /// The sandbox's fault injection for it, on every path (the token endpoint included).
    fn config(self) -> FaultConfig {
        let none = FaultConfig::default();
        match self {
            Fault::RateLimited => FaultConfig { rate_limited: 0.3, ..none },
            Fault::Locked => FaultConfig { locked: 0.3, ..none },
            Fault::ServerErrors => FaultConfig { bad_gateway: 0.04, unavailable: 0.03, gateway_timeout: 0.03, ..none },
            Fault::Latency => FaultConfig { latency_ms: 2_000, latency_probability: 1.0, ..none },
            Fault::DroppedConnections => FaultConfig { drop_before: 0.1, drop_after: 0.1, ..none },
            Fault::TruncatedBodies => FaultConfig { truncate: 0.15, ..none },
            Fault::DailyLimit | Fault::AccessTokenExpires | Fault::RefreshTokenRevoked => none,
        }
    }

    /// HubSpot's daily cap applies to private-app tokens only, so that cell connects with one;
    /// every other cell connects with OAuth, and so also refreshes its token under the fault.
    fn oauth(self) -> bool {
        self != Fault::DailyLimit
    }

    /// What happens to the portal once the run's first rows landed.
    fn mid_run(self, sandbox: &Sandbox) {
        match self {
            // One more call today, then the cap.
            Fault::DailyLimit => sandbox.set_daily_calls_left(1),
            Fault::RefreshTokenRevoked => {
                sandbox.revoke_refresh_tokens();
                sandbox.expire_access_tokens();
            }
            // Every OAuth cell loses its access token mid-run, so the refresh meets the fault.
            _ => {
                sandbox.expire_access_tokens();
            }
        }
    }
}

/// One cell's portal, store and connection.
struct Cell {
    fault: Fault,
    seed: u64,
    port: u16,
    sandbox: Sandbox,
    store: Store,
    client: HubSpotClient,
    /// The OAuth grant the cell connected with (none for a private-app token).
    grant: Option<OAuthGrant>,
}

impl Cell {
    /// A portal holding `contacts`, connected (the grant made before any fault is on), its
    /// faults set from `seed`.
    async fn start(fault: Fault, seed: u64, contacts: Value) -> Cell {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let fixture = Fixture::from_json(&json!({ "contacts": contacts }).to_string()).unwrap();
        let sandbox = Sandbox::start(SandboxConfig {
            rate_limits: false,
            oauth_auto_approve: true,
            fixture: Some(fixture),
            private_tokens: vec![PrivateToken::new(PRIVATE_TOKEN)],
            oauth_clients: vec![OAuthClient {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec![format!("http://localhost:{port}/callback")],
                app_id: 2_000_002,
            }],
            control_secret: Some(ControlSecret::generate()),
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let (client, connection, grant) = if fault.oauth() {
            let grant = grant(&sandbox, port).await;
            let connection = connection(&sandbox, TokenKind::Oauth, grant.info.hub_id);
            (oauth_client(&sandbox, &grant), connection, Some(grant))
        } else {
            (private_client(&sandbox), connection(&sandbox, TokenKind::PrivateApp, sandbox.portal_id()), None)
        };
        let mut store = Store::open_in_memory(Arc::new(hubsync_store::SystemClock)).unwrap();
        store.connect_portal(&connection).unwrap();
        store.set_push_rules(Some(true), Some(true)).unwrap();
        store.set_mapping("company", "company", None).unwrap();
        store.add_field("sales_status", None, FieldType::Text, &[]).unwrap();
        store.set_mapping("sales_status", "hs_lead_status", None).unwrap();
        store.set_mapping("city", "city", Some(WriteRule::IfEmpty)).unwrap();
        sandbox.set_faults(fault.config(), seed).unwrap();
        Cell { fault, seed, port, sandbox, store, client, grant }
    }

    /// The admin connects again after HubSpot refused the grant: a new grant, a new client.
    async fn reconnect(&mut self) {
        let grant = grant(&self.sandbox, self.port).await;
        self.client = oauth_client(&self.sandbox, &grant);
        self.grant = Some(grant);
    }

    /// Clears what stopped the run, as the admin (or the portal's midnight) would.
    async fn recover(&mut self) {
        match self.fault {
            Fault::DailyLimit => self.sandbox.reset_daily_limit(),
            Fault::RefreshTokenRevoked => self.reconnect().await,
            _ => {}
        }
    }

    /// Live contacts by lowercased email, asserting no email is held by two contacts.
    async fn contacts(&self) -> HashMap<String, Value> {
        let all = control(&self.sandbox, reqwest::Method::GET, "/contacts", Value::Null).await;
        let mut by_email = HashMap::new();
        for contact in all["results"].as_array().unwrap().iter().filter(|c| c["archived"] != json!(true)) {
            let Some(email) = contact["properties"]["email"].as_str() else { continue };
            let earlier = by_email.insert(email.to_lowercase(), contact.clone());
            assert!(earlier.is_none(), "{}: two contacts hold {email}", self.name());
        }
        by_email
    }

    async fn archived_ids(&self) -> Vec<String> {
        let all = control(&self.sandbox, reqwest::Method::GET, "/contacts", Value::Null).await;
        let archived = all["results"].as_array().unwrap().iter().filter(|c| c["archived"] == json!(true));
        archived.map(|c| c["id"].as_str().unwrap().to_string()).collect()
    }

    async fn counters(&self) -> Value {
        control(&self.sandbox, reqwest::Method::GET, "/counters", Value::Null).await
    }

    /// Proof the cell met its transport fault: the sandbox served some. The pinned seeds draw
    /// one in every cell; another seed (`HUBSYNC_FAULT_SEED`) may draw none for a short cell at
    /// 10 %, which is said rather than failed.
    async fn check_fault_met(&self) {
        if !TRANSPORT.contains(&self.fault) {
            return;
        }
        let counters = self.counters().await;
        let served: u64 =
            counters["faults"].as_object().map(|f| f.values().filter_map(Value::as_u64).sum()).unwrap_or(0);
        if served == 0 {
            assert!(std::env::var_os("HUBSYNC_FAULT_SEED").is_some(), "{}: the fault never happened", self.name());
            eprintln!("{}: this seed drew no fault for the cell", self.name());
        }
    }

    /// An OAuth cell's run refreshed its token after the access token expired mid-run: the
    /// token endpoint answered more than the connection's code exchange.
    async fn check_refreshed(&self) {
        if self.fault.oauth() {
            let calls = self.counters().await["requests"]["POST /oauth/v1/token"].as_u64().unwrap_or(0);
            assert!(calls >= 2, "{}: the access token was never refreshed ({calls} token calls)", self.name());
        }
    }

    fn name(&self) -> String {
        format!("{:?} (fault seed {})", self.fault, self.seed)
    }

    /// Resumes a push or undo run until it completes, recovering from its fault in between.
    async fn finish(&mut self, mut run: Run) -> Run {
        let options = PushOptions { concurrency: 2, ..PushOptions::default() };
        for _ in 0..MAX_RESUMES {
            if run.status == RunStatus::Completed {
                return run;
            }
            assert!(run.is_resumable(), "{}: an unfinished run must resume: {run:?}", self.name());
            assert!(run.counts.pending > 0, "{}: interrupted with nothing pending: {run:?}", self.name());
            self.recover().await;
            let connected = self.store.active_portal().unwrap().map(|p| p.portal_id);
            let (store, client, cancel) = (&mut self.store, &self.client, Cancel::default());
            let resumed = match run.kind {
                RunKind::Undo => {
                    let options = UndoOptions { concurrency: options.concurrency, ..UndoOptions::default() };
                    resume_undo(store, client, run.id, connected, &options, &cancel, &mut |_| {}).await
                }
                _ => resume_push(store, client, run.id, connected, &options, &cancel, &mut |_| {}).await,
            };
            run = resumed.unwrap_or_else(|e| panic!("{}: resume failed: {e}", self.name()));
        }
        assert_eq!(run.status, RunStatus::Completed, "{}: still unfinished after {MAX_RESUMES} resumes", self.name());
        run
    }

    /// The store's own checks, and each linked lead's contact holding the lead's email.
    async fn check_store_agrees(&self) {
        assert_eq!(self.store.integrity_check().unwrap(), "ok", "{}", self.name());
        let contacts = self.contacts().await;
        let ids: HashMap<&str, &str> =
            contacts.iter().map(|(email, c)| (c["id"].as_str().unwrap(), email.as_str())).collect();
        for lead in self.store.leads().unwrap() {
            if let Some(id) = lead.hubspot_id.as_deref() {
                assert_eq!(
                    ids.get(id).copied(),
                    Some(lead.email.to_lowercase().as_str()),
                    "{}: lead {} linked to {id}",
                    self.name(),
                    lead.email
                );
            }
        }
    }
}

fn app() -> OAuthApp {
    OAuthApp::new(CLIENT_ID, Secret::new(CLIENT_SECRET))
}

async fn grant(sandbox: &Sandbox, port: u16) -> OAuthGrant {
    approved_grant(app(), sandbox, port).await
}

/// The client's limits: a 429 waits out a one-second window here (HubSpot's is ten), so the
/// matrix stays short; everything else is as in the apps.
fn limits() -> RateLimitSettings {
    RateLimitSettings { window: Duration::from_secs(1), ..RateLimitSettings::private_app(100) }
}

fn config(sandbox: &Sandbox) -> ClientConfig {
    ClientConfig { timeout: Duration::from_secs(20), ..ClientConfig::new(sandbox.base_url(), limits()) }
}

fn oauth_client(sandbox: &Sandbox, grant: &OAuthGrant) -> HubSpotClient {
    let oauth =
        HubSpotOAuth::new(app(), Endpoints::at(&sandbox.base_url())).unwrap().with_rate_limit_window(limits().window);
    let session: Arc<dyn TokenSource> = Arc::new(OAuthSession::from_grant(oauth, grant, Arc::new(SystemClock)));
    HubSpotClient::with_token_source(config(sandbox), session, Arc::new(PortalLimiter::new(limits()))).unwrap()
}

fn private_client(sandbox: &Sandbox) -> HubSpotClient {
    HubSpotClient::new(config(sandbox), Secret::new(PRIVATE_TOKEN), Arc::new(PortalLimiter::new(limits()))).unwrap()
}

fn connection(sandbox: &Sandbox, token_kind: TokenKind, portal_id: u64) -> PortalConnection {
    PortalConnection {
        portal_id,
        name: "fault matrix".into(),
        hub_domain: "fault-matrix.sandbox".into(),
        user_email: String::new(),
        scopes: vec![],
        token_kind,
        base_url: sandbox.base_url(),
        client_id: token_kind.eq(&TokenKind::Oauth).then(|| CLIENT_ID.into()),
        secret_store: SecretStoreKind::Keychain,
        connected_at: chrono::Utc::now(),
        account_type: None,
        writable_properties: None,
    }
}

fn known_contacts() -> Value {
    let known: Vec<Value> = (0..KNOWN)
        .map(|i| json!({ "id": (5_000 + i).to_string(), "properties": { "email": format!("known{i}@example.com"), "company": format!("Old {i}"), "city": "Lyon" } }))
        .collect();
    Value::Array(known)
}

/// Leads matching the known contacts (new company, and a city the `if-empty` rule keeps), new
/// leads, and leads whose lead status HubSpot has no option for.
fn add_push_leads(store: &mut Store) {
    for i in 0..KNOWN {
        store
            .add_lead(&format!("known{i}@example.com"), &[("company", &format!("New {i}")), ("city", "Leeds")])
            .unwrap();
    }
    for i in 0..NEW {
        store.add_lead(&format!("new{i}@example.com"), &[("company", &format!("Created {i}"))]).unwrap();
    }
    for i in 0..BAD {
        store.add_lead(&format!("bad{i}@example.com"), &[("company", "Bad"), ("sales_status", "bogus")]).unwrap();
    }
}

/// The progress callback that changes the portal once the first rows of `phase` are done.
fn once_after_first(cell_fault: Fault, sandbox: &Sandbox, phase: Phase) -> impl FnMut(Progress) + '_ {
    let mut fired = false;
    move |p: Progress| {
        if !fired && p.phase == phase && p.done > 0 {
            fired = true;
            cell_fault.mid_run(sandbox);
        }
    }
}

/// The first cell's fault seed (the next cells take the next ones): `HUBSYNC_FAULT_SEED`, to
/// replay a failure or try other draws, else 7.
fn first_seed() -> u64 {
    std::env::var("HUBSYNC_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7)
}

/// Runs every fault's cell at once and reports every failing one (not just the first).
async fn matrix<F, Fut>(faults: &[Fault], cell: F)
where
    F: Fn(Fault, u64) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let local = tokio::task::LocalSet::new();
    let failures = local
        .run_until(async {
            let handles: Vec<_> = faults
                .iter()
                .enumerate()
                .map(|(i, &fault)| (fault, tokio::task::spawn_local(cell(fault, first_seed() + i as u64))))
                .collect();
            let mut failures = Vec::new();
            for (fault, handle) in handles {
                if let Err(error) = handle.await {
                    let message = error.try_into_panic().ok().and_then(|p| {
                        p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    });
                    failures.push(format!("{fault:?}: {}", message.unwrap_or_else(|| "cancelled".into())));
                }
            }
            failures
        })
        .await;
    assert!(failures.is_empty(), "{} cell(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_under_every_fault_lands_each_valid_row_once() {
    matrix(&EVERY_FAULT, |fault, seed| async move {
        let mut cell = Cell::start(fault, seed, known_contacts()).await;
        add_push_leads(&mut cell.store);
        let options = PushOptions { concurrency: 2, ..PushOptions::default() };
        let prepared = prepare_push(&mut cell.store, &cell.client, &options, &Cancel::default(), &mut |_| {})
            .await
            .unwrap_or_else(|e| panic!("{}: preview failed: {e}", cell.name()));
        let c = &prepared.counts;
        assert_eq!((c.update, c.create, c.invalid), (KNOWN, NEW, BAD), "{}", cell.name());
        let run = {
            let mut progress = once_after_first(fault, &cell.sandbox, Phase::Writing);
            run_push(&mut cell.store, &cell.client, prepared, &options, &Cancel::default(), &mut progress).await
        };
        let run = run.unwrap_or_else(|e| panic!("{}: run failed: {e}", cell.name()));
        if matches!(fault, Fault::DailyLimit | Fault::RefreshTokenRevoked) {
            assert_eq!(run.status, RunStatus::Interrupted, "{}: the fault must stop the run", cell.name());
            let reason = run.stop_reason.clone().unwrap_or_default();
            let expected = if fault == Fault::DailyLimit { "daily" } else { "reconnect" };
            assert!(reason.contains(expected), "{}: stop reason {reason:?}", cell.name());
        }
        let run = cell.finish(run).await;
        let counts = &run.counts;
        assert_eq!(
            (counts.updated, counts.created, counts.failed, counts.pending),
            (KNOWN as u64, NEW as u64, 0, 0),
            "{}: every valid row counted once",
            cell.name()
        );

        let contacts = cell.contacts().await;
        for i in 0..KNOWN {
            let c = &contacts[&format!("known{i}@example.com")];
            assert_eq!(c["properties"]["company"], format!("New {i}"), "{}", cell.name());
            assert_eq!(c["properties"]["city"], "Lyon", "{}: if-empty kept HubSpot's value", cell.name());
        }
        for i in 0..NEW {
            let c = contacts.get(&format!("new{i}@example.com"));
            assert_eq!(c.map(|c| &c["properties"]["company"]), Some(&json!(format!("Created {i}"))), "{}", cell.name());
        }
        assert_eq!(contacts.len(), KNOWN + NEW, "{}: nothing else was created", cell.name());
        let items = cell.store.run_items(run.id).unwrap();
        let invalid: Vec<_> = items.iter().filter(|i| i.action == RunAction::Invalid).collect();
        assert_eq!(invalid.len(), BAD, "{}", cell.name());
        for item in invalid {
            assert_eq!(item.outcome, Some(ItemOutcome::Invalid), "{}", cell.name());
            assert!(
                item.reasons.iter().any(|r| r.to_string().contains("bogus")),
                "{}: reason names the value: {:?}",
                cell.name(),
                item.reasons
            );
            assert!(!contacts.contains_key(&item.email), "{}: an invalid row was sent", cell.name());
        }
        cell.check_store_agrees().await;
        cell.check_refreshed().await;
        for lead in cell.store.leads().unwrap().iter().filter(|l| !l.email.starts_with("bad")) {
            assert!(lead.hubspot_id.is_some(), "{}: {} was not linked", cell.name(), lead.email);
        }
        cell.check_fault_met().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_under_every_fault_brings_every_contact_in_once() {
    matrix(&EVERY_FAULT, |fault, seed| async move {
        // 250 contacts with an email (two list pages and a half), 5 without.
        let mut contacts: Vec<Value> = (0..250)
            .map(|i| json!({ "id": (7_000 + i).to_string(), "properties": { "email": format!("c{i}@example.com"), "company": format!("Pulled {i}") } }))
            .collect();
        contacts.extend((0..5).map(|i| json!({ "id": (8_000 + i).to_string(), "properties": { "firstname": format!("No email {i}") } })));
        let mut cell = Cell::start(fault, seed, Value::Array(contacts)).await;
        // A quarter already in the store with other values: updated, not duplicated.
        for i in (0..250).step_by(4) {
            cell.store.add_lead(&format!("c{i}@example.com"), &[("company", "Local")]).unwrap();
        }

        // A pull reads everything before it changes anything: a fault that stops it leaves the
        // store as it was, and the admin runs it again.
        let mut attempts = 0;
        let prepared = loop {
            attempts += 1;
            // The fault strikes the first attempt; the next one meets a recovered portal.
            let prepared = if attempts == 1 {
                let mut progress = once_after_first(fault, &cell.sandbox, Phase::Reading);
                prepare_pull(&mut cell.store, &cell.client, &Cancel::default(), &mut progress).await
            } else {
                prepare_pull(&mut cell.store, &cell.client, &Cancel::default(), &mut |_| {}).await
            };
            match prepared {
                Ok(prepared) => break prepared,
                Err(error) if attempts <= MAX_RESUMES => {
                    let code = error.code();
                    let expected = match fault {
                        Fault::DailyLimit => "hubspot_daily_limit",
                        Fault::RefreshTokenRevoked => "reconnect_needed",
                        _ => panic!("{}: the pull failed: {error}", cell.name()),
                    };
                    assert_eq!(code, expected, "{}: {error}", cell.name());
                    assert_eq!(cell.store.lead_count().unwrap(), 63, "{}: a stopped pull changed nothing", cell.name());
                    assert!(cell.store.runs().unwrap().is_empty(), "{}: nor recorded a run", cell.name());
                    cell.recover().await;
                }
                Err(error) => panic!("{}: the pull never got through: {error}", cell.name()),
            }
        };
        if matches!(fault, Fault::DailyLimit | Fault::RefreshTokenRevoked) {
            assert!(attempts > 1, "{}: the fault must have stopped the first read", cell.name());
        }
        assert_eq!((prepared.counts.new, prepared.counts.update, prepared.counts.no_email), (187, 63, 5), "{}", cell.name());
        let run = run_pull(&mut cell.store, prepared, &Cancel::default(), &mut |_| {}).unwrap();
        assert_eq!(run.status, RunStatus::Completed, "{}", cell.name());
        assert_eq!((run.counts.created, run.counts.updated, run.counts.failed), (187, 63, 0), "{}", cell.name());
        let skipped: Vec<_> = cell.store.run_items(run.id).unwrap().into_iter().filter(|i| i.action == RunAction::Skip).collect();
        assert_eq!(skipped.len(), 5, "{}", cell.name());
        assert!(skipped.iter().all(|i| !i.reasons.is_empty()), "{}: each skip says why", cell.name());

        assert_eq!(cell.store.lead_count().unwrap(), 250, "{}: one lead per contact with an email", cell.name());
        let contacts = cell.contacts().await;
        for lead in cell.store.leads().unwrap() {
            let contact = &contacts[&lead.email.to_lowercase()];
            assert_eq!(lead.value("company"), contact["properties"]["company"].as_str(), "{}", cell.name());
            assert_eq!(lead.hubspot_id.as_deref(), contact["id"].as_str(), "{}", cell.name());
        }
        cell.check_store_agrees().await;
        cell.check_refreshed().await;
        cell.check_fault_met().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undo_under_every_fault_puts_back_every_value_once() {
    matrix(&EVERY_FAULT, |fault, seed| async move {
        let mut cell = Cell::start(fault, seed, known_contacts()).await;
        add_push_leads(&mut cell.store);
        // The push itself runs on a quiet portal.
        cell.sandbox.set_faults(FaultConfig::default(), seed).unwrap();
        let options = PushOptions { concurrency: 2, ..PushOptions::default() };
        let prepared =
            prepare_push(&mut cell.store, &cell.client, &options, &Cancel::default(), &mut |_| {}).await.unwrap();
        let pushed =
            run_push(&mut cell.store, &cell.client, prepared, &options, &Cancel::default(), &mut |_| {}).await.unwrap();
        assert_eq!(pushed.status, RunStatus::Completed, "{}", cell.name());
        // Someone edits one contact in HubSpot after the push: the undo leaves it alone and says so.
        let edited = reqwest::Client::new()
            .patch(format!("{}/crm/v3/objects/contacts/5000", cell.sandbox.base_url()))
            .bearer_auth(PRIVATE_TOKEN)
            .json(&json!({ "properties": { "company": "Edited in HubSpot" } }))
            .send()
            .await
            .unwrap();
        assert!(edited.status().is_success(), "{}", cell.name());
        let created: Vec<String> = cell
            .store
            .run_items(pushed.id)
            .unwrap()
            .into_iter()
            .filter(|i| i.outcome == Some(ItemOutcome::Created))
            .filter_map(|i| i.contact_id)
            .collect();
        assert_eq!(created.len(), NEW, "{}", cell.name());

        cell.sandbox.set_faults(fault.config(), seed).unwrap();
        let undo_options = UndoOptions {
            archive_created: true,
            force: false,
            concurrency: options.concurrency,
            ..UndoOptions::default()
        };
        let connected = cell.store.active_portal().unwrap().map(|p| p.portal_id);
        let prepared = prepare_undo(
            &mut cell.store,
            &cell.client,
            pushed.id,
            connected,
            undo_options,
            &Cancel::default(),
            &mut |_| {},
        )
        .await
        .unwrap_or_else(|e| panic!("{}: undo preview failed: {e}", cell.name()));
        let c = &prepared.counts;
        assert_eq!((c.restore, c.archive, c.changed_since), (KNOWN as u64 - 1, NEW as u64, 1), "{}", cell.name());
        let run = {
            let mut progress = once_after_first(fault, &cell.sandbox, Phase::Writing);
            run_undo(&mut cell.store, &cell.client, prepared, &undo_options, &Cancel::default(), &mut progress).await
        };
        let run = run.unwrap_or_else(|e| panic!("{}: undo failed: {e}", cell.name()));
        if matches!(fault, Fault::DailyLimit | Fault::RefreshTokenRevoked) {
            assert_eq!(run.status, RunStatus::Interrupted, "{}: the fault must stop the undo", cell.name());
        }
        let run = cell.finish(run).await;
        let counts = &run.counts;
        assert_eq!(
            (counts.updated, counts.archived, counts.failed, counts.pending),
            (KNOWN as u64 - 1, NEW as u64, 0, 0),
            "{}: every row counted once",
            cell.name()
        );
        let changed_since: Vec<_> =
            cell.store.run_items(run.id).unwrap().into_iter().filter(|i| i.action == RunAction::Skip).collect();
        assert_eq!(changed_since.len(), 1, "{}", cell.name());
        assert!(!changed_since[0].reasons.is_empty(), "{}: the skip says why", cell.name());

        let contacts = cell.contacts().await;
        assert_eq!(contacts.len(), KNOWN, "{}: the created contacts are archived, nothing else", cell.name());
        assert_eq!(contacts["known0@example.com"]["properties"]["company"], "Edited in HubSpot", "{}", cell.name());
        for i in 1..KNOWN {
            let company = &contacts[&format!("known{i}@example.com")]["properties"]["company"];
            assert_eq!(company, &json!(format!("Old {i}")), "{}: value put back", cell.name());
        }
        let mut archived = cell.archived_ids().await;
        archived.sort();
        let mut expected = created;
        expected.sort();
        assert_eq!(archived, expected, "{}: exactly the created contacts archived", cell.name());
        assert_eq!(cell.store.integrity_check().unwrap(), "ok", "{}", cell.name());
        cell.check_refreshed().await;
        cell.check_fault_met().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_refresh_gets_through_every_transport_fault() {
    matrix(&TRANSPORT, |fault, seed| async move {
        let cell = Cell::start(fault, seed, json!([])).await;
        // Faults on the token endpoint alone: every call below is a refresh.
        let token_faults = FaultConfig { paths: vec!["/oauth/v1/token".into()], ..fault.config() };
        cell.sandbox.set_faults(token_faults, seed).unwrap();
        let grant = cell.grant.clone().expect("an OAuth cell");
        let oauth = HubSpotOAuth::new(app(), Endpoints::at(&cell.sandbox.base_url()))
            .unwrap()
            .with_rate_limit_window(limits().window);
        let refreshes = if fault == Fault::Latency { 3 } else { 30 };
        for n in 0..refreshes {
            let tokens = oauth
                .refresh(&grant.refresh_token)
                .await
                .unwrap_or_else(|e| panic!("{}: refresh {n} failed: {e}", cell.name()));
            // The token it hands out works.
            let limiter = Arc::new(PortalLimiter::new(limits()));
            let client = HubSpotClient::new(config(&cell.sandbox), tokens.access_token, limiter).unwrap();
            client.account_details().await.unwrap_or_else(|e| panic!("{}: new token refused: {e}", cell.name()));
        }
        cell.check_fault_met().await;
    })
    .await;
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_still_counted_created_and_its_undo_archives_it() {
    const LEADS: usize = 500;
    let mut cell = Cell::start(Fault::DailyLimit, 3, json!([])).await;
    for i in 0..LEADS {
        cell.store.add_lead(&format!("new{i}@example.com"), &[("company", &format!("Created {i}"))]).unwrap();
    }
    // Half the upserts land and lose their answer: the client sends them again, and HubSpot
    // then says the contact is not new.
    let lost = FaultConfig { drop_after: 0.5, paths: vec!["/batch/upsert".into()], ..FaultConfig::default() };
    cell.sandbox.set_faults(lost, 3).unwrap();
    let one_at_a_time = PushOptions { concurrency: 1, ..PushOptions::default() };
    let prepared =
        prepare_push(&mut cell.store, &cell.client, &one_at_a_time, &Cancel::default(), &mut |_| {}).await.unwrap();
    let run = run_push(&mut cell.store, &cell.client, prepared, &one_at_a_time, &Cancel::default(), &mut |_| {})
        .await
        .unwrap();
    let dropped = cell.counters().await["faults"]["dropAfter"].as_u64().unwrap_or(0);
    assert!(dropped > 0, "an answer was lost");
    assert_eq!((run.status, run.counts.created, run.counts.updated), (RunStatus::Completed, LEADS as u64, 0));
    assert_eq!(cell.contacts().await.len(), LEADS);

    cell.sandbox.set_faults(FaultConfig::default(), 3).unwrap();
    let archive = UndoOptions { archive_created: true, force: false, concurrency: 1, ..UndoOptions::default() };
    let connected = Some(cell.sandbox.portal_id());
    let prepared =
        prepare_undo(&mut cell.store, &cell.client, run.id, connected, archive, &Cancel::default(), &mut |_| {})
            .await
            .unwrap();
    assert_eq!(prepared.counts.archive, LEADS as u64, "{:?}", prepared.counts);
    let undo =
        run_undo(&mut cell.store, &cell.client, prepared, &archive, &Cancel::default(), &mut |_| {}).await.unwrap();
    assert_eq!((undo.status, undo.counts.archived), (RunStatus::Completed, LEADS as u64));
    assert!(cell.contacts().await.is_empty(), "every contact the push made is archived");
}
