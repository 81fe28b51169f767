//! The Webhooks view in the real window: start the listener, send a signed event about the
//! sandbox's missing user, see its log line and the Users view's row turn in sync without a
//! Refresh; a badly signed request shows its verdict in words; a row opens its request; and
//! "Check my backend" against this very listener passes every step.

use fantoccini::{Client, Locator};

use syncdesk::scenario::MISSING_ID;
use syncdesk::webhook::SigningSecret;
use syncdesk::webhook::send::{EventKind, envelope, example_user, new_message_id, signed_headers};

use super::diff::{click, wait_chip, wait_for_count};
use super::{
    Driver, connect, free_port, screenshot, text_of, type_into, wait_text, window_or_skip,
};
use crate::support::{self, clerk::TEST_KEY};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Another endpoint's secret: what a backend with the wrong one signs with.
const WRONG: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The log's rows, newest first: (verification, outcome, status) of each.
async fn log_rows(client: &Client) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for row in client
        .find_all(Locator::Css("#hook-rows tr"))
        .await
        .unwrap()
    {
        let cell = |col: &'static str| {
            let row = row.clone();
            async move {
                row.find(Locator::Css(&format!("td[data-col='{col}']")))
                    .await
                    .unwrap()
                    .prop("textContent")
                    .await
                    .unwrap()
                    .unwrap_or_default()
            }
        };
        rows.push((
            cell("verdict").await,
            cell("outcome").await,
            cell("status").await,
        ));
    }
    rows
}

async fn wait_rows(client: &Client, count: usize) -> Vec<(String, String, String)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let rows = log_rows(client).await;
        if rows.len() >= count || std::time::Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

#[tokio::test]
async fn the_listener_in_the_window_logs_applies_live_and_checks_a_backend() {
    if !window_or_skip("the_listener_in_the_window_logs_applies_live_and_checks_a_backend") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_webhooks").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let driver = Driver::spawn_with(&[
        ("SYNCDESK_MONGODB_URI", &db.uri),
        ("SYNCDESK_DATABASE", &db.name),
        ("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY),
        ("SYNCDESK_CLERK_API_URL", &sandbox.base_url),
        ("SYNCDESK_WEBHOOK_SECRET", SECRET),
    ]);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;
    assert_eq!(
        wait_chip(&client, "missing", "1").await,
        "1",
        "the seed report's missing user"
    );

    // Start the listener on a port of this test's own.
    click(&client, "#nav-webhooks").await;
    let port = free_port();
    type_into(&client, "hook-port", &port.to_string()).await;
    click(&client, "#hook-toggle").await;
    let status = wait_text(&client, "hook-status", |t| t.starts_with("Listening on")).await;
    let url = format!("http://127.0.0.1:{port}/api/webhooks/clerk");
    assert!(
        status.contains(&url) && status.contains(&db.name),
        "the status names the URL and the database it applies to: {status:?}"
    );
    let svix = client
        .find(Locator::Id("hook-svix"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        svix.as_deref(),
        Some(format!("svix listen {url}").as_str()),
        "the relay line to copy is for this port"
    );

    // A signed user.created about the sandbox's missing user, sent from the window.
    client
        .find(Locator::Id("send-from"))
        .await
        .unwrap()
        .select_by_value("clerk_user")
        .await
        .unwrap();
    type_into(&client, "send-value", MISSING_ID).await;
    click(&client, "#send-submit").await;
    let sent = wait_text(&client, "send-result", |t| t.contains("answered")).await;
    assert!(
        sent.contains("answered 200"),
        "the listener took it: {sent:?}"
    );
    let rows = wait_rows(&client, 1).await;
    assert_eq!(
        rows[0],
        (
            "Valid".to_string(),
            "created".to_string(),
            "200".to_string()
        ),
        "the log line says the signature was valid and the user created"
    );

    // A request signed with another endpoint's secret, as a misconfigured sender would.
    let body = envelope(EventKind::Created, &example_user(), 1_716_883_200_000).to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let wrong = SigningSecret::parse(WRONG).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut request = reqwest::Client::new().post(&url).body(body.clone());
    for (name, value) in signed_headers(&wrong, &new_message_id(), now, body.as_bytes()) {
        request = request.header(name, value);
    }
    assert_eq!(request.send().await.unwrap().status().as_u16(), 401);
    let rows = wait_rows(&client, 2).await;
    assert_eq!(
        rows[0],
        (
            "Bad signature".to_string(),
            "rejected".to_string(),
            "401".to_string()
        ),
        "newest first, with the verdict in words: {rows:?}"
    );
    let counts = text_of(&client, "hook-counts").await;
    assert_eq!(counts, "Last hour: 1 accepted · 1 refused or failed");

    // The created event's row opens its request; the log pauses on it.
    click(&client, "#hook-rows tr:nth-child(2) td[data-col='outcome']").await;
    let payload = wait_text(&client, "hook-detail-body", |t| t.contains(MISSING_ID)).await;
    assert!(
        payload.contains("\"type\": \"user.created\""),
        "the body, pretty-printed: {payload:.200}"
    );
    let headers = text_of(&client, "hook-detail-headers").await;
    assert!(
        headers.contains("svix-signature: v1,") && !headers.contains(SECRET),
        "the headers, never the secret"
    );
    screenshot(&client, "webhooks-log.png").await;

    // The Users view changed without a Refresh: the missing user is in sync.
    click(&client, "#nav-users").await;
    assert_eq!(
        wait_chip(&client, "missing", "0").await,
        "0",
        "the applied event updated the table live"
    );
    let status = text_of(&client, "diff-status").await;
    assert!(
        status.contains("kept up to date by the listener"),
        "{status:?}"
    );
    screenshot(&client, "webhooks-users-live.png").await;

    // Check my backend, against this very listener: every step passes.
    click(&client, "#nav-webhooks").await;
    click(&client, "#hook-detail-close").await;
    type_into(&client, "doctor-url", &url).await;
    click(&client, "#doctor-run").await;
    let summary = wait_text(&client, "doctor-summary", |t| t.contains("steps passed")).await;
    assert!(
        summary.starts_with("7 of 7 steps passed"),
        "{summary:?}: {}",
        text_of(&client, "doctor-steps").await
    );
    let verdicts = client
        .find_all(Locator::Css("#doctor-steps li[data-verdict='passed']"))
        .await
        .unwrap();
    assert_eq!(verdicts.len(), 7, "one line per step, each passed");
    client
        .execute(
            "document.getElementById('hook-doctor').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&client, "webhooks-doctor.png").await;

    click(&client, "#hook-toggle").await;
    wait_text(&client, "hook-status", |t| t == "The listener is stopped.").await;
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "Stop frees the port"
    );
    client.close().await.unwrap();
    sandbox.stop().await;
    db.cleanup().await;
}
