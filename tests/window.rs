//! The real window, end to end: `syncdesk` started by tauri-driver (WebKitWebDriver) with
//! `SYNCDESK_MONGODB_URI`/`SYNCDESK_DATABASE` pointing at a seeded database, driven with
//! fantoccini. Needs a display: `cargo xtask test` runs it under Xvfb in `dbus-run-session`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use syncdesk::mongo::FieldMapping;
use syncdesk::scenario::{CN_ID, ZEN_ID, seed_report_documents};

use crate::support;

// The Users view: the diff of the Clerk sandbox and a seeded database.
mod diff;
// Review and sync by clicks, and the production guard.
mod sync;
// Creating users by hand: the mapping's fields, the Clerk lookup, duplicates refused.
mod create;
// A first launch: a profile made in Settings, then the report's world brought in sync.
mod first_launch;
// The database going away mid-session: a banner with Retry over the last read.
mod outage;
// Cancel during a sync of 20,000 users, then finishing it.
mod cancel;
// A row's actions: its fix reviewed alone, a row left out of syncs; the dark theme.
mod row_fix;
// The window as drawn by default on a machine without a GPU, typed into with real key presses.
mod rendering;
// The Webhooks view: the listener, its log, live updates of the Users view, the doctor.
mod webhooks;
// The watch: a check every few seconds, one notification for a new sign-up.
mod watch;

const ROWS: &str = "#users-rows tr[data-testid='user-row']";

/// tauri-driver on free ports, stopped with SIGTERM on drop so that it stops WebKitWebDriver too
/// (gotcha 8: SIGKILL would leave WebKitWebDriver running).
struct Driver {
    child: Child,
    port: u16,
    _data: std::sync::Arc<tempfile::TempDir>,
}

impl Driver {
    fn spawn(uri: &str, database: &str) -> Self {
        Self::spawn_with(&[
            ("SYNCDESK_MONGODB_URI", uri),
            ("SYNCDESK_DATABASE", database),
        ])
    }

    /// The app over one database and one Clerk instance, from the `SYNCDESK_*` variables alone.
    fn for_instance(uri: &str, database: &str, clerk_key: &str, clerk_url: &str) -> Self {
        Self::spawn_with(&[
            ("SYNCDESK_MONGODB_URI", uri),
            ("SYNCDESK_DATABASE", database),
            ("SYNCDESK_CLERK_SECRET_KEY", clerk_key),
            ("SYNCDESK_CLERK_API_URL", clerk_url),
        ])
    }

    /// tauri-driver, and through it the app, with these `SYNCDESK_*` variables.
    fn spawn_with(env: &[(&str, &str)]) -> Self {
        Self::spawn_in(std::sync::Arc::new(tempfile::tempdir().unwrap()), env)
    }

    /// As `spawn_with`, in the data folders of `data` (a second launch sees what the first left).
    fn spawn_in(data: std::sync::Arc<tempfile::TempDir>, env: &[(&str, &str)]) -> Self {
        let (port, native_port) = (free_port(), free_port());
        let child = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            // WebKit's driver never finishes typing into a page drawn without GPU compositing
            // (what Syncdesk picks on a machine without a GPU, like this one): the WebDriver
            // tests draw with it. `rendering::the_default_drawing_takes_real_key_presses`
            // types into the default with xdotool instead.
            .env("SYNCDESK_COMPOSITING", "on")
            .envs(env.iter().copied())
            // The app's settings file and WebKit caches go to a throwaway directory.
            .env("XDG_DATA_HOME", data.path().join("data"))
            .env("XDG_CACHE_HOME", data.path().join("cache"))
            // The window-state plugin's file (size and position) too.
            .env("XDG_CONFIG_HOME", data.path().join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tauri-driver ({e}); install it: cargo install tauri-driver --locked"));
        let driver = Self {
            child,
            port,
            _data: data,
        };
        wait_for_port(port);
        // tauri-driver forwards the session request to WebKitWebDriver, which it starts at the
        // same time as itself; asked before that one listens, it drops the connection.
        wait_for_port(native_port);
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver (or its WebKitWebDriver) did not open port {port} within 15 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

async fn connect(port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert(
        "tauri:options".into(),
        json!({ "application": env!("CARGO_BIN_EXE_syncdesk") }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut builder = ClientBuilder::new(HttpConnector::new());
    let session = builder.capabilities(caps).connect(&url);
    match tokio::time::timeout(Duration::from_secs(60), session).await {
        Ok(session) => {
            session.unwrap_or_else(|e| panic!("WebDriver session with the app failed: {e}"))
        }
        Err(_) => panic!(
            "the app's window did not come up within 60 s ({})",
            env!("CARGO_BIN_EXE_syncdesk")
        ),
    }
}

/// Polls until the table shows `want` rows (the page loads the users asynchronously).
async fn wait_for_rows(client: &Client, want: usize) -> Vec<fantoccini::elements::Element> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = client.find_all(Locator::Css(ROWS)).await.unwrap();
        let visible = rows.len();
        if visible == want {
            return rows;
        }
        if Instant::now() > deadline {
            let state = match client.find(Locator::Id("users-state")).await {
                Ok(state) => state.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("expected {want} user rows, the table shows {visible}; state: {state:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A cell's text. `textContent`, not WebDriver's rendered text: WebKit's driver reports a cell
/// with `overflow: hidden` (used for the ellipsis) as not shown, and so its text as empty.
async fn cell(row: &fantoccini::elements::Element, col: &str) -> String {
    let td = row
        .find(Locator::Css(&format!("td[data-col='{col}']")))
        .await
        .unwrap();
    td.prop("textContent").await.unwrap().unwrap_or_default()
}

async fn screenshot(client: &Client, name: &str) -> PathBuf {
    // Let WebKit paint what the DOM already holds: two animation frames, then a short pause.
    // Without this a screenshot taken right after a DOM change can show an older frame.
    let painted = "const done = arguments[arguments.length - 1];\n\
                   requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
    client.execute_async(painted, vec![]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // CARGO_TARGET_TMPDIR is <target>/tmp; screenshots go next to it.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, client.screenshot().await.unwrap()).unwrap();
    println!("screenshot: {}", path.display());
    path
}

/// The text of the element with this id.
async fn text_of(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Polls the element's text until `check` accepts it (or 30 s have passed), and returns it.
async fn wait_text(client: &Client, id: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = text_of(client, id).await;
        if check(&text) || Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Replaces what a field holds, as a person would (clear it, type).
async fn type_into(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Polls the element's text until it is no longer `pending` (or 10 s have passed).
async fn settled_text(client: &Client, id: &str, pending: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = text_of(client, id).await;
    while text == pending && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        text = text_of(client, id).await;
    }
    text
}

/// Whether the window tests can run here (a display and a session bus); under `cargo xtask test`
/// they must.
fn window_or_skip(test: &str) -> bool {
    if std::env::var_os("DISPLAY").is_none() {
        assert!(
            !crate::support::required(),
            "no DISPLAY, but cargo xtask test runs the window tests under Xvfb: they cannot be skipped there"
        );
        println!("SKIPPED {test}: no DISPLAY (cargo xtask test runs it under Xvfb)");
        return false;
    }
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        assert!(
            !crate::support::required(),
            "no D-Bus session bus, but cargo xtask test runs the window tests in one"
        );
        // Gotcha 7: without a bus, WebKit autolaunches dbus-daemon and at-spi, which outlive the test.
        println!("SKIPPED {test}: no D-Bus session bus (run it in dbus-run-session)");
        return false;
    }
    true
}

#[tokio::test]
async fn the_window_lists_the_seeded_users() {
    if !window_or_skip("the_window_lists_the_seeded_users") {
        return;
    }
    let Some(db) = support::test_db("window_lists_users").await else {
        return;
    };
    db.store
        .replace_all(seed_report_documents(&FieldMapping::default()))
        .await
        .unwrap();
    let driver = Driver::spawn(&db.uri, &db.name);
    let client = connect(driver.port).await;

    users_table_shows_all_33(&client, &db.name).await;
    filter_finds_the_two_placeholders(&client).await;
    settings_explain_the_overrides(&client, &db.name, &db.uri).await;

    client.close().await.unwrap();
    drop(driver);
    db.cleanup().await;
}

#[tokio::test]
async fn a_second_launch_opens_on_the_view_the_first_ended_on() {
    if !window_or_skip("a_second_launch_opens_on_the_view_the_first_ended_on") {
        return;
    }
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let first = Driver::spawn_in(data.clone(), &[]);
    let client = connect(first.port).await;
    client
        .find(Locator::Id("nav-settings"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.close().await.unwrap();
    drop(first);
    let second = Driver::spawn_in(data, &[]);
    let client = connect(second.port).await;
    let current = nav_current(&client, "nav-settings").await;
    assert_eq!(
        current.as_deref(),
        Some("page"),
        "the window remembers its last view across launches"
    );
    client.close().await.unwrap();
}

/// `aria-current` of a navigation button, once the page has booted.
async fn nav_current(client: &Client, id: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let current = client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .attr("aria-current")
            .await
            .unwrap();
        if current.is_some() || Instant::now() > deadline {
            return current;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn users_table_shows_all_33(client: &Client, database: &str) {
    // With no Clerk key the Users view (the diff) says what is missing; the documents are in
    // the Database view.
    let state = wait_text(client, "diff-state", |t| t.contains("Not configured")).await;
    assert!(
        state.contains("Not configured yet") && state.contains("SYNCDESK_CLERK_SECRET_KEY"),
        "the diff names the Clerk key it needs: {state:?}"
    );
    screenshot(client, "users-no-clerk.png").await;
    client
        .find(Locator::Id("nav-database"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rows = wait_for_rows(client, 33).await;
    let count = text_of(client, "users-count").await;
    assert!(
        count.starts_with("33 users · "),
        "the header counts the users: {count:?}"
    );
    let from_env = format!("/{database}");
    assert!(
        count.ends_with(&from_env),
        "and names the database from SYNCDESK_DATABASE: {count:?}"
    );
    assert_eq!(
        cell(&rows[0], "username").await,
        "bella_trattoria",
        "user_id 1 comes first"
    );
    screenshot(client, "users.png").await;
}

/// The two placeholder rows a webhook made: `user_…` usernames carrying the Clerk ids.
async fn filter_finds_the_two_placeholders(client: &Client) {
    let search = client.find(Locator::Id("users-search")).await.unwrap();
    search.send_keys("user_").await.unwrap();
    let mut seen = Vec::new();
    for row in &wait_for_rows(client, 2).await {
        seen.push((
            cell(row, "username").await,
            cell(row, "clerk_id").await,
            cell(row, "provider").await,
        ));
    }
    let expected = [("user_ZENmFBVB", ZEN_ID), ("user_CNfpWudn", CN_ID)]
        .map(|(name, id)| (name.to_string(), id.to_string(), "clerk".to_string()));
    assert_eq!(
        seen, expected,
        "the filter finds exactly the two placeholder rows, with their Clerk ids"
    );
    let filtered = text_of(client, "users-count").await;
    assert!(
        filtered.starts_with("2 of 33 users"),
        "the header says the list is filtered: {filtered:?}"
    );
    screenshot(client, "users-filtered.png").await;
}

async fn settings_explain_the_overrides(client: &Client, database: &str, uri: &str) {
    client
        .find(Locator::Id("nav-settings"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let note = settled_text(client, "settings-overrides", "").await;
    assert!(
        note.contains("SYNCDESK_MONGODB_URI") && note.contains(database),
        "overrides are explained: {note:?}"
    );
    assert!(
        !note.contains(uri),
        "the URI itself is never shown: {note:?}"
    );
    let status = settled_text(client, "secret-mongodb_uri", "…").await;
    assert_eq!(
        status, "from SYNCDESK_MONGODB_URI",
        "the URI in use comes from the environment, and the badge says so (never the value)"
    );
    screenshot(client, "settings.png").await;
}
