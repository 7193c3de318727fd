//! Hubsync at a million leads (issue 7 §5), on one store on disk: the CSV import as the app and
//! the command line run it (`PreparedImport`), the Leads table's page queries (`query_leads`),
//! and a push preview of every lead (`prepare_push`, `record_preview`, then the run's counts and
//! first page, as the preview screen shows them) against the sandbox at a private app's limit
//! (Professional: 190 requests per 10 s). Half the leads are already contacts, a quarter of
//! those changed; the rest are new. Each phase runs in its own process (this binary,
//! re-executed), so each peak memory figure is that phase's alone; the sandbox has its own too.
//!
//! `cargo bench -p hubsync-sync --bench scale` (env: BENCH_LEADS=1000000)

mod common;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    PRIVATE_TIER, PRIVATE_TOKEN, SANDBOX_ROLE, counters, map_contact_fields, peak_memory_mib, serve_sandbox,
    start_sandbox,
};
use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, SAFETY_MARGIN, Secret};
use hubsync_store::{FieldOp, LeadFilter, LeadQuery, LeadSort, RunAction, RunItemFilter, SortKey, Store, SystemClock};
use hubsync_sync::leads::{ImportSettings, PreparedImport};
use hubsync_sync::{Cancel, PushOptions, prepare_push, record_preview};
use serde_json::json;

/// Set in a re-executed phase: `import`, `query` or `preview:BASE_URL`.
const PHASE: &str = "HUBSYNC_BENCH_SCALE_PHASE";
/// The phase's working folder (the CSV file and the store).
const DIR: &str = "HUBSYNC_BENCH_SCALE_DIR";
const LEADS: &str = "HUBSYNC_BENCH_SCALE_LEADS";
/// The preview phase's way to the sandbox's counters.
const CONTROL_SECRET: &str = "HUBSYNC_BENCH_SCALE_CONTROL_SECRET";
/// The Leads table's page, and how often each query runs for its median.
const PAGE: u64 = 50;
const RUNS: usize = 5;

fn email(i: usize) -> String {
    format!("lead{i:07}@bench.example.com")
}

/// The leads HubSpot already has: the first half.
fn known(total: usize) -> usize {
    total / 2
}

/// A known lead whose company differs from HubSpot's: every fourth.
fn changed(i: usize, total: usize) -> bool {
    i < known(total) && i.is_multiple_of(4)
}

/// The leads as an admin's CSV file, written a row at a time.
fn write_csv(path: &Path, total: usize) {
    let mut csv = csv::Writer::from_writer(BufWriter::new(std::fs::File::create(path).expect("the file")));
    csv.write_record(["email", "first_name", "last_name", "company", "job_title", "city"]).expect("header");
    for i in 0..total {
        let company = if changed(i, total) { format!("Renamed {i}") } else { format!("Company {i}") };
        csv.write_record([email(i), format!("First{i}"), format!("Last{i}"), company, "Buyer".into(), "Lyon".into()])
            .expect("row");
    }
    csv.into_inner().expect("flush").flush().expect("flush");
}

/// The known half as HubSpot has them, as the sandbox's fixture file, a contact at a time.
fn write_fixture(path: &Path, total: usize) {
    let mut out = BufWriter::new(std::fs::File::create(path).expect("the fixture"));
    out.write_all(b"{\"contacts\":[").expect("write");
    for i in 0..known(total) {
        let contact = json!({ "properties": {
            "email": email(i), "firstname": format!("First{i}"), "lastname": format!("Last{i}"),
            "company": format!("Company {i}"), "jobtitle": "Buyer", "city": "Lyon",
        } });
        if i > 0 {
            out.write_all(b",").expect("write");
        }
        serde_json::to_writer(&mut out, &contact).expect("write");
    }
    out.write_all(b"]}").expect("write");
    out.flush().expect("flush");
}

fn memory() -> String {
    peak_memory_mib().map_or_else(|| "not available on this platform".into(), |mib| format!("{mib:.0} MiB"))
}

fn per_second(rows: usize, took: Duration) -> f64 {
    rows as f64 / took.as_secs_f64()
}

/// The import phase: a fresh store, mapped and with create on, then the file through the path
/// `leads import` and the app's import take.
fn import_phase(dir: &Path, total: usize) {
    let csv_path = dir.join("leads.csv");
    let mut store = Store::open(&dir.join("hubsync.db"), Arc::new(SystemClock)).expect("store");
    map_contact_fields(&mut store);
    store.set_push_rules(Some(true), Some(true)).expect("rules");
    let started = Instant::now();
    let prepared = PreparedImport::open(&store, &csv_path, &[]).expect("columns");
    let imported = prepared.run(&mut store, &ImportSettings::default(), &mut |_| {}).expect("import");
    let took = started.elapsed();
    assert_eq!((imported.added, imported.updated), (total, 0), "every row added");
    let size = std::fs::metadata(&csv_path).expect("size").len();
    println!(
        "  import (CSV, {:.1} MB)       {:>9.2} s   {:.0} rows/s, one transaction",
        size as f64 / 1e6,
        took.as_secs_f64(),
        per_second(total, took)
    );
    println!("    peak memory, import phase {:>12}", memory());
}

/// Runs `query` `RUNS` times; its median time and the matches it counted.
fn median(store: &Store, query: &LeadQuery) -> (Duration, u64) {
    let mut times = Vec::with_capacity(RUNS);
    let mut total = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let page = store.query_leads(query).expect("query");
        times.push(started.elapsed());
        assert!(page.leads.len() as u64 <= PAGE);
        total = page.total;
    }
    times.sort();
    (times[RUNS / 2], total)
}

/// The query phase: the Leads table's pages (50 rows and the total), as the screen asks.
fn query_phase(dir: &Path, total: usize) {
    let store = Store::open(&dir.join("hubsync.db"), Arc::new(SystemClock)).expect("store");
    let counting = Instant::now();
    assert_eq!(store.lead_count().expect("count"), total as i64);
    let count_time = counting.elapsed();
    let page = |offset: u64| LeadQuery { offset, limit: PAGE, ..LeadQuery::default() };
    let sort = |key: SortKey, descending: bool| LeadSort { key, descending };
    let field =
        |field: &str, op: FieldOp, value: &str| LeadFilter::Field { field: field.into(), op, value: value.into() };
    let target = total / 3;
    let cases: Vec<(String, LeadQuery)> = vec![
        ("first page".into(), page(0)),
        ("deep page (last 50)".into(), page(total as u64 - PAGE)),
        (
            format!("search \"last{target}\" (substring, any value)"),
            LeadQuery { search: format!("last{target}"), ..page(0) },
        ),
        ("search \"renamed\" (many matches)".into(), LeadQuery { search: "renamed".into(), ..page(0) }),
        (
            format!("filter company equals \"company {target}\""),
            LeadQuery { filters: vec![field("company", FieldOp::Equals, &format!("company {target}"))], ..page(0) },
        ),
        (
            "filter not linked to a contact".into(),
            LeadQuery { filters: vec![LeadFilter::Linked { linked: false }], ..page(0) },
        ),
        ("sort by email, descending".into(), LeadQuery { sort: sort(SortKey::Email, true), ..page(0) }),
        (
            "sort by company (a field), middle page".into(),
            LeadQuery { sort: sort(SortKey::Field { key: "company".into() }, false), ..page(total as u64 / 2) },
        ),
    ];
    println!("  lead count                  {:>9.1?}", count_time);
    println!("  Leads table pages, {PAGE} rows + the total, median of {RUNS}:");
    for (name, query) in cases {
        let (time, matches) = median(&store, &query);
        println!("    {name:<46} {time:>9.1?}   {matches} matches");
    }
    println!("    peak memory, query phase  {:>12}", memory());
}

/// The preview phase: what `push --preview` and the app's Preview do for every lead, then the
/// run's counts and first page of rows, as the preview screen shows them.
async fn preview_phase(dir: &Path, total: usize, base: &str) {
    let mut store = Store::open(&dir.join("hubsync.db"), Arc::new(SystemClock)).expect("store");
    let limits = RateLimitSettings::private_app(PRIVATE_TIER.burst_per_ten_seconds());
    let client = HubSpotClient::new(
        ClientConfig::new(base, limits),
        Secret::new(PRIVATE_TOKEN.to_string()),
        Arc::new(PortalLimiter::new(limits)),
    )
    .expect("client");
    let started = Instant::now();
    let prepared = prepare_push(&mut store, &client, &PushOptions::default(), &Cancel::default(), &mut |_| {})
        .await
        .expect("prepare");
    let prepare_time = started.elapsed();
    let after_prepare = memory();
    let recording = Instant::now();
    let run_id = record_preview(&mut store, &prepared).expect("record");
    let record_time = recording.elapsed();
    let showing = Instant::now();
    let run = store.run(run_id).expect("run").expect("the preview run");
    let first = store.run_items_page(run_id, &RunItemFilter::default(), 0, PAGE).expect("page");
    let show_time = showing.elapsed();
    let filtering = Instant::now();
    let updates = RunItemFilter { action: Some(RunAction::Update), ..RunItemFilter::default() };
    let deep = store.run_items_page(run_id, &updates, run.counts.update.saturating_sub(PAGE), PAGE).expect("page");
    let filter_time = filtering.elapsed();

    let calls = client.api_calls();
    let counts = &prepared.counts;
    let updated = (0..known(total)).filter(|&i| changed(i, total)).count();
    assert_eq!((counts.update, counts.create), (updated, total - known(total)), "{counts:?}");
    assert_eq!((first.items.len() as u64, first.total, deep.total), (PAGE, total as u64, updated as u64));
    let per_window = u64::from(limits.per_window);
    let bound = Duration::from_secs(10 * (calls.saturating_sub(1) / per_window));
    let http = reqwest::Client::new();
    let secret = std::env::var(CONTROL_SECRET).expect("the sandbox's control secret");
    let counters = counters(&http, base, &secret).await;
    println!(
        "  push preview of every lead: {} to update, {} to create, {} unchanged; private app, {per_window} per 10 s",
        counts.update, counts.create, counts.skip
    );
    println!(
        "    prepare (read + plan)     {:>9.1} s   read {:.1} s, plan {:.2} s; {calls} API calls",
        prepare_time.as_secs_f64(),
        prepared.read_time.as_secs_f64(),
        prepared.plan_time.as_secs_f64()
    );
    println!(
        "    rate-limit bound          {:>9.1} s   ({} full windows of 10 s after the first {per_window} calls)",
        bound.as_secs_f64(),
        calls.saturating_sub(1) / per_window,
    );
    println!(
        "    live run's estimate       {:>9.1} s   {} API calls (reads + {} writes), with the limiter's {} ms margin a window",
        prepared.plan.estimate.seconds,
        prepared.plan.estimate.api_calls,
        prepared.plan.estimate.write_calls,
        SAFETY_MARGIN.as_millis()
    );
    println!("    429s received             {:>9}", counters["rateLimited"].to_string());
    println!(
        "    peak memory after prepare {:>12}   (the plan's {} rows are in the run history)",
        after_prepare, first.total
    );
    println!("    record the preview        {:>9.2} s", record_time.as_secs_f64());
    println!("    counts + first page       {:>9.1?}", show_time);
    println!("    last page of the updates  {:>9.1?}", filter_time);
    println!("    peak memory, preview phase {:>11}", memory());
}

/// Runs this binary again as a phase; its lines print as they come.
fn phase(name: &str, dir: &Path, total: usize, control_secret: Option<&str>) -> Duration {
    let started = Instant::now();
    let mut command = Command::new(std::env::current_exe().expect("own path"));
    if let Some(secret) = control_secret {
        command.env(CONTROL_SECRET, secret);
    }
    let status = command.env(PHASE, name).env(DIR, dir).env(LEADS, total.to_string()).status().expect("the phase runs");
    assert!(status.success(), "the {name} phase failed");
    started.elapsed()
}

fn bench(total: usize) {
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("hubsync-bench-scale-{}-{total}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "scale benchmark: {total} leads in one store on disk ({} already in HubSpot, {} of them changed)",
        known(total),
        (0..known(total)).filter(|&i| changed(i, total)).count()
    );
    let writing = Instant::now();
    write_csv(&dir.join("leads.csv"), total);
    let fixture = dir.join("fixture.json");
    write_fixture(&fixture, total);
    println!("  CSV and sandbox fixture written in {:.1} s", writing.elapsed().as_secs_f64());

    phase("import", &dir, total, None);
    phase("query", &dir, total, None);
    let loading = Instant::now();
    let (server, base) = start_sandbox(&format!("fixture:{}", fixture.display()));
    println!(
        "  sandbox up with {} contacts in {:.1} s (its own process)",
        known(total),
        loading.elapsed().as_secs_f64()
    );
    phase(&format!("preview:{base}"), &dir, total, Some(&server.control_secret));
    drop(server);
    println!("  wall time, whole benchmark  {:>9.1} s", started.elapsed().as_secs_f64());
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    if let Ok(role) = std::env::var(SANDBOX_ROLE) {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        runtime.block_on(serve_sandbox(&role));
        return;
    }
    if let Ok(phase) = std::env::var(PHASE) {
        let dir = PathBuf::from(std::env::var(DIR).expect("the phase's folder"));
        let total: usize = std::env::var(LEADS).expect("the size").parse().expect("a count");
        match phase.split_once(':') {
            None if phase == "import" => import_phase(&dir, total),
            None if phase == "query" => query_phase(&dir, total),
            Some(("preview", base)) => {
                let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
                runtime.block_on(preview_phase(&dir, total, base));
            }
            _ => panic!("{PHASE}={phase}: expected import, query or preview:BASE_URL"),
        }
        return;
    }
    // `cargo bench` passes `--bench`; run only for it (and not for `cargo test --benches`).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let total = std::env::var("BENCH_LEADS").ok().map_or(1_000_000, |v| v.parse().expect("BENCH_LEADS: a number"));
    bench(total);
}
