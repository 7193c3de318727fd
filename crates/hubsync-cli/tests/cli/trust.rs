//! Trust across processes and portals, with the real binary: two `hubsync` processes never write
//! one run (or one portal) at once, a token or an address that answers for another portal reads
//! and writes nothing, and `HUBSYNC_TOKEN` never travels to the built-in sandbox portal's address.

use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubsync_sandbox::PrivateToken;
use hubsync_store::{PortalConnection, RunKind, RunMode, RunStatus, SecretStoreKind, Store, SystemClock, TokenKind};
use serde_json::{Value, json};

use crate::support::{self, Hub, Portal, TOKEN};

pub(crate) const LEADS: usize = 600;

fn email(i: usize) -> String {
    format!("trust{i}@writers.example.com")
}

/// A portal, and a store connected to it holding `LEADS` new leads to create.
pub(crate) fn portal_with_new_leads() -> (Portal, Hub) {
    support::portal_with_new_leads(LEADS, email)
}

pub(crate) fn open_store(hub: &Hub) -> Store {
    Store::open(&hub.db, Arc::new(SystemClock)).unwrap()
}

/// Waits (up to a minute) until `ready` holds, failing if `child` ends first.
pub(crate) fn wait_for(child: &mut std::process::Child, what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(child.try_wait().unwrap().is_none(), "the first process ended before {what}");
        assert!(started.elapsed() < Duration::from_secs(60), "never saw {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Upsert batches the portal has answered or is answering.
pub(crate) fn upserts(portal: &Portal) -> u64 {
    let counters = portal.control(reqwest::Method::GET, "/counters", None);
    counters["requests"]["POST /crm/v3/objects/contacts/batch/upsert"].as_u64().unwrap_or(0)
}

/// The live push the store holds, once there is one.
pub(crate) fn live_push(hub: &Hub) -> Option<hubsync_store::Run> {
    let runs = open_store(hub).runs().unwrap();
    runs.into_iter().find(|r| r.kind == RunKind::Push && r.mode == RunMode::Live)
}

#[test]
fn while_one_process_writes_a_run_no_other_writes_it_or_its_portal() {
    let (portal, hub) = portal_with_new_leads();
    // Each batch of creates takes 2.5 s to come back: once the first is back, the first writer has
    // five more to send (12.5 s), ample time for the others to try while it writes.
    let faults = json!({ "latencyMs": 2500, "paths": ["/batch/upsert"] });
    portal.control(reqwest::Method::PUT, "/faults", Some(faults));
    let created_before = portal.counter("recordsCreated");
    let upserts_before = upserts(&portal);

    let mut first = hub.start(&["push", "--yes", "--concurrency", "1"]);
    wait_for(&mut first, "the first batch go out", || upserts(&portal) > upserts_before);
    let run = live_push(&hub).expect("the first process's live run");
    let writer = open_store(&hub).run_writer(run.id).unwrap().expect("someone writes it");
    assert_eq!(writer.pid, first.id(), "the first process holds the run");

    // `runs show` says who is writing it.
    let shown = hub.json(&["runs", "show", &run.id.to_string()]);
    assert_eq!(shown["writer"]["pid"], first.id(), "{}", shown["writer"]);
    assert!(hub.run(&["runs", "show", &run.id.to_string()]).ok().stdout.contains("written by"));
    // A resume from a second process is refused, naming the run and what to do.
    let refused = hub.json_error(&["runs", "resume", &run.id.to_string()]);
    assert_eq!(refused["code"], "run_in_progress", "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains(&format!("run {}", run.id)) && message.contains(&first.id().to_string()), "{message}");
    // So is a second push to the same portal: it plans, and writes nothing.
    let second = hub.json_error(&["push", "--yes"]);
    assert_eq!(second["code"], "run_in_progress", "{second}");

    let status = first.wait().unwrap();
    assert!(status.success(), "the first push finishes: {status}");
    portal.control(reqwest::Method::PUT, "/faults", Some(json!({})));
    // Exactly one writer: six batches of 100 creates, each contact created once.
    assert_eq!(upserts(&portal) - upserts_before, LEADS.div_ceil(100) as u64);
    assert_eq!(portal.counter("recordsCreated") - created_before, LEADS as u64);
    let store = open_store(&hub);
    let runs: Vec<_> = store.runs().unwrap().into_iter().filter(|r| r.mode == RunMode::Live).collect();
    assert_eq!(runs.len(), 1, "the refused push left no live run: {runs:?}");
    let done = &runs[0];
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!((done.counts.created, done.counts.updated), (LEADS as u64, 0), "{:?}", done.counts);
    drop(store);

    // Its undo archives what it created and blanks nothing.
    let undone = hub.json(&["runs", "undo", &done.id.to_string(), "--archive-created", "--yes"]);
    assert_eq!(undone["run"]["counts"]["archived"], LEADS as u64, "{undone}");
    assert_eq!(undone["run"]["counts"]["updated"], 0, "{undone}");
    let left: Vec<Value> =
        portal.contacts().into_values().filter(|c| c["properties"]["email"].as_str().is_none()).collect();
    assert!(left.is_empty(), "no contact lost its email: {left:?}");
}

#[test]
fn a_token_of_another_portal_reads_and_writes_nothing() {
    // Portal A is the one connected. Then A's address answers for portal B (another account,
    // whose token is in HUBSYNC_TOKEN), as api.hubapi.com answers for every portal.
    let mut a = Portal::start();
    let hub = Hub::new();
    hub.connect(&a);
    hub.run(&["leads", "add", "--email", "lead@portals.example.com"]).ok();
    let port: u16 = a.base_url.rsplit(':').next().unwrap().parse().unwrap();
    let a_id = a.portal_id();
    a.stop();
    let b_token = "pat-na1-portal-b-0123456789";
    let b = Portal::start_with(|c| {
        c.port = port;
        c.portal.portal_id = a_id + 1;
        c.private_tokens.push(PrivateToken::new(b_token));
    });
    let mut hub = hub;
    hub.env("HUBSYNC_TOKEN", b_token);
    let runs_before = open_store(&hub).runs().unwrap().len();
    let requests_before = b.counter("totalRequests");

    for args in [&["push", "--preview"][..], &["push", "--yes"], &["pull", "--preview"]] {
        let error = hub.json_error(args);
        assert_eq!(error["code"], "wrong_portal", "{args:?}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(&a_id.to_string()) && message.contains(&(a_id + 1).to_string()), "{message}");
    }
    assert_eq!(open_store(&hub).runs().unwrap().len(), runs_before, "nothing was planned or recorded");
    // Each command asked who the token belongs to, and nothing else.
    assert_eq!(b.counter("totalRequests") - requests_before, 3);
}

#[test]
fn a_portal_reconnected_at_another_address_updates_no_contact_through_an_old_link() {
    // Portal A holds contact 1 as ana@…; the lead is linked to it by a push.
    let a = Portal::start_with(|c| c.seed_contacts = 0);
    a.control(
        reqwest::Method::POST,
        "/fixture",
        Some(json!({ "contacts": [{ "properties": { "email": "ana@links.example.com", "company": "A" } }] })),
    );
    let hub = Hub::new();
    hub.connect(&a);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    hub.run(&["leads", "add", "--email", "ana@links.example.com", "--set", "company=A1"]).ok();
    hub.run(&["push", "--yes"]).ok();
    let linked = open_store(&hub).lead_by_email("ana@links.example.com").unwrap().unwrap().hubspot_id;
    assert!(linked.is_some());

    // Another address reports the same portal id, and its contact with that id is someone else.
    let b = Portal::start_with(|c| {
        c.seed_contacts = 0;
        c.portal.portal_id = a.portal_id();
    });
    b.control(
        reqwest::Method::POST,
        "/fixture",
        Some(json!({ "contacts": [{ "properties": { "email": "someone.else@links.example.com", "company": "B" } }] })),
    );
    let stranger = b.contacts()["someone.else@links.example.com"].clone();
    assert_eq!(stranger["id"].as_str(), linked.as_deref(), "the old link's id is a stranger there");
    let changed = hub.dir().join("changed.csv");
    std::fs::write(&changed, "email,company\nana@links.example.com,A2\n").unwrap();
    hub.run(&["leads", "import", changed.to_str().unwrap()]).ok();
    hub.connect(&b);
    assert_eq!(open_store(&hub).lead_by_email("ana@links.example.com").unwrap().unwrap().hubspot_id, None);

    let plan = hub.json(&["push", "--preview"]);
    let row = &plan["items"][0];
    assert_eq!(row["action"], "create", "matched by email only: {plan}");
    hub.run(&["push", "--yes"]).ok();
    let contacts = b.contacts();
    assert_eq!(contacts["someone.else@links.example.com"]["properties"]["company"], "B", "the stranger is untouched");
    assert_eq!(contacts["ana@links.example.com"]["properties"]["company"], "A2");
}

#[test]
fn hubsync_token_never_travels_to_the_built_in_portals_address() {
    // The built-in sandbox portal was last seen at this address; the app is closed and another
    // process holds the port now. It hears whatever Hubsync sends there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let heard = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        let mut seen = String::new();
        if let Ok((stream, _)) = listener.accept() {
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) && line != "\r\n" {
                seen.push_str(&line);
                line.clear();
            }
            let _ = (&stream).write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
        seen
    });
    let mut hub = Hub::new();
    {
        let mut store = open_store(&hub);
        store
            .connect_portal(&PortalConnection {
                portal_id: 24_681_357,
                name: "Built-in sandbox portal".into(),
                hub_domain: String::new(),
                user_email: String::new(),
                scopes: vec![],
                token_kind: TokenKind::Sandbox,
                base_url: address.clone(),
                client_id: None,
                secret_store: SecretStoreKind::Keychain,
                connected_at: hubsync_store::Clock::now(&SystemClock),
                account_type: None,
                writable_properties: None,
            })
            .unwrap();
        store.add_lead("lead@builtin.example.com", &[]).unwrap();
    }
    hub.env("HUBSYNC_TOKEN", TOKEN);
    let run = hub.run(&["push", "--preview"]);
    assert_ne!(run.code, 0, "no token for the built-in portal outside the app: {run:?}");
    // Whatever reached the port, the token did not.
    let _ = std::net::TcpStream::connect(address.trim_start_matches("http://"));
    let seen = heard.join().unwrap();
    assert!(!seen.contains(TOKEN), "HUBSYNC_TOKEN was sent to the built-in portal's address: {seen}");
}
