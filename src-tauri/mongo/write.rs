//! Writes: create (never a duplicate), delete, and the lookups the write path makes. Updates,
//! links and deactivations are conditional writes (`conditional.rs`), made only by `sync::apply`.
//!
//! Updates only `$set` mapped fields, so fields the mapping does not know are preserved.

use std::collections::BTreeMap;

use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use mongodb::error::ErrorKind;

use super::{Error, Result, UserStore, new_document, to_user};
use crate::user::{DbUser, DocId, NewUser, UserFields};

/// Rounds of re-allocation when the backend took an id we were about to use.
const ID_ROUNDS: u32 = 10;

impl UserStore {
    /// Creates one user; a duplicate Clerk id is refused with `Error::DuplicateKey`.
    pub async fn create_user(&self, user: &NewUser) -> Result<DbUser> {
        let mut results = self.create_users(std::slice::from_ref(user)).await?;
        results
            .pop()
            .unwrap_or(Err(Error::IdAllocation { attempts: 0 }))
    }

    /// Creates many users with one `insert_many` per round; one result per input, in order.
    /// An id taken meanwhile by another writer is re-allocated; a duplicate Clerk id is an error
    /// for that user only.
    pub async fn create_users(&self, users: &[NewUser]) -> Result<Vec<Result<DbUser>>> {
        self.require_indexes().await?;
        let mut results: Vec<Option<Result<DbUser>>> = users.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..users.len()).collect();
        for round in 0..ID_ROUNDS {
            if pending.is_empty() {
                break;
            }
            // Round 0 continues from the maximum; after a collision, jump further ahead each time.
            let headroom = if round == 0 {
                0
            } else {
                1_i64 << (2 * round).min(40)
            };
            let ids = self
                .allocate_user_ids_after(pending.len() as u64, headroom)
                .await?;
            let mut id_iter = ids.into_iter().flatten();
            let docs: Vec<Document> = pending
                .iter()
                .map(|&i| {
                    let mut d = new_document(&users[i], id_iter.next(), self.mapping());
                    d.insert("_id", ObjectId::new());
                    d
                })
                .collect();
            let mut failures = self.insert_unordered(&docs).await?;
            let mut retry = Vec::new();
            for (slot, (&input, document)) in pending.iter().zip(&docs).enumerate() {
                results[input] = match failures.remove(&slot) {
                    None => Some(Ok(to_user(document, self.mapping()))),
                    Some(Error::DuplicateKey { field, .. })
                        if Some(&field) == self.mapping().user_id.as_ref() =>
                    {
                        retry.push(input);
                        None
                    }
                    Some(err) => Some(Err(err)),
                };
            }
            pending = retry;
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or(Err(Error::IdAllocation {
                    attempts: ID_ROUNDS,
                }))
            })
            .collect())
    }

    /// Inserts without stopping at the first failure; returns the failures by position.
    async fn insert_unordered(&self, docs: &[Document]) -> Result<BTreeMap<usize, Error>> {
        let Err(err) = self.users().insert_many(docs).ordered(false).await else {
            return Ok(BTreeMap::new());
        };
        let ErrorKind::InsertMany(many) = err.kind.as_ref() else {
            return Err(self.error(err));
        };
        if many.write_concern_error.is_some() {
            return Err(self.error(err));
        }
        Ok(many
            .write_errors
            .iter()
            .flatten()
            .map(|w| {
                let error = if w.code == 11000 {
                    super::error::parse_duplicate(&w.message)
                } else {
                    Error::Refused {
                        hosts: self.location(),
                        reason: w.message.clone(),
                    }
                };
                (w.index, error)
            })
            .collect())
    }

    /// The `$set` document for the Clerk-owned fields that are `Some`, in the mapping's names.
    pub fn fields_document(&self, fields: &UserFields) -> Document {
        let mapping = self.mapping();
        let mut set = Document::new();
        for (name, value) in [
            (&mapping.email, &fields.email),
            (&mapping.name, &fields.name),
            (&mapping.username, &fields.username),
        ] {
            if let Some(value) = value {
                set.insert(name.clone(), value.clone());
            }
        }
        set
    }

    /// Hard delete, only when a person asked for it.
    pub async fn delete_user(&self, id: &DocId) -> Result<()> {
        let result = self
            .users()
            .delete_one(doc! {"_id": id.to_bson()})
            .await
            .map_err(|e| self.error(e))?;
        if result.deleted_count == 0 {
            return Err(self.not_found(id));
        }
        Ok(())
    }

    pub(super) fn not_found(&self, id: &DocId) -> Error {
        Error::NotFound {
            collection: self.mapping().collection.clone(),
            doc_id: id.to_string(),
        }
    }

    /// Finds a document by its `_id`.
    pub async fn find_user(&self, id: &DocId) -> Result<Option<DbUser>> {
        let found = self
            .users()
            .find_one(doc! {"_id": id.to_bson()})
            .await
            .map_err(|e| self.error(e))?;
        Ok(found.map(|d| to_user(&d, self.mapping())))
    }

    /// Finds documents whose email equals `email` in any letter case.
    pub async fn find_by_email(&self, email: &str) -> Result<Vec<DbUser>> {
        self.find_candidates(&[], &[email.trim()]).await
    }

    /// The documents holding any of `clerk_ids`, or any of `emails` (any case): two indexed
    /// `$in` queries (one `$or` would scan on some servers), each document once.
    pub async fn find_candidates(
        &self,
        clerk_ids: &[&str],
        emails: &[&str],
    ) -> Result<Vec<DbUser>> {
        use futures_util::TryStreamExt;
        let mapping = self.mapping();
        let mut docs: Vec<Document> = Vec::new();
        if !clerk_ids.is_empty() {
            let cursor = self
                .users()
                .find(doc! {&mapping.clerk_id: {"$in": clerk_ids}})
                .await
                .map_err(|e| self.error(e))?;
            docs = cursor.try_collect().await.map_err(|e| self.error(e))?;
        }
        if !emails.is_empty() {
            let cursor = self
                .users()
                .find(doc! {&mapping.email: {"$in": emails}})
                .collation(super::indexes::email_collation())
                .await
                .map_err(|e| self.error(e))?;
            let by_email: Vec<Document> = cursor.try_collect().await.map_err(|e| self.error(e))?;
            for d in by_email {
                if !docs.iter().any(|seen| seen.get("_id") == d.get("_id")) {
                    docs.push(d);
                }
            }
        }
        Ok(docs.iter().map(|d| to_user(d, mapping)).collect())
    }

    /// Who holds each of `usernames` (exact match): username → the holders' Clerk ids (`""` for
    /// a document without one). One query; without an index on the username it scans.
    pub async fn username_holders(
        &self,
        usernames: &[String],
    ) -> Result<BTreeMap<String, std::collections::BTreeSet<String>>> {
        use futures_util::TryStreamExt;
        let mapping = self.mapping();
        let mut holders: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        if usernames.is_empty() {
            return Ok(holders);
        }
        let cursor = self
            .users()
            .find(doc! {&mapping.username: {"$in": usernames}})
            .projection(doc! {&mapping.username: 1, &mapping.clerk_id: 1})
            .await
            .map_err(|e| self.error(e))?;
        let docs: Vec<Document> = cursor.try_collect().await.map_err(|e| self.error(e))?;
        for d in docs {
            if let Ok(name) = d.get_str(&mapping.username) {
                let owner = d.get_str(&mapping.clerk_id).unwrap_or_default().trim();
                holders
                    .entry(name.trim().to_string())
                    .or_default()
                    .insert(owner.to_string());
            }
        }
        Ok(holders)
    }

    /// Finds documents by a mapped field's exact value (e.g. a Clerk id or an email).
    pub async fn find_by(&self, field: &str, value: impl Into<Bson>) -> Result<Vec<DbUser>> {
        use futures_util::TryStreamExt;
        let cursor = self
            .users()
            .find(doc! {field: value.into()})
            .await
            .map_err(|e| self.error(e))?;
        let docs: Vec<Document> = cursor.try_collect().await.map_err(|e| self.error(e))?;
        Ok(docs.iter().map(|d| to_user(d, self.mapping())).collect())
    }
}

impl UserStore {
    /// Replaces every document of the collection with `docs` (seeding), then ensures the indexes.
    pub async fn replace_all(&self, docs: Vec<Document>) -> Result<u64> {
        self.users()
            .delete_many(doc! {})
            .await
            .map_err(|e| self.error(e))?;
        let count = docs.len() as u64;
        if !docs.is_empty() {
            self.users()
                .insert_many(docs)
                .await
                .map_err(|e| self.error(e))?;
        }
        self.ensure_indexes().await?;
        Ok(count)
    }
}
