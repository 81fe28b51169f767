//! A table kept for a window: the snapshot it was read from, the table, the last query's
//! selection (scrolling asks for the same query again and again; it is worked out once; a
//! search typed on narrows it), and each sort's order of all rows.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::Serialize;

use super::chart::DayCount;
use super::detail::Detail;
use super::query::{narrows, words};
use super::{DiffTable, Query, RowView, Selection, Sides, SortKey};
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

/// A column and a direction.
type Sort = (SortKey, bool);

/// Every row in one sort, filled on its first ask.
type OrderSlot = OnceLock<Arc<Vec<u32>>>;

/// A diff table and the snapshot it reads from.
pub struct TableView {
    snapshot: Arc<Snapshot>,
    table: DiffTable,
    read_at_ms: i64,
    last: Mutex<Option<(Query, Arc<Selection>)>>,
    /// Each sort asked for so far: every row in its order.
    orders: Mutex<Vec<(Sort, Arc<OrderSlot>)>>,
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
            orders: Mutex::new(Vec::new()),
        }
    }

    /// The users this read found missing (Clerk ids) and orphaned (document ids), for the watch.
    pub fn watched(&self) -> crate::watch::Watched {
        let mut watched = crate::watch::Watched::default();
        for row in &self.table.rows {
            match row.category {
                crate::diff::Category::Missing => {
                    if let Some(user) = row.clerk.and_then(|i| self.snapshot.clerk.get(i as usize))
                    {
                        watched.missing.insert(user.id.clone());
                    }
                }
                crate::diff::Category::Orphaned => {
                    if let Some(doc) = row.db.and_then(|i| self.snapshot.db.get(i as usize)) {
                        watched.orphaned.insert(doc.doc_id.to_string());
                    }
                }
                _ => {}
            }
        }
        watched
    }

    /// The snapshot the table was built from.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    pub fn read_at_ms(&self) -> i64 {
        self.read_at_ms
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

    /// `query`'s selection. The last one is kept: scrolling asks for it again and again, a
    /// search typed on looks only among its matches, and a new sort or filter with the same
    /// search does not search again. Worked out outside the lock, so a long sort never holds
    /// up a scroll of the table already shown.
    fn selection(&self, query: &Query) -> Arc<Selection> {
        let last = self
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let now = words(&query.search);
        let searched = match last {
            Some((q, selection)) if q == *query => return selection,
            Some((q, selection)) if words(&q.search) == now => selection.searched(),
            Some((q, selection)) if narrows(&words(&q.search), &now) => {
                let within = selection.searched();
                self.table
                    .search(&now, within.as_deref().map(Vec::as_slice))
            }
            _ => self.table.search(&now, None),
        };
        let sorted = query.sort != SortKey::Category || query.descending;
        // A few matches sort at once; the order of every row pays off for many (or is there).
        let many = searched
            .as_ref()
            .is_none_or(|found| found.len() * 16 >= self.table.len());
        let order = (sorted && (many || self.has_order(query)))
            .then(|| self.order(query.sort, query.descending));
        let selection = Arc::new(self.table.select_with(
            sides(&self.snapshot),
            query,
            searched,
            order.as_deref().map(Vec::as_slice),
        ));
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((query.clone(), Arc::clone(&selection)));
        selection
    }

    fn has_order(&self, query: &Query) -> bool {
        self.orders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|(k, order)| *k == (query.sort, query.descending) && order.get().is_some())
    }

    /// Every row in this sort, worked out on the first ask and kept (a second ask for the same
    /// sort meanwhile waits for it; other sorts and scrolls do not).
    fn order(&self, key: SortKey, descending: bool) -> Arc<Vec<u32>> {
        let slot = {
            let mut orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
            match orders.iter().find(|(k, _)| *k == (key, descending)) {
                Some((_, slot)) => Arc::clone(slot),
                None => {
                    let slot = Arc::new(OnceLock::new());
                    orders.push(((key, descending), Arc::clone(&slot)));
                    slot
                }
            }
        };
        Arc::clone(
            slot.get_or_init(|| Arc::new(self.table.order(sides(&self.snapshot), key, descending))),
        )
    }
}

fn sides(snapshot: &Snapshot) -> Sides<'_> {
    Sides {
        clerk: &snapshot.clerk,
        db: &snapshot.db,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Category;
    use crate::mongo::{FieldMapping, to_user};
    use crate::scenario::{seed_report_clerk_users, seed_report_documents};

    fn view() -> TableView {
        let mapping = FieldMapping::default();
        let db = seed_report_documents(&mapping)
            .iter()
            .map(|d| to_user(d, &mapping))
            .collect();
        let snapshot = Snapshot::of(seed_report_clerk_users(), db, "127.0.0.1/app", false);
        TableView::new(Arc::new(snapshot), 0)
    }

    #[test]
    fn a_search_typed_on_a_new_sort_or_a_filter_gives_what_a_fresh_select_gives() {
        let view = view();
        let sides = sides(&view.snapshot);
        let q = |search: &str, categories: &[Category], sort: SortKey, descending: bool| Query {
            categories: categories.to_vec(),
            search: search.into(),
            sort,
            descending,
        };
        let local = [Category::LocalOnly];
        // Typed letter by letter (narrowing), then a sort, a filter, a word added, a letter
        // taken back (not narrowing: searched afresh), the case changed, and cleared.
        let steps = [
            q("e", &[], SortKey::Category, false),
            q("ex", &[], SortKey::Category, false),
            q("exa", &[], SortKey::Email, false),
            q("exa", &local, SortKey::Email, true),
            q("exa b", &local, SortKey::Name, false),
            q("exa bu", &[], SortKey::Name, false),
            q("exa b", &[], SortKey::DbId, true),
            q("EXA B", &[], SortKey::DbId, true),
            q("b exa", &[], SortKey::Email, false),
            q("", &[], SortKey::Email, false),
            q("", &[], SortKey::Category, false),
        ];
        for step in &steps {
            let fresh = view.table.select(sides, step);
            let page = view.rows(step, 0, MAX_ROWS);
            let rows: Vec<u32> = page.rows.iter().map(|r| r.row).collect();
            assert_eq!(
                rows,
                fresh.rows(),
                "the same rows in the same order for {step:?}"
            );
            assert_eq!(page.matches, fresh.matches, "the same counts for {step:?}");
        }
        let orders = view
            .orders
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, o)| o.get().is_some())
            .count();
        assert_eq!(
            orders, 4,
            "each sort's order worked out once: email up and down, name, db id"
        );
    }

    #[test]
    fn a_search_typed_on_looks_only_among_the_last_ones_matches() {
        let view = view();
        let q = |search: &str| Query {
            search: search.into(),
            ..Query::default()
        };
        view.rows(&q("e"), 0, MAX_ROWS);
        // One of "e"'s matches forgotten in the kept selection: a search typed on from "e"
        // cannot find it again unless it searched every row.
        let dropped = {
            let mut last = view.last.lock().unwrap();
            let (query, selection) = last.take().unwrap();
            let mut found = (*selection.searched().unwrap()).clone();
            let dropped = found.remove(0);
            *last = Some((query, Arc::new(Selection::searched_only(found))));
            dropped
        };
        let typed_on = view.rows(&q("ex"), 0, MAX_ROWS);
        let all = view.table.select(sides(&view.snapshot), &q("ex"));
        assert!(
            all.rows().contains(&dropped) && !typed_on.rows.iter().any(|r| r.row == dropped),
            "\"ex\" was looked for among \"e\"'s matches only (row {dropped} matches it, yet is not found)"
        );
        let widened = view.rows(&q("x"), 0, MAX_ROWS);
        let fresh = view.table.select(sides(&view.snapshot), &q("x"));
        let rows: Vec<u32> = widened.rows.iter().map(|r| r.row).collect();
        assert_eq!(
            rows,
            fresh.rows(),
            "a search that widens looks at every row again"
        );
    }

    #[test]
    fn narrowing_holds_only_when_every_word_before_is_inside_a_word_now() {
        let w = |s: &str| words(s);
        assert!(narrows(&w("ad"), &w("ada")));
        assert!(narrows(&w("ada"), &w("ada lo")));
        assert!(
            narrows(&w("lo ada"), &w("ada love")),
            "word order does not matter"
        );
        assert!(
            narrows(&w(""), &w("x")),
            "an empty search matched everything"
        );
        assert!(
            !narrows(&w("ada"), &w("ad")),
            "a letter taken back widens the search"
        );
        assert!(
            !narrows(&w("ada x"), &w("ada")),
            "a word taken away widens it"
        );
        // Lower-casing a final sigma changes it: "ΟΔΟΣ" is "οδος", "ΟΔΟΣΑ" is "οδοσα".
        assert!(
            !narrows(&w("ΟΔΟΣ"), &w("ΟΔΟΣΑ")),
            "a prefix is not always inside once lower-cased"
        );
    }
}
