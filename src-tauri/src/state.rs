//! The app's state: the workspace, opened once at start on the store the command line shares,
//! or why it could not be (shown by every command that needs it).

use std::path::Path;
use std::sync::Arc;

use hubsync_api::builtin::BuiltinSandboxHost;
use hubsync_api::workspace::DB_FILE_NAME;
use hubsync_api::{ApiError, Workspace};
use hubsync_store::ExistingFolder;

pub struct AppWorkspace(pub Result<Workspace, ApiError>);

impl AppWorkspace {
    /// The store in the app's data folder, which is the user's alone (even if an earlier
    /// version made it 0755).
    pub fn open(data_dir: &Path) -> AppWorkspace {
        let host = Arc::new(BuiltinSandboxHost);
        AppWorkspace(Workspace::open(&data_dir.join(DB_FILE_NAME), ExistingFolder::Tighten, host))
    }

    pub fn get(&self) -> Result<&Workspace, ApiError> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_that_cannot_open_is_an_error_for_every_command() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, "not a folder").unwrap();
        let workspace = AppWorkspace::open(&blocked);
        let error = workspace.get().err().unwrap();
        assert_eq!(error.code, "store_open_failed", "{error:?}");
        assert_eq!(workspace.get().err().unwrap(), error, "every command gets the same error");
    }

    #[cfg(unix)]
    #[test]
    fn the_apps_folder_and_its_store_are_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| format!("{:o}", std::fs::metadata(path).unwrap().permissions().mode() & 0o777);
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("app.hubsync.desktop");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        AppWorkspace::open(&data).get().unwrap();
        assert_eq!(mode(&data), "700", "an earlier version's folder is fixed");
        assert_eq!(mode(&data.join(DB_FILE_NAME)), "600");
    }
}
