//! hubsync-sync's integration suite: value conversion, the push plan, and the push against the sandbox.

mod convert;
mod export;
mod plan;
mod pull;
mod pull_rules;
pub mod push;
mod support;
mod undo;
