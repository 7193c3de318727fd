//! A sandbox portal in the test process, a lead store in a temporary folder, and the real
//! `hubsync` binary run against both. Every run checks that no token reached its output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hubsync_sandbox::{PrivateToken, Sandbox, SandboxConfig};
use serde_json::Value;

/// A private app token with every scope the sandbox knows.
pub const TOKEN: &str = "pat-na1-cli-tests-7f3a9c21-5e4b-4d8a-9b1c-0123456789ab";
/// A token that can read contacts (and so properties) but not owners.
pub const CONTACTS_ONLY_TOKEN: &str = "pat-na1-cli-contacts-only-0d9e8f7a";
const ALL_TOKENS: [&str; 2] = [TOKEN, CONTACTS_ONLY_TOKEN];

/// A sandbox portal served by a runtime of its own, so tests stay synchronous and can run the
/// binary while the portal answers.
pub struct Portal {
    sandbox: Option<Sandbox>,
    runtime: tokio::runtime::Runtime,
    pub base_url: String,
}

impl Portal {
    pub fn start() -> Portal {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let config = SandboxConfig {
            seed_contacts: 5,
            private_tokens: vec![
                PrivateToken::new(TOKEN),
                PrivateToken { token: CONTACTS_ONLY_TOKEN.into(), scopes: vec!["crm.objects.contacts.read".into()] },
            ],
            ..SandboxConfig::default()
        };
        let sandbox = runtime.block_on(Sandbox::start(config)).expect("sandbox starts");
        let base_url = sandbox.base_url();
        Portal { sandbox: Some(sandbox), runtime, base_url }
    }

    pub fn portal_id(&self) -> u64 {
        self.sandbox.as_ref().expect("running").portal_id()
    }

    /// A control-API call (`/__sandbox/…`); returns the reply's JSON (null when empty).
    pub fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/__sandbox{path}", self.base_url);
        self.runtime.block_on(async {
            let mut request = reqwest::Client::new().request(method, url);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let reply = request.send().await.expect("the sandbox answers");
            assert!(reply.status().is_success(), "control call {path}: {}", reply.status());
            reply.json().await.unwrap_or(Value::Null)
        })
    }

    /// A HubSpot API call with the full-scope token, as another HubSpot user's edit would be.
    pub fn api(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base_url);
        self.runtime.block_on(async {
            let reply = reqwest::Client::new().request(method, url).bearer_auth(TOKEN).json(&body).send().await;
            let reply = reply.expect("the sandbox answers");
            assert!(reply.status().is_success(), "{path}: {}", reply.status());
            reply.json().await.unwrap_or(Value::Null)
        })
    }

    /// Live contacts by lowercased primary email, with every stored property.
    pub fn contacts(&self) -> std::collections::HashMap<String, Value> {
        let all = self.control(reqwest::Method::GET, "/contacts", None);
        let mut by_email = std::collections::HashMap::new();
        for contact in all["results"].as_array().expect("results") {
            if contact["archived"] == Value::Bool(true) {
                continue;
            }
            if let Some(email) = contact["properties"]["email"].as_str() {
                let previous = by_email.insert(email.to_lowercase(), contact.clone());
                assert!(previous.is_none(), "two contacts have the email {email}");
            }
        }
        by_email
    }

    /// Stops serving: later calls find nothing listening.
    pub fn stop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A lead store in a temporary folder, and the binary run against it.
pub struct Hub {
    dir: tempfile::TempDir,
    pub db: PathBuf,
    env: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Hub {
    pub fn new() -> Hub {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hubsync.db");
        Hub { dir, db, env: Vec::new() }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_home(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn token_file(&self) -> PathBuf {
        self.dir.path().join("hubsync.db.token")
    }

    /// Sets an environment variable for every later run.
    pub fn env(&mut self, key: &str, value: &str) {
        self.env.push((key.into(), value.into()));
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let db = ["--db".as_ref(), self.db.as_os_str()];
        self.spawn(&db, args, stdin)
    }

    /// Runs without `--db`: the store is the default one, under this hub's XDG data folder.
    pub fn run_in_default_store(&self, args: &[&str]) -> Run {
        self.spawn(&[], args, None)
    }

    /// Starts the binary (with `--db`) without waiting for it, stdin closed and output discarded:
    /// for tests that stop it themselves.
    pub fn start(&self, args: &[&str]) -> std::process::Child {
        let mut command = self.command(&["--db".as_ref(), self.db.as_os_str()], args);
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        command.spawn().expect("the hubsync binary starts")
    }

    fn command(&self, db: &[&std::ffi::OsStr], args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubsync"));
        command
            .args(db)
            .args(args)
            .env_remove("HUBSYNC_TOKEN")
            .env_remove("HUBSYNC_DB")
            .env_remove("HUBSYNC_LOG")
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.data_home())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn spawn(&self, db: &[&std::ffi::OsStr], args: &[&str], stdin: Option<&str>) -> Run {
        let mut command = self.command(db, args);
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("the hubsync binary starts");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        let output = child.wait_with_output().unwrap();
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        for token in ALL_TOKENS {
            assert!(!run.stdout.contains(token) && !run.stderr.contains(token), "a token was printed: {run:?}");
        }
        run
    }

    /// Runs with `--json`, expects success, and parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        self.run(&all).ok().json()
    }

    /// Runs with `--json`, expects exit status 1 and `{"error":{"code","message"}}` on stdout;
    /// returns the error object.
    pub fn json_error(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(&all).fails();
        let body = run.json();
        let error = body["error"].clone();
        assert!(error["code"].as_str().is_some_and(|c| !c.is_empty()), "{run:?}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{run:?}");
        error
    }

    /// Connects to the portal with the full-scope token, read from stdin.
    pub fn connect(&self, portal: &Portal) -> Run {
        self.run_with_stdin(&["connect", "--token", "-", "--base-url", &portal.base_url], Some(TOKEN)).ok()
    }

    /// Every byte of the store's files (the database and its WAL and shared-memory files).
    pub fn store_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("hubsync.db") && !name.ends_with(".token") {
                bytes.extend(std::fs::read(&path).unwrap());
            }
        }
        bytes
    }
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        self
    }

    /// Exit status 1, the status of every error but a command line that doesn't parse.
    pub fn fails(self) -> Run {
        assert_eq!(self.code, 1, "expected exit status 1: {self:?}");
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}
