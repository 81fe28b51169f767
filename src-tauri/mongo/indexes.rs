//! Unique indexes on the Clerk id and the sequential id, lookup indexes, and what blocks them.
//!
//! Creating a unique index over a collection that already holds duplicates fails; instead of
//! failing, the report lists the duplicates so a person can decide which document to keep.
//!
//! The unique indexes are partial (local users have no Clerk id), and a query planner may not use
//! a partial index for a plain equality (SecantusDB never does; MongoDB only when the query
//! repeats the filter). So every lookup has its own plain index: the Clerk id, the sequential id
//! (for the maximum), the email with a case-insensitive collation (strength 2), which is how
//! a case-insensitive email match stays an index lookup instead of a collection scan, and the
//! username (who holds a name a fallback derived).
//!
//! Nothing here runs on its own: indexes are a schema change in the team's own collection, so
//! they are created only when asked (`syncdesk db indexes`, a sync after its review names them,
//! `--create-collection`, seeding a scenario). A write that needs the unique ones and finds them
//! missing says so and how to create them.

use futures_util::TryStreamExt;
use mongodb::IndexModel;
use mongodb::bson::{Document, doc};
use mongodb::options::{Collation, CollationStrength, IndexOptions};
use serde::Serialize;

use super::{Result, UserStore};

/// What `ensure_indexes` did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IndexReport {
    /// Fields that now have a unique index (created now or already there).
    pub unique: Vec<String>,
    /// Values held by more than one document, which keep an index from being created.
    pub duplicates: Vec<DuplicateGroup>,
    /// Fields with a lookup index (created now or already there).
    pub lookup: Vec<String>,
    /// Lookup indexes that could not be created, and why (lookups still work, by scanning).
    pub lookup_failed: Vec<String>,
}

/// The collation of case-insensitive email lookups (and of their index).
pub fn email_collation() -> Collation {
    Collation::builder()
        .locale("en")
        .strength(CollationStrength::Secondary)
        .build()
}

impl IndexReport {
    pub fn is_unique(&self, field: &str) -> bool {
        self.unique.iter().any(|f| f == field)
    }
}

/// One value found in several documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateGroup {
    pub field: String,
    pub value: serde_json::Value,
    pub count: i64,
    /// The `_id`s of the documents sharing the value (at most 20).
    pub doc_ids: Vec<String>,
}

/// Why each unique index is needed, as the confirmation before a write names it.
pub const WHY_UNIQUE: &str = "a unique Clerk id keeps two writers (a sync, the listener, your backend) from creating the same user twice, and a unique user id keeps the ids Syncdesk allocates distinct";

impl UserStore {
    /// The unique indexes Syncdesk's writes rely on, checked (never created) before every batch
    /// of creates: one `listIndexes`, so indexes dropped or a database restored under a running
    /// listener are noticed at once. A collection that does not exist is named as such.
    pub async fn require_indexes(&self) -> Result<()> {
        self.require_collection().await?;
        let missing = self.missing_unique_indexes().await?;
        if missing.is_empty() {
            Ok(())
        } else {
            Err(super::Error::IndexesMissing {
                collection: self.mapping().collection.clone(),
                fields: missing.join(", "),
            })
        }
    }

    /// The unique indexes a write needs that the collection does not have.
    pub async fn missing_unique_indexes(&self) -> Result<Vec<String>> {
        let existing = self.unique_index_keys().await?;
        Ok(self
            .wanted_unique()
            .into_iter()
            .map(|(field, _)| field)
            .filter(|field| !existing.contains(field))
            .collect())
    }

    fn wanted_unique(&self) -> Vec<(String, &'static str)> {
        let mapping = self.mapping();
        let mut wanted = vec![(mapping.clerk_id.clone(), "string")];
        if let Some(field) = &mapping.user_id {
            wanted.push((field.clone(), "number"));
        }
        wanted
    }

    /// Creates the unique and the lookup indexes that can be created and reports the duplicates
    /// blocking the rest.
    pub async fn ensure_indexes(&self) -> Result<IndexReport> {
        self.ensure_indexes_with(true).await
    }

    /// Creates the unique indexes, and the lookup ones when `lookups` (a real `mongod` plans the
    /// lookups without them; the test server does not), reporting what blocks any.
    pub async fn ensure_indexes_with(&self, lookups: bool) -> Result<IndexReport> {
        let wanted = self.wanted_unique();
        let existing = self.unique_index_keys().await?;
        let mut report = IndexReport::default();
        for (field, bson_type) in wanted {
            if existing.contains(&field) {
                report.unique.push(field);
                continue;
            }
            // Partial: documents without the field (local users have no Clerk id) never collide.
            let options = IndexOptions::builder()
                .unique(true)
                .name(format!("syncdesk_{field}_unique"))
                .partial_filter_expression(doc! {&field: {"$type": bson_type}})
                .build();
            match self.users().create_index(ascending(&field, options)).await {
                Ok(_) => report.unique.push(field),
                Err(e) if super::error::duplicate_key(&e).is_some() => {
                    report
                        .duplicates
                        .extend(self.duplicates(&field, bson_type).await?);
                }
                Err(e) => return Err(self.error(e)),
            }
        }
        if lookups {
            self.ensure_lookup_indexes(&mut report).await;
        }
        Ok(report)
    }

    /// Plain indexes for the lookups; only speed depends on them, so a failure is reported, not
    /// fatal (e.g. an index of the same name with other options that the backend created).
    async fn ensure_lookup_indexes(&self, report: &mut IndexReport) {
        let mapping = self.mapping().clone();
        let mut wanted = vec![(mapping.clerk_id.clone(), None)];
        if let Some(field) = &mapping.user_id {
            wanted.push((field.clone(), None));
        }
        wanted.push((mapping.email.clone(), Some(email_collation())));
        // Who holds a username a fallback derived (the listener asks on every new user).
        wanted.push((mapping.username.clone(), None));
        for (field, collation) in wanted {
            let suffix = if collation.is_some() { "ci" } else { "lookup" };
            let options = IndexOptions::builder()
                .name(format!("syncdesk_{field}_{suffix}"))
                .collation(collation)
                .build();
            match self.users().create_index(ascending(&field, options)).await {
                Ok(_) => report.lookup.push(field),
                Err(e) => {
                    let why = format!("{field}: {}", self.error(e));
                    tracing::warn!("lookup index not created: {why}");
                    report.lookup_failed.push(why);
                }
            }
        }
    }

    async fn unique_index_keys(&self) -> Result<Vec<String>> {
        let indexes: Vec<IndexModel> = match self.users().list_indexes().await {
            Ok(cursor) => cursor.try_collect().await.map_err(|e| self.error(e))?,
            // A collection that does not exist yet has no indexes (NamespaceNotFound).
            Err(e) if super::error::command_code(&e) == Some(26) => return Ok(Vec::new()),
            Err(e) => return Err(self.error(e)),
        };
        Ok(indexes
            .into_iter()
            .filter(|i| i.options.as_ref().and_then(|o| o.unique).unwrap_or(false))
            .filter(|i| i.keys.len() == 1)
            .filter_map(|i| i.keys.keys().next().cloned())
            .collect())
    }

    async fn duplicates(&self, field: &str, bson_type: &str) -> Result<Vec<DuplicateGroup>> {
        let pipeline = [
            doc! {"$match": {field: {"$type": bson_type}}},
            doc! {"$group": {"_id": format!("${field}"), "count": {"$sum": 1}, "ids": {"$push": "$_id"}}},
            doc! {"$match": {"count": {"$gt": 1}}},
            doc! {"$sort": {"_id": 1}},
            doc! {"$limit": 100},
        ];
        let groups: Vec<Document> = self
            .users()
            .aggregate(pipeline)
            .await
            .map_err(|e| self.error(e))?
            .try_collect()
            .await
            .map_err(|e| self.error(e))?;
        Ok(groups
            .into_iter()
            .map(|g| DuplicateGroup {
                field: field.to_string(),
                value: g
                    .get("_id")
                    .cloned()
                    .map(|v| v.into_relaxed_extjson())
                    .unwrap_or_default(),
                count: g
                    .get_i32("count")
                    .map(i64::from)
                    .or_else(|_| g.get_i64("count"))
                    .unwrap_or(0),
                doc_ids: g
                    .get_array("ids")
                    .map(|ids| {
                        ids.iter()
                            .take(20)
                            .map(|id| crate::user::DocId::from(id.clone()).to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect())
    }
}

/// An ascending index on one field.
fn ascending(field: &str, options: IndexOptions) -> IndexModel {
    IndexModel::builder()
        .keys(doc! {field: 1})
        .options(options)
        .build()
}
