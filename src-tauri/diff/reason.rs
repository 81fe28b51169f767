//! Why a user is in its category: a closed set of reasons, serialised tagged for `--json` and the
//! window, and rendered as one plain sentence each for people.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A field Clerk owns: sync keeps it equal to Clerk's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    Name,
    Username,
}

impl Field {
    pub const ALL: [Field; 3] = [Field::Email, Field::Name, Field::Username];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Name => "name",
            Field::Username => "username",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason a user is where it is. Serialised as `{"reason": "field_differs", ...fields}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// missing: the Clerk user has no document.
    NotInDatabase,
    /// orphaned: the document's Clerk id is not a user of this Clerk instance.
    NotInClerk { clerk_id: String },
    /// orphaned: the document is already soft-deleted (`active = false` or the deleted status).
    AlreadyDeactivated,
    /// drift (and the fixable part of link / suspicious): a Clerk-owned field differs.
    /// `clerk` is the value sync writes; `db` the value stored now.
    FieldDiffers {
        field: Field,
        clerk: String,
        db: Option<String>,
    },
    /// link: the document was matched by its email, not by a Clerk id.
    MatchedByEmail { email: String },
    /// The document's Clerk id is made up (`clerk_17`, `test_user`, `placeholder`, …).
    PlaceholderClerkId { clerk_id: String },
    /// The document's Clerk id does not have the shape of one (`user_` + 20 or more letters/digits).
    NotAClerkId { clerk_id: String },
    /// The document's email is a stand-in (placeholder domain, the Clerk id as local part, …).
    PlaceholderEmail { email: String },
    /// The document's name or username is a stand-in (`user_ZENmFBVB`, `undefined`, …) and Clerk
    /// has a real value for it.
    PlaceholderField { field: Field, value: String },
    /// Several documents carry this Clerk id.
    DuplicateClerkId { clerk_id: String, count: usize },
    /// Several documents carry this email (compared case-insensitively).
    DuplicateEmail { email: String, count: usize },
    /// Several documents belong to the same Clerk user, by id or by email.
    SharedClerkUser { clerk_id: String, documents: usize },
    /// Several Clerk users have this primary email, so matching by email is ambiguous.
    SharedEmailInClerk { email: String },
    /// The document's Clerk id is not in this instance, but its email belongs to another Clerk user.
    OtherClerkId {
        db_clerk_id: String,
        clerk_id: String,
    },
    /// Production only: a Clerk id that looks like it came from a development instance (not in
    /// this instance, and a `+clerk_test` address or an address a production user holds).
    DevelopmentId { clerk_id: String },
    /// Production only: a `+clerk_test` address, which only development instances use.
    ClerkTestAddress { email: String },
    /// The document says it came from Clerk (`auth_provider = clerk`) but has no Clerk id and no
    /// Clerk user has its email.
    NoClerkId,
    /// The Clerk user has no primary email (phone- or username-only sign-up).
    NoEmailInClerk,
    /// local_only: no Clerk id and no Clerk user with this email; a seeded or local account.
    NotFromClerk,
}

impl Reason {
    /// True for reasons a person must settle: sync cannot pick the right document by itself.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Reason::DuplicateClerkId { .. }
                | Reason::DuplicateEmail { .. }
                | Reason::SharedClerkUser { .. }
                | Reason::SharedEmailInClerk { .. }
                | Reason::OtherClerkId { .. }
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotInDatabase => f.write_str("in Clerk but not in the database"),
            Reason::NotInClerk { clerk_id } => {
                write!(
                    f,
                    "Clerk has no user {clerk_id} (deleted there, or from another instance)"
                )
            }
            Reason::AlreadyDeactivated => f.write_str("already deactivated in the database"),
            Reason::FieldDiffers { field, clerk, db } => match db {
                Some(db) => write!(
                    f,
                    "{field} differs: Clerk has {clerk:?}, the database {db:?}"
                ),
                None => write!(f, "{field} differs: Clerk has {clerk:?}, the database none"),
            },
            Reason::MatchedByEmail { email } => {
                write!(
                    f,
                    "matched by email {email}; the document has no usable Clerk id"
                )
            }
            Reason::PlaceholderClerkId { clerk_id } => {
                write!(
                    f,
                    "Clerk id {clerk_id:?} is a placeholder, not a real Clerk id"
                )
            }
            Reason::NotAClerkId { clerk_id } => {
                write!(
                    f,
                    "{clerk_id:?} is not a Clerk user id (user_ followed by 20+ letters)"
                )
            }
            Reason::PlaceholderEmail { email } => write!(f, "{email:?} is a placeholder email"),
            Reason::PlaceholderField { field, value } => {
                write!(f, "{field} {value:?} is a placeholder")
            }
            Reason::DuplicateClerkId { clerk_id, count } => {
                write!(f, "{count} documents carry Clerk id {clerk_id}")
            }
            Reason::DuplicateEmail { email, count } => {
                write!(f, "{count} documents carry the email {email}")
            }
            Reason::SharedClerkUser {
                clerk_id,
                documents,
            } => {
                write!(
                    f,
                    "{documents} documents match Clerk user {clerk_id} (by id or email)"
                )
            }
            Reason::SharedEmailInClerk { email } => {
                write!(f, "several Clerk users have the primary email {email}")
            }
            Reason::OtherClerkId {
                db_clerk_id,
                clerk_id,
            } => write!(
                f,
                "the document's Clerk id {db_clerk_id} is not in this instance, \
                 but its email belongs to Clerk user {clerk_id}"
            ),
            Reason::DevelopmentId { clerk_id } => write!(
                f,
                "{clerk_id} looks like a development-instance id in a production database"
            ),
            Reason::ClerkTestAddress { email } => {
                write!(
                    f,
                    "{email} is a +clerk_test address in a production database"
                )
            }
            Reason::NoClerkId => {
                f.write_str("the document says it came from Clerk but has no Clerk id")
            }
            Reason::NoEmailInClerk => f.write_str("the Clerk user has no primary email"),
            Reason::NotFromClerk => {
                f.write_str("no Clerk id and no Clerk user with this email: a local account")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_serialise_tagged_in_snake_case() {
        let reason = Reason::FieldDiffers {
            field: Field::Email,
            clerk: "zena.morgan@example.com".into(),
            db: None,
        };
        let json = serde_json::to_value(&reason).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"reason": "field_differs", "field": "email",
                "clerk": "zena.morgan@example.com", "db": null}),
            "the --json shape is a stable contract"
        );
        let back: Reason = serde_json::from_value(json).unwrap();
        assert_eq!(back, reason, "reasons read back from their JSON");
        assert_eq!(
            serde_json::to_value(Reason::NotFromClerk).unwrap(),
            serde_json::json!({"reason": "not_from_clerk"}),
            "unit reasons are just the tag"
        );
    }

    #[test]
    fn reasons_read_as_sentences() {
        let dup = Reason::DuplicateClerkId {
            clerk_id: "user_x".into(),
            count: 2,
        };
        assert_eq!(dup.to_string(), "2 documents carry Clerk id user_x");
        assert!(
            dup.is_conflict(),
            "a duplicate needs a person to pick the document to keep"
        );
        assert!(
            !Reason::PlaceholderEmail {
                email: "a@placeholder.example.com".into()
            }
            .is_conflict(),
            "a placeholder email is fixed from Clerk, no choice needed"
        );
    }
}
