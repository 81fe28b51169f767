//! The delivery log: every request the listener received, what verification said, what happened.
//!
//! Kept in memory (the last `CAPACITY` records) and broadcast as they happen, for the CLI and the
//! window's live event log.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::broadcast;

use super::verdict::{DeliveryOutcome, Verification};

/// How many deliveries the log keeps.
pub const CAPACITY: usize = 500;

/// One delivery, as shown in the event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
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
    feed: broadcast::Sender<Delivery>,
}

impl Default for DeliveryLog {
    fn default() -> Self {
        Self {
            records: Mutex::new(VecDeque::with_capacity(CAPACITY)),
            feed: broadcast::channel(CAPACITY).0,
        }
    }
}

impl DeliveryLog {
    pub fn push(&self, delivery: Delivery) {
        if let Ok(mut records) = self.records.lock() {
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
