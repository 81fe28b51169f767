//! The field mapping checked against a sample of real documents: does each mapped field exist,
//! and if not, which field of the sample holds that part of a user instead. Pure: documents in,
//! a report out.

use std::collections::BTreeMap;

use mongodb::bson::{Bson, Document};
use serde::Serialize;

use crate::mongo::FieldMapping;

/// Which part of a user a mapped field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ClerkId,
    Email,
    Name,
    Username,
    UserId,
    Active,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Self::ClerkId => "the Clerk id",
            Self::Email => "the email",
            Self::Name => "the name",
            Self::Username => "the username",
            Self::UserId => "the user id",
            Self::Active => "the active flag",
        }
    }

    /// The names a team would have picked, most likely first.
    fn candidates(self) -> &'static [&'static str] {
        match self {
            Self::ClerkId => &[
                "clerk_user_id",
                "clerkId",
                "clerk_id",
                "clerkUserId",
                "clerkID",
                "externalId",
                "external_id",
                "authId",
                "auth_id",
            ],
            Self::Email => &[
                "email",
                "emailAddress",
                "email_address",
                "mail",
                "primaryEmail",
            ],
            Self::Name => &[
                "name",
                "fullName",
                "full_name",
                "displayName",
                "display_name",
            ],
            Self::Username => &["username", "userName", "user_name", "handle", "login"],
            Self::UserId => &["user_id", "userId", "uid", "seq", "id"],
            Self::Active => &["is_active", "isActive", "active", "enabled"],
        }
    }

    /// Whether a value looks like this part of a user (so a field is only suggested when its
    /// values fit).
    fn fits(self, value: &Bson) -> bool {
        match (self, value) {
            (Self::ClerkId, Bson::String(s)) => s.starts_with("user_"),
            (Self::Email, Bson::String(s)) => s.contains('@'),
            (Self::Name | Self::Username, Bson::String(_)) => true,
            (Self::UserId, Bson::Int32(_) | Bson::Int64(_)) => true,
            (Self::Active, Bson::Boolean(_)) => true,
            _ => false,
        }
    }
}

/// One mapped field against the sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldCheck {
    pub role: Role,
    pub field: String,
    /// Sampled documents holding the field (with any value but null).
    pub present: usize,
    /// A field of the sample that holds this part of a user more often, and in how many.
    pub instead: Option<(String, usize)>,
}

/// The mapping against `sampled` documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappingReport {
    pub sampled: usize,
    pub fields: Vec<FieldCheck>,
    /// The mapping with each field that has a better candidate replaced; `None` when the mapping
    /// already fits (or the sample is empty).
    pub suggestion: Option<FieldMapping>,
}

impl MappingReport {
    /// Fields most sampled documents lack.
    pub fn problems(&self) -> impl Iterator<Item = &FieldCheck> {
        self.fields
            .iter()
            .filter(|f| self.sampled > 0 && f.present * 2 < self.sampled)
    }

    /// "the mapping reads the Clerk id from `clerk_user_id`, but 0 of 200 sampled documents have
    /// it; 180 have `clerkId`".
    pub fn describe(&self, check: &FieldCheck) -> String {
        let mut text = format!(
            "the mapping reads {} from `{}`, but {} of {} sampled documents have it",
            check.role.label(),
            check.field,
            check.present,
            self.sampled
        );
        if let Some((field, count)) = &check.instead {
            text.push_str(&format!("; {count} have `{field}`"));
        }
        text
    }
}

/// Checks every mapped field of `mapping` against `docs`.
pub fn check(mapping: &FieldMapping, docs: &[Document]) -> MappingReport {
    let mapped: Vec<(Role, Option<&String>)> = vec![
        (Role::ClerkId, Some(&mapping.clerk_id)),
        (Role::Email, Some(&mapping.email)),
        (Role::Name, Some(&mapping.name)),
        (Role::Username, Some(&mapping.username)),
        (Role::UserId, mapping.user_id.as_ref()),
        (Role::Active, mapping.active.as_ref()),
    ];
    let mut fields = Vec::new();
    let mut suggestion = mapping.clone();
    let mut changed = false;
    for (role, field) in mapped {
        let Some(field) = field else { continue };
        let present = docs.iter().filter(|d| has(d, field)).count();
        let instead = if docs.is_empty() || present * 2 >= docs.len() {
            None
        } else {
            better_field(role, docs, field, present)
        };
        if let Some((name, _)) = &instead {
            changed = true;
            set_field(&mut suggestion, role, name.clone());
        }
        fields.push(FieldCheck {
            role,
            field: field.clone(),
            present,
            instead,
        });
    }
    MappingReport {
        sampled: docs.len(),
        fields,
        suggestion: changed.then_some(suggestion),
    }
}

fn has(doc: &Document, field: &str) -> bool {
    doc.get(field).is_some_and(|v| !matches!(v, Bson::Null))
}

/// The field holding values that fit `role` in the most documents (more than `present`): the
/// likely names first, then any field of the sample.
fn better_field(
    role: Role,
    docs: &[Document],
    current: &str,
    present: usize,
) -> Option<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for doc in docs {
        for (key, value) in doc {
            if key != current && key != "_id" && role.fits(value) {
                *counts.entry(key.as_str()).or_default() += 1;
            }
        }
    }
    let rank = |name: &str| {
        role.candidates()
            .iter()
            .position(|c| *c == name)
            .unwrap_or(usize::MAX)
    };
    counts
        .into_iter()
        .filter(|(_, n)| *n > present)
        .filter(|(name, _)| {
            rank(name) != usize::MAX || role == Role::ClerkId || role == Role::Email
        })
        .max_by(|(a, na), (b, nb)| na.cmp(nb).then(rank(b).cmp(&rank(a))))
        .map(|(name, n)| (name.to_string(), n))
}

fn set_field(mapping: &mut FieldMapping, role: Role, name: String) {
    match role {
        Role::ClerkId => mapping.clerk_id = name,
        Role::Email => mapping.email = name,
        Role::Name => mapping.name = name,
        Role::Username => mapping.username = name,
        Role::UserId => mapping.user_id = Some(name),
        Role::Active => mapping.active = Some(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    fn camel_docs(n: i32) -> Vec<Document> {
        (0..n)
            .map(|i| {
                doc! {
                    "userId": i, "clerkId": format!("user_2abc{i:04}"),
                    "mail": format!("u{i}@example.com"), "displayName": format!("User {i}"),
                    "handle": format!("u{i}"), "isActive": true,
                }
            })
            .collect()
    }

    #[test]
    fn other_field_names_are_found_and_a_mapping_suggested() {
        let mut docs = camel_docs(180);
        // 20 local users without a Clerk id, as in the report.
        docs.extend(
            (0..20).map(|i| doc! {"userId": 1000 + i, "mail": format!("l{i}@example.com")}),
        );
        let report = check(&FieldMapping::default(), &docs);
        let clerk = report
            .problems()
            .find(|f| f.role == Role::ClerkId)
            .expect("the Clerk id field is wrong");
        assert_eq!(
            report.describe(clerk),
            "the mapping reads the Clerk id from `clerk_user_id`, but 0 of 200 sampled documents have it; 180 have `clerkId`"
        );
        let suggested = report.suggestion.expect("a suggestion");
        assert_eq!(suggested.clerk_id, "clerkId");
        assert_eq!(suggested.email, "mail", "found by its values (an @)");
        assert_eq!(suggested.name, "displayName", "a name a team would pick");
        assert_eq!(suggested.username, "handle");
        assert_eq!(suggested.user_id.as_deref(), Some("userId"));
        assert_eq!(suggested.active.as_deref(), Some("isActive"));
        assert_eq!(suggested.collection, "users", "what is not a field is kept");
    }

    #[test]
    fn a_mapping_that_fits_has_no_problem_and_no_suggestion() {
        let docs: Vec<Document> = crate::scenario::seed_report_documents(&FieldMapping::default());
        let report = check(&FieldMapping::default(), &docs);
        let problems: Vec<String> = report.problems().map(|f| report.describe(f)).collect();
        // The seed report's local users have no Clerk id: that is data, not a mapping problem,
        // and no other field holds `user_…` values, so nothing is suggested.
        assert!(report.suggestion.is_none(), "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|p| p.contains("Clerk id") && !p.contains(" have `")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_random_string_field_is_not_suggested_as_a_name() {
        let docs = vec![doc! {"notes": "hello", "name": null}; 10];
        let report = check(&FieldMapping::default(), &docs);
        assert!(
            report.fields.iter().all(|f| f.instead.is_none()),
            "only likely names or fitting values: {:?}",
            report.fields
        );
    }
}
