//! A diff big enough to be indexed, classified and sorted on two threads, in several units of
//! work each.

use super::*;
use crate::diff::order;

#[test]
fn large_diffs_split_across_threads_give_the_same_sorted_result() {
    let users: Vec<ClerkUser> = (0..3 * UNIT as u32)
        .map(|n| clerk(n, Some(&format!("ada{n}@example.com"))))
        .collect();
    let mut docs: Vec<DbUser> = users
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 3 != 0)
        .map(|(n, u)| {
            let name = if n % 3 == 1 {
                u.full_name()
            } else {
                Some("Old Name".into())
            };
            doc(
                n as i64,
                Some(&u.id),
                u.primary_email.as_deref(),
                name.as_deref(),
            )
        })
        .collect();
    docs.extend((0..UNIT as i64).map(|n| {
        doc(
            1_000_000 + n,
            None,
            Some(&format!("l{n}@example.com")),
            None,
        )
    }));
    docs.reverse();
    assert!(
        users.len() + docs.len() >= PARALLEL_FROM && docs.len() > 2 * UNIT,
        "big enough to use both threads, several units each"
    );
    let diff = diff_users(&users, &docs, &DEV);
    assert!(
        diff.entries
            .windows(2)
            .all(|w| order::full(&w[0], &w[1]).is_le()),
        "the merged halves are in order"
    );
    let counts = (
        diff.counts.missing,
        diff.counts.in_sync,
        diff.counts.drift,
        diff.counts.local_only,
    );
    assert_eq!(
        counts,
        (UNIT, UNIT, UNIT, UNIT),
        "a third of each kind: {}",
        diff.counts
    );
    let compared = diff_with(&users, &docs, &DEV, (Pairs::Compared, KeyHash::Seeded)).0;
    assert_eq!(
        diff, compared,
        "pairs trusted on their hash, then confirmed, give the diff of pairs compared up front"
    );
}
