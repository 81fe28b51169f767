//! `syncdesk sync` and `syncdesk create-user` as a person runs them, against the Clerk sandbox
//! and the test database: the production guard, dry runs, `--only`, `--delete-orphans`, exit
//! codes, and manual creation with every refusal it promises.

use std::process::{Command, Output};

use mongodb::bson::{Document, doc};
use syncdesk::mongo::FieldMapping;
use syncdesk::sandbox::SandboxConfig;
use syncdesk::scenario;

use crate::support::clerk::{TEST_KEY, sandbox};
use crate::support::{TestDb, test_db};

/// A production-looking key (the sandbox accepts any `sk_live_` key).
const LIVE_KEY: &str = "sk_live_SandboxKey0123456789abcdefABCDEF";

fn syncdesk(db: &TestDb, clerk_url: &str, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syncdesk"))
        .args(args)
        .env("SYNCDESK_MONGODB_URI", &db.uri)
        .env("SYNCDESK_DATABASE", &db.name)
        .env("SYNCDESK_CLERK_SECRET_KEY", key)
        .env("SYNCDESK_CLERK_API_URL", clerk_url)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The seed report's database, plus one orphan: a document whose Clerk user is gone.
async fn seeded(test: &str) -> TestDb {
    let db = test_db(test).await.expect("a test database");
    let mut docs = scenario::seed_report_documents(&FieldMapping::default());
    docs.push(doc! {"user_id": 90, "username": "gone", "name": "Gone User", "email": "gone@example.com",
        "clerk_user_id": "user_2GoneGoneGoneGoneGoneGone1", "auth_provider": "clerk", "is_active": true, "status": "active"});
    db.store.replace_all(docs).await.unwrap();
    db
}

async fn users(db: &TestDb) -> Vec<Document> {
    db.raw_users().await
}

// Multi-threaded: the in-process sandbox keeps serving while the CLI runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_dry_runs_only_and_orphans_behave_as_promised() {
    if crate::support::mongodb_uri("cli_sync_guard").is_none() {
        return;
    }
    let db = seeded("cli_sync_guard").await;
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let url = handle.base_url.clone();
    let before = users(&db).await;

    let live = syncdesk(&db, &url, LIVE_KEY, &["sync"]);
    assert!(
        !live.status.success()
            && text(&live).contains("production")
            && text(&live).contains("--yes")
            && text(&live).contains(" operations ("),
        "a production instance is refused without --yes, after the plan is shown: {}",
        text(&live)
    );
    let dry = syncdesk(&db, &url, TEST_KEY, &["sync", "--dry-run"]);
    assert!(
        dry.status.success() && text(&dry).contains("dry run: nothing written"),
        "{}",
        text(&dry)
    );
    assert_eq!(
        users(&db).await,
        before,
        "neither the refused run nor the dry run wrote anything"
    );

    let only = syncdesk(&db, &url, TEST_KEY, &["sync", "--only", "orphaned"]);
    let out = text(&only);
    assert!(only.status.success(), "{out}");
    assert!(
        out.lines().any(|l| l == "1 done, 0 skipped, 0 failed") && out.contains("deactivate"),
        "--only orphaned plans the orphan alone, deactivated: {out}"
    );
    let gone = db
        .store
        .find_by("user_id", 90_i64)
        .await
        .unwrap()
        .pop()
        .expect("the orphan's document stays after a deactivation");
    assert_eq!(
        (gone.active, gone.status.as_deref()),
        (Some(false), Some("deleted_in_clerk")),
        "an orphan is deactivated, never deleted, by default"
    );
    assert_eq!(
        db.store.count().await.unwrap(),
        before.len() as u64,
        "--only touched no other category: nothing created"
    );

    let delete = syncdesk(&db, &url, TEST_KEY, &["sync", "--yes", "--delete-orphans"]);
    let out = text(&delete);
    assert!(delete.status.success(), "{out}");
    assert!(
        db.store
            .find_by("user_id", 90_i64)
            .await
            .unwrap()
            .is_empty(),
        "--delete-orphans deletes the orphan's document: {out}"
    );
    assert_eq!(
        db.store.count().await.unwrap(),
        before.len() as u64,
        "the missing user created, the orphan deleted: {out}"
    );
    handle.stop().await;
    db.cleanup().await;
}

// Multi-threaded: the in-process sandbox keeps serving while the CLI runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_operation_exits_1_and_duplicates_block_the_indexes_with_exit_3() {
    if crate::support::mongodb_uri("cli_sync_failure").is_none() {
        return;
    }
    let db = seeded("cli_sync_failure").await;
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    // The backend's own rule: names are unique. A local user already has the missing user's
    // name, so the database refuses that create (the others still go through).
    let raw = db.store.database().collection::<Document>("users");
    raw.insert_one(doc! {"user_id": 91, "name": "Shay Signup", "email": "shay.local@example.com", "username": "shay_local", "auth_provider": "local"})
        .await
        .unwrap();
    db.backend_unique_index("name").await;
    let sync = syncdesk(&db, &handle.base_url, TEST_KEY, &["sync", "--yes"]);
    let out = text(&sync);
    assert_eq!(
        sync.status.code(),
        Some(1),
        "a failed operation exits 1: {out}"
    );
    assert!(
        out.contains("FAILED")
            && out.contains("backend_name_unique")
            && out.lines().any(|l| l == "3 done, 0 skipped, 1 failed"),
        "the failure is named with its reason, and the rest was applied: {out}"
    );
    handle.stop().await;
    db.cleanup().await;

    // Two documents claiming one Clerk id: the unique index cannot be built over them.
    let db = test_db("cli_indexes_duplicates")
        .await
        .expect("a test database");
    db.store
        .database()
        .collection::<Document>("users")
        .insert_many([
            doc! {"user_id": 1, "email": "twin.a@example.com", "clerk_user_id": "user_2TwinTwinTwinTwinTwinTwin1"},
            doc! {"user_id": 2, "email": "twin.b@example.com", "clerk_user_id": "user_2TwinTwinTwinTwinTwinTwin1"},
        ])
        .await
        .unwrap();
    let indexes = syncdesk(&db, "http://127.0.0.1:9/v1", TEST_KEY, &["db", "indexes"]);
    let out = text(&indexes);
    assert_eq!(indexes.status.code(), Some(3), "duplicates exit 3: {out}");
    assert!(
        out.contains("user_2TwinTwinTwinTwinTwinTwin1"),
        "the duplicated value is listed for a person to resolve: {out}"
    );
    db.cleanup().await;
}

// Multi-threaded: the in-process sandbox keeps serving while the CLI runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_creation_links_the_real_clerk_user_and_refuses_what_it_promises_to() {
    if crate::support::mongodb_uri("cli_manual").is_none() {
        return;
    }
    let db = seeded("cli_manual").await;
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let url = handle.base_url.clone();
    let create = |args: &[&str]| {
        let mut all = vec!["create-user"];
        all.extend_from_slice(args);
        syncdesk(&db, &url, TEST_KEY, &all)
    };

    let linked = create(&["--email", "shay.signup@example.com", "--role", "vendor"]);
    let out = text(&linked);
    assert!(linked.status.success(), "{out}");
    assert!(
        out.contains(scenario::MISSING_ID) && out.contains("existing Clerk user"),
        "the email's Clerk user is found and its real id linked: {out}"
    );
    let stored = db
        .store
        .find_by("clerk_user_id", scenario::MISSING_ID)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "one document holds the linked Clerk id");
    assert_eq!(
        stored[0].app_fields.get("role"),
        Some(serde_json::json!("vendor")),
        "the typed role is written"
    );

    let again = create(&["--email", "Shay.Signup@EXAMPLE.com"]);
    let out = text(&again);
    assert!(
        !again.status.success() && out.contains("already exists") && out.contains("user_id"),
        "the same email in another letter case is refused, naming the existing user: {out}"
    );

    let unknown = create(&["--email", "walk.in@example.com"]);
    let out = text(&unknown);
    assert!(
        !unknown.status.success()
            && out.contains("no Clerk user has the email")
            && out.contains("--in-clerk")
            && out.contains("never writes a placeholder"),
        "no Clerk user: refused with the way on, never a placeholder id: {out}"
    );
    let invalid = create(&["--email", "not an address"]);
    assert!(
        !invalid.status.success() && text(&invalid).contains("email:"),
        "bad input names its field: {}",
        text(&invalid)
    );
    assert_eq!(
        db.store.count().await.unwrap(),
        35,
        "34 seeded, 1 linked by hand; nothing written by the refusals"
    );

    let in_clerk = create(&[
        "--email",
        "walk.in@example.com",
        "--name",
        "Walk In",
        "--in-clerk",
    ]);
    let out = text(&in_clerk);
    assert!(
        in_clerk.status.success() && out.contains("created in Clerk now"),
        "--in-clerk creates the Clerk user first, then links it: {out}"
    );
    let created = db.store.find_by_email("walk.in@example.com").await.unwrap();
    assert!(
        created.len() == 1
            && created[0]
                .clerk_id
                .as_deref()
                .is_some_and(syncdesk::diff::is_clerk_id),
        "one document, with a real Clerk id as Clerk made it: {created:?}"
    );
    handle.stop().await;
    db.cleanup().await;
}

/// The unique indexes are a schema change in the team's own collection: a sync names them in its
/// review, a dry run creates nothing, and only the apply creates them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_names_the_indexes_it_needs_and_creates_them_only_when_applying() {
    let Some(db) = test_db("sync_indexes").await else {
        return;
    };
    // The backend's own collection, written by the backend: no Syncdesk index in it.
    db.store
        .database()
        .collection::<Document>("users")
        .insert_many(scenario::seed_report_documents(&FieldMapping::default()))
        .await
        .unwrap();
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let dry = syncdesk(&db, &handle.base_url, TEST_KEY, &["sync", "--dry-run"]);
    assert!(
        dry.status.success()
            && text(&dry).contains(
                "has no unique index on clerk_user_id, user_id: it would be created first"
            )
            && text(&dry).contains("keeps two writers"),
        "the review names the indexes and why: {}",
        text(&dry)
    );
    assert_eq!(
        db.store.missing_unique_indexes().await.unwrap().len(),
        2,
        "a dry run creates nothing"
    );
    let applied = syncdesk(&db, &handle.base_url, TEST_KEY, &["sync"]);
    assert!(
        applied.status.success()
            && text(&applied).contains("created unique indexes on clerk_user_id, user_id"),
        "{}",
        text(&applied)
    );
    assert!(db.store.missing_unique_indexes().await.unwrap().is_empty());
    handle.stop().await;
    db.cleanup().await;
}

/// Duplicates that block a unique index stop the sync before anything is written, and say where
/// the list is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_blocking_a_unique_index_stop_the_sync_before_any_write() {
    let Some(db) = test_db("sync_blocked_index").await else {
        return;
    };
    let mut docs = scenario::seed_report_documents(&FieldMapping::default());
    // Two documents already claim one Clerk user: the unique index cannot be built over them.
    for n in [91, 92] {
        docs.push(doc! {"user_id": n, "username": format!("twin{n}"), "email": format!("twin{n}@example.com"),
            "clerk_user_id": "user_2TwinTwinTwinTwinTwinTwin1", "is_active": true});
    }
    let raw = db.store.database().collection::<Document>("users");
    raw.insert_many(docs).await.unwrap();
    let before = db.raw_users().await;
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let out = syncdesk(&db, &handle.base_url, TEST_KEY, &["sync"]);
    assert!(
        !out.status.success()
            && text(&out).contains("unique index on clerk_user_id cannot be created")
            && text(&out).contains("syncdesk db indexes"),
        "{}",
        text(&out)
    );
    assert_eq!(db.raw_users().await, before, "nothing was written");
    handle.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_exit_code_says_whether_a_sync_would_write_anything() {
    if crate::support::mongodb_uri("cli_diff_exit_code").is_none() {
        return;
    }
    let db = test_db("cli_diff_exit_code")
        .await
        .expect("a test database");
    db.store
        .replace_all(scenario::seed_report_documents(&FieldMapping::default()))
        .await
        .unwrap();
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let url = handle.base_url.clone();

    let plain = syncdesk(&db, &url, TEST_KEY, &["diff"]);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "without the flag a diff is not a failure: {}",
        text(&plain)
    );
    let out = syncdesk(&db, &url, TEST_KEY, &["diff", "--exit-code"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the report's world: one missing user and two placeholders a sync would fix: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("a sync would write 3 operations (exit 3)"),
        "{}",
        text(&out)
    );
    let json = syncdesk(&db, &url, TEST_KEY, &["diff", "--json", "--exit-code"]);
    assert_eq!(json.status.code(), Some(3), "--json keeps the exit code");
    assert!(
        String::from_utf8_lossy(&json.stdout)
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "and its output stays JSON lines only"
    );

    let synced = syncdesk(&db, &url, TEST_KEY, &["sync"]);
    assert_eq!(synced.status.code(), Some(0), "{}", text(&synced));
    let after = syncdesk(&db, &url, TEST_KEY, &["diff", "--exit-code"]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "in sync: the 31 local-only documents are no change a sync makes: {}",
        text(&after)
    );
    assert!(text(&after).contains("a sync would write nothing"));
    handle.stop().await;
    db.cleanup().await;
}
