//! The field mapping: which collection and which document fields hold each piece of a user.
//!
//! The default is the schema of the backend in the seed report (`user_id`, `clerk_user_id`, …);
//! a team with other field names writes a JSON file with the fields that differ.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Where each part of a user lives in the backend's documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldMapping {
    /// The users collection.
    pub collection: String,
    /// The field holding the Clerk user id (`user_…`).
    pub clerk_id: String,
    /// Clerk-owned fields: kept equal to Clerk by sync.
    pub email: String,
    pub name: String,
    pub username: String,
    /// The backend's own sequential integer id, allocated atomically on create; `null` if the
    /// backend has none.
    pub user_id: Option<String>,
    /// Optional bookkeeping fields; `null` when the backend has no such field.
    pub auth_provider: Option<String>,
    pub active: Option<String>,
    pub status: Option<String>,
    /// Where Syncdesk records the Clerk `updated_at` (ms) it last wrote, so that an older webhook
    /// event never overwrites a newer state; `null` turns that check off.
    pub clerk_updated_at: Option<String>,
    /// App-owned fields shown beside each user (never overwritten by sync).
    pub app_fields: Vec<String>,
    /// Values every new document starts with, before the mapped fields are set.
    pub defaults: Map<String, Value>,
    /// What a written document holds where Clerk leaves a Clerk-owned field empty.
    pub fallbacks: Fallbacks,
}

/// How a Clerk-owned field that Clerk leaves empty is filled in a document Syncdesk writes, so
/// the backend never reads a null where its schema has a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// The email's local part: `ada.lovelace` of `ada.lovelace@example.com` (what the report's own
    /// sync script did).
    EmailLocalPart,
    /// The whole email address.
    Email,
    /// The username (Clerk's, or the username's own fallback), else the email.
    UsernameOrEmail,
}

/// The fallback of each field Clerk may leave empty; `null` in the mapping writes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fallbacks {
    /// Default: the email's local part, made unique if another document holds it.
    pub username: Option<Fallback>,
    /// Default: the username, else the email.
    pub name: Option<Fallback>,
}

impl Default for Fallbacks {
    fn default() -> Self {
        Self {
            username: Some(Fallback::EmailLocalPart),
            name: Some(Fallback::UsernameOrEmail),
        }
    }
}

impl Default for FieldMapping {
    fn default() -> Self {
        let defaults = json!({
            "password_hash": null,
            "role": null,
            "phone": "",
            "address": "",
            "auth_provider": "clerk",
            "is_active": true,
            "status": "active",
        });
        Self {
            collection: "users".into(),
            clerk_id: "clerk_user_id".into(),
            email: "email".into(),
            name: "name".into(),
            username: "username".into(),
            user_id: Some("user_id".into()),
            auth_provider: Some("auth_provider".into()),
            active: Some("is_active".into()),
            status: Some("status".into()),
            clerk_updated_at: Some("clerk_updated_at".into()),
            app_fields: vec!["role".into(), "phone".into(), "address".into()],
            defaults: match defaults {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            fallbacks: Fallbacks::default(),
        }
    }
}

/// Why a mapping cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MappingError {
    #[error("mapping: `{what}` is empty; give it the name of a field or collection")]
    Empty { what: &'static str },
    #[error(
        "mapping: `{name}` (for {what}) is not a usable field name: it may not start with `$` or contain a NUL or a dot"
    )]
    BadName { what: &'static str, name: String },
    #[error(
        "mapping: `{name}` is used for both {first} and {second}; each field may hold one thing"
    )]
    Reused {
        name: String,
        first: &'static str,
        second: &'static str,
    },
    #[error("mapping file {path}: {reason}")]
    File { path: String, reason: String },
    #[error(
        "mapping: the username's fallback cannot be `username_or_email` (it would be its own source); use `email_local_part`, `email` or null"
    )]
    CircularFallback,
}

impl FieldMapping {
    /// Reads a mapping from a JSON file; fields left out keep their defaults.
    pub fn from_file(path: &std::path::Path) -> Result<Self, MappingError> {
        let file_error = |reason: String| MappingError::File {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        let mapping: Self = serde_json::from_str(&text).map_err(|e| file_error(e.to_string()))?;
        mapping.validate()?;
        Ok(mapping)
    }

    /// Every mapped field with what it is for, in a fixed order.
    pub fn named_fields(&self) -> Vec<(&'static str, &str)> {
        let mut fields = vec![
            ("clerk_id", self.clerk_id.as_str()),
            ("email", self.email.as_str()),
            ("name", self.name.as_str()),
            ("username", self.username.as_str()),
        ];
        let optional = [
            ("user_id", &self.user_id),
            ("auth_provider", &self.auth_provider),
            ("active", &self.active),
            ("status", &self.status),
            ("clerk_updated_at", &self.clerk_updated_at),
        ];
        fields.extend(
            optional
                .into_iter()
                .filter_map(|(w, n)| n.as_deref().map(|n| (w, n))),
        );
        fields.extend(self.app_fields.iter().map(|n| ("app_fields", n.as_str())));
        fields
    }

    /// Checks names are usable and no field is mapped twice.
    pub fn validate(&self) -> Result<(), MappingError> {
        check_name("collection", &self.collection)?;
        if self.fallbacks.username == Some(Fallback::UsernameOrEmail) {
            return Err(MappingError::CircularFallback);
        }
        let fields = self.named_fields();
        for (i, (what, name)) in fields.iter().enumerate() {
            check_name(what, name)?;
            if name.contains('.') {
                return Err(MappingError::BadName {
                    what,
                    name: (*name).to_string(),
                });
            }
            if let Some((first, _)) = fields[..i].iter().find(|(_, n)| n == name) {
                return Err(MappingError::Reused {
                    name: (*name).to_string(),
                    first,
                    second: what,
                });
            }
        }
        Ok(())
    }

    /// The projection that reads exactly the mapped fields.
    pub fn projection(&self) -> mongodb::bson::Document {
        let mut projection = mongodb::bson::Document::new();
        for (_, name) in self.named_fields() {
            projection.insert(name, 1);
        }
        projection
    }
}

fn check_name(what: &'static str, name: &str) -> Result<(), MappingError> {
    if name.is_empty() {
        return Err(MappingError::Empty { what });
    }
    if name.starts_with('$') || name.contains('\0') {
        return Err(MappingError::BadName {
            what,
            name: name.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mapping_is_the_seed_reports_schema_and_valid() {
        let mapping = FieldMapping::default();
        assert_eq!(
            mapping.clerk_id, "clerk_user_id",
            "the report's backend stores the Clerk id here"
        );
        assert_eq!(mapping.user_id.as_deref(), Some("user_id"));
        assert_eq!(mapping.validate(), Ok(()));
    }

    #[test]
    fn a_partial_file_keeps_defaults_for_the_rest() {
        let mapping: FieldMapping =
            serde_json::from_str(r#"{"collection":"accounts","clerk_id":"clerkId"}"#).unwrap();
        assert_eq!(mapping.collection, "accounts");
        assert_eq!(
            mapping.email, "email",
            "fields left out keep the default name"
        );
    }

    #[test]
    fn fallbacks_default_to_the_reports_script_and_null_turns_one_off() {
        let mapping: FieldMapping =
            serde_json::from_str(r#"{"fallbacks":{"username":null}}"#).unwrap();
        assert_eq!(
            mapping.fallbacks,
            Fallbacks {
                username: None,
                name: Some(Fallback::UsernameOrEmail)
            },
            "null writes nothing for that field; the one left out keeps its default"
        );
        assert_eq!(
            FieldMapping::default().fallbacks.username,
            Some(Fallback::EmailLocalPart),
            "the report's sync script derived the username from the email"
        );
        let named: FieldMapping =
            serde_json::from_str(r#"{"fallbacks":{"name":"email"}}"#).unwrap();
        assert_eq!(named.fallbacks.name, Some(Fallback::Email));
    }

    #[test]
    fn bad_mappings_are_refused_with_the_reason() {
        let reused = FieldMapping {
            name: "email".into(),
            ..FieldMapping::default()
        };
        assert!(
            matches!(reused.validate(), Err(MappingError::Reused { .. })),
            "a field mapped twice"
        );
        let dollar = FieldMapping {
            clerk_id: "$id".into(),
            ..FieldMapping::default()
        };
        assert!(matches!(
            dollar.validate(),
            Err(MappingError::BadName { .. })
        ));
        let empty = FieldMapping {
            collection: String::new(),
            ..FieldMapping::default()
        };
        assert_eq!(
            empty.validate(),
            Err(MappingError::Empty { what: "collection" })
        );
        let circular: FieldMapping =
            serde_json::from_str(r#"{"fallbacks":{"username":"username_or_email"}}"#).unwrap();
        assert_eq!(circular.validate(), Err(MappingError::CircularFallback));
        let typo: Result<FieldMapping, _> = serde_json::from_str(r#"{"colection":"x"}"#);
        assert!(
            typo.is_err(),
            "an unknown key is a typo, not something to ignore"
        );
    }
}
