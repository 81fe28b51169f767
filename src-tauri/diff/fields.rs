//! Comparing the Clerk-owned fields (email, name, username) of a Clerk user and a document.
//!
//! Values are trimmed; emails compare case-insensitively. Clerk having no value for a field never
//! clears the database's value: sync only writes values Clerk has. The comparison allocates only
//! for a field that differs, so the common in-sync case costs no memory.

use std::borrow::Cow;

use super::placeholder::is_placeholder_text;
use super::reason::{Field, Reason};
use crate::user::{ClerkUser, DbUser};

/// The form an email is matched by: trimmed and lower-cased (borrowed when already so).
pub fn email_key(email: &str) -> Cow<'_, str> {
    let email = email.trim();
    if email.is_ascii() {
        if email.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(email.to_ascii_lowercase())
        } else {
            Cow::Borrowed(email)
        }
    } else {
        Cow::Owned(email.to_lowercase())
    }
}

/// A trimmed, non-empty value.
pub fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The Clerk-owned fields that differ, as `FieldDiffers` reasons in field order.
pub fn field_differences(clerk: &ClerkUser, db: &DbUser) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let stored = |v: &Option<String>| present(v.as_deref()).map(str::to_string);
    if let Some(email) = present(clerk.primary_email.as_deref()) {
        let same = present(db.email.as_deref()).is_some_and(|d| email_key(d) == email_key(email));
        if !same {
            reasons.push(Reason::FieldDiffers {
                field: Field::Email,
                clerk: email.to_string(),
                db: stored(&db.email),
            });
        }
    }
    if !name_matches(clerk, present(db.name.as_deref()))
        && let Some(name) = clerk.full_name()
    {
        reasons.push(Reason::FieldDiffers {
            field: Field::Name,
            clerk: name,
            db: stored(&db.name),
        });
    }
    if let Some(username) = present(clerk.username.as_deref())
        && present(db.username.as_deref()) != Some(username)
    {
        reasons.push(Reason::FieldDiffers {
            field: Field::Username,
            clerk: username.to_string(),
            db: stored(&db.username),
        });
    }
    reasons
}

/// The document's name and username that are stand-ins: those that differ from Clerk's value
/// (an empty one too), and those of a paired Clerk user who has no value for the field (sync
/// replaces them with the mapping's fallback). A value Clerk itself holds is never flagged.
pub fn placeholder_fields(
    differences: &[Reason],
    doc: &DbUser,
    paired: Option<&ClerkUser>,
    clerk_id: Option<&str>,
) -> Vec<Reason> {
    // Runs for every paired document of a million-user diff: nothing here allocates unless a
    // stand-in is found.
    let clerk_lacks = |field| {
        paired.is_some_and(|user| match field {
            Field::Name => {
                present(user.first_name.as_deref()).is_none()
                    && present(user.last_name.as_deref()).is_none()
            }
            _ => present(user.username.as_deref()).is_none(),
        })
    };
    [(Field::Name, &doc.name), (Field::Username, &doc.username)]
        .into_iter()
        .filter_map(|(field, stored)| {
            let differs = differences
                .iter()
                .any(|r| matches!(r, Reason::FieldDiffers { field: f, .. } if *f == field));
            let value = match (differs, present(stored.as_deref())) {
                (true, value) => value.unwrap_or_default(),
                (false, Some(value)) => value,
                (false, None) => return None,
            };
            let flagged = is_placeholder_text(value, clerk_id) && (differs || clerk_lacks(field));
            flagged.then(|| Reason::PlaceholderField {
                field,
                value: value.to_string(),
            })
        })
        .collect()
}

/// True when the database name is Clerk's "First Last", or Clerk has no name at all.
fn name_matches(clerk: &ClerkUser, db: Option<&str>) -> bool {
    let first = present(clerk.first_name.as_deref());
    let last = present(clerk.last_name.as_deref());
    match (first, last, db) {
        (None, None, _) => true,
        (Some(only), None, Some(db)) | (None, Some(only), Some(db)) => db == only,
        (Some(first), Some(last), Some(db)) => db
            .strip_prefix(first)
            .and_then(|rest| rest.strip_prefix(' '))
            .is_some_and(|rest| rest == last),
        (_, _, None) => false,
    }
}

#[cfg(test)]
mod tests {

    use mongodb::bson::Bson;

    use super::*;
    use crate::user::DocId;

    fn clerk(email: Option<&str>, first: Option<&str>, last: Option<&str>) -> ClerkUser {
        ClerkUser {
            id: "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl".into(),
            primary_email: email.map(Into::into),
            emails: email.into_iter().map(Into::into).collect(),
            first_name: first.map(Into::into),
            last_name: last.map(Into::into),
            username: None,
            external_id: None,
            banned: false,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn db(email: Option<&str>, name: Option<&str>, username: Option<&str>) -> DbUser {
        DbUser {
            doc_id: DocId::from(Bson::Int64(1)),
            user_id: Some(1),
            clerk_id: Some("user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl".into()),
            email: email.map(Into::into),
            name: name.map(Into::into),
            username: username.map(Into::into),
            auth_provider: Some("clerk".into()),
            active: Some(true),
            status: Some("active".into()),
            app_fields: Default::default(),
            problems: vec![],
        }
    }

    #[test]
    fn emails_match_case_insensitively_and_trimmed() {
        assert_eq!(email_key(" Ada@Example.COM "), "ada@example.com");
        assert!(
            matches!(email_key("ada@example.com"), Cow::Borrowed(_)),
            "no copy when clean"
        );
        let c = clerk(Some("ada@example.com"), Some("Ada"), Some("Lovelace"));
        let d = db(Some(" ADA@example.com"), Some("Ada Lovelace "), None);
        assert_eq!(
            field_differences(&c, &d),
            vec![],
            "case and spaces are not drift"
        );
    }

    #[test]
    fn each_differing_field_is_listed_with_both_values() {
        let mut c = clerk(Some("ada@example.com"), Some("Ada"), Some("Lovelace"));
        c.username = Some("ada".into());
        let d = db(
            Some("old@example.com"),
            Some("Ada King"),
            Some("user_2o9QUL1H"),
        );
        let fields: Vec<Field> = field_differences(&c, &d)
            .iter()
            .filter_map(|r| match r {
                Reason::FieldDiffers { field, .. } => Some(*field),
                _ => None,
            })
            .collect();
        assert_eq!(fields, Field::ALL, "email, name and username all differ");
        let placeholders = placeholder_fields(
            &field_differences(&c, &d),
            &d,
            Some(&c),
            d.clerk_id.as_deref(),
        );
        assert_eq!(
            placeholders,
            vec![Reason::PlaceholderField {
                field: Field::Username,
                value: "user_2o9QUL1H".into()
            }],
            "the id-prefix username is a stand-in; 'Ada King' is a real (old) name"
        );
    }

    #[test]
    fn a_stand_in_is_flagged_where_clerk_has_no_value_but_never_clerks_own_value() {
        let mut c = clerk(Some("zena@example.com"), Some("Zena"), Some("Morgan"));
        let d = db(
            Some("zena@example.com"),
            Some("Zena Morgan"),
            Some("user_2o9QUL1H"),
        );
        assert_eq!(
            placeholder_fields(&[], &d, Some(&c), d.clerk_id.as_deref()),
            vec![Reason::PlaceholderField {
                field: Field::Username,
                value: "user_2o9QUL1H".into()
            }],
            "Clerk has no username to compare with: the stand-in is still flagged"
        );
        c.username = Some("user_2o9QUL1H".into());
        assert_eq!(
            placeholder_fields(
                &field_differences(&c, &d),
                &d,
                Some(&c),
                d.clerk_id.as_deref()
            ),
            vec![],
            "a username Clerk holds itself is Clerk's, whatever it looks like"
        );
    }

    #[test]
    fn clerk_without_a_value_never_clears_the_database() {
        let c = clerk(None, None, None);
        let d = db(Some("kept@example.com"), Some("Kept Name"), Some("kept"));
        assert_eq!(
            field_differences(&c, &d),
            vec![],
            "nothing in Clerk to write, so no drift"
        );
        let c = clerk(Some("a@example.com"), None, Some("Lovelace"));
        let d = db(Some("a@example.com"), Some("Lovelace"), None);
        assert_eq!(
            field_differences(&c, &d),
            vec![],
            "a last name alone is the full name"
        );
    }
}
