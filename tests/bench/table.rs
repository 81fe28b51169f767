//! `table`: the Users view's table in Rust at a million rows: building it from the diff, a search
//! keystroke (select plus the first screenful, p50 and p95 over 50 keystrokes), a sort by email,
//! and a jump to the end. Targets are the window's (a keystroke under 50 ms at p50 and 100 ms at
//! p95): the core's share must sit well inside them, since IPC and painting come on top.

use std::time::{Duration, Instant};

use syncdesk::diff::{DiffContext, diff_users};
use syncdesk::table::{DiffTable, Query, Sides, SortKey};
use syncdesk::user::{ClerkUser, DbUser};

use super::Outcome;
use super::diff::{documents, generate, mib, proc_status};

const USERS: usize = 1_000_000;
const SCREEN: usize = 40;

pub fn run() -> Outcome {
    let (clerk, kinds) = generate(USERS, 11);
    let mut lines = Vec::new();
    let mut met = true;
    // A million missing (an empty database), then a million a side of every category.
    let empty: Vec<DbUser> = Vec::new();
    let (m, l) = measure("1,000,000 Clerk users, empty database", &clerk, &empty);
    met &= m;
    lines.extend(l);
    let db = documents(&clerk, &kinds, 11);
    let (m, l) = measure("1,000,000 a side, every category", &clerk, &db);
    met &= m;
    lines.extend(l);
    Outcome { lines, met }
}

fn measure(label: &str, clerk: &[ClerkUser], db: &[DbUser]) -> (bool, Vec<String>) {
    let sides = Sides { clerk, db };
    let before = proc_status("VmRSS").unwrap_or(0);
    let start = Instant::now();
    let table = {
        let diff = diff_users(clerk, db, &DiffContext::default());
        DiffTable::new(&diff, sides)
    };
    let built = start.elapsed();
    let memory = proc_status("VmRSS").unwrap_or(0).saturating_sub(before);

    // 50 keystrokes: an email typed letter by letter, cleared, a name and an id fragment.
    let mut typed = Vec::new();
    for text in ["person123456@example.com", "ada person9999", "user_"] {
        for end in 1..=text.len() {
            typed.push(text[..end].to_string());
        }
    }
    typed.truncate(50);
    let mut times: Vec<Duration> = typed
        .iter()
        .map(|search| {
            let query = Query {
                search: search.clone(),
                ..Query::default()
            };
            let start = Instant::now();
            let selection = table.select(sides, &query);
            let rows = table.page(sides, &selection, 0, SCREEN);
            std::hint::black_box(rows);
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    let (p50, p95) = (times[times.len() / 2], times[times.len() * 95 / 100]);

    let all = table.select(sides, &Query::default());
    let start = Instant::now();
    let end = table.page(sides, &all, all.len().saturating_sub(SCREEN), SCREEN);
    let jump = start.elapsed();
    let start = Instant::now();
    let by_email = table.select(
        sides,
        &Query {
            sort: SortKey::Email,
            ..Query::default()
        },
    );
    let sort = start.elapsed();
    let met = p50 < Duration::from_millis(50) && p95 < Duration::from_millis(100);
    let lines = vec![
        format!(
            "{label}: {} rows; table built in {built:.2?} (diff included), {:.0} MiB",
            table.len(),
            mib(memory)
        ),
        format!(
            "  search keystroke (select + first {SCREEN} rows): p50 {p50:.2?}, p95 {p95:.2?} (targets < 50 ms, < 100 ms)"
        ),
        format!(
            "  jump to the end: {jump:.2?} for {} rows; sort by email {sort:.2?} ({} rows)",
            end.len(),
            by_email.len()
        ),
    ];
    (met, lines)
}
