//! The `syncdesk clerk` and `syncdesk sandbox` commands, run as a user would.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use syncdesk::sandbox::SandboxConfig;

use crate::support::clerk::{TEST_KEY, sandbox};

const BIN: &str = env!("CARGO_BIN_EXE_syncdesk");

#[tokio::test]
async fn clerk_count_and_users_read_the_key_and_url_from_the_environment() {
    let handle = sandbox(SandboxConfig::generated(1_234, 2)).await;
    let run = |args: &[&str]| {
        tokio::process::Command::new(BIN)
            .args(args)
            .env("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY)
            .env("SYNCDESK_CLERK_API_URL", &handle.base_url)
            .output()
    };
    let count = run(&["clerk", "count"]).await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        "1234",
        "count prints the number alone"
    );
    let users = run(&["clerk", "users", "--json"]).await.unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&users.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1_234, "one JSON line per user");
    let ids: std::collections::HashSet<&str> =
        lines.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.len(),
        1_234,
        "each user once, though lines stream as ranges arrive"
    );
    assert!(
        lines
            .iter()
            .all(|u| u["id"].as_str().unwrap().starts_with("user_")),
        "domain users, by Clerk id"
    );
    let stderr = String::from_utf8_lossy(&users.stderr);
    assert!(!stderr.contains(TEST_KEY), "the key is never printed");

    let missing = tokio::process::Command::new(BIN)
        .args(["clerk", "count"])
        .env_remove("SYNCDESK_CLERK_SECRET_KEY")
        .output()
        .await
        .unwrap();
    assert!(!missing.status.success(), "no key, no request");
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("SYNCDESK_CLERK_SECRET_KEY"),
        "the error names the variable to set"
    );
    handle.stop().await;
}

#[tokio::test]
async fn clerk_users_json_stops_quietly_when_the_reader_goes_away() {
    let handle = sandbox(SandboxConfig::generated(30_000, 3)).await;
    let mut child = tokio::process::Command::new(BIN)
        .args(["clerk", "users", "--json"])
        .env("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY)
        .env("SYNCDESK_CLERK_API_URL", &handle.base_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `syncdesk clerk users --json | head -1`: one line, then the pipe closes.
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut first)
        .await
        .unwrap();
    drop(stdout);
    let out = child.wait_with_output().await.unwrap();
    let line: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(
        line["id"].as_str().unwrap().starts_with("user_"),
        "the first line arrived before the fetch ended"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "a closed pipe is the reader's choice, not an error: {stderr}"
    );
    assert!(
        !stderr.contains("error") && !stderr.contains("30000 users"),
        "no error and no summary of a list nobody read: {stderr}"
    );
    handle.stop().await;
}

#[test]
fn sandbox_prints_its_base_url_and_serves_the_preset() {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--preset", "seed-report"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    let count = Command::new(BIN)
        .args(["clerk", "count"])
        .env("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY)
        .env("SYNCDESK_CLERK_API_URL", &url)
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/v1"),
        "the base URL a client needs: {url}"
    );
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        "3",
        "seed-report has the report's three Clerk users"
    );
}
