//! Hubsync's application layer, under both the desktop app and the command line. It holds the
//! workspace (the lead store, the active portal, the credentials) and every use case as a
//! function over it: connecting, configuration, leads and their imports and exports, and sync
//! plans of every kind, prepared, recorded, run, resumed and cancelled by one path. A shell
//! parses its input, calls one of these, and renders the answer (or the `ApiError`'s code and
//! message, with a hint in its own terms). Tauri-free, like the crates below it.

pub mod builtin;
pub mod companies;
pub mod config;
pub mod config_file;
pub mod connect;
pub mod error;
pub mod error_code;
pub mod files;
pub mod guardrails;
pub mod host;
pub mod jobs;
pub mod leads;
pub mod mapping_file;
pub mod overview;
pub mod plans;
pub mod progress;
pub mod pull_rules;
pub mod runs;
pub mod schedules;
pub mod status;
pub mod sync;
pub mod words;
pub mod workspace;

pub use error::{ApiError, ErrorCode};
pub use host::Host;
pub use plans::{Plan, PlanRequest, PreviewSummary};
pub use workspace::Workspace;
