//! Test helpers: a fresh database per test on the test server, dropped afterwards.
//!
//! `cargo xtask test` starts the server and sets `MONGODB_URI` (and `SYNCDESK_REQUIRE_DB=1`, which
//! turns a missing server into a failure instead of a skip).

pub mod clerk;
// The window tests stop the database behind this relay.
#[cfg(feature = "desktop")]
pub mod outage;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use syncdesk::mongo::{FieldMapping, UserStore};
use syncdesk::secrets::Sensitive;

/// A database of its own for one test.
pub struct TestDb {
    pub store: UserStore,
    pub uri: String,
    pub name: String,
}

/// The test server's URI, or `None` (with the reason printed) when there is none.
pub fn mongodb_uri(test: &str) -> Option<String> {
    match std::env::var("MONGODB_URI") {
        Ok(uri) if !uri.is_empty() => Some(uri),
        _ if required() => {
            panic!(
                "{test}: MONGODB_URI is not set but SYNCDESK_REQUIRE_DB is: the test server did not start"
            )
        }
        _ => {
            println!(
                "SKIPPED {test}: MONGODB_URI is not set (run `cargo xtask test`, which starts a test server)"
            );
            None
        }
    }
}

/// A unique database name: test name, process id and a counter.
pub fn unique_name(test: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let short: String = test
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(30)
        .collect();
    format!(
        "t_{short}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Connects to a fresh database with the given mapping; `None` when the test must be skipped.
pub async fn test_db_with(test: &str, mapping: FieldMapping) -> Option<TestDb> {
    let uri = mongodb_uri(test)?;
    let name = unique_name(test);
    let store = UserStore::connect(&Sensitive::new(uri.clone()), &name, mapping)
        .await
        .unwrap_or_else(|e| panic!("{test}: cannot reach the test server: {e}"));
    Some(TestDb { store, uri, name })
}

/// A fresh database with the default (seed report) mapping.
pub async fn test_db(test: &str) -> Option<TestDb> {
    test_db_with(test, FieldMapping::default()).await
}

impl TestDb {
    /// Every document of the `users` collection as stored, bypassing the mapping.
    pub async fn raw_users(&self) -> Vec<mongodb::bson::Document> {
        let users = self
            .store
            .database()
            .collection::<mongodb::bson::Document>("users");
        let cursor = users.find(mongodb::bson::doc! {}).await.unwrap();
        futures_util::TryStreamExt::try_collect(cursor)
            .await
            .unwrap()
    }

    /// A unique index of the backend's own on `field` of the users collection (named
    /// `backend_<field>_unique`), for tests where the database refuses a write.
    pub async fn backend_unique_index(&self, field: &str) {
        let index = mongodb::IndexModel::builder()
            .keys(mongodb::bson::doc! {field: 1})
            .options(
                mongodb::options::IndexOptions::builder()
                    .unique(true)
                    .name(format!("backend_{field}_unique"))
                    .build(),
            )
            .build();
        self.store
            .database()
            .collection::<mongodb::bson::Document>("users")
            .create_index(index)
            .await
            .unwrap();
    }

    /// Drops the test's database; call it at the end of every test.
    pub async fn cleanup(self) {
        self.store.database().drop().await.unwrap();
    }
}

/// Waits for a condition, never for a fixed time: polls `check` until it gives `Ok`. `within` is
/// a generous bound for a slow, busy machine, not a timing assumption; on expiry the failure says
/// what the last check saw.
pub async fn eventually<T>(
    what: &str,
    within: Duration,
    mut check: impl AsyncFnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + within;
    let mut pause = Duration::from_millis(10);
    loop {
        match check().await {
            Ok(value) => return value,
            Err(seen) if Instant::now() >= deadline => {
                panic!("{what}: not so within {within:?}; last seen: {seen}")
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
        }
    }
}

/// Whether a missing test prerequisite must fail the test (under `cargo xtask test`) rather than
/// skip it.
pub fn required() -> bool {
    std::env::var_os("SYNCDESK_REQUIRE_DB").is_some()
}

/// Whether the OS keychain can be used: a session bus is there. Under `cargo xtask test` it
/// always is (dbus-run-session with gnome-keyring), so a missing one fails the test there.
#[cfg(feature = "keychain")]
pub fn keychain_or_skip(test: &str) -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        return true;
    }
    assert!(
        !required(),
        "no D-Bus session bus, but cargo xtask test runs the desktop tests in one: {test} cannot be skipped there"
    );
    println!(
        "SKIPPED {test}: no D-Bus session bus (cargo xtask test runs it in dbus-run-session with gnome-keyring)"
    );
    false
}

/// The CLI with its own settings folder and keychain service, and no `SYNCDESK_*` credentials
/// from the caller's environment: what it knows comes from the profile the test sets up.
pub fn cli(data_dir: &std::path::Path, keychain_service: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_syncdesk"));
    cmd.env("SYNCDESK_DATA_DIR", data_dir)
        .env("SYNCDESK_KEYCHAIN_SERVICE", keychain_service);
    for var in [
        "SYNCDESK_PROFILE",
        "SYNCDESK_MONGODB_URI",
        "SYNCDESK_DATABASE",
        "SYNCDESK_CLERK_SECRET_KEY",
        "SYNCDESK_CLERK_API_URL",
        "SYNCDESK_WEBHOOK_SECRET",
        "SYNCDESK_MAPPING",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs a command with `input` on its standard input; stdout and stderr together.
pub fn run_with_input(cmd: &mut std::process::Command, input: &str) -> (bool, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The seed report's world: its 33 documents in a fresh database, and the Clerk sandbox with its
/// users (`seed-report` preset).
pub async fn seed_report_world(test: &str) -> Option<(TestDb, syncdesk::sandbox::SandboxHandle)> {
    let db = test_db(test).await?;
    db.store
        .replace_all(syncdesk::scenario::seed_report_documents(
            &FieldMapping::default(),
        ))
        .await
        .unwrap();
    let config = syncdesk::sandbox::SandboxConfig::preset("seed-report").unwrap();
    Some((db, clerk::sandbox(config).await))
}
