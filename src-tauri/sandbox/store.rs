//! The sandbox's in-memory user set, ordered by (`created_at`, id) like Clerk's cursor, with the
//! rendered JSON of each user kept beside it.
//!
//! Deleted users leave a tombstone with their position, so a `starting_after` cursor naming a
//! user deleted meanwhile still continues where it was (keyset semantics).

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use super::answer::ApiError;
use super::query::{Filters, ListQuery};
use super::user::SandboxUser;

type Key = (i64, String);

#[derive(Debug, Default)]
pub struct Store {
    users: BTreeMap<Key, (SandboxUser, Arc<str>)>,
    created_at: HashMap<String, i64>,
    tombstones: HashMap<String, i64>,
}

impl Store {
    pub fn new(users: Vec<SandboxUser>) -> Self {
        let mut store = Self::default();
        for user in users {
            store.put(user);
        }
        store
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Inserts or replaces a user (by id), re-rendering its JSON.
    pub fn put(&mut self, user: SandboxUser) -> Arc<str> {
        if let Some(old) = self.created_at.insert(user.id.clone(), user.created_at) {
            self.users.remove(&(old, user.id.clone()));
        }
        let json = user.render();
        self.users
            .insert((user.created_at, user.id.clone()), (user, json.clone()));
        json
    }

    pub fn get(&self, id: &str) -> Option<&SandboxUser> {
        let created_at = *self.created_at.get(id)?;
        self.users
            .get(&(created_at, id.to_string()))
            .map(|(u, _)| u)
    }

    pub fn remove(&mut self, id: &str) -> Option<SandboxUser> {
        let created_at = self.created_at.remove(id)?;
        self.tombstones.insert(id.to_string(), created_at);
        self.users
            .remove(&(created_at, id.to_string()))
            .map(|(u, _)| u)
    }

    /// The id of the user holding this address (case-insensitive), if any.
    pub fn email_owner(&self, address: &str) -> Option<&str> {
        self.users
            .values()
            .find(|(u, _)| {
                u.emails
                    .iter()
                    .any(|e| e.address.eq_ignore_ascii_case(address))
            })
            .map(|(u, _)| u.id.as_str())
    }

    /// The ids of every user, in (`created_at`, id) order.
    pub fn ids(&self) -> Vec<String> {
        self.users.keys().map(|(_, id)| id.clone()).collect()
    }

    /// The id of the `n`-th user in (`created_at`, id) order.
    pub fn nth_id(&self, n: usize) -> Option<String> {
        self.users.keys().nth(n).map(|(_, id)| id.clone())
    }

    pub fn count(&self, filters: &Filters) -> usize {
        if *filters == Filters::default() {
            return self.users.len();
        }
        self.candidates(filters, None, false).count()
    }

    /// One page of rendered users for a `GET /users` query.
    pub fn list(&self, query: &ListQuery) -> Result<Vec<Arc<str>>, ApiError> {
        if query.order_field == "created_at" {
            let cursor = match &query.starting_after {
                Some(id) => Some(self.cursor_key(id)?),
                None => None,
            };
            return Ok(self
                .candidates(&query.filters, cursor, query.descending)
                .skip(query.offset)
                .take(query.limit)
                .map(|(_, json)| json.clone())
                .collect());
        }
        let mut matching: Vec<&(SandboxUser, Arc<str>)> =
            self.candidates(&query.filters, None, false).collect();
        matching.sort_by(|(a, _), (b, _)| {
            sort_value(a, &query.order_field).cmp(&sort_value(b, &query.order_field))
        });
        if query.descending {
            matching.reverse();
        }
        Ok(matching
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .map(|(_, json)| json.clone())
            .collect())
    }

    fn cursor_key(&self, id: &str) -> Result<Key, ApiError> {
        let created_at = self.created_at.get(id).or_else(|| self.tombstones.get(id));
        created_at.map(|t| (*t, id.to_string())).ok_or_else(|| {
            ApiError::unprocessable("starting_after", "does not name a user of this instance")
        })
    }

    /// Users matching `filters` in `created_at` order, after the cursor when there is one; the
    /// `created_at` bounds narrow the walk itself.
    fn candidates<'a>(
        &'a self,
        filters: &'a Filters,
        cursor: Option<Key>,
        descending: bool,
    ) -> Box<dyn Iterator<Item = &'a (SandboxUser, Arc<str>)> + 'a> {
        let mut low = match filters.created_at_after {
            Some(t) => Bound::Included((t.saturating_add(1), String::new())),
            None => Bound::Unbounded,
        };
        let mut high = match filters.created_at_before {
            Some(t) => Bound::Excluded((t, String::new())),
            None => Bound::Unbounded,
        };
        if let Some(key) = cursor {
            if descending {
                if bound_above(&high, &key) {
                    high = Bound::Excluded(key);
                }
            } else if bound_below(&low, &key) {
                low = Bound::Excluded(key);
            }
        }
        if let (Bound::Included(l) | Bound::Excluded(l), Bound::Included(h) | Bound::Excluded(h)) =
            (&low, &high)
            && l >= h
        {
            return Box::new(std::iter::empty());
        }
        let range = self.users.range((low, high)).map(|(_, v)| v);
        let plain = !filters.beyond_created_at();
        let keep = move |(user, _): &&(SandboxUser, Arc<str>)| plain || filters.matches(user);
        if descending {
            Box::new(range.rev().filter(keep))
        } else {
            Box::new(range.filter(keep))
        }
    }
}

/// Whether `key` is at or above the current lower bound (so excluding it narrows the walk).
fn bound_below(low: &Bound<Key>, key: &Key) -> bool {
    match low {
        Bound::Included(l) | Bound::Excluded(l) => key >= l,
        Bound::Unbounded => true,
    }
}

fn bound_above(high: &Bound<Key>, key: &Key) -> bool {
    match high {
        Bound::Included(h) | Bound::Excluded(h) => key <= h,
        Bound::Unbounded => true,
    }
}

/// The value a non-`created_at` ordering sorts by (then `created_at`, then id, for stability).
fn sort_value(user: &SandboxUser, field: &str) -> (Option<String>, i64, String) {
    let text = match field {
        "email_address" => user.primary_email().map(str::to_lowercase),
        "first_name" => user.first_name.as_ref().map(|s| s.to_lowercase()),
        "last_name" => user.last_name.as_ref().map(|s| s.to_lowercase()),
        "username" => user.username.clone(),
        "phone_number" => user.phones.first().map(|p| p.number.clone()),
        "updated_at" => Some(format!("{:020}", user.updated_at)),
        "last_active_at" | "last_sign_in_at" => user.last_sign_in_at.map(|t| format!("{t:020}")),
        _ => None,
    };
    (text, user.created_at, user.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::generate::generated;

    fn ids(page: &[Arc<str>]) -> Vec<String> {
        page.iter()
            .map(|json| {
                serde_json::from_str::<serde_json::Value>(json).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_cursor_on_a_deleted_user_continues_where_it_was() {
        let mut store = Store::new(generated(30, 6));
        let all = store.ids();
        store.remove(&all[9]);
        let query = ListQuery::parse(&format!(
            "order_by=%2Bcreated_at&limit=5&starting_after={}",
            all[9]
        ))
        .unwrap();
        assert_eq!(
            ids(&store.list(&query).unwrap()),
            all[10..15],
            "keyset cursor: the tombstone keeps its position"
        );
        let newest_first =
            ListQuery::parse(&format!("limit=3&starting_after={}", all[20])).unwrap();
        let expected: Vec<String> = all[17..20].iter().rev().cloned().collect();
        assert_eq!(
            ids(&store.list(&newest_first).unwrap()),
            expected,
            "-created_at walks backwards from the cursor"
        );
    }

    #[test]
    fn an_unknown_cursor_is_a_422() {
        let store = Store::new(generated(3, 6));
        let query = ListQuery::parse("starting_after=user_nobody").unwrap();
        assert_eq!(
            store.list(&query).unwrap_err().status,
            422,
            "a cursor must name a user of the instance"
        );
    }
}
