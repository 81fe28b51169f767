//! Syncdesk's own bookkeeping beside the users: tombstones, handled webhook messages, the audit.
//!
//! - `syncdesk_tombstones`: Clerk ids deleted in Clerk, so a late or retried event never brings a
//!   deleted user back.
//! - `syncdesk_webhook_messages`: Svix message ids already applied (deduplication that survives
//!   restarts; Svix reuses the id across retries).
//! - `syncdesk_audit`: one record per write (stored 1,000 records to a document), with the
//!   Clerk-owned fields before and after. Only mapped fields are recorded, so no password hash or
//!   other secret can land there.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, DateTime, Document, doc};
use serde::Serialize;

use super::{Result, UserStore};

pub const TOMBSTONES: &str = "syncdesk_tombstones";
pub const MESSAGES: &str = "syncdesk_webhook_messages";
pub const AUDIT: &str = "syncdesk_audit";
/// Audit records per audit document.
pub const AUDIT_BATCH: usize = 1_000;

/// Who asked for a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Sync,
    Webhook,
    Manual,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Webhook => "webhook",
            Self::Manual => "manual",
        }
    }
}

/// One audited write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub at_ms: i64,
    pub source: Source,
    /// `create`, `update`, `link`, `deactivate`, `delete`.
    pub op: String,
    pub clerk_id: Option<String>,
    pub doc_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl UserStore {
    /// Records that a Clerk user was deleted (idempotent; the first deletion time is kept).
    pub async fn add_tombstone(&self, clerk_id: &str, deleted_at_ms: i64) -> Result<()> {
        self.database()
            .collection::<Document>(TOMBSTONES)
            .update_one(
                doc! {"_id": clerk_id},
                doc! {"$min": {"deleted_at": deleted_at_ms}},
            )
            .upsert(true)
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Which of `message_ids` were applied before (one query).
    pub async fn messages_seen_among(&self, message_ids: &[&str]) -> Result<BTreeSet<String>> {
        self.ids_among(MESSAGES, message_ids).await
    }

    /// Marks webhook messages as applied, in one write (after the writes they caused, so a
    /// failed write is retried). A message recorded before keeps its first record.
    pub async fn record_messages(&self, messages: &[MessageRecord<'_>]) -> Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        let docs = messages.iter().map(|m| {
            doc! {"_id": m.message_id, "type": m.event_type, "outcome": &m.outcome, "at": DateTime::from_millis(m.at_ms)}
        });
        match self
            .database()
            .collection::<Document>(MESSAGES)
            .insert_many(docs)
            .ordered(false)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if only_duplicates(&e) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Appends audit records: one document per batch of up to `AUDIT_BATCH` records (a bulk
    /// sync of 100,000 users adds 100 documents, not 100,000), all in one `insert_many`.
    pub async fn audit(&self, records: &[AuditRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let json = |v: &Option<serde_json::Value>| {
            v.clone()
                .and_then(|v| Bson::try_from(v).ok())
                .unwrap_or(Bson::Null)
        };
        let docs: Vec<Document> = records
            .chunks(AUDIT_BATCH)
            .map(|batch| {
                let entries: Vec<Document> = batch
                    .iter()
                    .map(|r| {
                        doc! {
                            "at": DateTime::from_millis(r.at_ms),
                            "source": r.source.as_str(),
                            "op": &r.op,
                            "clerk_id": r.clerk_id.clone().map_or(Bson::Null, Bson::String),
                            "doc_id": &r.doc_id,
                            "before": json(&r.before),
                            "after": json(&r.after),
                        }
                    })
                    .collect();
                doc! {"at": DateTime::from_millis(batch[0].at_ms), "count": entries.len() as i64, "records": entries}
            })
            .collect();
        self.database()
            .collection::<Document>(AUDIT)
            .insert_many(docs)
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// The newest audit records (one per write), newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<Document>> {
        let pipeline = [
            doc! {"$sort": {"at": -1, "_id": -1}},
            doc! {"$limit": limit},
            doc! {"$unwind": "$records"},
            doc! {"$replaceRoot": {"newRoot": "$records"}},
            doc! {"$limit": limit},
        ];
        self.database()
            .collection::<Document>(AUDIT)
            .aggregate(pipeline)
            .await
            .map_err(|e| self.error(e))?
            .try_collect()
            .await
            .map_err(|e| self.error(e))
    }
}

impl UserStore {
    /// Which of `clerk_ids` are tombstoned (one query).
    pub async fn tombstoned_among(&self, clerk_ids: &[&str]) -> Result<BTreeSet<String>> {
        self.ids_among(TOMBSTONES, clerk_ids).await
    }

    /// Which of `ids` are `_id`s in `collection`: one query per 10,000 ids (a million ids in
    /// one `$in` would pass the server's 16 MB command limit).
    async fn ids_among(&self, collection: &str, ids: &[&str]) -> Result<BTreeSet<String>> {
        let mut found = BTreeSet::new();
        for chunk in ids.chunks(10_000) {
            let docs: Vec<Document> = self
                .database()
                .collection::<Document>(collection)
                .find(doc! {"_id": {"$in": chunk}})
                .projection(doc! {"_id": 1})
                .await
                .map_err(|e| self.error(e))?
                .try_collect()
                .await
                .map_err(|e| self.error(e))?;
            found.extend(
                docs.iter()
                    .filter_map(|d| d.get_str("_id").ok().map(str::to_string)),
            );
        }
        Ok(found)
    }
}

/// One applied webhook message, for deduplication across restarts.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRecord<'a> {
    pub message_id: &'a str,
    pub event_type: &'a str,
    pub outcome: String,
    pub at_ms: i64,
}

/// Whether an unordered insert failed only on ids that exist already.
fn only_duplicates(err: &mongodb::error::Error) -> bool {
    match err.kind.as_ref() {
        mongodb::error::ErrorKind::InsertMany(many) => {
            many.write_concern_error.is_none()
                && many.write_errors.iter().flatten().all(|w| w.code == 11000)
        }
        _ => false,
    }
}
