//! A row's actions in the real window: "Leave it out of syncs" on one suspicious entry, then
//! "Review the create…" on the missing user, which opens the Sync review with that one
//! operation in; applied, it fixes that user alone. The whole plan afterwards starts with the
//! left-out entry left out. Then the dark theme, when GTK asks for it.

use std::time::Duration;

use fantoccini::Client;

use syncdesk::scenario::MISSING_ID;

use super::diff::{chip_count, click, wait_chip, wait_for_count};
use super::{Driver, connect, screenshot, text_of, wait_text, window_or_skip};
use crate::support::{self, clerk::TEST_KEY};

/// Opens the first row of `category` (its chip pressed alone) and waits for its detail.
async fn open_first(client: &Client, category: &str, matching: &str) {
    click(client, &format!("[data-testid='chip-{category}']")).await;
    wait_for_count(client, matching).await;
    click(client, "#diff-rows .grid-row").await;
    wait_text(client, "detail-title", |t| !t.is_empty()).await;
}

#[tokio::test]
async fn a_rows_fix_is_reviewed_alone_and_a_row_left_out_stays_out() {
    if !window_or_skip("a_rows_fix_is_reviewed_alone_and_a_row_left_out_stays_out") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_row_fix").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let driver = Driver::for_instance(&db.uri, &db.name, TEST_KEY, &sandbox.base_url);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;

    // One placeholder entry left out of syncs from its row.
    open_first(&client, "suspicious", "2 of 34 users").await;
    click(&client, "#detail-leave-out").await;
    let note = wait_text(&client, "detail-fix-note", |t| t.starts_with("Left out")).await;
    assert!(note.contains("this session"), "{note:?}");
    let again = text_of(&client, "detail-leave-out").await;
    assert_eq!(
        again, "Include in syncs again",
        "the row offers to undo what it just did"
    );
    click(&client, "[data-testid='chip-suspicious']").await;

    // The missing user's fix, reviewed alone.
    open_first(&client, "missing", "1 of 34 users").await;
    assert_eq!(
        text_of(&client, "detail-review-fix").await,
        "Review the create…"
    );
    screenshot(&client, "row-fix-detail.png").await;
    click(&client, "#detail-review-fix").await;
    let apply = wait_text(&client, "review-apply", |t| t.starts_with("Apply ")).await;
    assert_eq!(
        apply, "Apply 1 operation",
        "only that user's operation is in"
    );
    let notes = text_of(&client, "review-notes").await;
    assert!(
        notes.contains("Only the fix for shay.signup@example.com is in (one operation)"),
        "the review says whose fix it is: {notes:?}"
    );
    screenshot(&client, "row-fix-review.png").await;
    click(&client, "#review-apply").await;
    let counts = wait_text(&client, "report-counts", |t| !t.is_empty()).await;
    assert!(
        counts.starts_with("1 done"),
        "one operation applied: {counts:?}"
    );
    let docs = db.raw_users().await;
    assert!(
        docs.iter()
            .any(|d| d.get_str("clerk_user_id").ok() == Some(MISSING_ID)),
        "the missing user was created"
    );

    click(&client, "#report-users").await;
    assert_eq!(
        (
            wait_chip(&client, "missing", "0").await,
            chip_count(&client, "suspicious").await
        ),
        ("0".to_string(), "2".to_string()),
        "the create alone was applied: both placeholder entries are still there"
    );

    // The whole plan: the entry left out starts left out, the other is in.
    click(&client, "#diff-review").await;
    let apply = wait_text(&client, "review-apply", |t| t.starts_with("Apply ")).await;
    assert_eq!(
        apply, "Apply 1 operation",
        "two placeholder fixes planned, one left out from its row"
    );
    let left = text_of(&client, "review-notes").await;
    assert!(
        left.contains("One operation starts left out"),
        "the review says why: {left:?}"
    );
    screenshot(&client, "row-fix-left-out.png").await;
    client.close().await.unwrap();
    drop(driver);
    sandbox.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn the_window_is_dark_when_gtk_asks_for_dark() {
    if !window_or_skip("the_window_is_dark_when_gtk_asks_for_dark") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_dark").await else {
        return;
    };
    let driver = Driver::spawn_with(&[
        ("SYNCDESK_MONGODB_URI", db.uri.as_str()),
        ("SYNCDESK_DATABASE", db.name.as_str()),
        ("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY),
        ("SYNCDESK_CLERK_API_URL", sandbox.base_url.as_str()),
        ("GTK_THEME", "Adwaita:dark"),
    ]);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;
    let script = "return [matchMedia('(prefers-color-scheme: dark)').matches, \
                  getComputedStyle(document.documentElement).backgroundColor, \
                  getComputedStyle(document.documentElement).color];";
    let (dark, background, text): (bool, String, String) = support::eventually(
        "the page to follow GTK's dark variant",
        Duration::from_secs(5),
        async || {
            let seen: (bool, String, String) =
                serde_json::from_value(client.execute(script, vec![]).await.unwrap()).unwrap();
            if seen.0 {
                Ok(seen)
            } else {
                Err(format!("still light: {seen:?}"))
            }
        },
    )
    .await;
    assert!(
        dark,
        "GTK's dark variant reaches the page as prefers-color-scheme: dark"
    );
    assert_eq!(
        (background.as_str(), text.as_str()),
        ("rgb(11, 18, 32)", "rgb(226, 232, 240)"),
        "the dark palette: a dark background, light text"
    );
    click(&client, "#diff-rows .grid-row").await;
    wait_text(&client, "detail-title", |t| !t.is_empty()).await;
    screenshot(&client, "diff-dark.png").await;
    client.close().await.unwrap();
    drop(driver);
    sandbox.stop().await;
    db.cleanup().await;
}
