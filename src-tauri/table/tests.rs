//! The table over the seed report's world: 3 Clerk users, 33 documents (2 placeholders, 31 local).

use super::*;
use crate::diff::{DiffContext, diff_users};
use crate::mongo::FieldMapping;
use crate::mongo::to_user;
use crate::scenario::{CN_ID, MISSING_ID, ZEN_ID, seed_report_clerk_users, seed_report_documents};

fn world() -> (Vec<ClerkUser>, Vec<DbUser>) {
    let mapping = FieldMapping::default();
    let docs = seed_report_documents(&mapping);
    let db = docs.iter().map(|d| to_user(d, &mapping)).collect();
    (seed_report_clerk_users(), db)
}

fn table(clerk: &[ClerkUser], db: &[DbUser]) -> DiffTable {
    let diff = diff_users(clerk, db, &DiffContext::default());
    DiffTable::new(&diff, Sides { clerk, db })
}

fn query(search: &str, categories: &[Category], sort: SortKey, descending: bool) -> Query {
    Query {
        categories: categories.to_vec(),
        search: search.into(),
        sort,
        descending,
    }
}

#[test]
fn every_entry_is_a_row_and_rows_point_back_at_their_records() {
    let (clerk, db) = world();
    let sides = Sides {
        clerk: &clerk,
        db: &db,
    };
    let table = table(&clerk, &db);
    let diff = diff_users(&clerk, &db, &DiffContext::default());
    assert_eq!(table.len(), diff.entries.len(), "one row per diff entry");
    assert_eq!(table.counts(), diff.counts, "the diff's counts");
    let all = table.select(sides, &Query::default());
    let page = table.page(sides, &all, 0, 1_000);
    for (view, entry) in page.iter().zip(&diff.entries) {
        assert_eq!(view.category, entry.category, "the diff's order");
        assert_eq!(
            view.clerk_id.as_deref(),
            entry
                .clerk
                .map(|u| u.id.as_str())
                .or_else(|| entry.db.and_then(|d| d.clerk_id.as_deref())),
            "the row reads the same records the diff matched"
        );
    }
    let missing: Vec<&RowView> = page
        .iter()
        .filter(|r| r.category == Category::Missing)
        .collect();
    assert_eq!(missing.len(), 1, "the report's one missing user");
    assert_eq!(missing[0].clerk_id.as_deref(), Some(MISSING_ID));
    assert_eq!(missing[0].db_id, None, "a missing user has no document");
    assert_eq!(
        missing[0].reason.as_deref(),
        Some(crate::diff::Reason::NotInDatabase.to_string().as_str()),
        "its first reason in words"
    );
}

#[test]
fn search_filters_and_counts_per_category() {
    let (clerk, db) = world();
    let sides = Sides {
        clerk: &clerk,
        db: &db,
    };
    let table = table(&clerk, &db);
    let found = table.select(sides, &query("USER_", &[], SortKey::Category, false));
    let rows = table.page(sides, &found, 0, 100);
    let ids: Vec<&str> = rows.iter().filter_map(|r| r.clerk_id.as_deref()).collect();
    assert!(
        ids.contains(&ZEN_ID) && ids.contains(&CN_ID) && ids.contains(&MISSING_ID),
        "any case, over the Clerk ids: {ids:?}"
    );
    assert_eq!(
        found.matches.total(),
        found.len(),
        "with every category shown, the matches are the rows"
    );
    let words = table.select(sides, &query("casey nguyen", &[], SortKey::Category, false));
    assert_eq!(words.len(), 1, "every word must match one row");
    let only = table.select(
        sides,
        &query("", &[Category::LocalOnly], SortKey::Category, false),
    );
    assert_eq!(only.len(), table.counts().local_only, "one category");
    assert_eq!(
        only.matches,
        table.counts(),
        "the per-category matches ignore the category filter, so every chip keeps its count"
    );
    let none = table.select(
        sides,
        &query("nobody@nowhere", &[], SortKey::Category, false),
    );
    assert!(none.is_empty() && none.matches.total() == 0);
}

#[test]
fn sorts_by_column_either_way_with_empty_values_last() {
    let (clerk, db) = world();
    let sides = Sides {
        clerk: &clerk,
        db: &db,
    };
    let table = table(&clerk, &db);
    for descending in [false, true] {
        let sorted = table.select(sides, &query("", &[], SortKey::SignedUp, descending));
        let rows = table.page(sides, &sorted, 0, 100);
        let signed_up: Vec<&str> = rows
            .iter()
            .take(3)
            .filter_map(|r| r.clerk_id.as_deref())
            .collect();
        let expected = if descending {
            [MISSING_ID, CN_ID, ZEN_ID]
        } else {
            [ZEN_ID, CN_ID, MISSING_ID]
        };
        assert_eq!(
            signed_up, expected,
            "the three Clerk users first, by sign-up (descending: {descending})"
        );
    }
    let by_id = table.select(
        sides,
        &query("", &[Category::LocalOnly], SortKey::DbId, false),
    );
    let ids: Vec<i64> = table
        .page(sides, &by_id, 0, 100)
        .iter()
        .map(|r| r.db_id.as_deref().unwrap().parse().unwrap())
        .collect();
    let mut in_order = ids.clone();
    in_order.sort_unstable();
    assert_eq!(ids, in_order, "user_id in number order (10 after 9)");
    let forth = table.select(sides, &Query::default());
    let back = table.select(sides, &query("", &[], SortKey::Category, true));
    let mut reversed = table.page(sides, &forth, 0, 100);
    reversed.reverse();
    assert_eq!(
        table.page(sides, &back, 0, 100),
        reversed,
        "descending by category is the diff's order backwards"
    );
    let paged = table.page(sides, &back, back.len() - 2, 10);
    assert_eq!(paged.len(), 2, "a page past the end is short, not an error");
}

#[test]
fn a_detail_shows_both_sides_and_marks_what_differs() {
    let (clerk, db) = world();
    let sides = Sides {
        clerk: &clerk,
        db: &db,
    };
    let table = table(&clerk, &db);
    let zen = table.select(sides, &query(ZEN_ID, &[], SortKey::Category, false));
    let detail = table.detail(sides, zen.rows()[0]).unwrap();
    assert!(
        detail.in_clerk && detail.in_database,
        "the placeholder row pairs Zena's Clerk user with the webhook's document"
    );
    let name = detail.fields.iter().find(|f| f.label == "Name").unwrap();
    assert_eq!(name.clerk.as_deref(), Some("Zena Morgan"));
    assert!(
        name.differs,
        "the placeholder name differs from Clerk's: {name:?}"
    );
    assert!(!detail.reasons.is_empty(), "every reason in words");
    assert_eq!(
        detail.subject.clerk_id.as_deref(),
        Some(ZEN_ID),
        "a matched row's actions name its Clerk user"
    );
    let local = table.select(
        sides,
        &query("", &[Category::LocalOnly], SortKey::Category, false),
    );
    let local = table.detail(sides, local.rows()[0]).unwrap();
    assert!(
        local.subject.clerk_id.is_none() && local.subject.doc_id.is_some(),
        "a row without a Clerk user is named by its document alone: {:?}",
        local.subject
    );
    assert!(
        table.detail(sides, u32::MAX).is_none(),
        "an unknown row is None"
    );
}

#[test]
fn the_chart_counts_missing_users_by_sign_up_day() {
    let (mut clerk, db) = world();
    // Two more missing users, two days after the report's missing one.
    for (i, id) in [
        "user_2qS7tOorK3vB9wXhL1mPz6yQeN1",
        "user_2qS7tOorK3vB9wXhL1mPz6yQeN2",
    ]
    .into_iter()
    .enumerate()
    {
        let mut user = clerk[2].clone();
        user.id = id.into();
        user.primary_email = Some(format!("later{i}@example.com"));
        user.created_at += 2 * 86_400_000;
        clerk.push(user);
    }
    let sides = Sides {
        clerk: &clerk,
        db: &db,
    };
    let table = table(&clerk, &db);
    let days = table.missing_by_day(sides, 90);
    assert_eq!(
        days.iter().map(|d| d.count).collect::<Vec<_>>(),
        [1, 0, 2],
        "every day from the first to the last, the empty one included: {days:?}"
    );
    assert_eq!(days[0].day, "2025-08-27", "UTC calendar days");
    assert_eq!(
        table.missing_by_day(sides, 1).len(),
        1,
        "capped to the latest days"
    );
}

#[test]
fn index_in_finds_only_elements_of_the_slice() {
    let items = [10_u64, 20, 30];
    assert_eq!(index_in(&items, &items[2]), Some(2));
    let elsewhere = 20_u64;
    assert_eq!(index_in(&items, &elsewhere), None, "not an element");
}

#[test]
fn a_table_built_in_parts_keeps_the_diffs_order_and_records() {
    // Enough users for several parts (each at least 4,096 entries), lower and upper case ids.
    let (template, db) = world();
    let clerk: Vec<ClerkUser> = (0..20_000)
        .map(|i| {
            let mut user = template[2].clone();
            user.id = format!("user_2qS7tOorK3vB9wXhL{i:09}");
            user.primary_email = Some(format!("Person{i}@Example.com"));
            user
        })
        .collect();
    let sides = Sides {
        clerk: &clerk,
        db: &db,
    };
    let diff = diff_users(&clerk, &db, &DiffContext::default());
    let table = DiffTable::new(&diff, sides);
    assert_eq!(
        table.len(),
        diff.entries.len(),
        "no row lost or doubled across parts"
    );
    let all = table.select(sides, &Query::default());
    let rows = table.page(sides, &all, 0, table.len());
    for (view, entry) in rows.iter().zip(&diff.entries) {
        assert_eq!(
            (view.category, view.email.as_deref()),
            (
                entry.category,
                entry
                    .clerk
                    .and_then(|u| u.primary_email.as_deref())
                    .or_else(|| entry.db.and_then(|d| d.email.as_deref()))
            ),
            "row {} reads the record its entry matched, in the diff's order",
            view.row
        );
    }
    let found = table.select(
        sides,
        &query("person19999@example", &[], SortKey::Category, false),
    );
    assert_eq!(
        found.len(),
        1,
        "the last part's search text is lower-cased too"
    );
}
