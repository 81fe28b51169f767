//! The sync plan: what sync would write, derived from a diff alone. Pure and deterministic (the
//! diff's order), serialisable for the window, and printable for `--dry-run`.
//!
//! Only Clerk-owned fields (email, name, username) are ever written, and only with values Clerk
//! has; app-owned fields are set on create and never touched after. Orphans are deactivated
//! (`active = false`, status `deleted_in_clerk`), deleted only when the policy says so.

mod changes;
mod render;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::fallback;
use super::usernames::{self, Holders};
pub use crate::diff::DELETED_IN_CLERK;
use crate::diff::{Category, DiffEntry, Field, Reason, UserDiff};
use crate::mongo::{Fallbacks, FieldMapping};
use crate::user::{DocId, NewUser, UserFields};
use changes::changes;
pub use changes::{clerk_fields, fields_of};

/// What the person asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncPolicy {
    /// Delete orphaned documents instead of deactivating them.
    pub delete_orphans: bool,
    /// `--only CATEGORY`: plan for these categories alone; `None` plans for all.
    pub only: Option<BTreeSet<Category>>,
    /// App-owned values every created user starts with (e.g. `role`); the mapping's defaults
    /// fill in the rest.
    pub app_fields: BTreeMap<String, serde_json::Value>,
    /// What a written document gets where Clerk has no value (the mapping's `fallbacks`).
    pub fallbacks: Fallbacks,
    /// Usernames held by documents the diff does not hold (the listener diffs a few candidates
    /// only, so it looks these up first); derived usernames avoid them too.
    #[serde(skip)]
    pub usernames_taken: Holders,
}

impl SyncPolicy {
    /// The default policy with the mapping's fallbacks: what every writer starts from.
    pub fn for_mapping(mapping: &FieldMapping) -> Self {
        Self {
            fallbacks: mapping.fallbacks,
            ..Self::default()
        }
    }
}

/// One Clerk-owned field to write: the value now and Clerk's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub from: Option<String>,
    pub to: String,
    /// `to` is the mapping's fallback (Clerk has no value), not Clerk's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
}

/// The kind of a write, in the order a plan applies them (snake_case in JSON and the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    Create,
    Update,
    Link,
    Deactivate,
    Delete,
}

impl OpKind {
    pub const ALL: [OpKind; 5] = [
        OpKind::Create,
        OpKind::Update,
        OpKind::Link,
        OpKind::Deactivate,
        OpKind::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Create => "create",
            OpKind::Update => "update",
            OpKind::Link => "link",
            OpKind::Deactivate => "deactivate",
            OpKind::Delete => "delete",
        }
    }
}

impl std::fmt::Display for OpKind {
    /// Honours width and alignment (`{:<10}` in the CLI's report).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One write. Each carries the Clerk id, so applying it twice (or after a crash) is harmless:
/// creates upsert by Clerk id, updates and links set values, deactivation is a soft delete.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SyncOp {
    /// A missing user: a new document with Clerk's values.
    Create {
        clerk_id: String,
        fields: UserFields,
        app_fields: BTreeMap<String, serde_json::Value>,
        /// The fields whose value is the mapping's fallback (Clerk has none), not Clerk's.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        derived: Vec<Field>,
    },
    /// Clerk-owned fields that drifted (or hold placeholders) on a document matched by Clerk id.
    Update {
        doc_id: DocId,
        clerk_id: String,
        changes: Vec<FieldChange>,
    },
    /// Record the Clerk id on a document matched by email, and set the fields that differ
    /// (`None` fields are left as they are).
    Link {
        doc_id: DocId,
        clerk_id: String,
        fields: UserFields,
    },
    /// Soft delete: `active = false`, status `deleted_in_clerk`.
    Deactivate {
        doc_id: DocId,
        clerk_id: String,
        reason: String,
    },
    /// Hard delete; planned only with `delete_orphans`.
    Delete {
        doc_id: DocId,
        clerk_id: String,
        reason: String,
    },
}

impl SyncOp {
    pub fn clerk_id(&self) -> &str {
        match self {
            SyncOp::Create { clerk_id, .. }
            | SyncOp::Update { clerk_id, .. }
            | SyncOp::Link { clerk_id, .. }
            | SyncOp::Deactivate { clerk_id, .. }
            | SyncOp::Delete { clerk_id, .. } => clerk_id,
        }
    }

    pub fn kind(&self) -> OpKind {
        match self {
            SyncOp::Create { .. } => OpKind::Create,
            SyncOp::Update { .. } => OpKind::Update,
            SyncOp::Link { .. } => OpKind::Link,
            SyncOp::Deactivate { .. } => OpKind::Deactivate,
            SyncOp::Delete { .. } => OpKind::Delete,
        }
    }

    /// `create`, `update`, `link`, `deactivate` or `delete`.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    pub fn doc_id(&self) -> Option<&DocId> {
        match self {
            SyncOp::Create { .. } => None,
            SyncOp::Update { doc_id, .. }
            | SyncOp::Link { doc_id, .. }
            | SyncOp::Deactivate { doc_id, .. }
            | SyncOp::Delete { doc_id, .. } => Some(doc_id),
        }
    }

    /// The user a `create` makes, ready for `UserStore::create_users`.
    pub fn new_user(&self) -> Option<NewUser> {
        match self {
            SyncOp::Create {
                clerk_id,
                fields,
                app_fields,
                ..
            } => Some(NewUser {
                clerk_id: Some(clerk_id.clone()),
                fields: fields.clone(),
                clerk_updated_at: None,
                app_fields: app_fields.clone(),
            }),
            _ => None,
        }
    }
}

/// A user the plan leaves alone although something is off, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub category: Category,
    pub key: String,
    pub doc_id: Option<DocId>,
    pub clerk_id: Option<String>,
    pub why: String,
}

/// The operations in the diff's order, and the suspicious users left for a person.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncPlan {
    pub ops: Vec<SyncOp>,
    pub skipped: Vec<Skipped>,
    /// Clerk's `updated_at` (ms) of the users the ops write, by Clerk id: apply stores it so an
    /// older write (a late webhook, a stale plan) never overwrites newer data.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub clerk_updated_at: BTreeMap<String, i64>,
}

impl SyncPlan {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Clerk's `updated_at` for the user an op writes, when Clerk has the user.
    pub fn clerk_updated_at(&self, op: &SyncOp) -> Option<i64> {
        self.clerk_updated_at.get(op.clerk_id()).copied()
    }
}

/// Plans the writes that bring the database in line with Clerk. Local-only and in-sync users
/// never produce an operation; suspicious ones only when the fix is unambiguous.
pub fn plan(diff: &UserDiff<'_>, policy: &SyncPolicy) -> SyncPlan {
    let mut plan = ops(diff, policy);
    let bases = plan.derived_usernames();
    if !bases.is_empty() {
        // The diff holds the documents (for a sync, every one): who has each username already.
        let mut holders = usernames::holders_in(diff, &bases);
        for (name, owners) in &policy.usernames_taken {
            holders
                .entry(name.clone())
                .or_default()
                .extend(owners.iter().cloned());
        }
        plan.make_unique_among(&bases, &mut holders);
    }
    plan
}

/// The operations, before derived usernames are made unique.
fn ops(diff: &UserDiff<'_>, policy: &SyncPolicy) -> SyncPlan {
    let mut plan = SyncPlan::default();
    let wanted = |c: &Category| policy.only.as_ref().is_none_or(|only| only.contains(c));
    for entry in diff.entries.iter().filter(|e| wanted(&e.category)) {
        match op_for(entry, policy) {
            Ok(Some(op)) => {
                if let Some(user) = entry.clerk {
                    plan.clerk_updated_at
                        .insert(op.clerk_id().to_string(), user.updated_at);
                }
                plan.ops.push(op);
            }
            Ok(None) => {}
            Err(why) => plan.skipped.push(Skipped {
                category: entry.category,
                key: entry.key().into_owned(),
                doc_id: entry.db.map(|d| d.doc_id.clone()),
                clerk_id: entry.clerk.map(|c| c.id.trim().to_string()),
                why,
            }),
        }
    }
    plan
}

/// The operation for one entry: `Ok(None)` when there is nothing to do, `Err(why)` when a
/// person must decide.
fn op_for(entry: &DiffEntry<'_>, policy: &SyncPolicy) -> Result<Option<SyncOp>, String> {
    if matches!(entry.category, Category::InSync | Category::LocalOnly) {
        return Ok(None);
    }
    let clerk_id = entry.clerk.map(|c| c.id.trim().to_string());
    let doc_clerk_id = entry.db.and_then(|d| d.clerk_id.as_deref()).map(str::trim);
    let changes = |entry: &DiffEntry<'_>| changes(entry, &policy.fallbacks);
    Ok(match (entry.category, entry.clerk, entry.db, clerk_id) {
        (Category::Missing, Some(user), _, Some(clerk_id)) => {
            let mut fields = clerk_fields(user);
            let derived = fallback::fill(&mut fields, &policy.fallbacks);
            Some(SyncOp::Create {
                clerk_id,
                fields,
                app_fields: policy.app_fields.clone(),
                derived,
            })
        }
        (Category::Drift, _, Some(doc), Some(clerk_id)) => Some(SyncOp::Update {
            doc_id: doc.doc_id.clone(),
            clerk_id,
            changes: changes(entry),
        }),
        (Category::Link, _, Some(doc), Some(clerk_id)) => Some(SyncOp::Link {
            doc_id: doc.doc_id.clone(),
            clerk_id,
            fields: fields_of(&changes(entry)),
        }),
        (Category::Orphaned, ..) => retire(entry, policy),
        (Category::Suspicious, ..) => {
            let conflicts: Vec<String> = entry
                .reasons
                .iter()
                .filter(|r| r.is_conflict())
                .map(ToString::to_string)
                .collect();
            if !conflicts.is_empty() {
                return Err(format!("needs a person: {}", conflicts.join("; ")));
            }
            match (entry.clerk, entry.db) {
                (Some(user), Some(doc)) if doc_clerk_id == Some(user.id.trim()) => {
                    let changes = changes(entry);
                    if changes.is_empty() {
                        return Err(format!(
                            "Clerk has nothing to correct it with: {}",
                            listed(entry)
                        ));
                    }
                    let clerk_id = user.id.trim().to_string();
                    Some(SyncOp::Update {
                        doc_id: doc.doc_id.clone(),
                        clerk_id,
                        changes,
                    })
                }
                (None, Some(_)) if not_in_clerk(entry).is_some() => retire(entry, policy),
                _ => return Err(format!("cannot be fixed from Clerk: {}", listed(entry))),
            }
        }
        _ => None,
    })
}

/// Deactivate (or, when asked, delete) a document whose Clerk user is gone.
fn retire(entry: &DiffEntry<'_>, policy: &SyncPolicy) -> Option<SyncOp> {
    let doc = entry.db?;
    let clerk_id = not_in_clerk(entry)?.to_string();
    let reason = listed(entry);
    if policy.delete_orphans {
        return Some(SyncOp::Delete {
            doc_id: doc.doc_id.clone(),
            clerk_id,
            reason,
        });
    }
    let done = entry.reasons.contains(&Reason::AlreadyDeactivated);
    (!done).then(|| SyncOp::Deactivate {
        doc_id: doc.doc_id.clone(),
        clerk_id,
        reason,
    })
}

fn not_in_clerk<'e>(entry: &'e DiffEntry<'_>) -> Option<&'e str> {
    entry.reasons.iter().find_map(|r| match r {
        Reason::NotInClerk { clerk_id } => Some(clerk_id.as_str()),
        _ => None,
    })
}

fn listed(entry: &DiffEntry<'_>) -> String {
    let reasons: Vec<String> = entry
        .reasons
        .iter()
        .filter(|r| !matches!(r, Reason::FieldDiffers { .. }))
        .map(ToString::to_string)
        .collect();
    reasons.join("; ")
}

#[cfg(test)]
mod tests;
