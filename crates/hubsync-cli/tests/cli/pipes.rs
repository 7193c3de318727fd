//! Output to a pipe whose reader went away (`hubsync runs show 2 | head -1`): the command stops
//! writing and ends quietly with status 141, as a program killed by SIGPIPE would in a shell,
//! never with a panic; a live run whose output closed still finishes its writes first.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::support::{Hub, Portal};

/// How a process that lost its reader must end: 128 + SIGPIPE.
const CLOSED_PIPE_STATUS: i32 = 141;

/// A connected store with `n` leads, each a create for the portal.
fn hub_with_leads(portal: &Portal, n: usize) -> Hub {
    let hub = Hub::new();
    hub.connect(portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    let mut csv = String::from("email,company\n");
    for i in 0..n {
        csv.push_str(&format!("lead{i}@example.com,Company number {i} with a long enough name\n"));
    }
    let file = hub.dir().join("leads.csv");
    std::fs::write(&file, csv).unwrap();
    hub.run(&["leads", "import", file.to_str().unwrap()]).ok();
    hub
}

/// Starts the binary on the hub's store and keychain with stdout and stderr piped.
fn spawn(hub: &Hub, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hubsync"))
        .arg("--db")
        .arg(&hub.db)
        .args(args)
        .env_remove("HUBSYNC_TOKEN")
        .env_remove("HUBSYNC_LOG")
        .env("HOME", hub.dir())
        .envs(hub.keychain.env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hubsync binary starts")
}

/// Reads one line of the command's output and closes the pipe, as `| head -1` does; returns
/// the line, the exit status and what went to stderr.
fn first_line_then_close(hub: &Hub, args: &[&str]) -> (String, Option<i32>, String) {
    let mut child = spawn(hub, args);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    (line, status.code(), stderr)
}

fn assert_quiet_end(args: &[&str], (line, code, stderr): (String, Option<i32>, String)) {
    assert!(!line.is_empty(), "{args:?}: the first line arrived");
    assert_eq!(code, Some(CLOSED_PIPE_STATUS), "{args:?} ends with 141; stderr: {stderr}");
    assert_eq!(stderr, "", "{args:?}: nothing on stderr, no panic");
}

#[test]
fn long_output_to_a_closed_pipe_ends_quietly() {
    let portal = Portal::start();
    let hub = hub_with_leads(&portal, 3000);
    let preview = hub.json(&["push", "--preview"]);
    let run = preview["runId"].as_i64().unwrap().to_string();
    for args in [
        &["runs", "show", &run][..],
        &["--json", "runs", "show", &run][..],
        &["leads", "list"][..],
        &["--json", "leads", "list"][..],
        &["--json", "push", "--preview"][..],
    ] {
        assert_quiet_end(args, first_line_then_close(&hub, args));
    }
}

#[test]
fn a_live_run_whose_output_closed_finishes_its_writes_then_ends_quietly() {
    let portal = Portal::start();
    let hub = hub_with_leads(&portal, 250);
    // The reader is gone before the run starts: every write the run makes still lands.
    let mut child = spawn(&hub, &["--json", "push", "--yes", "--concurrency", "1"]);
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(CLOSED_PIPE_STATUS), "stderr: {stderr}");
    assert_eq!(stderr, "");
    let runs = hub.json(&["runs", "list"]);
    let live: Vec<&Value> = runs["runs"].as_array().unwrap().iter().filter(|r| r["mode"] == "live").collect();
    assert_eq!(live.len(), 1, "{runs}");
    assert_eq!(live[0]["status"], "completed", "{runs}");
    assert_eq!(live[0]["counts"]["created"], 250, "{runs}");
    assert_eq!(portal.contacts().keys().filter(|e| e.starts_with("lead")).count(), 250);
}

#[test]
fn an_error_to_a_closed_pipe_is_status_1_without_a_panic() {
    let hub = Hub::new();
    for (args, close_stdout) in [(&["runs", "show", "999"][..], false), (&["--json", "runs", "show", "999"][..], true)]
    {
        let mut child = spawn(&hub, args);
        // Closed before the command has written anything.
        let (closed, mut open): (Box<dyn Read>, Box<dyn Read>) = if close_stdout {
            (Box::new(child.stdout.take().unwrap()), Box::new(child.stderr.take().unwrap()))
        } else {
            (Box::new(child.stderr.take().unwrap()), Box::new(child.stdout.take().unwrap()))
        };
        drop(closed);
        let mut rest = String::new();
        open.read_to_string(&mut rest).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(1), "{args:?}: {rest}");
        assert!(!rest.contains("panicked"), "{args:?}: {rest}");
        assert_eq!(rest, "", "{args:?}");
    }
}
