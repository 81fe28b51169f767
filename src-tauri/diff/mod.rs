//! The user diff: Clerk users against database documents, every user in exactly one category
//! with its reasons. Pure and deterministic: data in, data out, sorted by category then key.
//!
//! Matching is by Clerk id first, then by primary email (case-insensitive, trimmed). The entries
//! borrow the records from the inputs, so a diff of a million users copies none of them.

mod category;
mod classify;
mod fields;
mod index;
mod order;
mod placeholder;
mod reason;

use std::borrow::Cow;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

pub use category::{Category, Counts, UnknownCategory};
pub use fields::email_key;
pub use placeholder::{is_clerk_id, is_clerk_test_address};
pub use reason::{Field, Reason};

use crate::user::{ClerkUser, DbUser};

/// The status a soft-deleted document gets (with `active = false`) when its Clerk user is gone.
pub const DELETED_IN_CLERK: &str = "deleted_in_clerk";

/// What the diff needs to know about the Clerk instance it compares against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffContext {
    /// A production instance (`sk_live_` key): `+clerk_test` addresses and development ids in the
    /// database are suspicious there.
    pub production: bool,
}

impl DiffContext {
    /// From the Clerk secret key's prefix; the key itself is not kept.
    pub fn for_secret_key(secret_key: &str) -> Self {
        Self {
            production: secret_key.trim_start().starts_with("sk_live_"),
        }
    }
}

/// One user: a Clerk user, a document, or the two paired. One JSON line of `syncdesk diff --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffEntry<'a> {
    pub category: Category,
    /// The sort key within the category: the Clerk id, else the document's Clerk id, else its
    /// email, else its `_id`.
    pub key: Cow<'a, str>,
    pub reasons: Vec<Reason>,
    pub clerk: Option<&'a ClerkUser>,
    pub db: Option<&'a DbUser>,
}

impl<'a> DiffEntry<'a> {
    fn new(
        category: Category,
        reasons: Vec<Reason>,
        clerk: Option<&'a ClerkUser>,
        db: Option<&'a DbUser>,
    ) -> Self {
        let key = match (clerk, db) {
            (Some(user), _) => Cow::Borrowed(user.id.trim()),
            (None, Some(doc)) => fields::present(doc.clerk_id.as_deref())
                .or_else(|| fields::present(doc.email.as_deref()))
                .map_or_else(|| Cow::Owned(doc.doc_id.to_string()), Cow::Borrowed),
            (None, None) => Cow::Borrowed(""),
        };
        Self {
            category,
            key,
            reasons,
            clerk,
            db,
        }
    }

    /// The Clerk-owned fields that differ: `(field, Clerk's value, the database's value)`.
    pub fn differences(&self) -> impl Iterator<Item = (Field, &str, Option<&str>)> {
        self.reasons.iter().filter_map(|reason| match reason {
            Reason::FieldDiffers { field, clerk, db } => {
                Some((*field, clerk.as_str(), db.as_deref()))
            }
            _ => None,
        })
    }
}

/// The whole diff: entries by category then key, and how many are in each category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserDiff<'a> {
    pub entries: Vec<DiffEntry<'a>>,
    pub counts: Counts,
}

impl UserDiff<'_> {
    /// The entries of one category, in order.
    pub fn in_category(&self, category: Category) -> impl Iterator<Item = &DiffEntry<'_>> {
        self.entries.iter().filter(move |e| e.category == category)
    }

    /// `--json`: one JSON object per user and line, in the diff's order.
    pub fn write_json_lines(&self, out: &mut impl Write) -> io::Result<()> {
        for entry in &self.entries {
            serde_json::to_writer(&mut *out, entry)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Diffs Clerk's users against the database's. Every Clerk user (a repeated id counts once) and
/// every document lands in exactly one entry; a Clerk user and the document it matched share one.
///
/// Linear in the number of users; the indexing, classifying and sorting each run on two threads.
/// The result does not depend on the threads: each works on a fixed half and halves are joined
/// in order.
pub fn diff_users<'a>(clerk: &'a [ClerkUser], db: &'a [DbUser], ctx: &DiffContext) -> UserDiff<'a> {
    let index = index::Index::build(clerk, db);
    let half = db.len() / 2;
    let part = |missing: bool, from: usize, to: usize| {
        let mut part = order::Part::with_capacity(to - from + clerk.len() / 4);
        for (c, user) in clerk.iter().enumerate().filter(|_| missing) {
            if !index.shadowed[c] && index.clerk[c].total() == 0 {
                part.push(classify::missing(user));
            }
        }
        for (d, doc) in db.iter().enumerate().take(to).skip(from) {
            let facts = index.docs[d];
            part.push(classify::document(d, doc, facts, clerk, &index.clerk, ctx));
        }
        part.sorted()
    };
    let users = clerk.len() + db.len();
    let (first, second) = both(
        users,
        || part(true, 0, half),
        || part(false, half, db.len()),
    );
    drop(index);
    let entries = order::merge(first, second);
    let mut counts = Counts::default();
    for entry in &entries {
        counts.add(entry.category);
    }
    UserDiff { entries, counts }
}

/// Below this many users a second thread costs more than it saves.
const PARALLEL_FROM: usize = 20_000;

/// Runs `a` on a second thread while `b` runs on this one (both here for small inputs); a panic
/// in `a` is passed on.
fn both<A: Send, B: Send>(
    users: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if users < PARALLEL_FROM {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        match a.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests;
