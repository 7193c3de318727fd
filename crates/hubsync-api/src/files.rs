//! Files the application saves for the admin: names that never replace one another, and the
//! staging folder of a CSV import between its two steps.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use hubsync_store::SystemClock;

use crate::error::{ApiError, ErrorCode};

/// Now, as saved files' names carry it.
pub fn file_stamp() -> String {
    hubsync_store::Clock::now(&SystemClock).format("%Y%m%d-%H%M%S").to_string()
}

/// `dir/<stem>-<date>-<time>.<ext>` (no extension when `ext` is empty: a folder), with `-2`,
/// `-3`, … when that name is taken: a saved file never replaces another.
pub fn unique_path(dir: &Path, stem: &str, ext: &str, stamp: &str) -> PathBuf {
    let named = |suffix: &str| {
        let name = format!("{stem}-{stamp}{suffix}");
        dir.join(if ext.is_empty() { name } else { format!("{name}.{ext}") })
    };
    let mut path = named("");
    let mut n = 2;
    while path.exists() {
        path = named(&format!("-{n}"));
        n += 1;
    }
    path
}

/// Removes staged files older than `age`; one that can't be removed stays for the next time.
pub(crate) fn remove_stale(dir: &Path, age: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let old = entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|e| e > age));
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A token no other staged file has in this process, and nothing but hex digits and a dash,
/// so it can't name a path outside the staging folder.
pub(crate) fn new_token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The staged file `token` names in `dir`.
pub fn staged_path(dir: &Path, token: &str) -> Result<PathBuf, ApiError> {
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(ApiError::new(ErrorCode::ImportExpired, "That import is unknown: choose the file again."));
    }
    Ok(dir.join(format!("{token}.csv")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_files_never_replace_one_another() {
        let dir = tempfile::tempdir().unwrap();
        let at = "20261124-123005";
        let first = unique_path(dir.path(), "hubsync-leads", "csv", at);
        assert_eq!(first.file_name().unwrap(), "hubsync-leads-20261124-123005.csv");
        std::fs::write(&first, "x").unwrap();
        let second = unique_path(dir.path(), "hubsync-leads", "csv", at);
        assert_eq!(second.file_name().unwrap(), "hubsync-leads-20261124-123005-2.csv");
    }

    #[test]
    fn staged_files_left_behind_are_removed_once_stale() {
        let dir = tempfile::tempdir().unwrap();
        let staged = dir.path().join("abc-1.csv");
        std::fs::write(&staged, "email\n").unwrap();
        remove_stale(dir.path(), std::time::Duration::from_secs(3600));
        assert!(staged.exists(), "a fresh file stays");
        std::thread::sleep(std::time::Duration::from_millis(20));
        remove_stale(dir.path(), std::time::Duration::from_millis(1));
        assert!(!staged.exists());
    }

    #[test]
    fn a_token_names_a_file_in_the_staging_folder_only() {
        let dir = Path::new("/staging");
        let token = new_token();
        assert_ne!(token, new_token());
        assert_eq!(staged_path(dir, &token).unwrap(), dir.join(format!("{token}.csv")));
        for bad in ["", "../etc/passwd", "a/b", "x.csv"] {
            assert_eq!(staged_path(dir, bad).unwrap_err().code, "import_expired", "{bad}");
        }
    }
}
