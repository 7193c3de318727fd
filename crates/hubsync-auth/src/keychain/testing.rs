//! A real Secret Service for tests (feature `testing`, Linux): a private D-Bus session bus with
//! gnome-keyring on it, in a temporary folder, gone when the value is dropped.
//!
//! Tests must not put secrets in the developer's own keyring, and CI has no desktop session, so
//! each test starts its own. The `keyring` crate finds the bus through the process environment
//! (`DBUS_SESSION_BUS_ADDRESS`), and changing the environment of a running test binary is unsafe
//! (its other threads read it), so the code under test runs in a child process given
//! [`SecretServiceDaemon::env`]: the `hubsync` binary in the CLI's tests, or the test binary
//! itself re-executed for one test (this crate's `tests/auth/keychain.rs`).
//!
//! Needs the Debian packages `dbus-daemon`, `dbus-bin` (`dbus-send`) and `gnome-keyring`, which
//! `scripts/setup.sh` installs. Works as root in a container and as an unprivileged user:
//! gnome-keyring gets its password on stdin (`--unlock`) and only its `secrets` component runs,
//! so no prompt, SSH agent or PKCS#11 module is involved. Ready in 15 to 50 ms on the project's
//! 2-core build machine (about 130 ms when ten start at once); the wait is bounded at 30 s.
//!
//! A test that runs the `hubsync` binary with a real keychain (the CLI's crate adds
//! `hubsync-auth = { workspace = true, features = ["testing"] }` to its dev-dependencies):
//!
//! ```ignore
//! use hubsync_auth::keychain::testing::SecretServiceDaemon;
//!
//! let keychain = SecretServiceDaemon::start()?; // one per test: tests run in parallel
//! let status = Command::new(env!("CARGO_BIN_EXE_hubsync"))
//!     .args(["--db", db, "connect", "-"]) // the token on stdin
//!     .envs(keychain.env()) // only DBUS_SESSION_BUS_ADDRESS: HOME etc. stay the test's
//!     .status()?;
//! // Later commands given the same env see what this one stored, until `keychain` is dropped;
//! // the daemon's item labels show what was stored without reading a value.
//! assert_eq!(keychain.item_labels()?, ["Hubsync: HubSpot portal 123 private app token"]);
//! ```
//!
//! [`unreachable_bus_env`] gives a command no keychain at all, for the "refuse unless
//! `--insecure-file-store`" paths.

use std::ffi::OsString;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The variable `keyring` (through libdbus) reads the session bus address from.
pub const BUS_ADDRESS_VAR: &str = "DBUS_SESSION_BUS_ADDRESS";

/// How long the daemons get to come up. A bound for a readiness wait, not a speed assumption:
/// they are normally ready in well under a second.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// The password of the test keyring (the "login" collection gnome-keyring creates).
const KEYRING_PASSWORD: &str = "hubsync-test-keyring";

const SECRETS_NAME: &str = "org.freedesktop.secrets";
const SECRETS_PATH: &str = "/org/freedesktop/secrets";
const DEFAULT_COLLECTION: &str = "/org/freedesktop/secrets/collection/login";

/// A private session bus, with gnome-keyring providing the Secret Service on it (unless made by
/// [`bus_without_secret_service`](Self::bus_without_secret_service)). Dropping it kills both.
#[derive(Debug)]
pub struct SecretServiceDaemon {
    address: String,
    bus: Child,
    keyring: Option<Child>,
    ready_in: Duration,
    // Last, so the processes are gone before their folder is removed.
    dir: tempfile::TempDir,
}

impl SecretServiceDaemon {
    /// Starts a session bus and gnome-keyring on it, and waits until the Secret Service answers
    /// with an unlocked default collection.
    pub fn start() -> io::Result<SecretServiceDaemon> {
        let mut daemon = SecretServiceDaemon::bus_without_secret_service()?;
        let started = Instant::now();
        let mut keyring = daemon
            .daemon_command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(log_file(&daemon.dir.path().join("gnome-keyring.out"))?)
            .stderr(log_file(&daemon.dir.path().join("gnome-keyring.err"))?)
            .spawn()
            .map_err(|e| missing_tool("gnome-keyring-daemon", "gnome-keyring", e))?;
        // `--unlock` reads the login keyring's password from stdin, up to end of file, and
        // creates the keyring with it when there is none.
        if let Some(mut stdin) = keyring.stdin.take() {
            stdin.write_all(KEYRING_PASSWORD.as_bytes())?;
        }
        daemon.keyring = Some(keyring);
        daemon.wait_for_secret_service(started + READY_WITHIN)?;
        daemon.ready_in += started.elapsed();
        Ok(daemon)
    }

    /// Only the session bus: nothing owns `org.freedesktop.secrets` and nothing can be
    /// activated, as on a machine with D-Bus but no keyring daemon.
    pub fn bus_without_secret_service() -> io::Result<SecretServiceDaemon> {
        let started = Instant::now();
        let dir = tempfile::Builder::new().prefix("hubsync-keyring-").tempdir()?;
        for sub in ["home", "run", "data", "config", "cache"] {
            fs::create_dir(dir.path().join(sub))?;
        }
        let socket = dir.path().join("bus");
        if socket.as_os_str().len() > 100 {
            return Err(io::Error::other(format!(
                "the bus socket path {} is too long for a Unix socket: set TMPDIR to a shorter folder",
                socket.display()
            )));
        }
        let config = dir.path().join("bus.conf");
        fs::write(&config, bus_config(&socket))?;
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file(&dir.path().join("dbus-daemon.err"))?)
            .spawn()
            .map_err(|e| missing_tool("dbus-daemon", "dbus-daemon", e))?;
        // The bus prints its address once it listens; read it on a thread to bound the wait.
        let (sender, receiver) = mpsc::channel();
        if let Some(stdout) = bus.stdout.take() {
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = sender.send(BufReader::new(stdout).read_line(&mut line).map(|_| line));
            });
        }
        let address = match receiver.recv_timeout(READY_WITHIN) {
            Ok(Ok(line)) if !line.trim().is_empty() => line.trim().to_owned(),
            outcome => {
                let _ = bus.kill();
                let _ = bus.wait();
                let log = fs::read_to_string(dir.path().join("dbus-daemon.err")).unwrap_or_default();
                return Err(io::Error::other(format!(
                    "dbus-daemon did not print its address ({outcome:?}); its log: {log}"
                )));
            }
        };
        Ok(SecretServiceDaemon { address, bus, keyring: None, ready_in: started.elapsed(), dir })
    }

    /// The session bus address, as `DBUS_SESSION_BUS_ADDRESS` wants it.
    pub fn bus_address(&self) -> &str {
        &self.address
    }

    /// The environment a process needs to use this Secret Service: only the bus address, so the
    /// process's home, data folder and everything else stay as the caller set them.
    pub fn env(&self) -> Vec<(OsString, OsString)> {
        vec![(BUS_ADDRESS_VAR.into(), self.address.clone().into())]
    }

    /// Gives `command` this Secret Service ([`env`](Self::env)).
    pub fn configure<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command.envs(self.env())
    }

    /// How long the daemons took to come up.
    pub fn ready_in(&self) -> Duration {
        self.ready_in
    }

    /// Locks the default collection, as a screen lock or a timeout would. Clients can still
    /// search it; reading or creating an item needs an unlock, which needs a prompt.
    pub fn lock_default_collection(&self) -> io::Result<()> {
        let out = self.dbus_send(&[
            &format!("--dest={SECRETS_NAME}"),
            SECRETS_PATH,
            "org.freedesktop.Secret.Service.Lock",
            &format!("array:objpath:{DEFAULT_COLLECTION}"),
        ])?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "locking the collection failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    /// The labels of the items in the default collection, read over D-Bus: what a keyring
    /// manager would list. Values are not read.
    pub fn item_labels(&self) -> io::Result<Vec<String>> {
        let items = self.get_property(DEFAULT_COLLECTION, "org.freedesktop.Secret.Collection", "Items")?;
        let mut labels = Vec::new();
        for line in items.lines() {
            if let Some(path) = quoted_after(line, "object path ") {
                let label = self.get_property(&path, "org.freedesktop.Secret.Item", "Label")?;
                labels.extend(label.lines().find_map(|line| quoted_after(line, "string ")));
            }
        }
        Ok(labels)
    }

    fn get_property(&self, object: &str, interface: &str, property: &str) -> io::Result<String> {
        let out = self.dbus_send(&[
            &format!("--dest={SECRETS_NAME}"),
            object,
            "org.freedesktop.DBus.Properties.Get",
            &format!("string:{interface}"),
            &format!("string:{property}"),
        ])?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "reading {interface}.{property} of {object} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A command for one of the daemons: a clean environment whose home, runtime and data
    /// folders are in the temporary folder, so nothing of the user's session leaks in.
    fn daemon_command(&self, program: &str) -> Command {
        let dir = self.dir.path();
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.join("home"))
            .env("XDG_RUNTIME_DIR", dir.join("run"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env(BUS_ADDRESS_VAR, &self.address);
        command
    }

    /// Polls until the default collection resolves: gnome-keyring owns its name, has created or
    /// unlocked the login keyring, and made it the default.
    fn wait_for_secret_service(&mut self, deadline: Instant) -> io::Result<()> {
        loop {
            let out = self.dbus_send(&[
                &format!("--dest={SECRETS_NAME}"),
                SECRETS_PATH,
                "org.freedesktop.Secret.Service.ReadAlias",
                "string:default",
            ])?;
            let reply = String::from_utf8_lossy(&out.stdout);
            if out.status.success() && reply.contains("/org/freedesktop/secrets/collection/") {
                return Ok(());
            }
            let exited = match self.keyring.as_mut() {
                Some(keyring) => keyring.try_wait()?,
                None => None,
            };
            if exited.is_some() || Instant::now() >= deadline {
                let log = fs::read_to_string(self.dir.path().join("gnome-keyring.err")).unwrap_or_default();
                return Err(io::Error::other(format!(
                    "gnome-keyring did not provide the Secret Service ({}; last answer: {} {}); its log: {log}",
                    match exited {
                        Some(status) => format!("it exited with {status}"),
                        None => format!("not ready after {READY_WITHIN:?}"),
                    },
                    reply.trim(),
                    String::from_utf8_lossy(&out.stderr).trim(),
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn dbus_send(&self, args: &[&str]) -> io::Result<Output> {
        Command::new("dbus-send")
            .arg(format!("--bus={}", self.address))
            .args(["--print-reply", "--reply-timeout=5000"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| missing_tool("dbus-send", "dbus-bin", e))
    }
}

impl Drop for SecretServiceDaemon {
    fn drop(&mut self) {
        for child in self.keyring.iter_mut().chain(std::iter::once(&mut self.bus)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The environment of a process that has a session bus address nothing listens at: the
/// "no D-Bus session" case. `dir` should be a folder the test owns.
pub fn unreachable_bus_env(dir: &Path) -> Vec<(OsString, OsString)> {
    let address = format!("unix:path={}", dir.join("no-bus-here").display());
    vec![(BUS_ADDRESS_VAR.into(), address.into())]
}

/// A session bus that only routes: no service folders (so nothing is activated behind the
/// test's back, and a lock prompt has no prompter), anyone may own any name.
fn bus_config(socket: &Path) -> String {
    let socket = socket.display().to_string().replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
    )
}

/// `x` in a `dbus-send --print-reply` line such as `   variant   string "x"` (escapes are not
/// undone: the labels and paths read here have none).
fn quoted_after(line: &str, prefix: &str) -> Option<String> {
    let start = line.find(prefix)? + prefix.len();
    let rest = line[start..].strip_prefix('"')?;
    Some(rest.strip_suffix('"')?.to_owned())
}

fn log_file(path: &PathBuf) -> io::Result<fs::File> {
    fs::File::create(path)
}

fn missing_tool(program: &str, package: &str, error: io::Error) -> io::Error {
    if error.kind() == io::ErrorKind::NotFound {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{program} not found: install the Debian package {package} (scripts/setup.sh does)"),
        )
    } else {
        io::Error::new(error.kind(), format!("cannot run {program}: {error}"))
    }
}
