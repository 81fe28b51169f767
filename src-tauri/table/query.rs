//! What the table shows: the categories chosen, a search over email, name, username, Clerk id
//! and database id, and the sort. A query gives a [`Selection`], the row numbers in order, which
//! the page then asks for a screenful at a time.

use serde::{Deserialize, Serialize};

use super::{DiffTable, Sides, db_id, email, name, records};
use crate::diff::{Category, Counts};

/// The column a table is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// The diff's own order: category, then the key.
    #[default]
    Category,
    Email,
    Name,
    ClerkId,
    DbId,
    /// When the user signed up in Clerk (users with no Clerk record last).
    SignedUp,
}

/// The table's filters and sort, as the page sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Query {
    /// Only these categories; empty shows every category.
    pub categories: Vec<Category>,
    /// Words that must all appear (any case) in a row's email, name, username or ids.
    pub search: String,
    pub sort: SortKey,
    pub descending: bool,
}

/// The rows a query selects, in order, and how many of the search's matches each category has
/// (so the category filters show what the search would give in each).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    rows: Vec<u32>,
    pub matches: Counts,
}

impl Selection {
    pub fn rows(&self) -> &[u32] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl DiffTable {
    /// The rows `query` selects, in its order.
    pub fn select(&self, sides: Sides<'_>, query: &Query) -> Selection {
        let words: Vec<String> = query
            .search
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut matches = Counts::default();
        let mut rows = Vec::new();
        for (n, row) in self.rows.iter().enumerate() {
            if !words.iter().all(|w| row.haystack.contains(w.as_str())) {
                continue;
            }
            matches.add(row.category);
            if query.categories.is_empty() || query.categories.contains(&row.category) {
                rows.push(n as u32);
            }
        }
        if query.sort != SortKey::Category || query.descending {
            let mut keyed: Vec<((bool, i64, String), u32)> = rows
                .iter()
                .map(|&n| (self.sort_value(sides, query.sort, n), n))
                .collect();
            keyed.sort_unstable_by(|(a, an), (b, bn)| {
                let by = a.1.cmp(&b.1).then_with(|| a.2.cmp(&b.2));
                let by = if query.descending { by.reverse() } else { by };
                a.0.cmp(&b.0).then(by).then(an.cmp(bn))
            });
            rows = keyed.into_iter().map(|(_, n)| n).collect();
        }
        Selection { rows, matches }
    }

    /// What row `n` sorts by: rows with no value for the column come last, whatever the
    /// direction; ties keep the diff's order. Worked out once per row.
    fn sort_value(&self, sides: Sides<'_>, key: SortKey, n: u32) -> (bool, i64, String) {
        let (clerk, db) = records(&self.rows[n as usize], sides);
        let text = |value: Option<String>| match value {
            Some(v) => (false, 0, v.to_lowercase()),
            None => (true, 0, String::new()),
        };
        match key {
            // The diff's order is the rows' order.
            SortKey::Category => (false, i64::from(n), String::new()),
            SortKey::Email => text(email(clerk, db).map(str::to_string)),
            SortKey::Name => text(name(clerk, db)),
            SortKey::ClerkId => text(
                clerk
                    .map(|u| u.id.clone())
                    .or_else(|| db.and_then(|d| d.clerk_id.clone())),
            ),
            // Numeric `user_id`s in number order, then documents keyed by `_id` alone.
            SortKey::DbId => match db {
                Some(doc) => match doc.user_id {
                    Some(id) => (false, id, String::new()),
                    None => (false, i64::MAX, db_id(doc)),
                },
                None => (true, 0, String::new()),
            },
            SortKey::SignedUp => match clerk {
                Some(user) => (false, user.created_at, String::new()),
                None => (true, 0, String::new()),
            },
        }
    }
}
