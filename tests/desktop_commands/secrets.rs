//! Secret commands: input checks, and the round trip through the real OS keychain.

use serde_json::json;

use syncdesk::workspace::Overrides;

use super::{MockApp, overrides, seeded, usernames};
use crate::support::keychain_or_skip;
use crate::support::unique_name;

#[test]
fn set_secret_refuses_a_value_that_is_not_a_mongodb_uri() {
    let app = MockApp::new(Overrides::default(), "syncdesk-test-unused");
    let err = app
        .invoke(
            "set_secret",
            json!({"name": "mongodb_uri", "value": "postgres://u:hunter2@h"}),
        )
        .unwrap_err();
    assert_eq!(
        err["code"], "invalid_input",
        "checked before the keychain is touched"
    );
    assert!(
        !err.to_string().contains("hunter2"),
        "the rejected value is not echoed: {err}"
    );
}

#[test]
fn secrets_round_trip_through_the_os_keychain() {
    if !keychain_or_skip("secrets_round_trip_through_the_os_keychain") {
        return;
    }
    let Some((rt, db)) = seeded("keychain_round_trip") else {
        return;
    };
    let service = format!("syncdesk-test-{}", unique_name("keychain"));
    let app = MockApp::new(overrides(None, Some(&db.name)), &service);
    let all_unset = json!({"clerk_secret_key": "not set", "mongodb_uri": "not set", "webhook_secret": "not set"});
    assert_eq!(
        app.ok("secret_status", json!({})),
        all_unset,
        "a fresh service name has no secrets"
    );
    assert_eq!(
        app.err_code("list_db_users", json!({})),
        "not_configured",
        "no URI anywhere yet"
    );

    app.ok(
        "set_secret",
        json!({"name": "mongodb_uri", "value": db.uri}),
    );
    let status = app.ok("secret_status", json!({}));
    assert_eq!(
        status["mongodb_uri"], "set",
        "the URI is now in the keychain"
    );
    assert!(
        !status.to_string().contains(&db.uri),
        "the status never carries the value"
    );
    assert_eq!(
        usernames(&app.ok("list_db_users", json!({}))).len(),
        33,
        "the keychain URI opened the database"
    );
    let on_disk = std::fs::read_to_string(&app.settings_file).unwrap_or_default();
    assert!(
        !on_disk.contains("mongodb://"),
        "secrets never go to the settings file: {on_disk}"
    );
    assert!(
        on_disk.contains("\"default\""),
        "the first secret set with no profile created the profile `default`: {on_disk}"
    );

    app.ok("clear_secret", json!({"name": "mongodb_uri"}));
    assert_eq!(
        app.ok("secret_status", json!({})),
        all_unset,
        "cleared again"
    );
    assert_eq!(
        app.err_code("list_db_users", json!({})),
        "not_configured",
        "the cached connection was dropped"
    );
    // Clearing a secret that is not set is not an error.
    app.ok("clear_secret", json!({"name": "mongodb_uri"}));
    rt.block_on(db.cleanup());
}
