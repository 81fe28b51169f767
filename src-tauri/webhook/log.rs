//! The delivery log: every request the listener received, what verification said, what happened.
//!
//! Kept in memory (the last `CAPACITY` records) and broadcast as they happen, for the CLI and the
//! window's live event log.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::broadcast;

use super::verdict::{DeliveryOutcome, Verification};

/// How many deliveries the log keeps.
pub const CAPACITY: usize = 1_000;

/// One delivery, as shown in the event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// Its number in this listener's log, from 1 (set when logged).
    pub seq: u64,
    /// When it arrived, Unix ms.
    pub at_ms: i64,
    /// The message id (`svix-id`), when the header was there.
    pub message_id: Option<String>,
    /// The event type, when the body verified and parsed.
    pub event_type: Option<String>,
    /// Valid, or which check refused it and why.
    pub verification: Verification,
    /// What was done with it.
    pub outcome: DeliveryOutcome,
    /// The HTTP status answered.
    pub status: u16,
    pub latency_ms: f64,
    /// The developer's backend's answer, in forward mode.
    pub forwarded: Option<Forwarded>,
    /// The request as received, for the window's detail (never serialised with the record).
    #[serde(skip)]
    pub request: Option<Arc<Request>>,
    /// The event, when the body verified and parsed (for the window's live updates).
    #[serde(skip)]
    pub event: Option<Arc<super::event::ClerkEvent>>,
}

/// A request's headers and body, as the event log's detail shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// Every header, in the order received; credentials masked (`authorization`, `cookie`, and
    /// any value shaped like a secret: `whsec_…`, `sk_…`, a MongoDB URI).
    pub headers: Vec<(String, String)>,
    /// The body as text (cut at `BODY_KEPT` bytes).
    pub body: String,
}

/// How much of a body the log keeps.
pub const BODY_KEPT: usize = 64 * 1024;

impl Request {
    pub fn new(headers: &axum::http::HeaderMap, body: &[u8]) -> Self {
        let headers = headers
            .iter()
            .map(|(name, value)| {
                let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
                let credential = matches!(
                    name.as_str(),
                    "authorization" | "cookie" | "proxy-authorization"
                ) || [
                    "whsec_",
                    "sk_live_",
                    "sk_test_",
                    "mongodb://",
                    "mongodb+srv://",
                ]
                .iter()
                .any(|shape| text.contains(shape));
                let shown = if credential {
                    "(masked)".to_string()
                } else {
                    text
                };
                (name.as_str().to_string(), shown)
            })
            .collect();
        let kept = &body[..body.len().min(BODY_KEPT)];
        Self {
            headers,
            body: String::from_utf8_lossy(kept).into_owned(),
        }
    }
}

/// What the forward target answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forwarded {
    pub url: String,
    /// The status, or `None` when it could not be reached.
    pub status: Option<u16>,
    /// The start of its answer (or the connection error).
    pub body: String,
}

/// The in-memory log with a live feed.
pub struct DeliveryLog {
    records: Mutex<VecDeque<Delivery>>,
    next: std::sync::atomic::AtomicU64,
    feed: broadcast::Sender<Delivery>,
}

impl Default for DeliveryLog {
    fn default() -> Self {
        Self {
            records: Mutex::new(VecDeque::with_capacity(CAPACITY)),
            next: std::sync::atomic::AtomicU64::new(1),
            feed: broadcast::channel(CAPACITY).0,
        }
    }
}

impl DeliveryLog {
    pub fn push(&self, mut delivery: Delivery) {
        if let Ok(mut records) = self.records.lock() {
            delivery.seq = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if records.len() == CAPACITY {
                records.pop_front();
            }
            records.push_back(delivery.clone());
        }
        // Nobody listening is fine.
        let _ = self.feed.send(delivery);
    }

    /// The kept records, oldest first.
    pub fn snapshot(&self) -> Vec<Delivery> {
        self.records
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Record `seq`, while it is still kept.
    pub fn get(&self, seq: u64) -> Option<Delivery> {
        let records = self.records.lock().ok()?;
        records.iter().find(|d| d.seq == seq).cloned()
    }

    /// Records as they arrive from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Delivery> {
        self.feed.subscribe()
    }
}

impl std::fmt::Display for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:<14} {:<32} {} {:<10} {:>6.1} ms",
            self.status,
            self.event_type.as_deref().unwrap_or("-"),
            self.message_id.as_deref().unwrap_or("-"),
            if self.verification.is_valid() {
                "verified"
            } else {
                "REJECTED"
            },
            self.outcome.to_string(),
            self.latency_ms
        )?;
        if let Some(reason) = self.verification.reason() {
            write!(f, " ({reason})")?;
        }
        if let Some(fwd) = &self.forwarded {
            match fwd.status {
                Some(status) => write!(f, " → {} answered {status}", fwd.url)?,
                None => write!(f, " → {} unreachable: {}", fwd.url, fwd.body)?,
            }
        }
        Ok(())
    }
}
