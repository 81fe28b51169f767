//! Derived usernames made unique: a username that a fallback made (`ada` of `ada@example.com`)
//! may already belong to another document (`ada@example.org`), or to another user the same plan
//! writes, and backends often require usernames to be unique. A taken name becomes `ada_2`,
//! `ada_3`, … `ada_9`, then `ada_` and the end of the Clerk id, then the whole Clerk id.
//!
//! Sync knows every document (its diff holds them all); the listener and manual creation see only
//! a few, so they first ask the database who holds the names (`holders_for`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::plan::{SyncOp, SyncPlan};
use crate::diff::{Field, UserDiff, present};
use crate::mongo::{Error, UserStore};

/// Who holds each username already: username → the Clerk ids of the documents holding it (the
/// empty string for a document without one).
pub type Holders = BTreeMap<String, BTreeSet<String>>;

/// How many numbered names are tried after the plain one.
const NUMBERED: usize = 8;

/// The names tried for `base`, in order: `base`, then `base_2` … `base_9`.
pub fn candidates(base: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(base.to_string()).chain((2..2 + NUMBERED).map(move |n| format!("{base}_{n}")))
}

/// A username for `clerk_id` from `base` that no other user holds in `holders` (a name held
/// only by this user's own document is its own), recorded there as taken.
pub fn unique(base: &str, clerk_id: &str, holders: &mut Holders) -> String {
    let free = |name: &str| {
        holders
            .get(name)
            .is_none_or(|owners| owners.iter().all(|owner| owner == clerk_id))
    };
    // Made only when every numbered name is taken.
    let last_resorts = || {
        let tail: String = clerk_id
            .chars()
            .skip(clerk_id.chars().count().saturating_sub(8))
            .collect();
        [
            format!("{base}_{}", tail.to_lowercase()),
            format!("{base}_{clerk_id}"),
        ]
    };
    let chosen = candidates(base)
        .find(|name| free(name))
        .or_else(|| last_resorts().into_iter().find(|name| free(name)))
        .unwrap_or_else(|| clerk_id.to_string());
    claim(holders, &chosen, clerk_id);
    chosen
}

fn claim(holders: &mut Holders, name: &str, clerk_id: &str) {
    holders
        .entry(name.to_string())
        .or_default()
        .insert(clerk_id.to_string());
}

/// Who holds each username among the documents of `diff` that matters for `bases` (a base or one
/// of its numbered names): a million documents are scanned without copying their usernames.
pub fn holders_in(diff: &UserDiff<'_>, bases: &[String]) -> Holders {
    let bases: HashSet<&str> = bases.iter().map(String::as_str).collect();
    let mut holders = Holders::new();
    for doc in diff.entries.iter().filter_map(|e| e.db) {
        if let Some(name) = present(doc.username.as_deref())
            && matters(name, &bases)
        {
            let owner = present(doc.clerk_id.as_deref()).unwrap_or_default();
            claim(&mut holders, name, owner);
        }
    }
    holders
}

/// Whether `name` is one of `bases`, a name made from one (`base_…`, the Clerk-id last resorts
/// included), or a bare Clerk id (the very last resort).
fn matters(name: &str, bases: &HashSet<&str>) -> bool {
    bases.contains(name)
        || name
            .match_indices('_')
            .any(|(i, _)| bases.contains(&name[..i]))
        || crate::diff::is_clerk_id(name)
}

/// Who in the database holds `bases`, and the numbered names of those that are taken: two
/// lookups at most, for the listener and manual creation, which see only a few documents.
pub async fn holders_for(store: &UserStore, bases: &[String]) -> Result<Holders, Error> {
    if bases.is_empty() {
        return Ok(Holders::new());
    }
    let mut holders = store.username_holders(bases).await?;
    let numbered: Vec<String> = bases
        .iter()
        .filter(|base| holders.contains_key(base.as_str()))
        .flat_map(|base| candidates(base).skip(1).collect::<Vec<_>>())
        .collect();
    if !numbered.is_empty() {
        holders.extend(store.username_holders(&numbered).await?);
    }
    Ok(holders)
}

impl SyncPlan {
    /// The usernames the plan derives from fallbacks (each once), to look up in the database.
    pub fn derived_usernames(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .ops
            .iter()
            .filter_map(|op| written_username(op).filter(|(_, _, derived)| *derived))
            .map(|(_, name, _)| name.to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Gives every derived username a name that no document in `holders` and no other user of
    /// this plan holds (the plan's own Clerk usernames count first), in plan order.
    pub fn make_usernames_unique(&mut self, holders: &mut Holders) {
        let bases = self.derived_usernames();
        self.make_unique_among(&bases, holders);
    }

    /// `make_usernames_unique` with the plan's derived usernames already worked out.
    pub(super) fn make_unique_among(&mut self, bases: &[String], holders: &mut Holders) {
        let bases: HashSet<&str> = bases.iter().map(String::as_str).collect();
        for (clerk_id, name, derived) in self.ops.iter().filter_map(written_username) {
            if !derived && matters(name, &bases) {
                claim(holders, name, clerk_id);
            }
        }
        for op in &mut self.ops {
            let Some((clerk_id, base)) = written_username(op)
                .filter(|(_, _, derived)| *derived)
                .map(|(id, name, _)| (id.to_string(), name.to_string()))
            else {
                continue;
            };
            let chosen = unique(&base, &clerk_id, holders);
            match op {
                SyncOp::Create { fields, .. } => fields.username = Some(chosen),
                SyncOp::Update { changes, .. } => {
                    for change in changes.iter_mut().filter(|c| c.field == Field::Username) {
                        change.to.clone_from(&chosen);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The (Clerk id, username, derived from a fallback) an op writes, if it writes a username.
fn written_username(op: &SyncOp) -> Option<(&str, &str, bool)> {
    match op {
        SyncOp::Create {
            clerk_id,
            fields,
            derived,
            ..
        } => Some((
            clerk_id,
            present(fields.username.as_deref())?,
            derived.contains(&Field::Username),
        )),
        SyncOp::Update {
            clerk_id, changes, ..
        } => changes
            .iter()
            .find(|c| c.field == Field::Username)
            .map(|c| (clerk_id.as_str(), c.to.as_str(), c.derived)),
        SyncOp::Link {
            clerk_id, fields, ..
        } => Some((clerk_id, present(fields.username.as_deref())?, false)),
        SyncOp::Deactivate { .. } | SyncOp::Delete { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(pairs: &[(&str, &str)]) -> Holders {
        let mut holders = Holders::new();
        for (name, owner) in pairs {
            holders
                .entry((*name).to_string())
                .or_default()
                .insert((*owner).to_string());
        }
        holders
    }

    #[test]
    fn a_free_name_is_kept_and_a_taken_one_is_numbered() {
        let mut holders = held(&[("ada", "user_other"), ("ada_2", "")]);
        assert_eq!(unique("grace", "user_g", &mut holders), "grace");
        assert_eq!(
            unique("ada", "user_a", &mut holders),
            "ada_3",
            "ada and ada_2 belong to other documents"
        );
        assert_eq!(
            unique("ada", "user_b", &mut holders),
            "ada_4",
            "a name given out in this plan is taken for the next user"
        );
    }

    #[test]
    fn every_name_unique_may_choose_is_one_that_matters() {
        let bases: HashSet<&str> = ["ada"].into_iter().collect();
        let clerk_id = "user_2qS7tOorK3vB9wXhL1mPz6yQeNd";
        let mut all = Holders::new();
        let mut chosen = Vec::new();
        for _ in 0..12 {
            chosen.push(unique("ada", clerk_id, &mut all));
            all.entry(chosen[chosen.len() - 1].clone())
                .or_default()
                .insert("user_someone_else".into());
        }
        for name in &chosen {
            assert!(
                matters(name, &bases),
                "{name} is checked against the documents"
            );
        }
        assert!(!matters("grace", &bases), "other names are not collected");
    }

    #[test]
    fn a_users_own_document_does_not_take_its_name_from_it() {
        let mut holders = held(&[("ada", "user_a")]);
        assert_eq!(
            unique("ada", "user_a", &mut holders),
            "ada",
            "a rerun finds the name on the user's own document"
        );
    }

    #[test]
    fn when_every_numbered_name_is_taken_the_clerk_id_settles_it() {
        let mut holders = Holders::new();
        for name in candidates("ada") {
            holders.entry(name).or_default().insert("user_x".into());
        }
        assert_eq!(
            unique("ada", "user_2qS7tOorK3vB9wXhL1mPz6yQeNd", &mut holders),
            "ada_pz6yqend",
            "the Clerk id's last eight characters, lower-cased"
        );
    }
}
