//! Beyond the read floor: a push of leads a push synced before, after another app changed 1 % of
//! their contacts in HubSpot. The first push reads every lead (one batch read per 100, the
//! floor); the second searches what changed since, reads again only the contacts it writes to,
//! and writes the leads' values back over the changes. Prints each push's calls, the second's
//! against its target `changed/200 + writes/100 + 10`, and their times, at a Starter private
//! app's limit (100 calls per 10 s) with the sandbox's limits on.
//!
//! `cargo bench -p hubsync-sync --bench push_again` (env: BENCH_LEADS=100000)

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use common::{
    PRIVATE_TOKEN, SANDBOX_ROLE, bench_email, counters, map_contact_fields, reset_counters, serve_sandbox,
    start_sandbox_at_tier,
};
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret};
use hubsync_sandbox::{ApiTier, CONTROL_SECRET_HEADER, PortalInfo};
use hubsync_store::{Clock, ImportOptions, LeadRow, PortalConnection, SecretStoreKind, Store, TokenKind};
use hubsync_sync::{Cancel, PushOptions, prepare_push, run_push};

/// The Starter tier's private token, as the sandbox knows it.
const TOKEN: &str = "pat-bench-starter";
/// One contact in a hundred changed by another app.
const CHANGED_EVERY: usize = 100;

/// The wall clock moved on by hand, together with the sandbox's.
#[derive(Debug, Default)]
struct MovedClock(Mutex<TimeDelta>);

impl Clock for MovedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.0.lock().unwrap()
    }
}

fn lead(i: usize) -> (String, [(&'static str, String); 3]) {
    (
        bench_email(i),
        [("firstname", format!("First{i}")), ("lastname", format!("Last{i}")), ("company", format!("Company {i}"))],
    )
}

fn client(base: &str, token: &str) -> HubSpotClient {
    let limits = RateLimitSettings::private_app(100);
    let mut config = ClientConfig::new(base, limits);
    config.expected_portal = Some(PortalInfo::default().portal_id);
    HubSpotClient::new(config, Secret::new(token), Arc::new(PortalLimiter::new(limits))).expect("client")
}

async fn bench(total: usize) {
    let dir = std::env::temp_dir().join(format!("hubsync-bench-push-again-{}-{total}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let contacts: Vec<serde_json::Value> = (0..total)
        .map(|i| {
            let (email, values) = lead(i);
            let mut properties: BTreeMap<&str, String> = values.into_iter().collect();
            properties.insert("email", email);
            serde_json::json!({ "properties": properties })
        })
        .collect();
    let fixture = dir.join("fixture.json");
    std::fs::write(&fixture, serde_json::json!({ "contacts": contacts }).to_string()).expect("fixture");
    let (server, base) = start_sandbox_at_tier(&format!("fixture:{}", fixture.display()), ApiTier::Starter, TOKEN);
    let http = reqwest::Client::new();
    let clock = Arc::new(MovedClock::default());
    let advance = async |seconds: i64| {
        *clock.0.lock().unwrap() += TimeDelta::seconds(seconds);
        let moved = http
            .post(format!("{base}/__sandbox/clock"))
            .header(CONTROL_SECRET_HEADER, &server.control_secret)
            .json(&serde_json::json!({ "advanceSeconds": seconds }))
            .send()
            .await
            .expect("clock");
        assert!(moved.status().is_success());
    };

    let mut store = Store::open(&dir.join("hubsync.db"), clock.clone()).expect("store");
    store
        .connect_portal(&PortalConnection {
            portal_id: PortalInfo::default().portal_id,
            name: "bench".into(),
            hub_domain: "bench".into(),
            user_email: String::new(),
            scopes: vec![],
            token_kind: TokenKind::PrivateApp,
            base_url: base.clone(),
            client_id: None,
            secret_store: SecretStoreKind::Keychain,
            connected_at: clock.now(),
            account_type: None,
            writable_properties: None,
        })
        .expect("portal");
    map_contact_fields(&mut store);
    let rows: Vec<LeadRow> = (0..total)
        .map(|i| {
            let (email, values) = lead(i);
            let values = [("first_name", &values[0].1), ("last_name", &values[1].1), ("company", &values[2].1)];
            LeadRow { row: i + 1, email, values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
        })
        .collect();
    store.import_leads(&rows, ImportOptions::default()).expect("import");
    // An hour after the portal's contacts were last changed, the leads are pushed once.
    advance(3_600).await;
    let first = push(&mut store, &base).await;
    println!(
        "  first push  {total:>7} leads  {:>5} calls  {:>7.1} s  {} unchanged",
        first.0, first.1, first.2.counts.skip
    );

    // An hour later another app has changed one contact in a hundred.
    advance(3_600).await;
    let other_app = client(&base, PRIVATE_TOKEN);
    let changes: Vec<(String, BTreeMap<String, String>)> = (0..total)
        .step_by(CHANGED_EVERY)
        .map(|i| (bench_email(i), BTreeMap::from([("company".to_string(), format!("Changed {i}"))])))
        .collect();
    for batch in changes.chunks(100) {
        other_app.batch_upsert_by_email(batch).await.expect("the other app's changes");
    }
    advance(60).await;

    reset_counters(&http, &base, &server.control_secret).await;
    let second = push(&mut store, &base).await;
    let requests = counters(&http, &base, &server.control_secret).await["requests"].clone();
    let changed = changes.len() as u64;
    let writes = second.2.counts.updated;
    let target = changed.div_ceil(200) + writes.div_ceil(100) + 10;
    println!(
        "  second push {total:>7} leads  {:>5} calls  {:>7.1} s  {changed} changed in HubSpot, {writes} written back; target <= {target} calls (changed/200 + writes/100 + 10): {}",
        second.0,
        second.1,
        if second.0 <= target { "met" } else { "MISSED" }
    );
    println!("    its requests: {requests}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A push of every lead, live: its calls, seconds and run.
async fn push(store: &mut Store, base: &str) -> (u64, f64, hubsync_store::Run) {
    let client = client(base, TOKEN);
    let started = Instant::now();
    let options = PushOptions::default();
    let prepared = prepare_push(store, &client, &options, &Cancel::default(), &mut |_| {}).await.expect("prepare");
    let run = run_push(store, &client, prepared, &options, &Cancel::default(), &mut |_| {}).await.expect("push");
    (client.api_calls(), started.elapsed().as_secs_f64(), run)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if let Ok(role) = std::env::var(SANDBOX_ROLE) {
        runtime.block_on(serve_sandbox(&role));
        return;
    }
    let total = std::env::var("BENCH_LEADS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    println!("push again: a Starter private app (100 calls per 10 s), the sandbox's limits on");
    runtime.block_on(bench(total));
}
