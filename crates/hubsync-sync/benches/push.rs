//! The push at scale against the sandbox at HubSpot's OAuth limit (110 requests per 10 s): half
//! the leads already in HubSpot, a quarter of those changed, the rest new (create on). Prints the
//! API calls against the floor, wall time against the rate limit's bound, 429s received, plan
//! time and peak memory. The sandbox runs as its own process (this binary, re-executed), so the
//! memory figure is the sync's alone.
//!
//! `cargo bench -p hubsync-sync --bench push` (env: BENCH_LEADS=10000,100000)

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret};
use hubsync_store::{ImportOptions, Store, SystemClock};
use hubsync_sync::{Cancel, PushOptions, prepare_push, run_push};

mod common;

use common::{
    OAUTH_PER_WINDOW, SANDBOX_ROLE, bench_leads, counters, map_contact_fields, oauth_token, peak_memory_mib,
    serve_sandbox, start_sandbox, write_known_contacts,
};

const IMPORT_ROLE: &str = "HUBSYNC_BENCH_IMPORT";

/// The import process: `total` leads into a new store at `db`, mapped and with create on.
fn import(total: usize, db: &std::path::Path) {
    let mut store = Store::open(db, Arc::new(SystemClock)).expect("store");
    map_contact_fields(&mut store);
    store.set_push_rules(Some(true), Some(true)).expect("rules");
    store.import_leads(&bench_leads(total), ImportOptions::default()).expect("import");
}

async fn bench(total: usize) {
    let known = total / 2;
    let dir = std::env::temp_dir().join(format!("hubsync-bench-push-{}-{total}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fixture = dir.join("fixture.json");
    write_known_contacts(known, &fixture);
    let (server, base) = start_sandbox(&format!("fixture:{}", fixture.display()));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let token = oauth_token(&http, &base).await;
    let db = dir.join("hubsync.db");
    // The store is filled by a child process, as an import before the push would be, so the
    // peak memory printed is the push's alone.
    let imported = Instant::now();
    let status = Command::new(std::env::current_exe().expect("own path"))
        .env(IMPORT_ROLE, format!("{total}:{}", db.display()))
        .status()
        .expect("the import process runs");
    assert!(status.success(), "the import failed");
    let import_time = imported.elapsed();
    let mut store = Store::open(&db, Arc::new(SystemClock)).expect("store");

    let limits = RateLimitSettings::oauth();
    let client =
        HubSpotClient::new(ClientConfig::new(&base, limits), Secret::new(token), Arc::new(PortalLimiter::new(limits)))
            .expect("client");
    let options = PushOptions::default();
    let started = Instant::now();
    let prepared = prepare_push(&mut store, &client, &options, &Cancel::default(), &mut |_| {}).await.expect("prepare");
    let (plan_time, estimate) = (prepared.plan_time, prepared.plan.estimate.clone());
    let run = run_push(&mut store, &client, prepared, &options, &Cancel::default(), &mut |_| {}).await.expect("run");
    let wall = started.elapsed();

    let counters = counters(&http, &base, &server.control_secret).await;
    let updates = known.div_ceil(4);
    let creates = total - known;
    let floor = 1 + total.div_ceil(100) + updates.div_ceil(100) + creates.div_ceil(100);
    let calls = client.api_calls();
    // HubSpot's bound: at most 110 in any 10 s, so 110 go at once and each further 110 a full
    // window after the first of the previous ones.
    let bound = Duration::from_secs(10 * (calls.saturating_sub(1) / OAUTH_PER_WINDOW));
    let throughput = bound.as_secs_f64() / wall.as_secs_f64() * 100.0;
    let landed = run.counts.updated + run.counts.created;

    println!(
        "push benchmark: {total} leads ({known} in HubSpot, {updates} of them changed, {creates} new), OAuth limit 110 per 10 s"
    );
    println!("  import into the store      {:>9.2} s   (its own process)", import_time.as_secs_f64());
    // The plan's rows are written to the run history as they are made: this is both.
    println!("  plan + journal             {:>9.3} s   target < 2 s at 100,000 leads", plan_time.as_secs_f64());
    println!("  estimate before the run    {:>9.1} s, {} API calls", estimate.seconds, estimate.api_calls);
    println!(
        "  wall time, read + write    {:>9.1} s   rate-limit bound {:.1} s = {throughput:.1} % of the bound's throughput (target >= 90 %)",
        wall.as_secs_f64(),
        bound.as_secs_f64()
    );
    println!(
        "  API calls                  {calls:>9}   floor {floor} (1 properties + {} reads + {} updates + {} upserts)",
        total.div_ceil(100),
        updates.div_ceil(100),
        creates.div_ceil(100)
    );
    println!("  429s received              {:>9}   target 0", counters["rateLimited"]);
    println!(
        "  rows landed                {landed:>9}   of {} to write; failed {}",
        updates + creates,
        run.counts.failed
    );
    match peak_memory_mib() {
        Some(mib) => println!("  peak memory (this process) {mib:>9.0} MiB target < 300 MB"),
        None => println!("  peak memory: not available on this platform"),
    }
    assert_eq!(landed as usize, updates + creates, "every row landed");
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if let Ok(job) = std::env::var(IMPORT_ROLE) {
        let (total, db) = job.split_once(':').expect("TOTAL:PATH");
        import(total.parse().expect("a count"), std::path::Path::new(db));
        return;
    }
    if let Ok(role) = std::env::var(SANDBOX_ROLE) {
        runtime.block_on(serve_sandbox(&role));
        return;
    }
    // `cargo bench` passes `--bench`; run only for it (and not for `cargo test --benches`).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes = std::env::var("BENCH_LEADS").unwrap_or_else(|_| "10000,100000".into());
    for size in sizes.split(',') {
        runtime.block_on(bench(size.trim().parse().expect("BENCH_LEADS: numbers separated by commas")));
    }
}
