//! Cancel in the real window: a sync of 20,000 missing users cancelled while it runs reports
//! what it did and what it left; a second review and apply finishes the job.

use std::time::{Duration, Instant};

use syncdesk::sandbox::SandboxConfig;

use super::diff::{chip_count, click, plain, wait_for_count};
use super::{Driver, connect, screenshot, text_of, wait_text, window_or_skip};
use crate::support::outage::Outage;
use crate::support::{self, clerk::TEST_KEY};

const USERS: u64 = 20_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_sync_reports_what_it_did_and_a_second_one_finishes() {
    if !window_or_skip("a_cancelled_sync_reports_what_it_did_and_a_second_one_finishes") {
        return;
    }
    let Some(db) = support::test_db("window_cancel").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let sandbox = syncdesk::sandbox::Sandbox::start(SandboxConfig::generated(USERS as usize, 5))
        .await
        .unwrap();
    // The database through a relay that can slow it down, so the apply is still running when
    // Cancel is pressed (against a fast local server, 20,000 creates can end first).
    let relay = Outage::start(&db.uri).await;
    let uri = relay.uri();
    let driver = Driver::for_instance(&uri, &db.name, TEST_KEY, &sandbox.base_url);
    let client = connect(driver.port).await;
    wait_for_count(&client, "20,000 users").await;
    click(&client, "#diff-review").await;
    let apply = wait_text(&client, "review-apply", |t| t.starts_with("Apply ")).await;
    assert_eq!(
        plain(&apply),
        "Apply 20000 operations",
        "every Clerk user is missing"
    );

    relay.slow_down(Duration::from_millis(400));
    click(&client, "#review-apply").await;
    // Pressed once the first batch is written: the apply is running, part done.
    let running = wait_text(&client, "apply-text", |t| {
        let t = plain(t);
        t.contains("of 20000") && !t.starts_with("0 of")
    })
    .await;
    click(&client, "#apply-cancel").await;
    relay.slow_down(Duration::ZERO);
    let title = wait_text(&client, "report-title", |t| !t.is_empty()).await;
    let counts = plain(&text_of(&client, "report-counts").await);
    screenshot(&client, "cancel-report.png").await;
    assert_eq!(
        title, "Cancelled: what was done is kept",
        "the cancel reached the running apply (it was pressed while it ran): {counts:?}"
    );
    let written = db.raw_users().await.len() as u64;
    assert!(
        written > 0
            && written < USERS
            && counts.contains(&format!("{} not attempted", USERS - written)),
        "the race happened: Cancel pressed at {running:?}, {written} written, the rest reported as not attempted: {counts:?}"
    );

    click(&client, "#report-users").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let left = (USERS - written).to_string();
    let left_shown = {
        let mut shown = plain(&chip_count(&client, "missing").await);
        while shown != left && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
            shown = plain(&chip_count(&client, "missing").await);
        }
        shown
    };
    assert_eq!(
        left_shown, left,
        "the fresh diff holds exactly what was left"
    );

    click(&client, "#diff-review").await;
    wait_text(&client, "review-apply", |t| t.starts_with("Apply ")).await;
    click(&client, "#review-apply").await;
    // The rest of the sync behind the slowed relay: a generous bound for a busy machine.
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut done = wait_text(&client, "report-title", |t| t == "Applied").await;
    while done != "Applied" && Instant::now() < deadline {
        done = wait_text(&client, "report-title", |t| t == "Applied").await;
    }
    assert_eq!(done, "Applied", "running again finishes the job");
    assert_eq!(
        db.raw_users().await.len() as u64,
        USERS,
        "every user once: nothing written twice"
    );
    client.close().await.unwrap();
    drop(driver);
    drop(relay);
    sandbox.stop().await;
    db.cleanup().await;
}
