//! The store holds people's names and emails, so its files are their owner's alone: the
//! database and its `-wal` and `-shm` 0600, the folder Hubsync makes for it 0700, whatever the
//! umask. A file or folder an earlier Hubsync left readable by others is fixed when opened, and
//! the log names it with its old mode.
//!
//! Unix only: on Windows (and elsewhere) the files live under the user's profile, whose ACLs
//! already keep other users out, and there are no mode bits to set.

use std::io;
use std::path::Path;

/// What `create_private_dir` does with a folder that already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExistingFolder {
    /// Hubsync's own folder (the app's data, logs or cache): made 0700 if others can read it.
    Tighten,
    /// A folder the admin chose (`--db` in their working directory): left as it is, since
    /// others may need it; the store's files in it are 0600 all the same.
    Keep,
}

/// Creates `dir` and its missing parents readable by the owner only (0700).
pub fn create_private_dir(dir: &Path, existing: ExistingFolder) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        let existed = dir.is_dir();
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        if !existed {
            // Exactly 0700, whatever the umask took away.
            std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        } else if existing == ExistingFolder::Tighten {
            tighten(dir);
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = existing;
        std::fs::create_dir_all(dir)
    }
}

/// Before SQLite opens `db`: creates it 0600 when it is missing, and takes the group's and
/// others' access from it and from its `-wal` and `-shm` where they exist. SQLite gives the
/// `-wal` and `-shm` it creates later the database file's own mode, so they are 0600 too.
pub(crate) fn protect_store_files(db: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // An empty file is a new database to SQLite. Any failure here (a missing folder, no
        // permission) is left for SQLite's open to report in its own words.
        if let Ok(file) = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(db) {
            // Exactly 0600, whatever the umask took away.
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut path = db.as_os_str().to_owned();
            path.push(suffix);
            tighten(Path::new(&path));
        }
    }
    #[cfg(not(unix))]
    let _ = db;
}

/// Takes the group's and others' access from `path` (0644 becomes 0600, 0755 0700), saying so
/// in the log. A failure (a file owned by another user) is logged too: the store still opens.
#[cfg(unix)]
fn tighten(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(metadata) = std::fs::metadata(path) else { return };
    let old = metadata.permissions().mode() & 0o777;
    if old & 0o077 == 0 {
        return;
    }
    let new = old & 0o700;
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(new)) {
        Ok(()) => tracing::warn!(
            file = %path.display(),
            old_mode = %format_args!("{old:o}"),
            new_mode = %format_args!("{new:o}"),
            "other users could read this; it is now readable by you only"
        ),
        Err(error) => tracing::warn!(
            file = %path.display(),
            mode = %format_args!("{old:o}"),
            %error,
            "other users can read this, and it could not be made readable by you only"
        ),
    }
}
