//! Clerk's webhook payloads, parsed only after the signature verified.
//!
//! The envelope is `{type, object: "event", data, timestamp, instance_id}`. `user.created` and
//! `user.updated` carry a full `User`, `user.deleted` only `{id, deleted, external_id?}`. Other
//! event types are acknowledged and ignored. The envelope `timestamp` is milliseconds in real
//! deliveries and seconds in the spec's examples; both are accepted.

use serde::Deserialize;

use crate::user::ClerkUser;

/// What a verified delivery asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ClerkEvent {
    /// `user.created` or `user.updated`: the user as Clerk has it now.
    UserChanged { created: bool, user: ClerkUser },
    /// `user.deleted`: only the id survives deletion.
    UserDeleted { id: String, at_ms: i64 },
    /// Any other type (`session.created`, `organization.*`, …).
    Ignored { event_type: String },
}

impl ClerkEvent {
    pub fn event_type(&self) -> &str {
        match self {
            Self::UserChanged { created: true, .. } => "user.created",
            Self::UserChanged { created: false, .. } => "user.updated",
            Self::UserDeleted { .. } => "user.deleted",
            Self::Ignored { event_type } => event_type,
        }
    }

    /// The Clerk user id the event is about, if any.
    pub fn clerk_id(&self) -> Option<&str> {
        match self {
            Self::UserChanged { user, .. } => Some(&user.id),
            Self::UserDeleted { id, .. } => Some(id),
            Self::Ignored { .. } => None,
        }
    }
}

/// Why a verified body is still not an event we can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the event has no `type`")]
    NoType,
    #[error("`{event_type}` has no usable `data`: {reason}")]
    BadData { event_type: String, reason: String },
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    event_type: Option<String>,
    #[serde(default)]
    data: serde_json::Value,
    #[serde(default)]
    timestamp: Option<i64>,
}

#[derive(Deserialize)]
struct Deleted {
    id: Option<String>,
}

/// Parses a verified body.
pub fn parse(body: &[u8]) -> Result<ClerkEvent, EventError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| EventError::NotJson(e.to_string()))?;
    let event_type = envelope.event_type.ok_or(EventError::NoType)?;
    let bad = |reason: String| EventError::BadData {
        event_type: event_type.clone(),
        reason,
    };
    match event_type.as_str() {
        "user.created" | "user.updated" => {
            let user =
                crate::clerk::user_from_value(envelope.data).map_err(|e| bad(e.to_string()))?;
            if !user.id.starts_with("user_") {
                return Err(bad(format!("`{}` is not a Clerk user id", user.id)));
            }
            Ok(ClerkEvent::UserChanged {
                created: event_type == "user.created",
                user,
            })
        }
        "user.deleted" => {
            let deleted: Deleted =
                serde_json::from_value(envelope.data).map_err(|e| bad(e.to_string()))?;
            let id = deleted
                .id
                .filter(|id| id.starts_with("user_"))
                .ok_or_else(|| bad("no user id".into()))?;
            Ok(ClerkEvent::UserDeleted {
                id,
                at_ms: envelope.timestamp.map_or(0, to_millis),
            })
        }
        _ => Ok(ClerkEvent::Ignored { event_type }),
    }
}

/// Seconds (below 10^12) become milliseconds; milliseconds stay.
pub fn to_millis(timestamp: i64) -> i64 {
    if timestamp.abs() < 1_000_000_000_000 {
        timestamp * 1000
    } else {
        timestamp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_user_events_parse_and_others_are_ignored() {
        let created = br#"{"type":"user.created","object":"event","timestamp":1716883200,
            "data":{"id":"user_2g7np7Hrk0SN6kj5EDMLDaKNL0S","object":"user","first_name":"John",
            "primary_email_address_id":"idn_1","email_addresses":[{"id":"idn_1","email_address":"john@example.com"}],
            "updated_at":1716883200000,"new_field":true}}"#;
        match parse(created).unwrap() {
            ClerkEvent::UserChanged {
                created: true,
                user,
            } => {
                assert_eq!(user.primary_email.as_deref(), Some("john@example.com"));
            }
            other => panic!("a user.created event: {other:?}"),
        }
        let deleted = br#"{"type":"user.deleted","timestamp":1716883200,"data":{"object":"user","id":"user_x","deleted":true}}"#;
        assert_eq!(
            parse(deleted).unwrap(),
            ClerkEvent::UserDeleted {
                id: "user_x".into(),
                at_ms: 1_716_883_200_000
            },
            "seconds in the spec's examples are read as seconds"
        );
        let session = br#"{"type":"session.created","data":{}}"#;
        assert_eq!(parse(session).unwrap().event_type(), "session.created");
    }

    #[test]
    fn broken_bodies_say_what_is_wrong() {
        assert!(matches!(parse(b"{not json"), Err(EventError::NotJson(_))));
        assert_eq!(parse(br#"{"data":{}}"#), Err(EventError::NoType));
        let test_user =
            br#"{"type":"user.created","data":{"id":"test_user","email_addresses":[]}}"#;
        assert!(
            matches!(parse(test_user), Err(EventError::BadData { .. })),
            "the report's fake id is refused"
        );
    }
}
