//! `diff`: 1,000,000 Clerk users against 1,000,000 documents in memory (target: under 1 s and a
//! process peak under 1.5 GB), and the ratio to a naive nested-loop diff, measured on 5,000 ×
//! 5,000 in the same run and extrapolated quadratically.

use std::hint::black_box;
use std::time::{Duration, Instant};

use mongodb::bson::{Bson, oid::ObjectId};
use syncdesk::diff::{DiffContext, diff_users};
use syncdesk::sync::{SyncPolicy, plan};
use syncdesk::user::{ClerkUser, DbUser, DocId};

use super::Outcome;

const USERS: usize = 1_000_000;
const NAIVE_USERS: usize = 5_000;
/// Timings are the best of this many runs: the machine is shared and noisy.
const RUNS: usize = 3;
const TARGET_TIME: Duration = Duration::from_secs(1);
const TARGET_PEAK_BYTES: u64 = 1_500 * 1024 * 1024;

pub fn run() -> Outcome {
    let ctx = DiffContext::default();
    let (clerk, kinds) = generate(USERS, 7);
    let mut db = documents(&clerk, &kinds, 7);
    let inputs = proc_status("VmRSS").unwrap_or(0);
    let mut lines = vec![format!(
        "{USERS} Clerk users x {} documents; inputs take {:.0} MiB as ClerkUser/DbUser",
        db.len(),
        mib(inputs)
    )];
    let mut met = true;
    let mut rng = Rng(99);
    let mut elapsed_worst = Duration::ZERO;
    for layout in [
        Layout::SignupOrder,
        Layout::RandomOrder,
        Layout::ShuffledInPlace,
    ] {
        match layout {
            Layout::SignupOrder => {}
            Layout::RandomOrder => {
                // As read from the database in an order unrelated to Clerk's: each document's
                // strings are allocated as it is read, next to the document before it.
                drop(db);
                let mut shuffled = kinds.clone();
                rng.shuffle(&mut shuffled);
                db = documents(&clerk, &shuffled, 7);
            }
            Layout::ShuffledInPlace => rng.shuffle(&mut db),
        }
        let mut elapsed = Duration::MAX;
        let mut growth = Some(0);
        for _ in 0..RUNS {
            let before = proc_status("VmRSS").unwrap_or(0);
            reset_peak();
            let start = Instant::now();
            let diff = black_box(diff_users(&clerk, &db, &ctx));
            elapsed = elapsed.min(start.elapsed());
            let peak = proc_status("VmHWM").map(|peak| peak.saturating_sub(before));
            growth = growth.zip(peak).map(|(a, b)| a.max(b));
            drop(diff);
        }
        let diff = diff_users(&clerk, &db, &ctx);
        let start = Instant::now();
        let ops = plan(&diff, &SyncPolicy::default()).ops.len();
        let plan_time = start.elapsed();
        let targeted = !matches!(layout, Layout::ShuffledInPlace);
        if targeted {
            met &= elapsed < TARGET_TIME;
            elapsed_worst = elapsed_worst.max(elapsed);
        }
        lines.push(format!(
            "{}: diff {elapsed:.2?} (best of {RUNS}; {}), the diff's own memory {}; plan of {ops} operations {plan_time:.2?}",
            layout.describe(),
            if targeted { "target < 1 s" } else { "no target" },
            growth.map_or("unknown".into(), |g| format!("{:.0} MiB", mib(g)))
        ));
        lines.push(format!("  categories: {}", diff.counts));
    }
    let peak = proc_status("VmHWM").unwrap_or(u64::MAX);
    met &= peak < TARGET_PEAK_BYTES;
    lines.push(format!(
        "the process's peak, inputs included: {:.0} MiB (target < 1500 MiB)",
        mib(peak)
    ));
    drop((clerk, db));
    lines.extend(naive_comparison(&ctx, elapsed_worst));
    Outcome { lines, met }
}

/// How the documents lie relative to Clerk's users and in memory.
#[derive(Clone, Copy)]
enum Layout {
    /// As webhooks insert them: the order Clerk lists users in.
    SignupOrder,
    /// In an order unrelated to Clerk's (bulk imports, re-created documents), as read.
    RandomOrder,
    /// The vector shuffled after its strings were allocated: every field is a cache miss. The app
    /// never lays documents out like this (it allocates them as it reads), so it has no target.
    ShuffledInPlace,
}

impl Layout {
    fn describe(self) -> &'static str {
        match self {
            Self::SignupOrder => "documents in signup order",
            Self::RandomOrder => "documents in random order, as read",
            Self::ShuffledInPlace => "documents shuffled in place (pathological memory layout)",
        }
    }
}

/// The indexed diff and the naive nested loops on the same 5,000 x 5,000 users, and the naive
/// time extrapolated (quadratically) to a million.
fn naive_comparison(ctx: &DiffContext, indexed_1m: Duration) -> Vec<String> {
    let (clerk, kinds) = generate(NAIVE_USERS, 11);
    let db = documents(&clerk, &kinds, 11);
    let best = |f: &dyn Fn() -> usize| {
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                black_box(f());
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let small = diff_users(&clerk, &db, ctx);
    let indexed = best(&|| diff_users(&clerk, &db, ctx).entries.len());
    let naive = best(&|| naive_missing(&clerk, &db));
    let naive_missing = naive_missing(&clerk, &db);
    assert_eq!(
        naive_missing, small.counts.missing,
        "both diffs find the same missing users"
    );
    let extrapolated = naive.as_secs_f64() * (USERS as f64 / NAIVE_USERS as f64).powi(2);
    vec![
        format!(
            "naive nested loops, {NAIVE_USERS} x {NAIVE_USERS}: {naive:.2?}; indexed diff {indexed:.2?} \
             ({:.0}x faster at this size)",
            naive.as_secs_f64() / indexed.as_secs_f64()
        ),
        format!(
            "naive extrapolated to {USERS} x {USERS}: {extrapolated:.0} s = {:.0}x the indexed diff \
             (worst case)",
            extrapolated / indexed_1m.as_secs_f64()
        ),
    ]
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The baseline: find each Clerk user's document by scanning all documents (id, then email).
fn naive_missing(clerk: &[ClerkUser], db: &[DbUser]) -> usize {
    clerk
        .iter()
        .filter(|user| {
            let by_id = db
                .iter()
                .any(|d| d.clerk_id.as_deref() == Some(user.id.as_str()));
            let by_email = || {
                let email = user.primary_email.as_deref().unwrap_or_default();
                db.iter().any(|d| {
                    d.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
                        && d.clerk_id
                            .as_deref()
                            .is_none_or(|id| !syncdesk::diff::is_clerk_id(id))
                })
            };
            !by_id && !by_email()
        })
        .count()
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
    /// A Clerk-shaped id: `user_` and 27 letters and digits.
    fn clerk_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut id = String::with_capacity(32);
        id.push_str("user_");
        id.extend((0..27).map(|_| ALPHABET[self.below(62) as usize] as char));
        id
    }
}

/// What a generated document is, before it is built.
#[derive(Clone, Copy)]
pub enum Kind {
    InSync,
    Drift,
    Link,
    Placeholder,
    Orphan,
    Local,
}

/// `n` Clerk users and `n` documents: ~72% in sync, 8% drift, 4% link, 1.5% suspicious
/// (placeholders, duplicates), 14.5% missing; the remaining documents orphaned (60%) or local
/// (40%). The kinds come in signup order (as webhooks insert them), Clerk-made ones first.
pub fn generate(n: usize, seed: u64) -> (Vec<ClerkUser>, Vec<(Kind, usize)>) {
    let mut rng = Rng(seed);
    let clerk: Vec<ClerkUser> = (0..n).map(|i| clerk_user(&mut rng, i)).collect();
    let mut kinds: Vec<(Kind, usize)> = Vec::with_capacity(n);
    for c in 0..n {
        match rng.below(1000) {
            0..720 => kinds.push((Kind::InSync, c)),
            720..800 => kinds.push((Kind::Drift, c)),
            800..840 => kinds.push((Kind::Link, c)),
            840..850 => kinds.push((Kind::Placeholder, c)),
            850..855 => kinds.extend([(Kind::InSync, c), (Kind::InSync, c)]),
            _ => {}
        }
    }
    while kinds.len() < n {
        let kind = if rng.below(10) < 6 {
            Kind::Orphan
        } else {
            Kind::Local
        };
        kinds.push((kind, kinds.len()));
    }
    (clerk, kinds)
}

/// The documents of `kinds`, built (and their strings allocated) in that order.
pub fn documents(clerk: &[ClerkUser], kinds: &[(Kind, usize)], seed: u64) -> Vec<DbUser> {
    let mut rng = Rng(seed ^ 0x5eed);
    kinds
        .iter()
        .map(|&(kind, c)| {
            let user = clerk.get(c);
            let id = || user.map(|u| u.id.clone());
            let email = || user.and_then(|u| u.primary_email.clone());
            let name = || user.and_then(ClerkUser::full_name);
            let username = user.and_then(|u| u.username.clone());
            let mut doc = match kind {
                Kind::InSync => document(&mut rng, id(), email(), name()),
                Kind::Drift => document(&mut rng, id(), email(), Some(format!("Former {c}"))),
                Kind::Link => document(&mut rng, None, email().map(|e| e.to_uppercase()), name()),
                Kind::Placeholder => {
                    let placeholder =
                        id().map(|id| format!("{}@placeholder.example.com", &id[..13]));
                    document(&mut rng, id(), placeholder, name())
                }
                Kind::Orphan => {
                    let id = rng.clerk_id();
                    document(
                        &mut rng,
                        Some(id),
                        Some(format!("gone{c}@example.com")),
                        None,
                    )
                }
                Kind::Local => {
                    let email = Some(format!("local{c}@example.com"));
                    document(&mut rng, None, email, Some(format!("Local {c}")))
                }
            };
            if !matches!(kind, Kind::Orphan | Kind::Local) {
                doc.username = username;
            }
            doc
        })
        .collect()
}

fn clerk_user(rng: &mut Rng, i: usize) -> ClerkUser {
    let email = format!("person{i}@example.com");
    ClerkUser {
        id: rng.clerk_id(),
        primary_email: Some(email.clone()),
        emails: vec![email],
        first_name: Some("Ada".into()),
        last_name: Some(format!("Person{i}")),
        username: i.is_multiple_of(3).then(|| format!("person{i}")),
        external_id: None,
        banned: false,
        created_at: 1_755_900_000_000 + i as i64,
        updated_at: 1_755_900_000_000 + i as i64,
    }
}

/// A document as `mongo::to_user` reads it: ObjectId, sequential id, the app's role/phone/address.
fn document(
    rng: &mut Rng,
    clerk_id: Option<String>,
    email: Option<String>,
    name: Option<String>,
) -> DbUser {
    let mut oid = [0u8; 12];
    oid[..8].copy_from_slice(&rng.next().to_be_bytes());
    let user_id = rng.below(1 << 40) as i64;
    DbUser {
        doc_id: DocId::from(Bson::ObjectId(ObjectId::from_bytes(oid))),
        user_id: Some(user_id),
        auth_provider: Some(if clerk_id.is_some() { "clerk" } else { "local" }.into()),
        clerk_id,
        email,
        name,
        username: None,
        active: Some(true),
        status: Some("active".into()),
        app_fields: [
            ("role".to_string(), serde_json::Value::Null),
            ("phone".to_string(), serde_json::json!("")),
            ("address".to_string(), serde_json::json!("")),
        ]
        .into_iter()
        .collect(),
        problems: vec![],
    }
}

/// A field of /proc/self/status in bytes (`VmRSS`, `VmHWM`), when the system has one.
pub fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resets VmHWM to the current RSS, so the peak read after the diff is the diff's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
