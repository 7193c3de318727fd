//! A sandbox portal in the test process, a lead store in a temporary folder, and the real
//! `hubsync` binary run against both. Every run checks that no token reached its output.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hubsync_auth::keychain::testing::SecretServiceDaemon;
use hubsync_sandbox::{CONTROL_SECRET_HEADER, ControlSecret, OAuthClient, PrivateToken, Sandbox, SandboxConfig};
use serde_json::Value;

/// A private app token with every scope the sandbox knows.
pub const TOKEN: &str = "pat-na1-cli-tests-7f3a9c21-5e4b-4d8a-9b1c-0123456789ab";
/// A token that can read contacts (and so properties) but not owners.
pub const CONTACTS_ONLY_TOKEN: &str = "pat-na1-cli-contacts-only-0d9e8f7a";
/// The sandbox's registered OAuth app; its redirect URLs are registered per test.
pub const OAUTH_CLIENT_ID: &str = "7c1e9a52-hubsync-cli-tests";
pub const OAUTH_CLIENT_SECRET: &str = "oauth-secret-cli-tests-4b8d2f61a9c3";
const ALL_TOKENS: [&str; 3] = [TOKEN, CONTACTS_ONLY_TOKEN, OAUTH_CLIENT_SECRET];

/// A sandbox portal served by a runtime of its own, so tests stay synchronous and can run the
/// binary while the portal answers.
pub struct Portal {
    sandbox: Option<Sandbox>,
    runtime: tokio::runtime::Runtime,
    pub base_url: String,
}

impl Portal {
    pub fn start() -> Portal {
        Portal::start_with(|_| {})
    }

    /// A portal with its config adjusted first (another portal id, an OAuth app…).
    pub fn start_with(tweak: impl FnOnce(&mut SandboxConfig)) -> Portal {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let mut config = SandboxConfig {
            seed_contacts: 5,
            private_tokens: vec![
                PrivateToken::new(TOKEN),
                PrivateToken { token: CONTACTS_ONLY_TOKEN.into(), scopes: vec!["crm.objects.contacts.read".into()] },
            ],
            oauth_clients: vec![OAuthClient {
                client_id: OAUTH_CLIENT_ID.into(),
                client_secret: OAUTH_CLIENT_SECRET.into(),
                redirect_uris: Vec::new(),
                app_id: 2_000_001,
            }],
            control_secret: Some(ControlSecret::generate()),
            ..SandboxConfig::default()
        };
        tweak(&mut config);
        // A port given back a moment ago may still be held (by a closing connection, or another
        // test's process between its bind and its listen): a portal at a chosen address waits.
        let mut tries = 0;
        let sandbox = loop {
            match runtime.block_on(Sandbox::start(config.clone())) {
                Err(hubsync_sandbox::SandboxError::Bind { source, .. })
                    if source.kind() == std::io::ErrorKind::AddrInUse && tries < 50 =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                started => break started.expect("sandbox starts"),
            }
        };
        let base_url = sandbox.base_url();
        Portal { sandbox: Some(sandbox), runtime, base_url }
    }

    pub fn portal_id(&self) -> u64 {
        self.sandbox.as_ref().expect("running").portal_id()
    }

    /// A control-API call (`/__sandbox/…`; no body is sent as `{}`); returns the reply's JSON
    /// (null when empty).
    pub fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/__sandbox{path}", self.base_url);
        let secret =
            self.sandbox.as_ref().and_then(Sandbox::control_secret).expect("a running sandbox with a control API");
        self.runtime.block_on(async {
            let request = reqwest::Client::new().request(method, url).header(CONTROL_SECRET_HEADER, secret);
            let request = request.json(&body.unwrap_or_else(|| serde_json::json!({})));
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

    /// Plays the browser on the consent page at `url`: reads the form, sends `decision`
    /// (`approve` or `deny`), follows HubSpot's redirect to the loopback callback, and returns
    /// the page the callback answered with (or HubSpot's own page when it didn't redirect).
    pub fn consent(&self, url: &str, decision: &str) -> String {
        self.runtime.block_on(async {
            let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let page = browser.get(url).send().await.unwrap().text().await.unwrap();
            let mut form = hidden_inputs(&page);
            assert!(!form.is_empty(), "the consent page has its form: {page}");
            form.push(("decision".into(), decision.into()));
            let reply = browser.post(format!("{}/oauth/authorize", self.base_url)).form(&form).send().await.unwrap();
            let Some(location) = reply.headers().get("location").map(|l| l.to_str().unwrap().to_string()) else {
                return reply.text().await.unwrap();
            };
            browser.get(location).send().await.unwrap().text().await.unwrap()
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

    /// One of the sandbox's counters (`recordsCreated`, `recordsUpdated`, …).
    pub fn counter(&self, name: &str) -> u64 {
        let counters = self.control(reqwest::Method::GET, "/counters", None);
        counters[name].as_u64().unwrap_or_else(|| panic!("no counter {name}: {counters}"))
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

/// The `name`/`value` pairs of an HTML page's hidden inputs, unescaped.
fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    let attribute = |tag: &str, name: &str| {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let end = start + tag[start..].find('"')?;
        Some(
            tag[start..end]
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    };
    page.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            tag.contains("type=\"hidden\"").then(|| Some((attribute(tag, "name")?, attribute(tag, "value")?)))?
        })
        .collect()
}

/// A portal, and a store connected to it holding `count` new leads to create (`email(i)`,
/// company `Company i`; company mapped, create on), imported from a CSV file.
pub fn portal_with_new_leads(count: usize, email: impl Fn(usize) -> String) -> (Portal, Hub) {
    let portal = Portal::start();
    let hub = Hub::new();
    hub.connect(&portal);
    hub.run(&["mapping", "set", "company", "company"]).ok();
    hub.run(&["rules", "push", "--create", "on"]).ok();
    let mut csv = String::from("email,company\n");
    for i in 0..count {
        csv.push_str(&format!("{},Company {i}\n", email(i)));
    }
    let file = hub.dir().join("leads.csv");
    std::fs::write(&file, csv).unwrap();
    hub.run(&["leads", "import", file.to_str().unwrap()]).ok();
    (portal, hub)
}

/// A port nothing listens on now, for a test's OAuth callback. Below Linux's ephemeral range
/// (32768 and up), so no test's server bound to port 0 is handed it before the callback binds.
pub fn free_port() -> u16 {
    loop {
        let port = 20_000 + rand::random::<u16>() % 12_000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Fails if `text` holds what looks like a sandbox OAuth token: a refresh token (`na1-` and a
/// UUID) or an access token (`CN` and 128 URL-safe characters).
pub fn assert_no_oauth_tokens(text: &str, what: &str) {
    let token_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    for (at, _) in text.match_indices("na1-") {
        let rest: String = text[at + 4..].chars().take_while(|c| c.is_ascii_hexdigit() || *c == '-').collect();
        assert!(rest.len() < 36, "a refresh token is in {what}");
    }
    for (at, _) in text.match_indices("CN") {
        let rest = text[at + 2..].chars().take_while(|c| token_char(*c)).count();
        assert!(rest < 100, "an access token is in {what}");
    }
}

/// A lead store in a temporary folder, a real Secret Service of its own (gnome-keyring on a
/// private D-Bus session), and the binary run against both.
pub struct Hub {
    dir: tempfile::TempDir,
    pub db: PathBuf,
    env: Vec<(OsString, OsString)>,
    pub keychain: SecretServiceDaemon,
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
        let keychain = SecretServiceDaemon::start().expect("gnome-keyring starts (scripts/setup.sh installs it)");
        Hub { dir, db, env: keychain.env(), keychain }
    }

    /// The names of the store's files in its folder, sorted.
    pub fn files_beside_the_store(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("hubsync"))
            .collect();
        names.sort();
        names
    }

    /// The opted-into secret file beside the store.
    pub fn secret_file(&self) -> PathBuf {
        self.dir.path().join("hubsync.db.secrets")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_home(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Sets an environment variable for every later run.
    pub fn env(&mut self, key: &str, value: &str) {
        self.env.push((key.into(), value.into()));
    }

    /// Takes the keychain away from later runs: their D-Bus session address leads nowhere.
    pub fn without_keychain(&mut self) {
        let gone = hubsync_auth::keychain::testing::unreachable_bus_env(self.dir.path());
        self.env.extend(gone);
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

    /// `connect --oauth` with `args` after it, the client secret on stdin: waits for the consent
    /// URL on stderr, lets `browser` play the browser on it (returning the page it ended on),
    /// then waits for the command. Every output is checked for tokens.
    pub fn connect_oauth(
        &self,
        args: &[&str],
        client_secret: Option<&str>,
        browser: impl FnOnce(&str) -> String,
    ) -> (Run, String) {
        use std::io::BufRead;
        let mut all = vec!["connect", "--oauth", "--no-browser"];
        all.extend_from_slice(args);
        let mut child = self.spawn_with_stdin(&["--db".as_ref(), self.db.as_os_str()], &all, client_secret);
        let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                break None;
            }
            seen.push_str(&line);
            if let Some(url) = line.trim().strip_prefix("http") {
                break Some(format!("http{url}"));
            }
        };
        let page = url.map(|url| browser(&url)).unwrap_or_default();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        let output = child.wait_with_output().unwrap();
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: seen + &rest,
        };
        for token in ALL_TOKENS {
            assert!(!run.stdout.contains(token) && !run.stderr.contains(token), "a secret was printed: {run:?}");
        }
        assert_no_oauth_tokens(&run.stdout, "stdout");
        assert_no_oauth_tokens(&run.stderr, "stderr");
        (run, page)
    }

    /// Starts the binary (with `--db`) without waiting for it, stdin closed and output discarded:
    /// for tests that stop it themselves.
    pub fn start(&self, args: &[&str]) -> std::process::Child {
        let mut command = self.command(&["--db".as_ref(), self.db.as_os_str()], args);
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        command.spawn().expect("the hubsync binary starts")
    }

    /// Starts the binary with its output piped, for a test that runs two at once; `finished`
    /// waits for it.
    pub fn start_piped(&self, args: &[&str]) -> std::process::Child {
        self.spawn_with_stdin(&["--db".as_ref(), self.db.as_os_str()], args, None)
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

    /// Starts the binary with its output piped and `stdin` written and closed.
    fn spawn_with_stdin(&self, db: &[&std::ffi::OsStr], args: &[&str], stdin: Option<&str>) -> std::process::Child {
        let mut command = self.command(db, args);
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("the hubsync binary starts");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child
    }

    fn spawn(&self, db: &[&std::ffi::OsStr], args: &[&str], stdin: Option<&str>) -> Run {
        finish(self.spawn_with_stdin(db, args, stdin))
    }

    /// Runs with `--db` where no file may grow past `limit_kib` KiB (`ulimit -f`), as on a
    /// full disk: SIGXFSZ is ignored (which `exec` keeps), so a write past the limit fails with
    /// EFBIG instead of killing the process.
    pub fn run_with_file_size_limit(&self, limit_kib: u64, args: &[&str]) -> Run {
        let inner = self.command(&["--db".as_ref(), self.db.as_os_str()], args);
        through_bash("trap '' XFSZ && ulimit -f \"$0\" && exec \"$@\"", &limit_kib.to_string(), inner)
    }

    /// Runs under `umask` (octal; `000` gives every file the binary makes the mode it asks for),
    /// on the store at `db` or, with `None`, the default one.
    pub fn run_with_umask(&self, umask: &str, db: Option<&Path>, args: &[&str]) -> Run {
        let db_args: Vec<&std::ffi::OsStr> = db.map(|db| vec!["--db".as_ref(), db.as_os_str()]).unwrap_or_default();
        through_bash("umask \"$0\" && exec \"$@\"", umask, self.command(&db_args, args))
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

    /// Every byte of the store's files (the database, its WAL and shared-memory files, and the
    /// run leases' lock files in `hubsync.db.leases/`).
    pub fn store_bytes(&self) -> Vec<u8> {
        fn read_all(path: &Path, bytes: &mut Vec<u8>) {
            if path.is_dir() {
                for entry in std::fs::read_dir(path).unwrap() {
                    read_all(&entry.unwrap().path(), bytes);
                }
            } else {
                bytes.extend(std::fs::read(path).unwrap());
            }
        }
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("hubsync.db") && !name.ends_with(".token") {
                read_all(&path, &mut bytes);
            }
        }
        bytes
    }
}

/// Runs `inner` through `bash -c script`, which gets `arg0` as `$0` and the command as `"$@"`.
fn through_bash(script: &str, arg0: &str, inner: Command) -> Run {
    let mut command = Command::new("bash");
    command.args(["-c", script]).arg(arg0).arg(inner.get_program()).args(inner.get_args());
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    finish(command.spawn().expect("bash starts"))
}

/// Waits for a binary `Hub::start_piped` started.
pub fn finished(child: std::process::Child) -> Run {
    finish(child)
}

/// Waits for the binary and checks that no token reached its output.
fn finish(child: std::process::Child) -> Run {
    let output = child.wait_with_output().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    for token in ALL_TOKENS {
        assert!(!run.stdout.contains(token) && !run.stderr.contains(token), "a token was printed: {run:?}");
    }
    assert_no_oauth_tokens(&run.stdout, "stdout");
    assert_no_oauth_tokens(&run.stderr, "stderr");
    run
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
