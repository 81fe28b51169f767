//! The watch: which users went newly missing or orphaned between two reads, for the window's
//! notification. Pure: the keys of two reads in, the difference out.

use std::collections::BTreeSet;

use serde::Serialize;

/// The users a read found missing (by Clerk id) and orphaned (by document id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watched {
    pub missing: BTreeSet<String>,
    pub orphaned: BTreeSet<String>,
}

/// What a new read found that the one before did not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Newly {
    /// Clerk ids of the users newly missing from the database.
    pub missing: Vec<String>,
    /// Document ids of the documents newly orphaned.
    pub orphaned: Vec<String>,
}

impl Newly {
    pub fn between(before: &Watched, after: &Watched) -> Self {
        Self {
            missing: after.missing.difference(&before.missing).cloned().collect(),
            orphaned: after
                .orphaned
                .difference(&before.orphaned)
                .cloned()
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.orphaned.is_empty()
    }

    /// The notification's title and body, naming how many; `None` when there is nothing new.
    pub fn message(&self, label: &str) -> Option<(String, String)> {
        let count = |n: usize, one: &str, many: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        };
        let parts: Vec<String> = [
            (!self.missing.is_empty()).then(|| {
                count(
                    self.missing.len(),
                    "user newly missing from the database",
                    "users newly missing from the database",
                )
            }),
            (!self.orphaned.is_empty()).then(|| {
                count(
                    self.orphaned.len(),
                    "document newly orphaned (its user was deleted in Clerk)",
                    "documents newly orphaned (their users were deleted in Clerk)",
                )
            }),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            return None;
        }
        Some((
            format!("Syncdesk: {}", parts.join("; ")),
            format!("{label}: open Syncdesk to review them and sync."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(missing: &[&str], orphaned: &[&str]) -> Watched {
        Watched {
            missing: missing.iter().map(|s| s.to_string()).collect(),
            orphaned: orphaned.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn only_what_is_new_since_the_last_read_counts() {
        let before = watched(&["user_a", "user_b"], &["7"]);
        let after = watched(&["user_b", "user_c", "user_d"], &["7", "9"]);
        let newly = Newly::between(&before, &after);
        assert_eq!(
            newly.missing,
            ["user_c", "user_d"],
            "user_a was fixed, user_b was known"
        );
        assert_eq!(newly.orphaned, ["9"]);
        let (title, body) = newly.message("profile prod (production)").unwrap();
        assert_eq!(
            title,
            "Syncdesk: 2 users newly missing from the database; 1 document newly orphaned (its user was deleted in Clerk)"
        );
        assert!(body.starts_with("profile prod (production): "), "{body}");
        assert!(
            Newly::between(&after, &after).message("x").is_none(),
            "the same read again notifies nothing"
        );
    }
}
