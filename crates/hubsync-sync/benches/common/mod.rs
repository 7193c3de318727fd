//! What the sync benchmarks share: the sandbox as its own process (the bench binary,
//! re-executed), at HubSpot's limits, with an OAuth app that approves at once and a private-app
//! token on the Professional tier; an OAuth token from it, so the portal applies the OAuth limit;
//! the push benchmarks' leads and contacts; and the process's peak memory. Each benchmark uses
//! its own part of it.

#![allow(dead_code, unused_imports)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use hubsync_sandbox::{
    ApiTier, CONTROL_SECRET_HEADER, ControlSecret, Fixture, OAuthClient, PrivateToken, Sandbox, SandboxConfig,
};
use serde_json::Value;

mod memory;
pub use memory::peak_memory_mib;

/// Set in the re-executed process: `fixture` (the contacts as a fixture file's path) or
/// `seed:N` (N generated demo contacts).
pub const SANDBOX_ROLE: &str = "HUBSYNC_BENCH_SANDBOX";
/// Set with `SANDBOX_ROLE` for a sandbox at another tier, with a private token for it:
/// `starter:<token>`.
const TIER_ROLE: &str = "HUBSYNC_BENCH_TIER";
const CLIENT_ID: &str = "bench-client";
const CLIENT_SECRET: &str = "bench-secret";
const REDIRECT: &str = "http://localhost:47813/callback";
pub const OAUTH_PER_WINDOW: u64 = 110;
/// A private app's token the sandbox accepts, at the Professional tier's limit.
pub const PRIVATE_TOKEN: &str = "pat-bench-professional";
pub const PRIVATE_TIER: ApiTier = ApiTier::Professional;

/// The sandbox process, as `SANDBOX_ROLE` says.
pub async fn serve_sandbox(role: &str) {
    let mut config = SandboxConfig {
        seed_contacts: 0,
        rate_limits: true,
        control_secret: Some(ControlSecret::generate()),
        ..SandboxConfig::default()
    };
    match role.split_once(':') {
        Some(("seed", count)) => config.seed_contacts = count.parse().expect("a count"),
        Some(("fixture", path)) => {
            config.fixture = Some(Fixture::from_file(std::path::Path::new(path)).expect("fixture"));
        }
        _ => panic!("{SANDBOX_ROLE}={role}: expected seed:N or fixture:PATH"),
    }
    config.oauth_auto_approve = true;
    config.tier = PRIVATE_TIER;
    config.private_tokens.push(PrivateToken::new(PRIVATE_TOKEN));
    if let Ok(tier) = std::env::var(TIER_ROLE) {
        match tier.split_once(':') {
            Some(("starter", token)) => {
                config.tier = ApiTier::Starter;
                config.private_tokens.push(PrivateToken::new(token));
            }
            _ => panic!("{TIER_ROLE}={tier}: expected starter:<token>"),
        }
    }
    config.oauth_clients.push(OAuthClient {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_uris: vec![REDIRECT.into()],
        app_id: 4242,
    });
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    // What the sandbox binary prints, read by `start_sandbox`.
    println!("listening on {}", sandbox.base_url());
    println!("control secret: {}", sandbox.control_secret().expect("a control API"));
    std::future::pending::<()>().await;
}

/// The sandbox process, ended when dropped, and the secret its control API answers to.
pub struct Server {
    child: Child,
    pub control_secret: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts this binary again as the sandbox; returns it and its base URL.
pub fn start_sandbox(role: &str) -> (Server, String) {
    spawn_sandbox(Command::new(std::env::current_exe().expect("own path")).env(SANDBOX_ROLE, role))
}

/// The sandbox at `tier` (Starter only), `token` a private app token of it.
pub fn start_sandbox_at_tier(role: &str, tier: ApiTier, token: &str) -> (Server, String) {
    assert_eq!(tier, ApiTier::Starter, "only the Starter tier is offered");
    let mut command = Command::new(std::env::current_exe().expect("own path"));
    spawn_sandbox(command.env(SANDBOX_ROLE, role).env(TIER_ROLE, format!("starter:{token}")))
}

fn spawn_sandbox(command: &mut Command) -> (Server, String) {
    let mut child =
        command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("the sandbox process starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut printed = |prefix: &str| {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("reads what the sandbox printed");
        line.trim().strip_prefix(prefix).unwrap_or_else(|| panic!("expected {prefix}…, got {line:?}")).to_string()
    };
    let base = printed("listening on ");
    let control_secret = printed("control secret: ");
    (Server { child, control_secret }, base)
}

/// Zeroes the sandbox's request counters (its control API).
pub async fn reset_counters(http: &reqwest::Client, base: &str, control_secret: &str) {
    let request = http.delete(format!("{base}/__sandbox/counters")).header(CONTROL_SECRET_HEADER, control_secret);
    assert!(request.send().await.expect("counters").status().is_success(), "counters reset");
}

/// The sandbox's request counters (its control API).
pub async fn counters(http: &reqwest::Client, base: &str, control_secret: &str) -> Value {
    let request = http.get(format!("{base}/__sandbox/counters")).header(CONTROL_SECRET_HEADER, control_secret);
    request.send().await.expect("counters").json().await.expect("json")
}

/// An access token through the sandbox's OAuth flow (auto-approved), so the portal applies the
/// OAuth app limit.
pub async fn oauth_token(http: &reqwest::Client, base: &str) -> String {
    let query = [
        ("client_id", CLIENT_ID),
        // Everything the app asks for, companies and deals included: without them a push or
        // pull leaves its company part out, and the benchmark would measure less than it says.
        (
            "scope",
            "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read \
             crm.objects.companies.read crm.objects.companies.write crm.objects.deals.read",
        ),
        ("redirect_uri", REDIRECT),
        ("state", "bench"),
    ];
    let reply = http.get(format!("{base}/oauth/authorize")).query(&query).send().await.expect("authorize");
    let location = reply.headers()["location"].to_str().expect("location").to_string();
    let (_, params) = location.split_once('?').expect("a redirect with a code");
    let params: HashMap<String, String> = serde_urlencoded::from_str(params).expect("query");
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("redirect_uri", REDIRECT),
        ("code", params["code"].as_str()),
    ];
    let tokens: Value = http
        .post(format!("{base}/oauth/v1/token"))
        .form(&form)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    tokens["access_token"].as_str().expect("access token").to_string()
}

/// A push benchmark's lead `i`'s email.
pub fn bench_email(i: usize) -> String {
    format!("lead{i:06}@bench.example.com")
}

/// A push benchmark's `total` leads: the first half as HubSpot has them, every fourth of those
/// with a new company; the rest new.
pub fn bench_leads(total: usize) -> Vec<hubsync_store::LeadRow> {
    leads_with_emails(total, bench_email)
}

/// `bench_leads`, lead `i`'s email being `email(i)`.
pub fn leads_with_emails(total: usize, email: impl Fn(usize) -> String) -> Vec<hubsync_store::LeadRow> {
    let known = total / 2;
    (0..total)
        .map(|i| {
            let company = if i < known && i % 4 == 0 { format!("Renamed {i}") } else { format!("Company {i}") };
            hubsync_store::LeadRow {
                row: i + 1,
                email: email(i),
                values: vec![
                    ("first_name".into(), format!("First{i}")),
                    ("last_name".into(), format!("Last{i}")),
                    ("company".into(), company),
                    ("job_title".into(), "Buyer".into()),
                    ("city".into(), "Lyon".into()),
                ],
            }
        })
        .collect()
}

/// The first `known` of a push benchmark's leads as HubSpot has them, as a fixture file.
pub fn write_known_contacts(known: usize, path: &std::path::Path) {
    let contacts = known_contacts(known, bench_email);
    std::fs::write(path, serde_json::json!({ "contacts": contacts }).to_string()).expect("fixture written");
}

/// The first `known` of a push benchmark's leads as HubSpot has them (fixture records), lead
/// `i`'s email being `email(i)`.
pub fn known_contacts(known: usize, email: impl Fn(usize) -> String) -> Vec<Value> {
    (0..known)
        .map(|i| {
            serde_json::json!({ "properties": {
                "email": email(i), "firstname": format!("First{i}"), "lastname": format!("Last{i}"),
                "company": format!("Company {i}"), "jobtitle": "Buyer", "city": "Lyon",
            } })
        })
        .collect()
}

/// The mapping both benchmarks use: names, company, job title and city.
pub fn map_contact_fields(store: &mut hubsync_store::Store) {
    for (field, property) in [
        ("first_name", "firstname"),
        ("last_name", "lastname"),
        ("company", "company"),
        ("job_title", "jobtitle"),
        ("city", "city"),
    ] {
        store.set_mapping(field, property, None).expect("mapping");
    }
}
