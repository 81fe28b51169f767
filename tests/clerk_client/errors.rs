//! The client's errors: each names what to fix, keeps Clerk's trace id, never shows the key.

use std::time::Duration;

use syncdesk::clerk::{ClerkClient, ClerkConfig, Error, RateLimit};
use syncdesk::sandbox::{Faults, SandboxConfig};
use syncdesk::secrets::Sensitive;

use super::with_faults;
use crate::support::clerk::{TEST_KEY, config, sandbox};

#[tokio::test]
async fn a_bad_key_is_unauthorized_and_never_shown() {
    let handle = sandbox(SandboxConfig::generated(3, 1)).await;
    let key = "sk_test_wrong-key-hunter2";
    let mut config = config(&handle.base_url);
    config.secret_key = Sensitive::new(key.into());
    let client = ClerkClient::new(config.clone()).unwrap();
    let err = client.list_all_users(|_| {}).await.unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { .. }),
        "401 means the key: {err:?}"
    );
    for text in [
        err.to_string(),
        format!("{err:?}"),
        format!("{config:?}"),
        format!("{client:?}"),
    ] {
        assert!(
            !text.contains("hunter2"),
            "the secret key never appears: {text}"
        );
    }
    assert!(
        err.to_string()
            .contains("copy it again from the Clerk Dashboard (API keys) into the profile")
            && !err.to_string().contains("SYNCDESK_"),
        "the message says what to fix, whichever front end or source the key came from: {err}"
    );
    let publishable = ClerkConfig::new(Sensitive::new("pk_test_abc".into()));
    assert!(
        matches!(ClerkClient::new(publishable), Err(Error::InvalidKey { .. })),
        "a non-secret key is refused before sending"
    );
    handle.stop().await;
}

#[tokio::test]
async fn a_url_that_is_not_the_api_is_a_wrong_instance() {
    let handle = sandbox(SandboxConfig::generated(3, 1)).await;
    let root = handle.base_url.trim_end_matches("/v1").to_string();
    let err = ClerkClient::new(config(&root))
        .unwrap()
        .count_users()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WrongInstance { status: 404, .. }),
        "a URL without /v1 answers 404: {err:?}"
    );
    assert!(
        err.to_string().contains("/v1"),
        "the message hints at the URL: {err}"
    );
    assert!(
        err.trace_id().is_some(),
        "Clerk's trace id is kept for support"
    );
    handle.stop().await;
}

#[tokio::test]
async fn an_unreachable_clerk_gives_up_in_bounded_time() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut config = config(&format!("http://127.0.0.1:{port}/v1"));
    config.give_up_after = Duration::from_secs(2);
    let started = std::time::Instant::now();
    let err = ClerkClient::new(config)
        .unwrap()
        .count_users()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unreachable { .. }),
        "nothing listens there: {err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "gave up after about the budget, not forever"
    );
}

#[tokio::test]
async fn an_unexpected_answer_names_the_trace_id() {
    let app = axum::Router::new().route(
        "/v1/users/count",
        axum::routing::get(|| async {
            axum::Json(serde_json::json!({"surprise": true, "clerk_trace_id": "trace_9f8e"}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let err = ClerkClient::new(config(&url))
        .unwrap()
        .count_users()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unexpected { .. }),
        "a 200 without total_count is unexpected: {err:?}"
    );
    assert!(
        err.to_string().contains("trace_9f8e"),
        "the trace id is in the message: {err}"
    );
    server.abort();
}

#[tokio::test]
async fn the_rate_limit_follows_the_key_prefix_unless_overridden() {
    let handle = sandbox(SandboxConfig::generated(3, 1)).await;
    let mut config = ClerkConfig::new(Sensitive::new(TEST_KEY.into()));
    config.base_url = handle.base_url.clone();
    assert_eq!(
        config.effective_rate_limit().unwrap(),
        RateLimit::per_10s(100),
        "sk_test_ is a development instance"
    );
    assert_eq!(
        ClerkClient::new(config)
            .unwrap()
            .count_users()
            .await
            .unwrap(),
        3,
        "the default config works"
    );
    handle.stop().await;
}

#[tokio::test]
async fn gives_up_on_a_long_rate_limit_with_the_wait() {
    let handle = sandbox(with_faults(
        10,
        Faults {
            rate_limit: Some(1),
            ..Faults::default()
        },
    ))
    .await;
    let mut config = config(&handle.base_url);
    config.give_up_after = Duration::from_secs(2);
    let client = ClerkClient::new(config).unwrap();
    client.count_users().await.unwrap();
    match client.count_users().await {
        Err(Error::RateLimited { retry_after, .. }) => {
            assert!(
                retry_after > Duration::from_secs(2),
                "the error says how long to wait: {retry_after:?}"
            )
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    handle.stop().await;
}

#[tokio::test]
async fn a_failed_create_is_not_sent_twice() {
    let handle = sandbox(with_faults(
        0,
        Faults {
            fail_rate: 1.0,
            ..Faults::default()
        },
    ))
    .await;
    let client = ClerkClient::new(config(&handle.base_url)).unwrap();
    let new = syncdesk::clerk::NewClerkUser {
        email_addresses: vec!["once@example.com".into()],
        ..Default::default()
    };
    let err = client.create_user(&new).await.unwrap_err();
    assert!(
        matches!(err, Error::Unexpected { status: 500, .. }),
        "a 500 on POST is reported, not retried: {err:?}"
    );
    assert_eq!(
        client.requests_sent(),
        1,
        "a POST that may have taken effect is never repeated (it could create the user twice)"
    );
    assert!(
        err.to_string().contains("look the user up"),
        "the message says what to do: {err}"
    );
    handle.stop().await;
}
