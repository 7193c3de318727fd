//! Where the HubSpot token is kept. The OS keychain comes later; for now it is a file beside the
//! lead store (`<db path>.token`), readable by its owner only and replaced atomically, and the
//! environment variable `HUBSYNC_TOKEN` overrides it. The token is wrapped in a `Secret` as soon
//! as it is read, so it never prints; it is never written to the lead store.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hubsync_hubspot::Secret;
use serde::Serialize;

use crate::files::replace_file;

/// Overrides the token file when set (and not empty).
pub const TOKEN_ENV: &str = "HUBSYNC_TOKEN";

/// Where the token in use comes from, as `status` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum TokenLocation {
    /// `HUBSYNC_TOKEN` is set.
    Env { variable: &'static str },
    /// The token file beside the store.
    File { path: PathBuf },
    /// Neither: no token.
    Missing { path: PathBuf },
}

impl TokenLocation {
    pub fn describe(&self) -> String {
        match self {
            TokenLocation::Env { variable } => format!("environment variable {variable} (overrides the token file)"),
            TokenLocation::File { path } => format!("file {}", path.display()),
            TokenLocation::Missing { path } => format!("none (no {TOKEN_ENV}, no file {})", path.display()),
        }
    }
}

/// The token file that belongs to one lead store.
#[derive(Clone, Debug)]
pub struct TokenStore {
    path: PathBuf,
}

impl TokenStore {
    pub fn for_db(db_path: &Path) -> TokenStore {
        let mut name = OsString::from(db_path.as_os_str());
        name.push(".token");
        TokenStore { path: PathBuf::from(name) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where a token would come from now.
    pub fn location(&self) -> TokenLocation {
        if env_token().is_some() {
            TokenLocation::Env { variable: TOKEN_ENV }
        } else if self.path.exists() {
            TokenLocation::File { path: self.path.clone() }
        } else {
            TokenLocation::Missing { path: self.path.clone() }
        }
    }

    /// The token: `HUBSYNC_TOKEN` if set, else the file's, else `None`.
    pub fn load(&self) -> anyhow::Result<Option<Secret>> {
        if let Some(token) = env_token() {
            return Ok(Some(token));
        }
        match fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(Secret::new(text.trim())).filter(|s| !s.expose().is_empty())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read the token file {}", self.path.display())),
        }
    }

    /// Writes the token to a temporary file (owner-only on Unix) and renames it over the token
    /// file, so the file is always whole: the old token or the new one.
    pub fn save(&self, token: &Secret) -> anyhow::Result<()> {
        replace_file(&self.path, |temp| Ok(write_private(temp, token.expose().as_bytes())?))
            .with_context(|| format!("cannot write the token file {}", self.path.display()))
    }

    /// Deletes the token file; says whether there was one.
    pub fn delete(&self) -> anyhow::Result<bool> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).with_context(|| format!("cannot delete the token file {}", self.path.display())),
        }
    }
}

fn env_token() -> Option<Secret> {
    let value = std::env::var(TOKEN_ENV).ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| Secret::new(value))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_file_sits_beside_the_store_and_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::for_db(&dir.path().join("hubsync.db"));
        assert_eq!(store.path(), dir.path().join("hubsync.db.token"));
        store.save(&Secret::new("first")).unwrap();
        store.save(&Secret::new("second\n")).unwrap();
        assert_eq!(fs::read_to_string(store.path()).unwrap(), "second\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(store.delete().unwrap());
        assert!(!store.delete().unwrap());
    }
}
