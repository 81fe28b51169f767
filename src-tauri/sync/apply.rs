//! Apply: the one write path. Sync, manual creation and webhook events all end here, so they
//! share the same safety rules:
//! - creates are bulk `insert_many`s with atomically allocated ids; the unique Clerk-id index
//!   turns a user created meanwhile (by the listener or the backend) into an update instead;
//! - updates and links are conditional on the Clerk `updated_at` already stored, so an older
//!   write never overwrites a newer one, whoever writes;
//! - a tombstoned (deleted in Clerk) user is never created or updated again;
//! - orphans are deactivated, deleted only when the plan says so;
//! - one failure never stops the rest: every operation gets its own result;
//! - every write is audited with the Clerk-owned fields before and after.
//!
//! Applying the same plan twice writes nothing the second time, and re-running sync after a crash
//! finishes the job (a fresh diff holds only what is still to do).

mod existing;
mod writer;

use serde::Serialize;

use super::plan::{SyncOp, SyncPlan};
use crate::mongo::journal::Source;
use crate::mongo::{Error, UserStore};
use writer::{Writer, result};

/// How many creates go into one `insert_many`.
pub const CREATE_BATCH: usize = 5_000;

/// What happened to one operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    /// Written.
    Done,
    /// Nothing to write, and why.
    Skipped(SkipReason),
    /// Could not be written, and why; the other operations went on.
    Failed(Failure),
}

/// Why an operation could not be written, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub reason: String,
    /// The database was unreachable or refused for now: the same write can succeed later.
    /// Otherwise the data itself is in the way (a conflict a person must resolve).
    pub transient: bool,
}

impl Failure {
    /// A failure from the data or the plan: retrying the same write cannot help.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            transient: false,
        }
    }

    pub fn of(err: &Error) -> Self {
        Self {
            reason: err.to_string(),
            transient: err.is_transient(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Why an operation wrote nothing (snake_case in JSON; in words when displayed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Every value was there already.
    AlreadyApplied,
    /// The document records Clerk data at least as new (an older write never wins).
    NewerInDatabase,
    /// Another writer created the user meanwhile, with Clerk data at least as new.
    CreatedByAnotherWriter,
    AlreadyDeactivated,
    AlreadyDeleted,
    /// Deleted in Clerk (tombstoned): never created or updated again.
    DeletedInClerk,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::AlreadyApplied => "already applied",
            Self::NewerInDatabase => "the database already holds newer Clerk data",
            Self::CreatedByAnotherWriter => "already created by another writer",
            Self::AlreadyDeactivated => "already deactivated",
            Self::AlreadyDeleted => "already deleted",
            Self::DeletedInClerk => "deleted in Clerk (tombstoned)",
        })
    }
}

/// One operation's result, in plan order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpResult {
    pub op: super::plan::OpKind,
    pub clerk_id: String,
    pub doc_id: Option<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Everything apply did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApplyReport {
    /// The operations attempted, in plan order.
    pub results: Vec<OpResult>,
    pub done: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Stopped by a cancellation between batches: `not_attempted` operations were left for the
    /// next run (a fresh diff holds exactly them).
    pub cancelled: bool,
    pub not_attempted: usize,
}

/// Asks a running apply to stop at the next batch boundary; clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Progress as operations complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub completed: usize,
    pub total: usize,
}

/// Who is applying, and the clock.
#[derive(Debug, Clone, Copy)]
pub struct ApplyContext {
    pub source: Source,
    pub now_ms: i64,
}

/// Applies every operation of `plan`; `Err` only when the database itself fails before anything
/// could be attempted (e.g. unreachable), otherwise per-operation results.
pub async fn apply(
    store: &UserStore,
    plan: &SyncPlan,
    ctx: ApplyContext,
    progress: impl Fn(Progress),
) -> Result<ApplyReport, Error> {
    apply_until(store, plan, ctx, progress, &Cancel::default()).await
}

/// [`apply`], stopping cleanly when `cancel` is set: checked before each batch of creates and
/// each other operation, never inside a write. What was written is finished as usual (the
/// deletions that raced it are applied, the audit is written) and the rest is reported as not
/// attempted.
pub async fn apply_until(
    store: &UserStore,
    plan: &SyncPlan,
    ctx: ApplyContext,
    progress: impl Fn(Progress),
    cancel: &Cancel,
) -> Result<ApplyReport, Error> {
    let total = plan.ops.len();
    let mut results: Vec<Option<OpResult>> = vec![None; total];
    let mut writer = Writer {
        store,
        plan,
        ctx,
        audit: Vec::new(),
        written: Vec::new(),
    };
    let ids: Vec<&str> = plan.ops.iter().map(SyncOp::clerk_id).collect();
    let tombstoned = store.tombstoned_among(&ids).await?;
    let is_tombstoned = |op: &SyncOp| {
        tombstoned.contains(op.clerk_id())
            && !matches!(op, SyncOp::Deactivate { .. } | SyncOp::Delete { .. })
    };
    let creates: Vec<usize> = (0..total)
        .filter(|&i| matches!(plan.ops[i], SyncOp::Create { .. }) && !is_tombstoned(&plan.ops[i]))
        .collect();
    // Started: the tombstones are read, nothing is written yet.
    progress(Progress {
        completed: 0,
        total,
    });
    let mut completed = 0;
    for chunk in creates.chunks(CREATE_BATCH) {
        if cancel.is_cancelled() {
            break;
        }
        let outcomes = match writer.create_batch(chunk).await {
            Ok(outcomes) => outcomes,
            // Nothing written yet: the database failed before anything could be attempted.
            Err(err) if completed == 0 => return Err(err),
            // Earlier batches were written: report this one as failed and finish as usual, so
            // what was written is still checked against deletions, audited and reported.
            Err(err) => {
                let failed = Outcome::Failed(Failure::of(&err));
                chunk
                    .iter()
                    .map(|&i| writer::result(&plan.ops[i], None, failed.clone()))
                    .collect()
            }
        };
        for (&i, outcome) in chunk.iter().zip(outcomes) {
            results[i] = Some(outcome);
        }
        completed += chunk.len();
        progress(Progress { completed, total });
    }
    for (i, op) in plan.ops.iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        if results[i].is_some() {
            continue;
        }
        let written = if is_tombstoned(op) {
            result(
                op,
                op.doc_id(),
                Outcome::Skipped(SkipReason::DeletedInClerk),
            )
        } else {
            writer.write_one(op).await
        };
        if let (SyncOp::Link { doc_id, .. }, Outcome::Done) = (op, &written.outcome) {
            writer.written.push((i, doc_id.clone()));
        }
        results[i] = Some(written);
        completed += 1;
        progress(Progress { completed, total });
    }
    writer.deactivate_deleted_meanwhile(&mut results).await;
    // The audit is best effort: a write that happened is not undone because its record failed.
    if let Err(err) = store.audit(&writer.audit).await {
        tracing::warn!(
            "could not write {} audit records: {err}",
            writer.audit.len()
        );
    }
    let mut report = ApplyReport::default();
    report.not_attempted = results.iter().filter(|r| r.is_none()).count();
    report.cancelled = report.not_attempted > 0;
    for r in results.into_iter().flatten() {
        match r.outcome {
            Outcome::Done => report.done += 1,
            Outcome::Skipped(_) => report.skipped += 1,
            Outcome::Failed(_) => report.failed += 1,
        }
        report.results.push(r);
    }
    Ok(report)
}
