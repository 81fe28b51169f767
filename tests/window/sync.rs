//! Review and sync in the real window, by clicks: the seed report's diff, the review of its plan,
//! the apply with its report, the fresh diff in sync; then production refusing a wrong name.

use fantoccini::Locator;

use syncdesk::mongo::FieldMapping;
use syncdesk::scenario::{MISSING_ID, seed_report_documents};

use super::diff::{chip_count, click, wait_chip, wait_for_count};
use super::{Driver, connect, screenshot, text_of, wait_text, window_or_skip};
use crate::support::{self, clerk::TEST_KEY};

fn has_missing_user(docs: &[mongodb::bson::Document]) -> bool {
    docs.iter()
        .any(|d| d.get_str("clerk_user_id").ok() == Some(MISSING_ID))
}

#[tokio::test]
async fn a_review_then_apply_by_clicks_brings_the_diff_in_sync() {
    if !window_or_skip("a_review_then_apply_by_clicks_brings_the_diff_in_sync") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_sync_flow").await else {
        return;
    };
    let seed = || seed_report_documents(&FieldMapping::default());
    db.store.ensure_indexes().await.unwrap();
    let driver = Driver::for_instance(&db.uri, &db.name, TEST_KEY, &sandbox.base_url);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;

    click(&client, "#diff-review").await;
    let apply = wait_text(&client, "review-apply", |t| t.starts_with("Apply ")).await;
    assert_eq!(
        apply, "Apply 3 operations",
        "the seed report's plan: the missing user created, the two placeholders fixed"
    );
    let policy = text_of(&client, "review-policy").await;
    assert!(policy.starts_with("Development"), "{policy:?}");
    screenshot(&client, "sync-review.png").await;

    click(&client, "#review-apply").await;
    let title = wait_text(&client, "report-title", |t| !t.is_empty()).await;
    assert_eq!(
        title, "Applied",
        "a development key applies after the review"
    );
    let counts = text_of(&client, "report-counts").await;
    assert!(counts.starts_with("3 done"), "{counts:?}");
    screenshot(&client, "sync-report.png").await;
    assert!(
        has_missing_user(&db.raw_users().await),
        "the missing user is in the database now"
    );

    click(&client, "#report-users").await;
    assert_eq!(
        (
            wait_chip(&client, "in_sync", "3").await,
            chip_count(&client, "missing").await,
            chip_count(&client, "suspicious").await
        ),
        ("3".to_string(), "0".to_string(), "0".to_string()),
        "the fresh diff: the three Clerk users in sync, nobody missing, no placeholder left"
    );
    screenshot(&client, "sync-in-sync.png").await;
    client.close().await.unwrap();
    drop(driver);

    // Production: the name typed, or nothing is written.
    db.store.replace_all(seed()).await.unwrap();
    let live = "sk_live_SandboxKey0123456789abcdefABCDEF";
    let driver = Driver::for_instance(&db.uri, &db.name, live, &sandbox.base_url);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;
    click(&client, "#diff-review").await;
    wait_text(&client, "review-apply", |t| t.starts_with("Apply ")).await;
    click(&client, "#review-apply").await;
    let typed = client.find(Locator::Id("confirm-typed")).await.unwrap();
    typed.send_keys("prod").await.unwrap();
    click(&client, "#confirm-apply").await;
    let refused = wait_text(&client, "confirm-error", |t| !t.is_empty()).await;
    assert!(
        refused.contains("production") && refused.contains("nothing was written"),
        "a wrong name is refused in place: {refused:?}"
    );
    screenshot(&client, "sync-production-refused.png").await;
    assert!(
        !has_missing_user(&db.raw_users().await),
        "nothing was written to production"
    );
    click(&client, "#confirm-cancel").await;
    client.close().await.unwrap();
    drop(driver);
    sandbox.stop().await;
    db.cleanup().await;
}
