//! Syncing: turning a diff into a plan of operations (pure, `plan`), and applying it.

pub mod apply;
pub mod fallback;
pub mod manual;
pub mod plan;
pub mod snapshot;
pub mod usernames;

pub use plan::{FieldChange, Skipped, SyncOp, SyncPlan, SyncPolicy, plan};
