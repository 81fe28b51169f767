//! Which category wins when several apply: duplicates, made-up ids, production-only signals.

use super::*;

#[test]
fn made_up_ids_without_a_clerk_user_are_suspicious() {
    let docs = [
        doc(1, Some("test_user"), Some("test@example.com"), None),
        doc(2, Some("auth0|5f1c2b"), Some("b@example.com"), None),
        doc(3, None, Some("c@example.com"), None),
    ];
    let mut docs = docs.to_vec();
    docs[2].auth_provider = Some("clerk".into());
    let diff = diff_users(&[], &docs, &DEV);
    assert_eq!(diff.counts.suspicious, 3, "{:#?}", diff.entries);
    let reasons: Vec<&Reason> = diff.entries.iter().map(|e| &e.reasons[0]).collect();
    assert!(reasons.contains(&&Reason::PlaceholderClerkId {
        clerk_id: "test_user".into()
    }));
    assert!(reasons.contains(&&Reason::NotAClerkId {
        clerk_id: "auth0|5f1c2b".into()
    }));
    assert!(
        reasons.contains(&&Reason::NoClerkId),
        "says clerk, has no id: {reasons:?}"
    );
}

#[test]
fn duplicates_are_suspicious_and_keep_each_user_once() {
    let users = [clerk(1, Some("ada@example.com"))];
    let docs = [
        doc(
            2,
            Some(&id(1)),
            Some("ada@example.com"),
            Some("Ada Number1"),
        ),
        doc(
            1,
            Some(&id(1)),
            Some("ada.old@example.com"),
            Some("Ada Number1"),
        ),
    ];
    let diff = diff_users(&users, &docs, &DEV);
    assert_eq!(
        diff.counts.suspicious, 2,
        "both copies need a person: {:#?}",
        diff.entries
    );
    assert_eq!(
        diff.counts.total(),
        2,
        "the Clerk user is paired, not also missing"
    );
    let paired: Vec<_> = diff.entries.iter().filter(|e| e.clerk.is_some()).collect();
    assert_eq!(paired.len(), 1, "the Clerk user appears once");
    assert_eq!(
        paired[0].db.and_then(|d| d.user_id),
        Some(1),
        "paired with the lowest user_id"
    );
    assert!(
        diff.entries.iter().all(|e| e
            .reasons
            .iter()
            .any(|r| matches!(r, Reason::DuplicateClerkId { count: 2, .. }))),
        "each copy says why"
    );
    let local_twin = [
        doc(
            1,
            Some(&id(1)),
            Some("ada@example.com"),
            Some("Ada Number1"),
        ),
        doc(2, None, Some("Ada@Example.com"), None),
    ];
    let diff = diff_users(&users, &local_twin, &DEV);
    assert_eq!(
        diff.counts.suspicious, 2,
        "same email twice: {:#?}",
        diff.entries
    );
    assert!(
        diff.entries.iter().all(|e| e
            .reasons
            .iter()
            .any(|r| matches!(r, Reason::SharedClerkUser { documents: 2, .. }))),
        "both documents belong to one Clerk user"
    );
}

#[test]
fn production_flags_test_addresses_and_development_ids() {
    let users = [clerk(1, Some("ada@example.com"))];
    let dev_copy = [doc(
        1,
        Some(&id(9)),
        Some("ada@example.com"),
        Some("Ada Number1"),
    )];
    let (category, reasons) = only(&diff_users(&users, &dev_copy, &PROD));
    assert_eq!(
        category,
        Category::Suspicious,
        "an id from elsewhere for a production user"
    );
    assert!(
        reasons.contains(&Reason::DevelopmentId { clerk_id: id(9) }),
        "{reasons:?}"
    );
    let (category, reasons) = only(&diff_users(&users, &dev_copy, &DEV));
    assert_eq!(
        category,
        Category::Suspicious,
        "in development it is still another user's email"
    );
    assert!(
        !reasons
            .iter()
            .any(|r| matches!(r, Reason::DevelopmentId { .. })),
        "{reasons:?}"
    );
    let tester = [doc(
        2,
        Some(&id(2)),
        Some("jo+clerk_test@example.com"),
        None,
    )];
    let (category, reasons) = only(&diff_users(&[], &tester, &PROD));
    assert_eq!(
        category,
        Category::Suspicious,
        "a test identity in production"
    );
    assert!(
        reasons.contains(&Reason::NotInClerk { clerk_id: id(2) }),
        "{reasons:?}"
    );
    let (category, _) = only(&diff_users(&[], &tester, &DEV));
    assert_eq!(
        category,
        Category::Orphaned,
        "test identities are normal in development"
    );
}
