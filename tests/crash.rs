//! A real crash: `syncdesk sync` killed with SIGKILL in the middle of applying, then run again
//! against the same database, which must finish the job with every user exactly once.

use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use syncdesk::diff::{Category, DiffContext, diff_users};
use syncdesk::sandbox::SandboxConfig;

use crate::support::clerk::{TEST_KEY, client, sandbox};
use crate::support::test_db;

const USERS: usize = 20_000;

/// Starts `syncdesk sync --yes` against the database and the Clerk URL, with its progress.
fn start_sync(uri: &str, database: &str, clerk_url: &str) -> (Running, mpsc::Receiver<usize>) {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_syncdesk"))
            .args(["sync", "--yes"])
            .env("SYNCDESK_MONGODB_URI", uri)
            .env("SYNCDESK_DATABASE", database)
            .env("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY)
            .env("SYNCDESK_CLERK_API_URL", clerk_url)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let progress = watch_progress(&mut child.0);
    (child, progress)
}

/// A child process that is killed if the test ends early (a failed assertion), never left behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The highest `applying: N/T` count in the child's stderr so far, sent as it grows.
fn watch_progress(child: &mut Child) -> mpsc::Receiver<usize> {
    let (tx, rx) = mpsc::channel();
    let mut stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        let mut seen = String::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            if let Some(done) = seen
                .rsplit("applying: ")
                .next()
                .and_then(|tail| tail.split('/').next())
                .and_then(|n| n.trim().parse::<usize>().ok())
            {
                let _ = tx.send(done);
            }
        }
    });
    rx
}

// Multi-threaded: the in-process sandbox keeps serving while the test waits for the CLI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_mid_apply_finishes_on_rerun_with_every_user_once() {
    let Some(db) = test_db("killed_sync").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let handle = sandbox(SandboxConfig::generated(USERS, 5)).await;
    let clerk = client(&handle).list_all_users(|_| {}).await.unwrap().users;
    let missing = diff_users(&clerk, &[], &DiffContext::default())
        .counts
        .get(Category::Missing);

    let (mut first, progress) = start_sync(&db.uri, &db.name, &handle.base_url);
    // Kill once the first batch is written, while the second one is being inserted.
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut reached = 0;
    while reached < 5_000 && Instant::now() < deadline {
        if let Ok(done) = progress.recv_timeout(Duration::from_millis(100)) {
            reached = done;
        }
    }
    std::thread::sleep(Duration::from_millis(700));
    first.0.kill().unwrap(); // SIGKILL: no destructor, no flush, no goodbye to the server
    let status = first.0.wait().unwrap();
    // The server may still be writing the batch the dead client sent; rerun once it is done,
    // as a person would (a rerun racing other writers is the listener test in `reconcile`).
    let mut written = db.store.count().await.unwrap() as usize;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = db.store.count().await.unwrap() as usize;
        if now == written {
            break;
        }
        written = now;
    }
    assert!(
        reached >= 5_000 && !status.success(),
        "the first run was killed after its first batch (progress {reached}, {status})"
    );
    eprintln!(
        "killed at progress {reached}; {written} of {missing} written when the server settled"
    );
    assert!(
        written < missing,
        "the kill landed before the end: {written} of {missing} written"
    );

    let (mut rerun, _progress) = start_sync(&db.uri, &db.name, &handle.base_url);
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = rerun.0.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            panic!("the rerun did not finish in 180 s after the killed run");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(status.success(), "the rerun succeeds: {status}");

    let docs = db.raw_users().await;
    let clerk_ids: BTreeSet<&str> = docs
        .iter()
        .filter_map(|d| d.get_str("clerk_user_id").ok())
        .collect();
    let user_ids: BTreeSet<i64> = docs
        .iter()
        .filter_map(|d| d.get_i64("user_id").ok())
        .collect();
    assert_eq!(
        (docs.len(), clerk_ids.len(), user_ids.len()),
        (missing, missing, missing),
        "every Clerk user exactly once, no user_id twice ({written} were written before the kill)"
    );
    let stored = db.store.list_users().await.unwrap();
    let after = diff_users(&clerk, &stored, &DiffContext::default());
    assert_eq!(
        after.counts.get(Category::Missing),
        0,
        "nothing is left to create: {}",
        after.counts
    );
    handle.stop().await;
    db.cleanup().await;
}
