//! What Syncdesk writes must be a document the backend accepts: every document of the report's
//! scenario, after a sync, a manual creation and a listener event, read back through a model with
//! the report's field types (its `User`: `username`, `name`, `email`, … required strings).

use std::process::Command;

use mongodb::bson::Document;
use serde::Deserialize;
use syncdesk::scenario;
use syncdesk::webhook::SigningSecret;
use syncdesk::webhook::listener::{DEFAULT_BODY_LIMIT, Listener, ListenerConfig};
use syncdesk::webhook::send::{EventKind, envelope, example_user, signed_headers};

use crate::support::clerk::TEST_KEY;

/// The report's backend model (`app/mongo_models.py`'s `User`, as its sync script builds it):
/// a `null` in any `String` here fails to decode, as it would fail the backend's validation.
#[derive(Debug, Deserialize)]
struct ReportUser {
    user_id: i64,
    username: String,
    #[allow(dead_code)]
    password_hash: Option<String>,
    #[allow(dead_code)]
    role: Option<String>,
    name: String,
    email: String,
    #[allow(dead_code)]
    phone: String,
    #[allow(dead_code)]
    address: String,
    clerk_user_id: Option<String>,
    #[allow(dead_code)]
    auth_provider: String,
    #[allow(dead_code)]
    is_active: bool,
    #[allow(dead_code)]
    status: String,
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn syncdesk(uri: &str, database: &str, clerk_url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_syncdesk"))
        .args(args)
        .env("SYNCDESK_MONGODB_URI", uri)
        .env("SYNCDESK_DATABASE", database)
        .env("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY)
        .env("SYNCDESK_CLERK_API_URL", clerk_url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "syncdesk {args:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

// Multi-threaded: the in-process sandbox and listener keep serving while the CLI runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_document_written_in_the_scenario_reads_through_the_backends_model() {
    let Some((db, handle)) = crate::support::seed_report_world("backend_model").await else {
        return;
    };
    let url = handle.base_url.clone();

    let synced = syncdesk(&db.uri, &db.name, &url, &["sync", "--yes"]);
    assert!(
        synced.contains("(fallback: Clerk has none)"),
        "the plan shows which values are fallbacks: {synced}"
    );
    // By hand: a Clerk user made now (no username in Clerk), linked.
    syncdesk(
        &db.uri,
        &db.name,
        &url,
        &[
            "create-user",
            "--email",
            "walk.in@example.com",
            "--in-clerk",
        ],
    );
    // From the listener: Clerk's example user has no username; this one has no name either.
    let mut nameless = example_user();
    nameless["first_name"] = serde_json::Value::Null;
    nameless["last_name"] = serde_json::Value::Null;
    let listener = Listener::start(
        ListenerConfig {
            port: 0,
            path: "/hook".into(),
            secret: SigningSecret::parse(SECRET).unwrap(),
            forward: None,
            body_limit: DEFAULT_BODY_LIMIT,
        },
        Some(db.store.clone()),
    )
    .await
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let body = envelope(EventKind::Created, &nameless, now * 1000).to_string();
    let mut request = reqwest::Client::new()
        .post(listener.url())
        .body(body.clone());
    for (name, value) in signed_headers(
        &SigningSecret::parse(SECRET).unwrap(),
        "msg_model",
        now,
        body.as_bytes(),
    ) {
        request = request.header(name, value);
    }
    let answer = request.send().await.unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    listener.stop().await;

    let docs: Vec<Document> = db.raw_users().await;
    assert_eq!(
        docs.len(),
        36,
        "33 seeded, 1 synced, 1 by hand, 1 by the listener"
    );
    let mut users = Vec::new();
    for doc in &docs {
        match mongodb::bson::from_document::<ReportUser>(doc.clone()) {
            Ok(user) => users.push(user),
            Err(err) => panic!("the backend's model refuses a document: {err}\n{doc}"),
        }
    }
    let by_clerk_id = |id: &str| {
        users
            .iter()
            .find(|u| u.clerk_user_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("a document for {id}"))
    };
    let signed_up = by_clerk_id(scenario::MISSING_ID);
    assert_eq!(
        (signed_up.username.as_str(), signed_up.email.as_str()),
        ("shay.signup", "shay.signup@example.com"),
        "the user the report is about: the username from the email, as the backend's script did"
    );
    for id in [scenario::ZEN_ID, scenario::CN_ID] {
        let fixed = by_clerk_id(id);
        assert!(
            !fixed.username.starts_with("user_") && !fixed.name.starts_with("user_"),
            "the placeholder username and name are replaced: {fixed:?}"
        );
    }
    let listened = by_clerk_id("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S");
    assert_eq!(
        (listened.username.as_str(), listened.name.as_str()),
        ("john.doe", "john.doe"),
        "no name in Clerk: the name from the username"
    );
    let walk_in = users
        .iter()
        .find(|u| u.email == "walk.in@example.com")
        .expect("the user created by hand");
    assert_eq!(walk_in.username, "walk.in");
    let ids: std::collections::BTreeSet<i64> = users.iter().map(|u| u.user_id).collect();
    assert_eq!(ids.len(), users.len(), "every user_id once");
    handle.stop().await;
    db.cleanup().await;
}
