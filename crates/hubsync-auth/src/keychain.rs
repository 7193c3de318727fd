//! Where Hubsync keeps its secrets: refresh tokens, private-app tokens and OAuth client secrets.
//!
//! The home of a secret is the OS keychain (the `keyring` crate: the Secret Service over D-Bus on
//! Linux, the Keychain on macOS, the Credential Manager on Windows), so it is encrypted at rest
//! and guarded by the user's login. Access tokens are never stored: they live in memory only.
//!
//! Where there is no usable keychain (a server without a desktop session, a locked keyring),
//! every operation fails with [`SecretStoreError::KeychainUnavailable`], whose message says what
//! was tried and what to do. Hubsync never falls back silently: the admin has to opt into the
//! file store ([`SecretStore::file`]), a JSON file readable by its owner only, and status output
//! shows which store is in use ([`SecretStore::describe`]).
//!
//! Values go in and come out as [`Secret`], which never prints. Errors carry entry names, paths
//! and the platform's reason, never a value.
//!
//! # Blocking
//!
//! Every call is blocking: a keychain call is a D-Bus round trip (or two) on Linux and may wait
//! on the OS; the file store does file I/O and takes a file lock. Async code must not call them
//! on a runtime thread: use the `*_async` methods, which run the call on
//! [`tokio::task::spawn_blocking`].

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use hubsync_hubspot::Secret;

#[cfg(all(feature = "testing", target_os = "linux"))]
pub mod testing;

/// The keychain service Hubsync's desktop app and command line share: the app's identifier,
/// so a keychain manager lists the entries under a name people recognise.
pub const DEFAULT_SERVICE: &str = "app.hubsync.desktop";

/// The name of one secret in a store, and the label a keychain manager shows for it.
///
/// Names are stable (`portal-123/refresh-token`), because they are how a secret is found
/// again; they are not secret, and appear in logs and errors.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EntryName {
    name: String,
    label: String,
}

impl EntryName {
    /// An entry with any name, for secrets that have no helper below. `label` is what a person
    /// browsing the keychain sees (Secret Service only; see [`SecretStore::set`]).
    pub fn new(name: impl Into<String>, label: impl Into<String>) -> EntryName {
        EntryName { name: name.into(), label: label.into() }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn label(&self) -> &str {
        &self.label
    }
}

impl fmt::Display for EntryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The OAuth refresh token of a connected HubSpot portal (`portal-123/refresh-token`).
pub fn refresh_token_entry(portal_id: u64) -> EntryName {
    EntryName::new(
        format!("portal-{portal_id}/refresh-token"),
        format!("Hubsync: HubSpot portal {portal_id} refresh token"),
    )
}

/// The private-app access token of a HubSpot portal (`portal-123/private-token`).
pub fn private_token_entry(portal_id: u64) -> EntryName {
    EntryName::new(
        format!("portal-{portal_id}/private-token"),
        format!("Hubsync: HubSpot portal {portal_id} private app token"),
    )
}

/// The client secret of an OAuth app the admin registered (`oauth-app-<client id>/client-secret`).
pub fn client_secret_entry(client_id: &str) -> EntryName {
    EntryName::new(
        format!("oauth-app-{client_id}/client-secret"),
        format!("Hubsync: HubSpot app {client_id} client secret"),
    )
}

/// Which kind of store holds the secrets: the same choice a portal records in the lead store.
pub use hubsync_store::SecretStoreKind;

/// Something a store could not do. None of these messages ever contains a secret value: they
/// are built from entry names, paths and the platform's reason only.
#[derive(Debug, thiserror::Error)]
pub enum SecretStoreError {
    /// No keychain to talk to: no D-Bus session, no Secret Service on it, a locked keyring, no
    /// logon session. The message says what was tried and how to get one or opt out.
    #[error(
        "no usable OS keychain: Hubsync tried {tried} ({reason}). {advice} Or opt into keeping secrets \
         in a file only you can read.",
        advice = KEYCHAIN_ADVICE
    )]
    KeychainUnavailable { tried: &'static str, reason: String },
    /// The keychain answered but failed the operation.
    #[error("the OS keychain ({tried}) could not {action} the secret {entry}: {reason}")]
    Keychain { tried: &'static str, action: &'static str, entry: String, reason: String },
    /// The secret file could not be read or written.
    #[error("the secret file {} could not be {action}: {reason}", path.display())]
    SecretFile { path: PathBuf, action: &'static str, reason: String },
    /// The secret file can be read or changed by other users, so what it holds may have leaked
    /// and may not be Hubsync's: refuse it rather than use or extend it.
    #[error(
        "refusing the secret file {path}: other users can read or change it (mode {mode:04o}). If you \
         created it, make it yours only with `chmod 600 {path}`; otherwise delete it, reconnect, and \
         revoke the tokens it held",
        path = path.display()
    )]
    SecretFileNotPrivate { path: PathBuf, mode: u32 },
}

impl SecretStoreError {
    /// The stable code the CLI's `--json` and the desktop app's `{code, message}` carry.
    pub fn code(&self) -> &'static str {
        match self {
            SecretStoreError::KeychainUnavailable { .. } => "keychain_unavailable",
            SecretStoreError::Keychain { .. } => "keychain_error",
            SecretStoreError::SecretFile { .. } | SecretStoreError::SecretFileNotPrivate { .. } => "secret_file_error",
        }
    }
}

pub type Result<T, E = SecretStoreError> = std::result::Result<T, E>;

/// Where the secrets live: the OS keychain, or (opted into) one file readable by its owner.
///
/// Cheap to clone; holds no connection and no secret, so every call reaches the store afresh
/// and sees what another process (the CLI, the desktop app) wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretStore {
    backend: Backend,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Backend {
    Keychain { service: String },
    File { path: PathBuf },
}

impl SecretStore {
    /// The OS keychain, entries under `service` (normally [`DEFAULT_SERVICE`]). Nothing is
    /// contacted until the first call; [`probe`](Self::probe) says whether it is usable.
    pub fn keychain(service: &str) -> SecretStore {
        SecretStore { backend: Backend::Keychain { service: service.to_owned() } }
    }

    /// The opt-in file store: one JSON object of entry name to value at `path`, created
    /// readable and writable by its owner only (0600, its folder 0700 when created), replaced
    /// whole on every change, and refused when other users can read it. Not encrypted: anyone
    /// who can read the user's files can read it, which is why it is opt-in.
    pub fn file(path: impl Into<PathBuf>) -> SecretStore {
        SecretStore { backend: Backend::File { path: path.into() } }
    }

    pub fn kind(&self) -> SecretStoreKind {
        match self.backend {
            Backend::Keychain { .. } => SecretStoreKind::Keychain,
            Backend::File { .. } => SecretStoreKind::File,
        }
    }

    /// For status output: `OS keychain (Secret Service)`, `file PATH (readable by you only)`.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Keychain { .. } => format!("OS keychain ({KEYCHAIN_NAME})"),
            Backend::File { path } => format!("file {} (readable by you only)", path.display()),
        }
    }

    /// The secret stored under `name`, or `None` when there is none.
    pub fn get(&self, name: &EntryName) -> Result<Option<Secret>> {
        match &self.backend {
            Backend::Keychain { service } => keychain_get(service, name),
            Backend::File { path } => Ok(read_secret_file(path)?.remove(name.as_str()).map(Secret::new)),
        }
    }

    /// Stores `value` under `name`, replacing any earlier value.
    ///
    /// In the Secret Service the item is labelled with [`EntryName::label`] (what GNOME's
    /// Passwords and Keys or KWallet's manager list); the Keychain and the Credential Manager
    /// list it by service and entry name (`portal-123/refresh-token.app.hubsync.desktop` on
    /// Windows).
    pub fn set(&self, name: &EntryName, value: &Secret) -> Result<()> {
        match &self.backend {
            Backend::Keychain { service } => keychain_set(service, name, value),
            Backend::File { path } => update_secret_file(path, |secrets| {
                secrets.insert(name.as_str().to_owned(), value.expose().to_owned());
                true
            })
            .map(|_| ()),
        }?;
        tracing::debug!(entry = %name, store = %self.describe(), "secret stored");
        Ok(())
    }

    /// Removes the secret stored under `name`; says whether there was one. Deleting a missing
    /// entry is not an error: disconnecting twice is fine.
    pub fn delete(&self, name: &EntryName) -> Result<bool> {
        let existed = match &self.backend {
            Backend::Keychain { service } => keychain_delete(service, name),
            Backend::File { path } => update_secret_file(path, |secrets| secrets.remove(name.as_str()).is_some()),
        }?;
        tracing::debug!(entry = %name, store = %self.describe(), existed, "secret deleted");
        Ok(existed)
    }

    /// Whether the store can be used right now, by reading an entry that normally doesn't
    /// exist: "no such entry" means the keychain answered. For the file store: the file is
    /// absent, or present, private and readable.
    ///
    /// A reachable but locked Secret Service collection still answers a read of a missing entry,
    /// so it passes; its unlock prompt comes with the first write.
    pub fn probe(&self) -> Result<()> {
        self.get(&probe_entry()).map(|_| ())
    }

    /// [`get`](Self::get) on a blocking thread.
    pub async fn get_async(&self, name: &EntryName) -> Result<Option<Secret>> {
        let (store, name) = (self.clone(), name.clone());
        run_blocking(self, move || store.get(&name)).await
    }

    /// [`set`](Self::set) on a blocking thread.
    pub async fn set_async(&self, name: &EntryName, value: &Secret) -> Result<()> {
        let (store, name, value) = (self.clone(), name.clone(), value.clone());
        run_blocking(self, move || store.set(&name, &value)).await
    }

    /// [`delete`](Self::delete) on a blocking thread.
    pub async fn delete_async(&self, name: &EntryName) -> Result<bool> {
        let (store, name) = (self.clone(), name.clone());
        run_blocking(self, move || store.delete(&name)).await
    }

    /// [`probe`](Self::probe) on a blocking thread.
    pub async fn probe_async(&self) -> Result<()> {
        let store = self.clone();
        run_blocking(self, move || store.probe()).await
    }
}

fn probe_entry() -> EntryName {
    EntryName::new("hubsync-probe", "Hubsync: keychain probe (never stored)")
}

/// Runs a call of `store` on tokio's blocking pool. A panic in the call is resumed here, as if
/// the call had been made in place.
async fn run_blocking<T: Send + 'static>(
    store: &SecretStore,
    call: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(call).await {
        Ok(result) => result,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(_) => {
            let reason = "the runtime shut down during the call";
            Err(match &store.backend {
                Backend::Keychain { .. } => SecretStoreError::Keychain {
                    tried: KEYCHAIN_NAME,
                    action: "finish a call for",
                    entry: "(any)".to_owned(),
                    reason: reason.to_owned(),
                },
                Backend::File { path } => file_error(path, "used", reason),
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The OS keychain

#[cfg(target_os = "macos")]
const KEYCHAIN_NAME: &str = "macOS Keychain";
#[cfg(target_os = "windows")]
const KEYCHAIN_NAME: &str = "Windows Credential Manager";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const KEYCHAIN_NAME: &str = "Secret Service";

#[cfg(target_os = "macos")]
const KEYCHAIN_TRIED: &str = "the macOS login Keychain";
#[cfg(target_os = "windows")]
const KEYCHAIN_TRIED: &str = "the Windows Credential Manager";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const KEYCHAIN_TRIED: &str = "the Secret Service (org.freedesktop.secrets) on the D-Bus session bus";

#[cfg(target_os = "macos")]
const KEYCHAIN_ADVICE: &str = "Unlock your login keychain (Keychain Access) and try again, from a \
     logged-in desktop session rather than SSH.";
#[cfg(target_os = "windows")]
const KEYCHAIN_ADVICE: &str = "Run Hubsync from an interactive Windows logon session and try again.";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const KEYCHAIN_ADVICE: &str = "Start or unlock a keyring that provides the Secret Service (GNOME Keyring, \
     KWallet) in your desktop session, with DBUS_SESSION_BUS_ADDRESS pointing at that session's bus, \
     and try again.";

fn keyring_entry(service: &str, name: &EntryName) -> Result<keyring::Entry> {
    // On the Secret Service the label is set at creation; elsewhere keyring has no label.
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    {
        let mut credential = keyring::secret_service::SsCredential::new_with_target(None, service, name.as_str())
            .map_err(|e| keychain_error("open", name, e))?;
        credential.label = name.label().to_owned();
        Ok(keyring::Entry::new_with_credential(Box::new(credential)))
    }
    #[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
    {
        keyring::Entry::new(service, name.as_str()).map_err(|e| keychain_error("open", name, e))
    }
}

fn keychain_get(service: &str, name: &EntryName) -> Result<Option<Secret>> {
    match keyring_entry(service, name)?.get_password() {
        Ok(value) => Ok(Some(Secret::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keychain_error("read", name, e)),
    }
}

fn keychain_set(service: &str, name: &EntryName, value: &Secret) -> Result<()> {
    keyring_entry(service, name)?.set_password(value.expose()).map_err(|e| keychain_error("store", name, e))
}

fn keychain_delete(service: &str, name: &EntryName) -> Result<bool> {
    match keyring_entry(service, name)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(keychain_error("delete", name, e)),
    }
}

/// Turns a keyring error into ours without keeping it: `BadEncoding` holds the stored bytes
/// (a secret) and would print them in `Debug`, so only a description crosses over.
fn keychain_error(action: &'static str, name: &EntryName, error: keyring::Error) -> SecretStoreError {
    let keychain =
        |reason: String| SecretStoreError::Keychain { tried: KEYCHAIN_NAME, action, entry: name.to_string(), reason };
    let unavailable = |reason: String| SecretStoreError::KeychainUnavailable { tried: KEYCHAIN_TRIED, reason };
    match error {
        keyring::Error::NoStorageAccess(platform) => unavailable(platform_reason(&*platform)),
        keyring::Error::PlatformFailure(platform) if means_unavailable(&*platform) => {
            unavailable(platform_reason(&*platform))
        }
        keyring::Error::PlatformFailure(platform) => keychain(platform_reason(&*platform)),
        keyring::Error::NoEntry => keychain("there is no such entry".to_owned()),
        keyring::Error::BadEncoding(_) => keychain("the stored value is not UTF-8 text".to_owned()),
        keyring::Error::TooLong(attribute, limit) => {
            keychain(format!("its {attribute} is longer than the keychain allows ({limit} characters)"))
        }
        keyring::Error::Invalid(attribute, reason) => keychain(format!("its {attribute} is invalid: {reason}")),
        keyring::Error::Ambiguous(items) => keychain(format!(
            "{} keychain items match it; remove the extra ones with your keychain manager",
            items.len()
        )),
        other => keychain(format!("unexpected keychain error: {other}")),
    }
}

/// The platform's own words, its error and their sources. Platform errors (D-Bus, Security
/// framework, Win32) carry codes and messages, never the values being stored.
fn platform_reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut reason = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !text.is_empty() && !reason.contains(&text) {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        source = inner.source();
    }
    // D-Bus errors print their message without their name, which is the telling part.
    if let Some(name) = dbus_error_name(error) {
        reason.push_str(&format!(" [{name}]"));
    }
    reason
}

/// Failures that mean "there is no keychain to talk to" rather than "the keychain said no".
/// keyring reports a missing bus or Secret Service as a generic platform failure, so this reads
/// the D-Bus error name (from the error's `Debug`: D-Bus errors print their name only there).
fn means_unavailable(error: &(dyn std::error::Error + 'static)) -> bool {
    const UNAVAILABLE: [&str; 9] = [
        "org.freedesktop.DBus.Error.ServiceUnknown", // nobody owns org.freedesktop.secrets
        "org.freedesktop.DBus.Error.NoServer",       // nothing listens at the bus address
        "org.freedesktop.DBus.Error.FileNotFound",   // the bus socket doesn't exist
        "org.freedesktop.DBus.Error.NotSupported",   // no address and no way to autolaunch one
        "org.freedesktop.DBus.Error.Spawn",          // activating the Secret Service failed
        "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.NoReply", // the service hangs (e.g. waiting for a prompt)
        "org.freedesktop.DBus.Error.TimedOut",
        "org.freedesktop.Secret.Error.IsLocked",
    ];
    // macOS: errSecInteractionNotAllowed, a locked keychain without a GUI session (SSH).
    const MACOS_UNAVAILABLE: [&str; 1] = ["-25308"];
    let debug = format!("{error:?}");
    UNAVAILABLE.iter().chain(MACOS_UNAVAILABLE.iter()).any(|marker| debug.contains(marker))
}

/// The D-Bus error name in an error's `Debug` text, which ends `... (org.freedesktop.DBus.Error.X)`.
fn dbus_error_name(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let debug = format!("{error:?}");
    let start = debug.rfind("(org.freedesktop.")? + 1;
    let name: String =
        debug[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_')).collect();
    Some(name)
}

// ---------------------------------------------------------------------------------------------
// The file store

/// Reads the secret file: an absent file holds nothing; a file other users can reach is refused.
fn read_secret_file(path: &Path) -> Result<BTreeMap<String, String>> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(file_error(path, "read", e)),
    };
    // The checks are made on the open file, so they hold for what is read.
    let metadata = file.metadata().map_err(|e| file_error(path, "read", e))?;
    if !metadata.is_file() {
        return Err(file_error(path, "read", "it is not a regular file"));
    }
    check_private(path, &metadata)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| file_error(path, "read", e))?;
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    serde_json::from_str(&text).map_err(|e| file_error(path, "read", json_problem(&e)))
}

#[cfg(unix)]
fn check_private(path: &Path, metadata: &fs::Metadata) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SecretStoreError::SecretFileNotPrivate { path: path.to_owned(), mode });
    }
    Ok(())
}

/// Windows: a file in the user's profile is private by the profile's ACL.
#[cfg(not(unix))]
fn check_private(_path: &Path, _metadata: &fs::Metadata) -> Result<()> {
    Ok(())
}

/// What is wrong with the file's JSON, without serde's excerpt: "invalid type: string \"…\""
/// would quote a value, and values are secrets.
fn json_problem(error: &serde_json::Error) -> String {
    let what = match error.classify() {
        serde_json::error::Category::Io => "it could not be read",
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "it is not valid JSON",
        serde_json::error::Category::Data => "it is not a JSON object of entry names to text values",
    };
    format!("{what} (line {}, column {})", error.line(), error.column())
}

/// Changes the secret file under an exclusive lock (a `.lock` file beside it), so the CLI and
/// the desktop app changing it at once don't lose each other's entries. `change` says whether
/// it changed anything; an unchanged file is not rewritten. Returns `change`'s answer.
fn update_secret_file(path: &Path, change: impl FnOnce(&mut BTreeMap<String, String>) -> bool) -> Result<bool> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(|e| file_error(path, "written", e))?;
    }
    let lock_path = sibling(path, ".lock");
    let lock = private_options(false).open(&lock_path).map_err(|e| file_error(path, "locked", e))?;
    lock.lock().map_err(|e| file_error(path, "locked", e))?;
    let mut secrets = read_secret_file(path)?;
    let changed = change(&mut secrets);
    if changed {
        write_secret_file(path, &secrets)?;
    }
    // Dropping `lock` unlocks.
    Ok(changed)
}

/// Writes the whole map to a temporary file (0600 from its creation, never wider), flushes it
/// to disk, and renames it over the secret file: a reader sees the old file or the new one.
fn write_secret_file(path: &Path, secrets: &BTreeMap<String, String>) -> Result<()> {
    let temp = sibling(path, &format!(".tmp-{}", std::process::id()));
    let written = (|| -> io::Result<()> {
        // A temporary file left by a crashed writer with our process id: we hold the lock, so
        // it is nobody's.
        match fs::remove_file(&temp) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut file = private_options(true).open(&temp)?;
        let json = serde_json::to_vec_pretty(secrets).map_err(io::Error::other)?;
        file.write_all(&json)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        sync_parent(path);
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(file_error(path, "written", e));
    }
    Ok(())
}

/// Open options for a file only its owner can read or write. `create_new` refuses to follow a
/// symlink planted where the temporary file goes.
fn private_options(create_new: bool) -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates the folder and any missing parents, 0700 on Unix; existing folders are left as they are.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes the rename durable. Best effort: some file systems refuse to sync a folder, and the
/// file itself is already on disk.
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(dir) = fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn file_error(path: &Path, action: &'static str, reason: impl fmt::Display) -> SecretStoreError {
    SecretStoreError::SecretFile { path: path.to_owned(), action, reason: reason.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_are_stable() {
        assert_eq!(refresh_token_entry(123).as_str(), "portal-123/refresh-token");
        assert_eq!(private_token_entry(123).as_str(), "portal-123/private-token");
        assert_eq!(client_secret_entry("9f1c-ab").as_str(), "oauth-app-9f1c-ab/client-secret");
        assert_eq!(refresh_token_entry(123).label(), "Hubsync: HubSpot portal 123 refresh token");
    }

    #[test]
    fn json_problems_never_quote_the_file() {
        let error = serde_json::from_str::<BTreeMap<String, String>>("\"pat-na1-secret\"").unwrap_err();
        let problem = json_problem(&error);
        assert!(!problem.contains("pat-na1-secret"), "{problem}");
        assert!(problem.starts_with("it is not a JSON object"), "{problem}");
    }

    #[test]
    fn bad_encoding_keeps_no_bytes() {
        let error =
            keychain_error("read", &refresh_token_entry(1), keyring::Error::BadEncoding(b"secret\xff".to_vec()));
        assert_eq!(error.code(), "keychain_error");
        assert!(!format!("{error} {error:?}").contains("secret\\xff") && !format!("{error:?}").contains("115, 101"));
    }
}
