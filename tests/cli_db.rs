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
