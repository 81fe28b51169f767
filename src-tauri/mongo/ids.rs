//! Atomic allocation of the backend's sequential `user_id`.
//!
//! The seed report's script took `max + 1`, so two creators at once got the same id. Here a
//! counter document (`syncdesk_counters`) hands out disjoint blocks with one `$inc`, and is first
//! raised to the collection's current maximum, so ids the backend allocated itself are skipped too.
//!
//! The maximum is looked up above the counter only (`user_id > seq`, an index range that is
//! usually empty): asking for the whole collection's maximum scans on some servers, and the
//! counter is already past every id it handed out.

use std::ops::RangeInclusive;

use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use super::{Error, Result, UserStore};

/// The collection holding one counter document per users collection.
pub const COUNTERS: &str = "syncdesk_counters";

/// How often an upsert racing another upsert of the same new counter is retried.
const UPSERT_ATTEMPTS: u32 = 5;

impl UserStore {
    /// Reserves `count` consecutive ids no other creator (this app or the backend) will get.
    pub async fn allocate_user_ids(&self, count: u64) -> Result<Option<RangeInclusive<i64>>> {
        self.allocate_user_ids_after(count, 0).await
    }

    /// As `allocate_user_ids`, but starting at least `headroom` past the collection's maximum:
    /// after losing an id to a backend that takes `max + 1`, the next block skips ahead of it.
    pub async fn allocate_user_ids_after(
        &self,
        count: u64,
        headroom: i64,
    ) -> Result<Option<RangeInclusive<i64>>> {
        let Some(field) = self.mapping().user_id.clone() else {
            return Ok(None);
        };
        let counters = self.database().collection::<Document>(COUNTERS);
        let key = format!("{}.{}", self.mapping().collection, field);
        let step = i64::try_from(count).map_err(|_| Error::IdAllocation { attempts: 0 })?;
        let current = counters
            .find_one(doc! {"_id": &key})
            .await
            .map_err(|e| self.error(e))?
            .and_then(|c| as_i64(c.get("seq")));
        let above = self.max_user_id(&field, current).await?;
        let floor = above
            .unwrap_or(0)
            .max(current.unwrap_or(0))
            .saturating_add(headroom);
        // Raise the counter only when something is above it (the usual case skips this).
        let attempts = if current.is_none_or(|c| c < floor) {
            UPSERT_ATTEMPTS
        } else {
            0
        };
        for attempt in 1..=attempts {
            let raised = counters
                .update_one(doc! {"_id": &key}, doc! {"$max": {"seq": floor}})
                .upsert(true)
                .await;
            match raised {
                Ok(_) => break,
                Err(e)
                    if attempt < UPSERT_ATTEMPTS && super::error::duplicate_key(&e).is_some() => {}
                Err(e) => return Err(self.error(e)),
            }
        }
        let counter = counters
            .find_one_and_update(doc! {"_id": &key}, doc! {"$inc": {"seq": step}})
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await
            .map_err(|e| self.error(e))?;
        let end = counter
            .as_ref()
            .and_then(|c| as_i64(c.get("seq")))
            .unwrap_or(step);
        Ok(Some(end - step + 1..=end))
    }

    /// The highest numeric id above `above` (the whole collection when `None`), if any.
    async fn max_user_id(&self, field: &str, above: Option<i64>) -> Result<Option<i64>> {
        let filter = match above {
            Some(seq) => doc! {field: {"$gt": seq}},
            None => doc! {field: {"$type": "number"}},
        };
        let top = self
            .users()
            .find_one(filter)
            .sort(doc! {field: -1})
            .projection(doc! {field: 1, "_id": 0})
            .await
            .map_err(|e| self.error(e))?;
        Ok(top.and_then(|d| as_i64(d.get(field))))
    }
}

fn as_i64(value: Option<&Bson>) -> Option<i64> {
    match value? {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        Bson::Double(d) => Some(*d as i64),
        _ => None,
    }
}
