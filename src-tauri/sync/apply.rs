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

use mongodb::bson::Document;
use serde::Serialize;

use super::plan::{SyncOp, SyncPlan, fields_of};
use crate::mongo::journal::{AuditRecord, Source};
use crate::mongo::{Conditional, Error, UserStore};
use crate::user::{DocId, NewUser, UserFields};

/// How many creates go into one `insert_many`.
pub const CREATE_BATCH: usize = 5_000;

/// What happened to one operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    /// Written.
    Done,
    /// Nothing to write, and why (already applied, newer data stored, tombstoned).
    Skipped(String),
    /// Could not be written, and why; the other operations went on.
    Failed(String),
}

/// One operation's result, in plan order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpResult {
    pub op: &'static str,
    pub clerk_id: String,
    pub doc_id: Option<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Everything apply did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApplyReport {
    pub results: Vec<OpResult>,
    pub done: usize,
    pub skipped: usize,
    pub failed: usize,
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
    let total = plan.ops.len();
    let mut results: Vec<Option<OpResult>> = vec![None; total];
    let mut writer = Writer {
        store,
        plan,
        ctx,
        audit: Vec::new(),
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
    let mut completed = 0;
    for chunk in creates.chunks(CREATE_BATCH) {
        for (&i, outcome) in chunk.iter().zip(writer.create_batch(chunk).await?) {
            results[i] = Some(outcome);
        }
        completed += chunk.len();
        progress(Progress { completed, total });
    }
    for (i, op) in plan.ops.iter().enumerate() {
        if results[i].is_some() {
            continue;
        }
        results[i] = Some(if is_tombstoned(op) {
            result(
                op,
                op.doc_id(),
                Outcome::Skipped("deleted in Clerk (tombstoned)".into()),
            )
        } else {
            writer.write_one(op).await
        });
        completed += 1;
        progress(Progress { completed, total });
    }
    // The audit is best effort: a write that happened is not undone because its record failed.
    if let Err(err) = store.audit(&writer.audit).await {
        tracing::warn!(
            "could not write {} audit records: {err}",
            writer.audit.len()
        );
    }
    let mut report = ApplyReport::default();
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

/// The store, the plan, who is writing, and the audit records collected along the way.
struct Writer<'a> {
    store: &'a UserStore,
    plan: &'a SyncPlan,
    ctx: ApplyContext,
    audit: Vec<AuditRecord>,
}

impl Writer<'_> {
    /// One `insert_many` for the creates at `indexes`; results in the same order.
    async fn create_batch(&mut self, indexes: &[usize]) -> Result<Vec<OpResult>, Error> {
        let ops: Vec<&SyncOp> = indexes.iter().map(|&i| &self.plan.ops[i]).collect();
        let users: Vec<NewUser> = ops
            .iter()
            .filter_map(|op| {
                let mut user = op.new_user()?;
                user.clerk_updated_at = self.plan.clerk_updated_at(op);
                Some(user)
            })
            .collect();
        let created = self.store.create_users(&users).await?;
        let mut results = Vec::with_capacity(ops.len());
        for (op, outcome) in ops.into_iter().zip(created) {
            results.push(match outcome {
                Ok(user) => {
                    let after = fields_json(&user_fields(op));
                    self.audit
                        .push(record(self.ctx, op, &user.doc_id, None, Some(after)));
                    result(op, Some(&user.doc_id), Outcome::Done)
                }
                Err(Error::DuplicateKey { field, .. })
                    if field == self.store.mapping().clerk_id =>
                {
                    self.update_existing(op).await
                }
                Err(err) => result(op, None, Outcome::Failed(err.to_string())),
            });
        }
        Ok(results)
    }

    /// A create whose Clerk id exists already (a concurrent writer won): bring that document up
    /// to date instead, under the same ordering rule.
    async fn update_existing(&mut self, op: &SyncOp) -> OpResult {
        let existing = match self
            .store
            .find_by(&self.store.mapping().clerk_id, op.clerk_id())
            .await
        {
            Ok(found) => found,
            Err(err) => return result(op, None, Outcome::Failed(err.to_string())),
        };
        let Some(doc) = existing.first() else {
            return result(
                op,
                None,
                Outcome::Failed("the Clerk id is taken but no document holds it".into()),
            );
        };
        let set = self.store.fields_document(&user_fields(op));
        let at = self.plan.clerk_updated_at(op);
        self.conditional(
            op,
            &doc.doc_id,
            set,
            at,
            "already created by another writer",
        )
        .await
    }

    async fn write_one(&mut self, op: &SyncOp) -> OpResult {
        let mapping = self.store.mapping();
        let at = self.plan.clerk_updated_at(op);
        let newer = "the database already holds newer Clerk data";
        match op {
            SyncOp::Create { .. } => result(
                op,
                None,
                Outcome::Failed("creates are applied in batches".into()),
            ),
            SyncOp::Update {
                doc_id, changes, ..
            } => {
                let set = self.store.fields_document(&fields_of(changes));
                self.conditional(op, doc_id, set, at, newer).await
            }
            SyncOp::Link {
                doc_id,
                clerk_id,
                fields,
            } => {
                let mut set = self.store.fields_document(fields);
                set.insert(mapping.clerk_id.clone(), clerk_id.clone());
                if let Some(field) = &mapping.auth_provider {
                    set.insert(field.clone(), "clerk");
                }
                self.conditional(op, doc_id, set, at, newer).await
            }
            SyncOp::Deactivate { doc_id, .. } => {
                let mut set = Document::new();
                if let Some(field) = &mapping.active {
                    set.insert(field.clone(), false);
                }
                if let Some(field) = &mapping.status {
                    set.insert(field.clone(), super::plan::DELETED_IN_CLERK);
                }
                self.conditional(op, doc_id, set, None, "already deactivated")
                    .await
            }
            SyncOp::Delete { doc_id, .. } => match self.store.delete_user(doc_id).await {
                Ok(()) => {
                    let before = serde_json::json!({"exists": true});
                    self.audit
                        .push(record(self.ctx, op, doc_id, Some(before), None));
                    result(op, Some(doc_id), Outcome::Done)
                }
                Err(Error::NotFound { .. }) => {
                    result(op, Some(doc_id), Outcome::Skipped("already deleted".into()))
                }
                Err(err) => result(op, Some(doc_id), Outcome::Failed(err.to_string())),
            },
        }
    }

    async fn conditional(
        &mut self,
        op: &SyncOp,
        doc_id: &DocId,
        set: Document,
        at: Option<i64>,
        stale_why: &str,
    ) -> OpResult {
        let after = mongodb::bson::Bson::Document(set.clone()).into_relaxed_extjson();
        match self.store.set_if_newer(doc_id, set, at).await {
            Ok(Conditional::Applied { before }) if changes_nothing(&before, &after) => {
                result(op, Some(doc_id), Outcome::Skipped("already applied".into()))
            }
            Ok(Conditional::Applied { before }) => {
                let before = mongodb::bson::Bson::Document(before).into_relaxed_extjson();
                self.audit
                    .push(record(self.ctx, op, doc_id, Some(before), Some(after)));
                result(op, Some(doc_id), Outcome::Done)
            }
            Ok(Conditional::Stale) => result(op, Some(doc_id), Outcome::Skipped(stale_why.into())),
            Err(err) => result(op, Some(doc_id), Outcome::Failed(err.to_string())),
        }
    }
}

/// Whether every value being set was already there (then the write is a no-op, not audited).
fn changes_nothing(before: &Document, after: &serde_json::Value) -> bool {
    let before = mongodb::bson::Bson::Document(before.clone()).into_relaxed_extjson();
    after.as_object().is_some_and(|set| {
        set.iter()
            .all(|(k, v)| k.ends_with("updated_at") || before.get(k) == Some(v))
    })
}

fn user_fields(op: &SyncOp) -> UserFields {
    match op {
        SyncOp::Create { fields, .. } | SyncOp::Link { fields, .. } => fields.clone(),
        SyncOp::Update { changes, .. } => fields_of(changes),
        SyncOp::Deactivate { .. } | SyncOp::Delete { .. } => UserFields::default(),
    }
}

fn fields_json(fields: &UserFields) -> serde_json::Value {
    serde_json::to_value(fields).unwrap_or_default()
}

fn result(op: &SyncOp, doc_id: Option<&DocId>, outcome: Outcome) -> OpResult {
    OpResult {
        op: op.name(),
        clerk_id: op.clerk_id().to_string(),
        doc_id: doc_id.map(ToString::to_string),
        outcome,
    }
}

fn record(
    ctx: ApplyContext,
    op: &SyncOp,
    doc_id: &DocId,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditRecord {
    AuditRecord {
        at_ms: ctx.now_ms,
        source: ctx.source,
        op: op.name().to_string(),
        clerk_id: Some(op.clerk_id().to_string()),
        doc_id: doc_id.to_string(),
        before,
        after,
    }
}
