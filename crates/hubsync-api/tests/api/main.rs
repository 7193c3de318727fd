//! The application layer's use cases end to end, each over a temporary store and the built-in
//! sandbox portal, as both shells call them.

mod companies;
mod config;
mod connect;
mod daily_reserve;
mod error_codes;
mod first_run;
mod guardrails;
mod held_runs;
mod leads;
mod overview;
mod retry;
mod runs;
mod schedules;
mod status;
mod support;
mod sync;
mod workspace;
