//! The pull at scale against the sandbox at HubSpot's OAuth limit (110 requests per 10 s): every
//! contact of a portal (the sandbox's demo data: owners, mixed-case emails, some without email)
//! into an empty store, mapped fields filled, with each contact's company and deals. Prints API
//! calls against the floor (a list page per 100 contacts with an association read each for its
//! companies and its deals and the batch reads of those, plus properties, owners, company
//! properties and pipelines), wall time against the rate limit's bound, 429s, and peak memory.
//! The sandbox runs as its own process (this binary, re-executed).
//!
//! `cargo bench -p hubsync-sync --bench pull` (env: BENCH_CONTACTS=100000)

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    OAUTH_PER_WINDOW, SANDBOX_ROLE, counters, map_contact_fields, oauth_token, peak_memory_mib, serve_sandbox,
    start_sandbox,
};
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret};
use hubsync_store::{Store, SystemClock};
use hubsync_sync::{Cancel, prepare_pull, run_pull};

async fn bench(total: usize) {
    let (server, base) = start_sandbox(&format!("seed:{total}"));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let token = oauth_token(&http, &base).await;
    let dir = std::env::temp_dir().join(format!("hubsync-bench-pull-{}-{total}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut store = Store::open(&dir.join("hubsync.db"), Arc::new(SystemClock)).expect("store");
    map_contact_fields(&mut store);
    store.set_mapping("lifecycle_stage", "lifecyclestage", None).expect("mapping");

    let limits = RateLimitSettings::oauth();
    let client =
        HubSpotClient::new(ClientConfig::new(&base, limits), Secret::new(token), Arc::new(PortalLimiter::new(limits)))
            .expect("client");
    let started = Instant::now();
    let prepared = prepare_pull(&mut store, &client, &Cancel::default(), &mut |_| {}).await.expect("prepare");
    let read = started.elapsed();
    let (counts, calls) = (prepared.counts.clone(), client.api_calls());
    let applying = Instant::now();
    let run = run_pull(&mut store, prepared, &Cancel::default(), &mut |_| {}).expect("run");
    let apply = applying.elapsed();
    let wall = started.elapsed();

    let counters = counters(&http, &base, &server.control_secret).await;
    // Properties, active owners, deactivated owners, company properties and pipelines; then a
    // list page per 100 contacts, each with an association read for companies and one for deals
    // and the batch reads of its distinct companies and deals (as the sandbox counted them: how
    // many a page holds is the demo data's).
    let pages = total.div_ceil(100) as u64;
    let batch_reads: u64 = ["companies", "deals"]
        .iter()
        .filter_map(|object| counters["requests"][format!("POST /crm/v3/objects/{object}/batch/read")].as_u64())
        .sum();
    let floor = 5 + pages * 3 + batch_reads;
    let bound = Duration::from_secs(10 * (calls.saturating_sub(1) / OAUTH_PER_WINDOW));
    println!("pull benchmark: {total} contacts into an empty store, OAuth limit 110 per 10 s");
    println!(
        "  API calls                  {calls:>9}   floor {floor} (5 setup + {pages} list pages with 2 association reads each + {batch_reads} batch reads of companies and deals)"
    );
    println!(
        "  read and plan              {:>9.1} s   rate-limit bound {:.1} s = {:.1} % of the bound's throughput (target >= 90 %)",
        read.as_secs_f64(),
        bound.as_secs_f64(),
        bound.as_secs_f64() / read.as_secs_f64() * 100.0
    );
    println!("  apply to the store         {:>9.2} s", apply.as_secs_f64());
    println!("  wall time                  {:>9.1} s", wall.as_secs_f64());
    println!("  429s received              {:>9}   target 0", counters["rateLimited"].to_string());
    println!(
        "  leads                      {:>9}   new; {} contacts without email counted, {} failed",
        run.counts.created, counts.no_email, run.counts.failed
    );
    match peak_memory_mib() {
        Some(mib) => println!("  peak memory (this process) {mib:>9.0} MiB target < 300 MB"),
        None => println!("  peak memory: not available on this platform"),
    }
    assert_eq!(run.counts.created as usize, counts.new, "every new lead landed");
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if let Ok(role) = std::env::var(SANDBOX_ROLE) {
        runtime.block_on(serve_sandbox(&role));
        return;
    }
    // `cargo bench` passes `--bench`; run only for it (and not for `cargo test --benches`).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let total = std::env::var("BENCH_CONTACTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    runtime.block_on(bench(total));
}
