//! A real crash: `syncdesk sync` killed with SIGKILL in the middle of applying, then run again
//! against the same database, which must finish the job with every user exactly once.

use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use syncdesk::diff::{Category, DiffContext, diff_users};
use syncdesk::sandbox::SandboxConfig;

use crate::support::clerk::{TEST_KEY, client, sandbox};
use crate::support::{eventually, test_db};

const USERS: usize = 20_000;

/// Starts `syncdesk sync --yes` against the database and the Clerk URL, with its progress and
/// (read as it comes, so the pipe never fills) its last line of output.
fn start_sync(uri: &str, database: &str, clerk_url: &str) -> (Running, mpsc::Receiver<usize>) {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_syncdesk"))
            .args(["sync", "--yes"])
            .env("SYNCDESK_MONGODB_URI", uri)
            .env("SYNCDESK_DATABASE", database)
            .env("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY)
            .env("SYNCDESK_CLERK_API_URL", clerk_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
        None,
    );
    let progress = watch_progress(&mut child.0);
    let mut stdout = child.0.stdout.take().unwrap();
    let summary = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text.lines().last().unwrap_or_default().to_string()
    });
    child.1 = Some(summary);
    (child, progress)
}

/// `Ok` once `done` reaches the first batch; the failure says what was seen.
fn reached_at_least(done: usize, child: &mut Running) -> Result<usize, String> {
    if done >= 5_000 {
        Ok(done)
    } else {
        Err(format!(
            "progress {done}; the run exited: {:?}",
            child.0.try_wait()
        ))
    }
}

/// A child process that is killed if the test ends early (a failed assertion), never left behind.
struct Running(Child, Option<std::thread::JoinHandle<String>>);

impl Running {
    /// The last line the run printed (its `N done, N skipped, N failed`), once it has ended.
    fn summary(&mut self) -> String {
        self.1
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default()
    }
}

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
    // Kill once the first batch is reported and the next one is landing in the database: mid
    // apply, with an `insert_many` in flight. Conditions, not sleeps: a busy machine only waits
    // longer.
    let mut done = 0;
    let reached = eventually(
        "the first run reports its first batch of 5,000",
        Duration::from_secs(300),
        async || {
            done = progress.try_iter().fold(done, usize::max);
            reached_at_least(done, &mut first)
        },
    )
    .await;
    let at_kill = eventually(
        "the first run's next batch starts landing",
        Duration::from_secs(300),
        async || {
            let count = db.store.count().await.unwrap() as usize;
            if count > 5_000 {
                Ok(count)
            } else {
                Err(format!(
                    "{count} documents; the run exited: {:?}",
                    first.0.try_wait()
                ))
            }
        },
    )
    .await;
    first.0.kill().unwrap(); // SIGKILL: no destructor, no flush, no goodbye to the server
    let status = first.0.wait().unwrap();
    assert!(
        !status.success(),
        "the first run was killed mid-apply (progress {reached}, {status})"
    );
    assert!(
        at_kill < missing,
        "the kill landed before the end: {at_kill} of {missing} written"
    );

    // Rerun at once: the server may still be writing the batch the dead client sent, so the
    // rerun's creates can collide with it (each collision becomes a cheap batched update).
    let at_rerun = db.store.count().await.unwrap() as usize;
    let (mut rerun, _progress) = start_sync(&db.uri, &db.name, &handle.base_url);
    let status = eventually(
        "the rerun finishes the job",
        Duration::from_secs(300),
        async || match rerun.0.try_wait().unwrap() {
            Some(status) => Ok(status),
            None => Err(format!(
                "still running with {} documents",
                db.store.count().await.unwrap()
            )),
        },
    )
    .await;
    assert!(status.success(), "the rerun succeeds: {status}");
    let summary = rerun.summary();
    eprintln!(
        "killed at progress {reached} with {at_kill} documents; {at_rerun} when the rerun started; the rerun: {summary}"
    );
    assert!(
        summary.ends_with(" 0 failed"),
        "no create failed, collisions with the dead run's batch included: {summary}"
    );

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
        "every Clerk user exactly once, no user_id twice ({at_kill} were written at the kill)"
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
