//! The facts a diff is built on, and who claims which Clerk user.
//!
//! Clerk ids and emails are grouped across both sides (`keys`, one kind per thread), so the rest
//! of the diff works on plain arrays: which Clerk user has a document's id or email, how many
//! documents carry it. Each document then claims at most one Clerk user: by its Clerk id, else by
//! its email. O(n log n) for the sorts, linear otherwise; nothing is copied but the few emails
//! that need lower-casing, and the tables are dropped before entries are built.

use std::cmp::Ordering;

use super::both;
use super::keys::{Emails, Ids, KeyHash, Keys, Kind, NONE, Pairs, SEVERAL, first_byte};
use crate::user::{ClerkUser, DbUser};

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

/// Whether a document's claim holds up against the strings: its Clerk id is the user's, or its
/// email is the user's primary one. Always true of an index built with [`Pairs::Compared`].
pub fn confirms(claim: Claim, doc: &DbUser, clerk: &[ClerkUser]) -> bool {
    match claim {
        Claim::ById(c) => Ids::of_doc(doc) == Ids::of_clerk(&clerk[c]),
        Claim::ByEmail(c) => Emails::of_doc(doc) == Emails::of_clerk(&clerk[c]),
        Claim::Nothing => true,
    }
}

/// What [`Index::warm`] reads.
#[derive(Debug, Clone, Copy)]
pub enum Stage {
    Record,
    Strings,
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
    /// Groups ids and emails on two threads (one kind each), then combines them per document.
    pub fn build(clerk: &[ClerkUser], db: &[DbUser], rules: (Pairs, KeyHash)) -> Self {
        let (ids, emails) = both(
            clerk.len() + db.len(),
            || Keys::build::<Ids>(clerk, db, rules),
            || Keys::build::<Emails>(clerk, db, rules),
        );
        let mut shadowed = vec![true; clerk.len()];
        for &owner in &ids.owners {
            shadowed[owner as usize] = false;
        }
        let docs = ids
            .of_doc
            .iter()
            .zip(&emails.of_doc)
            .map(|(&(id_owner, same_id), &(email_owner, same_email))| {
                let by_email = match email_owner {
                    c @ (NONE | SEVERAL) => c,
                    c if shadowed[c as usize] => NONE,
                    c => c,
                };
                let claim = match (id_owner, by_email) {
                    (NONE, NONE | SEVERAL) => Claim::Nothing,
                    (NONE, c) => Claim::ByEmail(c as usize),
                    (c, _) => Claim::ById(c as usize),
                };
                DocFacts {
                    claim,
                    same_id,
                    same_email,
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

    /// Reads ahead for document `d`: its Clerk user's record and claimants (`Stage::Record`),
    /// or that user's id, email and name (`Stage::Strings`, once the record is in cache). The
    /// loop classifying documents calls this for documents a little ahead, so their cache misses
    /// overlap the work on the documents before them instead of each stalling in turn. Returns a
    /// value to keep the reads from being optimised away.
    pub fn warm(&self, d: usize, clerk: &[ClerkUser], stage: Stage) -> usize {
        let Some(Claim::ById(c) | Claim::ByEmail(c)) = self.docs.get(d).map(|f| f.claim) else {
            return 0;
        };
        let user = &clerk[c];
        match stage {
            Stage::Record => {
                user.id.len()
                    ^ user.last_name.as_ref().map_or(0, String::len)
                    ^ self.clerk[c].by_id as usize
            }
            Stage::Strings => {
                let bytes = [
                    first_byte(Some(&user.id)),
                    first_byte(user.primary_email.as_deref()),
                    first_byte(user.last_name.as_deref()),
                ];
                bytes.into_iter().fold(0, |a, b| a ^ b as usize)
            }
        }
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

/// A total order on documents for tie-breaks: sequential id (absent last), then document id.
pub fn doc_order(a: &DbUser, b: &DbUser) -> Ordering {
    let user_id = |d: &DbUser| (d.user_id.is_none(), d.user_id);
    user_id(a)
        .cmp(&user_id(b))
        .then_with(|| a.doc_id.to_string().cmp(&b.doc_id.to_string()))
}
