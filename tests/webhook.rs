//! The webhook listener over real HTTP against the test database: signed events apply through
//! the sync path, every bad request is refused with its reason and writes nothing, forward mode
//! relays the exact request.

use std::time::{SystemTime, UNIX_EPOCH};

use mongodb::bson::{Document, doc};
use serde_json::Value;
use syncdesk::webhook::SigningSecret;
use syncdesk::webhook::listener::{DEFAULT_BODY_LIMIT, Listener, ListenerConfig};
use syncdesk::webhook::send::{EventKind, envelope, example_user, new_message_id, signed_headers};
use syncdesk::webhook::verdict::{DeliveryOutcome, Problem, Verification};

use crate::support::test_db;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn config(forward: Option<String>) -> ListenerConfig {
    ListenerConfig {
        port: 0,
        path: "/api/webhooks/clerk".into(),
        secret: SigningSecret::parse(SECRET).unwrap(),
        forward,
        body_limit: DEFAULT_BODY_LIMIT,
    }
}

/// Posts `body` with the given headers; returns (status, answer).
async fn post(url: &str, body: &[u8], headers: &[(&str, String)]) -> (u16, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut request = reqwest::Client::new().post(url).body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A signed delivery of `body` (fresh message id unless given).
async fn deliver(url: &str, body: &Value, id: Option<&str>, ts: i64) -> (u16, String) {
    let secret = SigningSecret::parse(SECRET).unwrap();
    let body = body.to_string().into_bytes();
    let id = id.map_or_else(new_message_id, str::to_string);
    let headers = signed_headers(&secret, &id, ts, &body);
    post(url, &body, &headers.map(|(n, v)| (n, v))).await
}

/// A bad request: what it is, its headers, its body, the status it must get.
type Case = (&'static str, Vec<(&'static str, String)>, Vec<u8>, u16);

fn user(updated_at: i64, email: &str) -> Value {
    let mut user = example_user();
    user["updated_at"] = updated_at.into();
    user["email_addresses"][0]["email_address"] = email.into();
    user
}

#[tokio::test]
async fn signed_events_apply_and_bad_requests_write_nothing() {
    let Some(db) = test_db("listener_events").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let listener = Listener::start(config(None), Some(db.store.clone()))
        .await
        .unwrap();
    let url = listener.url();
    let users = db.store.database().collection::<Document>("users");

    let created = envelope(
        EventKind::Created,
        &user(1_000, "john.doe@example.com"),
        now() * 1000,
    );
    let (status, answer) = deliver(&url, &created, Some("msg_created_1"), now()).await;
    assert_eq!(status, 200, "a signed user.created is applied: {answer}");
    assert_eq!(users.count_documents(doc! {}).await.unwrap(), 1);
    let (status, answer) = deliver(&url, &created, Some("msg_created_1"), now()).await;
    assert_eq!(
        (status, answer.contains("duplicate")),
        (200, true),
        "a Svix retry is acknowledged, not re-applied: {answer}"
    );

    let older = envelope(
        EventKind::Updated,
        &user(500, "older@example.com"),
        now() * 1000,
    );
    deliver(&url, &older, None, now()).await;
    let stored = users.find_one(doc! {}).await.unwrap().unwrap();
    assert_eq!(
        stored.get_str("email").unwrap(),
        "john.doe@example.com",
        "an older event never overwrites a newer state"
    );

    let body = created.to_string();
    let secret = SigningSecret::parse(SECRET).unwrap();
    let good = signed_headers(&secret, "msg_x", now(), body.as_bytes()).map(|(n, v)| (n, v));
    let cases: Vec<Case> = vec![
        ("no headers", vec![], body.clone().into_bytes(), 400),
        (
            "the report's fake signature",
            vec![
                ("svix-id", "msg_x".into()),
                ("svix-timestamp", now().to_string()),
                ("svix-signature", "v1,test_signature".into()),
            ],
            body.clone().into_bytes(),
            401,
        ),
        (
            "a changed body",
            good.to_vec(),
            body.replace("John", "Eve").into_bytes(),
            401,
        ),
        (
            "a stale timestamp",
            signed_headers(&secret, "msg_x", now() - 600, body.as_bytes())
                .map(|(n, v)| (n, v))
                .to_vec(),
            body.clone().into_bytes(),
            400,
        ),
        (
            "a body over the cap",
            vec![],
            vec![b' '; DEFAULT_BODY_LIMIT + 1],
            413,
        ),
    ];
    for (what, headers, payload, expected) in cases {
        let (status, answer) = post(&url, &payload, &headers).await;
        assert_eq!(
            status, expected,
            "{what} is refused with {expected}: {answer}"
        );
    }
    let (status, answer) = post(
        &url,
        b"{not json",
        &signed_headers(&secret, "msg_j", now(), b"{not json").map(|(n, v)| (n, v)),
    )
    .await;
    assert_eq!(status, 400, "signed but malformed JSON is a 400: {answer}");
    let session = serde_json::json!({"type": "session.created", "object": "event", "data": {}});
    assert_eq!(
        deliver(&url, &session, None, now()).await.0,
        200,
        "other event types are acknowledged"
    );
    assert_eq!(
        users.count_documents(doc! {}).await.unwrap(),
        1,
        "no rejected or ignored request wrote anything"
    );

    let deleted = envelope(EventKind::Deleted, &example_user(), now() * 1000);
    assert_eq!(deliver(&url, &deleted, None, now()).await.0, 200);
    let late = envelope(
        EventKind::Updated,
        &user(9_999_999_999_999, "back@example.com"),
        now() * 1000,
    );
    let (_, answer) = deliver(&url, &late, None, now()).await;
    let stored = users.find_one(doc! {}).await.unwrap().unwrap();
    assert!(
        !stored.get_bool("is_active").unwrap(),
        "user.deleted deactivates (soft)"
    );
    assert_eq!(
        stored.get_str("email").unwrap(),
        "john.doe@example.com",
        "a late update never brings a deleted user back: {answer}"
    );

    let log = listener.log().snapshot();
    assert!(log.len() >= 12, "every delivery is in the event log");
    assert!(
        log.iter()
            .any(|d| d.status == 401 && matches!(&d.verification, Verification::Refused { problem: Problem::BadSignature, reason } if reason.contains("no signature matches"))),
        "a bad signature is a typed verdict with the words that say what to fix"
    );
    listener.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn forward_mode_relays_the_exact_request() {
    let backend = Listener::start(config(None), None).await.unwrap();
    let relay = Listener::start(config(Some(backend.url())), None)
        .await
        .unwrap();
    let event = envelope(EventKind::Created, &example_user(), now() * 1000);
    let (status, _) = deliver(&relay.url(), &event, None, now()).await;
    assert_eq!(
        status, 200,
        "no-apply mode answers with the backend's status"
    );
    let forwarded = relay.log().snapshot()[0].forwarded.clone().unwrap();
    assert_eq!(
        forwarded.status,
        Some(200),
        "the backend verified the relayed signature, so body and headers were unchanged"
    );
    let at_backend = backend.log().snapshot();
    assert_eq!(at_backend.len(), 1);
    assert_eq!(at_backend[0].verification, Verification::Valid);
    relay.stop().await;
    backend.stop().await;
}

/// `syncdesk send-event --db-user …`: a database user, signed as the Clerk event about it.
fn send_event_cli(uri: &str, database: &str, to: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_syncdesk"))
        .args(["send-event", "--to", to])
        .args(args)
        .env("SYNCDESK_WEBHOOK_SECRET", SECRET)
        .env("SYNCDESK_MONGODB_URI", uri)
        .env("SYNCDESK_DATABASE", database)
        .output()
        .unwrap()
}

// Multi-threaded: the in-process listener keeps serving while the test waits for the CLI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_event_takes_a_user_from_the_database() {
    let Some(db) = test_db("send_db_user").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let users = db.store.database().collection::<Document>("users");
    users
        .insert_many([
            doc! {"user_id": 1, "clerk_user_id": "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl", "email": "Ada@Example.com", "name": "Ada Lovelace", "is_active": true},
            doc! {"user_id": 2, "email": "local@example.com", "name": "Local Only", "is_active": true},
        ])
        .await
        .unwrap();
    let listener = Listener::start(config(None), Some(db.store.clone()))
        .await
        .unwrap();
    let url = listener.url();

    let sent = send_event_cli(
        &db.uri,
        &db.name,
        &url,
        &["--type", "user.updated", "--db-user", "ada@example.com"],
    );
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert!(
        sent.status.success(),
        "found by email in any case, signed, accepted: {stdout} {}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert!(
        stdout.contains("answer: 200") && stdout.contains("user.updated: unchanged"),
        "the event carries exactly what the document holds, so applying it changes nothing: {stdout}"
    );

    let deleted = send_event_cli(
        &db.uri,
        &db.name,
        &url,
        &[
            "--type",
            "user.deleted",
            "--db-user",
            "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl",
        ],
    );
    assert!(
        deleted.status.success(),
        "{}",
        String::from_utf8_lossy(&deleted.stderr)
    );
    let ada = users.find_one(doc! {"user_id": 1}).await.unwrap().unwrap();
    assert!(
        !ada.get_bool("is_active").unwrap(),
        "the deletion event about the document's Clerk id deactivated it"
    );

    let local = send_event_cli(
        &db.uri,
        &db.name,
        &url,
        &["--type", "user.updated", "--db-user", "local@example.com"],
    );
    let stderr = String::from_utf8_lossy(&local.stderr);
    assert!(
        !local.status.success() && stderr.contains("has no Clerk id"),
        "a document without a Clerk id is refused with the reason: {stderr}"
    );
    let unknown = send_event_cli(
        &db.uri,
        &db.name,
        &url,
        &["--type", "user.updated", "--db-user", "nobody@example.com"],
    );
    assert!(
        !unknown.status.success()
            && String::from_utf8_lossy(&unknown.stderr).contains("no document"),
        "an unknown email is named as not found"
    );
    listener.stop().await;
    db.cleanup().await;
}

/// A deletion is final: its envelope time (Clerk's clock, or a hand-made test event) may be older
/// than the `updated_at` the document records, and the user is still deactivated.
#[tokio::test]
async fn a_deletion_older_than_the_stored_update_still_deactivates() {
    let Some(db) = test_db("listener_old_deletion").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let listener = Listener::start(config(None), Some(db.store.clone()))
        .await
        .unwrap();
    let url = listener.url();
    let users = db.store.database().collection::<Document>("users");
    let updated_at = now() * 1000;
    for (kind, at) in [
        (EventKind::Created, updated_at - 60_000),
        (EventKind::Updated, updated_at),
    ] {
        let event = envelope(kind, &user(at, "john.doe@example.com"), at);
        let (status, answer) = deliver(&url, &event, None, now()).await;
        assert_eq!(status, 200, "{answer}");
    }
    // Clerk stamped the deletion a minute before the update it follows (clock skew).
    let deleted = envelope(EventKind::Deleted, &example_user(), updated_at - 60_000);
    let (status, answer) = deliver(&url, &deleted, None, now()).await;
    assert_eq!(status, 200, "{answer}");
    let stored = users.find_one(doc! {}).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.get_bool("is_active").unwrap(),
            stored.get_str("status").unwrap()
        ),
        (false, "deleted_in_clerk"),
        "a deletion is final whatever its timestamp says: {answer}; {stored}"
    );
    assert!(
        answer.contains("deactivate"),
        "the answer says what was done: {answer}"
    );
    let log = listener.log().snapshot();
    assert!(
        log.last().is_some_and(
            |d| matches!(&d.outcome, DeliveryOutcome::Applied(ops) if ops.contains("deactivate"))
        ),
        "the delivery log records the deactivation, not `unchanged`: {:?}",
        log.last()
    );
    listener.stop().await;
    db.cleanup().await;
}

/// Live updates: the last read, patched with what applied events and the database now say,
/// diffs as a fresh read would, without reading Clerk again.
#[tokio::test]
async fn a_read_patched_with_applied_events_diffs_as_a_fresh_read() {
    use syncdesk::diff::{Category, diff_users};
    use syncdesk::sync::snapshot::Snapshot;
    use syncdesk::webhook::event::{self, ClerkEvent};
    use syncdesk::workspace::live::refreshed;

    let Some(db) = test_db("listener_live_patch").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let listener = Listener::start(config(None), Some(db.store.clone()))
        .await
        .unwrap();
    let ada = user(now() * 1000, "john.doe@example.com");
    let ada_user = match event::parse(
        envelope(EventKind::Created, &ada, now() * 1000)
            .to_string()
            .as_bytes(),
    )
    .unwrap()
    {
        ClerkEvent::UserChanged { user, .. } => user,
        other => panic!("a user.created event, not {other:?}"),
    };
    // The last read: the user is in Clerk, not in the database (the seed report's case).
    let before = Snapshot::of(vec![ada_user], Vec::new(), &db.store.location(), false);
    let category = |snapshot: &Snapshot| {
        diff_users(&snapshot.clerk, &snapshot.db, &snapshot.context()).entries[0].category
    };
    assert_eq!(category(&before), Category::Missing);

    let created = envelope(EventKind::Created, &ada, now() * 1000);
    let (status, _) = deliver(&listener.url(), &created, None, now()).await;
    assert_eq!(status, 200);
    let applied = listener.log().snapshot();
    let body = &applied[0].request.as_ref().unwrap().body;
    assert_eq!(applied[0].seq, 1, "the log numbers its records");
    let events = vec![event::parse(body.as_bytes()).unwrap()];
    let after = refreshed(&before, &events, &db.store).await.unwrap();
    assert_eq!(
        category(&after),
        Category::InSync,
        "the document the event wrote is read back: the missing user is in sync now"
    );

    let deleted = envelope(EventKind::Deleted, &ada, now() * 1000 + 1);
    let (status, _) = deliver(&listener.url(), &deleted, None, now()).await;
    assert_eq!(status, 200);
    let events = vec![event::parse(deleted.to_string().as_bytes()).unwrap()];
    let gone = refreshed(&after, &events, &db.store).await.unwrap();
    assert!(
        gone.clerk.is_empty(),
        "a deleted user leaves the Clerk side"
    );
    assert_eq!(
        category(&gone),
        Category::Orphaned,
        "and its deactivated document is an orphan, as a fresh read would say"
    );
    assert_eq!(gone.db.len(), 1, "the document is replaced, never doubled");
    listener.stop().await;
    db.cleanup().await;
}
