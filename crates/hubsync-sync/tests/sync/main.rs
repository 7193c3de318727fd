//! hubsync-sync's integration suite: value conversion, the push plan, the push against the sandbox,
//! and the CSV import.

mod companies;
mod company_plan;
mod convert;
mod csv_import;
mod export;
mod faults;
mod fuzz;
mod hostile;
mod incremental;
mod leads;
mod plan;
mod pull;
mod pull_companies;
mod pull_rules;
pub mod push;
mod push_properties;
mod reconnect;
mod support;
mod undo;
mod undo_companies;
