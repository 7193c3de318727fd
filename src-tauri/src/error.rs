//! What every command returns on failure: the application layer's error, which reaches the page
//! as `{ code, message }` (`code` stable for the UI to branch on, `message` for people).

pub use hubsync_api::ApiError as CommandError;
