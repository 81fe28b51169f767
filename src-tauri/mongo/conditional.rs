//! Conditional writes: a Clerk-owned update lands only if the document does not already record
//! newer Clerk data (`clerk_updated_at`), atomic per document, one at a time or many in one
//! round trip.

use std::collections::BTreeMap;

use mongodb::bson::{Bson, Document, doc};

use super::{Error, Result, UserStore};
use crate::user::DocId;

/// What a conditional write did.
#[derive(Debug, Clone, PartialEq)]
pub enum Conditional {
    /// Written; the mapped fields as they were before.
    Applied { before: Document },
    /// Not written: the document already holds Clerk data at least as new.
    Stale,
}

impl UserStore {
    /// `$set`s `set` on one document unless it already records a Clerk `updated_at` at least as
    /// new as `clerk_updated_at` (then `Stale`). Atomic per document, so an older event racing a
    /// newer one can never win, whichever process writes.
    pub async fn set_if_newer(
        &self,
        id: &DocId,
        set: Document,
        clerk_updated_at: Option<i64>,
    ) -> Result<Conditional> {
        let (filter, set) = self.conditional_update(id, set, clerk_updated_at);
        let before = self
            .users()
            .find_one_and_update(filter, doc! {"$set": set})
            .projection(self.mapping().projection())
            .await
            .map_err(|e| self.error(e))?;
        match before {
            Some(before) => Ok(Conditional::Applied { before }),
            None if self.find_user(id).await?.is_some() => Ok(Conditional::Stale),
            None => Err(self.not_found(id)),
        }
    }
}

/// One conditional write of a batch: the document, the fields to `$set`, Clerk's `updated_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionalSet {
    pub doc_id: DocId,
    pub set: Document,
    pub clerk_updated_at: Option<i64>,
}

impl UserStore {
    /// The filter and `$set` of a conditional write: unless the document already records a Clerk
    /// `updated_at` at least as new as `at` (then the filter matches nothing).
    fn conditional_update(
        &self,
        id: &DocId,
        mut set: Document,
        at: Option<i64>,
    ) -> (Document, Document) {
        let mut filter = doc! {"_id": id.to_bson()};
        if let (Some(field), Some(at)) = (&self.mapping().clerk_updated_at, at) {
            // Older, absent, null or not a number: anything but a timestamp at or after `at`.
            // (Not an `$or`: some planners then scan the collection instead of using `_id`.)
            filter.insert(field.clone(), doc! {"$not": {"$gte": at}});
            set.insert(field.clone(), at);
        }
        (filter, set)
    }

    /// Whether `doc` already records a Clerk `updated_at` at least as new as `at` (so a
    /// conditional write of `at` would not apply).
    pub fn records_newer(&self, doc: &Document, at: Option<i64>) -> bool {
        let (Some(field), Some(at)) = (&self.mapping().clerk_updated_at, at) else {
            return false;
        };
        match doc.get(field) {
            Some(Bson::Int64(n)) => *n >= at,
            Some(Bson::Int32(n)) => i64::from(*n) >= at,
            Some(Bson::Double(n)) => *n >= at as f64,
            _ => false,
        }
    }

    /// The documents holding any of `clerk_ids` (one indexed `$in`), with the mapped fields.
    pub async fn documents_by_clerk_ids(&self, clerk_ids: &[&str]) -> Result<Vec<Document>> {
        use futures_util::TryStreamExt;
        if clerk_ids.is_empty() {
            return Ok(Vec::new());
        }
        let cursor = self
            .users()
            .find(doc! {&self.mapping().clerk_id: {"$in": clerk_ids}})
            .projection(self.mapping().projection())
            .await
            .map_err(|e| self.error(e))?;
        cursor.try_collect().await.map_err(|e| self.error(e))
    }

    /// Many conditional writes in one `update` command: one round trip for the lot instead of one
    /// each. Per write, whether it was applied (`false`: the document holds newer Clerk data) or
    /// why it failed. Each write stays atomic and ordered by the filter; only the answer is
    /// coarse: the command reports how many matched, so when fewer did than were sent, the
    /// documents are read back (one query), and a write counts as applied when its document now
    /// records its Clerk `updated_at` (best effort under concurrency: another writer that stamped
    /// the same `updated_at` meanwhile wrote the same Clerk data).
    pub async fn set_many_if_newer(&self, writes: &[ConditionalSet]) -> Result<Vec<Result<bool>>> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let statements: Vec<Document> = writes
            .iter()
            .map(|w| {
                let (filter, set) =
                    self.conditional_update(&w.doc_id, w.set.clone(), w.clerk_updated_at);
                doc! {"q": filter, "u": {"$set": set}}
            })
            .collect();
        let reply = self
            .database()
            .run_command(doc! {
                "update": &self.mapping().collection,
                "updates": statements,
                "ordered": false,
            })
            .await
            .map_err(|e| self.error(e))?;
        if let Ok(concern) = reply.get_document("writeConcernError") {
            return Err(Error::Server {
                hosts: self.location(),
                reason: concern
                    .get_str("errmsg")
                    .unwrap_or("the write concern was not met")
                    .to_string(),
            });
        }
        let mut failed: BTreeMap<usize, Error> = BTreeMap::new();
        for item in reply.get_array("writeErrors").into_iter().flatten() {
            let Some(error) = item.as_document() else {
                continue;
            };
            let index = error.get_i32("index").map_or(usize::MAX, |i| i as usize);
            let message = error.get_str("errmsg").unwrap_or("the write was refused");
            let err = if error.get_i32("code") == Ok(11000) {
                super::error::parse_duplicate(message)
            } else {
                Error::Refused {
                    hosts: self.location(),
                    reason: message.to_string(),
                }
            };
            failed.insert(index, err);
        }
        let matched = match reply.get("n") {
            Some(Bson::Int32(n)) => *n as usize,
            Some(Bson::Int64(n)) => *n as usize,
            _ => 0,
        };
        if matched + failed.len() >= writes.len() {
            return Ok((0..writes.len())
                .map(|i| failed.remove(&i).map_or(Ok(true), Err))
                .collect());
        }
        // Some did not match: newer data, or the document is gone. Read them back to tell.
        use futures_util::TryStreamExt;
        let ids: Vec<Bson> = writes.iter().map(|w| w.doc_id.to_bson()).collect();
        let cursor = self
            .users()
            .find(doc! {"_id": {"$in": ids}})
            .projection(self.mapping().projection())
            .await
            .map_err(|e| self.error(e))?;
        let found: Vec<Document> = cursor.try_collect().await.map_err(|e| self.error(e))?;
        let found: BTreeMap<String, Document> = found
            .into_iter()
            .filter_map(|d| Some((DocId::from(d.get("_id")?.clone()).to_string(), d)))
            .collect();
        Ok(writes
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if let Some(err) = failed.remove(&i) {
                    return Err(err);
                }
                let Some(doc) = found.get(&w.doc_id.to_string()) else {
                    return Err(self.not_found(&w.doc_id));
                };
                // Applied: the document now records exactly this write's `updated_at`.
                let stored = |field: &String| doc.get(field).and_then(Bson::as_i64);
                Ok(
                    match (&self.mapping().clerk_updated_at, w.clerk_updated_at) {
                        (Some(field), Some(at)) => stored(field) == Some(at),
                        _ => true,
                    },
                )
            })
            .collect())
    }
}
