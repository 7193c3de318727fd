//! One module per command group.

pub mod companies;
pub mod config;
pub mod connect;
pub mod fields;
pub mod guardrails;
pub mod leads;
pub mod mapping;
pub mod owners;
pub mod portals;
pub mod pull;
pub mod push;
pub mod rules;
pub mod runs;
pub mod schedule;
pub mod status;
pub mod undo;
