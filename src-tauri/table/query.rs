//! What the table shows: the categories chosen, a search over email, name, username, Clerk id
//! and database id, and the sort. A query gives a [`Selection`], the row numbers in order, which
//! the page then asks for a screenful at a time.

use std::sync::Arc;

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
    /// The search's matches in every category, in table order (`None`: no search): a longer
    /// search looks among these only.
    searched: Option<Arc<Vec<u32>>>,
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

    /// The search's matches, every category (`None`: no search, every row).
    pub fn searched(&self) -> Option<Arc<Vec<u32>>> {
        self.searched.clone()
    }

    /// A selection that holds only a search's matches (a test's stand-in for a kept one).
    #[cfg(test)]
    pub(super) fn searched_only(found: Vec<u32>) -> Self {
        Self {
            rows: Vec::new(),
            matches: Counts::default(),
            searched: Some(Arc::new(found)),
        }
    }
}

/// A search's words, lower case.
pub fn words(search: &str) -> Vec<String> {
    search.split_whitespace().map(str::to_lowercase).collect()
}

/// Every row `now` matches also matched `before`: each word before is inside a word now (so a
/// search typed on from `before` looks only among its matches).
pub fn narrows(before: &[String], now: &[String]) -> bool {
    before
        .iter()
        .all(|b| now.iter().any(|n| n.contains(b.as_str())))
}

impl DiffTable {
    /// The rows `query` selects, in its order.
    pub fn select(&self, sides: Sides<'_>, query: &Query) -> Selection {
        let searched = self.search(&words(&query.search), None);
        self.select_with(sides, query, searched, None)
    }

    /// The rows (in table order) whose search text holds every one of `words`, looked for
    /// among `within` when given (the matches of a search this one narrows); `None` when there
    /// are no words (every row matches).
    pub fn search(&self, words: &[String], within: Option<&[u32]>) -> Option<Arc<Vec<u32>>> {
        if words.is_empty() {
            return None;
        }
        let holds = |n: u32| {
            let haystack = &self.rows[n as usize].haystack;
            words.iter().all(|w| haystack.contains(w.as_str()))
        };
        let rows = match within {
            Some(within) => within.iter().copied().filter(|&n| holds(n)).collect(),
            None => (0..self.rows.len() as u32).filter(|&n| holds(n)).collect(),
        };
        Some(Arc::new(rows))
    }

    /// `query`'s selection from its search's matches (`None`: every row), sorted by `order`
    /// when given (every row of the table in `query`'s sort, worked out once per sort).
    pub fn select_with(
        &self,
        sides: Sides<'_>,
        query: &Query,
        searched: Option<Arc<Vec<u32>>>,
        order: Option<&[u32]>,
    ) -> Selection {
        let mut matches = Counts::default();
        let mut rows = Vec::new();
        let mut take = |n: u32| {
            let category = self.rows[n as usize].category;
            matches.add(category);
            if query.categories.is_empty() || query.categories.contains(&category) {
                rows.push(n);
            }
        };
        match &searched {
            Some(found) => found.iter().copied().for_each(&mut take),
            None => (0..self.rows.len() as u32).for_each(&mut take),
        }
        if query.sort != SortKey::Category || query.descending {
            rows = match order {
                Some(order) => {
                    let mut chosen = vec![false; self.rows.len()];
                    for &n in &rows {
                        chosen[n as usize] = true;
                    }
                    order
                        .iter()
                        .copied()
                        .filter(|&n| chosen[n as usize])
                        .collect()
                }
                None => self.sorted(sides, rows, query.sort, query.descending),
            };
        }
        Selection {
            rows,
            matches,
            searched,
        }
    }

    /// Every row of the table in this sort: what [`select_with`](Self::select_with) filters
    /// instead of sorting again.
    pub fn order(&self, sides: Sides<'_>, key: SortKey, descending: bool) -> Vec<u32> {
        self.sorted(
            sides,
            (0..self.rows.len() as u32).collect(),
            key,
            descending,
        )
    }

    fn sorted(&self, sides: Sides<'_>, rows: Vec<u32>, key: SortKey, descending: bool) -> Vec<u32> {
        let mut keyed: Vec<((bool, i64, String), u32)> = rows
            .iter()
            .map(|&n| (self.sort_value(sides, key, n), n))
            .collect();
        keyed.sort_unstable_by(|(a, an), (b, bn)| {
            let by = a.1.cmp(&b.1).then_with(|| a.2.cmp(&b.2));
            let by = if descending { by.reverse() } else { by };
            a.0.cmp(&b.0).then(by).then(an.cmp(bn))
        });
        keyed.into_iter().map(|(_, n)| n).collect()
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
