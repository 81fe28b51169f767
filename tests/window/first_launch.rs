//! A first launch, by clicks and typing alone: no profile and no `SYNCDESK_*` variables; a
//! profile is made in Settings (its secrets going into the real Secret Service), tested, and the
//! seed report's world is brought in sync from the Users view.

use syncdesk::keychain::Keychain;

use super::diff::{chip_count, click, wait_chip, wait_for_count};
use super::{Driver, connect, screenshot, text_of, type_into, wait_text, window_or_skip};
use crate::support::{self, clerk::TEST_KEY, unique_name};

#[tokio::test]
async fn from_a_first_launch_to_in_sync_by_clicks_and_typing() {
    if !window_or_skip("from_a_first_launch_to_in_sync_by_clicks_and_typing") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_first_launch").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let service = format!("syncdesk-test-{}", unique_name("first_launch"));
    let driver = Driver::spawn_with(&[("SYNCDESK_KEYCHAIN_SERVICE", &service)]);
    let client = connect(driver.port).await;

    let state = wait_text(&client, "diff-state", |t| t.contains("Not configured")).await;
    assert!(
        state.contains("Not configured yet"),
        "a first launch says what is missing: {state:?}"
    );
    click(&client, "#nav-settings").await;
    wait_text(&client, "profile-heading", |t| t == "New profile").await;
    type_into(&client, "profile-name", "support").await;
    type_into(&client, "settings-database", &db.name).await;
    type_into(&client, "profile-clerk-url", &sandbox.base_url).await;
    type_into(&client, "secret-input-clerk_secret_key", TEST_KEY).await;
    type_into(&client, "settings-mongodb-uri", &db.uri).await;
    click(&client, "#settings-save").await;
    let saved = wait_text(&client, "settings-message", |t| {
        t != "Saving…" && !t.is_empty()
    })
    .await;
    assert_eq!(saved, "Saved.", "the profile and its secrets were saved");
    for secret in ["clerk_secret_key", "mongodb_uri"] {
        let badge = wait_text(&client, &format!("secret-{secret}"), |t| t == "set").await;
        assert_eq!(
            badge, "set",
            "{secret} is in the keychain, shown only as set"
        );
    }
    // Typed values are not in the page source: read every field's value from the page itself.
    let values = client
        .execute(
            "return [...document.querySelectorAll('input')].map(i => i.value).join('\\n');",
            vec![],
        )
        .await
        .unwrap();
    let values = values.as_str().unwrap_or_default().to_string();
    assert!(
        values.contains(&db.name) && !values.contains(TEST_KEY) && !values.contains(&db.uri),
        "after saving, the secret fields are empty again: the page holds no secret"
    );
    click(&client, "#settings-test").await;
    let tested = wait_text(&client, "settings-message", |t| {
        t.starts_with("Every step") || t.starts_with("Some steps")
    })
    .await;
    let steps = text_of(&client, "check-steps").await;
    assert!(
        steps.contains("development instance") && !tested.starts_with("Some steps"),
        "the profile test reaches Clerk and the database: {tested:?} {steps:?}"
    );
    screenshot(&client, "first-launch-settings.png").await;

    click(&client, "#nav-users").await;
    wait_for_count(&client, "34 users").await;
    assert_eq!(chip_count(&client, "missing").await, "1");
    click(&client, "#diff-review").await;
    wait_text(&client, "review-apply", |t| t == "Apply 3 operations").await;
    click(&client, "#review-apply").await;
    let title = wait_text(&client, "report-title", |t| !t.is_empty()).await;
    assert_eq!(
        title, "Applied",
        "a development profile applies after the review"
    );
    click(&client, "#report-users").await;
    assert_eq!(
        wait_chip(&client, "in_sync", "3").await,
        "3",
        "from a first launch to everything in sync, by clicks and typing alone"
    );
    screenshot(&client, "first-launch-in-sync.png").await;

    client.close().await.unwrap();
    drop(driver);
    Keychain::new(&service).clear_all("support").await.unwrap();
    sandbox.stop().await;
    db.cleanup().await;
}
