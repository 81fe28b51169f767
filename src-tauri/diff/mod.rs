//! The user diff: Clerk users against database documents, every user in exactly one category
//! with its reasons. Pure and deterministic: data in, data out, sorted by category then key.
//!
//! Matching is by Clerk id first, then by primary email (case-insensitive, trimmed). The entries
//! borrow the records from the inputs, so a diff of a million users copies none of them.

mod category;
mod classify;
mod fields;
mod index;
mod keys;
mod order;
mod placeholder;
mod reason;

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::atomic::{self, AtomicUsize};

use serde::{Deserialize, Serialize};

pub use category::{Category, Counts, UnknownCategory};
pub use fields::{email_key, present};
pub use placeholder::{is_clerk_id, is_clerk_test_address};
pub use reason::{Field, Reason};

use crate::user::{ClerkUser, DbUser};
use keys::{KeyHash, Pairs};

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

/// One user: a Clerk user, a document, or the two paired. One JSON line of `syncdesk diff --json`
/// (`category`, `key`, `reasons`, `clerk`, `db`).
///
/// Kept to 48 bytes (the key is worked out when asked for, not stored): a million of them are
/// sorted and moved around.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffEntry<'a> {
    pub category: Category,
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
        Self {
            category,
            reasons,
            clerk,
            db,
        }
    }

    /// The sort key within the category: the Clerk id, else the document's Clerk id, else its
    /// email, else its `_id`.
    pub fn key(&self) -> Cow<'a, str> {
        match (self.clerk, self.db) {
            (Some(user), _) => Cow::Borrowed(user.id.trim()),
            (None, Some(doc)) => fields::present(doc.clerk_id.as_deref())
                .or_else(|| fields::present(doc.email.as_deref()))
                .map_or_else(|| Cow::Owned(doc.doc_id.to_string()), Cow::Borrowed),
            (None, None) => Cow::Borrowed(""),
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

impl Serialize for DiffEntry<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut entry = serializer.serialize_struct("DiffEntry", 5)?;
        entry.serialize_field("category", &self.category)?;
        entry.serialize_field("key", &self.key())?;
        entry.serialize_field("reasons", &self.reasons)?;
        entry.serialize_field("clerk", &self.clerk)?;
        entry.serialize_field("db", &self.db)?;
        entry.end()
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
/// Grouping ids and emails (one kind per thread), then classifying and sorting (both threads
/// taking units of work in turn, each sorting its own entries), then one merge. The result does
/// not depend on the threads: the order is total (see `order`), so however the work was shared,
/// the merged entries come out the same.
pub fn diff_users<'a>(clerk: &'a [ClerkUser], db: &'a [DbUser], ctx: &DiffContext) -> UserDiff<'a> {
    diff_hashed(clerk, db, ctx, KeyHash::Seeded)
}

/// The diff with keys hashed by `key_hash`: first trusting one-to-one hash matches, each claim
/// then confirmed against the strings as entries are built; should one fail (two different keys
/// with the same 64-bit hash, about once in 10^7 diffs of a million users), built again with
/// every match compared.
fn diff_hashed<'a>(
    clerk: &'a [ClerkUser],
    db: &'a [DbUser],
    ctx: &DiffContext,
    key_hash: KeyHash,
) -> UserDiff<'a> {
    match diff_with(clerk, db, ctx, (Pairs::Hashed, key_hash)) {
        (diff, true) => diff,
        (_, false) => diff_with(clerk, db, ctx, (Pairs::Compared, key_hash)).0,
    }
}

/// The diff, and whether every claim the index made held up.
fn diff_with<'a>(
    clerk: &'a [ClerkUser],
    db: &'a [DbUser],
    ctx: &DiffContext,
    rules: (Pairs, KeyHash),
) -> (UserDiff<'a>, bool) {
    let index = index::Index::build(clerk, db, rules);
    let users = clerk.len() + db.len();
    let clerk_units = clerk.len().div_ceil(UNIT);
    let units = clerk_units + db.len().div_ceil(UNIT);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut part = order::Part::with_capacity((db.len() + clerk.len() / 4) / 2);
        let mut confirmed = true;
        let mut warmth = 0;
        loop {
            let unit = next.fetch_add(1, atomic::Ordering::Relaxed);
            if unit >= units {
                break;
            }
            if unit < clerk_units {
                let from = unit * UNIT;
                for (c, user) in clerk.iter().enumerate().skip(from).take(UNIT) {
                    if !index.shadowed[c] && index.clerk[c].total() == 0 {
                        part.push(classify::missing(user));
                    }
                }
                continue;
            }
            let from = (unit - clerk_units) * UNIT;
            for (d, doc) in db.iter().enumerate().skip(from).take(UNIT) {
                if d % BATCH == 0 {
                    for ahead in d + AHEAD..d + AHEAD + BATCH {
                        // The document's username too: the placeholder check reads it even
                        // where Clerk has none to compare with.
                        let username = db.get(ahead).and_then(|doc| doc.username.as_deref());
                        warmth ^= index.warm(ahead + AHEAD, clerk, index::Stage::Record)
                            ^ index.warm(ahead, clerk, index::Stage::Strings)
                            ^ usize::from(keys::first_byte(username));
                    }
                }
                let facts = index.docs[d];
                confirmed &= index::confirms(facts.claim, doc, clerk);
                part.push(classify::document(d, doc, facts, clerk, &index.clerk, ctx));
            }
        }
        std::hint::black_box(warmth);
        (part.sorted(), confirmed)
    };
    let ((first, confirmed_first), (second, confirmed_second)) = both(users, work, work);
    drop(index);
    let entries = order::merge(first, second);
    let mut counts = Counts::default();
    for entry in &entries {
        counts.add(entry.category);
    }
    let confirmed = confirmed_first && confirmed_second;
    (UserDiff { entries, counts }, confirmed)
}

/// How many documents ahead of the one being classified its Clerk user's strings are read (and
/// twice as far ahead its record), in batches of `BATCH` whose cache misses overlap; see
/// [`index::Index::warm`]. Tried 8 to 32 ahead and batches of 4 to 16: these were best.
const AHEAD: usize = 16;
const BATCH: usize = 8;

/// Clerk users (for the missing ones) or documents per unit of work a thread takes: small
/// enough that both threads finish together whatever the mix, big enough to cost nothing.
const UNIT: usize = 16_384;

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
