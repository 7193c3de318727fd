//! A store from an older Hubsync, as the command line opens it: the upgrade says how it goes on
//! stderr, a line a step and then its time, while stdout carries the command's answer as ever.

use crate::support::Hub;

/// Turns the store back into one Hubsync's schema version 13 left: what migrations 0014 (the
/// lead query paths, which touch every lead), 0015 (contact snapshots) and later made, gone; the
/// store's tests do the same.
fn roll_back_to_13(hub: &Hub) {
    let conn = rusqlite::Connection::open(&hub.db).unwrap();
    conn.execute_batch(include_str!("../../../hubsync-store/tests/store/roll_back_to_13.sql")).unwrap();
}

#[test]
fn an_older_store_is_upgraded_saying_so_on_stderr_and_a_current_one_says_nothing() {
    let hub = Hub::new();
    hub.run(&["leads", "add", "--email", "ann@example.com"]).ok();
    hub.run(&["leads", "add", "--email", "bo@example.com"]).ok();
    let listed = hub.json(&["leads", "list"]);
    let human = hub.run(&["leads", "list"]).ok();
    assert_eq!(human.stderr, "", "a current store: nothing to say");
    roll_back_to_13(&hub);

    let upgraded = hub.run(&["--json", "leads", "list"]).ok();
    assert_eq!(upgraded.json(), listed, "stdout is the command's alone");
    let lines: Vec<&str> = upgraded.stderr.lines().collect();
    let [first, second, third, fourth, fifth, sixth, seventh, eighth, ninth, done] = lines[..] else {
        panic!("ten lines: {upgraded:?}")
    };
    assert_eq!(first, "Upgrading the lead store (step 1 of 9: lead query paths)…");
    assert_eq!(second, "Upgrading the lead store (step 2 of 9: contact snapshots)…");
    assert_eq!(third, "Upgrading the lead store (step 3 of 9: portal account type)…");
    assert_eq!(fourth, "Upgrading the lead store (step 4 of 9: sync state)…");
    assert_eq!(fifth, "Upgrading the lead store (step 5 of 9: companies)…");
    assert_eq!(sixth, "Upgrading the lead store (step 6 of 9: run companies)…");
    assert_eq!(seventh, "Upgrading the lead store (step 7 of 9: pulled companies and deals)…");
    assert_eq!(eighth, "Upgrading the lead store (step 8 of 9: undo companies)…");
    assert_eq!(ninth, "Upgrading the lead store (step 9 of 9: guardrails and schedules)…");
    let seconds = done.strip_prefix("Lead store upgraded in ").and_then(|rest| rest.strip_suffix(" s."));
    assert!(seconds.is_some_and(|s| s.parse::<f64>().is_ok()), "{done:?}");

    let again = hub.run(&["leads", "list"]).ok();
    assert_eq!((again.stdout, again.stderr), (human.stdout, String::new()), "upgraded once");
}
