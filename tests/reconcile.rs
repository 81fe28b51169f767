//! Reconcile end to end: the Clerk sandbox and the real test database, through diff, plan and the
//! one apply path (sync, manual creation, listener-style events), including crashes and races.

use std::collections::BTreeSet;

use mongodb::bson::{Document, doc};
use syncdesk::diff::{Category, DiffContext, diff_users};
use syncdesk::mongo::journal::Source;
use syncdesk::mongo::{FieldMapping, UserStore};
use syncdesk::sandbox::SandboxConfig;
use syncdesk::scenario;
use syncdesk::sync::apply::{ApplyContext, ApplyReport, Outcome, apply};
use syncdesk::sync::plan::{SyncPolicy, plan};
use syncdesk::user::ClerkUser;
use syncdesk::webhook::apply::apply_event;
use syncdesk::webhook::event::ClerkEvent;

use crate::support::clerk::{client, sandbox};
use crate::support::test_db;

const NOW: i64 = 1_764_000_000_000;

fn ctx() -> ApplyContext {
    ApplyContext {
        source: Source::Sync,
        now_ms: NOW,
    }
}

/// Diffs, plans and applies once; returns the report.
async fn sync_once(store: &UserStore, clerk: &[ClerkUser]) -> ApplyReport {
    let db = store.list_users().await.unwrap();
    let diff = diff_users(clerk, &db, &DiffContext::default());
    let plan = plan(&diff, &SyncPolicy::default());
    apply(store, &plan, ctx(), |_| {}).await.unwrap()
}

async fn counts(store: &UserStore, clerk: &[ClerkUser]) -> syncdesk::diff::Counts {
    let db = store.list_users().await.unwrap();
    diff_users(clerk, &db, &DiffContext::default()).counts
}

// Multi-threaded: the in-process sandbox keeps serving while the test waits for the CLI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_report_converges_and_a_second_apply_writes_nothing() {
    let Some((db, handle)) = crate::support::seed_report_world("seed_report_converges").await
    else {
        return;
    };
    let clerk = client(&handle).list_all_users(|_| {}).await.unwrap().users;

    let json = std::process::Command::new(env!("CARGO_BIN_EXE_syncdesk"))
        .args(["diff", "--json"])
        .env("SYNCDESK_MONGODB_URI", &db.uri)
        .env("SYNCDESK_DATABASE", &db.name)
        .env("SYNCDESK_CLERK_SECRET_KEY", crate::support::clerk::TEST_KEY)
        .env("SYNCDESK_CLERK_API_URL", &handle.base_url)
        .output()
        .unwrap();
    let progress = String::from_utf8_lossy(&json.stderr);
    assert!(
        !progress.contains('\r')
            && progress
                .lines()
                .any(|l| l.starts_with("reading Clerk: 3 users"))
            && progress.lines().any(|l| l.starts_with("Clerk http")),
        "piped into a log, progress and summary are lines of their own: {progress:?}"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        34,
        "`syncdesk diff --json`: one line per user (33 documents + the missing one)"
    );
    let missing: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["category"] == "missing")
        .collect();
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0]["db"].is_null() && missing[0]["clerk"]["id"] == scenario::MISSING_ID,
        "the line holds the Clerk record"
    );

    let before = counts(&db.store, &clerk).await;
    assert_eq!(
        (
            before.get(Category::Missing),
            before.get(Category::Suspicious),
            before.get(Category::LocalOnly)
        ),
        (1, 2, 31),
        "the report: one user missing, two placeholder entries, 31 seeded local users"
    );
    let stored = db.store.list_users().await.unwrap();
    let diff = diff_users(&clerk, &stored, &DiffContext::default());
    let the_plan = plan(&diff, &SyncPolicy::default());
    let report = apply(&db.store, &the_plan, ctx(), |_| {}).await.unwrap();
    assert_eq!(
        (report.done, report.failed),
        (3, 0),
        "one create and two placeholder fixes: {report:?}"
    );

    let after = counts(&db.store, &clerk).await;
    assert_eq!(
        after.get(Category::InSync),
        3,
        "every Clerk user is now in sync: {after}"
    );
    assert_eq!(
        after.get(Category::LocalOnly),
        31,
        "local users are left alone"
    );
    assert_eq!(
        after.get(Category::Missing) + after.get(Category::Suspicious),
        0
    );

    let again = apply(&db.store, &the_plan, ctx(), |_| {}).await.unwrap();
    assert_eq!(
        again.done, 0,
        "applying the same plan twice writes nothing new: {again:?}"
    );
    assert_eq!(
        db.store.count().await.unwrap(),
        34,
        "no duplicate was created by the second apply"
    );
    let audit = db.store.recent_audit(100).await.unwrap();
    assert_eq!(
        audit.len(),
        3,
        "one audit record per write, none for the no-op apply"
    );
    assert!(
        !format!("{audit:?}").contains("password_hash"),
        "the audit holds mapped fields only"
    );
    handle.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn every_category_is_found_and_fixed_without_touching_app_fields() {
    let Some(db) = test_db("every_category").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let handle = sandbox(SandboxConfig::generated(6, 11)).await;
    let clerk = client(&handle).list_all_users(|_| {}).await.unwrap().users;
    let with_email: Vec<&ClerkUser> = clerk.iter().filter(|u| u.primary_email.is_some()).collect();
    assert!(
        with_email.len() >= 3,
        "the generated set has users with emails"
    );
    let users = db.store.database().collection::<Document>("users");
    let (a, b, c) = (with_email[0], with_email[1], with_email[2]);
    users.insert_many([
        // drift: matched by id, old email, an app-owned role that must survive
        doc! {"user_id": 1, "clerk_user_id": &a.id, "email": "old@example.com", "name": a.full_name(), "username": a.username.clone(), "role": "vendor", "is_active": true, "status": "active"},
        // link: same email, no Clerk id
        doc! {"user_id": 2, "clerk_user_id": null, "email": b.primary_email.clone().unwrap().to_uppercase(), "name": b.full_name(), "username": b.username.clone(), "auth_provider": "local", "is_active": true, "status": "active"},
        // in sync
        doc! {"user_id": 3, "clerk_user_id": &c.id, "email": c.primary_email.clone(), "name": c.full_name(), "username": c.username.clone(), "is_active": true, "status": "active"},
        // orphaned: a real-looking Clerk id Clerk does not have
        doc! {"user_id": 4, "clerk_user_id": "user_2zzzzzzzzzzzzzzzzzzzzzzzzzz", "email": "gone@example.com", "name": "Gone", "is_active": true, "status": "active"},
        // local only
        doc! {"user_id": 5, "clerk_user_id": null, "email": "local@example.com", "auth_provider": "local", "password_hash": "$2b$12$x", "is_active": true, "status": "active"},
    ]).await.unwrap();
    let before = counts(&db.store, &clerk).await;
    for category in [
        Category::Drift,
        Category::Link,
        Category::InSync,
        Category::Orphaned,
        Category::LocalOnly,
        Category::Missing,
    ] {
        assert!(
            before.get(category) >= 1,
            "{category} is represented: {before}"
        );
    }
    let report = sync_once(&db.store, &clerk).await;
    assert_eq!(report.failed, 0, "{report:?}");
    let after = counts(&db.store, &clerk).await;
    assert_eq!(
        after.get(Category::Drift) + after.get(Category::Link) + after.get(Category::Missing),
        0,
        "all fixed: {after}"
    );
    let drifted = users.find_one(doc! {"user_id": 1}).await.unwrap().unwrap();
    assert_eq!(
        drifted.get_str("role").unwrap(),
        "vendor",
        "app-owned fields are never overwritten"
    );
    let orphan = users.find_one(doc! {"user_id": 4}).await.unwrap().unwrap();
    assert!(
        !orphan.get_bool("is_active").unwrap(),
        "orphans are deactivated"
    );
    assert_eq!(
        orphan.get_str("status").unwrap(),
        "deleted_in_clerk",
        "and kept, not deleted"
    );
    let linked = users.find_one(doc! {"user_id": 2}).await.unwrap().unwrap();
    assert_eq!(
        linked.get_str("clerk_user_id").unwrap(),
        b.id,
        "the email match got its real Clerk id"
    );
    handle.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn bad_documents_are_reported_and_the_rest_still_syncs() {
    let Some(db) = test_db("bad_docs_sync").await else {
        return;
    };
    db.store
        .replace_all(scenario::seed_report_documents(&FieldMapping::default()))
        .await
        .unwrap();
    let users = db.store.database().collection::<Document>("users");
    users
        .insert_many([
            doc! {"user_id": "x", "email": 7},
            doc! {"name": ["not", "a", "name"]},
        ])
        .await
        .unwrap();
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let clerk = client(&handle).list_all_users(|_| {}).await.unwrap().users;
    let report = sync_once(&db.store, &clerk).await;
    assert_eq!(
        (report.done, report.failed),
        (3, 0),
        "bad documents do not stop the sync: {report:?}"
    );
    let listed = db.store.list_users().await.unwrap();
    assert_eq!(
        listed.iter().filter(|u| !u.problems.is_empty()).count(),
        2,
        "both bad documents are still listed with their problems"
    );
    assert_eq!(counts(&db.store, &clerk).await.get(Category::InSync), 3);
    handle.stop().await;
    db.cleanup().await;
}

/// The listener and a sync writing the same 1,000 users at once. The interleaving is forced both
/// ways, not hoped for: the sync's plan is made first (every user missing), the listener applies
/// its first 16 events before the sync inserts (those creates collide), and the rest after the
/// sync's batch is in (those events meet documents the sync wrote).
// Multi-threaded: the two writers run at once, and the sync is held inside its progress call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_listener_upserts_during_a_sync_leave_no_duplicate() {
    let Some(db) = test_db("listener_race").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let handle = sandbox(SandboxConfig::generated(1000, 5)).await;
    let clerk = client(&handle).list_all_users(|_| {}).await.unwrap().users;
    let the_plan = plan(
        &diff_users(&clerk, &[], &DiffContext::default()),
        &SyncPolicy::default(),
    );
    assert_eq!(the_plan.ops.len(), 1000, "every user is a create");
    let events: Vec<ClerkEvent> = clerk
        .iter()
        .map(|u| ClerkEvent::UserChanged {
            created: true,
            user: u.clone(),
        })
        .collect();
    let (first_chunk_done, first_chunk) = std::sync::mpsc::channel::<()>();
    let sync_inserted = std::sync::Arc::new(tokio::sync::Notify::new());
    let listener = {
        let store = db.store.clone();
        let sync_inserted = sync_inserted.clone();
        tokio::spawn(async move {
            let mut answers = Vec::new();
            for (i, chunk) in events.chunks(16).enumerate() {
                let results =
                    futures_util::future::join_all(chunk.iter().enumerate().map(|(j, event)| {
                        let store = store.clone();
                        async move {
                            apply_event(&store, event, &format!("msg_race_{i}_{j}"), NOW).await
                        }
                    }))
                    .await;
                answers.extend(results);
                if i == 0 {
                    first_chunk_done.send(()).unwrap();
                    sync_inserted.notified().await;
                }
            }
            answers
        })
    };
    // Taken once: a second "started" call could never be answered.
    let first_chunk = std::sync::Mutex::new(Some(first_chunk));
    let report = apply(&db.store, &the_plan, ctx(), |p| match p.completed {
        // Started, nothing inserted yet: let the listener's first chunk land first.
        0 => {
            if let Some(first_chunk) = first_chunk.lock().unwrap().take() {
                tokio::task::block_in_place(|| {
                    first_chunk
                        .recv_timeout(std::time::Duration::from_secs(120))
                        .expect("the listener's first chunk lands within 120 s")
                });
            }
        }
        _ => sync_inserted.notify_one(),
    })
    .await
    .unwrap();
    sync_inserted.notify_one();
    let answers = tokio::time::timeout(std::time::Duration::from_secs(300), listener)
        .await
        .expect("the listener's 1,000 events are answered within 300 s")
        .unwrap();
    let collided = report
        .results
        .iter()
        .filter(|r| r.outcome != Outcome::Done || r.op != syncdesk::sync::plan::OpKind::Create)
        .count();
    let errors: Vec<String> = answers
        .iter()
        .filter_map(|a| a.as_ref().err().map(ToString::to_string))
        .collect();
    assert!(
        errors.is_empty() && answers.len() == 1000,
        "every listener event is answered without an error: {errors:?}"
    );
    assert_eq!(
        report.failed, 0,
        "the sync's creates that lost the race became updates: {report:?}"
    );
    assert_eq!(
        collided, 16,
        "the race happened one way: the listener's first 16 users were there before the sync's insert"
    );
    let after_sync = answers[16..]
        .iter()
        .filter(|a| matches!(a, Ok(o) if o.to_string() != "applied create"))
        .count();
    assert_eq!(
        after_sync, 984,
        "and the other: every later event met the document the sync had written"
    );
    let docs = db.raw_users().await;
    let ids: BTreeSet<&str> = docs
        .iter()
        .filter_map(|d| d.get_str("clerk_user_id").ok())
        .collect();
    assert_eq!(
        docs.len(),
        1000,
        "one document per Clerk user, no duplicates"
    );
    assert_eq!(ids.len(), 1000, "every Clerk id once");
    let after = counts(&db.store, &clerk).await;
    assert_eq!(
        after.get(Category::Missing) + after.get(Category::Drift),
        0,
        "the final state equals Clerk: {after}"
    );
    handle.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn a_sync_interrupted_mid_apply_finishes_on_rerun_without_duplicates() {
    let Some(db) = test_db("interrupted_sync").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let handle = sandbox(SandboxConfig::generated(12_000, 9)).await;
    let clerk = client(&handle).list_all_users(|_| {}).await.unwrap().users;
    let stored = db.store.list_users().await.unwrap();
    let mut partial = plan(
        &diff_users(&clerk, &stored, &DiffContext::default()),
        &SyncPolicy::default(),
    );
    let total = partial.ops.len();
    // The state a crash leaves: one batch fully written, the next one cut short, ids allocated
    // for users that were never written.
    partial.ops.truncate(7_300);
    db.store.allocate_user_ids(2_700).await.unwrap();
    let first = apply(&db.store, &partial, ctx(), |_| {}).await.unwrap();
    assert_eq!(
        first.done, 7_300,
        "the interrupted run wrote part of the plan"
    );

    let rerun = sync_once(&db.store, &clerk).await;
    assert_eq!(
        (rerun.done, rerun.failed),
        (total - 7_300, 0),
        "the rerun writes exactly what is left: {} done",
        rerun.done
    );
    let docs = db.raw_users().await;
    let ids: BTreeSet<i64> = docs
        .iter()
        .filter_map(|d| d.get_i64("user_id").ok())
        .collect();
    assert_eq!(docs.len(), total, "every user exactly once");
    assert_eq!(
        ids.len(),
        total,
        "no user_id given twice, gaps from the crash are fine"
    );
    assert_eq!(
        counts(&db.store, &clerk).await.get(Category::Missing),
        0,
        "nothing left to create"
    );
    handle.stop().await;
    db.cleanup().await;
}
