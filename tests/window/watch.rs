//! The watch in the real window: with a check every 3 s, a user who signs up in the sandbox
//! between two checks turns up as missing without a Refresh and raises exactly one desktop
//! notification, seen as the `Notify` call on the session bus (Xvfb has no notification
//! server: `dbus-monitor` sees the request the app makes, which is what the platform allows).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Client;

use super::diff::wait_chip;
use super::diff::wait_for_count;
use super::{Driver, connect, screenshot, window_or_skip};
use crate::support::{self, clerk::TEST_KEY};

/// How many checks the page has made (`data-watch-checks` on the body).
async fn checks(client: &Client) -> u64 {
    let value = client
        .execute(
            "return Number(document.body.dataset.watchChecks ?? 0);",
            vec![],
        )
        .await
        .unwrap();
    value.as_u64().unwrap_or(0)
}

async fn wait_checks(client: &Client, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while checks(client).await < at_least {
        assert!(
            Instant::now() < deadline,
            "the watch checked fewer than {at_least} times in a minute"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The `Notify` calls seen so far: each one's summary (title) line.
fn notifications(log: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut seen = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.contains("member=Notify") {
            // Notify(app_name, replaces_id, app_icon, summary, body, …): the summary is the 4th.
            let args: Vec<&str> = lines.by_ref().take(5).collect();
            seen.push(
                args.get(3)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default(),
            );
        }
    }
    seen
}

#[tokio::test]
async fn a_user_signing_up_between_two_checks_raises_one_notification() {
    if !window_or_skip("a_user_signing_up_between_two_checks_raises_one_notification") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_watch").await else {
        return;
    };
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(Stdio::from(log.reopen().unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-monitor (Debian's dbus package)");
    // Listening before the app starts: the monitor says so once it holds its bus name.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(log.path())
        .unwrap_or_default()
        .contains("NameAcquired")
    {
        assert!(Instant::now() < deadline, "dbus-monitor did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let driver = Driver::spawn_with(&[
        ("SYNCDESK_MONGODB_URI", &db.uri),
        ("SYNCDESK_DATABASE", &db.name),
        ("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY),
        ("SYNCDESK_CLERK_API_URL", &sandbox.base_url),
        ("SYNCDESK_WATCH_SECONDS", "3"),
    ]);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;
    wait_checks(&client, 1).await;
    assert!(
        notifications(log.path()).is_empty(),
        "a check that finds nothing new notifies nothing"
    );

    // A sign-up in Clerk that no webhook brings to the database.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let created = reqwest::Client::new()
        .post(format!("{}/users", sandbox.base_url))
        .bearer_auth(TEST_KEY)
        .json(
            &serde_json::json!({"email_address": ["new.signup@example.com"], "first_name": "New"}),
        )
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    assert_eq!(
        wait_chip(&client, "missing", "2").await,
        "2",
        "the next check shows the new user as missing, without a Refresh"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while notifications(log.path()).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = checks(&client).await;
    wait_checks(&client, after + 2).await;
    let seen = notifications(log.path());
    assert_eq!(
        seen.len(),
        1,
        "one notification for one new user, not one per check: {seen:?}"
    );
    assert!(
        seen[0].contains("Syncdesk: 1 user newly missing from the database"),
        "it names how many: {seen:?}"
    );

    // The plugin reports no click on desktop; the focus a click gives the window (after the
    // person was elsewhere) opens the Users view on the missing users. Xvfb has no window
    // manager to move the focus, so the page is told of it as WebKit would tell it.
    client
        .execute(
            "window.dispatchEvent(new Event('blur')); window.dispatchEvent(new Event('focus'));",
            vec![],
        )
        .await
        .unwrap();
    wait_for_count(&client, "2 of 35 users").await;
    let status = super::text_of(&client, "diff-status").await;
    assert!(status.ends_with("checked by the watch"), "{status:?}");
    screenshot(&client, "watch-missing.png").await;

    let _ = monitor.kill();
    let _ = monitor.wait();
    client.close().await.unwrap();
    sandbox.stop().await;
    db.cleanup().await;
}
