//! Clerk's JSON, read leniently: unknown fields and enum values are ignored, missing or `null`
//! optional fields become empty, and users are reduced to the domain's [`ClerkUser`].

use serde::{Deserialize, Deserializer, Serialize};

use crate::user::ClerkUser;

/// `null` and a missing field both read as the type's default.
fn null_default<'de, D, T>(de: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}

/// A `User` object (spec schema `User`), only the fields syncing needs.
#[derive(Debug, Deserialize)]
pub struct WireUser {
    pub id: String,
    #[serde(default)]
    pub primary_email_address_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub email_addresses: Vec<WireEmail>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub banned: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub created_at: i64,
    #[serde(default, deserialize_with = "null_default")]
    pub updated_at: i64,
}

/// An `EmailAddress` object; `verification` and the rest are ignored.
#[derive(Debug, Deserialize)]
pub struct WireEmail {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub email_address: String,
}

/// `{"object":"total_count","total_count":N}`.
#[derive(Debug, Deserialize)]
pub struct WireCount {
    pub total_count: u64,
}

/// The `ClerkErrors` body of every 4xx.
#[derive(Debug, Default, Deserialize)]
pub struct WireErrors {
    #[serde(default, deserialize_with = "null_default")]
    pub errors: Vec<WireError>,
    #[serde(default)]
    pub clerk_trace_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WireError {
    #[serde(default, deserialize_with = "null_default")]
    pub message: String,
    #[serde(default)]
    pub long_message: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub code: String,
}

impl WireErrors {
    /// Reads a body as `ClerkErrors`; anything else gives an empty value.
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// The first error's code, or `"-"`.
    pub fn code(&self) -> String {
        self.errors
            .first()
            .map_or_else(|| "-".to_string(), |e| e.code.clone())
    }

    /// The first error's long message (or message), or the given fallback.
    pub fn message(&self, fallback: &str) -> String {
        self.errors
            .first()
            .map(|e| {
                e.long_message
                    .clone()
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| e.message.clone())
            })
            .unwrap_or_else(|| fallback.to_string())
    }
}

impl From<WireUser> for ClerkUser {
    fn from(wire: WireUser) -> Self {
        let primary = wire
            .primary_email_address_id
            .as_deref()
            .and_then(|pid| {
                wire.email_addresses
                    .iter()
                    .find(|e| e.id.as_deref() == Some(pid))
            })
            .map(|e| e.email_address.clone());
        let mut emails: Vec<String> = primary.iter().cloned().collect();
        emails.extend(
            wire.email_addresses
                .into_iter()
                .map(|e| e.email_address)
                .filter(|e| !e.is_empty() && Some(e) != primary.as_ref()),
        );
        ClerkUser {
            id: wire.id,
            primary_email: primary,
            emails,
            first_name: wire.first_name,
            last_name: wire.last_name,
            username: wire.username,
            external_id: wire.external_id,
            banned: wire.banned,
            created_at: wire.created_at,
            updated_at: wire.updated_at,
        }
    }
}

/// A user to create with `POST /users` (the spec's `CreateUser` body; the first address becomes
/// the primary one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewClerkUser {
    #[serde(rename = "email_address", skip_serializing_if = "Vec::is_empty")]
    pub email_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Creates the user without a password (they sign in by email code or a social login).
    pub skip_password_requirement: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_email_is_the_one_the_id_points_at_not_the_first() {
        let json = r#"{"id":"user_1","object":"user","primary_email_address_id":"idn_b",
            "email_addresses":[{"id":"idn_a","email_address":"old@example.com","verification":{"status":"weird_new_status"}},
                               {"id":"idn_b","email_address":"new@example.com"}],
            "first_name":null,"brand_new_field":{"x":1},"banned":null,"created_at":1730279325003}"#;
        let user: ClerkUser = serde_json::from_str::<WireUser>(json).unwrap().into();
        assert_eq!(
            user.primary_email.as_deref(),
            Some("new@example.com"),
            "primary follows primary_email_address_id"
        );
        assert_eq!(
            user.emails,
            ["new@example.com", "old@example.com"],
            "primary first, then the others"
        );
        assert!(
            !user.banned,
            "a null bool reads as false rather than failing"
        );
        assert_eq!(user.created_at, 1_730_279_325_003, "timestamps stay in ms");
    }

    #[test]
    fn a_user_without_a_primary_has_no_primary_email() {
        let json = r#"{"id":"user_2","primary_email_address_id":null,"email_addresses":[{"id":"idn_a","email_address":"a@example.com"}]}"#;
        let user: ClerkUser = serde_json::from_str::<WireUser>(json).unwrap().into();
        assert_eq!(
            user.primary_email, None,
            "email_addresses[0] is not promoted to primary"
        );
        assert_eq!(
            user.emails,
            ["a@example.com"],
            "the address is still listed"
        );
    }

    #[test]
    fn clerk_errors_give_code_and_long_message() {
        let body = br#"{"errors":[{"message":"taken","long_message":"That email address is taken.","code":"form_identifier_exists"}],"clerk_trace_id":"t1"}"#;
        let errors = WireErrors::parse(body);
        assert_eq!(
            errors.code(),
            "form_identifier_exists",
            "the code is what callers branch on"
        );
        assert_eq!(
            errors.message("?"),
            "That email address is taken.",
            "the long message is the helpful one"
        );
        assert_eq!(
            WireErrors::parse(b"<html>").code(),
            "-",
            "a non-JSON body still parses to something"
        );
    }

    #[test]
    fn new_users_serialize_with_the_spec_field_names() {
        let new = NewClerkUser {
            email_addresses: vec!["a@example.com".into()],
            ..Default::default()
        };
        let json = serde_json::to_value(&new).unwrap();
        assert_eq!(
            json["email_address"][0], "a@example.com",
            "CreateUser takes `email_address[]`"
        );
        assert!(
            json.get("first_name").is_none(),
            "unset fields are left out (the body is additionalProperties: false)"
        );
    }
}
