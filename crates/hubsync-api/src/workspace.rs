//! The workspace both shells start from: the lead store (one connection shared by quick use
//! cases, a fresh one per long job), where it lives, where its secrets are kept, the shell's
//! `Host`, and the process's sync job slot.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use hubsync_auth::connection::Credentials;
use hubsync_auth::loopback::CancelHandle;
use hubsync_auth::portals::{PortalClient, client_config, usable};
use hubsync_auth::session::SystemClock as AuthClock;
use hubsync_auth::shared_limits::StoreLedgers;
use hubsync_hubspot::ClientConfig;
use hubsync_store::{ExistingFolder, Portal, Store, SystemClock, TokenKind, UpgradeProgress, create_private_dir};
use serde::Serialize;
use tokio::sync::Mutex;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::host::Host;
use crate::jobs::Jobs;

/// The Tauri app's identifier (`tauri.conf.json`): its data folder is `data_dir()/identifier`,
/// so the command line's default store is the app's.
pub const APP_IDENTIFIER: &str = "app.hubsync.desktop";
/// The store's file in the app's data folder.
pub const DB_FILE_NAME: &str = "hubsync.db";

pub struct Workspace {
    pub store: Mutex<Store>,
    /// Where the store lives: a long job opens its own connection to it.
    pub db_path: PathBuf,
    pub credentials: Credentials,
    /// This process's sync job slot and kept preview.
    pub jobs: Arc<Jobs>,
    /// The OAuth attempt waiting for the browser, if any: a new attempt or Cancel ends it.
    pub(crate) oauth: std::sync::Mutex<Option<CancelHandle>>,
    host: Arc<dyn Host>,
    /// Each portal's rate limits as every process using the store shares them.
    pub(crate) rate_ledgers: Arc<StoreLedgers>,
}

/// The default store: `<data dir>/app.hubsync.desktop/hubsync.db`, when the system has a data
/// folder.
pub fn default_db_path() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join(APP_IDENTIFIER).join(DB_FILE_NAME))
}

/// How the upgrade of an older store goes while the workspace opens (a store from an older
/// Hubsync gets the new version's schema; a migration that touches every lead takes seconds at a
/// million): each step as it starts, then the end. Numbers and names: each shell words them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum StoreUpgrade {
    /// Step `step` of `steps` starts: the migration `migration` names (`lead query paths`),
    /// from schema version `from_version` to `to_version`, `elapsed_ms` into the upgrade.
    Step {
        step: u32,
        steps: u32,
        migration: String,
        from_version: u32,
        to_version: u32,
        #[ts(type = "number")]
        elapsed_ms: u64,
    },
    /// The `steps` steps are done and kept, in `elapsed_ms`.
    Done {
        steps: u32,
        #[ts(type = "number")]
        elapsed_ms: u64,
    },
}

/// What a migration adds, in the words of its file's name: `0014_lead_query_paths.sql` is
/// `lead query paths`.
pub fn migration_topic(file_name: &str) -> String {
    let stem = file_name.strip_suffix(".sql").unwrap_or(file_name);
    let words = stem.split_once('_').filter(|(number, _)| number.bytes().all(|b| b.is_ascii_digit()));
    words.map_or(stem, |(_, words)| words).replace('_', " ")
}

/// Turns the store's reports of an upgrade into `StoreUpgrade`s, timed from its first step.
fn upgrade_reporter(report: &mut dyn FnMut(StoreUpgrade)) -> impl FnMut(UpgradeProgress) + '_ {
    let mut started: Option<Instant> = None;
    move |progress| {
        let elapsed_ms = started.get_or_insert_with(Instant::now).elapsed().as_millis() as u64;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let version = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        report(match progress {
            UpgradeProgress::Step { step, steps, name, from, to } => StoreUpgrade::Step {
                step: count(step),
                steps: count(steps),
                migration: migration_topic(name),
                from_version: version(from),
                to_version: version(to),
                elapsed_ms,
            },
            UpgradeProgress::Done { steps, .. } => StoreUpgrade::Done { steps: count(steps), elapsed_ms },
        });
    }
}

impl Workspace {
    /// Opens (creating if needed) the store at `db_path` and its folder. `existing` says what to
    /// do with a folder that is already there: Hubsync's own is made the user's alone; one the
    /// admin chose keeps its mode.
    pub fn open(db_path: &Path, existing: ExistingFolder, host: Arc<dyn Host>) -> Result<Workspace, ApiError> {
        Self::open_reporting(db_path, existing, host, &mut |_| {})
    }

    /// `open`, telling `report` how the upgrade of a store from an older Hubsync goes (nothing
    /// for a store that is new or up to date).
    pub fn open_reporting(
        db_path: &Path,
        existing: ExistingFolder,
        host: Arc<dyn Host>,
        report: &mut dyn FnMut(StoreUpgrade),
    ) -> Result<Workspace, ApiError> {
        if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent, existing).map_err(|e| {
                ApiError::new(
                    ErrorCode::StoreOpenFailed,
                    format!("cannot create the folder {} for the lead store: {e}", parent.display()),
                )
            })?;
        }
        let store = Store::open_reporting(db_path, Arc::new(SystemClock), &mut upgrade_reporter(report))?;
        let store_id = store.store_id()?;
        let credentials = Credentials::new(&store_id, Credentials::secret_file_for(db_path));
        Ok(Workspace {
            store: Mutex::new(store),
            db_path: db_path.to_path_buf(),
            credentials,
            jobs: Arc::default(),
            oauth: std::sync::Mutex::new(None),
            host,
            rate_ledgers: Arc::new(StoreLedgers::new(db_path, Arc::new(SystemClock))),
        })
    }

    /// A connection of its own to the store, for work that must not hold the shared one.
    pub fn open_job_store(&self) -> Result<Store, ApiError> {
        open_store_at(&self.db_path)
    }

    /// The active portal, whatever its status, or `not_connected`.
    pub async fn active_portal(&self) -> Result<Portal, ApiError> {
        self.store.lock().await.active_portal()?.ok_or_else(not_connected)
    }

    /// The active portal if it can be synced with, and a client for it adjusted by `tweak`.
    pub async fn connected(&self, tweak: impl FnOnce(&mut ClientConfig)) -> Result<(Portal, PortalClient), ApiError> {
        let portal = self.active_portal().await?;
        usable(&portal)?;
        let client = self.client_for(portal.clone(), tweak)?;
        Ok((portal, client))
    }

    /// The settings of a client reaching `base_url` with a token of `kind`, its rate limits
    /// shared with every process using this store once its portal is known.
    pub(crate) fn client_config(&self, base_url: &str, kind: TokenKind) -> ClientConfig {
        let mut config = client_config(base_url, kind);
        config.shared_limits = Some(self.rate_ledgers.clone());
        config
    }

    /// A client for `portal`: the host's token for it, or what the keychain keeps.
    pub fn client_for(&self, portal: Portal, tweak: impl FnOnce(&mut ClientConfig)) -> Result<PortalClient, ApiError> {
        let mut config = self.client_config(&portal.base_url, portal.token_kind);
        config.daily_reserve_percent = Some(portal.daily_reserve_percent);
        tweak(&mut config);
        let token = self.host.token_for(&portal);
        Ok(self.credentials.client_for(portal, config, token, Arc::new(AuthClock))?)
    }

    /// Keeps what a client learned about its session (a refresh token HubSpot refused makes
    /// the portal "reconnect needed").
    pub async fn record_outcome(&self, client: &PortalClient) -> Result<(), ApiError> {
        Ok(client.record_outcome(&mut *self.store.lock().await)?)
    }

    /// A number that changes whenever any connection, in any process, wrote to the store: a
    /// shell showing the store reloads when it does.
    pub async fn store_version(&self) -> Result<u64, ApiError> {
        Ok(self.store.lock().await.data_version()?)
    }
}

pub(crate) fn open_store_at(db_path: &Path) -> Result<Store, ApiError> {
    Ok(Store::open(db_path, Arc::new(SystemClock))?)
}

pub(crate) fn not_connected() -> ApiError {
    ApiError::from(hubsync_auth::portals::ConnectError::NotConnected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_is_named_by_the_words_of_its_file() {
        assert_eq!(migration_topic("0014_lead_query_paths.sql"), "lead query paths");
        assert_eq!(migration_topic("0001_initial.sql"), "initial");
        assert_eq!(migration_topic("odd_name"), "odd name", "a name without a number keeps all its words");
    }

    #[test]
    fn the_stores_reports_become_the_shells_numbered_steps_and_end() {
        let mut seen = Vec::new();
        {
            let mut report = |upgrade: StoreUpgrade| seen.push(upgrade);
            let mut reporter = upgrade_reporter(&mut report);
            reporter(UpgradeProgress::Step { step: 1, steps: 2, name: "0014_lead_query_paths.sql", from: 13, to: 14 });
            reporter(UpgradeProgress::Step { step: 2, steps: 2, name: "0015_contact_snapshots.sql", from: 14, to: 15 });
            reporter(UpgradeProgress::Done { steps: 2, version: 15 });
        }
        // The times depend on the machine: only their order is asked.
        let elapsed: Vec<u64> = seen
            .iter_mut()
            .map(|upgrade| match upgrade {
                StoreUpgrade::Step { elapsed_ms, .. } | StoreUpgrade::Done { elapsed_ms, .. } => {
                    std::mem::take(elapsed_ms)
                }
            })
            .collect();
        assert!(elapsed.is_sorted(), "{elapsed:?}");
        let step = |step, migration: &str, from_version| StoreUpgrade::Step {
            step,
            steps: 2,
            migration: migration.into(),
            from_version,
            to_version: from_version + 1,
            elapsed_ms: 0,
        };
        assert_eq!(
            seen,
            [
                step(1, "lead query paths", 13),
                step(2, "contact snapshots", 14),
                StoreUpgrade::Done { steps: 2, elapsed_ms: 0 }
            ]
        );
    }
}
