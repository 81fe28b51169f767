//! One row opened: the Clerk record and the database document side by side, field by field,
//! the fields that differ marked, and every reason in plain words.

use serde::Serialize;

use super::{DiffTable, Sides, db_id, records};
use crate::diff::{Category, Field, Reason};
use crate::review::Subject;
use crate::table::chart::utc_date_time;
use crate::user::{ClerkUser, DbUser};

/// One line of the side-by-side view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldPair {
    pub label: String,
    pub clerk: Option<String>,
    pub db: Option<String>,
    /// Clerk owns the field and the two values differ: a sync would write Clerk's.
    pub differs: bool,
}

/// A row opened in the detail pane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    pub row: u32,
    pub category: Category,
    pub in_clerk: bool,
    pub in_database: bool,
    pub fields: Vec<FieldPair>,
    /// Every reason, one sentence each.
    pub reasons: Vec<String>,
    /// What was wrong with the document as stored, one sentence each.
    pub problems: Vec<String>,
    /// Who the row's actions name (its Clerk id and its document's `_id`).
    pub subject: Subject,
}

impl DiffTable {
    /// Row `n` in full, or `None` when the table has no such row.
    pub fn detail(&self, sides: Sides<'_>, n: u32) -> Option<Detail> {
        let row = self.rows.get(n as usize)?;
        let (clerk, db) = records(row, sides);
        let differing: Vec<Field> = row
            .reasons
            .iter()
            .filter_map(|r| match r {
                Reason::FieldDiffers { field, .. } => Some(*field),
                _ => None,
            })
            .collect();
        Some(Detail {
            row: n,
            category: row.category,
            in_clerk: clerk.is_some(),
            in_database: db.is_some(),
            fields: pairs(clerk, db, &differing),
            reasons: row.reasons.iter().map(ToString::to_string).collect(),
            problems: db.map(|d| d.problems.clone()).unwrap_or_default(),
            subject: Subject {
                // A document's own Clerk id may be a placeholder that others share: a row
                // without a Clerk user is named by its document alone.
                clerk_id: clerk.map(|u| u.id.trim().to_string()),
                doc_id: db.map(|d| d.doc_id.to_string()),
            },
        })
    }
}

fn pairs(clerk: Option<&ClerkUser>, db: Option<&DbUser>, differing: &[Field]) -> Vec<FieldPair> {
    let pair = |label: &str, c: Option<String>, d: Option<String>, differs: bool| FieldPair {
        label: label.into(),
        clerk: c,
        db: d,
        differs,
    };
    let clerk_ids_differ = match (clerk, db.and_then(|d| d.clerk_id.as_deref())) {
        (Some(user), Some(id)) => user.id.trim() != id.trim(),
        (Some(_), None) => db.is_some(),
        _ => false,
    };
    let mut out = vec![
        pair(
            "Clerk id",
            clerk.map(|u| u.id.clone()),
            db.and_then(|d| d.clerk_id.clone()),
            clerk_ids_differ,
        ),
        pair(
            "Email",
            clerk.and_then(|u| u.primary_email.clone()),
            db.and_then(|d| d.email.clone()),
            differing.contains(&Field::Email),
        ),
        pair(
            "Name",
            clerk.and_then(ClerkUser::full_name),
            db.and_then(|d| d.name.clone()),
            differing.contains(&Field::Name),
        ),
        pair(
            "Username",
            clerk.and_then(|u| u.username.clone()),
            db.and_then(|d| d.username.clone()),
            differing.contains(&Field::Username),
        ),
        pair(
            "Signed up",
            clerk.map(|u| utc_date_time(u.created_at)),
            None,
            false,
        ),
        pair("Database id", None, db.map(db_id), false),
        pair(
            "Auth provider",
            None,
            db.and_then(|d| d.auth_provider.clone()),
            false,
        ),
        pair(
            "Active",
            clerk.map(|u| if u.banned { "banned" } else { "yes" }.to_string()),
            db.and_then(|d| d.active)
                .map(|a| if a { "yes" } else { "no" }.to_string()),
            false,
        ),
        pair("Status", None, db.and_then(|d| d.status.clone()), false),
    ];
    if let Some(doc) = db {
        for (field, value) in doc.app_fields.to_map() {
            let shown = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            out.push(pair(&field, None, Some(shown), false));
        }
    }
    if let Some(user) = clerk {
        let others: Vec<&str> = user
            .emails
            .iter()
            .map(String::as_str)
            .filter(|e| Some(*e) != user.primary_email.as_deref())
            .collect();
        if !others.is_empty() {
            out.push(pair("Other emails", Some(others.join(", ")), None, false));
        }
    }
    out.retain(|p| p.clerk.is_some() || p.db.is_some());
    out
}
