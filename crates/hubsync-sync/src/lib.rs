//! Hubsync's sync logic: pure functions from the store's leads and the portal's definitions to
//! what would be written (the plan: contacts, and a push's companies and associations), and the
//! push that records it as a preview or writes it as a journaled live run, so previews and live
//! runs share one plan; the pull, undo and a run's export; and the import of admins' CSV files
//! into the store.

mod batch;
mod companies;
pub mod company_plan;
pub mod convert;
pub mod csv_import;
pub mod error;
pub mod estimate;
pub mod export;
pub mod files;
mod journal;
pub mod leads;
pub mod mapping_check;
pub mod owners;
pub mod plan;
pub mod progress;
pub mod pull;
pub mod pull_related;
pub mod pull_rules;
pub mod push;
mod reads;
mod remembered;
#[cfg(test)]
mod testing;
pub mod undo;
pub mod undo_companies;

pub use companies::CREATE_SEARCH_LAG;
pub use convert::{Fit, Invalid, fit, lifecycle_moves_backward, to_hubspot};
pub use error::{SyncError, WhyNotUndoable};
pub use estimate::Estimate;
pub use export::{RunExport, export_run};
pub use hubsync_store::FieldChange;
pub use journal::JournaledPlan;
pub use owners::OwnerDirectory;
pub use plan::{
    Action, Claim, Counts, Found, PlanItem, PushInputs, PushPlan, SkipReason, finish_plan, plan_leads, plan_push,
    shared_contact_reason,
};
pub use progress::{Cancel, Phase, Progress};
pub use pull::{
    PreparedPull, PullAction, PullCounts, PullItem, PullSkip, discard_pull, prepare_pull, pull_item,
    record_pull_preview, resume_pull, run_pull,
};
pub use pull_related::{RelatedPart, SkippedPart};
pub use pull_rules::{Condition, Operator, PullRules, SINCE_LAST_PULL_OVERLAP};
pub use push::{
    PreparedPush, PushOptions, discard_push, failed_emails, plan_item, prepare_push, record_preview, resume_push,
    run_push,
};
pub use undo::{
    PreparedUndo, UndoCounts, UndoOptions, discard_undo, prepare_undo, record_undo_preview, resume_undo, run_undo,
};
pub use undo_companies::{UndoAssociationCounts, UndoCompanyCounts};
