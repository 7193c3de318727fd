//! Schema migrations: append-only, applied in order, recorded in `PRAGMA user_version`.
//! A test pins each migration's checksum, so an applied migration can't be edited by mistake.

pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

/// How an upgrade of a store's schema goes, as `Store::open_reporting` tells it: numbers and
/// names, which a shell puts in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeProgress {
    /// Migration `name` (its file's) starts, step `step` of `steps` (from 1), taking the schema
    /// from version `from` to `to`. Every step runs in the one transaction.
    Step { step: usize, steps: usize, name: &'static str, from: i64, to: i64 },
    /// The `steps` migrations are committed: the schema is at `version`.
    Done { steps: usize, version: i64 },
}

pub const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_initial.sql", sql: include_str!("../migrations/0001_initial.sql") },
    Migration { name: "0002_sync_runs.sql", sql: include_str!("../migrations/0002_sync_runs.sql") },
    Migration { name: "0003_pull_rules.sql", sql: include_str!("../migrations/0003_pull_rules.sql") },
    Migration { name: "0004_owners.sql", sql: include_str!("../migrations/0004_owners.sql") },
    Migration { name: "0005_undo_and_exports.sql", sql: include_str!("../migrations/0005_undo_and_exports.sql") },
    Migration { name: "0006_portals.sql", sql: include_str!("../migrations/0006_portals.sql") },
    Migration { name: "0007_lead_query_indexes.sql", sql: include_str!("../migrations/0007_lead_query_indexes.sql") },
    Migration { name: "0008_run_item_filters.sql", sql: include_str!("../migrations/0008_run_item_filters.sql") },
    Migration { name: "0009_run_item_sent.sql", sql: include_str!("../migrations/0009_run_item_sent.sql") },
    Migration { name: "0010_lead_search.sql", sql: include_str!("../migrations/0010_lead_search.sql") },
    Migration { name: "0011_run_leases.sql", sql: include_str!("../migrations/0011_run_leases.sql") },
    Migration { name: "0012_row_message_codes.sql", sql: include_str!("../migrations/0012_row_message_codes.sql") },
    Migration { name: "0013_daily_reserve.sql", sql: include_str!("../migrations/0013_daily_reserve.sql") },
    Migration { name: "0014_lead_query_paths.sql", sql: include_str!("../migrations/0014_lead_query_paths.sql") },
    Migration { name: "0015_contact_snapshots.sql", sql: include_str!("../migrations/0015_contact_snapshots.sql") },
    Migration { name: "0016_portal_account_type.sql", sql: include_str!("../migrations/0016_portal_account_type.sql") },
    Migration { name: "0017_sync_state.sql", sql: include_str!("../migrations/0017_sync_state.sql") },
    Migration { name: "0018_companies.sql", sql: include_str!("../migrations/0018_companies.sql") },
    Migration { name: "0019_run_companies.sql", sql: include_str!("../migrations/0019_run_companies.sql") },
    Migration {
        name: "0020_pulled_companies_and_deals.sql",
        sql: include_str!("../migrations/0020_pulled_companies_and_deals.sql"),
    },
    Migration { name: "0021_undo_companies.sql", sql: include_str!("../migrations/0021_undo_companies.sql") },
    Migration {
        name: "0022_guardrails_and_schedules.sql",
        sql: include_str!("../migrations/0022_guardrails_and_schedules.sql"),
    },
];
