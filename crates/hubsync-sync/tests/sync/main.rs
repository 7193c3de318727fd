//! hubsync-sync's integration suite: value conversion and the push plan.

mod convert;
mod plan;
mod support;
