//! Throughput at a private app's limit (Free and Starter: 100 calls per 10 s, the sandbox's limits
//! on), with the rate budget shared through the store's ledger as the app and the command line
//! share it: a push (half the leads already contacts, a quarter of those changed, the rest new,
//! create on) and a pull of every contact, at 1,000, 20,000 and 100,000 records; then three pull
//! previews of a 12,000-contact portal run one after another as three processes.
//!
//! The bound: a rolling window admits the (100k + 1)th call no sooner than 10 s after the
//! (100(k − 1) + 1)th, so `calls` calls take at least 10 s × ⌊(calls − 1) / 100⌋. A run whose
//! calls all fit in the first window has a bound of 0: its time is the calls' own.
//!
//! `cargo bench -p hubsync-sync --bench rate_limit` (env: BENCH_SIZES=1000,20000,100000)

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    SANDBOX_ROLE, bench_leads, counters, map_contact_fields, reset_counters, serve_sandbox, start_sandbox_at_tier,
    write_known_contacts,
};
use hubsync_auth::shared_limits::StoreLedgers;
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret};
use hubsync_sandbox::{ApiTier, PortalInfo};
use hubsync_store::{ImportOptions, Store, SystemClock};
use hubsync_sync::{Cancel, PushOptions, prepare_pull, prepare_push, run_push};

/// The Starter tier's private token, as the sandbox knows it.
const TOKEN: &str = "pat-bench-starter";
const PER_WINDOW: u64 = 100;
/// Set in a re-executed process that runs one pull preview: `<store path>;<base url>`.
const PREVIEW_ROLE: &str = "HUBSYNC_BENCH_PULL_PREVIEW";
const BACK_TO_BACK_CONTACTS: usize = 12_000;

/// A client as the app makes one: the portal's windows shared through the ledger beside `db`.
fn shared_client(base: &str, db: &std::path::Path) -> HubSpotClient {
    let mut config = ClientConfig::new(base, RateLimitSettings::private_app(100));
    config.expected_portal = Some(PortalInfo::default().portal_id);
    config.shared_limits = Some(Arc::new(StoreLedgers::new(db, Arc::new(SystemClock))));
    let limiter = Arc::new(PortalLimiter::for_config(&config));
    HubSpotClient::new(config, Secret::new(TOKEN), limiter).expect("client")
}

fn bound(calls: u64) -> Duration {
    Duration::from_secs(10 * (calls.saturating_sub(1) / PER_WINDOW))
}

fn share_of_bound(calls: u64, wall: Duration) -> String {
    let bound = bound(calls);
    if bound.is_zero() {
        return "bound 0 s: every call fits in the first window".into();
    }
    format!(
        "bound {:.1} s = {:.3} of the bound's throughput (target >= 0.95)",
        bound.as_secs_f64(),
        bound.as_secs_f64() / wall.as_secs_f64()
    )
}

fn fresh_dir(what: &str, total: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hubsync-bench-rate-{what}-{}-{total}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

async fn push(total: usize) {
    let known = total / 2;
    let dir = fresh_dir("push", total);
    let fixture = dir.join("fixture.json");
    write_known_contacts(known, &fixture);
    let (server, base) = start_sandbox_at_tier(&format!("fixture:{}", fixture.display()), ApiTier::Starter, TOKEN);
    let db = dir.join("hubsync.db");
    let mut store = Store::open(&db, Arc::new(SystemClock)).expect("store");
    map_contact_fields(&mut store);
    store.set_push_rules(Some(true), Some(true)).expect("rules");
    store.import_leads(&bench_leads(total), ImportOptions::default()).expect("import");

    let client = shared_client(&base, &db);
    let options = PushOptions::default();
    let started = Instant::now();
    let prepared = prepare_push(&mut store, &client, &options, &Cancel::default(), &mut |_| {}).await.expect("prepare");
    let read = started.elapsed();
    let read_calls = client.api_calls();
    let run = run_push(&mut store, &client, prepared, &options, &Cancel::default(), &mut |_| {}).await.expect("run");
    let wall = started.elapsed();
    let calls = client.api_calls();
    let http = reqwest::Client::new();
    let counters = counters(&http, &base, &server.control_secret).await;
    println!(
        "  push {total:>7} leads     {calls:>5} calls  {:>7.2} s  {}; reads {read_calls} calls in {:.1} s; {} written, {} failed; 429s {}",
        wall.as_secs_f64(),
        share_of_bound(calls, wall),
        read.as_secs_f64(),
        run.counts.updated + run.counts.created,
        run.counts.failed,
        counters["rateLimited"]
    );
}

async fn pull(total: usize) {
    let dir = fresh_dir("pull", total);
    let (server, base) = start_sandbox_at_tier(&format!("seed:{total}"), ApiTier::Starter, TOKEN);
    let db = dir.join("hubsync.db");
    let mut store = Store::open(&db, Arc::new(SystemClock)).expect("store");
    map_contact_fields(&mut store);
    let client = shared_client(&base, &db);
    let started = Instant::now();
    let prepared = prepare_pull(&mut store, &client, &Cancel::default(), &mut |_| {}).await.expect("prepare");
    let wall = started.elapsed();
    let calls = client.api_calls();
    let http = reqwest::Client::new();
    let counters = counters(&http, &base, &server.control_secret).await;
    println!(
        "  pull {total:>7} contacts  {calls:>5} calls  {:>7.2} s  {}; {} to add; 429s {}",
        wall.as_secs_f64(),
        share_of_bound(calls, wall),
        prepared.counts.new,
        counters["rateLimited"]
    );
}

/// One pull preview, in a process of its own.
async fn preview_process(role: &str) {
    let (db, base) = role.split_once(';').expect("<store>;<base url>");
    let db = std::path::Path::new(db);
    let mut store = Store::open(db, Arc::new(SystemClock)).expect("store");
    let client = shared_client(base, db);
    prepare_pull(&mut store, &client, &Cancel::default(), &mut |_| {}).await.expect("preview");
    println!("{}", client.api_calls());
}

async fn back_to_back() {
    let dir = fresh_dir("previews", BACK_TO_BACK_CONTACTS);
    let (server, base) = start_sandbox_at_tier(&format!("seed:{BACK_TO_BACK_CONTACTS}"), ApiTier::Starter, TOKEN);
    let db = dir.join("hubsync.db");
    drop(Store::open(&db, Arc::new(SystemClock)).expect("store"));
    let http = reqwest::Client::new();
    reset_counters(&http, &base, &server.control_secret).await;
    let started = Instant::now();
    let mut calls = 0u64;
    for _ in 0..3 {
        let output = Command::new(std::env::current_exe().expect("own path"))
            .env(PREVIEW_ROLE, format!("{};{base}", db.display()))
            .output()
            .expect("the preview process runs");
        assert!(output.status.success(), "a preview failed: {}", String::from_utf8_lossy(&output.stderr));
        calls += String::from_utf8_lossy(&output.stdout).trim().parse::<u64>().expect("calls printed");
    }
    let wall = started.elapsed();
    let counters = counters(&http, &base, &server.control_secret).await;
    println!(
        "  3 pull previews of {BACK_TO_BACK_CONTACTS} contacts, one process each, back to back: {calls} calls in {:.1} s, {}; 429s {} (target 0)",
        wall.as_secs_f64(),
        share_of_bound(calls, wall),
        counters["rateLimited"]
    );
}

#[tokio::main]
async fn main() {
    if let Ok(role) = std::env::var(SANDBOX_ROLE) {
        return serve_sandbox(&role).await;
    }
    if let Ok(role) = std::env::var(PREVIEW_ROLE) {
        return preview_process(&role).await;
    }
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "1000,20000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("BENCH_SIZES: numbers"))
        .collect();
    println!("rate-limit benchmark: a private app at 100 calls per 10 s, the budget shared through the store's ledger");
    for &size in &sizes {
        push(size).await;
        pull(size).await;
    }
    back_to_back().await;
}
