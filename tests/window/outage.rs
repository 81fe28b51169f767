//! The database going away mid-session: the table stays (marked stale) under a banner that says
//! what happened, with Retry; once the database is back, Retry reads again.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use super::diff::{click, wait_for_count};
use super::{Driver, connect, screenshot, text_of, wait_text, window_or_skip};
use crate::support::outage::Outage;
use crate::support::{self, clerk::TEST_KEY};

async fn banner_shown(client: &fantoccini::Client) -> bool {
    client
        .find(Locator::Id("diff-banner"))
        .await
        .unwrap()
        .attr("hidden")
        .await
        .unwrap()
        .is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_is_a_banner_with_retry_not_an_empty_table() {
    if !window_or_skip("a_database_that_goes_away_is_a_banner_with_retry_not_an_empty_table") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_outage").await else {
        return;
    };
    let outage = Outage::start(&db.uri).await;
    let uri = outage.uri();
    let driver = Driver::for_instance(&uri, &db.name, TEST_KEY, &sandbox.base_url);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;
    assert!(!banner_shown(&client).await, "no banner while all is well");

    outage.stop();
    click(&client, "#diff-refresh").await;
    let banner = wait_text(&client, "diff-banner-text", |t| !t.is_empty()).await;
    assert!(
        banner.contains("database") && banner.contains("read at"),
        "the banner says what failed and how old the table is: {banner:?}"
    );
    assert!(banner_shown(&client).await, "the banner is shown");
    assert_eq!(
        text_of(&client, "diff-count").await,
        "34 users",
        "the last read stays on screen, not an empty table"
    );
    screenshot(&client, "outage-banner.png").await;

    outage.resume();
    click(&client, "#diff-banner-retry").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while banner_shown(&client).await && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !banner_shown(&client).await,
        "Retry read both sides again once the database was back"
    );
    wait_for_count(&client, "34 users").await;
    client.close().await.unwrap();
    drop(driver);
    drop(outage);
    sandbox.stop().await;
    db.cleanup().await;
}
