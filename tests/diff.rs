//! The diff and the plan over generated data (every user in exactly one category, a deterministic
//! order, apply-then-re-diff in sync) and over the seed report's own scenario.

use mongodb::bson::Bson;
use syncdesk::diff::{DELETED_IN_CLERK, UserDiff};
use syncdesk::sync::plan::fields_of;
use syncdesk::sync::{SyncOp, SyncPlan};
use syncdesk::user::{DbUser, DocId, UserFields};

// A tiny deterministic generator and the mixed data sets it makes.
mod generated;
// Properties over generated data.
mod properties;
// The seed report's scenario, end to end.
mod seed_report;

/// A document with the app-owned `role` set, as the backend stores it.
pub fn doc(
    n: i64,
    clerk_id: Option<String>,
    email: Option<String>,
    name: Option<String>,
) -> DbUser {
    DbUser {
        doc_id: DocId::from(Bson::Int64(n)),
        user_id: Some(n),
        auth_provider: Some(if clerk_id.is_some() { "clerk" } else { "local" }.into()),
        clerk_id,
        email,
        name,
        username: None,
        active: Some(true),
        status: Some("active".into()),
        app_fields: [("role".to_string(), serde_json::json!("vendor"))]
            .into_iter()
            .collect(),
        problems: vec![],
    }
}

/// `syncdesk diff --json` output of a diff.
pub fn json_lines(diff: &UserDiff<'_>) -> String {
    let mut out = Vec::new();
    diff.write_json_lines(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Applies a plan to an in-memory collection the way `sync::apply` does against MongoDB.
pub fn apply(db: &mut Vec<DbUser>, plan: &SyncPlan) {
    let set = |d: &mut DbUser, f: UserFields| {
        d.email = f.email.or(d.email.take());
        d.name = f.name.or(d.name.take());
        d.username = f.username.or(d.username.take());
    };
    for op in &plan.ops {
        let at = |db: &[DbUser], id: &DocId| db.iter().position(|d| &d.doc_id == id).unwrap();
        match op {
            SyncOp::Create {
                clerk_id,
                fields,
                app_fields,
                ..
            } => {
                let next = db.len() as i64 + 10_000;
                let mut created = doc(next, Some(clerk_id.clone()), None, None);
                created.app_fields = app_fields.clone().into();
                set(&mut created, fields.clone());
                db.push(created);
            }
            SyncOp::Update {
                doc_id, changes, ..
            } => {
                let i = at(db, doc_id);
                set(&mut db[i], fields_of(changes));
            }
            SyncOp::Link {
                doc_id,
                clerk_id,
                fields,
            } => {
                let i = at(db, doc_id);
                db[i].clerk_id = Some(clerk_id.clone());
                db[i].auth_provider = Some("clerk".into());
                set(&mut db[i], fields.clone());
            }
            SyncOp::Deactivate { doc_id, .. } => {
                let i = at(db, doc_id);
                db[i].active = Some(false);
                db[i].status = Some(DELETED_IN_CLERK.into());
            }
            SyncOp::Delete { doc_id, .. } => {
                let i = at(db, doc_id);
                db.remove(i);
            }
        }
    }
}
