//! Svix-style delivery against the listener's apply path: a shuffled, duplicated stream converges
//! to Clerk's final state; a database outage answers 503 and the retries then apply exactly once.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mongodb::bson::{Document, doc};
use syncdesk::mongo::{FieldMapping, UserStore};
use syncdesk::secrets::Sensitive;
use syncdesk::user::ClerkUser;
use syncdesk::webhook::SigningSecret;
use syncdesk::webhook::apply::{apply_event, apply_events};
use syncdesk::webhook::event::ClerkEvent;
use syncdesk::webhook::listener::{DEFAULT_BODY_LIMIT, Listener, ListenerConfig};
use syncdesk::webhook::send::{EventKind, envelope, example_user, signed_headers};

use crate::support::test_db;

fn version(n: usize, v: i64) -> ClerkUser {
    let id = format!("user_stream{n:020}");
    ClerkUser {
        id,
        primary_email: Some(format!("u{n}.v{v}@example.com")),
        emails: vec![format!("u{n}.v{v}@example.com")],
        first_name: Some(format!("User{n}")),
        last_name: Some(format!("Version{v}")),
        username: None,
        external_id: None,
        banned: false,
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_000_000 + v,
    }
}

/// 250 users: created, updated twice; every fifth deleted at the end. Then redeliveries up to
/// 1,000 events, shuffled deterministically.
fn shuffled_stream() -> Vec<(String, ClerkEvent)> {
    let mut events: Vec<(String, ClerkEvent)> = Vec::new();
    for n in 0..250 {
        events.push((
            format!("msg_c{n}"),
            ClerkEvent::UserChanged {
                created: true,
                user: version(n, 0),
            },
        ));
        for v in 1..=2 {
            events.push((
                format!("msg_u{n}_{v}"),
                ClerkEvent::UserChanged {
                    created: false,
                    user: version(n, v),
                },
            ));
        }
        if n % 5 == 0 {
            events.push((
                format!("msg_d{n}"),
                ClerkEvent::UserDeleted {
                    id: version(n, 0).id,
                    at_ms: 1_700_000_000_100,
                },
            ));
        }
    }
    let originals = events.len();
    for i in 0..(1000 - originals) {
        events.push(events[(i * 7) % originals].clone());
    }
    // A deterministic shuffle (Fisher–Yates over splitmix64).
    let mut state = 42u64;
    for i in (1..events.len()).rev() {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        events.swap(i, ((z ^ (z >> 31)) % (i as u64 + 1)) as usize);
    }
    assert_eq!(events.len(), 1000);
    events
}

/// Clerk's final state: every live user once with its newest version, deleted ones inactive.
fn assert_converged(docs: &[Document]) {
    let mut by_id: BTreeMap<String, Vec<&Document>> = BTreeMap::new();
    for d in docs {
        by_id
            .entry(d.get_str("clerk_user_id").unwrap().to_string())
            .or_default()
            .push(d);
    }
    for n in 0..250 {
        let id = version(n, 0).id;
        let found = by_id.get(&id).map_or(&[][..], Vec::as_slice);
        assert!(found.len() <= 1, "{id}: never two documents for one user");
        if n % 5 == 0 {
            assert!(
                found.iter().all(|d| !d.get_bool("is_active").unwrap()),
                "{id}: deleted in Clerk, so absent or inactive, never back"
            );
        } else {
            let doc = found
                .first()
                .unwrap_or_else(|| panic!("{id}: a live user exists"));
            assert_eq!(
                doc.get_str("email").unwrap(),
                format!("u{n}.v2@example.com"),
                "{id}: the newest version wins, whatever the order"
            );
            assert_eq!(doc.get_str("name").unwrap(), format!("User{n} Version2"));
        }
    }
}

#[tokio::test]
async fn a_shuffled_duplicated_stream_of_1000_events_converges_to_clerks_final_state() {
    let Some(db) = test_db("event_stream").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    for chunk in shuffled_stream().chunks(8) {
        let results = futures_util::future::join_all(
            chunk
                .iter()
                .map(|(id, event)| apply_event(&db.store, event, id, 1_800_000_000_000)),
        )
        .await;
        for result in results {
            result.expect("every delivery is answered");
        }
    }
    assert_converged(&db.raw_users().await);
    db.cleanup().await;
}

#[tokio::test]
async fn the_same_stream_applied_in_batches_converges_the_same_way() {
    let Some(db) = test_db("event_stream_batches").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    // Batches of 50 hold several versions of one user, its deletion, and redeliveries together.
    for chunk in shuffled_stream().chunks(50) {
        let events: Vec<(&ClerkEvent, &str)> =
            chunk.iter().map(|(id, e)| (e, id.as_str())).collect();
        for result in apply_events(&db.store, &events, 1_800_000_000_000).await {
            result.expect("every delivery is answered");
        }
    }
    assert_converged(&db.raw_users().await);
    db.cleanup().await;
}

#[tokio::test]
async fn one_batch_behaves_like_its_events_one_by_one() {
    let Some(db) = test_db("event_batch_rules").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    // A document of another user that shares user 3's email must not be touched by user 3's event.
    db.store
        .database()
        .collection::<Document>("users")
        .insert_one(doc! {"user_id": 900, "clerk_user_id": "user_other0000000000000000", "email": "u3.v0@example.com", "name": "Other", "is_active": true})
        .await
        .unwrap();
    let changed = |n, v, created| ClerkEvent::UserChanged {
        created,
        user: version(n, v),
    };
    let events = [
        (changed(1, 2, false), "m_new"),
        (changed(1, 1, true), "m_old"),
        (changed(1, 2, false), "m_new"),
        (changed(2, 0, true), "m_created"),
        (
            ClerkEvent::UserDeleted {
                id: version(2, 0).id,
                at_ms: 1_700_000_000_100,
            },
            "m_deleted",
        ),
        (
            ClerkEvent::Ignored {
                event_type: "session.created".into(),
            },
            "m_session",
        ),
        (changed(3, 0, true), "m_three"),
    ];
    let refs: Vec<(&ClerkEvent, &str)> = events.iter().map(|(e, id)| (e, *id)).collect();
    let answers: Vec<String> = apply_events(&db.store, &refs, 1_800_000_000_000)
        .await
        .into_iter()
        .map(|a| a.expect("nothing fails here").to_string())
        .collect();
    assert_eq!(
        answers[0], "applied create",
        "the newest version of user 1 is the one written"
    );
    assert!(
        answers[1].starts_with("stale"),
        "the older version loses to the newer one in the batch: {}",
        answers[1]
    );
    assert_eq!(
        answers[2], "duplicate",
        "a second copy of a message in the same batch is a duplicate"
    );
    assert!(
        answers[3].starts_with("stale"),
        "a deletion in the same batch wins over the creation: {}",
        answers[3]
    );
    assert_eq!(
        answers[5], "ignored",
        "other event types are acknowledged and ignored"
    );
    let docs = db.raw_users().await;
    let of = |id: &str| {
        docs.iter()
            .filter(|d| d.get_str("clerk_user_id").ok() == Some(id))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of(&version(1, 0).id)[0].get_str("email").unwrap(),
        "u1.v2@example.com"
    );
    assert!(
        of(&version(2, 0).id).is_empty(),
        "a user deleted in the same batch is never created"
    );
    let other = of("user_other0000000000000000");
    assert_eq!(other.len(), 1);
    assert!(
        other[0].get_bool("is_active").unwrap(),
        "only a deleted user's documents are deactivated, never another user's that shares an email"
    );
    // Redelivering the whole batch writes nothing: every message id is recorded.
    let again = apply_events(&db.store, &refs, 1_800_000_000_001).await;
    assert!(
        again.iter().all(|a| matches!(
            a.as_ref().map(ToString::to_string).as_deref(),
            Ok("duplicate" | "ignored")
        )),
        "a redelivered batch is all duplicates: {again:?}"
    );
    db.cleanup().await;
}

/// A SecantusDB of this test's own on a fixed port, stopped with SIGTERM.
struct OwnServer(Child);

impl OwnServer {
    fn start(port: u16) -> Option<Self> {
        let venv = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/secantus-venv/bin/secantusd-py"
        );
        let child = Command::new(venv)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--storage-path",
                ":memory:",
                "--log-level",
                "ERROR",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let server = Self(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the test's own SecantusDB did not open port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_database_outage_answers_503_and_svix_retries_apply_exactly_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Some(server) = OwnServer::start(port) else {
        assert!(
            !crate::support::required(),
            "a_database_outage_…: target/secantus-venv is missing, so the test cannot start a server of its own"
        );
        println!(
            "SKIPPED a_database_outage_…: no target/secantus-venv to start a server of its own (run `cargo xtask test`)"
        );
        return;
    };
    let uri =
        format!("mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=2000");
    let store = UserStore::connect(&Sensitive::new(uri), "outage", FieldMapping::default())
        .await
        .unwrap();
    store.ensure_indexes().await.unwrap();
    let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let config = ListenerConfig {
        port: 0,
        path: "/hook".into(),
        secret: secret.clone(),
        forward: None,
        body_limit: DEFAULT_BODY_LIMIT,
    };
    let listener = Listener::start(config, Some(store.clone())).await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let body = envelope(EventKind::Created, &example_user(), now * 1000).to_string();
    let send = || async {
        let headers = signed_headers(&secret, "msg_outage_1", now, body.as_bytes());
        let mut request = reqwest::Client::new()
            .post(listener.url())
            .body(body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    drop(server);
    let started = Instant::now();
    let (status, answer) = send().await;
    assert_eq!(
        status, 503,
        "the database is down: Svix must retry later ({answer})"
    );
    let log = listener.log().snapshot();
    assert_eq!(
        log.last().map(|d| &d.outcome),
        Some(&syncdesk::webhook::verdict::DeliveryOutcome::Unavailable),
        "a transient failure, logged as such"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "answered within Svix's 15 s"
    );

    let _server = OwnServer::start(port).expect("the server starts again");
    // This test server keeps nothing across a restart: its operator creates the indexes again,
    // as `syncdesk db indexes` would (Syncdesk never does on its own).
    crate::support::eventually(
        "the restarted server takes the indexes",
        Duration::from_secs(30),
        async || store.ensure_indexes().await.map_err(|e| e.to_string()),
    )
    .await;
    // Svix retries until the database is back; the first retry after it is applied.
    let applied = crate::support::eventually(
        "a retry after the outage is answered 200",
        Duration::from_secs(60),
        async || match send().await {
            (200, answer) => Ok(answer),
            (status, answer) => Err(format!("{status} {answer}")),
        },
    )
    .await;
    assert!(
        applied.contains("applied"),
        "a retry after the outage applies the event: {applied}"
    );
    let (status, answer) = send().await;
    assert_eq!(
        (status, answer.contains("duplicate")),
        (200, true),
        "a further retry is not applied twice: {answer}"
    );
    let count = store
        .database()
        .collection::<Document>("users")
        .count_documents(doc! {})
        .await
        .unwrap();
    assert_eq!(count, 1, "nothing lost, nothing doubled");
    listener.stop().await;
}

/// In a batch, an event whose answer depends on another's (an older version of the same user, a
/// second copy of a message) shares its fate: when the leader's write fails, both are answered
/// with the failure, so Svix retries both.
#[tokio::test]
async fn dependent_events_share_their_leaders_failure() {
    let Some(db) = test_db("event_batch_fate").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    // The backend's own rule, unique names: a local user already has user 1's newest name.
    let raw = db.store.database().collection::<Document>("users");
    raw.insert_one(doc! {"user_id": 900, "name": "User1 Version2", "email": "local@example.com"})
        .await
        .unwrap();
    db.backend_unique_index("name").await;
    let changed = |v| ClerkEvent::UserChanged {
        created: v == 0,
        user: version(1, v),
    };
    let events = [
        (changed(2), "m_newest"),
        (changed(1), "m_older"),
        (changed(2), "m_newest"),
        (changed(0), "m_oldest"),
    ];
    let refs: Vec<(&ClerkEvent, &str)> = events.iter().map(|(e, id)| (e, *id)).collect();
    let answers = apply_events(&db.store, &refs, 1_800_000_000_000).await;
    assert!(
        answers
            .iter()
            .all(|a| a.as_ref().is_err_and(|e| e.to_string().contains("name"))),
        "the newest version failed on the unique name, and the older ones and the copy fail with it: {answers:?}"
    );
    assert_eq!(
        db.store.count().await.unwrap(),
        1,
        "nothing of user 1 was written"
    );
    let seen = db
        .store
        .messages_seen_among(&["m_newest", "m_older", "m_oldest"])
        .await
        .unwrap();
    assert!(
        seen.is_empty(),
        "no failed message is recorded as handled, so a retry applies it: {seen:?}"
    );
    db.cleanup().await;
}

/// A write the data itself refuses (the backend's own unique rule) cannot succeed on a retry:
/// the listener answers 409 with Svix's `webhook-delivery: abort-message`, so Svix stops instead
/// of retrying for days, and the log says `failed`. A database outage (above) stays a 503.
#[tokio::test]
async fn a_conflict_retrying_cannot_fix_tells_svix_to_stop() {
    let Some(db) = test_db("permanent_failure").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let raw = db.store.database().collection::<Document>("users");
    raw.insert_one(doc! {"user_id": 900, "name": "John Doe", "email": "local@example.com"})
        .await
        .unwrap();
    db.backend_unique_index("name").await;
    let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let config = ListenerConfig {
        port: 0,
        path: "/hook".into(),
        secret: secret.clone(),
        forward: None,
        body_limit: DEFAULT_BODY_LIMIT,
    };
    let listener = Listener::start(config, Some(db.store.clone()))
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let body = envelope(EventKind::Created, &example_user(), now * 1000).to_string();
    let mut request = reqwest::Client::new()
        .post(listener.url())
        .body(body.clone());
    for (name, value) in signed_headers(&secret, "msg_conflict_1", now, body.as_bytes()) {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let abort = response
        .headers()
        .get("webhook-delivery")
        .map(|v| v.to_str().unwrap().to_string());
    let answer = response.text().await.unwrap();
    assert_eq!(status, 409, "{answer}");
    assert_eq!(
        abort.as_deref(),
        Some("abort-message"),
        "Svix is told not to retry what cannot succeed"
    );
    assert!(
        answer.contains("name"),
        "the answer names the conflict: {answer}"
    );
    let log = listener.log().snapshot();
    assert_eq!(
        log.last().map(|d| &d.outcome),
        Some(&syncdesk::webhook::verdict::DeliveryOutcome::Failed)
    );
    listener.stop().await;
    db.cleanup().await;
}
