//! guardrails and schedule: a live push past a limit exits 3 holding its run, which `runs
//! approve` runs once; `schedule run-due` against the sandbox fires what is due once; two
//! `run-due` processes at once with two schedules due: one runs, the other waits; the systemd
//! units pass `systemd-analyze verify`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Hub, Portal, finished};

/// A hub connected to `portal` (its 5 seeded contacts aside), create on, with leads new to it.
fn hub_with_new_leads(portal: &Portal, count: usize) -> Hub {
    let hub = Hub::new();
    hub.connect(portal);
    hub.run(&["rules", "push", "--create", "on"]).ok();
    for i in 0..count {
        hub.run(&["leads", "add", "--email", &format!("new{i}@example.com")]).ok();
    }
    hub
}

fn new_contacts(portal: &Portal) -> usize {
    portal
        .contacts()
        .values()
        .filter(|c| c["properties"]["email"].as_str().is_some_and(|e| e.starts_with("new")))
        .count()
}

/// Moves every schedule's anchor back `minutes`, as if added then and never fired: its missed
/// slots are due now.
fn added_minutes_ago(hub: &Hub, minutes: i64) {
    let conn = rusqlite::Connection::open(&hub.db).unwrap();
    let anchor = (chrono::Utc::now() - chrono::Duration::minutes(minutes)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    conn.execute("UPDATE schedules SET timing = json_set(timing, '$.anchor', ?1), last_slot = NULL", [anchor]).unwrap();
}

#[test]
fn a_live_push_past_a_limit_exits_3_holding_its_run_and_approve_runs_it_once() {
    let portal = Portal::start();
    let hub = hub_with_new_leads(&portal, 3);
    let saved = hub.json(&["guardrails", "--max-creates", "2", "--max-overwrites", "10%"]);
    assert_eq!(saved["max_creates"], 2);
    assert_eq!(saved["max_overwrite_percent"], 10.0);

    let held = hub.run(&["--json", "push", "--yes"]);
    assert_eq!(held.code, 3, "a held run exits 3: {held:?}");
    let error = &held.json()["error"];
    assert_eq!(error["code"], "held_by_guardrail");
    assert!(error["message"].as_str().unwrap().contains("3 creates, your limit is 2"), "{error}");
    let run_id = error["run_id"].as_i64().expect("the held run");
    assert_eq!(new_contacts(&portal), 0, "nothing was written");
    let listed = hub.json(&["runs", "list"]);
    let run = listed["runs"].as_array().unwrap().iter().find(|r| r["id"] == run_id).unwrap().clone();
    assert_eq!((run["hold"].clone(), run["mode"].clone()), (json!("held"), json!("preview")));

    let preview = hub.json(&["push", "--preview"]);
    assert_eq!(preview["crossed"][0]["guardrail"], "creates", "the preview says so too");
    let human = hub.run(&["push", "--preview"]).ok();
    assert!(human.stderr.contains("a live run of this plan would be held: 3 creates, your limit is 2"), "{human:?}");

    let approved = hub.json(&["runs", "approve", &run_id.to_string(), "--yes"]);
    assert_eq!(
        (approved["run"]["status"].clone(), approved["run"]["counts"]["created"].clone()),
        (json!("completed"), json!(3))
    );
    assert_eq!(new_contacts(&portal), 3);
    let again = hub.json_error(&["runs", "approve", &run_id.to_string(), "--yes"]);
    assert_eq!(again["code"], "hold_decided");
    let shown = hub.run(&["runs", "show", &run_id.to_string()]).ok();
    assert!(
        shown.stdout.contains("3 creates, your limit is 2") && shown.stdout.contains("approved: it ran as run"),
        "{shown:?}"
    );
    assert!(hub.run(&["runs", "list"]).ok().stdout.contains("held, approved"));

    // A run's own flag lifts a saved limit for that run only; a bad one is a usage error.
    hub.run(&["leads", "add", "--email", "new3@example.com"]).ok();
    hub.run(&["leads", "add", "--email", "new4@example.com"]).ok();
    hub.run(&["leads", "add", "--email", "new5@example.com"]).ok();
    hub.run(&["push", "--yes", "--max-creates", "none"]).ok();
    assert_eq!(new_contacts(&portal), 6);
    assert_eq!(hub.json(&["guardrails"])["max_creates"], 2, "saved limits unchanged");
    let bad = hub.run(&["push", "--yes", "--max-failed-share", "120"]);
    assert_eq!(bad.code, 2, "{bad:?}");

    // The guardrails travel with the configuration.
    let file = hub.dir().join("config.json");
    hub.run(&["config", "export", file.to_str().unwrap()]).ok();
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(exported["guardrails"], json!({ "maxCreates": 2, "maxOverwritePercent": 10.0 }));
    let other = Hub::new();
    other.run(&["config", "import", file.to_str().unwrap()]).ok();
    assert_eq!(other.json(&["guardrails"])["max_creates"], 2);
}

#[test]
fn run_due_fires_what_is_due_once_and_a_held_firing_exits_3() {
    let portal = Portal::start();
    let hub = hub_with_new_leads(&portal, 2);
    let added = hub.json(&["schedule", "add", "--push-changed", "--every", "15m"]);
    assert_eq!(added["cadence"], json!({ "kind": "every", "minutes": 15 }));
    let nothing = hub.run(&["schedule", "run-due"]).ok();
    assert_eq!(nothing.stdout.trim(), "Nothing was due.");

    added_minutes_ago(&hub, 61);
    let fired = hub.json(&["schedule", "run-due"]);
    let firings = fired["firings"].as_array().unwrap();
    assert_eq!(firings.len(), 1, "four slots missed, one firing: {fired}");
    assert_eq!((firings[0]["outcome"].clone(), firings[0]["missed"].clone()), (json!("completed"), json!(3)));
    assert_eq!(new_contacts(&portal), 2);
    assert_eq!(hub.json(&["schedule", "run-due"])["firings"], json!([]), "that slot has fired");
    let listed = hub.json(&["schedule", "list"]);
    assert_eq!(listed["schedules"][0]["last"]["outcome"], "completed");
    let run_id = listed["schedules"][0]["last"]["run_id"].as_i64().unwrap();
    let run = hub.json(&["runs", "show", &run_id.to_string()]);
    assert_eq!(run["run"]["schedule_id"], added["id"], "the history marks it scheduled");
    assert!(hub.run(&["runs", "list"]).ok().stdout.contains(&format!("schedule {}", added["id"])));

    // A held firing: exit 3 after printing it.
    hub.run(&["leads", "add", "--email", "new2@example.com"]).ok();
    hub.run(&["guardrails", "--max-creates", "0"]).ok();
    added_minutes_ago(&hub, 200);
    let held = hub.run(&["schedule", "run-due"]);
    assert_eq!(held.code, 3, "{held:?}");
    assert!(held.stdout.contains("held for approval") && held.stdout.contains("1 create, your limit is 0"), "{held:?}");
    let status = hub.run(&["status"]).ok();
    assert!(status.stdout.contains("1 schedule, next: push the leads changed since their last push at"), "{status:?}");
    assert!(status.stdout.contains("last: held for approval") && status.stdout.contains("held runs"), "{status:?}");

    hub.run(&["schedule", "pause", "--all"]).ok();
    added_minutes_ago(&hub, 400);
    assert_eq!(hub.json(&["schedule", "run-due"])["firings"], json!([]), "paused");
    hub.run(&["schedule", "remove", &added["id"].to_string()]).ok();
    assert_eq!(hub.json(&["schedule", "list"])["schedules"], json!([]));
}

#[test]
fn two_run_due_processes_at_once_one_schedule_runs_and_the_other_waits() {
    let portal = Portal::start();
    let hub = hub_with_new_leads(&portal, 3);
    let push = hub.json(&["schedule", "add", "--push-all", "--every", "10m"]);
    let pull = hub.json(&["schedule", "add", "--pull", "--every", "10m"]);
    added_minutes_ago(&hub, 11);
    // Every call takes a while, so the first process is still running its push when the second looks.
    portal.control(reqwest::Method::PUT, "/faults", Some(json!({ "latencyMs": 300 })));

    let first = hub.start_piped(&["--json", "schedule", "run-due"]);
    let conn = rusqlite::Connection::open(&hub.db).unwrap();
    let started = Instant::now();
    loop {
        let claimed: i64 = conn.query_row("SELECT COUNT(*) FROM schedule_claims", [], |r| r.get(0)).unwrap();
        if claimed > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the first process claims the portal");
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = hub.start_piped(&["--json", "schedule", "run-due"]);
    let (first, second) = (finished(first), finished(second));
    portal.control(reqwest::Method::PUT, "/faults", Some(json!({})));
    let outcomes = |run: &crate::support::Run| -> Vec<(i64, String)> {
        run.json()["firings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["schedule_id"].as_i64().unwrap(), f["outcome"].as_str().unwrap().to_string()))
            .collect()
    };
    let (push_id, pull_id) = (push["id"].as_i64().unwrap(), pull["id"].as_i64().unwrap());
    assert_eq!(outcomes(&first.ok()), [(push_id, "completed".to_string())], "each slot fires in one process");
    assert_eq!(outcomes(&second.ok()), [(pull_id, "waited".to_string())]);
    let listed = hub.json(&["schedule", "list"]);
    let pull_last = &listed["schedules"][1]["last"];
    assert_eq!(pull_last["detail"], format!("schedule-{push_id}"), "it says what it waited for: {listed}");
    assert_eq!(new_contacts(&portal), 3, "one push, once");
    let human = hub.run(&["schedule", "list"]).ok();
    assert!(human.stdout.contains(&format!("waited: schedule {push_id} was running")), "{human:?}");
}

#[test]
fn the_systemd_units_run_due_with_this_store_and_pass_systemd_analyze_verify() {
    let hub = Hub::new();
    let dir = hub.dir().join("units");
    hub.run(&["schedule", "systemd", "--dir", dir.to_str().unwrap()]).ok();
    let service = std::fs::read_to_string(dir.join("hubsync-schedule.service")).unwrap();
    let exec = service.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    assert!(exec.contains(env!("CARGO_BIN_EXE_hubsync")) && exec.contains(hub.db.to_str().unwrap()), "{exec}");
    assert!(exec.ends_with("schedule run-due"), "{exec}");
    let Ok(verify) = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.join("hubsync-schedule.service"))
        .arg(dir.join("hubsync-schedule.timer"))
        .output()
    else {
        eprintln!("systemd-analyze is not installed here: the units' syntax was not verified");
        return;
    };
    let said = String::from_utf8_lossy(&verify.stderr);
    assert!(verify.status.success(), "systemd-analyze verify refused the units: {said}");
    assert!(!said.contains("hubsync-schedule"), "systemd-analyze verify warned about the units: {said}");
}
