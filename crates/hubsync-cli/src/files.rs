//! Files the command line writes (the token, exports, configuration) replace the old file whole.

use std::path::{Path, PathBuf};

/// Writes through `write` to a temporary file beside `path`, then renames it over `path`: the
/// file is the old one or the new one, never half written. The temporary file is removed when
/// writing fails.
pub fn replace_file(path: &Path, write: impl FnOnce(&Path) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".tmp-{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let written = write(&temp).and_then(|()| Ok(std::fs::rename(&temp, path)?));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
