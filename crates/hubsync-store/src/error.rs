use std::path::PathBuf;

/// Everything the store refuses, with what to do about it. `code()` is stable for the UI and
/// for `--json` output; the message is for people.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the lead store at {}: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error(
        "the lead store at {} was written by a newer Hubsync (schema version {found}; this version knows {known}). Update Hubsync to open it; the file was left as it is",
        path.display()
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("{} is not an email address HubSpot accepts: {reason}", crate::fields::quoted(.email))]
    InvalidEmail { email: String, reason: String },
    #[error("a lead with the email {email} already exists (lead {existing})")]
    DuplicateEmail { email: String, existing: i64 },
    #[error("no lead with id {0}")]
    LeadNotFound(i64),
    #[error("HubSpot contact {contact_id} is already linked to lead {lead_id}")]
    ContactAlreadyLinked { contact_id: String, lead_id: i64 },
    #[error("there is no lead field {0:?}")]
    UnknownField(String),
    #[error("{field}: {reason}")]
    InvalidValue { field: String, reason: String },
    #[error("a field named {0:?} already exists")]
    FieldExists(String),
    #[error("invalid field definition: {0}")]
    InvalidField(String),
    #[error("the email mapping is what matches leads to contacts: it cannot be removed or changed")]
    EmailMappingLocked,
    #[error("{0:?} is not a HubSpot property name (lowercase letters, digits and underscores)")]
    InvalidPropertyName(String),
    #[error("HubSpot property {property} is already mapped from the field {field}; remove that mapping first")]
    PropertyAlreadyMapped { property: String, field: String },
    #[error("the field {0} is not mapped")]
    NotMapped(String),
    #[error("creating contacts is only allowed while updating them is on: turn update on, or create off")]
    CreateNeedsUpdate,
    #[error("{} is not a company domain: {reason}", crate::fields::quoted(.domain))]
    InvalidDomain { domain: String, reason: String },
    #[error("no company with id {0}")]
    CompanyNotFound(i64),
    #[error("a company with the domain {domain} already exists (company {existing})")]
    DuplicateCompanyDomain { domain: String, existing: i64 },
    #[error("there is no company field {0:?}")]
    UnknownCompanyField(String),
    #[error("the company field {0} is built in: it can't be removed")]
    BuiltInCompanyField(String),
    #[error("HubSpot company {hubspot_company_id} is already linked to company {company_id}")]
    CompanyAlreadyLinked { hubspot_company_id: String, company_id: i64 },
    #[error("{} is not a HubSpot record id (digits only)", crate::fields::quoted(.0))]
    InvalidHubspotId(String),
    #[error(
        "the domain mapping is what matches companies: the company field domain fills the domain property, overwriting, and it can't be removed or changed"
    )]
    DomainMappingLocked,
    #[error("the company property {0} is not mapped")]
    CompanyPropertyNotMapped(String),
    #[error(
        "creating companies is only allowed while associating leads with companies is on: turn associate on, or create off"
    )]
    CreateCompanyNeedsAssociate,
    #[error("the lead field {field} can't name a lead's company domain: {reason}")]
    InvalidDomainField { field: String, reason: String },
    #[error("deal {deal_id}: {reason}")]
    InvalidDeal { deal_id: String, reason: String },
    #[error("no sync run with id {0}")]
    RunNotFound(i64),
    #[error("a daily reserve of {0} % leaves a run nothing: keep between 0 and 90 % free")]
    InvalidDailyReserve(u8),
    #[error("no portal {0} is known to this store")]
    PortalNotFound(u64),
    #[error("the guardrails were not saved:\n{}", bullets(.0))]
    InvalidGuardrails(Vec<String>),
    #[error("run {0} is not a run a guardrail held")]
    NotHeld(i64),
    #[error("held run {run_id} was already {state}: a held run is approved or refused once")]
    HoldDecided { run_id: i64, state: &'static str },
    #[error("no schedule {0}")]
    ScheduleNotFound(i64),
    #[error("{0}")]
    InvalidSchedule(String),
    #[error("{0}")]
    InvalidPortal(String),
    #[error("run {run_id} can't be resumed: {why}")]
    RunNotResumable { run_id: i64, why: String },
    /// Another process (the app, or another `hubsync`) is writing a live run of this portal.
    #[error(
        "run {run_id} is being written to this portal by another Hubsync (process {pid} on {host}, since {}), and one run writes to a portal at a time. Wait for it to finish, or stop it where it runs, then try again; if that process has ended, resuming run {run_id} takes it over",
        since.format("%Y-%m-%d %H:%M:%S UTC")
    )]
    RunInProgress { run_id: i64, pid: u32, host: String, since: chrono::DateTime<chrono::Utc> },
    /// This connection does not hold (or no longer holds) the lease of the run it writes.
    #[error(
        "run {run_id} is no longer this process's to write: another Hubsync took it over. This one stopped writing; the run's rows stay as recorded, and whoever holds it now finishes it"
    )]
    LeaseLost { run_id: i64 },
    #[error("cannot use the run lock file {}: {source}", path.display())]
    LeaseFile { path: PathBuf, source: std::io::Error },
    /// The run was made against another address than the portal is reached at now.
    #[error(
        "run {run_id} was made against {then}, but portal {portal_id} is now reached at {now}, which may be another HubSpot account: the run's contact ids mean nothing there, so it is not written again from here"
    )]
    PortalMoved { run_id: i64, portal_id: u64, then: String, now: String },
    #[error("{} of the rows are invalid, so nothing was written:\n{}", .0.len(), RowError::list(.0))]
    InvalidRows(Vec<RowError>),
    #[error("the configuration file can't be imported, so nothing was changed:\n{}", bullets(.0))]
    InvalidConfig(Vec<String>),
    #[error("the mapping file can't be imported, so nothing was changed:\n{}", bullets(.0))]
    InvalidMappingFile(Vec<String>),
    #[error("the lead store is corrupt: {0}")]
    Corrupt(String),
    #[error(
        "{} is in use by another Hubsync (the app or a `hubsync` command) and stayed locked for more than {} seconds, so nothing was changed. Let the other one finish (or close it), then try again",
        the_store(path),
        BUSY_TIMEOUT.as_secs()
    )]
    Busy { path: Option<PathBuf> },
    #[error(
        "{} could not be written: the disk is full or the system refused to let the file grow ({detail}). Nothing was changed; free some disk space, then try again",
        the_store(path)
    )]
    DiskFull { path: Option<PathBuf>, detail: String },
    #[error(
        "{} is damaged: SQLite says \"{detail}\". Hubsync left the file as it is. Quit the app and every `hubsync` command, move the file aside (keep it: it may still be rescued), then restore a backup in its place or start with a new empty store",
        the_store(path)
    )]
    FileDamaged { path: Option<PathBuf>, detail: String },
    #[error("lead store: {0}")]
    Sqlite(rusqlite::Error),
}

/// How long a statement waits for another connection's lock before giving up with `Busy`.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn the_store(path: &Option<PathBuf>) -> String {
    match path {
        Some(path) => format!("the lead store at {}", path.display()),
        None => "the lead store".to_string(),
    }
}

/// SQLite's failures that people can act on get their own errors: a lock held elsewhere, a
/// full disk, a damaged file. The rest stay `Sqlite`.
impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        let Some(sqlite) = error.sqlite_error() else { return StoreError::Sqlite(error) };
        let detail = error.to_string();
        match sqlite.code {
            ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked => StoreError::Busy { path: None },
            ffi::ErrorCode::DiskFull => StoreError::DiskFull { path: None, detail },
            // A write the system refused (a file size limit gives EFBIG, which SQLite reports
            // as a failed write rather than SQLITE_FULL).
            ffi::ErrorCode::SystemIoFailure
                if matches!(
                    sqlite.extended_code,
                    ffi::SQLITE_IOERR_WRITE
                        | ffi::SQLITE_IOERR_FSYNC
                        | ffi::SQLITE_IOERR_DIR_FSYNC
                        | ffi::SQLITE_IOERR_TRUNCATE
                        | ffi::SQLITE_IOERR_SHMSIZE
                        | ffi::SQLITE_IOERR_SHMMAP
                ) =>
            {
                StoreError::DiskFull { path: None, detail }
            }
            ffi::ErrorCode::DatabaseCorrupt | ffi::ErrorCode::NotADatabase => {
                StoreError::FileDamaged { path: None, detail }
            }
            _ => StoreError::Sqlite(error),
        }
    }
}

/// Problems as a list under their heading, one a line.
fn bullets(problems: &[String]) -> String {
    problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
}

impl StoreError {
    /// Names the file in the errors that are about it, for whoever knows where the store is.
    pub fn at(self, store: &std::path::Path) -> StoreError {
        let path = Some(store.to_path_buf());
        match self {
            StoreError::Busy { path: None } => StoreError::Busy { path },
            StoreError::DiskFull { path: None, detail } => StoreError::DiskFull { path, detail },
            StoreError::FileDamaged { path: None, detail } => StoreError::FileDamaged { path, detail },
            other => other,
        }
    }
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Open { .. } => "store_open_failed",
            StoreError::TooNew { .. } => "store_too_new",
            StoreError::InvalidEmail { .. } => "invalid_email",
            StoreError::DuplicateEmail { .. } => "duplicate_email",
            StoreError::LeadNotFound(_) => "lead_not_found",
            StoreError::ContactAlreadyLinked { .. } => "contact_already_linked",
            StoreError::UnknownField(_) => "unknown_field",
            StoreError::InvalidValue { .. } => "invalid_value",
            StoreError::InvalidDailyReserve(_) => "invalid_daily_reserve",
            StoreError::FieldExists(_) => "field_exists",
            StoreError::InvalidField(_) => "invalid_field",
            StoreError::EmailMappingLocked => "email_mapping_locked",
            StoreError::InvalidPropertyName(_) => "invalid_property_name",
            StoreError::PropertyAlreadyMapped { .. } => "property_already_mapped",
            StoreError::NotMapped(_) => "not_mapped",
            StoreError::CreateNeedsUpdate => "create_needs_update",
            StoreError::InvalidDomain { .. } => "invalid_domain",
            StoreError::CompanyNotFound(_) => "company_not_found",
            StoreError::DuplicateCompanyDomain { .. } => "duplicate_company_domain",
            StoreError::UnknownCompanyField(_) => "unknown_field",
            StoreError::BuiltInCompanyField(_) => "built_in_field",
            StoreError::CompanyAlreadyLinked { .. } => "company_already_linked",
            StoreError::InvalidHubspotId(_) => "invalid_hubspot_id",
            StoreError::DomainMappingLocked => "domain_mapping_locked",
            StoreError::CompanyPropertyNotMapped(_) => "not_mapped",
            StoreError::CreateCompanyNeedsAssociate => "create_company_needs_associate",
            StoreError::InvalidDomainField { .. } => "invalid_domain_field",
            StoreError::InvalidDeal { .. } => "invalid_deal",
            StoreError::RunNotFound(_) => "run_not_found",
            StoreError::RunNotResumable { .. } => "run_not_resumable",
            StoreError::RunInProgress { .. } => "run_in_progress",
            StoreError::LeaseLost { .. } => "lease_lost",
            StoreError::LeaseFile { .. } => "store_open_failed",
            StoreError::PortalMoved { .. } => "other_portal",
            StoreError::PortalNotFound(_) => "portal_not_found",
            StoreError::InvalidGuardrails(_) => "invalid_guardrails",
            StoreError::NotHeld(_) => "run_not_held",
            StoreError::HoldDecided { .. } => "hold_decided",
            StoreError::ScheduleNotFound(_) => "schedule_not_found",
            StoreError::InvalidSchedule(_) => "invalid_schedule",
            StoreError::InvalidPortal(_) => "invalid_portal",
            StoreError::InvalidRows(_) => "invalid_rows",
            StoreError::InvalidConfig(_) => "invalid_config",
            StoreError::InvalidMappingFile(_) => "invalid_mapping_file",
            StoreError::Corrupt(_) => "store_corrupt",
            StoreError::Busy { .. } => "store_busy",
            StoreError::DiskFull { .. } => "store_disk_full",
            StoreError::FileDamaged { .. } => "store_file_damaged",
            StoreError::Sqlite(_) => "store_error",
        }
    }
}

/// One refused row of a bulk change, numbered as the caller numbered it (a CSV line, say).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RowError {
    #[ts(type = "number")]
    pub row: usize,
    pub message: String,
}

/// How many bad rows a message lists; a file with thousands would drown the first ones. Callers
/// have every row in `InvalidRows`.
const LISTED_ROWS: usize = 20;

impl RowError {
    /// One line a row, at most `LISTED_ROWS` of them and a count of the rest.
    pub fn list(errors: &[RowError]) -> String {
        let mut lines: Vec<String> =
            errors.iter().take(LISTED_ROWS).map(|e| format!("  row {}: {}", e.row, e.message)).collect();
        if errors.len() > LISTED_ROWS {
            lines.push(format!("  … and {} more", errors.len() - LISTED_ROWS));
        }
        lines.join("\n")
    }
}
