//! The Users view in the real window: `syncdesk` started with the `SYNCDESK_*` variables for the
//! Clerk sandbox (the seed report's three users) and a seeded database opens on their diff.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use syncdesk::scenario::MISSING_ID;

use super::{Driver, connect, screenshot, settled_text, text_of, wait_text, window_or_skip};
use crate::support::{self, clerk::TEST_KEY};

/// The rows the virtual list shows now: `(category, email, clerk id)` of each.
async fn shown_rows(client: &Client) -> Vec<(String, String, String)> {
    let script = "return [...document.querySelectorAll('#diff-rows .grid-row:not([hidden])')]\
                  .map(r => [r.dataset.category, r.children[1].textContent, r.children[3].textContent]);";
    let rows = client.execute(script, vec![]).await.unwrap();
    serde_json::from_value(rows).unwrap()
}

/// The number a category chip shows, exactly.
pub async fn chip_count(client: &Client, category: &str) -> String {
    client
        .find(Locator::Css(&format!(
            "[data-testid='chip-{category}'] .chip-count"
        )))
        .await
        .unwrap()
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Polls a category chip until it counts `want` (or 30 s have passed), and returns its count.
pub async fn wait_chip(client: &Client, category: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let count = chip_count(client, category).await;
        if plain(&count) == plain(want) || Instant::now() > deadline {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// A number as written in any locale (`20,000`, `20 000`, `20000`) without its grouping.
pub fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ',' | '\u{a0}' | '\u{202f}'))
        .collect()
}

/// Polls `#diff-count` until it reads `want` (grouping of thousands aside).
pub async fn wait_for_count(client: &Client, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let count = text_of(client, "diff-count").await;
        if plain(&count) == plain(want) {
            return;
        }
        if Instant::now() > deadline {
            let state = text_of(client, "diff-state").await;
            panic!("expected {want:?}, the table says {count:?}; state: {state:?}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

#[tokio::test]
async fn the_window_opens_on_the_diff_of_clerk_and_the_database() {
    if !window_or_skip("the_window_opens_on_the_diff_of_clerk_and_the_database") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_diff_view").await else {
        return;
    };
    let driver = Driver::for_instance(&db.uri, &db.name, TEST_KEY, &sandbox.base_url);
    let client = connect(driver.port).await;

    wait_for_count(&client, "34 users").await;
    let status = settled_text(&client, "diff-status", "Not read yet").await;
    assert!(
        status.starts_with("3 in Clerk · 33 in ") && status.contains(&db.name),
        "the header says what was read, and from where: {status:?}"
    );
    for (category, want) in [("missing", "1"), ("suspicious", "2"), ("local_only", "31")] {
        assert_eq!(
            chip_count(&client, category).await,
            want,
            "the {category} chip counts {want}"
        );
    }
    let rows = shown_rows(&client).await;
    assert_eq!(
        rows[0],
        (
            "missing".to_string(),
            "shay.signup@example.com".to_string(),
            MISSING_ID.to_string()
        ),
        "the missing user comes first"
    );
    // The chart is drawn just after the rows.
    let chart = wait_text(&client, "diff-chart", |t| t.contains("missing")).await;
    assert!(
        chart.contains("1 missing"),
        "the chart above the table counts the missing users: {chart:?}"
    );
    screenshot(&client, "diff.png").await;

    // The chip filters; a row opens its detail.
    click(&client, "[data-testid='chip-missing']").await;
    wait_for_count(&client, "1 of 34 users").await;
    click(&client, "#diff-rows .grid-row").await;
    let reasons = settled_text(&client, "detail-reasons", "").await;
    assert!(
        reasons.contains("database"),
        "the detail gives the reason in words: {reasons:?}"
    );
    screenshot(&client, "diff-detail.png").await;

    // Search over everything again, then privacy mode masks what is shown.
    click(&client, "[data-testid='chip-missing']").await;
    let search = client.find(Locator::Id("diff-search")).await.unwrap();
    search.send_keys("casey").await.unwrap();
    wait_for_count(&client, "1 of 34 users").await;
    let casey = shown_rows(&client).await;
    assert_eq!(
        casey[0].1, "casey.nguyen@example.com",
        "the search found Casey by name"
    );
    click(&client, "#privacy-toggle").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut masked = shown_rows(&client).await;
    while masked[0].1 != "c•••@e•••.com" && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        masked = shown_rows(&client).await;
    }
    assert_eq!(
        masked[0].1, "c•••@e•••.com",
        "privacy mode masks the email in the table"
    );
    screenshot(&client, "diff-privacy.png").await;
    click(&client, "#privacy-toggle").await;

    client.close().await.unwrap();
    drop(driver);

    // A live key: the window cannot be mistaken for anything but production.
    let live = "sk_live_SandboxKey0123456789abcdefABCDEF";
    let driver = Driver::for_instance(&db.uri, &db.name, live, &sandbox.base_url);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;
    let band = settled_text(&client, "env-band", "").await;
    assert!(
        band.contains("PRODUCTION") && band.contains("SYNCDESK_"),
        "a band across the window says PRODUCTION, and where that comes from: {band:?}"
    );
    screenshot(&client, "diff-production.png").await;
    client.close().await.unwrap();
    drop(driver);
    sandbox.stop().await;
    db.cleanup().await;
}
