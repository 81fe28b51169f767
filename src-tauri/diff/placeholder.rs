//! Recognising made-up values: Clerk ids that are not Clerk ids, stand-in emails and names,
//! `+clerk_test` addresses. Heuristics, kept in one place and tested on the report's real cases.

/// What a document's Clerk id looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdShape {
    /// `user_` followed by 20 or more ASCII letters and digits.
    Clerk,
    /// Obviously made up by code: `clerk_17` (the report's script), `test_user`, `user_42`, words
    /// like `placeholder` or `undefined`.
    Placeholder,
    /// Anything else (`auth0|…`, a UUID, a truncated id).
    Other,
}

/// Words that, as a whole value or a label of it, mean "no real value here".
const STAND_IN_WORDS: [&str; 12] = [
    "placeholder",
    "unknown",
    "undefined",
    "null",
    "none",
    "dummy",
    "fake",
    "changeme",
    "test_user",
    "noemail",
    "no-email",
    "no_email",
];

/// Email domain labels that cannot receive mail or say they are stand-ins.
const STAND_IN_DOMAIN_LABELS: [&str; 9] = [
    "placeholder",
    "invalid",
    "localhost",
    "local",
    "noemail",
    "no-email",
    "dummy",
    "fake",
    "none",
];

/// The shape of a Clerk user id.
pub fn id_shape(id: &str) -> IdShape {
    if is_clerk_id(id) {
        return IdShape::Clerk;
    }
    let lower = id.trim().to_ascii_lowercase();
    let numbered = |prefix: &str| {
        lower
            .strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
    };
    if lower.starts_with("clerk_")
        || numbered("user_")
        || numbered("user")
        || lower.contains("placeholder")
        || lower.starts_with("test")
        || STAND_IN_WORDS.contains(&lower.as_str())
    {
        IdShape::Placeholder
    } else {
        IdShape::Other
    }
}

/// `^user_[A-Za-z0-9]{20,}$`: what Clerk's user ids look like, in development and production.
pub fn is_clerk_id(id: &str) -> bool {
    id.strip_prefix("user_")
        .is_some_and(|rest| rest.len() >= 20 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// True for an email that is a stand-in: malformed, at a placeholder-ish domain, or whose local
/// part is the Clerk id, a prefix of it, or an id-like `user_…`/`clerk_…` string.
pub fn is_placeholder_email(email: &str, clerk_id: Option<&str>) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.rsplit_once('@') else {
        return true;
    };
    if local.is_empty() || domain.is_empty() || !domain.contains('.') {
        return true;
    }
    let stand_in = |word: &str, list: &[&str]| list.iter().any(|w| w.eq_ignore_ascii_case(word));
    if domain
        .split('.')
        .any(|label| stand_in(label, &STAND_IN_DOMAIN_LABELS))
    {
        return true;
    }
    if stand_in(local, &STAND_IN_WORDS) {
        return true;
    }
    if let Some(id) = clerk_id.map(str::trim).filter(|id| !id.is_empty())
        && (local == id || (local.starts_with("user_") && id.starts_with(local)))
    {
        return true;
    }
    is_id_like(local)
}

/// True for a name or username that stands in for a real one: an id-like string, the Clerk id
/// or a prefix of it, or a stand-in word.
pub fn is_placeholder_text(value: &str, clerk_id: Option<&str>) -> bool {
    let value = value.trim();
    // No lower-cased copy: this runs for every paired document of a million-user diff.
    let stand_in = STAND_IN_WORDS
        .iter()
        .chain(&["n/a"])
        .any(|word| word.eq_ignore_ascii_case(value));
    if value.is_empty() || stand_in {
        return true;
    }
    if let Some(id) = clerk_id.filter(|id| !id.is_empty())
        && value.len() >= "user_".len() + 3
        && id.starts_with(value)
    {
        return true;
    }
    is_id_like(value)
}

/// `user_` + 8 or more letters/digits, or `clerk_` + anything alphanumeric: an id, not a name.
fn is_id_like(value: &str) -> bool {
    let alnum = |rest: &str| rest.bytes().all(|b| b.is_ascii_alphanumeric());
    value
        .strip_prefix("user_")
        .is_some_and(|rest| rest.len() >= 8 && alnum(rest))
        || value
            .strip_prefix("clerk_")
            .is_some_and(|rest| !rest.is_empty() && alnum(rest))
}

/// Clerk's test identities: any address with `+clerk_test` in its local part.
pub fn is_clerk_test_address(email: &str) -> bool {
    const TAG: &[u8] = b"+clerk_test";
    email.rsplit_once('@').is_some_and(|(local, _)| {
        local
            .as_bytes()
            .windows(TAG.len())
            .any(|w| w.eq_ignore_ascii_case(TAG))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{CN_ID, ZEN_ID};

    #[test]
    fn clerk_ids_are_recognised_by_shape() {
        assert_eq!(
            id_shape(ZEN_ID),
            IdShape::Clerk,
            "the seed report's ids are real-shaped"
        );
        assert_eq!(
            id_shape("clerk_17"),
            IdShape::Placeholder,
            "the report's script wrote clerk_<n>"
        );
        assert_eq!(
            id_shape("test_user"),
            IdShape::Placeholder,
            "the report's curl test id"
        );
        assert_eq!(
            id_shape("user_42"),
            IdShape::Placeholder,
            "a numbered id is made up"
        );
        assert_eq!(
            id_shape("user_ZENmFBVB"),
            IdShape::Other,
            "a truncated id is not a Clerk id"
        );
        assert_eq!(
            id_shape("auth0|5f1c"),
            IdShape::Other,
            "another provider's id"
        );
        assert!(
            !is_clerk_id("user_ZENmFBVBq4XoW2mEpAd1r7Tk3J-"),
            "only letters and digits"
        );
    }

    #[test]
    fn the_reports_placeholder_emails_are_caught() {
        assert!(
            is_placeholder_email("user_ZENmFBVB@placeholder.example.com", Some(ZEN_ID)),
            "the seed report's suspicious entry"
        );
        assert!(
            is_placeholder_email("user_CNfpWudn@mail.example.com", Some(CN_ID)),
            "local part is a prefix of the Clerk id, whatever the domain"
        );
        assert!(
            is_placeholder_email("nobody@example.invalid", None),
            ".invalid receives no mail"
        );
        assert!(
            is_placeholder_email("clerk_12@example.com", None),
            "an id as local part"
        );
        assert!(
            is_placeholder_email("not-an-email", None),
            "no @ is no address"
        );
        assert!(
            !is_placeholder_email("bella.trattoria@example.com", None),
            "example.com is the fixtures' domain, not a placeholder"
        );
        assert!(
            !is_placeholder_email("user.support@example.com", Some(ZEN_ID)),
            "an ordinary address that merely starts with user"
        );
    }

    #[test]
    fn stand_in_names_and_test_addresses() {
        assert!(
            is_placeholder_text("user_ZENmFBVB", Some(ZEN_ID)),
            "the report's username"
        );
        assert!(
            is_placeholder_text("undefined", None),
            "a JavaScript stand-in"
        );
        assert!(
            !is_placeholder_text("Zena Morgan", Some(ZEN_ID)),
            "a real name"
        );
        assert!(
            !is_placeholder_text("user", Some(ZEN_ID)),
            "too short to be an id prefix"
        );
        assert!(
            is_clerk_test_address("jane+clerk_test@example.com"),
            "Clerk's test identity"
        );
        assert!(
            !is_clerk_test_address("jane@clerk_test.example.com"),
            "only the local part counts"
        );
    }
}
