//! The seven categories every user lands in, their output order, and the per-category counts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a user stands. The declaration order is the output order of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// In Clerk, not in the database.
    Missing,
    /// The document's Clerk id is not in Clerk (deleted there).
    Orphaned,
    /// Matched by Clerk id, but Clerk-owned fields differ.
    Drift,
    /// Same email, but the document has no Clerk id or a placeholder one.
    Link,
    /// Placeholders, ids that are not Clerk ids, test addresses, duplicates: look before syncing.
    Suspicious,
    /// A database user that never came from Clerk: left alone.
    LocalOnly,
    /// Matched, and every Clerk-owned field agrees.
    InSync,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Missing,
        Category::Orphaned,
        Category::Drift,
        Category::Link,
        Category::Suspicious,
        Category::LocalOnly,
        Category::InSync,
    ];

    /// The `--json` / `--only` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Missing => "missing",
            Category::Orphaned => "orphaned",
            Category::Drift => "drift",
            Category::Link => "link",
            Category::Suspicious => "suspicious",
            Category::LocalOnly => "local_only",
            Category::InSync => "in_sync",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A category name that is not one of the seven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown category {0:?}: use missing, orphaned, drift, link, suspicious, local_only or in_sync"
)]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;

    /// Accepts the JSON spelling and the dashed one (`local-only`), in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| UnknownCategory(s.to_string()))
    }
}

/// How many users are in each category; every category is always present in the JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub missing: usize,
    pub orphaned: usize,
    pub drift: usize,
    pub link: usize,
    pub suspicious: usize,
    pub local_only: usize,
    pub in_sync: usize,
}

impl Counts {
    pub fn get(&self, category: Category) -> usize {
        match category {
            Category::Missing => self.missing,
            Category::Orphaned => self.orphaned,
            Category::Drift => self.drift,
            Category::Link => self.link,
            Category::Suspicious => self.suspicious,
            Category::LocalOnly => self.local_only,
            Category::InSync => self.in_sync,
        }
    }

    pub fn add(&mut self, category: Category) {
        let slot = match category {
            Category::Missing => &mut self.missing,
            Category::Orphaned => &mut self.orphaned,
            Category::Drift => &mut self.drift,
            Category::Link => &mut self.link,
            Category::Suspicious => &mut self.suspicious,
            Category::LocalOnly => &mut self.local_only,
            Category::InSync => &mut self.in_sync,
        };
        *slot += 1;
    }

    pub fn total(&self) -> usize {
        Category::ALL.into_iter().map(|c| self.get(c)).sum()
    }
}

impl fmt::Display for Counts {
    /// `missing 1, orphaned 0, …`: the one-line summary under a diff.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, category) in Category::ALL.into_iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{category} {}", self.get(category))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_in_both_spellings_and_round_trip() {
        for category in Category::ALL {
            assert_eq!(
                category.as_str().parse::<Category>(),
                Ok(category),
                "its own name parses"
            );
            let json = serde_json::to_string(&category).unwrap();
            assert_eq!(
                json,
                format!("\"{category}\""),
                "JSON and --only use the same word"
            );
        }
        assert_eq!(
            "Local-Only".parse(),
            Ok(Category::LocalOnly),
            "dashes and case are forgiven"
        );
        assert!(
            "orphan".parse::<Category>().is_err(),
            "a near miss is refused, not guessed"
        );
    }

    #[test]
    fn counts_add_up_and_print_in_category_order() {
        let mut counts = Counts::default();
        counts.add(Category::Missing);
        counts.add(Category::LocalOnly);
        counts.add(Category::LocalOnly);
        assert_eq!(counts.total(), 3, "one count per added user");
        assert_eq!(
            counts.to_string(),
            "missing 1, orphaned 0, drift 0, link 0, suspicious 0, local_only 2, in_sync 0",
            "every category is shown, zeros included, in output order"
        );
    }
}
