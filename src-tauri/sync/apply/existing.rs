//! Documents that exist already when apply writes: creates whose Clerk id another writer took
//! meanwhile, and creates whose user was deleted in Clerk meanwhile.

use std::collections::BTreeMap;

use mongodb::bson::{Bson, Document};

use super::writer::{Writer, changes_nothing, record, result, to_json, user_fields};
use super::{Failure, OpResult, Outcome, SkipReason};
use crate::diff::{Field, present};
use crate::mongo::{ConditionalSet, FieldMapping};
use crate::sync::plan::SyncOp;
use crate::user::{DocId, UserFields};

impl Writer<'_> {
    /// A deletion in Clerk is final. One that arrived between the tombstone check and a create's
    /// insert (or a link's write) found no document with that Clerk id to deactivate (its
    /// `user.deleted` answered "unchanged"), so the writer deactivates what it wrote: whichever
    /// of the two writes came second sees the other's. Failures are the ops' own: the writes
    /// happened, so apply still reports them.
    pub(super) async fn deactivate_deleted_meanwhile(&mut self, results: &mut [Option<OpResult>]) {
        let written = std::mem::take(&mut self.written);
        let ids: Vec<&str> = written
            .iter()
            .map(|(i, _)| self.plan.ops[*i].clerk_id())
            .collect();
        let deleted = match self.store.tombstoned_among(&ids).await {
            Ok(deleted) => deleted,
            Err(err) => {
                for (i, doc_id) in &written {
                    let failed = Outcome::Failed(Failure {
                        reason: format!(
                            "written, but whether the user was deleted in Clerk meanwhile could not be checked: {err}"
                        ),
                        transient: err.is_transient(),
                    });
                    results[*i] = Some(result(&self.plan.ops[*i], Some(doc_id), failed));
                }
                return;
            }
        };
        for (i, doc_id) in written {
            let clerk_id = self.plan.ops[i].clerk_id();
            if !deleted.contains(clerk_id) {
                continue;
            }
            let op = SyncOp::Deactivate {
                doc_id: doc_id.clone(),
                clerk_id: clerk_id.to_string(),
                reason: "deleted in Clerk while it was being written".into(),
            };
            let deactivated = self
                .conditional(
                    &op,
                    &doc_id,
                    self.deactivation(),
                    None,
                    SkipReason::AlreadyDeactivated,
                )
                .await;
            if let Outcome::Failed(why) = deactivated.outcome {
                let failed = Outcome::Failed(Failure {
                    reason: format!(
                        "written, then deleted in Clerk meanwhile, and the deactivation failed: {why}"
                    ),
                    transient: why.transient,
                });
                results[i] = Some(result(&self.plan.ops[i], Some(&doc_id), failed));
            }
        }
    }

    /// Creates whose Clerk id exists already (a concurrent writer won, or a killed run's last
    /// batch that the server finished): bring those documents up to date instead, under the same
    /// ordering rule, with one read of them all and one bulk write of the conditional updates
    /// (never a round trip each: a rerun after a crash may meet thousands). Results in order.
    pub(super) async fn update_existing(&mut self, ops: &[&SyncOp]) -> Vec<OpResult> {
        if ops.is_empty() {
            return Vec::new();
        }
        let mapping = self.store.mapping();
        let ids: Vec<&str> = ops.iter().map(|op| op.clerk_id()).collect();
        let docs = match self.store.documents_by_clerk_ids(&ids).await {
            Ok(docs) => docs,
            Err(err) => {
                let why = Failure::of(&err);
                return ops
                    .iter()
                    .map(|op| result(op, None, Outcome::Failed(why.clone())))
                    .collect();
            }
        };
        let by_clerk_id: BTreeMap<&str, &Document> = docs
            .iter()
            .filter_map(|d| Some((d.get_str(&mapping.clerk_id).ok()?, d)))
            .collect();
        let mut results: Vec<Option<OpResult>> = vec![None; ops.len()];
        // The conditional writes, and beside them each one's slot and the document before.
        let mut writes: Vec<ConditionalSet> = Vec::new();
        let mut befores: Vec<(usize, &Document)> = Vec::new();
        for (slot, op) in ops.iter().enumerate() {
            let Some(&doc) = by_clerk_id.get(op.clerk_id()) else {
                results[slot] = Some(result(
                    op,
                    None,
                    Outcome::Failed(Failure {
                        // It was deleted between the insert and this read: a retry diffs again.
                        reason: "the Clerk id is taken but no document holds it".into(),
                        transient: true,
                    }),
                ));
                continue;
            };
            let doc_id = DocId::from(doc.get("_id").cloned().unwrap_or(Bson::Null));
            let at = self.plan.clerk_updated_at(op);
            if self.store.records_newer(doc, at) {
                let why = Outcome::Skipped(SkipReason::CreatedByAnotherWriter);
                results[slot] = Some(result(op, Some(&doc_id), why));
                continue;
            }
            let set = self.store.fields_document(&own_fields(op, doc, mapping));
            let write = ConditionalSet {
                doc_id,
                set,
                clerk_updated_at: at,
            };
            writes.push(write);
            befores.push((slot, doc));
        }
        let applied: Vec<Result<bool, Failure>> = match self.store.set_many_if_newer(&writes).await
        {
            Ok(applied) => applied
                .into_iter()
                .map(|r| r.map_err(|e| Failure::of(&e)))
                .collect(),
            // The bulk call itself failed (connection lost, write concern): typed as its error.
            Err(err) => vec![Err(Failure::of(&err)); writes.len()],
        };
        for ((write, (slot, before)), applied) in writes.into_iter().zip(befores).zip(applied) {
            let op = ops[slot];
            let after = to_json(&write.set);
            let outcome = match applied {
                // Only Clerk's `updated_at` moved on (it is stamped): nothing to audit.
                Ok(true) if changes_nothing(before, &after) => {
                    Outcome::Skipped(SkipReason::AlreadyApplied)
                }
                Ok(true) => {
                    let before = to_json(before);
                    self.audit.push(record(
                        self.ctx,
                        op,
                        &write.doc_id,
                        Some(before),
                        Some(after),
                    ));
                    Outcome::Done
                }
                Ok(false) => Outcome::Skipped(SkipReason::CreatedByAnotherWriter),
                Err(why) => Outcome::Failed(why),
            };
            results[slot] = Some(result(op, Some(&write.doc_id), outcome));
        }
        results.into_iter().flatten().collect()
    }
}

/// The fields a create writes over a document another writer made: Clerk's values, and a
/// fallback only where that document has no value (a fallback never replaces a stored one).
fn own_fields(op: &SyncOp, doc: &Document, mapping: &FieldMapping) -> UserFields {
    let mut fields = user_fields(op);
    let SyncOp::Create { derived, .. } = op else {
        return fields;
    };
    let stored = |name: &str| present(doc.get_str(name).ok()).is_some();
    for field in derived {
        match field {
            Field::Username if stored(&mapping.username) => fields.username = None,
            Field::Name if stored(&mapping.name) => fields.name = None,
            _ => {}
        }
    }
    fields
}
