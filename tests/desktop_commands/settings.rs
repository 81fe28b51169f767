//! Settings commands: the store round trip, the session's overrides, `test_connection`.

use serde_json::{Value, json};

use super::{MockApp, overrides, seeded, usernames};

#[test]
fn the_saved_database_name_is_used_and_round_trips() {
    let Some((rt, db)) = seeded("saved_database_name") else {
        return;
    };
    let app = MockApp::new(overrides(Some(&db.uri), None), "syncdesk-test-unused");
    assert_eq!(
        app.ok("get_settings", json!({}))["database"],
        "",
        "nothing saved yet: the defaults"
    );
    let mut settings = app.ok("get_settings", json!({}));
    settings["database"] = json!(format!(" {} ", db.name));
    app.ok("save_settings", json!({ "settings": settings }));
    let saved = app.ok("get_settings", json!({}));
    assert_eq!(
        saved["database"],
        db.name.as_str(),
        "saved trimmed, read back the same"
    );
    assert_eq!(
        saved["mapping"], settings["mapping"],
        "the mapping is kept as it was"
    );
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(&app.settings_file).unwrap()).unwrap();
    let keys: Vec<_> = file.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["profiles"],
        "one value under one key in the store file"
    );
    assert_eq!(
        file["profiles"]["profiles"][0], saved,
        "the file holds exactly what get_settings returns"
    );
    assert_eq!(
        file["profiles"]["default"], "default",
        "saving with no profile yet created `default`, the default"
    );
    let page = app.ok("list_db_users", json!({}));
    assert_eq!(
        usernames(&page).len(),
        33,
        "the saved name opened the seeded database"
    );
    rt.block_on(db.cleanup());
}

#[test]
fn test_connection_counts_the_documents() {
    let Some((rt, db)) = seeded("test_connection_counts") else {
        return;
    };
    let app = MockApp::new(
        overrides(Some(&db.uri), Some(&db.name)),
        "syncdesk-test-unused",
    );
    let report = app.ok("test_connection", json!({}));
    assert_eq!(
        report["documents"], 33,
        "a fresh connection sees the 33 seeded documents"
    );
    assert!(
        report["location"].as_str().unwrap().ends_with(&db.name),
        "and says where: {report}"
    );
    rt.block_on(db.cleanup());
}

#[test]
fn session_overrides_say_whether_a_uri_is_set_never_which() {
    let uri = "mongodb://admin:hunter2@db.example.com/?directConnection=true";
    let app = MockApp::new(overrides(Some(uri), Some("app")), "syncdesk-test-unused");
    let view = app.ok("session_overrides", json!({}));
    assert_eq!(
        view,
        json!({"database": "app", "mongodb_uri": true, "clerk_secret_key": false, "webhook_secret": false}),
        "a flag per secret the environment gives, the name as is"
    );
    assert!(
        !view.to_string().contains("hunter2"),
        "the URI's password never reaches the UI"
    );
}
