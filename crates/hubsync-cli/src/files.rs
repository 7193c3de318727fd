//! Files the command line writes (the token, exports, configuration) replace the old file whole.

use std::path::Path;

/// The core's `replace_file`, with the command line's errors.
pub fn replace_file(path: &Path, write: impl FnOnce(&Path) -> anyhow::Result<()>) -> anyhow::Result<()> {
    hubsync_sync::files::replace_file(path, write)
}
