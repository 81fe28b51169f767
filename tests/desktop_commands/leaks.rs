//! Secrets never reach the page, the database, the audit log or a file, in any window flow:
//! every answer and error of a session that sets, uses and mistypes each secret is searched.

use mongodb::bson::Document;
use serde_json::json;

use super::{MockApp, seeded};
use crate::support::clerk::{TEST_KEY, sandbox};
use crate::support::{keychain_or_skip, unique_name};

const WEBHOOK: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Not a usable key (a space pasted in): the refusal must not echo it.
const WRONG_KEY: &str = "sk_test_WrongKey9876543210 zyxwvuZYXWVU";

#[test]
fn no_window_flow_shows_or_stores_a_secret() {
    if !keychain_or_skip("no_window_flow_shows_or_stores_a_secret") {
        return;
    }
    let Some((rt, db)) = seeded("window_leaks") else {
        return;
    };
    let handle = rt.block_on(sandbox(
        syncdesk::sandbox::SandboxConfig::preset("seed-report").unwrap(),
    ));
    rt.block_on(db.store.ensure_indexes()).unwrap();
    let service = format!("syncdesk-test-{}", unique_name("leaks"));
    let app = MockApp::new(syncdesk::workspace::Overrides::default(), &service);
    let mut profile = app.ok("get_settings", json!({}));
    profile["name"] = json!("support");
    profile["environment"] = json!("staging");
    profile["database"] = json!(db.name);
    profile["clerkApiUrl"] = json!(handle.base_url);
    app.ok(
        "save_profile",
        json!({"profile": profile, "makeDefault": true}),
    );
    app.ok("choose_profile", json!({"name": "support"}));
    for (name, value) in [
        ("mongodb_uri", db.uri.as_str()),
        ("clerk_secret_key", TEST_KEY),
        ("webhook_secret", WEBHOOK),
    ] {
        app.ok("set_secret", json!({"name": name, "value": value}));
    }

    // Every read a support person makes, then a review and an apply.
    for cmd in [
        "list_profiles",
        "get_settings",
        "secret_status",
        "session_overrides",
        "list_db_users",
    ] {
        app.ok(cmd, json!({}));
    }
    app.ok("get_profile", json!({"name": "support"}));
    let _ = app.invoke("test_connection", json!({}));
    let tested = app.ok("test_profile", json!({}));
    let review = app.ok("preview_sync", json!({}));
    assert!(
        review["counts"]["missing"].as_u64().unwrap() >= 1,
        "the flow really reached Clerk and the database: {review}"
    );
    let report = app.ok(
        "apply_sync",
        json!({"review": review["review"], "onProgress": "__CHANNEL__:7", "confirmation": "support"}),
    );
    assert!(
        report["done"].as_u64().unwrap() >= 1,
        "something was written, so the audit log has records to search: {report}"
    );

    // The developer's flows: the listener, a signed test event, its detail, the doctor, the watch.
    let status = app.ok(
        "start_listener",
        json!({"port": 0, "apply": true, "onEvent": "__CHANNEL__:8"}),
    );
    assert_eq!(status["running"], true, "{status}");
    let sent = app.ok(
        "send_test_event",
        json!({"to": null, "eventType": "user.created", "from": {"kind": "example"}}),
    );
    assert_eq!(sent["status"], 200, "{sent}");
    let detail = app.ok("delivery_detail", json!({"seq": 1}));
    assert!(
        detail["request"]["body"]
            .as_str()
            .unwrap()
            .contains("user.created"),
        "the detail holds the request: {detail}"
    );
    let checked = app.ok(
        "check_backend",
        json!({"url": status["url"], "timeoutSecs": 20.0, "onStep": "__CHANNEL__:9"}),
    );
    assert_eq!(
        checked["steps"].as_array().unwrap().len(),
        7,
        "the doctor ran: {checked}"
    );
    app.ok("listener_status", json!({}));
    app.ok("watch_settings", json!({}));
    app.ok("watch_check", json!({}));
    app.ok("stop_listener", json!({}));

    // Mistakes: a mangled key, a secret of the wrong kind, a wrong Clerk URL with the real key;
    // their errors must not echo a secret.
    let mangled = app.invoke(
        "set_secret",
        json!({"name": "clerk_secret_key", "value": WRONG_KEY}),
    );
    assert!(
        mangled.is_err(),
        "a key with a space is refused: {mangled:?}"
    );
    let wrong_kind = app.invoke(
        "set_secret",
        json!({"name": "mongodb_uri", "value": WEBHOOK}),
    );
    assert!(wrong_kind.is_err(), "a webhook secret is not a MongoDB URI");
    let mut gone = app.ok("get_profile", json!({"name": "support"}));
    let loaded = gone.clone();
    gone["clerkApiUrl"] = json!(handle.base_url.replace("/v1", "/v0"));
    app.ok(
        "save_profile",
        json!({"profile": gone, "previous": "support", "loaded": loaded}),
    );
    let wrong_url = app.invoke("preview_sync", json!({}));
    assert!(
        wrong_url.is_err(),
        "the sandbox serves no /v0: {wrong_url:?}"
    );

    let transcript = app.transcript.borrow().clone();
    assert!(
        transcript.contains("test_profile") && tested.to_string().contains("pass"),
        "the profile test ran: {tested}"
    );
    let stored = rt.block_on(every_document(&db));
    let files = files_under(app.dir.path());
    let (mangled_head, mangled_tail) = WRONG_KEY.split_once(' ').unwrap();
    for secret in [
        db.uri.as_str(),
        TEST_KEY,
        WEBHOOK,
        WEBHOOK.trim_start_matches("whsec_"),
        mangled_head,
        mangled_tail,
    ] {
        assert!(
            !transcript.contains(secret),
            "the page was given a secret: {transcript}"
        );
        assert!(
            !stored.contains(secret),
            "a secret was stored in the database (users or audit)"
        );
        for (path, bytes) in &files {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret was written to {path}"
            );
        }
    }
    let audits = db.store.database().collection::<Document>("syncdesk_audit");
    let audit = rt
        .block_on(async { audits.count_documents(Document::new()).await })
        .unwrap();
    assert!(
        audit > 0 && stored.contains("collection syncdesk_audit"),
        "the audit log holds the apply's records, and they were searched ({audit} documents)"
    );
    rt.block_on(handle.stop());
    rt.block_on(db.cleanup());
}

/// Every document of every collection of the test database, as text.
async fn every_document(db: &crate::support::TestDb) -> String {
    let database = db.store.database();
    let mut all = String::new();
    for name in database.list_collection_names().await.unwrap() {
        all.push_str(&format!("collection {name}\n"));
        let mut cursor = database
            .collection::<Document>(&name)
            .find(Document::new())
            .await
            .unwrap();
        while cursor.advance().await.unwrap() {
            let doc = cursor.deserialize_current().unwrap();
            all.push_str(&format!("{doc}\n"));
        }
    }
    all
}

/// Every file under `dir`, with its path, as bytes (a secret in a binary file counts too).
fn files_under(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((path.display().to_string(), bytes));
            }
        }
    }
    assert!(!found.is_empty(), "the settings file at least is there");
    found
}
