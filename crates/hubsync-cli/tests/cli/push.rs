//! push, runs: the preview writes nothing, the live run needs a confirmation and does what the
//! preview showed, the history keeps both, and a run killed with SIGKILL resumes to exactly
//! one write per lead.

use std::process::Command;
use std::time::{Duration, Instant};

use hubsync_store::{Store, SystemClock};
use serde_json::{Value, json};

use crate::support::{Hub, Portal};

fn load(portal: &Portal, contacts: Value) {
    portal.control(reqwest::Method::POST, "/fixture", Some(json!({ "contacts": contacts })));
}

/// Requests other than reads since `seq`.
fn writes_since(portal: &Portal, seq: u64) -> Vec<String> {
    let log = portal.control(reqwest::Method::GET, &format!("/requests?since={seq}"), None);
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["method"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .filter(|r| !r.starts_with("GET ") && !r.ends_with("/batch/read") && !r.ends_with("/search"))
        .collect()
}

fn last_seq(portal: &Portal) -> u64 {
    portal.control(reqwest::Method::GET, "/requests?since=999999999", None)["lastSeq"].as_u64().unwrap()
}

#[test]
fn preview_then_confirmed_push_then_history() {
    let portal = Portal::start();
    load(
        &portal,
        json!([
            { "id": "9001", "properties": { "email": "Ann@Example.com", "company": "Old", "city": "Oslo" } },
            { "id": "9002", "properties": { "email": "bo@example.com", "company": "Same" } }
        ]),
    );
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["mapping", "set", "city", "city", "--rule", "if-empty"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "company=New", "--set", "city=Rome"]).ok();
    hub.run(&["leads", "add", "--email", "bo@example.com", "--set", "company=Same"]).ok();
    hub.run(&["leads", "add", "--email", "cy@example.com", "--set", "company=Fresh"]).ok();
    hub.run(&["leads", "add", "--email", "di@example.com", "--set", "company_size=1-5"]).ok();
    hub.run(&["mapping", "set", "company_size", "numemployees"]).ok();

    let seq = last_seq(&portal);
    let preview = hub.json(&["push", "--preview"]);
    assert_eq!(writes_since(&portal, seq), Vec::<String>::new(), "the preview wrote nothing");
    assert_eq!(preview["mode"], "preview");
    assert_eq!(preview["counts"], json!({ "update": 1, "create": 2, "skip": 1, "invalid": 0 }));
    assert!(preview["estimate"]["apiCalls"].as_u64().unwrap() >= 3, "{preview}");
    let ann = preview["items"].as_array().unwrap().iter().find(|i| i["email"] == "ann@example.com").unwrap();
    assert_eq!(ann["action"], "update");
    assert_eq!(
        ann["changes"],
        json!([
            { "field": "company", "property": "company", "before": "Old", "after": "New", "kept": false },
            { "field": "city", "property": "city", "before": "Oslo", "after": null, "kept": true }
        ])
    );
    let human = hub.run(&["push", "--preview"]).ok();
    assert!(human.stdout.contains("(kept: HubSpot's value is not empty)"), "{}", human.stdout);
    assert!(human.stdout.contains("nothing was written"), "{}", human.stdout);

    // Not on a terminal and no --yes: refused, nothing written.
    let seq = last_seq(&portal);
    let refused = hub.json_error(&["push"]);
    assert_eq!(refused["code"], "usage");
    assert!(refused["hint"].as_str().unwrap().contains("--yes"));
    assert_eq!(writes_since(&portal, seq), Vec::<String>::new());
    let runs = hub.json(&["runs", "list"]);
    let kept: Vec<(&str, &str)> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["mode"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(kept, [("preview", "completed"), ("preview", "completed")], "the refused push's plan is not kept");

    let live = hub.json(&["push", "--yes"]);
    assert_eq!(live["run"]["status"], "completed");
    assert_eq!(
        (live["run"]["counts"]["updated"].as_u64(), live["run"]["counts"]["created"].as_u64()),
        (Some(1), Some(2))
    );
    let contacts = portal.contacts();
    assert_eq!(contacts["ann@example.com"]["properties"]["company"], "New");
    assert_eq!(contacts["ann@example.com"]["properties"]["city"], "Oslo");
    assert_eq!(contacts["cy@example.com"]["properties"]["company"], "Fresh");
    assert_eq!(contacts["di@example.com"]["properties"]["numemployees"], "1-5");
    let leads = hub.json(&["leads", "list"]);
    let ids: Vec<&Value> = leads["leads"].as_array().unwrap().iter().map(|l| &l["hubspot_id"]).collect();
    assert_eq!((ids[0], ids[1]), (&json!("9001"), &json!("9002")), "matched leads are linked, written or skipped");
    assert!(ids[2].is_string() && ids[3].is_string(), "new ids written back: {leads}");
    assert_eq!(hub.json(&["status"])["counts"]["linked_leads"], 4, "status counts the linked leads");

    let runs = hub.json(&["runs", "list"]);
    let modes: Vec<&str> = runs["runs"].as_array().unwrap().iter().map(|r| r["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["live", "preview", "preview"]);
    let id = live["run"]["id"].as_i64().unwrap().to_string();
    let shown = hub.json(&["runs", "show", &id]);
    let outcomes: Vec<&str> =
        shown["items"].as_array().unwrap().iter().map(|i| i["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["updated", "skipped", "created", "created"]);
    let human = hub.run(&["runs", "show", &id]).ok();
    assert!(human.stdout.contains("company: Old → New"), "{}", human.stdout);
    assert_eq!(hub.json_error(&["runs", "resume", &id])["code"], "run_not_resumable");
    let missing = hub.json_error(&["runs", "show", "999"]);
    assert_eq!(missing["code"], "run_not_found");
    assert!(missing["hint"].as_str().unwrap().contains("hubsync runs list"), "{missing}");

    let again = hub.json(&["push", "--preview", "--email", "ANN@example.com"]);
    assert_eq!(again["counts"], json!({ "update": 0, "create": 0, "skip": 1, "invalid": 0 }));
    assert_eq!(hub.json_error(&["push", "--preview", "--email", "nobody@example.com"])["code"], "unknown_leads");
}

#[test]
fn push_needs_a_connection() {
    let hub = Hub::new();
    hub.run(&["leads", "add", "--email", "a@example.com"]).ok();
    assert_eq!(hub.json_error(&["push", "--preview"])["code"], "not_connected");
}

/// 200 leads, half already contacts; every write batch waits 400 ms in the sandbox, so a run of
/// four batches one at a time lasts long enough to be killed in the middle.
fn slow_portal_with_leads() -> (Portal, Hub) {
    let portal = Portal::start();
    let contacts: Vec<Value> =
        (0..100).map(|i| json!({ "properties": { "email": format!("k{i}@example.com"), "company": "Old" } })).collect();
    load(&portal, Value::Array(contacts));
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    let mut csv = String::from("email,company\n");
    for i in 0..200 {
        csv.push_str(&format!("k{i}@example.com,New {i}\n"));
    }
    let file = hub.dir().join("leads.csv");
    std::fs::write(&file, csv).unwrap();
    hub.run(&["leads", "import", file.to_str().unwrap()]).ok();
    let faults = json!({ "latencyMs": 400, "paths": ["/batch/update", "/batch/upsert"] });
    portal.control(reqwest::Method::PUT, "/faults", Some(faults));
    (portal, hub)
}

fn written(portal: &Portal) -> u64 {
    portal.counter("recordsCreated") + portal.counter("recordsUpdated")
}

#[test]
fn a_push_killed_with_sigkill_resumes_and_every_lead_lands_once() {
    // Killed after the first batch landed, and then while a batch is in HubSpot's hands.
    for kill_after_writes in [100, 150] {
        let (portal, hub) = slow_portal_with_leads();
        let before = written(&portal);
        let mut child = hub.start(&["push", "--yes", "--concurrency", "1"]);
        let deadline = Instant::now() + Duration::from_secs(60);
        while written(&portal) < before + kill_after_writes.min(100) {
            assert!(Instant::now() < deadline, "the push never wrote");
            assert!(child.try_wait().unwrap().is_none(), "the push ended before it could be killed");
            std::thread::sleep(Duration::from_millis(20));
        }
        if kill_after_writes > 100 {
            // Into the next batch's latency: sent, not yet answered.
            std::thread::sleep(Duration::from_millis(200));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let runs = hub.json(&["runs", "list"]);
        let run = &runs["runs"][0];
        assert_eq!((run["mode"].as_str(), run["status"].as_str()), (Some("live"), Some("running")), "{runs}");
        assert!(run["counts"]["pending"].as_u64().unwrap() > 0, "killed mid-run: {run}");

        let id = run["id"].as_i64().unwrap().to_string();
        let resumed = hub.json(&["runs", "resume", &id, "--concurrency", "4"]);
        assert_eq!(resumed["run"]["status"], "completed", "{resumed}");
        let counts = &resumed["run"]["counts"];
        assert_eq!((counts["pending"].as_u64(), counts["failed"].as_u64()), (Some(0), Some(0)), "{counts}");

        let mut contacts = portal.contacts(); // asserts no email is held twice
        contacts.retain(|email, _| email.starts_with('k')); // the portal's own demo contacts aside
        assert_eq!(contacts.len(), 200, "no contact duplicated or lost");
        for i in 0..200 {
            assert_eq!(contacts[&format!("k{i}@example.com")]["properties"]["company"], format!("New {i}"));
        }
        let store = Store::open(&hub.db, std::sync::Arc::new(SystemClock)).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let leads = store.leads().unwrap();
        assert!(leads.iter().all(|l| {
            let id = l.hubspot_id.as_deref();
            id.is_some() && contacts[&l.email.to_lowercase()]["id"].as_str() == id
        }));
    }
}

#[test]
fn pull_preview_then_live_pull_fills_the_store() {
    let portal = Portal::start();
    load(
        &portal,
        json!([
            { "id": "7001", "properties": { "email": "Pia@Example.com", "company": "Pia Co", "firstname": "Pia" } },
            { "id": "7002", "properties": { "firstname": "Nobody" } }
        ]),
    );
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "pull", "--filter", "company = 'Pia Co'"]).ok(); // the portal's demo contacts aside

    let preview = hub.json(&["pull", "--preview"]);
    assert_eq!(preview["mode"], "preview");
    assert_eq!(preview["counts"]["new"], 1);
    assert_eq!(hub.json(&["leads", "list"])["leads"], json!([]), "a preview writes nothing");
    let human = hub.run(&["pull", "--preview"]).ok().stdout;
    assert!(human.contains("Pia Co") && human.contains("nothing was written"), "{human}");

    assert_eq!(hub.json_error(&["pull"])["code"], "usage", "no terminal, no --yes");
    let runs = hub.json(&["runs", "list"]);
    let kept: Vec<&str> = runs["runs"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(kept, ["completed", "completed"], "the two previews; the refused pull's plan is not kept");
    let preview_items = preview["items"].as_array().unwrap();
    assert_eq!((preview_items.len(), &preview_items[0]["action"]), (1, &json!("new")), "{preview}");
    let live = hub.json(&["pull", "--yes"]);
    assert_eq!((live["run"]["kind"].as_str(), live["run"]["counts"]["created"].as_u64()), (Some("pull"), Some(1)));
    let leads = hub.json(&["leads", "list"]);
    assert_eq!(leads["leads"][0]["email"], "Pia@Example.com");
    assert_eq!(leads["leads"][0]["hubspot_id"], "7001");
    assert_eq!(leads["leads"][0]["values"]["company"], "Pia Co");
    let again = hub.json(&["pull", "--preview"]);
    assert_eq!((again["counts"]["new"].as_u64(), again["counts"]["unchanged"].as_u64()), (Some(0), Some(1)));
}

#[test]
fn owners_are_listed_and_each_pulled_lead_shows_its_owner() {
    let mut portal = Portal::start();
    portal.control(
        reqwest::Method::POST,
        "/fixture",
        Some(json!({
            "owners": [
                { "id": "501", "email": "rita@acme.test", "firstName": "Rita", "lastName": "Ruiz", "userId": 1, "userIdIncludingInactive": 1 },
                { "id": "502", "email": "lee@acme.test", "firstName": "Lee", "lastName": "Left", "userId": null, "userIdIncludingInactive": 2, "archived": true }
            ],
            "contacts": [
                { "id": "8001", "properties": { "email": "owned@example.com", "company": "Owned", "hubspot_owner_id": "501" } },
                { "id": "8002", "properties": { "email": "orphan@example.com", "company": "Owned", "hubspot_owner_id": "502" } }
            ]
        })),
    );
    let hub = Hub::new();
    hub.connect(&portal);
    let owners = hub.json(&["owners", "list"]);
    let listed: Vec<(&str, bool)> = owners["owners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["id"] == "501" || o["id"] == "502")
        .map(|o| (o["email"].as_str().unwrap(), o["active"].as_bool().unwrap()))
        .collect();
    assert_eq!(listed, [("rita@acme.test", true), ("lee@acme.test", false)]);

    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "pull", "--filter", "company = Owned"]).ok();
    hub.run(&["pull", "--yes"]).ok();
    let leads = hub.json(&["leads", "list"]);
    let owner_of =
        |email: &str| leads["leads"].as_array().unwrap().iter().find(|l| l["email"] == email).unwrap()["owner"].clone();
    assert_eq!(
        owner_of("owned@example.com"),
        json!({ "email": "rita@acme.test", "name": "Rita Ruiz", "active": true })
    );
    assert_eq!(owner_of("orphan@example.com")["active"], false);
    let table = hub.run(&["leads", "list"]).ok().stdout;
    assert!(table.contains("Lee Left <lee@acme.test> (deactivated)"), "{table}");

    portal.stop();
    let offline = hub.json(&["owners", "list"]);
    assert_eq!(offline["live"], false, "the owners as last read: {offline}");
}

#[test]
fn disconnecting_stops_a_running_push_at_once_and_it_resumes_after_reconnecting() {
    let (portal, hub) = crate::support::portal_with_new_leads(800, |i| format!("d{i}@example.com"));
    // Eight batches of a second each: time enough to disconnect between them.
    portal.control(reqwest::Method::PUT, "/faults", Some(json!({ "latencyMs": 1000, "paths": ["/batch/upsert"] })));
    let before = written(&portal);
    let mut child = hub.start(&["push", "--yes", "--concurrency", "1"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while written(&portal) < before + 100 {
        assert!(Instant::now() < deadline, "the push never wrote");
        std::thread::sleep(Duration::from_millis(20));
    }
    hub.run(&["disconnect"]).ok();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the push ended interrupted");

    let runs = hub.json(&["runs", "list"]);
    let run = &runs["runs"][0];
    assert_eq!(run["status"], "interrupted", "{runs}");
    assert!(run["stop_reason"].as_str().unwrap().contains("disconnected while the run went on"), "{run}");
    let pending = run["counts"]["pending"].as_u64().unwrap();
    assert!(pending >= 100, "stopped well before the end: {run}");

    hub.connect(&portal);
    portal.control(reqwest::Method::PUT, "/faults", Some(json!({})));
    let id = run["id"].as_i64().unwrap().to_string();
    let resumed = hub.json(&["runs", "resume", &id, "--concurrency", "4"]);
    assert_eq!(resumed["run"]["status"], "completed", "{resumed}");
    let mut contacts = portal.contacts();
    contacts.retain(|email, _| email.starts_with('d') && email.ends_with("@example.com"));
    assert_eq!(contacts.len(), 800, "every lead landed once");
}

#[test]
fn ctrl_c_stops_a_pull_preview_between_pages_and_records_nothing() {
    let portal = Portal::start();
    let contacts: Vec<Value> =
        (0..1_000).map(|i| json!({ "properties": { "email": format!("p{i}@example.com") } })).collect();
    load(&portal, Value::Array(contacts));
    let hub = Hub::new();
    hub.connect(&portal);
    // Each list page waits 300 ms: ten pages take three seconds, time enough for Ctrl-C.
    let faults = json!({ "latencyMs": 300, "paths": ["/crm/v3/objects/contacts"] });
    portal.control(reqwest::Method::PUT, "/faults", Some(faults));
    let pages = |portal: &Portal| {
        let counters = portal.control(reqwest::Method::GET, "/counters", None);
        counters["requests"]["GET /crm/v3/objects/contacts"].as_u64().unwrap_or(0)
    };
    let before = pages(&portal);
    let mut child = hub.start(&["--json", "pull", "--preview"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    // A page answered: the preview is reading, and Ctrl-C is the command's to handle.
    while pages(&portal) == before {
        assert!(Instant::now() < deadline, "the preview never read a page");
        assert!(child.try_wait().unwrap().is_none(), "the preview ended before Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "stopped with an error, not killed by the signal: {status:?}");
    let read = pages(&portal) - before;
    assert!(read < 10, "no page after the one in flight: {read} of 10 read");
    assert_eq!(hub.json(&["runs", "list"])["runs"], json!([]), "no preview recorded");
}

#[test]
fn a_preview_that_skips_leads_for_want_of_create_says_how_to_create_them() {
    let portal = Portal::start();
    load(&portal, json!([{ "id": "9001", "properties": { "email": "ann@example.com" } }]));
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["leads", "add", "--email", "ann@example.com"]).ok();
    hub.run(&["leads", "add", "--email", "bo@example.com"]).ok();
    hub.run(&["leads", "add", "--email", "cy@example.com"]).ok();

    let preview = hub.run(&["push", "--preview"]).ok();
    assert!(
        preview.stdout.contains(
            "2 leads have no matching HubSpot contact and creating contacts is off, so they are skipped: \
             `hubsync rules push --create on` creates them."
        ),
        "{preview:?}"
    );
    let json = hub.json(&["push", "--preview"]);
    let skipped: Vec<_> = json["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["key"].as_str().unwrap(), l["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(skipped, [("no-match-create-off", 2), ("unchanged", 1)], "the most common reason first: {json}");

    hub.run(&["rules", "push", "--create", "on"]).ok();
    let preview = hub.run(&["push", "--preview"]).ok();
    assert!(!preview.stdout.contains("creating contacts is off"), "{preview:?}");
}

#[test]
fn a_push_with_nothing_to_write_says_so_instead_of_suggesting_itself() {
    let portal = Portal::start();
    load(&portal, json!([{ "id": "9001", "properties": { "email": "ann@example.com", "company": "Same" } }]));
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "company=Same"]).ok();

    let run = hub.run(&["push", "--yes"]).ok();
    assert!(run.stdout.contains("Nothing needs writing"), "{run:?}");
    assert!(!run.stdout.contains("push --yes"), "no suggestion to run what just ran: {run:?}");
    let preview = hub.run(&["push", "--preview"]).ok();
    assert!(!preview.stdout.contains("push --yes"), "nor to run a plan that writes nothing: {preview:?}");

    // With something to write, the preview still says how to run it.
    let file = hub.dir().join("changed.csv");
    std::fs::write(&file, "email,company\nann@example.com,New\n").unwrap();
    hub.run(&["leads", "import", file.to_str().unwrap()]).ok();
    let preview = hub.run(&["push", "--preview"]).ok();
    assert!(preview.stdout.contains("`hubsync push --yes` runs it for real"), "{preview:?}");
}

#[test]
fn invalid_reasons_are_shown_whole_in_the_preview_and_the_run() {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["mapping", "set", "company", "createdate"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    hub.run(&["leads", "add", "--email", "ann@example.com", "--set", "company=Acme Robotics International"]).ok();
    let preview = hub.json(&["push", "--preview"]);
    let reason = preview["items"][0]["reasons"][0].as_str().unwrap().to_string();
    assert!(reason.chars().count() > 60, "{reason}");
    let text = hub.run(&["push", "--preview"]).ok().stdout;
    assert!(text.contains(&reason), "the whole reason: {text}");
    let run_id = preview["runId"].to_string();
    let shown = hub.run(&["runs", "show", &run_id]).ok().stdout;
    assert!(shown.contains(&reason), "the whole reason: {shown}");
}

/// With the company rules on, `push --preview --json` shows each company row (its action and
/// every field's before and after) and each lead's association, and the text a table of the
/// companies; the live run then makes them.
#[test]
fn a_push_preview_shows_the_companies_and_associations_it_would_make() {
    let portal = Portal::start();
    portal.control(
        reqwest::Method::POST,
        "/fixture",
        Some(json!({
            "contacts": [{ "id": "9001", "properties": { "email": "ann@acme.com" } }],
            "companies": [{ "id": "7001", "properties": { "name": "Acme", "domain": "acme.com" } }]
        })),
    );
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["rules", "push", "--create", "on"]).ok();
    {
        // The company rules and mapping as the app saves them.
        let mut store = Store::open(&hub.db, std::sync::Arc::new(SystemClock)).unwrap();
        store.set_company_push_rules(Some(true), Some(true)).unwrap();
        store.set_company_mapping("name", hubsync_store::MappingSource::Lead, "company", None).unwrap();
    }
    hub.run(&["leads", "add", "--email", "ann@acme.com", "--set", "company=Acme"]).ok();
    hub.run(&["leads", "add", "--email", "new@newco.io", "--set", "company=NewCo"]).ok();
    hub.run(&["leads", "add", "--email", "eve@gmail.com"]).ok();

    let seq = last_seq(&portal);
    let preview = hub.json(&["push", "--preview"]);
    assert_eq!(writes_since(&portal, seq), Vec::<String>::new(), "the preview wrote nothing");
    let companies = &preview["companies"];
    assert_eq!(
        (&companies["counts"]["create"], &companies["counts"]["unchanged"], &companies["counts"]["associate"]),
        (&json!(1), &json!(1), &json!(2)),
        "{companies}"
    );
    assert_eq!(companies["skipped"], json!([{ "key": "free-mail", "label": "free-mail domain", "count": 1 }]));
    let rows: Vec<(&str, &str)> = companies["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["domain"].as_str().unwrap(), c["action"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [("acme.com", "skip"), ("newco.io", "create")]);
    let newco = &companies["items"][1];
    assert_eq!(newco["name"], "NewCo");
    assert_eq!(
        newco["changes"],
        json!([
            { "field": "domain", "property": "domain", "before": null, "after": "newco.io", "kept": false },
            { "field": "company", "property": "name", "before": null, "after": "NewCo", "kept": false }
        ])
    );
    let associations: Vec<(&str, &str, &Value)> = companies["associations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["email"].as_str().unwrap(), a["action"].as_str().unwrap(), &a["reason"]))
        .collect();
    assert_eq!(
        associations,
        [
            ("ann@acme.com", "associate", &Value::Null),
            ("new@newco.io", "associate", &Value::Null),
            ("eve@gmail.com", "skip", &json!("gmail.com is a free-mail domain, which names no company"))
        ]
    );
    let human = hub.run(&["push", "--preview"]).ok();
    assert!(human.stdout.contains("Companies: 0 update, 1 create, 1 unchanged"), "{}", human.stdout);
    assert!(human.stdout.contains("newco.io") && human.stdout.contains("new: NewCo"), "{}", human.stdout);
    assert!(human.stdout.contains("Leads without an association: 1 free-mail domain."), "{}", human.stdout);

    let live = hub.json(&["push", "--yes"]);
    assert_eq!(live["run"]["status"], "completed");
    assert_eq!(
        (&live["companies"]["counts"]["created"], &live["companies"]["counts"]["associated"]),
        (&json!(1), &json!(2))
    );
    let shown = hub.json(&["runs", "show", &live["run"]["id"].to_string()]);
    assert_eq!(shown["companies"]["associations"][1]["outcome"], "associated");
}
