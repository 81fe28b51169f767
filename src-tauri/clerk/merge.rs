//! Merging what the ranges fetched: oldest first, each user once (its latest version).

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use crate::user::ClerkUser;

/// Sorts oldest first and keeps each user once (its latest version); returns how many were
/// dropped. Sorting in place keeps the peak memory at one copy of the list.
pub fn dedup(users: &mut Vec<ClerkUser>) -> u64 {
    let before = users.len();
    users.sort_unstable_by(|a, b| {
        (a.created_at, &a.id, Reverse(a.updated_at)).cmp(&(
            b.created_at,
            &b.id,
            Reverse(b.updated_at),
        ))
    });
    users.dedup_by(|later, kept| later.id == kept.id);
    // A user whose created_at changed during the fetch sits at two places of the order.
    let mut seen = HashSet::with_capacity(users.len());
    let moved: HashSet<String> = users
        .iter()
        .filter(|u| !seen.insert(u.id.as_str()))
        .map(|u| u.id.clone())
        .collect();
    if !moved.is_empty() {
        let mut newest = HashMap::new();
        for user in users.iter().filter(|u| moved.contains(&u.id)) {
            let entry = newest.entry(user.id.clone()).or_insert(user.updated_at);
            *entry = (*entry).max(user.updated_at);
        }
        let mut kept = HashSet::new();
        users.retain(|u| {
            !moved.contains(&u.id)
                || (newest.get(&u.id) == Some(&u.updated_at) && kept.insert(u.id.clone()))
        });
    }
    (before - users.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_the_latest_version_once_in_order() {
        let user = |id: &str, created_at: i64, updated_at: i64| ClerkUser {
            id: id.into(),
            primary_email: None,
            emails: vec![],
            first_name: None,
            last_name: None,
            username: None,
            external_id: None,
            banned: false,
            created_at,
            updated_at,
        };
        let mut users = vec![
            user("b", 2, 5),
            user("a", 1, 1),
            user("b", 2, 9),
            user("c", 7, 3),
            user("c", 3, 4),
        ];
        assert_eq!(
            dedup(&mut users),
            2,
            "one copy of b and one of c are dropped"
        );
        let kept: Vec<(&str, i64)> = users
            .iter()
            .map(|u| (u.id.as_str(), u.updated_at))
            .collect();
        assert_eq!(
            kept,
            [("a", 1), ("b", 9), ("c", 4)],
            "oldest first, each user's latest version"
        );
    }
}
