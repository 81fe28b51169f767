//! `cargo xtask bench`: Syncdesk's performance targets, each measured side by side with its
//! baseline in the same run and reported as ratios (the machines are noisy; absolute times vary).
//!
//! Run one with `cargo xtask bench <name>`; with no name all run. Each bench prints its figures and
//! whether the target was met; the process exits non-zero if any target was missed.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

// 100,000 creates through apply, against a raw insert_many and the per-user approach.
mod apply;
// Part of `apply`: half a batch of creates colliding with documents already there.
mod collisions;
// The Clerk client fetching 200,000 sandbox users against a sequential pager.
mod clerk_fetch;
// Events/s through the listener vs straight upserts; verify-only requests/s.
mod webhook;
// The user diff at a million users, against a naive nested-loop diff.
mod diff;
// The Users view's table at a million rows: search keystrokes, sort, a jump to the end.
mod table;
// The same in the real window: first paint, keystrokes, a jump, peak memory.
mod window;
// Live updates in the real window: a signed POST to the listener until the row is repainted.
mod window_live;

/// A fresh, indexed users collection in database `name` (dropped first).
pub async fn fresh_store(uri: &str, name: &str) -> syncdesk::mongo::UserStore {
    let store = syncdesk::mongo::UserStore::connect(
        &syncdesk::secrets::Sensitive::new(uri.to_string()),
        name,
        syncdesk::mongo::FieldMapping::default(),
    )
    .await
    .unwrap();
    store.database().drop().await.unwrap();
    store.ensure_indexes().await.unwrap();
    store
}

/// A bench's verdict: a line per figure, and whether its targets held.
pub struct Outcome {
    pub lines: Vec<String>,
    pub met: bool,
}

type Bench = fn() -> Outcome;

/// Every bench, by name.
const BENCHES: &[(&str, Bench)] = &[
    ("apply", apply::run),
    ("clerk_fetch", clerk_fetch::run),
    ("diff", diff::run),
    ("table", table::run),
    ("webhook", webhook::run),
    ("window", window::run),
    ("window_live", window_live::run),
];

fn main() -> ExitCode {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut all_met = true;
    let mut ran = 0;
    for (name, bench) in BENCHES {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        ran += 1;
        println!("== {name}");
        let outcome = bench();
        for line in &outcome.lines {
            println!("   {line}");
        }
        println!("   target {}", if outcome.met { "MET" } else { "MISSED" });
        all_met &= outcome.met;
    }
    println!("{ran} benches run");
    if all_met {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
