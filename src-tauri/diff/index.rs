//! The lookup tables a diff is built on, and who claims which Clerk user.
//!
//! Every distinct Clerk id and every distinct email (both sides together) gets a dense number
//! from one hash lookup per value, so the rest of the diff works on plain arrays: which Clerk user
//! has the id or email, how many documents carry it. Each document then claims at most one Clerk
//! user: by its Clerk id, else by its email. O(n) overall; keys borrow from the inputs (emails are
//! copied only when they need lower-casing), and the tables are dropped before entries are built.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::hash_table::{Entry, HashTable};

use super::both;
use super::fields::{email_key, present};
use crate::user::{ClerkUser, DbUser};

/// No Clerk user / no value.
const NONE: u32 = u32::MAX;
/// Several Clerk users share the email.
const SEVERAL: u32 = u32::MAX - 1;

/// Dense numbers for distinct strings. The table holds only the 4-byte numbers (the keys sit in
/// a side vector, compared on a hash match), so it stays a few MB where a map of string keys
/// would be ~50 MB: most probes then hit the CPU cache instead of memory.
struct Numbering<K> {
    table: HashTable<u32>,
    keys: Vec<K>,
    hasher: RandomState,
}

impl<K: std::hash::Hash + Eq> Numbering<K> {
    fn with_capacity(n: usize) -> Self {
        Self {
            table: HashTable::with_capacity(n),
            keys: Vec::with_capacity(n),
            hasher: RandomState::default(),
        }
    }

    fn number(&mut self, key: K) -> u32 {
        let hash = self.hasher.hash_one(&key);
        let (keys, hasher) = (&self.keys, &self.hasher);
        match self.table.entry(
            hash,
            |&n| keys[n as usize] == key,
            |&n| hasher.hash_one(&keys[n as usize]),
        ) {
            Entry::Occupied(found) => *found.get(),
            Entry::Vacant(slot) => {
                let next = keys.len() as u32;
                slot.insert(next);
                self.keys.push(key);
                next
            }
        }
    }
}

/// What the diff knows about one document once both sides are indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocFacts {
    pub claim: Claim,
    /// Documents (this one included) with the same Clerk id, and with the same email.
    pub same_id: u32,
    pub same_email: u32,
    /// Several Clerk users have this document's email as their primary email.
    pub email_shared_in_clerk: bool,
}

/// The Clerk user a document belongs to, and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    ById(usize),
    ByEmail(usize),
    Nothing,
}

/// The documents that claim one Clerk user, and the one it is paired with.
#[derive(Debug, Clone, Copy, Default)]
pub struct Claimants {
    pub by_id: u32,
    pub by_email: u32,
    /// The document shown beside the Clerk user: an id claimant before an email one, then the
    /// lowest sequential id, then the lowest document id.
    pub chosen: Option<usize>,
}

impl Claimants {
    pub fn total(&self) -> u32 {
        self.by_id + self.by_email
    }
}

/// One kind of key (Clerk ids, or emails) numbered across both sides.
struct Keys {
    /// Per number: the Clerk user with it (`NONE`, or `SEVERAL` for an email several share).
    owner: Vec<u32>,
    /// Per number: how many documents carry it.
    docs: Vec<u32>,
    /// Per document: its number, or `NONE`.
    of_doc: Vec<u32>,
}

impl Keys {
    /// Numbers the Clerk users' keys (deciding owners with `owner_of`), then the documents'.
    fn build<'a, K: std::hash::Hash + Eq>(
        clerk: &'a [ClerkUser],
        db: &'a [DbUser],
        clerk_key: impl Fn(&'a ClerkUser) -> Option<K>,
        doc_key: impl Fn(&'a DbUser) -> Option<K>,
        owner_of: impl Fn(u32, usize) -> u32,
    ) -> Self {
        let mut numbering = Numbering::with_capacity(clerk.len() + db.len() / 4);
        let mut owner: Vec<u32> = Vec::with_capacity(clerk.len());
        for (i, user) in clerk.iter().enumerate() {
            let Some(key) = clerk_key(user) else { continue };
            let n = numbering.number(key) as usize;
            if n == owner.len() {
                owner.push(i as u32);
            } else {
                owner[n] = owner_of(owner[n], i);
            }
        }
        let mut docs = vec![0u32; owner.len()];
        let of_doc = db
            .iter()
            .map(|doc| {
                let Some(key) = doc_key(doc) else { return NONE };
                let n = numbering.number(key);
                if n as usize == docs.len() {
                    docs.push(0);
                }
                docs[n as usize] += 1;
                n
            })
            .collect();
        Self {
            owner,
            docs,
            of_doc,
        }
    }

    fn owner(&self, n: u32) -> u32 {
        self.owner.get(n as usize).copied().unwrap_or(NONE)
    }

    fn docs(&self, n: u32) -> u32 {
        self.docs.get(n as usize).copied().unwrap_or(0)
    }
}

/// Both sides indexed: facts per document, claimants per Clerk user.
pub struct Index {
    pub docs: Vec<DocFacts>,
    pub clerk: Vec<Claimants>,
    /// Clerk users repeated under the same id (a page read twice), left out: the most recently
    /// updated copy stands for them.
    pub shadowed: Vec<bool>,
}

impl Index {
    /// Numbers ids and emails on two threads (one kind each), then combines them per document.
    pub fn build(clerk: &[ClerkUser], db: &[DbUser]) -> Self {
        let newer = |kept: u32, i: usize| {
            let kept_user = &clerk[kept as usize];
            if clerk[i].updated_at > kept_user.updated_at {
                i as u32
            } else {
                kept
            }
        };
        let same_user = |kept: u32, i: usize| {
            let same = kept != SEVERAL && clerk[kept as usize].id.trim() == clerk[i].id.trim();
            if same { newer(kept, i) } else { SEVERAL }
        };
        let (ids, emails) = both(
            clerk.len() + db.len(),
            || Keys::build(clerk, db, clerk_id, doc_clerk_id, newer),
            || Keys::build(clerk, db, clerk_email, doc_email, same_user),
        );
        let mut shadowed = vec![true; clerk.len()];
        for &owner in &ids.owner {
            shadowed[owner as usize] = false;
        }
        let docs = ids
            .of_doc
            .iter()
            .zip(&emails.of_doc)
            .map(|(&id, &email)| {
                let by_email = match emails.owner(email) {
                    c @ (NONE | SEVERAL) => c,
                    c if shadowed[c as usize] => NONE,
                    c => c,
                };
                let claim = match (ids.owner(id), by_email) {
                    (NONE, NONE | SEVERAL) => Claim::Nothing,
                    (NONE, c) => Claim::ByEmail(c as usize),
                    (c, _) => Claim::ById(c as usize),
                };
                DocFacts {
                    claim,
                    same_id: ids.docs(id),
                    same_email: emails.docs(email),
                    email_shared_in_clerk: by_email == SEVERAL,
                }
            })
            .collect();
        let mut index = Self {
            docs,
            clerk: vec![Claimants::default(); clerk.len()],
            shadowed,
        };
        index.resolve_claims(db);
        index
    }

    /// Counts each Clerk user's claimants and picks the one it is paired with.
    fn resolve_claims(&mut self, db: &[DbUser]) {
        for (d, facts) in self.docs.iter().enumerate() {
            let (c, by_id) = match facts.claim {
                Claim::ById(c) => (c, true),
                Claim::ByEmail(c) => (c, false),
                Claim::Nothing => continue,
            };
            let slot = &mut self.clerk[c];
            let replaces = slot.chosen.is_none_or(|other| {
                let other_by_id = matches!(self.docs[other].claim, Claim::ById(_));
                by_id
                    .cmp(&other_by_id)
                    .then_with(|| doc_order(&db[other], &db[d]))
                    == Ordering::Greater
            });
            if by_id {
                slot.by_id += 1;
            } else {
                slot.by_email += 1;
            }
            if replaces {
                slot.chosen = Some(d);
            }
        }
    }
}

fn clerk_id(user: &ClerkUser) -> Option<&str> {
    Some(user.id.trim())
}

fn doc_clerk_id(doc: &DbUser) -> Option<&str> {
    present(doc.clerk_id.as_deref())
}

fn clerk_email(user: &ClerkUser) -> Option<Cow<'_, str>> {
    present(user.primary_email.as_deref()).map(email_key)
}

fn doc_email(doc: &DbUser) -> Option<Cow<'_, str>> {
    present(doc.email.as_deref()).map(email_key)
}

/// A total order on documents for tie-breaks: sequential id (absent last), then document id.
pub fn doc_order(a: &DbUser, b: &DbUser) -> Ordering {
    let user_id = |d: &DbUser| (d.user_id.is_none(), d.user_id);
    user_id(a)
        .cmp(&user_id(b))
        .then_with(|| a.doc_id.to_string().cmp(&b.doc_id.to_string()))
}
