//! Grouping equal keys (Clerk ids, or emails) across both sides, and who owns each.
//!
//! Sort-based: every key is hashed once in input order, the `(hash, position)` pairs are sorted,
//! and each run of equal hashes is one key. Memory is read in order except to check a run, so this
//! runs at streaming speed where a hash table waits on a cache miss or three per probe (measured
//! at a million users a side: about 3× faster).

use std::borrow::Cow;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;

use super::fields::{email_key, present};
use crate::user::{ClerkUser, DbUser};

/// No Clerk user / no value.
pub const NONE: u32 = u32::MAX;
/// Several Clerk users share the email.
pub const SEVERAL: u32 = u32::MAX - 1;

/// Marks a document's position in a `(hash, position)` pair; Clerk users' positions are plain.
/// Positions are 31 bits: up to 2^31 - 1 users a side (about 400 GB of loaded users).
const DOC: u32 = 1 << 31;

/// How many users ahead of the one being hashed its string is read, in batches of `HASH_BATCH`:
/// the reads of a batch are issued together, so their cache misses overlap instead of queueing.
const HASH_AHEAD: usize = 16;
const HASH_BATCH: usize = 8;

/// How sure the grouping is of a one-to-one match (one Clerk user and one document with the
/// same key hash, by far the most common group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairs {
    /// Equal 64-bit hashes pair them; the caller confirms each claim against the strings (see
    /// [`super::index::confirms`]). Comparing here would cost a cache miss per user on each side.
    Hashed,
    /// The strings are compared here: the grouping is exact.
    Compared,
}

/// How keys are hashed: foldhash, freshly seeded for each grouping. It resists only casual
/// collisions, which is enough: a collision costs a rebuild or a split, never a wrong result.
#[derive(Debug, Clone, Copy)]
pub enum KeyHash {
    Seeded,
    /// By length only: everything of a length collides (tests of the collision paths).
    #[cfg(test)]
    Length,
}

impl KeyHash {
    fn hasher(self) -> impl Fn(&str) -> u64 {
        let seeded = RandomState::default();
        move |key| match self {
            Self::Seeded => seeded.hash_one(key),
            #[cfg(test)]
            Self::Length => key.len() as u64,
        }
    }
}

/// One kind of key: which field holds it on each side, its matching form, and which of several
/// Clerk users with it owns it.
pub trait Kind {
    type Key<'a>: AsRef<str> + Ord;
    fn clerk_field(user: &ClerkUser) -> Option<&str>;
    fn doc_field(doc: &DbUser) -> Option<&str>;
    fn key(field: &str) -> Option<Self::Key<'_>>;
    /// The owner once user `i` is found to share the key `kept` owns so far.
    fn owner_of(clerk: &[ClerkUser], kept: u32, i: usize) -> u32;
    /// Whether [`Keys::owners`] is wanted (a Clerk user that owns no id is a shadowed copy).
    const OWNERS: bool;

    fn of_clerk(user: &ClerkUser) -> Option<Self::Key<'_>> {
        Self::clerk_field(user).and_then(Self::key)
    }
    fn of_doc(doc: &DbUser) -> Option<Self::Key<'_>> {
        Self::doc_field(doc).and_then(Self::key)
    }
}

/// Clerk ids, trimmed. A Clerk id listed twice (a page read twice) belongs to the newer copy.
pub struct Ids;

impl Kind for Ids {
    type Key<'a> = &'a str;
    fn clerk_field(user: &ClerkUser) -> Option<&str> {
        Some(&user.id)
    }
    fn doc_field(doc: &DbUser) -> Option<&str> {
        doc.clerk_id.as_deref()
    }
    fn key(field: &str) -> Option<&str> {
        present(Some(field))
    }
    /// Every Clerk user has an id, even a blank one: it must still own it, or it would be taken
    /// for a shadowed copy and never listed. (A document's blank id is no id.)
    fn of_clerk(user: &ClerkUser) -> Option<&str> {
        Some(user.id.trim())
    }
    const OWNERS: bool = true;
    fn owner_of(clerk: &[ClerkUser], kept: u32, i: usize) -> u32 {
        if clerk[i].updated_at > clerk[kept as usize].updated_at {
            i as u32
        } else {
            kept
        }
    }
}

/// Primary emails, trimmed and lower-cased. An email several Clerk users have belongs to none.
pub struct Emails;

impl Kind for Emails {
    type Key<'a> = Cow<'a, str>;
    fn clerk_field(user: &ClerkUser) -> Option<&str> {
        user.primary_email.as_deref()
    }
    fn doc_field(doc: &DbUser) -> Option<&str> {
        doc.email.as_deref()
    }
    fn key(field: &str) -> Option<Cow<'_, str>> {
        present(Some(field)).map(email_key)
    }
    const OWNERS: bool = false;
    fn owner_of(clerk: &[ClerkUser], kept: u32, i: usize) -> u32 {
        let same = kept != SEVERAL && clerk[kept as usize].id.trim() == clerk[i].id.trim();
        if same {
            Ids::owner_of(clerk, kept, i)
        } else {
            SEVERAL
        }
    }
}

/// One kind of key grouped across both sides.
pub struct Keys {
    /// Per document: the Clerk user with its key (`NONE`, or `SEVERAL` for an email several
    /// share), and how many documents carry the key (0 when it has none).
    pub of_doc: Vec<(u32, u32)>,
    /// The owner of each key some Clerk user has, in no particular order (ids only).
    pub owners: Vec<u32>,
}

impl Keys {
    /// Groups the keys of kind `K`. A run of equal hashes holding one Clerk user and one document
    /// is one key (checked here only under [`Pairs::Compared`]); any other run of several is
    /// checked string by string and, should the strings differ (a collision), split by sorting it
    /// by key. Owners are folded in Clerk order.
    pub fn build<K: Kind>(clerk: &[ClerkUser], db: &[DbUser], rules: (Pairs, KeyHash)) -> Self {
        let (pairs_rule, key_hash) = rules;
        let hash = key_hash.hasher();
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(clerk.len() + db.len());
        let mut warmth = 0;
        for (i, user) in clerk.iter().enumerate() {
            if i % HASH_BATCH == 0 {
                let batch = clerk.iter().skip(i + HASH_AHEAD).take(HASH_BATCH);
                warmth ^= batch.fold(0, |w, u| w ^ first_byte(K::clerk_field(u)));
            }
            if let Some(key) = K::of_clerk(user) {
                pairs.push((hash(key.as_ref()), i as u32));
            }
        }
        for (d, doc) in db.iter().enumerate() {
            if d % HASH_BATCH == 0 {
                let batch = db.iter().skip(d + HASH_AHEAD).take(HASH_BATCH);
                warmth ^= batch.fold(0, |w, doc| w ^ first_byte(K::doc_field(doc)));
            }
            if let Some(key) = K::of_doc(doc) {
                pairs.push((hash(key.as_ref()), d as u32 | DOC));
            }
        }
        std::hint::black_box(warmth);
        pairs.sort_unstable();
        // Read again only to check a run, which is rare: keeping every key would cost more.
        let key = |position: u32| match position & DOC {
            0 => K::of_clerk(&clerk[position as usize]),
            _ => K::of_doc(&db[(position & !DOC) as usize]),
        };
        let mut keys = Self {
            of_doc: vec![(NONE, 0); db.len()],
            owners: Vec::new(),
        };
        let mut positions = Vec::new();
        for run in pairs.chunk_by(|a, b| a.0 == b.0) {
            positions.clear();
            positions.extend(run.iter().map(|pair| pair.1));
            let checked = match positions[..] {
                [_] => false,
                [user, doc] if user & DOC == 0 && doc & DOC != 0 => pairs_rule == Pairs::Compared,
                _ => true,
            };
            let same = || {
                let first = key(positions[0]);
                positions[1..].iter().all(|&p| key(p) == first)
            };
            if !checked || same() {
                keys.group::<K>(clerk, &positions);
            } else {
                positions.sort_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
                for same in positions.chunk_by(|&a, &b| key(a) == key(b)) {
                    keys.group::<K>(clerk, same);
                }
            }
        }
        keys
    }

    /// Records one key's members: Clerk users first (in order), then documents.
    fn group<K: Kind>(&mut self, clerk: &[ClerkUser], members: &[u32]) {
        let users = members.iter().take_while(|&&p| p & DOC == 0);
        let owner = users.fold(NONE, |kept, &i| match kept {
            NONE => i,
            kept => K::owner_of(clerk, kept, i as usize),
        });
        if K::OWNERS && owner != NONE {
            self.owners.push(owner);
        }
        let docs = members.iter().filter(|&&p| p & DOC != 0);
        let count = docs.clone().count() as u32;
        for &d in docs {
            self.of_doc[(d & !DOC) as usize] = (owner, count);
        }
    }
}

/// The first byte of a string, read so that it is in cache by the time it is needed.
pub fn first_byte(field: Option<&str>) -> u8 {
    field
        .and_then(|f| f.as_bytes().first())
        .copied()
        .unwrap_or(0)
}
