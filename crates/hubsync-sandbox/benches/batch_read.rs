//! How fast the sandbox serves contacts through batch read, with rate limits off: it must never
//! be the bottleneck of a sync benchmark (target: at least 5,000 contacts per second on
//! loopback). Runs the `hubsync-sandbox` binary as its own process and prints figures.
//!
//! `cargo bench -p hubsync-sandbox --bench batch_read` (env: BENCH_CONTACTS, BENCH_CONCURRENCY)

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TOKEN: &str = "pat-na1-bench";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn start(contacts: usize) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubsync-sandbox"))
        .args(["--port", "0", "--no-rate-limit", "--private-token", TOKEN, "--seed-contacts", &contacts.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sandbox binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("reads the address");
    let base = line.trim().strip_prefix("listening on ").expect("listening line").to_string();
    (Server(child), base)
}

struct Run {
    label: &'static str,
    contacts: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn print(&mut self) {
        self.latencies.sort();
        let pct = |p: f64| self.latencies[((self.latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
        println!(
            "{:<28} {:>7} contacts in {:>6.2} s = {:>8.0} contacts/s  (batch latency p50 {:.1} ms, p99 {:.1} ms)",
            self.label,
            self.contacts,
            self.elapsed.as_secs_f64(),
            self.contacts as f64 / self.elapsed.as_secs_f64(),
            pct(0.5),
            pct(0.99),
        );
    }
}

/// Reads `batches` (each a list of 100 ids) with `concurrency` requests in flight.
async fn batch_read(
    http: &reqwest::Client,
    base: &str,
    label: &'static str,
    id_property: Option<&str>,
    batches: Vec<Vec<String>>,
    concurrency: usize,
) -> Run {
    let url = Arc::new(format!("{base}/crm/v3/objects/contacts/batch/read"));
    let queue = Arc::new(std::sync::Mutex::new(batches.into_iter().collect::<Vec<_>>()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, url, queue) = (http.clone(), url.clone(), queue.clone());
        let id_property = id_property.map(String::from);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut read = 0;
            loop {
                let Some(ids) = queue.lock().expect("queue").pop() else { break };
                let mut body = json!({
                    "properties": ["email", "firstname", "lastname", "company", "lifecyclestage", "hubspot_owner_id"],
                    "inputs": ids.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
                });
                if let Some(p) = &id_property {
                    body["idProperty"] = json!(p);
                }
                let sent = Instant::now();
                let reply: Value = http
                    .post(url.as_str())
                    .bearer_auth(TOKEN)
                    .json(&body)
                    .send()
                    .await
                    .expect("answered")
                    .json()
                    .await
                    .expect("json");
                latencies.push(sent.elapsed());
                read += reply["results"].as_array().map_or(0, Vec::len);
            }
            (read, latencies)
        }));
    }
    let mut contacts = 0;
    let mut latencies = Vec::new();
    for worker in workers {
        let (read, mut l) = worker.await.expect("worker");
        contacts += read;
        latencies.append(&mut l);
    }
    Run { label, contacts, elapsed: started.elapsed(), latencies }
}

#[tokio::main]
async fn main() {
    let total = env_number("BENCH_CONTACTS", 10_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 4);
    let (_server, base) = start(total);
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");

    // Learn every id and email through the list endpoint (itself a figure worth printing).
    let started = Instant::now();
    let mut ids = Vec::with_capacity(total);
    let mut emails = Vec::with_capacity(total);
    let mut after: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let mut url = format!("{base}/crm/v3/objects/contacts?limit=100&properties=email");
        if let Some(a) = &after {
            url.push_str(&format!("&after={a}"));
        }
        let sent = Instant::now();
        let page: Value = http.get(&url).bearer_auth(TOKEN).send().await.expect("answered").json().await.expect("json");
        pages.push(sent.elapsed());
        for record in page["results"].as_array().expect("results") {
            ids.push(record["id"].as_str().expect("id").to_string());
            if let Some(email) = record["properties"]["email"].as_str() {
                emails.push(email.to_lowercase());
            }
        }
        match page["paging"]["next"]["after"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(ids.len(), total, "listed every contact");
    println!("sandbox batch-read benchmark: {total} contacts, {concurrency} requests in flight, rate limits off");
    Run { label: "list, 100 per page", contacts: ids.len(), elapsed: started.elapsed(), latencies: pages }.print();

    let chunk = |list: &[String]| list.chunks(100).map(<[String]>::to_vec).collect::<Vec<_>>();
    let mut by_id = batch_read(&http, &base, "batch read by id", None, chunk(&ids), concurrency).await;
    assert_eq!(by_id.contacts, total);
    by_id.print();
    let mut by_email =
        batch_read(&http, &base, "batch read by email", Some("email"), chunk(&emails), concurrency).await;
    assert_eq!(by_email.contacts, emails.len());
    by_email.print();
    let slowest =
        [&by_id, &by_email].iter().map(|r| r.contacts as f64 / r.elapsed.as_secs_f64()).fold(f64::MAX, f64::min);
    println!(
        "target: >= 5000 contacts/s through batch read: {} (slowest {:.0} contacts/s)",
        if slowest >= 5000.0 { "met" } else { "NOT MET" },
        slowest
    );
}
