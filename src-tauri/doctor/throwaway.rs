//! The doctor's throwaway user: a Clerk-shaped id and `example.com` addresses that carry one
//! recognisable marker, its events as Clerk sends them, and the byte layouts a receiver might
//! re-serialise a body into.

use serde::Serialize;
use serde_json::{Value, json};

use crate::webhook::send::{EventKind, envelope, example_user};

/// In every throwaway id and address, so a person (and the clean-up) can tell them apart.
pub const MARKER: &str = "syncdesk-doctor";

/// One run's throwaway user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throwaway {
    /// `user_2SyncdeskDoctor…`, 27 characters after `user_` like a real Clerk id.
    pub clerk_id: String,
    /// The primary address (listed second on purpose).
    pub primary: String,
    /// Listed first but not primary: a receiver that stores `email_addresses[0]` stores this.
    pub decoy: String,
    /// The primary address after the `user.updated` event.
    pub updated: String,
}

impl Throwaway {
    /// A fresh throwaway user; `nonce` is 12 lowercase letters or digits, unique per run.
    pub fn new(nonce: &str) -> Self {
        Self {
            clerk_id: format!("user_2SyncdeskDoctor{nonce}"),
            primary: format!("{MARKER}.{nonce}@example.com"),
            decoy: format!("{MARKER}.{nonce}.listed-first@example.com"),
            updated: format!("{MARKER}.{nonce}.updated@example.com"),
        }
    }

    /// A nonce from the message-id generator (unique per process and call).
    pub fn fresh() -> Self {
        let id = crate::webhook::send::new_message_id().to_ascii_lowercase();
        let nonce: String = id
            .trim_start_matches("msg_")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        Self::new(&nonce)
    }

    /// Every address this user ever has, for look-ups and the clean-up.
    pub fn emails(&self) -> [&str; 3] {
        [&self.primary, &self.decoy, &self.updated]
    }

    /// The Clerk `User` object: two addresses, the primary one second; `primary` chooses which
    /// address is primary (`self.primary`, or `self.updated` after the update).
    fn user(&self, primary: &str, updated_at_ms: i64) -> Value {
        let mut user = example_user();
        let suffix = self.clerk_id.trim_start_matches("user_");
        let address = |id: String, email: &str, status: &str| {
            json!({
                "id": id, "object": "email_address", "email_address": email, "reserved": false,
                "linked_to": [],
                "verification": {"object": "verification_otp", "status": status,
                    "strategy": "email_code", "attempts": 1, "expire_at": null},
                "created_at": updated_at_ms, "updated_at": updated_at_ms
            })
        };
        let primary_id = format!("idn_{suffix}P");
        user["id"] = self.clerk_id.clone().into();
        user["first_name"] = "Doctor".into();
        user["last_name"] = format!("Check {suffix}").into();
        user["primary_email_address_id"] = primary_id.clone().into();
        user["email_addresses"] = json!([
            address(format!("idn_{suffix}D"), &self.decoy, "unverified"),
            address(primary_id, primary, "verified"),
        ]);
        user["created_at"] = updated_at_ms.into();
        user["updated_at"] = updated_at_ms.into();
        user
    }

    /// The event body for `kind`, as Clerk sends it; after `user.created`, an update makes
    /// `self.updated` the primary address.
    pub fn event(&self, kind: EventKind, now_ms: i64) -> Value {
        let primary = match kind {
            EventKind::Created => &self.primary,
            EventKind::Updated | EventKind::Deleted => &self.updated,
        };
        envelope(kind, &self.user(primary, now_ms), now_ms)
    }
}

/// How a body's bytes are laid out: a receiver that parses and re-serialises before verifying
/// only accepts the layout its serialiser writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// No spaces, and every `/` escaped as `\/`: valid JSON for the same value, which no
    /// serialiser writes back, so a receiver that re-serialises before verifying is caught
    /// even when it re-serialises compactly.
    Compact,
    /// Compact as serialisers write it (`JSON.stringify(body)`, `serde_json::to_vec`).
    Reserialised,
    /// Indented by two spaces (`JSON.stringify(body, null, 2)`, `serde_json::to_string_pretty`).
    Indented,
    /// Python's `json.dumps` default: `", "` and `": "`.
    Spaced,
}

impl Layout {
    pub fn bytes(self, value: &Value) -> Vec<u8> {
        match self {
            Self::Compact => {
                let plain = serde_json::to_vec(value).unwrap_or_default();
                let mut out = Vec::with_capacity(plain.len() + 64);
                for byte in plain {
                    // `/` only ever appears inside strings in JSON, where `\/` means the same.
                    if byte == b'/' {
                        out.push(b'\\');
                    }
                    out.push(byte);
                }
                out
            }
            Self::Reserialised => serde_json::to_vec(value).unwrap_or_default(),
            Self::Indented => serde_json::to_vec_pretty(value).unwrap_or_default(),
            Self::Spaced => {
                let mut out = Vec::new();
                let mut ser = serde_json::Serializer::with_formatter(&mut out, Spaced);
                let _ = value.serialize(&mut ser);
                out
            }
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Compact => "compact, slashes escaped",
            Self::Reserialised => "compact as a serialiser writes it (like JSON.stringify(body))",
            Self::Indented => "indented (like JSON.stringify(body, null, 2))",
            Self::Spaced => "spaced (like Python's json.dumps)",
        }
    }
}

/// Python's default separators.
struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::event::{self, ClerkEvent};

    #[test]
    fn the_throwaway_user_is_clerk_shaped_and_marked() {
        let user = Throwaway::fresh();
        assert_eq!(
            user.clerk_id.len(),
            5 + 27,
            "as long as a real Clerk id: {}",
            user.clerk_id
        );
        assert!(
            crate::diff::is_clerk_id(&user.clerk_id),
            "a receiver's own placeholder check must take it as real"
        );
        assert!(
            user.emails()
                .iter()
                .all(|e| e.starts_with(MARKER) && e.ends_with("@example.com"))
        );
        assert_ne!(Throwaway::fresh(), user, "each run has its own user");
    }

    #[test]
    fn the_primary_address_is_listed_second_and_updates_switch_it() {
        let user = Throwaway::new("abcdefghijkl");
        let created = Layout::Compact.bytes(&user.event(EventKind::Created, 1_800_000_000_000));
        let Ok(ClerkEvent::UserChanged { user: parsed, .. }) = event::parse(&created) else {
            panic!("a user.created event");
        };
        assert_eq!(parsed.primary_email.as_deref(), Some(user.primary.as_str()));
        let value: Value = serde_json::from_slice(&created).unwrap();
        assert_eq!(
            value["data"]["email_addresses"][0]["email_address"], user.decoy,
            "index 0 is not the primary address, so email_addresses[0] is caught"
        );
        let updated = Layout::Compact.bytes(&user.event(EventKind::Updated, 1_800_000_001_000));
        let Ok(ClerkEvent::UserChanged { user: parsed, .. }) = event::parse(&updated) else {
            panic!("a user.updated event");
        };
        assert_eq!(parsed.primary_email.as_deref(), Some(user.updated.as_str()));
    }

    #[test]
    fn each_layout_is_the_same_json_in_other_bytes() {
        let value = Throwaway::new("abcdefghijkl").event(EventKind::Created, 0);
        let layouts = [
            Layout::Compact,
            Layout::Reserialised,
            Layout::Indented,
            Layout::Spaced,
        ]
        .map(|l| l.bytes(&value));
        for bytes in &layouts {
            assert_eq!(serde_json::from_slice::<Value>(bytes).unwrap(), value);
        }
        let distinct: std::collections::BTreeSet<&Vec<u8>> = layouts.iter().collect();
        assert_eq!(
            distinct.len(),
            4,
            "four different byte strings of one value"
        );
        assert!(
            String::from_utf8_lossy(&layouts[0]).contains(r"https:\/\/img.clerk.com"),
            "the sent body escapes its slashes"
        );
        let spaced = String::from_utf8(layouts[3].clone()).unwrap();
        assert!(
            spaced.contains("\": ") && spaced.contains(", \""),
            "{spaced}"
        );
    }
}
