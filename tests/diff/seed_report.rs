//! The seed report's scenario: one missing user, the two placeholder entries, 31 local users.

use std::borrow::Cow;

use syncdesk::diff::{Category, DiffContext, Reason, diff_users};
use syncdesk::mongo::{FieldMapping, to_user};
use syncdesk::scenario::{self, CN_ID, MISSING_ID, ZEN_ID};
use syncdesk::sync::{SyncOp, SyncPolicy, plan};
use syncdesk::user::{ClerkUser, DbUser};

use super::apply;

fn seed_report() -> (Vec<ClerkUser>, Vec<DbUser>) {
    let mapping = FieldMapping::default();
    let docs = scenario::seed_report_documents(&mapping)
        .into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            d.insert("_id", format!("seed{i:02}"));
            to_user(&d, &mapping)
        })
        .collect();
    (scenario::seed_report_clerk_users(), docs)
}

#[test]
fn the_seed_report_shows_one_missing_two_suspicious_and_31_local_users() {
    let (clerk, db) = seed_report();
    let diff = diff_users(&clerk, &db, &DiffContext::default());
    let counts = diff.counts;
    assert_eq!(
        (counts.missing, counts.suspicious, counts.local_only),
        (1, 2, 31),
        "the report's numbers: {counts}"
    );
    assert_eq!(
        counts.total(),
        34,
        "33 documents and the user who never arrived, each once"
    );
    let missing: Vec<Cow<'_, str>> = diff
        .in_category(Category::Missing)
        .map(|e| e.key())
        .collect();
    assert_eq!(
        missing,
        [MISSING_ID],
        "the user who signed up but never reached the database"
    );
    for entry in diff.in_category(Category::Suspicious) {
        let id = entry.clerk.map(|c| c.id.as_str());
        assert!(
            id == Some(CN_ID) || id == Some(ZEN_ID),
            "matched by their real Clerk ids: {entry:?}"
        );
        assert!(
            entry
                .reasons
                .iter()
                .any(|r| matches!(r, Reason::PlaceholderEmail { .. })),
            "the placeholder email is named: {:?}",
            entry.reasons
        );
    }
    let plan = plan(&diff, &SyncPolicy::default());
    assert!(plan.skipped.is_empty(), "nothing needs a person: {plan}");
    let kinds: Vec<&str> = plan
        .ops
        .iter()
        .map(|op| match op {
            SyncOp::Create { .. } => "create",
            SyncOp::Update { .. } => "update",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["create", "update", "update"],
        "create the missing user, fix the two: {plan}"
    );
    let SyncOp::Update { changes, .. } = &plan.ops[2] else {
        unreachable!()
    };
    let email = changes
        .iter()
        .find(|c| c.field.as_str() == "email")
        .map(|c| c.to.as_str());
    assert_eq!(
        email,
        Some("zena.morgan@example.com"),
        "the real address replaces the placeholder"
    );
}

#[test]
fn the_seed_report_is_in_sync_after_one_sync() {
    let (clerk, mut db) = seed_report();
    let first = plan(
        &diff_users(&clerk, &db, &DiffContext::default()),
        &SyncPolicy::default(),
    );
    apply(&mut db, &first);
    let after = diff_users(&clerk, &db, &DiffContext::default());
    assert_eq!(
        (
            after.counts.in_sync,
            after.counts.local_only,
            after.counts.total()
        ),
        (3, 31, 34),
        "the two fixed users and the new one are in sync, the 31 local ones untouched: {}",
        after.counts
    );
}
