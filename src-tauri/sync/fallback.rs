//! Fallbacks: what a document Syncdesk writes holds where Clerk leaves a Clerk-owned field empty.
//!
//! The backend reads its documents through its own model (the report's `User` has a required
//! string `username`), so a created user without a Clerk username gets one derived from the
//! email, as the backend's own sync script did, and a user without a name gets its username or
//! email. Which rule fills which field is the mapping's `fallbacks`; `null` there writes nothing.
//! Pure: the values come from the other fields alone.

use crate::diff::{Field, present};
use crate::mongo::{Fallback, Fallbacks};
use crate::user::UserFields;

/// Fills the empty username, then the empty name, of `fields` from their fallbacks (the name may
/// use the username just derived); returns the fields filled, in that order.
pub fn fill(fields: &mut UserFields, fallbacks: &Fallbacks) -> Vec<Field> {
    let mut filled = Vec::new();
    if present(fields.username.as_deref()).is_none()
        && let Some(value) = fallbacks.username.and_then(|rule| derive(rule, fields))
    {
        fields.username = Some(value);
        filled.push(Field::Username);
    }
    if present(fields.name.as_deref()).is_none()
        && let Some(value) = fallbacks.name.and_then(|rule| derive(rule, fields))
    {
        fields.name = Some(value);
        filled.push(Field::Name);
    }
    filled
}

/// The value `rule` gives from `fields`, when they hold what it needs (an email, a username).
pub fn derive(rule: Fallback, fields: &UserFields) -> Option<String> {
    let email = present(fields.email.as_deref());
    let value = match rule {
        Fallback::EmailLocalPart => email
            .and_then(|e| e.rsplit_once('@'))
            .map(|(local, _)| local.trim())
            .filter(|local| !local.is_empty()),
        Fallback::Email => email,
        Fallback::UsernameOrEmail => present(fields.username.as_deref()).or(email),
    };
    value.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(email: Option<&str>, name: Option<&str>, username: Option<&str>) -> UserFields {
        UserFields {
            email: email.map(Into::into),
            name: name.map(Into::into),
            username: username.map(Into::into),
        }
    }

    #[test]
    fn the_default_fills_username_from_the_email_and_name_from_the_username() {
        let mut user = fields(Some("shayan.toor@example.com"), None, None);
        let filled = fill(&mut user, &Fallbacks::default());
        assert_eq!(filled, [Field::Username, Field::Name]);
        assert_eq!(
            user,
            fields(
                Some("shayan.toor@example.com"),
                Some("shayan.toor"),
                Some("shayan.toor")
            ),
            "the report's script: username = email.split('@')[0], name = name or username"
        );
    }

    #[test]
    fn values_clerk_has_are_kept_and_blank_counts_as_empty() {
        let mut user = fields(Some("ada@example.com"), Some("Ada Lovelace"), Some("  "));
        assert_eq!(fill(&mut user, &Fallbacks::default()), [Field::Username]);
        assert_eq!(
            user.name.as_deref(),
            Some("Ada Lovelace"),
            "Clerk's name stays"
        );
        assert_eq!(
            user.username.as_deref(),
            Some("ada"),
            "a blank username is no username"
        );
    }

    #[test]
    fn null_rules_write_nothing_and_no_email_means_no_derived_value() {
        let off = Fallbacks {
            username: None,
            name: Some(Fallback::Email),
        };
        let mut user = fields(Some("ada@example.com"), None, None);
        assert_eq!(fill(&mut user, &off), [Field::Name]);
        assert_eq!(
            (user.username.as_deref(), user.name.as_deref()),
            (None, Some("ada@example.com")),
            "username off, name from the email"
        );
        let mut nothing = fields(None, None, None);
        assert!(
            fill(&mut nothing, &Fallbacks::default()).is_empty(),
            "nothing to derive from: nothing is made up"
        );
        assert_eq!(
            derive(
                Fallback::EmailLocalPart,
                &fields(Some("@example.com"), None, None)
            ),
            None,
            "an empty local part is no username"
        );
    }
}
