//! Unit tests of the diff: one small case per category and per precedence rule.

use mongodb::bson::Bson;

use super::*;
use crate::user::DocId;

// Hash collisions in the index.
mod collisions;
// Overlaps: duplicates, made-up ids, production-only signals.
mod precedence;
// Big enough inputs to take the two-thread path.
mod threads;

fn id(n: u32) -> String {
    format!("user_2o9QUL1HBjwFSVmJt9Jo1y{n:04}")
}

fn clerk(n: u32, email: Option<&str>) -> ClerkUser {
    ClerkUser {
        id: id(n),
        primary_email: email.map(Into::into),
        emails: email.into_iter().map(Into::into).collect(),
        first_name: Some("Ada".into()),
        last_name: Some(format!("Number{n}")),
        username: None,
        external_id: None,
        banned: false,
        created_at: 1_755_900_000_000,
        updated_at: 1_755_900_000_000,
    }
}

fn doc(n: i64, clerk_id: Option<&str>, email: Option<&str>, name: Option<&str>) -> DbUser {
    DbUser {
        doc_id: DocId::from(Bson::Int64(n)),
        user_id: Some(n),
        clerk_id: clerk_id.map(Into::into),
        email: email.map(Into::into),
        name: name.map(Into::into),
        username: None,
        auth_provider: Some(if clerk_id.is_some() { "clerk" } else { "local" }.into()),
        active: Some(true),
        status: Some("active".into()),
        app_fields: Default::default(),
        problems: vec![],
    }
}

fn only(diff: &UserDiff<'_>) -> (Category, Vec<Reason>) {
    assert_eq!(
        diff.entries.len(),
        1,
        "one user in, one entry out: {:#?}",
        diff.entries
    );
    (diff.entries[0].category, diff.entries[0].reasons.clone())
}

const DEV: DiffContext = DiffContext { production: false };
const PROD: DiffContext = DiffContext { production: true };

#[test]
fn matched_users_are_in_sync_or_drift_field_by_field() {
    let users = [clerk(1, Some("ada1@example.com"))];
    let same = [doc(
        1,
        Some(&id(1)),
        Some("ADA1@example.com"),
        Some("Ada Number1"),
    )];
    assert_eq!(
        only(&diff_users(&users, &same, &DEV)),
        (Category::InSync, vec![]),
        "all agree"
    );
    let moved = [doc(
        1,
        Some(&id(1)),
        Some("old@example.com"),
        Some("Ada Number1"),
    )];
    let (category, reasons) = only(&diff_users(&users, &moved, &DEV));
    assert_eq!(
        category,
        Category::Drift,
        "matched by id, the email changed in Clerk"
    );
    assert_eq!(
        reasons,
        vec![Reason::FieldDiffers {
            field: Field::Email,
            clerk: "ada1@example.com".into(),
            db: Some("old@example.com".into())
        }],
        "only the field that differs is listed"
    );
}

#[test]
fn unmatched_users_are_missing_orphaned_or_local_only() {
    let users = [clerk(1, None)];
    let (category, reasons) = only(&diff_users(&users, &[], &DEV));
    assert_eq!(category, Category::Missing);
    assert_eq!(
        reasons,
        vec![Reason::NotInDatabase, Reason::NoEmailInClerk],
        "phone-only user"
    );
    let gone = [doc(2, Some(&id(2)), Some("gone@example.com"), None)];
    let (category, reasons) = only(&diff_users(&[], &gone, &DEV));
    assert_eq!(
        category,
        Category::Orphaned,
        "a real-shaped id Clerk does not know"
    );
    assert_eq!(reasons, vec![Reason::NotInClerk { clerk_id: id(2) }]);
    let mut soft_deleted = gone[0].clone();
    soft_deleted.active = Some(false);
    let (category, reasons) = only(&diff_users(&[], &[soft_deleted], &DEV));
    assert_eq!(
        category,
        Category::Orphaned,
        "still orphaned, but the plan has nothing to do"
    );
    assert!(reasons.contains(&Reason::AlreadyDeactivated), "{reasons:?}");
    let local = [doc(
        3,
        None,
        Some("bella.trattoria@example.com"),
        Some("Bella"),
    )];
    assert_eq!(
        only(&diff_users(&[], &local, &DEV)),
        (Category::LocalOnly, vec![Reason::NotFromClerk]),
        "a seeded local account is left alone"
    );
}

#[test]
fn the_reports_clerk_n_placeholder_with_a_matching_email_is_a_link() {
    let users = [clerk(1, Some("shay@example.com"))];
    let made_up = [doc(
        34,
        Some("clerk_34"),
        Some("Shay@example.com"),
        Some("shay"),
    )];
    let (category, reasons) = only(&diff_users(&users, &made_up, &DEV));
    assert_eq!(
        category,
        Category::Link,
        "same email, placeholder Clerk id: link it"
    );
    assert_eq!(
        reasons[0],
        Reason::MatchedByEmail {
            email: "shay@example.com".into()
        }
    );
    assert_eq!(
        reasons[1],
        Reason::PlaceholderClerkId {
            clerk_id: "clerk_34".into()
        }
    );
    assert!(
        matches!(
            reasons[2],
            Reason::FieldDiffers {
                field: Field::Name,
                ..
            }
        ),
        "the link also brings the name from Clerk: {reasons:?}"
    );
    let no_id = [doc(5, None, Some("shay@example.com"), Some("Ada Number1"))];
    let (category, reasons) = only(&diff_users(&users, &no_id, &DEV));
    assert_eq!(
        category,
        Category::Link,
        "a local account of someone who signed up in Clerk"
    );
    assert_eq!(
        reasons,
        vec![Reason::MatchedByEmail {
            email: "shay@example.com".into()
        }]
    );
}

#[test]
fn order_is_by_category_then_key_whatever_the_input_order() {
    let users = [
        clerk(3, Some("c@example.com")),
        clerk(1, Some("a@example.com")),
    ];
    let docs = [
        doc(7, None, Some("z@example.com"), None),
        doc(6, None, Some("b@example.com"), None),
    ];
    let diff = diff_users(&users, &docs, &DEV);
    let keys: Vec<(Category, String)> = (diff.entries.iter())
        .map(|e| (e.category, e.key().into_owned()))
        .collect();
    let (id1, id3) = (id(1), id(3));
    assert_eq!(
        keys,
        vec![
            (Category::Missing, id1),
            (Category::Missing, id3),
            (Category::LocalOnly, "b@example.com".into()),
            (Category::LocalOnly, "z@example.com".into()),
        ],
        "sorted, not in input order"
    );
    assert_eq!(
        DiffContext::for_secret_key("sk_live_abc"),
        PROD,
        "live keys are production"
    );
    assert_eq!(DiffContext::for_secret_key("sk_test_abc"), DEV);
}

#[test]
fn json_lines_have_the_documented_shape() {
    let users = [clerk(1, Some("ada@example.com"))];
    let diff = diff_users(&users, &[], &DEV);
    let mut out = Vec::new();
    diff.write_json_lines(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 1, "one line per user");
    assert!(
        text.starts_with(&format!(
            r#"{{"category":"missing","key":"{}","reasons":["#,
            id(1)
        )),
        "the stable field order: category, key, reasons, clerk, db: {text}"
    );
    let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    let mut keys: Vec<&str> = line
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["category", "clerk", "db", "key", "reasons"],
        "the stable field set"
    );
    assert_eq!(line["category"], "missing");
    assert_eq!(line["reasons"][0]["reason"], "not_in_database");
    assert_eq!(
        line["clerk"]["primary_email"], "ada@example.com",
        "the Clerk record in full"
    );
    assert!(line["db"].is_null(), "no document for a missing user");
}

#[test]
fn a_clerk_user_listed_twice_counts_once_as_its_newest_copy() {
    let old = clerk(1, Some("ada.old@example.com"));
    let mut new = clerk(1, Some("ada@example.com"));
    new.updated_at += 1;
    let users = [new.clone(), old];
    let docs = [doc(1, None, Some("ada.old@example.com"), None)];
    let diff = diff_users(&users, &docs, &DEV);
    assert_eq!(
        diff.counts.missing, 1,
        "the newest copy has no document: {:#?}",
        diff.entries
    );
    assert_eq!(
        diff.entries[0].clerk,
        Some(&new),
        "and it is the copy shown"
    );
    assert_eq!(
        diff.counts.local_only, 1,
        "the stale copy's old email matches nobody any more, so the document is local"
    );
}

#[test]
fn an_entry_stays_small_enough_to_move_a_million_of() {
    assert!(
        std::mem::size_of::<DiffEntry<'_>>() <= 48,
        "the diff sorts and merges a million entries; the README promises 48 bytes, not {}",
        std::mem::size_of::<DiffEntry<'_>>()
    );
}

#[test]
fn a_clerk_user_with_a_blank_id_is_still_listed() {
    let mut blank = clerk(1, Some("ada@example.com"));
    blank.id = "  ".into();
    let (users, docs) = ([blank], [doc(1, Some(" "), Some("bob@example.com"), None)]);
    let diff = diff_users(&users, &docs, &DEV);
    assert_eq!(
        diff.counts.missing, 1,
        "a blank id is still the user's own: it is missing, not dropped as a shadowed copy: {:#?}",
        diff.entries
    );
    assert_eq!(
        diff.counts.total(),
        2,
        "and the document's blank id matches nobody: {}",
        diff.counts
    );
}
