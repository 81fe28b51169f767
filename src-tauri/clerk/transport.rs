//! One request to Clerk, made reliably: the token bucket before every send, `Retry-After` on 429,
//! jittered exponential backoff on 5xx, timeouts and dropped connections, and a bounded total time.
//!
//! 4xx answers other than 429 are returned to the caller, which knows what they mean for its call.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use super::config::{API_VERSION, ClerkConfig, InstanceKind};
use super::error::{Error, Result, TraceId, scrub};
use super::limit::TokenBucket;
use super::wire::WireErrors;
use crate::secrets::Sensitive;

/// An answer that is not a 429 or a 5xx.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: bytes::Bytes,
}

#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    base_url: String,
    key: Sensitive<String>,
    kind: InstanceKind,
    bucket: TokenBucket,
    give_up_after: Duration,
    /// Requests sent, including retries.
    pub requests: AtomicU64,
    /// Retries (after a 429, a 5xx or a transport failure).
    pub retries: AtomicU64,
}

impl Transport {
    pub fn new(config: &ClerkConfig) -> Result<Arc<Self>> {
        let kind = InstanceKind::of_key(config.secret_key.expose())?;
        let base_url = config.base_url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| Error::InvalidBaseUrl {
            url: base_url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidBaseUrl {
                url: base_url,
                reason: "it must be http(s)".into(),
            });
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(config.max_in_flight.max(1))
            .user_agent(concat!("syncdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::InvalidBaseUrl {
                url: base_url.clone(),
                reason: e.to_string(),
            })?;
        Ok(Arc::new(Self {
            http,
            base_url,
            key: config.secret_key.clone(),
            kind,
            bucket: TokenBucket::new(config.effective_rate_limit()?),
            give_up_after: config.give_up_after,
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }))
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Removes the secret key from a message that might echo it.
    pub fn scrub(&self, message: &str) -> String {
        scrub(message, self.key.expose())
    }

    pub fn kind(&self) -> InstanceKind {
        self.kind
    }

    /// Sends `method path?query` (with a JSON body), retrying what is worth retrying.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<Reply> {
        let url = format!("{}{path}", self.base_url);
        // A POST that may have reached Clerk is not sent again: it could create a user twice.
        let retry_unsent_only = method == Method::POST;
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            self.bucket.acquire().await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(self.key.expose())
                .header("Clerk-API-Version", API_VERSION)
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            let failure = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = retry_after(response.headers());
                    match response.bytes().await {
                        Ok(body) if status == StatusCode::TOO_MANY_REQUESTS => {
                            let wait = retry_after.unwrap_or(Duration::from_secs(1));
                            if started.elapsed() + wait > self.give_up_after {
                                return Err(Error::RateLimited {
                                    retry_after: wait,
                                    waited: started.elapsed(),
                                });
                            }
                            drop(body);
                            self.bucket.pause_until(Instant::now() + wait);
                            self.retries.fetch_add(1, Ordering::Relaxed);
                            tracing::debug!(%url, wait_ms = wait.as_millis() as u64, "Clerk rate limit: waiting");
                            continue;
                        }
                        Ok(body) if status.is_server_error() && retry_unsent_only => {
                            return Err(Error::Unexpected {
                                what: format!("{method} {path}"),
                                status: status.as_u16(),
                                detail: "Clerk failed while handling it and it may have taken \
                                         effect: look the user up before trying again"
                                    .into(),
                                trace: TraceId(WireErrors::parse(&body).clerk_trace_id),
                            });
                        }
                        Ok(body) if status.is_server_error() => {
                            let trace = WireErrors::parse(&body).clerk_trace_id;
                            format!("{status} from Clerk{}", TraceId(trace))
                        }
                        Ok(body) => return Ok(Reply { status, body }),
                        Err(err) if retry_unsent_only => {
                            return Err(Error::Unreachable {
                                url: self.base_url.clone(),
                                attempts: attempt,
                                waited: started.elapsed(),
                                reason: format!(
                                    "the connection dropped while reading the answer to {method} \
                                     {path} ({}); not sent again, as Clerk may have acted on it",
                                    self.scrub(&describe(&err))
                                ),
                            });
                        }
                        Err(err) => format!(
                            "the connection dropped while reading the answer ({})",
                            describe(&err)
                        ),
                    }
                }
                Err(err) if retry_unsent_only && !err.is_connect() => {
                    return Err(Error::Unreachable {
                        url: self.base_url.clone(),
                        attempts: attempt,
                        waited: started.elapsed(),
                        reason: format!(
                            "{}; not sent again, as Clerk may have acted on it: look the user up \
                             before trying again",
                            self.scrub(&describe(&err))
                        ),
                    });
                }
                Err(err) => describe(&err),
            };
            let waited = started.elapsed();
            let pause = backoff(attempt);
            if waited + pause > self.give_up_after {
                return Err(Error::Unreachable {
                    url: self.base_url.clone(),
                    attempts: attempt,
                    waited,
                    reason: scrub(&failure, self.key.expose()),
                });
            }
            tracing::debug!(%url, attempt, reason = %failure, "retrying a Clerk request");
            self.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(pause).await;
        }
    }
}

/// `Retry-After` in seconds (Clerk sends whole seconds).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Full-jitter exponential backoff: a random pause in [0, min(8 s, 200 ms × 2^attempt)].
fn backoff(attempt: u32) -> Duration {
    let cap_ms = (200u64 << attempt.min(6)).min(8_000);
    let random = RandomState::new().hash_one(attempt);
    Duration::from_millis(50 + random % cap_ms)
}

/// A transport error in words, without the URL's query or any header.
fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the connection dropped mid-answer"
    } else {
        "the request failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_within_its_cap() {
        for attempt in 1..20 {
            let pause = backoff(attempt);
            assert!(
                pause <= Duration::from_millis(8_050),
                "attempt {attempt}: {pause:?} exceeds the 8 s cap"
            );
        }
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(
            retry_after(&headers),
            Some(Duration::from_secs(3)),
            "Clerk sends whole seconds"
        );
    }
}
