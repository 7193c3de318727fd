//! Running one test's body in a child process: the test binary re-executes itself for that one
//! test, with an environment of the parent's choosing. The keychain tests need it because the
//! `keyring` crate reads `DBUS_SESSION_BUS_ADDRESS` from the process environment, which a test
//! can't change for itself while other tests run on other threads.

use std::ffi::OsString;
use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in a child to `<test name>:<phase>`: the test it was started for, and which part of it.
const CHILD_VAR: &str = "HUBSYNC_AUTH_TEST_CHILD";

/// A test's name as libtest knows it, from `concat!(module_path!(), "::", "fn name")`: the
/// module path starts with the test crate's name, which test names don't.
pub fn test_name(path: &str) -> &str {
    path.split_once("::").map_or(path, |(_, rest)| rest)
}

/// In a child started by [`run_child`] for `test`, the phase it should run; `None` in the
/// parent (the test as `cargo test` runs it).
pub fn child_phase(test: &str) -> Option<String> {
    let marker = std::env::var(CHILD_VAR).ok()?;
    let (name, phase) = marker.rsplit_once(':')?;
    (name == test).then(|| phase.to_owned())
}

/// Runs `test` again in a child process, told to run `phase`, with `env` added to its
/// environment; panics with the child's output unless exactly that test ran and passed.
pub fn run_child(test: &str, phase: &str, env: Vec<(OsString, OsString)>) -> String {
    // Bounds a child stuck on a keychain call; they take milliseconds.
    const CHILD_WITHIN: Duration = Duration::from_secs(120);
    let dir = tempfile::tempdir().expect("a folder for the child's output");
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, format!("{test}:{phase}"))
        .envs(env)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).expect("child stdout file"))
        .stderr(fs::File::create(&err_path).expect("child stderr file"))
        .spawn()
        .expect("re-running the test binary");
    let deadline = Instant::now() + CHILD_WITHIN;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = fs::read_to_string(&err_path).unwrap_or_default();
    let ran_one = stdout.contains("running 1 test") && stdout.contains("1 passed");
    match status {
        Some(status) if status.success() && ran_one => stdout,
        _ => panic!(
            "the child for {test} ({phase}) failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            status.map_or_else(|| format!("killed after {CHILD_WITHIN:?}"), |s| s.to_string())
        ),
    }
}
