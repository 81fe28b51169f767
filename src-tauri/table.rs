//! The diff as a table the window pages through: one row per diff entry, kept by index into the
//! snapshot it was read from, so a million rows stay in Rust and the page asks only for the rows
//! it shows. Filtering, search and sort run here ([`query`]); a row opens as a [`detail`].

pub mod chart;
pub mod detail;
pub mod query;
pub mod view;

use serde::Serialize;

use crate::diff::{Category, Counts, Reason, UserDiff};
use crate::user::{ClerkUser, DbUser};

pub use query::{Query, Selection, SortKey};

/// One diff entry: its category, its reasons, and where its records sit in the snapshot.
#[derive(Debug, Clone)]
struct Row {
    category: Category,
    clerk: Option<u32>,
    db: Option<u32>,
    reasons: Vec<Reason>,
    /// Email, name, username, Clerk id and database id, lower case, for search.
    haystack: Box<str>,
}

/// Every entry of one diff, in the diff's order (category, then key).
#[derive(Debug, Clone)]
pub struct DiffTable {
    rows: Vec<Row>,
    counts: Counts,
}

/// A row as the table shows it: the page puts each value in with `textContent`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowView {
    /// The row's number in the table, stable while the table lives (asked for by `detail`).
    pub row: u32,
    pub category: Category,
    pub email: Option<String>,
    pub name: Option<String>,
    pub clerk_id: Option<String>,
    /// The backend's `user_id` when it has one, else the document's `_id`.
    pub db_id: Option<String>,
    /// The first reason, in words.
    pub reason: Option<String>,
}

/// The users a table was built from (the snapshot's two lists).
#[derive(Debug, Clone, Copy)]
pub struct Sides<'a> {
    pub clerk: &'a [ClerkUser],
    pub db: &'a [DbUser],
}

impl DiffTable {
    /// The table of `diff`, whose entries borrow from `sides`.
    /// Built on every core: a chunk of entries each (a million rows take a second or two on
    /// one, most of it lower-casing the search text).
    pub fn new(diff: &UserDiff<'_>, sides: Sides<'_>) -> Self {
        let row = |entry: &crate::diff::DiffEntry<'_>| Row {
            category: entry.category,
            clerk: entry.clerk.and_then(|u| index_in(sides.clerk, u)),
            db: entry.db.and_then(|d| index_in(sides.db, d)),
            reasons: entry.reasons.clone(),
            haystack: haystack(entry.clerk, entry.db),
        };
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let chunk = diff.entries.len().div_ceil(threads).max(4_096);
        let rows = std::thread::scope(|scope| {
            let parts: Vec<_> = diff
                .entries
                .chunks(chunk)
                .map(|entries| scope.spawn(move || entries.iter().map(row).collect::<Vec<Row>>()))
                .collect();
            let mut rows = Vec::with_capacity(diff.entries.len());
            for part in parts {
                // A panic in a part is a bug in `row`: re-raise it here rather than lose rows.
                match part.join() {
                    Ok(part) => rows.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            rows
        });
        Self {
            rows,
            counts: diff.counts,
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// `limit` rows of `selection` from `offset` (fewer at its end).
    pub fn page(
        &self,
        sides: Sides<'_>,
        selection: &Selection,
        offset: usize,
        limit: usize,
    ) -> Vec<RowView> {
        selection
            .rows()
            .iter()
            .skip(offset)
            .take(limit)
            .filter_map(|&n| self.view(sides, n))
            .collect()
    }

    fn view(&self, sides: Sides<'_>, n: u32) -> Option<RowView> {
        let row = self.rows.get(n as usize)?;
        let (clerk, db) = records(row, sides);
        Some(RowView {
            row: n,
            category: row.category,
            email: email(clerk, db).map(str::to_string),
            name: name(clerk, db),
            clerk_id: clerk
                .map(|u| u.id.clone())
                .or_else(|| db.and_then(|d| d.clerk_id.clone())),
            db_id: db.map(db_id),
            reason: row.reasons.first().map(ToString::to_string),
        })
    }
}

fn records<'a>(row: &Row, sides: Sides<'a>) -> (Option<&'a ClerkUser>, Option<&'a DbUser>) {
    (
        row.clerk.and_then(|i| sides.clerk.get(i as usize)),
        row.db.and_then(|i| sides.db.get(i as usize)),
    )
}

/// Clerk's primary email, else the document's.
fn email<'a>(clerk: Option<&'a ClerkUser>, db: Option<&'a DbUser>) -> Option<&'a str> {
    clerk
        .and_then(|u| u.primary_email.as_deref())
        .or_else(|| db.and_then(|d| d.email.as_deref()))
}

/// Clerk's full name, else the document's.
fn name(clerk: Option<&ClerkUser>, db: Option<&DbUser>) -> Option<String> {
    clerk
        .and_then(ClerkUser::full_name)
        .or_else(|| db.and_then(|d| d.name.clone()))
}

/// The backend's `user_id` when the document has one, else its `_id`.
fn db_id(doc: &DbUser) -> String {
    doc.user_id
        .map_or_else(|| doc.doc_id.to_string(), |id| id.to_string())
}

fn haystack(clerk: Option<&ClerkUser>, db: Option<&DbUser>) -> Box<str> {
    let mut text = String::with_capacity(128);
    let mut add = |part: Option<&str>| {
        if let Some(part) = part.filter(|p| !p.is_empty()) {
            if part.is_ascii() {
                // Most ids and emails: lower-cased in place, no allocation.
                let start = text.len();
                text.push_str(part);
                text[start..].make_ascii_lowercase();
            } else {
                text.push_str(&part.to_lowercase());
            }
            text.push('\u{1f}');
        }
    };
    if let Some(user) = clerk {
        add(Some(&user.id));
        add(user.primary_email.as_deref());
        add(user.full_name().as_deref());
        add(user.username.as_deref());
    }
    if let Some(doc) = db {
        add(doc.clerk_id.as_deref());
        add(doc.email.as_deref());
        add(doc.name.as_deref());
        add(doc.username.as_deref());
        add(Some(&db_id(doc)));
    }
    text.into_boxed_str()
}

/// Where `item` sits in `slice`, when it is one of its elements (the diff borrows its records
/// from the snapshot's lists, so each reference points into one of them).
fn index_in<T>(slice: &[T], item: &T) -> Option<u32> {
    let size = std::mem::size_of::<T>().max(1);
    let start = slice.as_ptr() as usize;
    let at = std::ptr::from_ref(item) as usize;
    let offset = at.checked_sub(start)?;
    let index = offset / size;
    (offset % size == 0 && index < slice.len())
        .then(|| u32::try_from(index).ok())
        .flatten()
}

#[cfg(test)]
mod tests;
