//! Every code an `ApiError` can carry, as one enum: the page gets it as a TypeScript union of
//! the code strings (`ui/src/bindings/ErrorCode.ts`), so a branch on a code that no longer
//! exists fails to compile. The core's errors keep their `code()` strings; `ErrorCode::of` maps
//! them, and `tests/api/error_codes.rs` reads the core's sources to keep this list complete.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[ts(export)]
        pub enum ErrorCode {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order declared.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code's stable string, as it crosses IPC and the command line's `--json`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The code a core error's `code()` names, if it is one.
            pub fn parse(code: &str) -> Option<ErrorCode> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    // The store.
    StoreOpenFailed = "store_open_failed",
    StoreTooNew = "store_too_new",
    StoreBusy = "store_busy",
    StoreDiskFull = "store_disk_full",
    StoreFileDamaged = "store_file_damaged",
    StoreCorrupt = "store_corrupt",
    StoreError = "store_error",
    InvalidEmail = "invalid_email",
    DuplicateEmail = "duplicate_email",
    LeadNotFound = "lead_not_found",
    ContactAlreadyLinked = "contact_already_linked",
    UnknownField = "unknown_field",
    InvalidValue = "invalid_value",
    FieldExists = "field_exists",
    InvalidField = "invalid_field",
    EmailMappingLocked = "email_mapping_locked",
    InvalidPropertyName = "invalid_property_name",
    PropertyAlreadyMapped = "property_already_mapped",
    NotMapped = "not_mapped",
    CreateNeedsUpdate = "create_needs_update",
    RunNotFound = "run_not_found",
    RunNotResumable = "run_not_resumable",
    RunInProgress = "run_in_progress",
    LeaseLost = "lease_lost",
    OtherPortal = "other_portal",
    PortalNotFound = "portal_not_found",
    InvalidDailyReserve = "invalid_daily_reserve",
    InvalidPortal = "invalid_portal",
    InvalidRows = "invalid_rows",
    InvalidConfig = "invalid_config",
    InvalidMappingFile = "invalid_mapping_file",
    // Companies and deals in the store.
    InvalidDomain = "invalid_domain",
    CompanyNotFound = "company_not_found",
    DuplicateCompanyDomain = "duplicate_company_domain",
    BuiltInField = "built_in_field",
    CompanyAlreadyLinked = "company_already_linked",
    InvalidHubspotId = "invalid_hubspot_id",
    DomainMappingLocked = "domain_mapping_locked",
    CreateCompanyNeedsAssociate = "create_company_needs_associate",
    InvalidDomainField = "invalid_domain_field",
    InvalidDeal = "invalid_deal",
    // HubSpot's answers and the client.
    HubspotUnreachable = "hubspot_unreachable",
    HubspotInterrupted = "hubspot_interrupted",
    HubspotUnauthorized = "hubspot_unauthorized",
    HubspotForbidden = "hubspot_forbidden",
    HubspotRateLimited = "hubspot_rate_limited",
    HubspotDailyLimit = "hubspot_daily_limit",
    /// What is left of the portal's daily limit is the share kept for its other apps.
    DailyReserveReached = "daily_reserve_reached",
    HubspotUnavailable = "hubspot_unavailable",
    HubspotRejected = "hubspot_rejected",
    HubspotBadReply = "hubspot_bad_reply",
    BatchTooLarge = "batch_too_large",
    MissingScopes = "missing_scopes",
    WrongPortal = "wrong_portal",
    InsecureBaseUrl = "insecure_base_url",
    // Connecting.
    NotConnected = "not_connected",
    ReconnectNeeded = "reconnect_needed",
    PortalMismatch = "portal_mismatch",
    InvalidClientId = "invalid_client_id",
    ClientSecretMissing = "client_secret_missing",
    NoOauthApp = "no_oauth_app",
    InvalidToken = "invalid_token",
    KeychainUnavailable = "keychain_unavailable",
    KeychainError = "keychain_error",
    SecretFileError = "secret_file_error",
    OauthAuthorizationFailed = "oauth_authorization_failed",
    OauthBadReply = "oauth_bad_reply",
    OauthCancelled = "oauth_cancelled",
    OauthDenied = "oauth_denied",
    OauthExchangeFailed = "oauth_exchange_failed",
    OauthInvalidConfig = "oauth_invalid_config",
    OauthListenerFailed = "oauth_listener_failed",
    OauthMissingScopes = "oauth_missing_scopes",
    OauthPortBusy = "oauth_port_busy",
    OauthRefreshFailed = "oauth_refresh_failed",
    OauthRevokeFailed = "oauth_revoke_failed",
    OauthStateMismatch = "oauth_state_mismatch",
    OauthTimeout = "oauth_timeout",
    OauthTokenInfoFailed = "oauth_token_info_failed",
    OauthUnreachable = "oauth_unreachable",
    // Syncs and their runs.
    Cancelled = "cancelled",
    UnknownLeads = "unknown_leads",
    NotAPushRun = "not_a_push_run",
    NotAnUndoRun = "not_an_undo_run",
    NotUndoable = "not_undoable",
    NoFailedRows = "no_failed_rows",
    InvalidRule = "invalid_rule",
    FileError = "file_error",
    UnknownProperty = "unknown_property",
    ReadOnlyProperty = "read_only_property",
    JobRunning = "job_running",
    PreviewStale = "preview_stale",
    // Guardrails and schedules.
    /// A live run's plan crossed a guardrail: it was held, nothing written.
    HeldByGuardrail = "held_by_guardrail",
    /// Planned again on approval, a held run did more than was approved.
    ApprovalExceeded = "approval_exceeded",
    InvalidGuardrails = "invalid_guardrails",
    RunNotHeld = "run_not_held",
    HoldDecided = "hold_decided",
    ScheduleNotFound = "schedule_not_found",
    InvalidSchedule = "invalid_schedule",
    // Files and imports.
    InvalidCsv = "invalid_csv",
    NoEmailColumn = "no_email_column",
    AmbiguousColumns = "ambiguous_columns",
    UnknownColumn = "unknown_column",
    ImportExpired = "import_expired",
    /// An import's errors file would replace the file being imported.
    ErrorsFileIsInput = "errors_file_is_input",
    IoError = "io_error",
    ExportFailed = "export_failed",
    NotAnExport = "not_an_export",
    NotASavedFile = "not_a_saved_file",
    NoSaveFolder = "no_save_folder",
    NoLogFolder = "no_log_folder",
    OpenFailed = "open_failed",
    // Leads and the built-in portal.
    NoHubspotPage = "no_hubspot_page",
    NotLinked = "not_linked",
    SandboxStartFailed = "sandbox_start_failed",
    SandboxStopped = "sandbox_stopped",
    /// Anything without a more specific code (a bug; the logs say more).
    Internal = "internal",
}

impl ErrorCode {
    /// The code a core error's `code()` names; one this list lacks (a test keeps that from
    /// happening) is logged and sent as `internal`.
    pub fn of(code: &str) -> ErrorCode {
        ErrorCode::parse(code).unwrap_or_else(|| {
            tracing::error!(code, "an error code missing from ErrorCode was sent as internal");
            ErrorCode::Internal
        })
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lets a test or a shell compare a code with its string: `error.code == "run_not_found"`.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_its_string_both_ways_and_appears_once() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(code.as_str()));
        }
        assert_eq!(ErrorCode::of("no_such_code"), ErrorCode::Internal);
    }
}
