//! `syncdesk db …` as a user runs it: seed the report's scenario, list it, refuse to overwrite.

use std::process::{Command, Output};

use crate::support::{mongodb_uri, unique_name};

fn syncdesk(uri: &str, database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syncdesk"))
        .args(args)
        .env("SYNCDESK_MONGODB_URI", uri)
        .env("SYNCDESK_DATABASE", database)
        .output()
        .unwrap()
}

#[test]
fn seed_then_list_the_seed_report_scenario() {
    let Some(uri) = mongodb_uri("cli_seed_then_list") else {
        return;
    };
    let database = unique_name("cli_seed");
    let seeded = syncdesk(&uri, &database, &["db", "seed", "seed-report"]);
    assert!(
        seeded.status.success(),
        "seeding an empty database works: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    let listed = syncdesk(&uri, &database, &["db", "users", "--json"]);
    let stdout = String::from_utf8(listed.stdout).unwrap();
    let users: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(users.len(), 33, "the report's database holds 33 users");
    let placeholders = users
        .iter()
        .filter(|u| {
            u["username"]
                .as_str()
                .is_some_and(|n| n.starts_with("user_"))
        })
        .count();
    assert_eq!(placeholders, 2, "the two suspicious entries are there");

    let again = syncdesk(&uri, &database, &["db", "seed", "seed-report"]);
    assert!(
        !again.status.success(),
        "a collection with users is not overwritten silently"
    );
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("--force") && stderr.contains("33"),
        "the error says what is there and how to proceed: {stderr}"
    );
    assert!(
        syncdesk(&uri, &database, &["db", "seed", "seed-report", "--force"])
            .status
            .success()
    );

    let table = syncdesk(&uri, &database, &["db", "users"]);
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("33 users"),
        "the table ends with the count"
    );
    drop_database(&uri, &database);
}

#[test]
fn a_missing_uri_is_an_actionable_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_syncdesk"))
        .args(["db", "users"])
        .env_remove("SYNCDESK_MONGODB_URI")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SYNCDESK_MONGODB_URI"),
        "the error names the variable to set: {stderr}"
    );
}

fn drop_database(uri: &str, database: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = mongodb::Client::with_uri_str(uri).await.unwrap();
        client.database(database).drop().await.unwrap();
    });
}

/// A database whose users collection does not exist yet (reset, or never written to): the sync is
/// refused, once, with the way on; `--create-collection` creates it and its indexes, then syncs.
// Multi-threaded: the in-process sandbox keeps serving while the CLI runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_database_is_refused_with_the_way_on_and_created_when_asked() {
    use syncdesk::sandbox::SandboxConfig;

    use crate::support::clerk::{TEST_KEY, sandbox};

    let Some(db) = crate::support::test_db("cli_new_database").await else {
        return;
    };
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let sync = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_syncdesk"))
            .args(["sync", "--yes"])
            .args(extra)
            .env("SYNCDESK_MONGODB_URI", &db.uri)
            .env("SYNCDESK_DATABASE", &db.name)
            .env("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY)
            .env("SYNCDESK_CLERK_API_URL", &handle.base_url)
            .output()
            .unwrap()
    };
    let refused = sync(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "refused by default: {stderr}");
    assert!(
        stderr.contains("--create-collection") && stderr.contains(&db.name),
        "the error names the database and the way on: {stderr}"
    );
    assert_eq!(
        stderr.matches("does not exist in database").count(),
        1,
        "the message is printed once: {stderr}"
    );
    assert!(
        !db.store.collection_exists().await.unwrap(),
        "nothing was created by the refused run"
    );

    let dry = sync(&["--create-collection", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success() && stdout.contains("would be created"),
        "a dry run says what it would do: {stdout}"
    );
    assert!(
        !db.store.collection_exists().await.unwrap(),
        "and writes nothing"
    );

    let created = sync(&["--create-collection"]);
    let stdout = String::from_utf8_lossy(&created.stdout);
    assert!(
        created.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(
        stdout.contains("created `users` with unique indexes on clerk_user_id, user_id")
            && stdout.contains("3 done"),
        "the collection and its indexes first, then the three Clerk users: {stdout}"
    );
    assert_eq!(db.store.count().await.unwrap(), 3);
    handle.stop().await;
    db.cleanup().await;
}
