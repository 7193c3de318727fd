//! Hubsync's local store: lead fields (built-in and custom, typed), leads, the mapping between
//! lead fields and HubSpot contact properties, the push and pull rules, the leads' companies and
//! deals, the portals it was connected to (each with its own mappings, rules and links), and the
//! history of sync runs.
//! SQLite (bundled) in WAL mode, with append-only migrations.
//!
//! No secret is ever written here: tokens live in the OS keychain.
//!
//! # By concern
//!
//! A `Store` is one connection (`store.rs`: opening, migrating, checking the file). Its
//! operations are grouped by concern, each in its own module with its own `impl Store` block:
//!
//! - Leads: fields and their canonical values (`fields.rs`), leads and their links to contacts
//!   (`leads.rs`), bulk imports (`import.rs`), the Leads table's queries and search
//!   (`lead_query.rs`), a lead as a page shows it (`lead_view.rs`), the portals' owners
//!   (`owners.rs`).
//! - Mapping and configuration: the mapping and the push and pull rules (`mapping.rs`), the
//!   configuration file (`config.rs`), the mapping file (`mapping_file.rs`).
//! - Companies: their fields, values, links to HubSpot companies and each lead's company
//!   (`companies.rs`), which domain names a lead's company and the free-mail overrides
//!   (`company_domains.rs`), the company mapping and rules (`company_mapping.rs`), and the leads'
//!   deals as last read (`deals.rs`).
//! - Portals: those connected, the active one, their status (`portals.rs`).
//! - Runs: the history of runs (`runs.rs`), their rows (`run_items.rs`), a push's company and
//!   association rows (`run_companies.rs`), what a pull's row brings beside its contact
//!   (`pulled.rs`: the contact's company and deals), what a row says
//!   (`row_messages.rs`: codes kept, words made when shown), and who is writing a run now
//!   (`Store::run_writer`, on the leases of `leases.rs`).
//! - Rate limits: the requests sent to each portal and the limits HubSpot stated, shared by
//!   every process, in a small database beside the store (`rate_ledger.rs`).
//! - Journal: plans journaled as they are made, and a live run's journal under its portal's
//!   lease (`journal`). Its operations are the traits `journal::Journal`,
//!   `journal::PlanJournal` and `journal::CompanyJournal` (a push's companies and associations),
//!   which only the sync engine (`hubsync-sync`) imports; the shells and the app layer write
//!   runs through `hubsync_sync`'s use cases and read them through `Store`.
//!   `tests/store/journal_access.rs` fails when another crate imports them.

#[macro_use]
mod text_enum;

mod clock;
mod companies;
mod company_domains;
mod company_mapping;
mod config;
mod deals;
mod error;
mod fields;
mod guardrails;
mod import;
pub mod journal;
mod lead_query;
mod lead_view;
mod leads;
mod leases;
mod mapping;
mod mapping_file;
mod migrations;
mod owners;
mod portals;
mod private_files;
mod pulled;
mod rate_ledger;
mod row_messages;
mod run_companies;
mod run_items;
mod runs;
mod schedules;
mod snapshots;
mod store;

pub use clock::{Clock, FixedClock, SystemClock};
pub use companies::{Company, CompanyLink, CompanyOrigin, CompanySource, LeadCompany};
pub use company_domains::{CompanyDomainRules, FreeMailOverride, LeadCompanyDomain};
pub use company_mapping::{
    CompanyMapping, CompanyPushRules, DOMAIN_PROPERTY, MappingSource, STANDARD_COMPANY_MAPPINGS, domain_field_problem,
};
pub use config::{CONFIG_VERSION, CompanyConfig, ConfigFile, CustomField, GuardrailsConfig, MAX_CUSTOM_FIELDS};
pub use deals::{Deal, LeadDeal};
pub use error::{RowError, StoreError};
pub use fields::{Field, FieldType, canonical_email, email_key, quoted};
pub use guardrails::{
    Crossing, FAILED_SHARE_MIN_ROWS, Guardrail, Guardrails, HoldState, PlanFigures, RunHold, thousands,
};
pub use import::{BadRows, ImportOptions, ImportSummary, LeadImport, LeadRow};
pub use journal::{ContestedRow, ItemResult, PlanRow, PulledLead};
pub use lead_query::{
    CompanyPart, FieldOp, LeadCompanyCells, LeadFilter, LeadPage, LeadQuery, LeadSort, MAX_PAGE_ROWS, SortKey, fold,
};
pub use lead_view::{ContactLink, FieldProblem, LeadView, OwnerView, contact_link};
pub use leads::{Lead, LeadSyncCounts};
pub use leases::{LAPSE_WITHOUT_RENEWAL, LeaseHolder};
pub use mapping::{Mapping, PushRules, STANDARD_MAPPINGS, WriteRule};
pub use mapping_file::{MAPPING_FILE_FORMAT, MAPPING_FILE_VERSION, MappingChange, MappingFile, MappingImportPlan};
pub use migrations::{MIGRATIONS, Migration, UpgradeProgress};
pub use owners::{OwnerRecord, full_name};
pub use portals::{
    MAX_DAILY_RESERVE_PERCENT, Portal, PortalConnection, PortalEnvironment, PortalStatus, SecretStoreKind, TokenKind,
};
pub use private_files::{ExistingFolder, create_private_dir};
pub use pulled::{PulledCompany, PulledRelated};
pub use rate_ledger::{LedgerTake, RateLedger, SeenLimits, rate_ledger_path};
pub use row_messages::{
    AssociationReason, CompanyNote, CompanyReason, RowFailure, RowNote, RowReason, serialize_word, serialize_words,
};
pub use run_companies::{
    AssociationAction, AssociationOutcome, CompanyCounts, RunAssociation, RunAssociationPage, RunCompany,
    RunCompanyPage,
};
pub use run_items::{RunItemFilter, RunItemPage, RunItemPages};
pub use runs::{
    FieldChange, ItemOutcome, NewRun, Run, RunAction, RunCounts, RunItem, RunKind, RunMode, RunStatus, SyncMilestones,
};
pub use schedules::{LastFiring, PortalBusy, ScheduleOutcome, ScheduleRecord, ScheduleScope, whole_seconds};
pub use snapshots::ContactSnapshot;
pub use store::Store;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
