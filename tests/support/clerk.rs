//! Clerk-side test helpers: a sandbox on a free port, a client pointed at it, and the spec
//! validator.

pub mod spec;

use std::time::Duration;

use syncdesk::clerk::{ClerkClient, ClerkConfig, RateLimit};
use syncdesk::sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use syncdesk::secrets::Sensitive;

/// A development-looking key the sandbox accepts.
pub const TEST_KEY: &str = "sk_test_SandboxKey0123456789abcdefABCDEF";

/// Starts a sandbox with `config` on a free loopback port.
pub async fn sandbox(config: SandboxConfig) -> SandboxHandle {
    Sandbox::start(config).await.unwrap()
}

/// A client config for `base_url` with test-friendly budgets: the production limit (the sandbox
/// has none unless a test sets one) and a short give-up time.
pub fn config(base_url: &str) -> ClerkConfig {
    let mut config = ClerkConfig::new(Sensitive::new(TEST_KEY.to_string()));
    config.base_url = base_url.to_string();
    config.rate_limit = Some(RateLimit::per_10s(1000));
    config.request_timeout = Duration::from_secs(10);
    config.give_up_after = Duration::from_secs(20);
    config
}

/// A client for the sandbox behind `handle`.
pub fn client(handle: &SandboxHandle) -> ClerkClient {
    ClerkClient::new(config(&handle.base_url)).unwrap()
}

/// A raw `GET` against the sandbox with the test key: (status, headers, JSON body).
pub async fn get(
    handle: &SandboxHandle,
    path_and_query: &str,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    send(handle, reqwest::Method::GET, path_and_query, None).await
}

/// A raw request against the sandbox with the test key.
pub async fn send(
    handle: &SandboxHandle,
    method: reqwest::Method,
    path_and_query: &str,
    body: Option<serde_json::Value>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path_and_query}", handle.base_url))
        .bearer_auth(TEST_KEY)
        .header("Clerk-API-Version", "2026-05-12");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, headers, body)
}
