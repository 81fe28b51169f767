//! Svix-signed `user.created` / `user.updated` / `user.deleted` webhooks for the sandbox's own
//! changes, delivered like Svix does: at least once (optional duplicates with the same `svix-id`),
//! retried on failure, and optionally delayed and reordered.
//!
//! Signature: HMAC-SHA256 over `"{svix-id}.{svix-timestamp}.{body}"` keyed with the base64-decoded
//! part of the `whsec_` secret, sent as `svix-signature: v1,<base64>`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::prng::SplitMix64;
use crate::secrets::Sensitive;
use crate::webhook::SigningSecret;

/// Where and how to deliver.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: String,
    /// `whsec_…`, as the receiving endpoint knows it.
    pub secret: Sensitive<String>,
    /// Share of messages delivered a second time, with the same `svix-id`.
    pub duplicate_rate: f64,
    /// Each delivery waits a random time up to this long.
    pub max_delay: Duration,
    /// Deliver each message independently (so a later change can arrive first), as Svix does.
    pub reorder: bool,
    pub seed: u64,
}

/// One delivery attempt, for tests and the CLI log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub msg_id: String,
    pub event_type: String,
    /// HTTP status, or `None` when the receiver could not be reached.
    pub status: Option<u16>,
}

/// The sending side: changes go in, deliveries happen in the background.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<(String, Value)>,
    pub log: Arc<Mutex<Vec<Delivery>>>,
}

impl Outbox {
    /// Starts the delivery task.
    pub fn start(config: WebhookConfig, key: SigningSecret) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<(String, Value)>();
        let log = Arc::new(Mutex::new(Vec::new()));
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sender = Sender {
            http: reqwest::Client::new(),
            config: Arc::new(config),
            key: Arc::new(key),
            log: log.clone(),
        };
        tokio::spawn(async move {
            let mut rng = SplitMix64::new(sender.config.seed ^ 0x5EED_5B1C);
            while let Some((event_type, data)) = rx.recv().await {
                let msg_id = rng.clerk_id("msg_");
                let body = envelope(&event_type, data);
                let delay = sender.config.max_delay.mul_f64(rng.unit());
                let copies = if rng.chance(sender.config.duplicate_rate) {
                    2
                } else {
                    1
                };
                for copy in 0..copies {
                    let (sender, msg_id, event_type, body) = (
                        sender.clone(),
                        msg_id.clone(),
                        event_type.clone(),
                        body.clone(),
                    );
                    let delay = delay + sender.config.max_delay.mul_f64(f64::from(copy));
                    if sender.config.reorder || copy > 0 {
                        tokio::spawn(async move {
                            sender.deliver(delay, &msg_id, &event_type, &body).await
                        });
                    } else {
                        sender.deliver(delay, &msg_id, &event_type, &body).await;
                    }
                }
            }
        });
        Self { tx, log }
    }

    /// Queues an event (`user.created`, …) with its `data`.
    pub fn send(&self, event_type: &str, data: Value) {
        let _ = self.tx.send((event_type.to_string(), data));
    }
}

#[derive(Debug, Clone)]
struct Sender {
    http: reqwest::Client,
    config: Arc<WebhookConfig>,
    key: Arc<SigningSecret>,
    log: Arc<Mutex<Vec<Delivery>>>,
}

/// Svix retries immediately, then after 5 s, 5 min, …; the sandbox keeps the first three steps,
/// shortened, so a developer sees retries without waiting minutes.
const RETRY_PAUSES: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(5),
];

impl Sender {
    async fn deliver(&self, delay: Duration, msg_id: &str, event_type: &str, body: &str) {
        tokio::time::sleep(delay).await;
        for pause in RETRY_PAUSES {
            tokio::time::sleep(pause).await;
            let timestamp = unix_seconds();
            let signature = self.key.sign(msg_id, timestamp, body.as_bytes());
            let result = self
                .http
                .post(&self.config.url)
                .header("content-type", "application/json")
                .header("svix-id", msg_id)
                .header("svix-timestamp", timestamp.to_string())
                .header("svix-signature", signature)
                .body(body.to_string())
                .timeout(Duration::from_secs(15))
                .send()
                .await;
            let status = result.ok().map(|r| r.status().as_u16());
            tracing::info!(msg_id, event_type, ?status, "sandbox webhook delivery");
            self.log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(Delivery {
                    msg_id: msg_id.into(),
                    event_type: event_type.into(),
                    status,
                });
            if status.is_some_and(|s| (200..300).contains(&s)) {
                return;
            }
        }
    }
}

/// Clerk's event envelope.
fn envelope(event_type: &str, data: Value) -> String {
    json!({
        "data": data,
        "object": "event",
        "type": event_type,
        "timestamp": unix_seconds() * 1000,
        "instance_id": "ins_2sandbox0000000000000000000",
        "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "syncdesk-sandbox"}},
    })
    .to_string()
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
