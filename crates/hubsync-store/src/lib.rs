//! Hubsync's local store: lead fields (built-in and custom, typed), leads, the mapping between
//! lead fields and HubSpot contact properties, the push rules, the portals it was connected to (each with its own mapping, rules
//! and lead links), and the history of sync runs. SQLite (bundled) in WAL mode, with append-only migrations.
//!
//! No secret is ever written here: tokens live in the OS keychain.

mod clock;
mod config;
mod error;
mod fields;
mod import;
pub mod journal;
mod lead_query;
mod lead_view;
mod leases;
mod mapping_file;
mod migrations;
mod owners;
mod portals;
mod private_files;
mod run_items;
mod runs;
mod store;

pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{CONFIG_VERSION, ConfigFile, CustomField, MAX_CUSTOM_FIELDS};
pub use error::{RowError, StoreError};
pub use fields::{Field, FieldType, canonical_email, email_key, quoted};
pub use import::{BadRows, ImportOptions, ImportSummary, LeadImport, LeadRow};
pub use journal::{ContestedRow, ItemResult, PlanRow, PulledLead};
pub use lead_query::{FieldOp, LeadFilter, LeadPage, LeadQuery, LeadSort, MAX_PAGE_ROWS, SortKey, fold};
pub use lead_view::{ContactLink, FieldProblem, LeadView, OwnerView, contact_link};
pub use leases::{LAPSE_WITHOUT_RENEWAL, LeaseHolder};
pub use mapping_file::{MAPPING_FILE_FORMAT, MAPPING_FILE_VERSION, MappingChange, MappingFile, MappingImportPlan};
pub use migrations::{MIGRATIONS, Migration};
pub use owners::{OwnerRecord, full_name};
pub use portals::{Portal, PortalConnection, PortalStatus, SecretStoreKind};
pub use private_files::{ExistingFolder, create_private_dir};
pub use run_items::{RunItemFilter, RunItemPage, RunItemPages};
pub use runs::{FieldChange, ItemOutcome, NewRun, Run, RunAction, RunCounts, RunItem, RunKind, RunMode, RunStatus};
pub use store::{Lead, Mapping, PushRules, Store, TokenKind, WriteRule};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
