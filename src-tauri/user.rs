//! The domain vocabulary both sides are reduced to: a Clerk user and a database user.
//!
//! Wire shapes (Clerk's JSON, MongoDB documents) live in `clerk` and `mongo`; diffing and syncing
//! only ever see these types.

use std::collections::BTreeMap;
use std::fmt;

use mongodb::bson::Bson;
use mongodb::bson::oid::ObjectId;
use serde::Serialize;

/// A user as Clerk knows it, reduced to what syncing needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClerkUser {
    /// `user_…`
    pub id: String,
    /// The address whose id is `primary_email_address_id`; `None` for phone- or username-only users.
    pub primary_email: Option<String>,
    /// Every address on the account, primary first when there is one.
    pub emails: Vec<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub external_id: Option<String>,
    pub banned: bool,
    /// Unix epoch milliseconds, as Clerk sends them.
    pub created_at: i64,
    pub updated_at: i64,
}

impl ClerkUser {
    /// "First Last", either part alone, or `None` when Clerk has neither.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.first_name, &self.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// The `_id` of a database document, kept exactly so that updates hit the same document.
///
/// Compact (16 bytes instead of a 112-byte `Bson`): ObjectIds and integers, the usual `_id`s,
/// are stored inline; anything else is boxed. A million loaded documents save ~100 MB.
#[derive(Debug, Clone, PartialEq)]
pub struct DocId(IdRepr);

#[derive(Debug, Clone, PartialEq)]
enum IdRepr {
    ObjectId(ObjectId),
    Int64(i64),
    Other(Box<Bson>),
}

impl DocId {
    /// The `_id` exactly as stored, for filters.
    pub fn to_bson(&self) -> Bson {
        match &self.0 {
            IdRepr::ObjectId(oid) => Bson::ObjectId(*oid),
            IdRepr::Int64(n) => Bson::Int64(*n),
            IdRepr::Other(bson) => (**bson).clone(),
        }
    }
}

impl From<Bson> for DocId {
    fn from(bson: Bson) -> Self {
        Self(match bson {
            Bson::ObjectId(oid) => IdRepr::ObjectId(oid),
            Bson::Int64(n) => IdRepr::Int64(n),
            other => IdRepr::Other(Box::new(other)),
        })
    }
}

impl Serialize for DocId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_bson().serialize(serializer)
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            IdRepr::ObjectId(oid) => write!(f, "{oid}"),
            IdRepr::Int64(n) => write!(f, "{}", Bson::Int64(*n)),
            IdRepr::Other(bson) => match &**bson {
                Bson::String(s) => f.write_str(s),
                other => write!(f, "{other}"),
            },
        }
    }
}

/// A document's app-owned values (`role`, `phone`, `address`, …), kept for display as one
/// compact JSON object with sorted keys: a map per document costs about ten times the memory
/// when a million documents are loaded, and nothing but display reads these values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AppFields(Box<str>);

impl AppFields {
    /// The values by field name.
    pub fn to_map(&self) -> BTreeMap<String, serde_json::Value> {
        if self.0.is_empty() {
            return BTreeMap::new();
        }
        serde_json::from_str(&self.0).unwrap_or_default()
    }

    /// One value, when the document has the field.
    pub fn get(&self, field: &str) -> Option<serde_json::Value> {
        self.to_map().remove(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<BTreeMap<String, serde_json::Value>> for AppFields {
    fn from(map: BTreeMap<String, serde_json::Value>) -> Self {
        if map.is_empty() {
            return Self::default();
        }
        Self(
            serde_json::to_string(&map)
                .unwrap_or_default()
                .into_boxed_str(),
        )
    }
}

impl FromIterator<(String, serde_json::Value)> for AppFields {
    fn from_iter<I: IntoIterator<Item = (String, serde_json::Value)>>(iter: I) -> Self {
        iter.into_iter().collect::<BTreeMap<_, _>>().into()
    }
}

impl fmt::Debug for AppFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.to_map()).finish()
    }
}

impl Serialize for AppFields {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(serializer)
    }
}

/// A document of the backend's users collection, read through the field mapping.
///
/// Every mapped field is optional: a document with a missing or wrongly typed field is still read,
/// with the field left empty and the reason in `problems`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DbUser {
    pub doc_id: DocId,
    /// The backend's sequential id (`user_id` in the default mapping).
    pub user_id: Option<i64>,
    pub clerk_id: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub auth_provider: Option<String>,
    pub active: Option<bool>,
    pub status: Option<String>,
    /// App-owned fields the mapping lists for display (`role`, `phone`, `address`, …).
    pub app_fields: AppFields,
    /// What was wrong with the document, one sentence each; empty for a clean document.
    pub problems: Vec<String>,
}

/// The Clerk-owned values of a user to be written to the database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct UserFields {
    pub email: Option<String>,
    pub name: Option<String>,
    pub username: Option<String>,
}

/// A database user to create: Clerk-owned fields, the Clerk id when known, app-owned extras.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct NewUser {
    pub clerk_id: Option<String>,
    pub fields: UserFields,
    /// Clerk's `updated_at` (ms) for the values in `fields`, recorded for ordering.
    #[serde(default)]
    pub clerk_updated_at: Option<i64>,
    /// App-owned values (`role`, `phone`, `address`, …) set on creation; the mapping's defaults
    /// fill in the rest.
    #[serde(default)]
    pub app_fields: BTreeMap<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clerk(first: Option<&str>, last: Option<&str>) -> ClerkUser {
        ClerkUser {
            id: "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl".into(),
            primary_email: None,
            emails: vec![],
            first_name: first.map(Into::into),
            last_name: last.map(Into::into),
            username: None,
            external_id: None,
            banned: false,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn full_name_joins_the_parts_clerk_has() {
        assert_eq!(
            clerk(Some("Ada"), Some("Lovelace")).full_name().as_deref(),
            Some("Ada Lovelace")
        );
        assert_eq!(
            clerk(None, Some("Lovelace")).full_name().as_deref(),
            Some("Lovelace")
        );
        assert_eq!(
            clerk(Some(" "), None).full_name(),
            None,
            "blank names count as no name"
        );
    }
}
