//! A diff big enough to be indexed, classified and sorted on two threads.

use super::*;
use crate::diff::order;

#[test]
fn large_diffs_split_across_threads_give_the_same_sorted_result() {
    let users: Vec<ClerkUser> = (0..12_000)
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
    docs.extend(
        (0..4_000).map(|n| doc(100_000 + n, None, Some(&format!("l{n}@example.com")), None)),
    );
    docs.reverse();
    assert!(
        users.len() + docs.len() >= PARALLEL_FROM,
        "big enough to use both threads"
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
        (4_000, 4_000, 4_000, 4_000),
        "a third of each kind: {}",
        diff.counts
    );
}
