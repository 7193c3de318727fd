use serde::Serialize;
use ts_rs::TS;

/// What every command returns on failure. It reaches the page as `{ code, message }`:
/// `code` is stable for the UI to branch on, `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, TS)]
#[error("{code}: {message}")]
#[ts(export)]
pub struct CommandError {
    #[ts(type = "string")]
    pub code: &'static str,
    pub message: String,
}

impl CommandError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}
