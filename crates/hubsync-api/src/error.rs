//! The one error every use case returns: a stable `code` for a shell to branch on (and to add
//! its own hint by) and a `message` for people, with no command line or screen named in it.
//! It reaches the page as `{ code, message }`; the command line prints it with its own hint.

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

pub use crate::error_code::ErrorCode;

/// The core's typed error an `ApiError` came from, kept so a shell can word its hint from the
/// details (the command line names the flag to pass, the app the screen to open).
type Source = Arc<dyn std::error::Error + Send + Sync>;

/// What every use case returns on failure. It reaches the page as `{ code, message }`:
/// `code` is stable for the UI to branch on, `message` is for people.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, rename = "CommandError")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip)]
    #[ts(skip)]
    source: Option<Source>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), source: None }
    }

    /// An error of the core, with its own code and words, the typed error kept as the source.
    pub fn from_core(code: &str, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self { code: ErrorCode::of(code), message: error.to_string(), source: Some(Arc::new(error)) }
    }

    /// The same error in other words for people; the code and the typed source stay.
    pub fn reworded(self, message: impl Into<String>) -> Self {
        Self { message: message.into(), ..self }
    }

    /// Whether the error came from a typed core error (which `source()` gives).
    pub fn has_source(&self) -> bool {
        self.source.is_some()
    }
}

impl PartialEq for ApiError {
    fn eq(&self, other: &Self) -> bool {
        (self.code, &self.message) == (other.code, &other.message)
    }
}

impl Eq for ApiError {}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Every core error converts with its own code and words, so `?` works in use cases and shells.
macro_rules! from_coded {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for ApiError {
            fn from(error: $error) -> Self {
                ApiError::from_core(error.code(), error)
            }
        }
    )*};
}

from_coded!(
    hubsync_store::StoreError,
    hubsync_sync::SyncError,
    hubsync_sync::csv_import::CsvImportError,
    hubsync_sync::mapping_check::PropertyRefusal,
    crate::companies::CompanyPropertyRefusal,
    hubsync_auth::portals::ConnectError,
    hubsync_auth::oauth::AuthError,
    hubsync_auth::keychain::SecretStoreError,
    hubsync_hubspot::ClientError,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_ipc_as_code_and_message() {
        let error = ApiError::new(ErrorCode::SandboxStopped, "gone");
        let json = serde_json::to_value(&error).expect("serializes");
        assert_eq!(json, serde_json::json!({ "code": "sandbox_stopped", "message": "gone" }));
    }

    #[test]
    fn a_core_error_keeps_its_code_and_words() {
        let error = ApiError::from(hubsync_store::StoreError::RunNotFound(7));
        assert_eq!(error.code, "run_not_found");
        assert!(error.message.contains('7'), "{error:?}");
        let source = std::error::Error::source(&error).expect("the typed error is kept");
        assert!(matches!(
            source.downcast_ref::<hubsync_store::StoreError>(),
            Some(hubsync_store::StoreError::RunNotFound(7))
        ));
    }
}
