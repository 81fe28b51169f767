//! `clerk_fetch`: every user of a 200,000-user sandbox (100 ms per request, 1000 requests / 10 s)
//! with the real client, against a plain sequential offset pager in the same run.
//!
//! The floor is the rate limit: 400 pages at 100 requests/s is 4 s. Targets: the client within
//! 1.25× of the floor, and at least 10× faster than the sequential pager. The sandbox runs as a
//! separate `syncdesk sandbox` process so the CPU time and peak memory reported are the client's.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use syncdesk::clerk::{ClerkClient, ClerkConfig, CountCheck};
use syncdesk::secrets::Sensitive;

use crate::Outcome;

const USERS: usize = 200_000;
const LATENCY_MS: u64 = 100;
const FLOOR: Duration = Duration::from_secs(4);
const KEY: &str = "sk_live_BenchKey0123456789abcdefABCDEF";

pub fn run() -> Outcome {
    let mut sandbox = start_sandbox();
    let base_url = read_url(&mut sandbox);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut lines = Vec::new();

    reset_peak_memory();
    let rss_before = status_kb("VmRSS");
    let cpu_before = cpu_time();
    let client = ClerkClient::new(config(&base_url)).unwrap();
    let started = Instant::now();
    let report = runtime.block_on(client.list_all_users(|_| {})).unwrap();
    let fast = started.elapsed();
    let cpu = cpu_time() - cpu_before;
    let peak = status_kb("VmHWM").saturating_sub(rss_before);
    let complete = report.users.len() == USERS && report.count_check == CountCheck::Matches;
    let (requests, retries, ranges) = (report.requests, report.retries, report.ranges);
    drop(report);

    let started = Instant::now();
    let sequential_users = runtime.block_on(sequential_pager(&base_url));
    let sequential = started.elapsed();
    let _ = sandbox.kill();
    let _ = sandbox.wait();

    let per_100k = 100_000.0 / USERS as f64;
    let vs_floor = fast.as_secs_f64() / FLOOR.as_secs_f64();
    let speedup = sequential.as_secs_f64() / fast.as_secs_f64();
    lines.push(format!(
        "client: {USERS} users in {:.2}s ({} requests, {} retries, {} ranges); floor {:.1}s; ratio {vs_floor:.2}x (target <= 1.25x)",
        fast.as_secs_f64(),
        requests,
        retries,
        ranges,
        FLOOR.as_secs_f64(),
    ));
    lines.push(format!(
        "sequential offset pager: {sequential_users} users in {:.2}s; client is {speedup:.1}x faster (target >= 10x)",
        sequential.as_secs_f64()
    ));
    lines.push(format!(
        "client CPU {:.2}s per 100k users; peak memory +{:.0} MiB per 100k users",
        cpu.as_secs_f64() * per_100k,
        peak as f64 / 1024.0 * per_100k
    ));
    if !complete {
        lines.push("the client's list was incomplete or disagreed with /users/count".into());
    }
    Outcome {
        lines,
        met: complete && vs_floor <= 1.25 && speedup >= 10.0 && sequential_users == USERS,
    }
}

fn config(base_url: &str) -> ClerkConfig {
    let mut config = ClerkConfig::new(Sensitive::new(KEY.into()));
    config.base_url = base_url.into();
    config
}

fn start_sandbox() -> Child {
    Command::new(env!("CARGO_BIN_EXE_syncdesk"))
        .args([
            "sandbox",
            "--users",
            &USERS.to_string(),
            "--latency-ms",
            &LATENCY_MS.to_string(),
            "--rate-limit",
            "1000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn read_url(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "`{} sandbox` printed no base URL (a stale binary without the sandbox subcommand?)",
        env!("CARGO_BIN_EXE_syncdesk")
    );
    url
}

/// The usual hand-written loop: `limit=500`, `offset += 500`, one request at a time.
async fn sequential_pager(base_url: &str) -> usize {
    let http = reqwest::Client::new();
    let mut offset = 0;
    loop {
        let page: Vec<serde_json::Value> = http
            .get(format!("{base_url}/users"))
            .bearer_auth(KEY)
            .query(&[("limit", "500".to_string()), ("offset", offset.to_string())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        offset += page.len();
        if page.len() < 500 {
            return offset;
        }
    }
}

/// This process's user + system CPU time (Linux `/proc/self/stat`, 100 ticks per second).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// A `/proc/self/status` figure in kB (`VmRSS`, `VmHWM`).
fn status_kb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// Resets `VmHWM` to the current RSS, so the peak is this bench's.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
