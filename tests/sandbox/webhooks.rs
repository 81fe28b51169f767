//! The sandbox's webhooks: Svix-signed, Clerk's envelope, duplicates that keep their svix-id.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use syncdesk::sandbox::{SandboxConfig, WebhookConfig};
use syncdesk::secrets::Sensitive;
use syncdesk::webhook::SigningSecret;

use crate::support::clerk::spec::{assert_valid, webhook_schema};
use crate::support::clerk::{sandbox, send};
use crate::support::eventually;

/// What a webhook receiver got: (headers, raw body).
type Received = Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>;

async fn receiver() -> (String, Received, tokio::task::JoinHandle<()>) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/webhooks/clerk",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/clerk", listener.local_addr().unwrap());
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received, task)
}

#[tokio::test]
async fn changes_send_svix_signed_webhooks_with_duplicates() {
    let (url, received, task) = receiver().await;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let webhook = WebhookConfig {
        url,
        secret: Sensitive::new(secret.into()),
        duplicate_rate: 1.0,
        max_delay: Duration::from_millis(50),
        reorder: true,
        seed: 4,
    };
    let handle = sandbox(SandboxConfig {
        webhook: Some(webhook),
        ..SandboxConfig::generated(3, 2)
    })
    .await;
    let body = json!({"email_address": ["hook@example.com"]});
    let (_, _, created) = send(&handle, Method::POST, "/users", Some(body)).await;
    let id = created["id"].as_str().unwrap().to_string();
    send(
        &handle,
        Method::PATCH,
        &format!("/users/{id}"),
        Some(json!({"last_name": "Hook"})),
    )
    .await;
    send(&handle, Method::DELETE, &format!("/users/{id}"), None).await;
    let received = eventually(
        "three events, each delivered twice, reach the receiver",
        Duration::from_secs(30),
        async || {
            let seen = received.lock().unwrap().clone();
            if seen.len() >= 6 {
                Ok(seen)
            } else {
                Err(format!("{} deliveries", seen.len()))
            }
        },
    )
    .await;
    assert_eq!(
        received.len(),
        6,
        "three events, each delivered twice (duplicate_rate 1)"
    );
    let key = SigningSecret::parse(secret).unwrap();
    let mut types = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for (headers, body) in &received {
        let header = |name: &str| headers[name].to_str().unwrap().to_string();
        let (msg_id, timestamp) = (
            header("svix-id"),
            header("svix-timestamp").parse::<i64>().unwrap(),
        );
        assert_eq!(
            header("svix-signature"),
            key.sign(&msg_id, timestamp, body.as_bytes()),
            "signed over id.timestamp.body"
        );
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["object"], "event", "Clerk's envelope");
        let event_type = event["type"].as_str().unwrap().to_string();
        assert_valid(
            &event,
            webhook_schema(&event_type),
            &format!("the {event_type} webhook body"),
        );
        types.insert(event_type);
        ids.insert(msg_id);
    }
    assert_eq!(
        types,
        BTreeSet::from([
            "user.created".into(),
            "user.deleted".into(),
            "user.updated".into()
        ]),
        "create, update and delete each send their event type"
    );
    assert_eq!(
        ids.len(),
        3,
        "a duplicate reuses its message's svix-id, as Svix retries do"
    );
    assert_eq!(
        handle.deliveries().len(),
        6,
        "the sandbox logs each delivery"
    );
    handle.stop().await;
    task.abort();
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_message_id() {
    let attempts: Received = Arc::default();
    let sink = attempts.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                let mut seen = sink.lock().unwrap();
                seen.push((headers, body));
                if seen.len() == 1 {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let webhook = WebhookConfig {
        url,
        secret: Sensitive::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".into()),
        duplicate_rate: 0.0,
        max_delay: Duration::ZERO,
        reorder: false,
        seed: 1,
    };
    let handle = sandbox(SandboxConfig {
        webhook: Some(webhook),
        ..SandboxConfig::default()
    })
    .await;
    send(
        &handle,
        Method::POST,
        "/users",
        Some(json!({"email_address": ["retry@example.com"]})),
    )
    .await;
    // Both the receiver and the sandbox's own log must have the second attempt: the sandbox logs
    // an attempt once its answer is back, a moment after the receiver has it.
    let attempts = eventually(
        "the failed delivery is retried and both attempts are logged",
        Duration::from_secs(30),
        async || {
            let seen = attempts.lock().unwrap().clone();
            let logged = handle.deliveries().len();
            if seen.len() >= 2 && logged >= 2 {
                Ok(seen)
            } else {
                Err(format!("{} received, {logged} logged", seen.len()))
            }
        },
    )
    .await;
    assert_eq!(
        attempts.len(),
        2,
        "a 500 is retried (Svix counts any non-2xx as a failure), then it stops at the 200"
    );
    let id = |i: usize| attempts[i].0["svix-id"].to_str().unwrap().to_string();
    assert_eq!(
        id(0),
        id(1),
        "a retry resends the same message, so receivers can deduplicate"
    );
    let statuses: Vec<Option<u16>> = handle.deliveries().iter().map(|d| d.status).collect();
    assert_eq!(
        statuses,
        [Some(500), Some(200)],
        "the sandbox logs both attempts"
    );
    handle.stop().await;
    task.abort();
}
