//! A table kept for a window: the snapshot it was read from, the table, and the last query's
//! selection (scrolling asks for the same query again and again; it is worked out once).

use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use super::chart::DayCount;
use super::detail::Detail;
use super::{DiffTable, Query, RowView, Selection, Sides};
use crate::diff::{Counts, diff_users};
use crate::sync::snapshot::Snapshot;

/// The most rows one request may ask for: a screenful is a few dozen.
pub const MAX_ROWS: usize = 500;

/// Rows for the page, with what the table header and the category filters show.
#[derive(Debug, Clone, Serialize)]
pub struct RowsPage {
    /// Rows in the whole table.
    pub total: usize,
    /// Rows the query selects.
    pub matching: usize,
    /// The search's matches per category (ignoring the category filter).
    pub matches: Counts,
    pub offset: usize,
    pub rows: Vec<RowView>,
}

/// What the header says about the read.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    pub counts: Counts,
    pub clerk_users: usize,
    pub db_users: usize,
    /// `host/database` of the database side.
    pub location: String,
    pub production: bool,
    /// When both sides were read, epoch milliseconds.
    pub read_at_ms: i64,
    /// A sentence when Clerk's count and the list disagree (users changed during the read).
    pub count_note: Option<String>,
}

/// A diff table and the snapshot it reads from.
pub struct TableView {
    snapshot: Arc<Snapshot>,
    table: DiffTable,
    read_at_ms: i64,
    last: Mutex<Option<(Query, Arc<Selection>)>>,
}

impl TableView {
    /// Diffs the snapshot and builds its table.
    pub fn new(snapshot: Arc<Snapshot>, read_at_ms: i64) -> Self {
        let table = {
            let diff = diff_users(&snapshot.clerk, &snapshot.db, &snapshot.context());
            DiffTable::new(&diff, sides(&snapshot))
        };
        Self {
            snapshot,
            table,
            read_at_ms,
            last: Mutex::new(None),
        }
    }

    pub fn summary(&self) -> TableSummary {
        TableSummary {
            counts: self.table.counts(),
            clerk_users: self.snapshot.clerk.len(),
            db_users: self.snapshot.db.len(),
            location: self.snapshot.location.clone(),
            production: self.snapshot.production,
            read_at_ms: self.read_at_ms,
            count_note: self.snapshot.fetch.count_note(),
        }
    }

    /// Up to `limit` (at most [`MAX_ROWS`]) rows of `query`'s selection from `offset`.
    pub fn rows(&self, query: &Query, offset: usize, limit: usize) -> RowsPage {
        let selection = self.selection(query);
        RowsPage {
            total: self.table.len(),
            matching: selection.len(),
            matches: selection.matches,
            offset,
            rows: self.table.page(
                sides(&self.snapshot),
                &selection,
                offset,
                limit.min(MAX_ROWS),
            ),
        }
    }

    pub fn detail(&self, row: u32) -> Option<Detail> {
        self.table.detail(sides(&self.snapshot), row)
    }

    pub fn missing_by_day(&self, max_days: usize) -> Vec<DayCount> {
        self.table.missing_by_day(sides(&self.snapshot), max_days)
    }

    fn selection(&self, query: &Query) -> Arc<Selection> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((q, selection)) = last.as_ref()
            && q == query
        {
            return Arc::clone(selection);
        }
        let selection = Arc::new(self.table.select(sides(&self.snapshot), query));
        *last = Some((query.clone(), Arc::clone(&selection)));
        selection
    }
}

fn sides(snapshot: &Snapshot) -> Sides<'_> {
    Sides {
        clerk: &snapshot.clerk,
        db: &snapshot.db,
    }
}
