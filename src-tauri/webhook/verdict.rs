//! The typed verdict and outcome of one delivery, as the delivery log, the CLI and the window
//! show them (snake_case in JSON): never strings another module compares.

use serde::Serialize;

use super::VerifyError;
use super::outcome::EventOutcome;

/// What verification said about a request (snake_case `verdict` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verification {
    /// The signature matches this endpoint's secret and the timestamp is fresh.
    Valid,
    /// Refused before verification could run (not a POST, a body over the limit).
    NotAttempted { reason: String },
    /// Refused by verification: which check, and the words that say what to fix.
    Refused { problem: Problem, reason: String },
}

/// Which verification check refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    MissingHeader,
    BadTimestamp,
    StaleTimestamp,
    FutureTimestamp,
    NoSignature,
    BadSignature,
    InvalidSecret,
}

impl From<&VerifyError> for Problem {
    fn from(err: &VerifyError) -> Self {
        match err {
            VerifyError::InvalidSecret(_) => Self::InvalidSecret,
            VerifyError::MissingHeader(_) => Self::MissingHeader,
            VerifyError::InvalidTimestamp(_) => Self::BadTimestamp,
            VerifyError::TooOld(_) => Self::StaleTimestamp,
            VerifyError::InFuture(_) => Self::FutureTimestamp,
            VerifyError::NoSignature => Self::NoSignature,
            VerifyError::BadSignature => Self::BadSignature,
        }
    }
}

impl Verification {
    pub fn refused(err: &VerifyError) -> Self {
        Self::Refused {
            problem: err.into(),
            reason: err.to_string(),
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid)
    }

    /// Why it was refused, in words; `None` when valid.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Valid => None,
            Self::NotAttempted { reason } | Self::Refused { reason, .. } => Some(reason),
        }
    }
}

/// What the listener did with a request (snake_case `kind` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// Refused: verification failed, or the verified body is not an event.
    Rejected,
    /// Verified (and forwarded) only: the listener runs with `--no-apply`.
    NotApplied,
    /// Applied; the operations written, e.g. `create` or `update+link`.
    Applied(String),
    Unchanged,
    /// Older than the database, or about a deleted user; why.
    Stale(String),
    Duplicate,
    Ignored,
    /// The database could not be reached: answered 503 so Svix retries.
    Unavailable,
    /// Could not be applied and never will be as it is (a conflict a person must look at):
    /// answered 409 with `webhook-delivery: abort-message`, so Svix stops retrying.
    Failed,
}

impl From<&EventOutcome> for DeliveryOutcome {
    fn from(outcome: &EventOutcome) -> Self {
        match outcome {
            EventOutcome::Applied(ops) => Self::Applied(ops.clone()),
            EventOutcome::Unchanged => Self::Unchanged,
            EventOutcome::Stale(why) => Self::Stale(why.clone()),
            EventOutcome::Duplicate => Self::Duplicate,
            EventOutcome::Ignored => Self::Ignored,
        }
    }
}

impl std::fmt::Display for DeliveryOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rejected => f.write_str("rejected"),
            Self::NotApplied => f.write_str("not applied"),
            Self::Applied(ops) => write!(f, "applied {ops}"),
            Self::Unchanged => f.write_str("unchanged"),
            Self::Stale(why) => write!(f, "stale ({why})"),
            Self::Duplicate => f.write_str("duplicate"),
            Self::Ignored => f.write_str("ignored"),
            Self::Unavailable => f.write_str("database unavailable"),
            Self::Failed => f.write_str("failed"),
        }
    }
}
