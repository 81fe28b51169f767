//! Properties over generated data: every user in exactly one category, a deterministic order,
//! and a sync that leaves nothing Clerk-owned out of step.

use std::collections::HashMap;

use syncdesk::diff::{Category, Reason, diff_users};
use syncdesk::sync::{SyncPolicy, plan};

use super::generated::{Rng, ctx, generate};
use super::{apply, json_lines};

#[test]
fn every_user_lands_in_exactly_one_category() {
    let mut seen_categories = std::collections::BTreeSet::new();
    for seed in 0..300 {
        let (clerk, db) = generate(seed);
        let diff = diff_users(&clerk, &db, &ctx(seed));
        seen_categories.extend(diff.entries.iter().map(|e| e.category));
        for doc in &db {
            let seen: Vec<Category> = diff
                .entries
                .iter()
                .filter(|e| e.db.is_some_and(|d| std::ptr::eq(d, doc)))
                .map(|e| e.category)
                .collect();
            assert_eq!(
                seen.len(),
                1,
                "seed {seed}: document {} is in {seen:?}",
                doc.doc_id
            );
        }
        for user in &clerk {
            let seen = diff
                .entries
                .iter()
                .filter(|e| e.clerk.is_some_and(|c| c.id == user.id))
                .count();
            assert_eq!(
                seen, 1,
                "seed {seed}: Clerk user {} appears {seen} times",
                user.id
            );
        }
        assert_eq!(
            diff.counts.total(),
            diff.entries.len(),
            "seed {seed}: counts cover every entry"
        );
        for category in Category::ALL {
            let n = diff.in_category(category).count();
            assert_eq!(
                diff.counts.get(category),
                n,
                "seed {seed}: the {category} count is its entries"
            );
        }
        for entry in &diff.entries {
            assert!(
                (entry.category == Category::InSync) == entry.reasons.is_empty(),
                "seed {seed}: only in-sync entries have no reason: {entry:?}"
            );
        }
    }
    assert_eq!(
        seen_categories.len(),
        Category::ALL.len(),
        "the generated data covers every category: {seen_categories:?}"
    );
}

#[test]
fn the_diff_is_deterministic_whatever_the_input_order() {
    for seed in 0..100 {
        let (mut clerk, mut db) = generate(seed);
        let first = json_lines(&diff_users(&clerk, &db, &ctx(seed)));
        assert_eq!(
            first,
            json_lines(&diff_users(&clerk, &db, &ctx(seed))),
            "seed {seed}: same in, same out"
        );
        let mut rng = Rng(seed ^ 0xdead_beef);
        rng.shuffle(&mut clerk);
        rng.shuffle(&mut db);
        let shuffled = diff_users(&clerk, &db, &ctx(seed));
        assert_eq!(
            first,
            json_lines(&shuffled),
            "seed {seed}: input order does not matter"
        );
        let order: Vec<_> = shuffled
            .entries
            .iter()
            .map(|e| (e.category, e.key().into_owned()))
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] <= w[1]),
            "seed {seed}: sorted by category then key"
        );
    }
}

#[test]
fn applying_the_plan_leaves_every_clerk_owned_field_in_sync() {
    for seed in 0..300 {
        let (clerk, mut db) = generate(seed);
        let before = plan(&diff_users(&clerk, &db, &ctx(seed)), &SyncPolicy::default());
        let app_fields: HashMap<String, syncdesk::user::AppFields> = db
            .iter()
            .map(|d| (d.doc_id.to_string(), d.app_fields.clone()))
            .collect();
        apply(&mut db, &before);
        let after = diff_users(&clerk, &db, &ctx(seed));
        let again = plan(&after, &SyncPolicy::default());
        for entry in &after.entries {
            let doc_id = entry.db.map(|d| &d.doc_id);
            let left_to_a_person = again.skipped.iter().any(|s| s.doc_id.as_ref() == doc_id);
            let differs = entry
                .reasons
                .iter()
                .any(|r| matches!(r, Reason::FieldDiffers { .. }));
            assert!(
                !differs || left_to_a_person,
                "seed {seed}: Clerk-owned fields differ after apply, and not for a person: {entry:?}"
            );
            assert!(
                !matches!(
                    entry.category,
                    Category::Missing | Category::Drift | Category::Link
                ),
                "seed {seed}: apply settles every missing, drift and link user: {entry:?}"
            );
        }
        for d in &db {
            if let Some(old) = app_fields.get(&d.doc_id.to_string()) {
                assert_eq!(
                    &d.app_fields, old,
                    "seed {seed}: app-owned fields are never written"
                );
            }
        }
        assert!(
            again.ops.is_empty(),
            "seed {seed}: a second sync has nothing to do: {again}"
        );
        for skipped in &before.skipped {
            assert!(
                again.skipped.contains(skipped),
                "seed {seed}: what needed a person still does, untouched: {skipped:?}"
            );
        }
    }
}
