//! Forward mode: relay a verified request, byte for byte, to the developer's own backend.

use axum::body::Bytes;
use axum::http::HeaderMap;

use super::log::Forwarded;

/// Headers relayed as they came (the signature covers the body; these carry it).
const RELAYED: [&str; 8] = [
    "content-type",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "user-agent",
];

/// How much of the backend's answer is kept for the log.
const ANSWER_PREVIEW: usize = 500;

/// Sends the exact body and signature headers to `url` and returns its answer.
pub async fn forward(
    http: &reqwest::Client,
    url: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Forwarded {
    let mut request = http.post(url).body(body);
    for name in RELAYED {
        if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            Forwarded {
                url: url.to_string(),
                status: Some(status),
                body: text.chars().take(ANSWER_PREVIEW).collect(),
            }
        }
        Err(err) => Forwarded {
            url: url.to_string(),
            status: None,
            body: err.to_string(),
        },
    }
}
