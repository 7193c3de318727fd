//! Hubsync's sync logic (issue 3, in progress): pure functions from the store's leads and the
//! portal's definitions to what would be written, so previews and live runs share one plan.

pub mod convert;
pub mod owners;
pub mod plan;

pub use convert::{Invalid, lifecycle_moves_backward, to_hubspot};
pub use owners::OwnerDirectory;
pub use plan::{Action, Counts, FieldChange, Found, PlanItem, PushInputs, PushPlan, SkipReason, plan_push};
