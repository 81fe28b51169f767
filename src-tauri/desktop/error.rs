//! `CommandError`: what a command returns to the UI on failure, `{code, message}`.
//!
//! The UI branches on `code` only (never on message text); `message` is a sentence for the user.
//! Add a code only when the UI does something different for it. No message holds a secret: the
//! core's errors already scrub the URI and password, and keychain errors never carry values.

use serde::Serialize;

use crate::keychain::KeychainError;
use crate::mongo;
use crate::profile::ProfileError;
use crate::profile::file::FileError;
use crate::workspace::WorkspaceError;

/// The codes the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// No database name, no MongoDB URI or no such profile yet: the UI sends the user to Settings.
    NotConfigured,
    /// The server cannot be reached.
    Connect,
    /// The server refused the credentials in the URI.
    Auth,
    /// The users collection is not in the database (wrong database name or mapping).
    CollectionMissing,
    /// The unique indexes writes need are not there: the UI names them and the way to create them.
    IndexesMissing,
    /// A write would create a second user with the same unique value.
    Duplicate,
    /// No Clerk user has the email: the UI offers to create one there.
    NotInClerk,
    /// A value the user typed cannot be used (URI, database name, mapping, profile field).
    InvalidInput,
    /// The OS keychain is locked, missing or refused.
    Keychain,
    /// A write to production that was not confirmed (the profile's name typed): the UI asks.
    NotConfirmed,
    /// What the page saves was changed elsewhere since it was read: the UI reloads it.
    Conflict,
    /// The settings file cannot be read or written.
    Storage,
    /// Anything else the server answered; shown as is.
    Server,
}

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: Code,
    pub message: String,
}

impl CommandError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A row asked for that the table does not hold (it was read again meanwhile).
    pub fn stale_row() -> Self {
        Self::new(
            Code::Conflict,
            "That row is not in the table any more (both sides were read again): pick it again.",
        )
    }
}

impl From<mongo::Error> for CommandError {
    fn from(err: mongo::Error) -> Self {
        let code = match &err {
            mongo::Error::Connect { .. } => Code::Connect,
            mongo::Error::Auth { .. } => Code::Auth,
            mongo::Error::CollectionMissing { .. } => Code::CollectionMissing,
            mongo::Error::IndexesMissing { .. } => Code::IndexesMissing,
            mongo::Error::DuplicateKey { .. } => Code::Duplicate,
            mongo::Error::InvalidUri { .. } | mongo::Error::Mapping(_) => Code::InvalidInput,
            mongo::Error::NotFound { .. }
            | mongo::Error::IdAllocation { .. }
            | mongo::Error::Server { .. }
            | mongo::Error::Refused { .. } => Code::Server,
        };
        Self::new(code, err.to_string())
    }
}

impl From<KeychainError> for CommandError {
    fn from(err: KeychainError) -> Self {
        Self::new(Code::Keychain, err.to_string())
    }
}

impl From<FileError> for CommandError {
    fn from(err: FileError) -> Self {
        Self::new(Code::Storage, err.to_string())
    }
}

impl From<ProfileError> for CommandError {
    fn from(err: ProfileError) -> Self {
        let code = match err {
            ProfileError::Unknown { .. } => Code::NotConfigured,
            ProfileError::BadName { .. }
            | ProfileError::Exists { .. }
            | ProfileError::Invalid { .. } => Code::InvalidInput,
        };
        Self::new(code, err.to_string())
    }
}

impl From<WorkspaceError> for CommandError {
    fn from(err: WorkspaceError) -> Self {
        match err {
            WorkspaceError::Profile(e) => e.into(),
            WorkspaceError::File(e) => e.into(),
            WorkspaceError::Mongo(e) => e.into(),
            WorkspaceError::MissingSecret { .. } | WorkspaceError::NoDatabase { .. } => {
                Self::new(Code::NotConfigured, err.to_string())
            }
            WorkspaceError::Keychain { .. } => Self::new(Code::Keychain, err.to_string()),
            WorkspaceError::Env(_) | WorkspaceError::WebhookSecret(_) => {
                Self::new(Code::InvalidInput, err.to_string())
            }
            WorkspaceError::NotConfirmed { .. } => Self::new(Code::NotConfirmed, err.to_string()),
            WorkspaceError::IndexesBlocked { .. } => Self::new(Code::Duplicate, err.to_string()),
            WorkspaceError::Snapshot(crate::sync::snapshot::SnapshotError::Database(e)) => e.into(),
            WorkspaceError::Manual(crate::sync::manual::ManualError::Database(e)) => e.into(),
            WorkspaceError::Manual(crate::sync::manual::ManualError::Duplicate { .. }) => {
                Self::new(Code::Duplicate, err.to_string())
            }
            WorkspaceError::Manual(crate::sync::manual::ManualError::NotInClerk(_)) => {
                Self::new(Code::NotInClerk, err.to_string())
            }
            WorkspaceError::Manual(crate::sync::manual::ManualError::Invalid { .. }) => {
                Self::new(Code::InvalidInput, err.to_string())
            }
            WorkspaceError::Manual(_) => Self::new(Code::Server, err.to_string()),
            WorkspaceError::Doctor(_)
            | WorkspaceError::NoSuchDocument { .. }
            | WorkspaceError::SeveralDocuments { .. } => {
                Self::new(Code::InvalidInput, err.to_string())
            }
            WorkspaceError::Listen(_) | WorkspaceError::Send(_) => {
                Self::new(Code::Server, err.to_string())
            }
            WorkspaceError::Clerk(_) | WorkspaceError::Snapshot(_) => {
                Self::new(Code::Server, err.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let err = CommandError::new(Code::NotConfigured, "No database name is set.");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_configured", "message": "No database name is set."}),
            "the UI reads exactly these two fields"
        );
    }

    #[test]
    fn mongo_errors_keep_their_actionable_kind() {
        let err = CommandError::from(mongo::Error::CollectionMissing {
            database: "app".into(),
            collection: "users".into(),
            hint: "; the database is empty".into(),
        });
        assert_eq!(
            err.code,
            Code::CollectionMissing,
            "the UI explains a missing collection differently"
        );
        assert!(
            err.message.contains("`users`"),
            "the message names the collection: {}",
            err.message
        );
    }
}
