//! `list_db_users`: the seeded users, malformed documents, and each failure's code.

use serde_json::{Value, json};

use syncdesk::scenario::{CN_ID, ZEN_ID};

use super::{DEAD_URI, MockApp, overrides, seeded, usernames};
use crate::support;

#[test]
fn list_db_users_shows_the_seed_reports_33_users() {
    let Some((rt, db)) = seeded("list_db_users_seed") else {
        return;
    };
    let app = MockApp::new(
        overrides(Some(&db.uri), Some(&db.name)),
        "syncdesk-test-unused",
    );
    let page = app.ok("list_db_users", json!({}));
    assert_eq!(
        page["users"].as_array().unwrap().len(),
        33,
        "the seed report has 33 database users"
    );
    assert_eq!(page["problems"], 0, "every seeded document is well formed");
    let location = page["location"].as_str().unwrap();
    assert!(
        location.ends_with(&format!("/{}", db.name)),
        "the location names the database: {location}"
    );
    let names = usernames(&page);
    assert_eq!(
        names.first().map(String::as_str),
        Some("bella_trattoria"),
        "sorted by user_id, 1 first"
    );
    let placeholders: Vec<_> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["clerk_id"].is_string())
        .collect();
    let clerk_ids: Vec<_> = placeholders
        .iter()
        .map(|u| u["clerk_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        clerk_ids,
        [ZEN_ID, CN_ID],
        "the two webhook placeholders carry the Clerk ids"
    );
    assert_eq!(
        placeholders[0]["app_fields"]["role"],
        Value::Null,
        "placeholders have no role"
    );
    rt.block_on(db.cleanup());
}

#[test]
fn a_malformed_document_is_listed_and_counted_as_a_problem() {
    let Some((rt, db)) = seeded("malformed_document") else {
        return;
    };
    let users = db
        .store
        .database()
        .collection::<mongodb::bson::Document>("users");
    let broken = mongodb::bson::doc! {"user_id": "34", "email": 7, "username": "broken"};
    rt.block_on(async { users.insert_one(broken).await })
        .unwrap();
    let app = MockApp::new(
        overrides(Some(&db.uri), Some(&db.name)),
        "syncdesk-test-unused",
    );
    let page = app.ok("list_db_users", json!({}));
    assert_eq!(
        page["users"].as_array().unwrap().len(),
        34,
        "a bad document is shown, not dropped"
    );
    assert_eq!(
        page["problems"], 1,
        "exactly the inserted document has problems"
    );
    let broken = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "broken")
        .unwrap();
    assert!(
        !broken["problems"].as_array().unwrap().is_empty(),
        "its problems are listed for the UI: {broken}"
    );
    rt.block_on(db.cleanup());
}

#[test]
fn a_database_without_users_collection_is_collection_missing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(support::test_db("collection_missing")) else {
        return;
    };
    let app = MockApp::new(
        overrides(Some(&db.uri), Some(&db.name)),
        "syncdesk-test-unused",
    );
    let code = app.err_code("list_db_users", json!({}));
    assert_eq!(
        code, "collection_missing",
        "an empty database is a wrong name, not an empty list"
    );
    rt.block_on(db.cleanup());
}

#[test]
fn no_database_name_is_not_configured() {
    let app = MockApp::new(overrides(Some(DEAD_URI), None), "syncdesk-test-unused");
    let err = app.invoke("list_db_users", json!({})).unwrap_err();
    assert_eq!(
        err["code"], "not_configured",
        "the UI sends the user to Settings on this code"
    );
    assert!(
        err["message"].as_str().unwrap().contains("in Settings"),
        "the message says what to do: {err}"
    );
}

#[test]
fn an_unreachable_server_is_connect() {
    let app = MockApp::new(
        overrides(Some(DEAD_URI), Some("app")),
        "syncdesk-test-unused",
    );
    assert_eq!(
        app.err_code("list_db_users", json!({})),
        "connect",
        "nothing listens on port 1"
    );
}
