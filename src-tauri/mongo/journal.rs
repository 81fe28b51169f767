//! Syncdesk's own bookkeeping beside the users: tombstones, handled webhook messages, the audit.
//!
//! - `syncdesk_tombstones`: Clerk ids deleted in Clerk, so a late or retried event never brings a
//!   deleted user back.
//! - `syncdesk_webhook_messages`: Svix message ids already applied (deduplication that survives
//!   restarts; Svix reuses the id across retries).
//! - `syncdesk_audit`: one record per write (stored 1,000 records to a document), with the Clerk-owned fields before and after. Only
//!   mapped fields are recorded, so no password hash or other secret can land there.

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

    pub async fn is_tombstoned(&self, clerk_id: &str) -> Result<bool> {
        let found = self
            .database()
            .collection::<Document>(TOMBSTONES)
            .find_one(doc! {"_id": clerk_id})
            .await
            .map_err(|e| self.error(e))?;
        Ok(found.is_some())
    }

    /// Whether a webhook message id was already applied.
    pub async fn message_seen(&self, message_id: &str) -> Result<bool> {
        let found = self
            .database()
            .collection::<Document>(MESSAGES)
            .find_one(doc! {"_id": message_id})
            .await
            .map_err(|e| self.error(e))?;
        Ok(found.is_some())
    }

    /// Marks a webhook message as applied (after the write, so a failed write is retried).
    pub async fn record_message(
        &self,
        message_id: &str,
        event_type: &str,
        outcome: &str,
        now_ms: i64,
    ) -> Result<()> {
        self.database()
            .collection::<Document>(MESSAGES)
            .update_one(
                doc! {"_id": message_id},
                doc! {"$setOnInsert": {"type": event_type, "outcome": outcome, "at": DateTime::from_millis(now_ms)}},
            )
            .upsert(true)
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
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
    pub async fn tombstoned_among(
        &self,
        clerk_ids: &[&str],
    ) -> Result<std::collections::BTreeSet<String>> {
        if clerk_ids.is_empty() {
            return Ok(Default::default());
        }
        let docs: Vec<Document> = self
            .database()
            .collection::<Document>(TOMBSTONES)
            .find(doc! {"_id": {"$in": clerk_ids}})
            .projection(doc! {"_id": 1})
            .await
            .map_err(|e| self.error(e))?
            .try_collect()
            .await
            .map_err(|e| self.error(e))?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_string))
            .collect())
    }
}
