//! The app's state: the workspace on the store the command line shares, opened once at start off
//! the main thread (a store from an older Hubsync is upgraded first, which can take seconds: the
//! window shows it meanwhile), or why it could not be (shown by every command that needs it).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hubsync_api::builtin::BuiltinSandboxHost;
use hubsync_api::workspace::{DB_FILE_NAME, StoreUpgrade};
use hubsync_api::{ApiError, Workspace};
use hubsync_store::ExistingFolder;
use tokio::sync::SetOnce;

#[derive(Default)]
pub struct AppWorkspace {
    opened: SetOnce<Result<Workspace, ApiError>>,
    /// The step the store's upgrade is at and when it was heard, while one goes on: for a page
    /// that (re)loaded meanwhile.
    upgrading: Mutex<Option<(StoreUpgrade, Instant)>>,
}

impl AppWorkspace {
    /// Opens the store in the app's data folder, which is the user's alone (even if an earlier
    /// version made it 0755), telling `report` how an upgrade of it goes; then every command
    /// waiting for the workspace goes on. Blocks while the store upgrades: call it off the main
    /// thread. Once only: a second call changes nothing.
    pub fn open(&self, data_dir: &Path, mut report: impl FnMut(&StoreUpgrade)) {
        let host = Arc::new(BuiltinSandboxHost);
        let opened =
            Workspace::open_reporting(&data_dir.join(DB_FILE_NAME), ExistingFolder::Tighten, host, &mut |upgrade| {
                let step = matches!(upgrade, StoreUpgrade::Step { .. }).then(|| (upgrade.clone(), Instant::now()));
                *self.upgrading.lock().unwrap_or_else(|e| e.into_inner()) = step;
                report(&upgrade);
            });
        // A failed upgrade leaves its step behind: the store is not upgrading any more.
        self.upgrading.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Err(error) = &opened {
            tracing::error!(%error, "the lead store could not be opened");
        }
        if self.opened.set(opened).is_err() {
            tracing::warn!("the workspace was opened already");
        }
    }

    /// The workspace, once opened (a command waits while the store upgrades), or why it could
    /// not be.
    pub async fn get(&self) -> Result<&Workspace, ApiError> {
        self.opened.wait().await.as_ref().map_err(Clone::clone)
    }

    /// The step the store's upgrade is at, its time counted to now; `None` when none goes on.
    pub fn upgrading(&self) -> Option<StoreUpgrade> {
        let upgrading = self.upgrading.lock().unwrap_or_else(|e| e.into_inner());
        let (upgrade, heard) = upgrading.as_ref()?;
        let mut upgrade = upgrade.clone();
        if let StoreUpgrade::Step { elapsed_ms, .. } = &mut upgrade {
            *elapsed_ms += heard.elapsed().as_millis() as u64;
        }
        Some(upgrade)
    }
}

#[cfg(test)]
mod tests {
    use tauri::async_runtime::block_on;

    use super::*;

    fn opened(data_dir: &Path) -> AppWorkspace {
        let workspace = AppWorkspace::default();
        workspace.open(data_dir, |_| {});
        workspace
    }

    #[test]
    fn a_store_that_cannot_open_is_an_error_for_every_command() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, "not a folder").unwrap();
        let workspace = opened(&blocked);
        let error = block_on(workspace.get()).err().unwrap();
        assert_eq!(error.code, "store_open_failed", "{error:?}");
        assert_eq!(block_on(workspace.get()).err().unwrap(), error, "every command gets the same error");
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
        block_on(opened(&data).get()).unwrap();
        assert_eq!(mode(&data), "700", "an earlier version's folder is fixed");
        assert_eq!(mode(&data.join(DB_FILE_NAME)), "600");
    }

    #[test]
    fn an_older_store_is_upgraded_telling_each_step_which_a_page_can_ask_for_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        block_on(opened(dir.path()).get()).unwrap();
        let conn = rusqlite::Connection::open(dir.path().join(DB_FILE_NAME)).unwrap();
        conn.execute_batch(include_str!("../../crates/hubsync-store/tests/store/roll_back_to_13.sql")).unwrap();
        drop(conn);

        let workspace = AppWorkspace::default();
        let mut heard = Vec::new();
        workspace.open(dir.path(), |upgrade| heard.push((upgrade.clone(), workspace.upgrading())));
        let steps: Vec<_> = heard
            .iter()
            .map(|(upgrade, asked)| match (upgrade, asked) {
                (StoreUpgrade::Step { step, migration, .. }, Some(StoreUpgrade::Step { step: now, .. })) => {
                    assert_eq!(step, now, "a page asking meanwhile learns the step");
                    format!("{step}: {migration}")
                }
                (StoreUpgrade::Done { steps, .. }, None) => format!("done after {steps}"),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            steps,
            [
                "1: lead query paths",
                "2: contact snapshots",
                "3: portal account type",
                "4: sync state",
                "5: companies",
                "6: run companies",
                "7: pulled companies and deals",
                "8: undo companies",
                "9: guardrails and schedules",
                "done after 9"
            ]
        );
        assert_eq!(workspace.upgrading(), None, "over once the workspace is open");
        block_on(workspace.get()).unwrap();

        let again = AppWorkspace::default();
        again.open(dir.path(), |upgrade| panic!("a current store has nothing to tell: {upgrade:?}"));
        block_on(again.get()).unwrap();
    }
}
