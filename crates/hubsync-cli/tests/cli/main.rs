//! The `hubsync` binary end to end: a lead store in a temporary folder, a sandbox portal in the
//! test process, the real binary run as a user would run it.

mod companies;
mod connect;
mod crash;
mod fields;
mod import;
mod leads;
mod mapping;
mod oauth;
mod pipes;
mod portals;
mod private_files;
mod push;
mod rate_limits;
mod rules;
mod schedule;
mod scopes;
mod secrets;
mod status;
mod store_failures;
mod support;
mod trust;
mod undo;
mod upgrades;
