//! Keys whose hashes collide: the index groups by string in the end, whatever the hash says.

use super::*;
use crate::diff::index::{Claim, Index, confirms};
use crate::diff::keys::{KeyHash, Pairs};

/// A Clerk user and a document whose ids differ but are the same length (so the test hash pairs
/// them), with emails that differ too.
fn a_false_pair() -> (Vec<ClerkUser>, Vec<DbUser>) {
    let mut user = clerk(1, Some("ada@example.com"));
    user.id = "user_shortA".into();
    let doc = doc(7, Some("user_shortB"), Some("bob@example.com"), None);
    (vec![user], vec![doc])
}

#[test]
fn a_trusted_hash_pair_is_caught_by_the_confirmation() {
    let (users, docs) = a_false_pair();
    let trusted = Index::build(&users, &docs, (Pairs::Hashed, KeyHash::Length));
    assert_eq!(
        trusted.docs[0].claim,
        Claim::ById(0),
        "same hash, one user and one document: paired on trust"
    );
    assert!(
        !confirms(trusted.docs[0].claim, &docs[0], &users),
        "the strings differ, so the claim does not hold up"
    );
    let compared = Index::build(&users, &docs, (Pairs::Compared, KeyHash::Length));
    assert_eq!(
        compared.docs[0].claim,
        Claim::Nothing,
        "compared, the document claims nobody"
    );
    assert_eq!(compared.clerk[0].total(), 0, "and the user is unclaimed");
}

#[test]
fn colliding_hashes_give_the_same_diff_as_the_seeded_hash() {
    let (mut users, mut docs) = a_false_pair();
    for n in 1..=6 {
        users.push(clerk(n, Some(&format!("ada{n}@example.com"))));
    }
    // A page read twice (the newer copy stands) and an email two Clerk users share.
    let mut newer = clerk(1, Some("ada1@example.com"));
    newer.updated_at += 1;
    users.push(newer);
    users.push(clerk(7, Some("ada6@example.com")));
    docs.extend([
        doc(
            1,
            Some(&id(1)),
            Some("ada1@example.com"),
            Some("Ada Number1"),
        ),
        doc(2, Some(&id(2)), Some("ada2@example.com"), Some("Old Name")),
        doc(3, None, Some("ADA3@example.com"), Some("Ada Number3")),
        doc(4, Some(&id(4)), Some("ada4@example.com"), None),
        doc(5, Some(&id(4)), Some("ada4@example.com"), None),
        doc(6, None, Some("ada6@example.com"), None),
        doc(8, Some(&id(99)), Some("gone@example.com"), None),
        doc(9, None, Some("local@example.com"), Some("Local")),
    ]);
    let seeded = diff_users(&users, &docs, &DEV);
    let by_length = diff_hashed(&users, &docs, &DEV, KeyHash::Length);
    assert_eq!(
        by_length, seeded,
        "every id is the same length and many emails are: grouping still goes by string"
    );
    assert!(
        seeded.counts.missing >= 2 && seeded.counts.suspicious >= 3,
        "the mix covers missing users and duplicates: {}",
        seeded.counts
    );
}
