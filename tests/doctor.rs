//! `doctor` end to end: every step passes against the project's own listener, and receivers
//! built broken in each way the seed report (and real backends) are broken are each found, at
//! the right step, with the right advice.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mongodb::bson::{Document, doc};
use serde_json::Value;
use syncdesk::doctor::{self, DoctorConfig, DoctorReport, Step, Verdict};
use syncdesk::mongo::UserStore;
use syncdesk::webhook::apply::apply_event;
use syncdesk::webhook::listener::{DEFAULT_BODY_LIMIT, Listener, ListenerConfig};
use syncdesk::webhook::verdict::{Problem, Verification};
use syncdesk::webhook::{SignedHeaders, SigningSecret, event};

use crate::support::test_db;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ROUTE: &str = "/api/webhooks/clerk";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The ways the test receivers are broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Broken {
    /// Behind an auth middleware: 401 with `WWW-Authenticate` to everything.
    AuthWall,
    /// Redirects everything to a sign-in page.
    SignInRedirect,
    /// Verifies with another endpoint's secret.
    WrongSecret,
    /// Parses the body and verifies its pretty-printed re-serialisation.
    Reserialises,
    /// Parses the body and verifies its compact re-serialisation (`JSON.stringify(req.body)`).
    ReserialisesCompact,
    /// Keys the HMAC with the `whsec_…` text.
    LiteralSecret,
    /// Applies everything without verifying.
    NoVerification,
    /// Stores `email_addresses[0]`.
    FirstEmail,
    /// Stores a made-up Clerk id.
    Placeholder,
    /// Inserts a document for every delivery.
    NotIdempotent,
    /// Handles user.created only (answers 200 to the rest).
    IgnoresUpdates,
}

struct Receiver {
    broken: Broken,
    store: UserStore,
    secret: SigningSecret,
}

/// The receiver's verification: the way its mode does it.
fn verifies(rx: &Receiver, headers: &HeaderMap, body: &[u8]) -> bool {
    let lookup = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Ok(signed) = SignedHeaders::from_lookup(lookup) else {
        return false;
    };
    let now = now_ms() / 1000;
    match rx.broken {
        Broken::NoVerification => true,
        Broken::WrongSecret => SigningSecret::parse(OTHER_SECRET)
            .unwrap()
            .verify(&signed, body, now)
            .is_ok(),
        Broken::LiteralSecret => {
            let [literal, _] = rx.secret.as_text_keys();
            literal.verify(&signed, body, now).is_ok()
        }
        Broken::Reserialises => {
            let Ok(value) = serde_json::from_slice::<Value>(body) else {
                return false;
            };
            let again = serde_json::to_vec_pretty(&value).unwrap();
            rx.secret.verify(&signed, &again, now).is_ok()
        }
        Broken::ReserialisesCompact => {
            let Ok(value) = serde_json::from_slice::<Value>(body) else {
                return false;
            };
            let again = serde_json::to_vec(&value).unwrap();
            rx.secret.verify(&signed, &again, now).is_ok()
        }
        _ => rx.secret.verify(&signed, body, now).is_ok(),
    }
}

async fn receive(State(rx): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> Response {
    match rx.broken {
        Broken::AuthWall => {
            return (
                StatusCode::UNAUTHORIZED,
                [("www-authenticate", "Bearer")],
                "Unauthorized",
            )
                .into_response();
        }
        Broken::SignInRedirect => {
            return (
                StatusCode::TEMPORARY_REDIRECT,
                [(
                    "location",
                    "/sign-in?redirect_url=%2Fapi%2Fwebhooks%2Fclerk",
                )],
            )
                .into_response();
        }
        _ => {}
    }
    if !verifies(&rx, &headers, &body) {
        return (StatusCode::BAD_REQUEST, "Error: Verification error").into_response();
    }
    let (Ok(value), Ok(event)) = (serde_json::from_slice::<Value>(&body), event::parse(&body))
    else {
        return (StatusCode::BAD_REQUEST, "not an event").into_response();
    };
    let data = &value["data"];
    let users = rx.store.database().collection::<Document>("users");
    let primary = data["email_addresses"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|e| e["id"] == data["primary_email_address_id"])
        })
        .map(|e| e["email_address"].as_str().unwrap().to_string());
    let created = value["type"] == "user.created";
    match rx.broken {
        Broken::FirstEmail | Broken::Placeholder | Broken::NotIdempotent if created => {
            let email = match rx.broken {
                Broken::FirstEmail => data["email_addresses"][0]["email_address"]
                    .as_str()
                    .map(str::to_string),
                _ => primary,
            };
            let clerk_id = match rx.broken {
                Broken::Placeholder => "clerk_17".to_string(),
                _ => data["id"].as_str().unwrap().to_string(),
            };
            let doc = doc! {"clerk_user_id": &clerk_id, "email": email, "name": "Doctor Check", "is_active": true};
            if rx.broken == Broken::NotIdempotent {
                users.insert_one(doc).await.unwrap();
            } else {
                users
                    .update_one(doc! {"clerk_user_id": &clerk_id}, doc! {"$set": doc})
                    .upsert(true)
                    .await
                    .unwrap();
            }
            return (StatusCode::OK, "ok").into_response();
        }
        Broken::IgnoresUpdates if !created => return (StatusCode::OK, "ok").into_response(),
        _ => {}
    }
    let message_id = headers
        .get("svix-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    // Nine receivers apply at once to one database: a write that lost a race to another is
    // retried here, as Svix would retry its 503, so each receiver is broken only as it says.
    let mut tries = 0;
    loop {
        match apply_event(&rx.store, &event, &message_id, now_ms()).await {
            Ok(outcome) => return (StatusCode::OK, outcome.to_string()).into_response(),
            Err(syncdesk::webhook::apply::ApplyError::Unavailable(_)) if tries < 10 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(err) => return (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
        }
    }
}

/// Serves `router` on a free loopback port; its base URL.
async fn serve(router: Router) -> String {
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(socket, router).await;
    });
    format!("http://{addr}")
}

async fn broken_receiver(broken: Broken, store: &UserStore) -> String {
    let rx = Arc::new(Receiver {
        broken,
        store: store.clone(),
        secret: SigningSecret::parse(SECRET).unwrap(),
    });
    let base = serve(Router::new().route(ROUTE, post(receive)).with_state(rx)).await;
    format!("{base}{ROUTE}")
}

/// The listener Syncdesk ships, applying to `store`.
async fn own_listener(store: &UserStore) -> Listener {
    Listener::start(
        ListenerConfig {
            port: 0,
            path: ROUTE.into(),
            secret: SigningSecret::parse(SECRET).unwrap(),
            forward: None,
            body_limit: DEFAULT_BODY_LIMIT,
        },
        Some(store.clone()),
    )
    .await
    .unwrap()
}

async fn check(url: &str, store: Result<&UserStore, String>, timeout: Duration) -> DoctorReport {
    let config = DoctorConfig {
        backend: url.to_string(),
        secret: SigningSecret::parse(SECRET).unwrap(),
        timeout,
    };
    let mut seen = Vec::new();
    let report = doctor::run(&config, store, &mut |step| seen.push(step.step))
        .await
        .unwrap();
    assert_eq!(
        seen,
        Step::ALL.to_vec(),
        "each of the seven steps is reported as it ends, in order"
    );
    report
}

fn step(report: &DoctorReport, step: Step) -> &doctor::StepReport {
    &report.steps[step.number() - 1]
}

/// Documents of any throwaway user (their addresses carry the marker) but the bystander's.
async fn throwaway_documents(store: &UserStore) -> Vec<Document> {
    let users = store.database().collection::<Document>("users");
    let marked = doc! {"$and": [
        {"$or": [
            {"email": {"$regex": format!("^{}", doctor::throwaway::MARKER)}},
            {"clerk_user_id": {"$regex": "^user_2SyncdeskDoctor"}},
        ]},
        {"clerk_user_id": {"$ne": BYSTANDER_ID}},
    ]};
    futures_util::TryStreamExt::try_collect(users.find(marked).await.unwrap())
        .await
        .unwrap()
}

/// Another doctor run's throwaway user, marked like this one's: only this run's may go.
const BYSTANDER_ID: &str = "user_2SyncdeskDoctorotherrun0000";
const BYSTANDER_EMAIL: &str = "syncdesk-doctor.otherrun0000@example.com";

async fn bystander(store: &UserStore) {
    store
        .database()
        .collection::<Document>("users")
        .insert_one(doc! {"clerk_user_id": BYSTANDER_ID, "email": BYSTANDER_EMAIL, "name": "Another Run", "is_active": true})
        .await
        .unwrap();
}

async fn bystander_is_there(store: &UserStore) -> bool {
    store.find_by_email(BYSTANDER_EMAIL).await.unwrap().len() == 1
}

#[tokio::test]
async fn every_step_passes_against_the_projects_own_listener() {
    let Some(db) = test_db("doctor_own_listener").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    bystander(&db.store).await;
    let listener = own_listener(&db.store).await;
    let report = check(&listener.url(), Ok(&db.store), Duration::from_secs(20)).await;
    for s in &report.steps {
        assert_eq!(
            s.verdict,
            Verdict::Passed,
            "the listener Syncdesk ships does each step right; step {} said: {} (fix: {:?})",
            s.number,
            s.detail,
            s.fix
        );
    }
    assert!(report.passed());
    let deliveries = listener.log().snapshot();
    let refused = |problem: Problem| {
        deliveries.iter().any(|d| {
            matches!(&d.verification, Verification::Refused { problem: p, .. } if *p == problem)
        })
    };
    assert!(
        refused(Problem::BadSignature) && refused(Problem::StaleTimestamp),
        "the forgeries of step 3 reached the listener and were refused there for what they are"
    );
    assert!(
        throwaway_documents(&db.store).await.is_empty(),
        "the clean-up removed the throwaway user"
    );
    assert!(
        bystander_is_there(&db.store).await,
        "the clean-up touched nothing else"
    );
    listener.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn each_broken_route_is_found_at_step_one_with_its_fix() {
    let nothing = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        drop(socket);
        format!("http://{addr}{ROUTE}")
    };
    let wrong_path = format!(
        "{}{ROUTE}",
        serve(Router::new().route("/api/webhooks/other", post(|| async { "ok" }))).await
    );
    let get_only = format!(
        "{}{ROUTE}",
        serve(Router::new().route(ROUTE, get(|| async { "ok" }))).await
    );
    let slash = format!(
        "{}{ROUTE}",
        serve(Router::new().route(
            ROUTE,
            post(|| async {
                (
                    StatusCode::PERMANENT_REDIRECT,
                    [("location", "/api/webhooks/clerk/")],
                )
            })
        ))
        .await
    );
    let plain = serve(Router::new().route(ROUTE, post(|| async { "ok" }))).await;
    let tls = format!("{}{ROUTE}", plain.replace("http://", "https://"));
    let hangs = {
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((conn, _)) = socket.accept().await {
                held.push(conn);
            }
        });
        format!("http://{addr}{ROUTE}")
    };
    let Some(db) = test_db("doctor_broken_routes").await else {
        return;
    };
    let auth = broken_receiver(Broken::AuthWall, &db.store).await;
    let sign_in = broken_receiver(Broken::SignInRedirect, &db.store).await;
    let cases: Vec<(&str, String, &str)> = vec![
        ("nothing listening", nothing, "nothing listens"),
        ("a wrong path", wrong_path, "path"),
        ("a GET-only route", get_only, "does not take POST"),
        ("an auth middleware", auth, "auth middleware"),
        ("a redirect to sign in", sign_in, "auth middleware"),
        (
            "a trailing-slash redirect",
            slash,
            "does not follow redirects",
        ),
        ("https to a plain server", tls, "use http://"),
        ("a route that hangs", hangs, "hangs"),
    ];
    let reports = futures_util::future::join_all(
        cases
            .iter()
            .map(|(_, url, _)| check(url, Ok(&db.store), Duration::from_secs(3))),
    )
    .await;
    for ((what, _, advice), report) in cases.iter().zip(&reports) {
        let first = step(report, Step::RouteAnswers);
        assert_eq!(first.verdict, Verdict::Failed, "{what}: {}", first.detail);
        let fix = first.fix.as_deref().unwrap_or_default();
        assert!(
            fix.contains(advice),
            "{what}: the fix names the cause ({advice}); it says: {fix} (seen: {})",
            first.detail
        );
        assert!(
            report.steps[1..6]
                .iter()
                .all(|s| s.verdict == Verdict::Skipped),
            "{what}: nothing else can be checked"
        );
        assert!(!report.passed(), "{what}: the doctor does not pass it");
    }
    db.cleanup().await;
}

#[tokio::test]
async fn each_broken_receiver_is_found_at_its_step_with_its_fix() {
    let (Some(db), Some(loose)) = (
        test_db("doctor_broken_receivers").await,
        test_db("doctor_not_idempotent").await,
    ) else {
        return;
    };
    // The listener's apply path needs its unique indexes; a backend that is not idempotent
    // often has none, so that one writes to a database of its own without them.
    db.store.ensure_indexes().await.unwrap();
    bystander(&db.store).await;
    // (how it is broken, the step that finds it, its verdict, words of the detail or the fix)
    let cases = [
        (
            Broken::WrongSecret,
            Step::SignedEventAccepted,
            Verdict::Failed,
            "not this endpoint's",
        ),
        (
            Broken::ReserialisesCompact,
            Step::SignedEventAccepted,
            Verdict::Failed,
            "like JSON.stringify(body)",
        ),
        (
            Broken::Reserialises,
            Step::SignedEventAccepted,
            Verdict::Failed,
            "re-serialises",
        ),
        (
            Broken::LiteralSecret,
            Step::SignedEventAccepted,
            Verdict::Failed,
            "does not decode the secret",
        ),
        (
            Broken::NoVerification,
            Step::ForgeriesRefused,
            Verdict::SecurityHole,
            "anyone who knows the URL",
        ),
        (
            Broken::FirstEmail,
            Step::DocumentWritten,
            Verdict::Failed,
            "primary_email_address_id",
        ),
        (
            Broken::Placeholder,
            Step::DocumentWritten,
            Verdict::Failed,
            "a placeholder",
        ),
        (
            Broken::NotIdempotent,
            Step::RedeliveryIgnored,
            Verdict::Failed,
            "idempotent",
        ),
        (
            Broken::IgnoresUpdates,
            Step::UpdateAndDelete,
            Verdict::Failed,
            "handle user.updated",
        ),
    ];
    let store_of = |broken: Broken| {
        if broken == Broken::NotIdempotent {
            &loose.store
        } else {
            &db.store
        }
    };
    let mut urls = Vec::new();
    for (broken, ..) in &cases {
        urls.push(broken_receiver(*broken, store_of(*broken)).await);
    }
    let reports = futures_util::future::join_all(
        cases
            .iter()
            .zip(&urls)
            .map(|((broken, ..), url)| check(url, Ok(store_of(*broken)), Duration::from_secs(5))),
    )
    .await;
    for ((broken, at, verdict, words), report) in cases.iter().zip(&reports) {
        let found = step(report, *at);
        let said = format!(
            "{} / {}",
            found.detail,
            found.fix.as_deref().unwrap_or_default()
        );
        assert_eq!(
            found.verdict,
            *verdict,
            "{broken:?} is found at step {}: {said}",
            at.number()
        );
        assert!(
            said.contains(words),
            "{broken:?}: the advice names the mistake ({words}): {said}"
        );
        assert!(
            report.steps[..at.number() - 1]
                .iter()
                .all(|s| s.verdict.is_ok()),
            "{broken:?}: the steps before it pass, so the report points at one mistake: {:?}",
            report.steps.iter().map(|s| s.verdict).collect::<Vec<_>>()
        );
        assert!(!report.passed(), "{broken:?}: the doctor does not pass it");
        assert_eq!(
            step(report, Step::CleanUp).verdict,
            Verdict::Passed,
            "{broken:?}: the throwaway user is removed even after a failure"
        );
    }
    assert!(
        throwaway_documents(&db.store).await.is_empty(),
        "every receiver's throwaway documents were removed (placeholders too)"
    );
    assert!(
        throwaway_documents(&loose.store).await.is_empty(),
        "and the duplicates"
    );
    assert!(bystander_is_there(&db.store).await, "and nothing else was");
    db.cleanup().await;
    loose.cleanup().await;
}

#[tokio::test]
async fn doctor_from_the_command_line_exits_by_its_verdict() {
    let Some(db) = test_db("doctor_cli").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let listener = own_listener(&db.store).await;
    let auth = broken_receiver(Broken::AuthWall, &db.store).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crate::support::cli(dir.path(), "syncdesk-test-doctor-cli");
    cmd.args([
        "doctor",
        "--backend",
        &listener.url(),
        "--timeout",
        "20",
        "--json",
    ])
    .env("SYNCDESK_WEBHOOK_SECRET", SECRET)
    .env("SYNCDESK_MONGODB_URI", &db.uri)
    .env("SYNCDESK_DATABASE", &db.name);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "every step passes against the listener, so exit 0: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(steps.len(), 7, "one JSON object per step: {stdout}");
    assert!(
        steps
            .iter()
            .all(|s| s["verdict"] == "passed" && s["title"].is_string()),
        "{stdout}"
    );

    let mut cmd = crate::support::cli(dir.path(), "syncdesk-test-doctor-cli");
    cmd.args(["doctor", "--backend", &auth, "--timeout", "5"])
        .env("SYNCDESK_WEBHOOK_SECRET", SECRET)
        .env("SYNCDESK_MONGODB_URI", &db.uri)
        .env("SYNCDESK_DATABASE", &db.name);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "a failing step exits 1: {text}");
    assert!(
        text.contains("FAIL 1. The route answers") && text.contains("fix: an auth middleware"),
        "the human output names the step and its fix: {text}"
    );

    let mut cmd = crate::support::cli(dir.path(), "syncdesk-test-doctor-cli");
    cmd.args(["doctor", "--backend", "localhost:3000/api/webhooks/clerk"])
        .env("SYNCDESK_WEBHOOK_SECRET", SECRET);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        !out.status.success() && stderr.contains("must be http:// or https://"),
        "a URL without its scheme is refused with an example: {stderr}"
    );
    listener.stop().await;
    db.cleanup().await;
}
