//! The push at scale against the sandbox at HubSpot's OAuth limit (110 requests per 10 s): half
//! the leads already in HubSpot, a quarter of those changed, the rest new (create on). Prints the
//! API calls against the floor, wall time against the rate limit's bound, 429s received, plan
//! time and peak memory. The sandbox runs as its own process (this binary, re-executed), so the
//! memory figure is the sync's alone.
//!
//! The `companies` case pushes the same leads with the company rules on: ten leads a company
//! domain; the first half's companies in HubSpot (every fourth with another city, which the push
//! updates), half of their contacts already associated with them as primary; the other half's
//! companies created. Every other contact is associated with its company as primary.
//!
//! `cargo bench -p hubsync-sync --bench push` (env: BENCH_LEADS=10000,100000,
//! BENCH_CASES=contacts,companies)

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubsync_hubspot::{ClientConfig, HubSpotClient, PortalLimiter, RateLimitSettings, Secret};
use hubsync_store::{ImportOptions, MappingSource, Store, SystemClock, WriteRule};
use hubsync_sync::{Cancel, PushOptions, prepare_push, run_push};
use serde_json::{Value, json};

mod common;

use common::{
    OAUTH_PER_WINDOW, SANDBOX_ROLE, bench_leads, counters, known_contacts, leads_with_emails, map_contact_fields,
    oauth_token, peak_memory_mib, serve_sandbox, start_sandbox, write_known_contacts,
};

const IMPORT_ROLE: &str = "HUBSYNC_BENCH_IMPORT";

/// Leads a company domain has in the `companies` case.
const LEADS_PER_DOMAIN: usize = 10;

/// What a run pushes: contacts only, or contacts with their companies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    Contacts,
    Companies,
}

impl Case {
    fn parse(raw: &str) -> Case {
        match raw.trim() {
            "contacts" => Case::Contacts,
            "companies" => Case::Companies,
            other => panic!("BENCH_CASES: {other:?} is neither contacts nor companies"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Case::Contacts => "contacts",
            Case::Companies => "companies",
        }
    }
}

/// The `companies` case's lead `i`'s email: ten leads a company domain.
fn company_email(i: usize) -> String {
    format!("lead{i:06}@co{:05}-bench.com", i / LEADS_PER_DOMAIN)
}

/// The import process: `total` leads into a new store at `db`, mapped and with create on, and
/// for the `companies` case the company rules on: associate, create, the company's name from
/// the lead's company where HubSpot has none, its city from the lead's.
fn import(case: Case, total: usize, db: &std::path::Path) {
    let mut store = Store::open(db, Arc::new(SystemClock)).expect("store");
    map_contact_fields(&mut store);
    store.set_push_rules(Some(true), Some(true)).expect("rules");
    let leads = match case {
        Case::Contacts => bench_leads(total),
        Case::Companies => {
            store.set_company_push_rules(Some(true), Some(true)).expect("company rules");
            store
                .set_company_mapping("name", MappingSource::Lead, "company", Some(WriteRule::IfEmpty))
                .expect("company mapping");
            store.set_company_mapping("city", MappingSource::Lead, "city", None).expect("company mapping");
            leads_with_emails(total, company_email)
        }
    };
    store.import_leads(&leads, ImportOptions::default()).expect("import");
}

/// The `companies` case's portal: the known contacts, the first half's companies (every fourth
/// in Paris where its leads say Lyon) and every other known contact's primary company.
fn companies_fixture(known: usize) -> Value {
    let contact_id = |i: usize| (1_000_000 + i).to_string();
    let company_id = |d: usize| (5_000_000 + d).to_string();
    let mut contacts = known_contacts(known, company_email);
    for (i, contact) in contacts.iter_mut().enumerate() {
        contact["id"] = json!(contact_id(i));
    }
    let companies: Vec<Value> = (0..known / LEADS_PER_DOMAIN)
        .map(|d| {
            let city = if d % 4 == 0 { "Paris" } else { "Lyon" };
            let domain = format!("co{d:05}-bench.com");
            json!({ "id": company_id(d), "properties": { "name": format!("Co {d}"), "domain": domain, "city": city } })
        })
        .collect();
    let associations: Vec<Value> = (0..known)
        .step_by(2)
        .map(|i| {
            json!({
                "fromObjectType": "contacts", "fromObjectId": contact_id(i),
                "toObjectType": "companies", "toObjectId": company_id(i / LEADS_PER_DOMAIN),
                "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1 }]
            })
        })
        .collect();
    json!({ "contacts": contacts, "companies": companies, "associations": associations })
}

/// The company part's writes and the calls they add to the floor.
struct CompanyFloor {
    creates: usize,
    updates: usize,
    associations: usize,
    calls: usize,
}

/// `total` leads, `known` of them contacts, ten a domain: the company properties, a search per
/// 100 domains (one company a domain, so a page each), a read of the contacts' companies per 100
/// known contacts; then the creates, updates and associations, 100 a batch.
fn company_floor(total: usize, known: usize) -> CompanyFloor {
    let domains = total.div_ceil(LEADS_PER_DOMAIN);
    let known_domains = known / LEADS_PER_DOMAIN;
    let creates = domains - known_domains;
    let updates = known_domains.div_ceil(4);
    let associations = (total - known) + known / 2;
    let calls = 1
        + domains.div_ceil(100)
        + known.div_ceil(100)
        + creates.div_ceil(100)
        + updates.div_ceil(100)
        + associations.div_ceil(100);
    CompanyFloor { creates, updates, associations, calls }
}

async fn bench(case: Case, total: usize) {
    let known = total / 2;
    let dir = std::env::temp_dir().join(format!("hubsync-bench-push-{}-{}-{total}", std::process::id(), case.name()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fixture = dir.join("fixture.json");
    match case {
        Case::Contacts => write_known_contacts(known, &fixture),
        Case::Companies => std::fs::write(&fixture, companies_fixture(known).to_string()).expect("fixture written"),
    }
    let (server, base) = start_sandbox(&format!("fixture:{}", fixture.display()));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let token = oauth_token(&http, &base).await;
    let db = dir.join("hubsync.db");
    // The store is filled by a child process, as an import before the push would be, so the
    // peak memory printed is the push's alone.
    let imported = Instant::now();
    let status = Command::new(std::env::current_exe().expect("own path"))
        .env(IMPORT_ROLE, format!("{}:{total}:{}", case.name(), db.display()))
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
    let (plan_time, estimate, planned) =
        (prepared.plan_time, prepared.plan.estimate.clone(), prepared.companies.clone());
    let run = run_push(&mut store, &client, prepared, &options, &Cancel::default(), &mut |_| {}).await.expect("run");
    let wall = started.elapsed();

    let counters = counters(&http, &base, &server.control_secret).await;
    let updates = known.div_ceil(4);
    let creates = total - known;
    let company = (case == Case::Companies).then(|| company_floor(total, known));
    let contact_floor = 1 + total.div_ceil(100) + updates.div_ceil(100) + creates.div_ceil(100);
    let floor = contact_floor + company.as_ref().map_or(0, |c| c.calls);
    let calls = client.api_calls();
    // HubSpot's bound: at most 110 in any 10 s, so 110 go at once and each further 110 a full
    // window after the first of the previous ones.
    let bound = Duration::from_secs(10 * (calls.saturating_sub(1) / OAUTH_PER_WINDOW));
    let throughput = bound.as_secs_f64() / wall.as_secs_f64() * 100.0;
    let landed = run.counts.updated + run.counts.created;

    println!(
        "push benchmark ({}): {total} leads ({known} in HubSpot, {updates} of them changed, {creates} new), OAuth limit 110 per 10 s",
        case.name()
    );
    if let Some(company) = &company {
        println!(
            "  companies                  {:>9} domains ({} in HubSpot, {} to update, {} to create), {} associations to make",
            total.div_ceil(LEADS_PER_DOMAIN),
            known / LEADS_PER_DOMAIN,
            company.updates,
            company.creates,
            company.associations
        );
    }
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
        "  API calls                  {calls:>9}   floor {floor} (1 properties + {} reads + {} updates + {} upserts{})",
        total.div_ceil(100),
        updates.div_ceil(100),
        creates.div_ceil(100),
        company.as_ref().map_or(String::new(), |c| format!(" + {} for companies", c.calls))
    );
    println!("  429s received              {:>9}   target 0", counters["rateLimited"].to_string());
    println!(
        "  rows landed                {landed:>9}   of {} to write; failed {}",
        updates + creates,
        run.counts.failed
    );
    if let Some(company) = &company {
        let done = store.run_company_counts(run.id).expect("company counts");
        let planned = planned.expect("the company rules are on");
        println!(
            "  companies landed           {:>9}   of {} planned ({} created, {} updated); failed {}",
            done.created + done.updated,
            planned.create + planned.update,
            done.created,
            done.updated,
            done.failed
        );
        println!(
            "  associations landed        {:>9}   of {} planned, {} already primary; failed {}",
            done.associated, planned.associate, planned.already, done.association_failed
        );
        assert_eq!(
            ((done.created + done.updated) as usize, done.associated as usize),
            (company.creates + company.updates, company.associations),
            "every company write landed"
        );
    }
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
        let mut parts = job.splitn(3, ':');
        let (Some(case), Some(total), Some(db)) = (parts.next(), parts.next(), parts.next()) else {
            panic!("{IMPORT_ROLE}={job}: expected CASE:TOTAL:PATH");
        };
        import(Case::parse(case), total.parse().expect("a count"), std::path::Path::new(db));
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
    let cases = std::env::var("BENCH_CASES").unwrap_or_else(|_| "contacts,companies".into());
    for case in cases.split(',').map(Case::parse) {
        for size in sizes.split(',') {
            runtime.block_on(bench(case, size.trim().parse().expect("BENCH_LEADS: numbers separated by commas")));
        }
    }
}
