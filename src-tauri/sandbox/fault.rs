//! Faults on demand: per-request latency, a rate limit answered with 429 and `Retry-After`,
//! 500s and dropped connections at a given rate, a refused or ignored cursor, and users created
//! and deleted while a client is paging.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::prng::SplitMix64;

/// How the sandbox treats `starting_after` (real instances on older API versions may not know it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CursorSupport {
    #[default]
    Supported,
    /// Answered with a 422, as for an unknown parameter.
    Refused,
    /// Silently ignored: the first page comes back again.
    Ignored,
}

#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added to every answer.
    pub latency: Duration,
    /// At most this many requests per 10 s (a sliding window), else 429 with `Retry-After`.
    pub rate_limit: Option<u32>,
    /// Share of requests answered with a 500.
    pub fail_rate: f64,
    /// Share of requests whose connection drops after the status line, mid-answer.
    pub drop_rate: f64,
    pub cursor: CursorSupport,
    /// Pages of a fetch (list requests past the first page) on which one user is created and one
    /// existing user deleted, until this many changes have been made.
    pub changes_during_fetch: u32,
    /// Seed of the fault sequence (which requests fail, which users are deleted).
    pub seed: u64,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Serve,
    RateLimited { retry_after_s: u64 },
    Fail,
    Drop,
}

#[derive(Debug)]
pub struct FaultState {
    pub faults: Faults,
    window: Mutex<VecDeque<Instant>>,
    rng: Mutex<SplitMix64>,
    changes_left: Mutex<u32>,
}

const WINDOW: Duration = Duration::from_secs(10);

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        let rng = SplitMix64::new(faults.seed ^ 0x5A4D_B0C5);
        let changes_left = faults.changes_during_fetch;
        Self {
            faults,
            window: Mutex::new(VecDeque::new()),
            rng: Mutex::new(rng),
            changes_left: Mutex::new(changes_left),
        }
    }

    /// Decides the fate of a request arriving at `now`.
    pub fn judge(&self, now: Instant) -> Verdict {
        if let Some(limit) = self.faults.rate_limit {
            let mut window = self
                .window
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            while window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WINDOW)
            {
                window.pop_front();
            }
            if window.len() >= limit as usize {
                let oldest = window.front().copied().unwrap_or(now);
                let wait = WINDOW.saturating_sub(now.duration_since(oldest));
                return Verdict::RateLimited {
                    retry_after_s: wait.as_secs_f64().ceil().max(1.0) as u64,
                };
            }
            window.push_back(now);
        }
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let roll = rng.unit();
        if roll < self.faults.fail_rate {
            Verdict::Fail
        } else if roll < self.faults.fail_rate + self.faults.drop_rate {
            Verdict::Drop
        } else {
            Verdict::Serve
        }
    }

    /// Whether this page of a fetch should come with a change, and a random number to pick it.
    pub fn take_change(&self) -> Option<u64> {
        let mut left = self
            .changes_left
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *left == 0 {
            return None;
        }
        *left -= 1;
        Some(
            self.rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .next_u64(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_is_a_sliding_window() {
        let state = FaultState::new(Faults {
            rate_limit: Some(3),
            ..Faults::default()
        });
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(
                state.judge(start + Duration::from_secs(i)),
                Verdict::Serve,
                "request {i} is within the limit"
            );
        }
        assert_eq!(
            state.judge(start + Duration::from_secs(3)),
            Verdict::RateLimited { retry_after_s: 7 },
            "the 4th request in 10 s waits until the first leaves the window"
        );
        assert_eq!(
            state.judge(start + Duration::from_secs(10)),
            Verdict::Serve,
            "the window moved on"
        );
    }

    #[test]
    fn fail_and_drop_rates_are_roughly_honoured() {
        let state = FaultState::new(Faults {
            fail_rate: 0.2,
            drop_rate: 0.1,
            seed: 9,
            ..Faults::default()
        });
        let now = Instant::now();
        let verdicts: Vec<Verdict> = (0..10_000).map(|_| state.judge(now)).collect();
        let fails = verdicts.iter().filter(|v| **v == Verdict::Fail).count();
        let drops = verdicts.iter().filter(|v| **v == Verdict::Drop).count();
        assert!(
            (1_800..2_200).contains(&fails),
            "about 20 % 500s, got {fails}"
        );
        assert!(
            (800..1_200).contains(&drops),
            "about 10 % drops, got {drops}"
        );
    }
}
