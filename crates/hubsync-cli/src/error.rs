//! Every failure leaves the command line as one stable `{code, message}` (plus an optional hint
//! for people, and the bad rows of an import). Commands return `anyhow::Result` with context;
//! `CliError::from_anyhow` finds the typed error in the chain for the code and keeps the whole
//! chain as the message.

use hubsync_api::ApiError;
use hubsync_api::companies::CompanyPropertyRefusal;
use hubsync_auth::keychain::SecretStoreError;
use hubsync_auth::oauth::AuthError;
use hubsync_auth::portals::ConnectError;
use hubsync_hubspot::{ClientError, describe_scopes};
use hubsync_store::{RowError, StoreError};
use hubsync_sync::csv_import::CsvImportError;
use hubsync_sync::mapping_check::PropertyRefusal;
use hubsync_sync::{SyncError, WhyNotUndoable};
use serde::Serialize;

/// Codes this crate adds to the store's and the client's.
pub mod codes {
    /// The command line itself is wrong (a `--set` without `=`, an empty token, …).
    pub const USAGE: &str = "usage";
    /// No saved connection, or no token for it.
    pub const NOT_CONNECTED: &str = "not_connected";
    pub const RECONNECT_NEEDED: &str = "reconnect_needed";
    pub const PORTAL_NOT_FOUND: &str = "portal_not_found";
    pub const CONNECTION_TEST_FAILED: &str = "connection_test_failed";
    /// A file could not be read or written.
    pub const IO: &str = "io_error";
    /// A CSV file could not be used as a whole (empty, a header that is not UTF-8).
    pub const INVALID_CSV: &str = "invalid_csv";
    /// No data directory on this system for the default store path.
    pub const NO_DATA_DIR: &str = "no_data_dir";
    /// A configuration file that can't be read (the store's own check uses the same code).
    pub const INVALID_CONFIG: &str = "invalid_config";
    /// A pull rule that can't be parsed or that HubSpot's search can't take.
    pub const INVALID_RULE: &str = "invalid_rule";
    /// A live run stopped with rows still to write; `hubsync runs resume` finishes it.
    pub const RUN_INTERRUPTED: &str = "run_interrupted";
    /// HubSpot refused a call for a scope the token lacks (the client's and a live run's code).
    pub const MISSING_SCOPES: &str = "missing_scopes";
    /// The admin answered no.
    pub const CANCELLED: &str = "cancelled";
    /// A live run's plan crossed a guardrail: held, nothing written (exit status 3).
    pub const HELD_BY_GUARDRAIL: &str = "held_by_guardrail";
    /// Anything without a more specific code.
    pub const INTERNAL: &str = "internal";
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CliError {
    pub code: String,
    pub message: String,
    /// What to do about it, for people (printed as `hint: …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The refused rows of an import, each with its row number.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
    /// The run the error is about (a held run, for one), for a script to follow up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<i64>,
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl CliError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        CliError { code: code.into(), message: message.into(), hint: None, rows: Vec::new(), run_id: None }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(codes::USAGE, message)
    }

    pub fn with_run(mut self, run_id: i64) -> Self {
        self.run_id = Some(run_id);
        self
    }

    /// The process's exit status: 3 for a run a guardrail held, 1 for any other failure.
    pub fn exit_status(&self) -> u8 {
        if self.code == codes::HELD_BY_GUARDRAIL { 3 } else { 1 }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The first typed error in the chain gives the code (and its message, worded for people);
    /// the contexts above it come first: `context: context: message`.
    pub fn from_anyhow(error: &anyhow::Error) -> CliError {
        let mut contexts = Vec::new();
        for cause in error.chain() {
            let typed = if let Some(e) = cause.downcast_ref::<ApiError>() {
                // The application layer's error: its typed source, next in the chain, words the
                // hint; one made by the layer itself is what it says.
                if e.has_source() {
                    continue;
                }
                Some(CliError::new(e.code.as_str(), e.message.clone()))
            } else if let Some(e) = cause.downcast_ref::<CliError>() {
                Some(e.clone())
            } else if let Some(e) = cause.downcast_ref::<StoreError>() {
                Some(CliError::from(e))
            } else if let Some(e) = cause.downcast_ref::<ClientError>() {
                Some(CliError::from(e))
            } else if let Some(e) = cause.downcast_ref::<ConnectError>() {
                Some(CliError::from(e))
            } else if let Some(e) = cause.downcast_ref::<SyncError>() {
                Some(CliError::from(e))
            } else if let Some(e) = cause.downcast_ref::<CsvImportError>() {
                Some(CliError::from(e))
            } else if let Some(e) = cause.downcast_ref::<PropertyRefusal>() {
                let error = CliError::new(e.code(), e.to_string());
                Some(match e {
                    PropertyRefusal::Unknown(_) => {
                        error.with_hint("use the property's internal name, as HubSpot's property settings show it")
                    }
                    PropertyRefusal::ReadOnly { .. } => error,
                })
            } else if let Some(e) = cause.downcast_ref::<CompanyPropertyRefusal>() {
                let error = CliError::new(e.code(), e.to_string());
                Some(match e {
                    CompanyPropertyRefusal::Unknown(_) => error.with_hint(
                        "use the company property's internal name, as HubSpot's property settings show it \
                         (`hubsync companies mapping list` shows the mapped ones)",
                    ),
                    CompanyPropertyRefusal::ReadOnly { .. } => error,
                })
            } else if let Some(e) = cause.downcast_ref::<AuthError>() {
                Some(CliError::new(e.code(), e.to_string()))
            } else if cause.downcast_ref::<std::io::Error>().is_some() {
                Some(CliError::new(codes::IO, cause.to_string()))
            } else if cause.downcast_ref::<csv::Error>().is_some() {
                Some(CliError::new(codes::INVALID_CSV, cause.to_string()))
            } else {
                None
            };
            match typed {
                Some(typed) => {
                    contexts.push(typed.message.clone());
                    return CliError { message: contexts.join(": "), ..typed };
                }
                None => contexts.push(cause.to_string()),
            }
        }
        CliError::new(codes::INTERNAL, format!("{error:#}"))
    }

    /// `{"error": {"code", "message", "hint"?, "rows"?}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self })
    }
}

impl From<&StoreError> for CliError {
    fn from(e: &StoreError) -> Self {
        let error = CliError::new(e.code(), e.to_string());
        match e {
            StoreError::InvalidRows(rows) => CliError { rows: rows.clone(), ..error },
            StoreError::UnknownField(_) => error.with_hint("`hubsync fields list` shows the fields"),
            StoreError::UnknownCompanyField(_) => error
                .with_hint("`hubsync companies fields list` shows the company fields; --from lead takes a lead field"),
            StoreError::CompanyPropertyNotMapped(_) => {
                error.with_hint("`hubsync companies mapping list` shows the company mapping")
            }
            StoreError::DomainMappingLocked => {
                error.with_hint("fill other properties with `hubsync companies mapping set PROPERTY FIELD`")
            }
            StoreError::CreateCompanyNeedsAssociate => {
                error.with_hint("`hubsync companies rules --associate on --create on` turns both on")
            }
            StoreError::InvalidDomainField { .. } => error.with_hint(
                "`hubsync fields list` shows the lead fields; a text field such as website can name a domain, or pass \
                 --no-domain-field",
            ),
            StoreError::RunNotFound(_) => error.with_hint("`hubsync runs list` shows the runs"),
            StoreError::PortalNotFound(_) => error.with_hint("`hubsync portals list` shows the portals"),
            StoreError::InvalidField(_) => {
                error.with_hint("a choice field takes its options as `--options a,b,c`; other types take none")
            }
            StoreError::InvalidConfig(_) => error.with_hint("`hubsync config export FILE` writes a configuration file"),
            StoreError::InvalidMappingFile(_) => error.with_hint(
                "`hubsync mapping export FILE` writes a mapping file; a whole configuration imports with \
                 `hubsync config import FILE`",
            ),
            StoreError::TooNew { .. } => error.with_hint("update Hubsync, or pass --db to use another store"),
            _ => error,
        }
    }
}

/// What to do about a store file that is locked, can't grow or is damaged, naming the file:
/// the store's own error only knows it when the file was being opened.
fn store_file_hint(code: &str, db: &std::path::Path) -> Option<String> {
    let db = db.display();
    match code {
        "store_busy" => Some(format!(
            "close the Hubsync app, or wait for the other `hubsync` command using {db} to end, then run this again"
        )),
        "store_disk_full" => Some(format!("free space on the disk that holds {db}, then run this again")),
        "store_file_damaged" => Some(format!(
            "the store is the file {db}: move it aside (with {db}-wal and {db}-shm if they are there), then copy a \
             backup in its place; without one, the next command starts a new empty store there"
        )),
        _ => None,
    }
}

/// `error` with the hint for the connection the command used when HubSpot said its token lacks
/// a scope: how to give that kind of connection the scope, then how to finish a run it stopped.
pub fn fix_missing_scopes(error: anyhow::Error, portal: Option<&hubsync_store::Portal>) -> anyhow::Error {
    let cli = CliError::from_anyhow(&error);
    if cli.code != codes::MISSING_SCOPES {
        return error;
    }
    let run_id = error.chain().find_map(|cause| match cause.downcast_ref::<SyncError>() {
        Some(SyncError::MissingScopes { run_id, .. }) => Some(*run_id),
        _ => None,
    });
    anyhow::Error::new(cli.with_hint(crate::context::missing_scopes_hint(portal, run_id)))
}

/// `error` with a hint naming the store's file when the file itself is the problem.
pub fn locate_store(error: anyhow::Error, db: &std::path::Path) -> anyhow::Error {
    if error.downcast_ref::<Reported>().is_some() {
        return error;
    }
    let cli = CliError::from_anyhow(&error);
    match store_file_hint(&cli.code, db) {
        Some(hint) => anyhow::Error::new(cli.with_hint(hint)),
        None => error,
    }
}

/// The application layer's error, worded by the typed core error it came from when it has one.
impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        CliError::from_anyhow(&anyhow::Error::new(e))
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::from(&e)
    }
}

/// The hint that ends every "connect again" error.
pub const CONNECT_HINT: &str = "run `hubsync connect --oauth` to connect in the browser, or `hubsync connect --token -` and paste a private app token";

/// The command already printed what went wrong (Test Connection's failed checks): exit with
/// status 1 without printing an error on top.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the command reported its failure")
    }
}

impl std::error::Error for Reported {}

/// The command already printed its outcome, which ends in exit status `0` (1: a failure, 3: a
/// run held by a guardrail) without an error printed on top: `schedule run-due`'s firings.
#[derive(Debug)]
pub struct ExitWith(pub u8);

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the command reported its outcome (exit status {})", self.0)
    }
}

impl std::error::Error for ExitWith {}

impl From<&ClientError> for CliError {
    fn from(e: &ClientError) -> Self {
        let code = e.code();
        let hubspot_says = match e {
            ClientError::Api { message, .. } if !message.is_empty() => format!(" (HubSpot: {message})"),
            _ => String::new(),
        };
        match e {
            ClientError::Api { status: 401, .. } => {
                CliError::new(code, format!("HubSpot refused the token: it is wrong, revoked or expired{hubspot_says}"))
                    .with_hint(CONNECT_HINT)
            }
            ClientError::Api { .. } if code == codes::MISSING_SCOPES => {
                let scopes = e.missing_scopes().unwrap_or_default();
                CliError::new(code, format!("HubSpot refused the call: the token lacks {}", describe_scopes(&scopes)))
                    .with_hint(crate::context::missing_scopes_hint(None, None))
            }
            ClientError::ReconnectNeeded { .. } => CliError::new(code, e.to_string()).with_hint(
                "run `hubsync connect --oauth` and approve in the browser; an interrupted run then resumes with `hubsync runs resume RUN`",
            ),
            ClientError::Unreachable { .. } => {
                CliError::new(code, e.to_string()).with_hint("check the network, or the --base-url given to connect")
            }
            ClientError::DailyReserve { .. } => CliError::new(code, e.to_string()).with_hint(
                "`hubsync portals reserve PERCENT` keeps a smaller share free; an interrupted run resumes with `hubsync runs resume RUN`",
            ),
            _ => CliError::new(code, e.to_string()),
        }
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        CliError::from(&e)
    }
}

impl From<&ConnectError> for CliError {
    fn from(e: &ConnectError) -> Self {
        let error = CliError::new(e.code(), e.to_string());
        match e {
            ConnectError::Store(e) => CliError::from(e),
            ConnectError::Client(e) => CliError::from(e),
            ConnectError::CheckFailed { source, .. } => CliError { hint: CliError::from(source).hint, ..error },
            ConnectError::NotConnected | ConnectError::Disconnected { .. } | ConnectError::NoToken { .. } => {
                error.with_hint(CONNECT_HINT)
            }
            ConnectError::ReconnectNeeded { kind, base_url, .. } => {
                error.with_hint(crate::context::reconnect_hint(*kind, base_url))
            }
            ConnectError::NoApp => error.with_hint(
                "create a HubSpot app as the README's \"Connect with OAuth\" explains, then run \
                 `hubsync connect --oauth --client-id ID --client-secret -` and paste its secret",
            ),
            ConnectError::Secret(SecretStoreError::KeychainUnavailable { .. }) => {
                error.with_hint("connect with `--insecure-file-store` to keep the secrets in a file only you can read")
            }
            ConnectError::ClientSecretMissing(client_id) => {
                error.with_hint(format!("add `--client-secret -` and paste it (app {client_id}, Auth tab in HubSpot)"))
            }
            _ => error,
        }
    }
}

impl From<ConnectError> for CliError {
    fn from(e: ConnectError) -> Self {
        CliError::from(&e)
    }
}

impl From<&SyncError> for CliError {
    fn from(e: &SyncError) -> Self {
        match e {
            SyncError::Store(e) => CliError::from(e),
            SyncError::HubSpot(e) => CliError::from(e),
            SyncError::UnknownLeads(_) => {
                CliError::new(e.code(), e.to_string()).with_hint("`hubsync leads list` shows the leads")
            }
            SyncError::MissingScopes { run_id, .. } => CliError::new(e.code(), e.to_string())
                .with_hint(crate::context::missing_scopes_hint(None, Some(*run_id))),
            SyncError::InvalidRule(_) => {
                CliError::new(e.code(), e.to_string()).with_hint("change them with `hubsync rules pull`")
            }
            SyncError::NotUndoable { run_id, why: WhyNotUndoable::Pending } => {
                CliError::new(e.code(), e.to_string()).with_hint(format!("`hubsync runs resume {run_id}` finishes it"))
            }
            SyncError::NotUndoable { why: WhyNotUndoable::UndoneBy { .. }, .. } => {
                CliError::new(e.code(), e.to_string()).with_hint("or pass --force to undo it again")
            }
            _ => CliError::new(e.code(), e.to_string()),
        }
    }
}

/// `--map` as the hints spell it: quoted for the shell.
fn map_flag(column: &str, field: &str) -> String {
    format!("--map \"{column}={field}\"")
}

impl From<&CsvImportError> for CliError {
    fn from(e: &CsvImportError) -> Self {
        let error = CliError::new(e.code(), e.to_string());
        match e {
            CsvImportError::Store(e) => CliError::from(e),
            CsvImportError::NoEmailColumn { columns } => {
                let example = columns.iter().find(|c| !c.is_empty()).map_or("COLUMN", String::as_str);
                error.with_hint(format!("name the column that holds the email: {}", map_flag(example, "email")))
            }
            CsvImportError::SameField { columns, .. } => {
                let other = columns.first().map_or("COLUMN", String::as_str);
                error.with_hint(format!(
                    "ignore one with {}, or send it to another field with {}",
                    map_flag(other, ""),
                    map_flag(other, "FIELD")
                ))
            }
            CsvImportError::AmbiguousMatch { column, fields } => {
                let examples: Vec<String> = fields.iter().map(|f| map_flag(column, f)).collect();
                error.with_hint(format!("choose with {}", examples.join(" or ")))
            }
            CsvImportError::UnknownColumn { .. } => {
                error.with_hint("--map names a column by its header as the file has it (case aside), then a field")
            }
            CsvImportError::UnknownField { column, .. } => error.with_hint(format!(
                "`hubsync fields list` shows the field keys, `hubsync fields add` adds one; {} ignores the column",
                map_flag(column, "")
            )),
            _ => error,
        }
    }
}
