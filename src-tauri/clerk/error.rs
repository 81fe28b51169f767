//! `clerk::Error`: what can go wrong talking to Clerk, in terms a user can act on.
//!
//! No variant ever holds the secret key: messages name the API URL, the HTTP status, Clerk's error
//! code and its `clerk_trace_id` (what Clerk support asks for), never the `Authorization` header.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the Clerk secret key is not usable: {reason}")]
    InvalidKey { reason: String },
    #[error("the Clerk API URL `{url}` is not valid: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error(
        "Clerk rejected the secret key (401 {code}): it is not the current secret key of this {kind} \
         instance; copy it again from the Clerk Dashboard (API keys) into the profile{trace}"
    )]
    Unauthorized {
        kind: &'static str,
        code: String,
        trace: TraceId,
    },
    #[error(
        "{url} did not accept this key for {what} ({status}): is the key from the instance this URL \
         serves, and does the URL end in /v1?{trace}"
    )]
    WrongInstance {
        url: String,
        what: String,
        status: u16,
        trace: TraceId,
    },
    #[error(
        "Clerk is rate limiting this key and asks to wait {}s more (gave up after {}s); \
         try again later or lower the request rate",
        retry_after.as_secs(), waited.as_secs()
    )]
    RateLimited {
        retry_after: Duration,
        waited: Duration,
    },
    #[error(
        "cannot reach Clerk at {url} after {attempts} attempts over {}s: {reason}. Is the network up \
         and the API URL right?",
        waited.as_secs()
    )]
    Unreachable {
        url: String,
        attempts: u32,
        waited: Duration,
        reason: String,
    },
    #[error("Clerk refused {what} ({status} {code}): {message}{trace}")]
    Rejected {
        what: String,
        status: u16,
        code: String,
        message: String,
        trace: TraceId,
    },
    #[error("Clerk sent an unexpected response to {what} ({status}): {detail}{trace}")]
    Unexpected {
        what: String,
        status: u16,
        detail: String,
        trace: TraceId,
    },
    /// The one taking the users asked for no more (a closed pipe, a cancel).
    #[error("the fetch of the Clerk users was stopped before its end")]
    Stopped,
}

pub type Result<T> = std::result::Result<T, Error>;

/// Clerk's `clerk_trace_id`, shown as " (clerk_trace_id …)" when Clerk sent one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceId(pub Option<String>);

impl std::fmt::Display for TraceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(id) => write!(f, " (clerk_trace_id {id})"),
            None => Ok(()),
        }
    }
}

impl Error {
    /// Clerk's trace id for this failure, when it sent one.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { trace, .. }
            | Self::WrongInstance { trace, .. }
            | Self::Rejected { trace, .. }
            | Self::Unexpected { trace, .. } => trace.0.as_deref(),
            _ => None,
        }
    }
}

/// Removes the secret key from a message that might echo it (a proxy's error page, say).
pub(crate) fn scrub(message: &str, secret: &str) -> String {
    if secret.len() < 8 {
        return message.to_string();
    }
    message.replace(secret, "<redacted>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_shown_only_when_present() {
        let with = Error::Unexpected {
            what: "GET /users".into(),
            status: 502,
            detail: "not JSON".into(),
            trace: TraceId(Some("abc123".into())),
        };
        assert!(
            with.to_string().ends_with("(clerk_trace_id abc123)"),
            "support needs the trace id"
        );
        assert_eq!(
            with.trace_id(),
            Some("abc123"),
            "callers can read the trace id too"
        );
        let without = Error::RateLimited {
            retry_after: Duration::from_secs(3),
            waited: Duration::from_secs(60),
        };
        assert!(
            without.to_string().contains("wait 3s"),
            "the user is told how long to wait"
        );
    }

    #[test]
    fn scrub_hides_a_key_echoed_back() {
        let key = "sk_test_abcdefghijklmnop";
        assert_eq!(
            scrub(&format!("bad key {key}"), key),
            "bad key <redacted>",
            "an echoed key is replaced, the rest of the message kept"
        );
    }
}
