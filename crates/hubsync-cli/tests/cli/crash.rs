//! Crash trials: the real `hubsync` binary killed with SIGKILL at random moments of a live push
//! or a live pull (and of the `runs resume` that follows), then resumed until the run is done,
//! and the end state checked against the sandbox: no duplicated contact, no lost write, a store
//! that passes `integrity_check`, leads and contacts that agree, counts that add up, and for a
//! pull the same store an uninterrupted pull gives.
//!
//! Every choice (data, latency, concurrency, kill moments) comes from `HUBSYNC_CRASH_SEED` and
//! the trial number, so a failed trial replays with the seed and `HUBSYNC_CRASH_TRIAL=N`.
//! `HUBSYNC_CRASH_TRIALS` sets how many run (`scripts/crash-trials.sh` runs hundreds).

use std::collections::{BTreeMap, HashMap};
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubsync_store::{Lead, Run, RunKind, RunMode, RunStatus, Store, SystemClock};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::support::{Hub, Portal};
use crate::trust;

const DEFAULT_SEED: u64 = 20_261_124;
/// Three pushes and three pulls: about half a minute on a CI machine.
const DEFAULT_TRIALS: u64 = 6;
/// No trial's command runs longer than this; a hung binary fails the trial.
const COMMAND_DEADLINE: Duration = Duration::from_secs(120);

fn env_number(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    Some(raw.trim().parse().unwrap_or_else(|_| panic!("{name}={raw:?} is not a whole number")))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Push,
    Pull,
}

#[test]
fn live_pushes_and_pulls_killed_at_random_moments_resume_to_exactly_the_right_end() {
    let seed = env_number("HUBSYNC_CRASH_SEED").unwrap_or(DEFAULT_SEED);
    let trials: Vec<u64> = match env_number("HUBSYNC_CRASH_TRIAL") {
        Some(only) => vec![only],
        None => (0..env_number("HUBSYNC_CRASH_TRIALS").unwrap_or(DEFAULT_TRIALS)).collect(),
    };
    let mut failed = Vec::new();
    for &trial in &trials {
        // Pushes on even trials, pulls on odd ones: the kind is part of the replay too.
        let kind = if trial % 2 == 0 { Kind::Push } else { Kind::Pull };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(trial);
        let outcome = std::panic::catch_unwind(move || match kind {
            Kind::Push => push_trial(&mut rng),
            Kind::Pull => pull_trial(&mut rng),
        });
        match outcome {
            Ok(story) => println!("crash trial {trial} ({kind:?}) passed: {story}"),
            Err(_) => {
                println!(
                    "crash trial {trial} ({kind:?}) FAILED; replay it with \
                     HUBSYNC_CRASH_SEED={seed} HUBSYNC_CRASH_TRIAL={trial}"
                );
                failed.push(trial);
            }
        }
    }
    println!("crash trials: {} run, {} passed, seed {seed}", trials.len(), trials.len() - failed.len());
    assert!(failed.is_empty(), "crash trials {failed:?} failed (seed {seed}); each printed how to replay it");
}

/// The lease a killed writer leaves: its process is gone, so `runs resume` takes it over and
/// finishes the run, each contact created once.
#[test]
fn a_push_killed_mid_batch_leaves_a_lease_that_runs_resume_takes_over() {
    let (portal, hub) = trust::portal_with_new_leads();
    let faults = json!({ "latencyMs": 800, "paths": ["/batch/upsert"] });
    portal.control(reqwest::Method::PUT, "/faults", Some(faults));
    let created_before = portal.counter("recordsCreated");
    let upserts_before = trust::upserts(&portal);
    let mut first = hub.start(&["push", "--yes", "--concurrency", "1"]);
    trust::wait_for(&mut first, "a batch in flight", || trust::upserts(&portal) >= upserts_before + 2);
    first.kill().unwrap(); // SIGKILL: no chance to give anything back
    first.wait().unwrap();

    let run = trust::live_push(&hub).expect("the killed push's run");
    assert_eq!(run.status, RunStatus::Running, "the killed process never ended its run");
    assert!(trust::open_store(&hub).run_writer(run.id).unwrap().is_none(), "its lease's holder is gone");
    let resumed = hub.json(&["runs", "resume", &run.id.to_string()]);
    assert_eq!(resumed["run"]["status"], "completed", "{resumed}");
    assert_eq!(resumed["run"]["counts"]["created"], trust::LEADS as u64, "{resumed}");
    assert_eq!(portal.counter("recordsCreated") - created_before, trust::LEADS as u64, "each contact created once");
    assert_eq!(portal.contacts().keys().filter(|e| e.ends_with("@writers.example.com")).count(), trust::LEADS);
}

/// When a trial kills the running command.
#[derive(Debug)]
enum KillAt {
    /// This long after it started: start-up, planning, before any write, or anywhere.
    Delay(Duration),
    /// Once the sandbox has seen `count` more of what the command does (records written by a
    /// push, requests read by a pull), then `then` later: a batch in flight, or the local
    /// apply right after one came back.
    After { count: u64, then: Duration },
}

impl KillAt {
    /// `total` is how much progress the whole command makes, `latency` the sandbox's delay,
    /// `tail` how long the local work after the last request may take.
    fn draw(rng: &mut ChaCha8Rng, total: u64, latency: Duration, tail: Duration, typical_run: Duration) -> KillAt {
        let millis = |d: Duration| d.as_millis() as u64;
        match rng.random_range(0..4) {
            0 => KillAt::Delay(Duration::from_millis(rng.random_range(0..400))),
            1 => KillAt::After {
                count: rng.random_range(1..=total),
                then: Duration::from_millis(rng.random_range(0..=millis(latency) + 50)),
            },
            2 => {
                let near_end = total - rng.random_range(0..=total / 4).min(total - 1);
                // Once everything came back, only the local work is left to hit.
                let window = if near_end == total { tail } else { latency + Duration::from_millis(50) };
                KillAt::After { count: near_end, then: Duration::from_millis(rng.random_range(0..=millis(window))) }
            }
            _ => KillAt::Delay(Duration::from_millis(rng.random_range(0..=millis(typical_run)))),
        }
    }
}

/// Starts `args` and SIGKILLs it at `kill_at`, unless it ends first; says which.
fn run_and_kill(hub: &Hub, args: &[String], kill_at: &KillAt, progress: &dyn Fn() -> u64) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let start_progress = progress();
    let started = Instant::now();
    let mut child = hub.start(&args);
    let ended = |child: &mut Child| child.try_wait().unwrap().map(|s| format!("ended first ({s})"));
    let poll = |child: &mut Child, until: &dyn Fn() -> bool| -> Option<String> {
        while !until() {
            if let Some(ended) = ended(child) {
                return Some(ended);
            }
            assert!(started.elapsed() < COMMAND_DEADLINE, "{args:?} ran past {COMMAND_DEADLINE:?}");
            std::thread::sleep(Duration::from_millis(2));
        }
        None
    };
    let ended_first = match kill_at {
        KillAt::Delay(delay) => poll(&mut child, &|| started.elapsed() >= *delay),
        KillAt::After { count, then } => poll(&mut child, &|| progress() >= start_progress + count).or_else(|| {
            let reached = Instant::now();
            poll(&mut child, &|| reached.elapsed() >= *then)
        }),
    };
    if let Some(ended) = ended_first {
        return format!("{} {ended}", args.join(" "));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    format!("{} killed after {} ms", args.join(" "), started.elapsed().as_millis())
}

fn open_store(hub: &Hub) -> Store {
    Store::open(&hub.db, Arc::new(SystemClock)).expect("the store opens after a kill")
}

/// The store's live runs of `kind`.
fn live_runs(hub: &Hub, kind: RunKind) -> Vec<Run> {
    let runs = open_store(hub).runs().unwrap();
    runs.into_iter().filter(|r| r.kind == kind && r.mode == RunMode::Live).collect()
}

/// What to run next: the first command, `runs resume` for a run a kill cut off, or nothing
/// once the run is complete.
fn next_command(hub: &Hub, kind: RunKind, first: &[String], concurrency: &str) -> Option<Vec<String>> {
    let runs = live_runs(hub, kind);
    assert!(runs.len() <= 1, "one live run, never a second one: {runs:?}");
    match runs.first() {
        None => Some(first.to_vec()),
        Some(run) if run.status == RunStatus::Completed => None,
        Some(run) => {
            Some(["runs", "resume", &run.id.to_string(), "--concurrency", concurrency].map(String::from).to_vec())
        }
    }
}

/// Kills the command `kills` times at moments drawn from `rng`, resuming after each, then lets
/// it finish. Returns the story of the trial and its completed run.
fn kill_and_resume(
    hub: &Hub,
    rng: &mut ChaCha8Rng,
    kind: RunKind,
    first: &[String],
    concurrency: &str,
    draw: &dyn Fn(&mut ChaCha8Rng, bool) -> KillAt,
    progress: &dyn Fn() -> u64,
) -> (Vec<String>, Run) {
    let mut kills = rng.random_range(1..=3);
    let mut story = Vec::new();
    for _ in 0..12 {
        let Some(args) = next_command(hub, kind, first, concurrency) else {
            let run = live_runs(hub, kind).remove(0);
            return (story, run);
        };
        if kills > 0 {
            kills -= 1;
            let kill_at = draw(rng, args[0] == "runs");
            let what = run_and_kill(hub, &args, &kill_at, progress);
            let left = match live_runs(hub, kind).first() {
                None => "no run yet".to_string(),
                Some(run) => format!("run {:?}, {} pending", run.status, run.counts.pending),
            };
            story.push(format!("{kill_at:?}: {what} → {left}"));
        } else {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = hub.run(&args);
            assert_eq!(run.code, 0, "the command after the kills finishes: {run:?}; {story:#?}");
            story.push(format!("{} finished", args.join(" ")));
        }
    }
    panic!("the run never completed: {story:#?}");
}

fn latency_faults(portal: &Portal, latency: Duration, paths: &[&str]) {
    let faults = json!({ "latencyMs": latency.as_millis() as u64, "paths": paths });
    portal.control(reqwest::Method::PUT, "/faults", Some(faults));
}

fn import(hub: &Hub, name: &str, rows: &[(String, String)]) {
    let mut csv = String::from("email,company\n");
    for (email, company) in rows {
        csv.push_str(&format!("{email},{company}\n"));
    }
    let file = hub.dir().join(name);
    std::fs::write(&file, csv).unwrap();
    hub.run(&["leads", "import", file.to_str().unwrap()]).ok();
}

/// A portal with some of the leads as contacts already; every lead has a new company to push.
fn push_trial(rng: &mut ChaCha8Rng) -> String {
    let leads = rng.random_range(150..=350);
    let existing = rng.random_range(0..=leads / 2);
    let latency = Duration::from_millis(rng.random_range(100..=300));
    let concurrency = rng.random_range(1..=3).to_string();
    let email = |i: usize| format!("crash{i}@push.example.com");
    let intended: Vec<(String, String)> =
        (0..leads).map(|i| (email(i), format!("Pushed {i} {}", rng.random_range(0..1_000_000)))).collect();

    let portal = Portal::start();
    let contacts: Vec<Value> =
        (0..existing).map(|i| json!({ "properties": { "email": email(i), "company": "Before the push" } })).collect();
    portal.control(reqwest::Method::POST, "/fixture", Some(json!({ "contacts": contacts })));
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    import(&hub, "leads.csv", &intended);
    latency_faults(&portal, latency, &["/batch/update", "/batch/upsert", "/batch/create"]);
    let created_before = portal.counter("recordsCreated");

    let written = || portal.counter("recordsCreated") + portal.counter("recordsUpdated");
    let batches = leads.div_ceil(100) as u32;
    let typical_run = latency * batches + Duration::from_millis(500);
    let first = ["push", "--yes", "--concurrency", &concurrency].map(String::from);
    let draw = |rng: &mut ChaCha8Rng, _resuming| {
        KillAt::draw(rng, leads as u64, latency, Duration::from_millis(50), typical_run)
    };
    let (story, run) = kill_and_resume(&hub, rng, RunKind::Push, &first, &concurrency, &draw, &written);
    let context = format!(
        "{leads} leads, {existing} already contacts, {latency:?} latency, concurrency {concurrency}: {story:#?}"
    );

    // The sandbox: one contact per lead, each with the value the lead holds, and exactly the
    // missing ones created (a create sent twice would be a second contact or a second create).
    let mut contacts = portal.contacts(); // fails on an email held twice
    contacts.retain(|email, _| email.ends_with("@push.example.com"));
    assert_eq!(contacts.len(), leads, "no contact duplicated or lost; {context}");
    for (email, company) in &intended {
        assert_eq!(contacts[email]["properties"]["company"], company.as_str(), "{email}; {context}");
    }
    let created = portal.counter("recordsCreated") - created_before;
    assert_eq!(created, (leads - existing) as u64, "each missing contact created once; {context}");

    // The store: sound, and every lead linked to its contact.
    let store = open_store(&hub);
    assert_eq!(store.integrity_check().unwrap(), "ok", "{context}");
    let stored = store.leads().unwrap();
    assert_eq!(stored.len(), leads, "{context}");
    for lead in &stored {
        let contact = &contacts[&lead.email];
        assert_eq!(lead.hubspot_id.as_deref(), contact["id"].as_str(), "{}; {context}", lead.email);
        assert_eq!(lead.values.get("company").map(String::as_str), contact["properties"]["company"].as_str());
    }

    // The run: every row written once, as planned; a create whose reply the kill cut off is
    // still recorded as created when the resume sends it again.
    let c = &run.counts;
    assert_eq!((c.pending, c.failed, c.skip, c.invalid), (0, 0, 0, 0), "{c:?}; {context}");
    assert_eq!((c.create, c.update), ((leads - existing) as u64, existing as u64), "{c:?}; {context}");
    assert_eq!((c.created, c.updated), (c.create, c.update), "{c:?}; {context}");
    assert_eq!(store.run_items(run.id).unwrap().len(), leads, "{context}");
    format!("{leads} leads, {existing} existing, {latency:?}, concurrency {concurrency}; {}", story.join("; "))
}

/// A lead as two stores may both hold it, ids and timestamps aside: its contact, its owner
/// and its values, by lowercased email.
type Comparable = BTreeMap<String, (Option<String>, Option<String>, BTreeMap<String, String>)>;

fn comparable(leads: Vec<Lead>) -> Comparable {
    leads.into_iter().map(|l| (l.email.to_lowercase(), (l.hubspot_id, l.owner_id, l.values))).collect()
}

/// A store that already holds some of the contacts (some with other values) and leads of its
/// own; the pull brings in the rest, in more than one applied chunk when there are over 1,000.
fn pull_trial(rng: &mut ChaCha8Rng) -> String {
    let contacts = rng.random_range(200..=1_300);
    let latency = Duration::from_millis(rng.random_range(100..=200));
    let email = |i: usize| format!("crash{i}@pull.example.com");
    let portal_contacts: Vec<Value> = (0..contacts)
        .map(|i| {
            // One in thirty has no email: skipped, never a lead.
            let email = if rng.random_ratio(1, 30) { None } else { Some(email(i)) };
            json!({ "properties": { "email": email, "company": format!("Pulled {i} {}", rng.random_range(0..1_000_000)) } })
        })
        .collect();
    // A quarter of the contacts are leads already, half of those with another company; and
    // some leads are in the store only.
    let mut known = Vec::new();
    for i in 0..contacts {
        if rng.random_ratio(1, 4) {
            let company = if rng.random_bool(0.5) { "Local value" } else { "" };
            known.push((email(i), company.to_string()));
        }
    }
    for i in 0..rng.random_range(0..50) {
        known.push((format!("local{i}@pull.example.com"), "Only here".to_string()));
    }

    let portal = Portal::start();
    portal.control(reqwest::Method::POST, "/fixture", Some(json!({ "contacts": portal_contacts })));
    let setup = |name: &str| {
        let hub = Hub::new();
        hub.connect(&portal);
        hub.run(&["mapping", "set", "company", "company"]).ok();
        if !known.is_empty() {
            import(&hub, name, &known);
        }
        hub
    };
    // Requests the sandbox has answered (its control calls aside).
    let requests =
        || portal.control(reqwest::Method::GET, "/requests?since=999999999", None)["lastSeq"].as_u64().unwrap();
    // What an uninterrupted pull gives, from the same portal and the same store, and how many
    // requests it takes.
    let reference = setup("known.csv");
    let before = requests();
    reference.run(&["pull", "--yes"]).ok();
    let reads = requests() - before;
    let expected = comparable(open_store(&reference).leads().unwrap());
    let expected_run = live_runs(&reference, RunKind::Pull).remove(0);

    let hub = setup("known.csv");
    latency_faults(&portal, latency, &["contacts"]);
    let typical_run = latency * reads as u32 + Duration::from_millis(500);
    let first = ["pull", "--yes"].map(String::from);
    // Half the kills come once every page is read: into planning, journaling and applying,
    // which take tens of milliseconds.
    let local = Duration::from_millis(60);
    // A pull's resume asks HubSpot nothing: it is start-up and local applying, so any moment
    // of its first 60 ms (it is done in well under 100).
    let draw = |rng: &mut ChaCha8Rng, resuming: bool| {
        if resuming {
            KillAt::Delay(Duration::from_millis(rng.random_range(0..=60)))
        } else if rng.random_bool(0.5) {
            KillAt::After { count: reads, then: Duration::from_millis(rng.random_range(0..=local.as_millis() as u64)) }
        } else {
            KillAt::draw(rng, reads, latency, local, typical_run)
        }
    };
    let (story, run) = kill_and_resume(&hub, rng, RunKind::Pull, &first, "1", &draw, &requests);
    let context = format!("{contacts} contacts, {} known leads, {latency:?} latency: {story:#?}", known.len());

    let store = open_store(&hub);
    assert_eq!(store.integrity_check().unwrap(), "ok", "{context}");
    let actual = comparable(store.leads().unwrap());
    if actual != expected {
        let differ: Vec<&String> =
            expected.keys().chain(actual.keys()).filter(|e| actual.get(*e) != expected.get(*e)).take(10).collect();
        panic!("the store differs from an uninterrupted pull's, e.g. for {differ:?}; {context}");
    }
    let linked: HashMap<&str, &str> =
        actual.iter().filter_map(|(email, (id, _, _))| Some((email.as_str(), id.as_deref()?))).collect();
    let mut in_portal = portal.contacts();
    in_portal.retain(|email, _| email.ends_with("@pull.example.com"));
    for (email, contact) in &in_portal {
        assert_eq!(linked.get(email.as_str()).copied(), contact["id"].as_str(), "{email} linked; {context}");
    }

    let c = &run.counts;
    assert_eq!((c.pending, c.failed), (0, 0), "{c:?}; {context}");
    assert_eq!((c.created, c.updated), (c.create, c.update), "{c:?}; {context}");
    let e = &expected_run.counts;
    assert_eq!((c.create, c.update, c.skip, c.invalid), (e.create, e.update, e.skip, e.invalid), "{context}");
    format!("{contacts} contacts, {} known leads, {latency:?}; {}", known.len(), story.join("; "))
}
