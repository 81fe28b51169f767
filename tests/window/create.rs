//! Creating users by hand in the real window: the form has the mapping's fields, checks them as
//! you type, looks the email up in Clerk and the database, links the real Clerk user, refuses a
//! duplicate naming the existing user, and creates the Clerk user first when asked.

use fantoccini::Locator;

use syncdesk::scenario::MISSING_ID;

use super::diff::click;
use super::{Driver, connect, screenshot, type_into, wait_text, window_or_skip};
use crate::support::{self, clerk::TEST_KEY};

#[tokio::test]
async fn users_are_created_by_hand_linked_to_clerk_and_duplicates_refused() {
    if !window_or_skip("users_are_created_by_hand_linked_to_clerk_and_duplicates_refused") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_create_user").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let driver = Driver::for_instance(&db.uri, &db.name, TEST_KEY, &sandbox.base_url);
    let client = connect(driver.port).await;
    click(&client, "#nav-create").await;
    // The form's fields come from the mapping, once the page has asked for them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for field in ["role", "phone", "address"] {
        while client
            .find(Locator::Id(&format!("create-field-{field}")))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the mapping's field {field} is in the form"
            );
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        }
    }

    // The missing user of the report: Clerk has them, so their id is linked.
    type_into(&client, "create-email", "shay.signup@example.com").await;
    let found = wait_text(&client, "create-lookup", |t| t.starts_with("Clerk has")).await;
    assert!(
        found.contains(MISSING_ID),
        "the lookup names the Clerk id that will be linked: {found:?}"
    );
    type_into(&client, "create-field-phone", "call me").await;
    let problem = wait_text(&client, "create-error-phone", |t| !t.is_empty()).await;
    assert!(
        problem.contains("digits"),
        "checked as you type, beside its field: {problem:?}"
    );
    type_into(&client, "create-field-phone", "+1 555 0100").await;
    assert_eq!(
        wait_text(&client, "create-error-phone", str::is_empty).await,
        "",
        "a good phone clears its error"
    );
    type_into(&client, "create-field-role", "vendor").await;
    click(&client, "#create-submit").await;
    let created = wait_text(&client, "create-message", |t| {
        t.starts_with("Created") || t.contains("error") || t.contains("a user")
    })
    .await;
    assert!(
        created.starts_with("Created user_id 34") && created.contains(MISSING_ID),
        "the result says what was written: the new user_id and the linked Clerk id: {created:?}"
    );
    screenshot(&client, "create-user.png").await;
    let docs = db.raw_users().await;
    let doc = docs
        .iter()
        .find(|d| d.get_str("clerk_user_id").ok() == Some(MISSING_ID))
        .expect("the document was written");
    assert_eq!(
        doc.get_str("role").ok(),
        Some("vendor"),
        "with the mapping's field"
    );

    // A duplicate is refused, naming the existing user.
    type_into(&client, "create-email", "Bella.Trattoria@example.com").await;
    let existing = wait_text(&client, "create-lookup", |t| t.starts_with("Already")).await;
    assert!(existing.contains("user_id 1"), "{existing:?}");
    click(&client, "#create-submit").await;
    let refused = wait_text(&client, "create-message", |t| t.contains("already exists")).await;
    assert!(
        refused.contains("user_id 1"),
        "the duplicate is refused with the existing user named: {refused:?}"
    );
    screenshot(&client, "create-user-duplicate.png").await;

    // Nobody in Clerk: offered, then created there first.
    type_into(&client, "create-email", "new.vendor@example.com").await;
    let nobody = wait_text(&client, "create-lookup", |t| t.starts_with("No Clerk user")).await;
    assert!(nobody.starts_with("No Clerk user"), "{nobody:?}");
    click(&client, "#create-in-clerk").await;
    click(&client, "#create-submit").await;
    let made = wait_text(&client, "create-message", |t| {
        t.starts_with("Created") || t.contains("Clerk")
    })
    .await;
    assert!(
        made.contains("created in Clerk now"),
        "the Clerk user was created first, then linked: {made:?}"
    );
    assert_eq!(
        sandbox.user_count(),
        4,
        "the sandbox holds the new Clerk user"
    );
    let page = client.source().await.unwrap();
    assert!(
        !page.contains(TEST_KEY) && !page.contains(&db.uri),
        "no secret in the page"
    );
    client.close().await.unwrap();
    drop(driver);
    sandbox.stop().await;
    db.cleanup().await;
}
