//! What applying a webhook event did, and why it could not be applied: the words the listener
//! logs and the status codes it answers with.

use crate::mongo::Error;

/// What applying one event did (the word the listener logs and answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Written: `create`, `update`, `link`, `deactivate` (joined with `+` when several).
    Applied(String),
    /// Already in the database as the event says.
    Unchanged,
    /// Older than what the database holds, or about a deleted user.
    Stale(String),
    /// This message id was applied before.
    Duplicate,
    /// Not a `user.*` event.
    Ignored,
}

impl EventOutcome {
    /// Whether the message is recorded as handled (so a redelivery is a duplicate): everything
    /// but a duplicate itself and an ignored type.
    pub fn is_recorded(&self) -> bool {
        !matches!(self, Self::Duplicate | Self::Ignored)
    }
}

impl std::fmt::Display for EventOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Applied(ops) => write!(f, "applied {ops}"),
            Self::Unchanged => f.write_str("unchanged"),
            Self::Stale(why) => write!(f, "stale ({why})"),
            Self::Duplicate => f.write_str("duplicate"),
            Self::Ignored => f.write_str("ignored"),
        }
    }
}

/// Why an event could not be applied.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApplyError {
    /// The database cannot be reached: answer 5xx so that Svix retries.
    #[error("{0}")]
    Unavailable(String),
    /// The event conflicts with the data (e.g. its email belongs to two documents): a person must look.
    #[error("{0}")]
    Conflict(String),
}

impl From<Error> for ApplyError {
    fn from(err: Error) -> Self {
        if err.is_transient() {
            Self::Unavailable(err.to_string())
        } else {
            Self::Conflict(err.to_string())
        }
    }
}
