//! What a `ClerkClient` needs: the secret key, the API URL, the rate limit and the time budgets.
//!
//! The rate limit is inferred from the key prefix (Clerk's published limits: production
//! `sk_live_` 1000 requests / 10 s, development `sk_test_` 100 / 10 s) unless it is overridden.

use std::time::Duration;

use crate::secrets::Sensitive;

use super::error::{Error, Result};

/// Clerk's Backend API, version 1.
pub const DEFAULT_BASE_URL: &str = "https://api.clerk.com/v1";
/// The Backend API version this client speaks, sent as `Clerk-API-Version` on every request.
pub const API_VERSION: &str = "2026-05-12";
/// Clerk's largest page (`limit` is 1–500; an out-of-range value is not always an error).
pub const MAX_PAGE: u32 = 500;

/// Which kind of instance a secret key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceKind {
    Development,
    Production,
}

impl InstanceKind {
    /// From the key prefix: `sk_test_` is development, `sk_live_` production.
    pub fn of_key(key: &str) -> Result<Self> {
        if key.starts_with("sk_test_") && key.len() > 8 {
            Ok(Self::Development)
        } else if key.starts_with("sk_live_") && key.len() > 8 {
            Ok(Self::Production)
        } else {
            Err(Error::InvalidKey {
                reason: "a Clerk secret key starts with `sk_test_` (development) or `sk_live_` \
                         (production); copy it from the Clerk Dashboard, API keys"
                    .into(),
            })
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }

    /// Clerk's Backend API limit for this kind of instance.
    pub fn rate_limit(self) -> RateLimit {
        match self {
            Self::Development => RateLimit::per_10s(100),
            Self::Production => RateLimit::per_10s(1000),
        }
    }
}

/// A request budget: at most `requests` in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
}

impl RateLimit {
    /// Clerk's unit: requests per 10 seconds.
    pub fn per_10s(requests: u32) -> Self {
        Self {
            requests: requests.max(1),
            window: Duration::from_secs(10),
        }
    }
}

/// Everything a client needs; build it with [`ClerkConfig::new`] and adjust the public fields.
#[derive(Debug, Clone)]
pub struct ClerkConfig {
    pub secret_key: Sensitive<String>,
    /// Default [`DEFAULT_BASE_URL`]; a sandbox URL such as `http://127.0.0.1:PORT/v1` in tests.
    pub base_url: String,
    /// `None`: inferred from the key prefix.
    pub rate_limit: Option<RateLimit>,
    /// Time allowed for one HTTP request (connect, send, read the whole body).
    pub request_timeout: Duration,
    /// How long one call may keep retrying (5xx, timeouts, dropped connections, 429) before it
    /// gives up with an error.
    pub give_up_after: Duration,
    /// Most requests in flight at once during a full fetch.
    pub max_in_flight: usize,
}

impl ClerkConfig {
    pub fn new(secret_key: Sensitive<String>) -> Self {
        Self {
            secret_key,
            base_url: DEFAULT_BASE_URL.to_string(),
            rate_limit: None,
            request_timeout: Duration::from_secs(30),
            give_up_after: Duration::from_secs(90),
            max_in_flight: 48,
        }
    }

    /// The limit in force: the override, or the one of the key's instance kind.
    pub fn effective_rate_limit(&self) -> Result<RateLimit> {
        match self.rate_limit {
            Some(limit) => Ok(limit),
            None => Ok(InstanceKind::of_key(self.secret_key.expose())?.rate_limit()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_prefix_decides_the_instance_kind_and_limit() {
        assert_eq!(
            InstanceKind::of_key("sk_live_abc")
                .unwrap()
                .rate_limit()
                .requests,
            1000,
            "sk_live_ is a production instance: 1000 requests / 10 s"
        );
        assert_eq!(
            InstanceKind::of_key("sk_test_abc")
                .unwrap()
                .rate_limit()
                .requests,
            100,
            "sk_test_ is a development instance: 100 requests / 10 s"
        );
        let err = InstanceKind::of_key("pk_test_abc").unwrap_err().to_string();
        assert!(
            err.contains("sk_test_"),
            "a publishable key is refused with a hint: {err}"
        );
        assert!(
            !err.contains("pk_test_abc"),
            "the key itself is never echoed: {err}"
        );
    }

    #[test]
    fn an_explicit_limit_overrides_the_inferred_one() {
        let mut config = ClerkConfig::new(Sensitive::new("sk_test_abc".into()));
        config.rate_limit = Some(RateLimit::per_10s(5));
        assert_eq!(
            config.effective_rate_limit().unwrap().requests,
            5,
            "the override wins"
        );
    }
}
