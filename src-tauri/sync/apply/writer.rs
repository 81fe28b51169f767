//! The writer of one apply: each kind of operation written through the store, with its result
//! and audit record.

use mongodb::bson::{Bson, Document};

use super::{ApplyContext, Failure, OpResult, Outcome, SkipReason};
use crate::mongo::journal::AuditRecord;
use crate::mongo::{Conditional, Error, UserStore};
use crate::sync::plan::{SyncOp, SyncPlan, fields_of};
use crate::user::{DocId, NewUser, UserFields};

/// The store, the plan, who is writing, and the audit records collected along the way.
pub(super) struct Writer<'a> {
    pub(super) store: &'a UserStore,
    pub(super) plan: &'a SyncPlan,
    pub(super) ctx: ApplyContext,
    pub(super) audit: Vec<AuditRecord>,
    /// The documents the creates and links wrote a Clerk id into, by plan index.
    pub(super) written: Vec<(usize, DocId)>,
}

impl Writer<'_> {
    /// The soft delete: `active = false` and status `deleted_in_clerk`, as the mapping names them.
    pub(super) fn deactivation(&self) -> Document {
        let mapping = self.store.mapping();
        let mut set = Document::new();
        if let Some(field) = &mapping.active {
            set.insert(field.clone(), false);
        }
        if let Some(field) = &mapping.status {
            set.insert(field.clone(), crate::sync::plan::DELETED_IN_CLERK);
        }
        set
    }

    /// One `insert_many` for the creates at `indexes`; results in the same order.
    pub(super) async fn create_batch(&mut self, indexes: &[usize]) -> Result<Vec<OpResult>, Error> {
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
        let mut results: Vec<Option<OpResult>> = vec![None; ops.len()];
        let mut taken = Vec::new();
        for (slot, (op, outcome)) in ops.iter().zip(created).enumerate() {
            results[slot] = match outcome {
                Ok(user) => {
                    let after = fields_json(&user_fields(op));
                    self.audit
                        .push(record(self.ctx, op, &user.doc_id, None, Some(after)));
                    self.written.push((indexes[slot], user.doc_id.clone()));
                    Some(result(op, Some(&user.doc_id), Outcome::Done))
                }
                Err(Error::DuplicateKey { field, .. })
                    if field == self.store.mapping().clerk_id =>
                {
                    taken.push(slot);
                    None
                }
                Err(err) => Some(result(op, None, Outcome::Failed(Failure::of(&err)))),
            };
        }
        let existing: Vec<&SyncOp> = taken.iter().map(|&slot| ops[slot]).collect();
        for (slot, outcome) in taken.into_iter().zip(self.update_existing(&existing).await) {
            results[slot] = Some(outcome);
        }
        Ok(results.into_iter().flatten().collect())
    }

    pub(super) async fn write_one(&mut self, op: &SyncOp) -> OpResult {
        let mapping = self.store.mapping();
        let at = self.plan.clerk_updated_at(op);
        let newer = SkipReason::NewerInDatabase;
        match op {
            SyncOp::Create { .. } => result(
                op,
                None,
                Outcome::Failed(Failure::permanent("creates are applied in batches")),
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
                // Never subject to the ordering rule: a deletion in Clerk is final.
                let set = self.deactivation();
                if set.is_empty() {
                    let why = "cannot deactivate: the mapping has neither an `active` nor a `status` field (map one, or delete orphans instead)";
                    return result(op, Some(doc_id), Outcome::Failed(Failure::permanent(why)));
                }
                self.conditional(op, doc_id, set, None, SkipReason::AlreadyDeactivated)
                    .await
            }
            SyncOp::Delete { doc_id, .. } => match self.store.delete_user(doc_id).await {
                Ok(()) => {
                    let before = serde_json::json!({"exists": true});
                    self.audit
                        .push(record(self.ctx, op, doc_id, Some(before), None));
                    result(op, Some(doc_id), Outcome::Done)
                }
                Err(Error::NotFound { .. }) => result(
                    op,
                    Some(doc_id),
                    Outcome::Skipped(SkipReason::AlreadyDeleted),
                ),
                Err(err) => result(op, Some(doc_id), Outcome::Failed(Failure::of(&err))),
            },
        }
    }

    pub(super) async fn conditional(
        &mut self,
        op: &SyncOp,
        doc_id: &DocId,
        set: Document,
        at: Option<i64>,
        stale_why: SkipReason,
    ) -> OpResult {
        let after = to_json(&set);
        match self.store.set_if_newer(doc_id, set, at).await {
            Ok(Conditional::Applied { before }) if changes_nothing(&before, &after) => result(
                op,
                Some(doc_id),
                Outcome::Skipped(SkipReason::AlreadyApplied),
            ),
            Ok(Conditional::Applied { before }) => {
                let before = to_json(&before);
                self.audit
                    .push(record(self.ctx, op, doc_id, Some(before), Some(after)));
                result(op, Some(doc_id), Outcome::Done)
            }
            Ok(Conditional::Stale) => result(op, Some(doc_id), Outcome::Skipped(stale_why)),
            Err(err) => result(op, Some(doc_id), Outcome::Failed(Failure::of(&err))),
        }
    }
}

pub(super) fn to_json(doc: &Document) -> serde_json::Value {
    Bson::Document(doc.clone()).into_relaxed_extjson()
}

/// Whether every value being set was already there (then the write is a no-op, not audited).
pub(super) fn changes_nothing(before: &Document, after: &serde_json::Value) -> bool {
    let before = to_json(before);
    after.as_object().is_some_and(|set| {
        set.iter()
            .all(|(k, v)| k.ends_with("updated_at") || before.get(k) == Some(v))
    })
}

pub(super) fn user_fields(op: &SyncOp) -> UserFields {
    match op {
        SyncOp::Create { fields, .. } | SyncOp::Link { fields, .. } => fields.clone(),
        SyncOp::Update { changes, .. } => fields_of(changes),
        SyncOp::Deactivate { .. } | SyncOp::Delete { .. } => UserFields::default(),
    }
}

pub(super) fn fields_json(fields: &UserFields) -> serde_json::Value {
    serde_json::to_value(fields).unwrap_or_default()
}

pub(super) fn result(op: &SyncOp, doc_id: Option<&DocId>, outcome: Outcome) -> OpResult {
    OpResult {
        op: op.kind(),
        clerk_id: op.clerk_id().to_string(),
        doc_id: doc_id.map(ToString::to_string),
        outcome,
    }
}

pub(super) fn record(
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
