//! A token bucket shared by every request of a client, so a fetch stays inside Clerk's limit.
//!
//! The bucket holds a tenth of the window's budget and refills the rest evenly, so any window of
//! the limit's length sees at most `requests` sends. Callers reserve a slot and sleep until it;
//! a 429 pauses the whole bucket for the server's `Retry-After`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::config::RateLimit;

#[derive(Debug)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    at: Instant,
    paused_until: Option<Instant>,
}

impl TokenBucket {
    pub fn new(limit: RateLimit) -> Self {
        let requests = f64::from(limit.requests);
        let capacity = (requests / 10.0).floor().max(1.0);
        // 2 % headroom for clock and network jitter between here and the server's counter.
        let per_second = ((requests - capacity).max(1.0) / limit.window.as_secs_f64()) * 0.98;
        Self {
            capacity,
            per_second,
            state: Mutex::new(State {
                tokens: capacity,
                at: Instant::now(),
                paused_until: None,
            }),
        }
    }

    /// The instant at which the caller may send, having reserved its slot (pure bookkeeping).
    pub fn reserve(&self, now: Instant) -> Instant {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(state.at).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.per_second).min(self.capacity);
        state.at = now;
        state.tokens -= 1.0;
        let ready = if state.tokens >= 0.0 {
            now
        } else {
            now + Duration::from_secs_f64(-state.tokens / self.per_second)
        };
        match state.paused_until {
            Some(until) if until > ready => until,
            _ => ready,
        }
    }

    /// Waits for a slot.
    pub async fn acquire(&self) {
        let ready = self.reserve(Instant::now());
        tokio::time::sleep_until(ready.into()).await;
    }

    /// Holds every sender back until `until` (a 429's `Retry-After`), and drains the bucket so the
    /// restart is not a burst.
    pub fn pause_until(&self, until: Instant) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.paused_until.is_none_or(|p| p < until) {
            state.paused_until = Some(until);
        }
        state.tokens = state.tokens.min(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_window_holds_more_than_the_limit() {
        let bucket = TokenBucket::new(RateLimit::per_10s(100));
        let start = Instant::now();
        let slots: Vec<Instant> = (0..300).map(|_| bucket.reserve(start)).collect();
        for (i, slot) in slots.iter().enumerate() {
            let within = slots[i..]
                .iter()
                .take_while(|s| s.duration_since(*slot) < Duration::from_secs(10))
                .count();
            assert!(
                within <= 100,
                "slot {i}: {within} sends within 10 s, over the limit of 100"
            );
        }
        let span = slots[299].duration_since(start).as_secs_f64();
        assert!(
            (30.0..34.0).contains(&span),
            "300 sends at ~88/10 s after a burst of 10 take about 33 s, not {span}"
        );
    }

    #[test]
    fn a_pause_holds_every_slot_back() {
        let bucket = TokenBucket::new(RateLimit::per_10s(1000));
        let now = Instant::now();
        bucket.pause_until(now + Duration::from_secs(2));
        assert!(
            bucket.reserve(now) >= now + Duration::from_secs(2),
            "a 429's Retry-After holds all senders"
        );
    }
}
