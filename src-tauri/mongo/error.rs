//! `mongo::Error`: what can go wrong talking to the database, in terms a user can act on.
//!
//! Messages name the host and database but never the password: the URI is a secret.

use mongodb::error::{ErrorKind, WriteFailure};

use super::mapping::MappingError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the MongoDB URI is not valid: {reason}")]
    InvalidUri { reason: String },
    #[error(
        "cannot connect to MongoDB at {hosts}: {reason}. Is the server running, and reachable from this machine?"
    )]
    Connect { hosts: String, reason: String },
    #[error(
        "MongoDB at {hosts} refused the credentials in the URI ({reason}); check the user name, password and authSource"
    )]
    Auth { hosts: String, reason: String },
    #[error("a user with {field} = {value} already exists (unique index `{index}`)")]
    DuplicateKey {
        field: String,
        value: String,
        index: String,
    },
    #[error("collection `{collection}` does not exist in database `{database}`{hint}")]
    CollectionMissing {
        database: String,
        collection: String,
        hint: String,
    },
    #[error("no document with _id {doc_id} in `{collection}`; it may have been deleted meanwhile")]
    NotFound { collection: String, doc_id: String },
    #[error(
        "could not allocate a new user id after {attempts} attempts: another writer keeps taking the same ids"
    )]
    IdAllocation { attempts: u32 },
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("MongoDB at {hosts} answered with an error: {reason}")]
    Server { hosts: String, reason: String },
    #[error(
        "the collection `{collection}` has no unique index on {fields}, which Syncdesk's writes need ({why}); create them with `syncdesk db indexes`, or run a sync, which names them and creates them after its review",
        why = super::indexes::WHY_UNIQUE
    )]
    IndexesMissing { collection: String, fields: String },
    /// The server refused this one document (a validator, a type rule): the data must change.
    #[error("MongoDB at {hosts} refused the document: {reason}")]
    Refused { hosts: String, reason: String },
}

impl Error {
    /// Whether the same call can succeed later without anyone changing the data: the server
    /// was unreachable, refused the credentials or the collection (fixed by the operator, not the
    /// data), failed, or another writer got there first (a retry diffs again: the document is
    /// gone, or the Clerk id is now taken by the user's own document). Permanent: the server
    /// refused the document itself, or a unique rule of the backend's own (not Syncdesk's
    /// `syncdesk_…` indexes) holds the value.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connect { .. }
            | Self::Auth { .. }
            | Self::Server { .. }
            | Self::IdAllocation { .. }
            | Self::CollectionMissing { .. }
            | Self::NotFound { .. }
            | Self::IndexesMissing { .. } => true,
            Self::DuplicateKey { index, .. } => index.starts_with("syncdesk_"),
            Self::InvalidUri { .. } | Self::Mapping(_) | Self::Refused { .. } => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Turns a driver error into one of ours, with the host for context and secrets scrubbed.
pub(crate) fn from_driver(err: mongodb::error::Error, hosts: &str, secret: &str) -> Error {
    let reason = scrub(&err.to_string(), secret);
    let hosts = hosts.to_string();
    match err.kind.as_ref() {
        ErrorKind::Authentication { .. } => Error::Auth { hosts, reason },
        ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::DnsResolve { .. } => {
            Error::Connect {
                hosts,
                reason: connect_reason(&reason),
            }
        }
        ErrorKind::InvalidArgument { .. } => Error::InvalidUri { reason },
        _ => match duplicate_key(&err) {
            Some(dup) => dup,
            None if is_auth_code(&err) => Error::Auth { hosts, reason },
            None if matches!(
                err.kind.as_ref(),
                ErrorKind::Write(WriteFailure::WriteError(_))
            ) =>
            {
                Error::Refused { hosts, reason }
            }
            None => Error::Server { hosts, reason },
        },
    }
}

/// The driver's server-selection report (a topology dump) in a few words a person can act on;
/// anything not recognised is kept as the driver said it.
fn connect_reason(driver: &str) -> String {
    let lower = driver.to_ascii_lowercase();
    let known = [
        (
            "connection refused",
            "the connection was refused (nothing listens there)",
        ),
        ("timed out", "the server did not answer in time"),
        ("dns", "the host name could not be resolved"),
        (
            "failed to lookup address",
            "the host name could not be resolved",
        ),
        ("connection reset", "the server closed the connection"),
        ("certificate", "the TLS certificate was not accepted"),
        ("tls", "the TLS handshake failed"),
        ("server selection timeout", "no server answered in time"),
    ];
    known
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map_or_else(|| driver.to_string(), |(_, words)| (*words).to_string())
}

/// Authentication failed (18) or unauthorized (13), as some servers report it on a command.
fn is_auth_code(err: &mongodb::error::Error) -> bool {
    let code = match err.kind.as_ref() {
        ErrorKind::Command(c) => c.code,
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code,
        _ => return false,
    };
    matches!(code, 13 | 18)
}

/// The server's error code of a failed command, if that is what `err` is.
pub(crate) fn command_code(err: &mongodb::error::Error) -> Option<i32> {
    match err.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// A duplicate-key (E11000) error as "which field, which value", if that is what `err` is.
pub(crate) fn duplicate_key(err: &mongodb::error::Error) -> Option<Error> {
    let message = match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) if w.code == 11000 => w.message.clone(),
        ErrorKind::Command(c) if c.code == 11000 => c.message.clone(),
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .and_then(|errors| errors.iter().find(|w| w.code == 11000))?
            .message
            .clone(),
        ErrorKind::BulkWrite(b) => b
            .write_errors
            .values()
            .find(|w| w.code == 11000)?
            .message
            .clone(),
        _ => return None,
    };
    Some(parse_duplicate(&message))
}

/// Reads `… index: NAME dup key: { FIELD: VALUE }` out of an E11000 message.
pub(crate) fn parse_duplicate(message: &str) -> Error {
    let index = message
        .split("index: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("?")
        .to_string();
    let key = message
        .split("dup key: {")
        .nth(1)
        .and_then(|rest| rest.rsplit_once('}'))
        .map(|(inner, _)| inner.trim())
        .unwrap_or("");
    let (field, value) = key.split_once(':').unwrap_or((key, ""));
    Error::DuplicateKey {
        field: field.trim().trim_matches('"').to_string(),
        value: value.trim().to_string(),
        index,
    }
}

/// Removes every occurrence of the secret (the password, or the whole URI) from a message.
pub(crate) fn scrub(message: &str, secret: &str) -> String {
    if secret.len() < 3 {
        return message.to_string();
    }
    message.replace(secret, "***")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topology_dump_becomes_a_reason_in_words() {
        let dump = "Server selection timeout: No available servers. Topology: { Type: Single, Servers: [ { Address: 127.0.0.1:1, Type: Unknown, Error: Kind: I/O error: Connection refused (os error 111), labels: {} } ] }";
        assert_eq!(
            connect_reason(dump),
            "the connection was refused (nothing listens there)"
        );
        assert_eq!(
            connect_reason("something new"),
            "something new",
            "an unknown failure is kept as the driver said it"
        );
    }

    #[test]
    fn only_what_a_retry_can_fix_is_transient() {
        let dup = |index: &str| Error::DuplicateKey {
            field: "clerk_user_id".into(),
            value: "user_1".into(),
            index: index.into(),
        };
        assert!(
            dup("syncdesk_clerk_user_id_unique").is_transient(),
            "another writer created the user first: a retry diffs again and updates it"
        );
        assert!(
            !dup("backend_name_unique").is_transient(),
            "the backend's own unique rule holds the value until someone changes the data"
        );
        let refused = Error::Refused {
            hosts: "h".into(),
            reason: "Document failed validation".into(),
        };
        assert!(
            !refused.is_transient(),
            "a validator refusal needs the data changed"
        );
        let gone = Error::NotFound {
            collection: "users".into(),
            doc_id: "1".into(),
        };
        assert!(
            gone.is_transient(),
            "deleted meanwhile: a retry diffs again"
        );
        let down = Error::Connect {
            hosts: "h".into(),
            reason: "refused".into(),
        };
        assert!(down.is_transient());
    }

    #[test]
    fn duplicate_messages_name_the_field_and_value() {
        let msg = r#"E11000 duplicate key error collection: t.users index: user_id_1 dup key: { user_id: 7 }"#;
        match parse_duplicate(msg) {
            Error::DuplicateKey {
                field,
                value,
                index,
            } => {
                assert_eq!(
                    (field.as_str(), value.as_str(), index.as_str()),
                    ("user_id", "7", "user_id_1")
                );
            }
            other => panic!("expected a duplicate key, got {other:?}"),
        }
    }

    #[test]
    fn scrub_hides_the_password_but_keeps_short_strings_alone() {
        assert_eq!(
            scrub("auth failed for hunter2", "hunter2"),
            "auth failed for ***"
        );
        assert_eq!(
            scrub("a b", "a"),
            "a b",
            "a one-letter password would blank the message"
        );
    }
}
