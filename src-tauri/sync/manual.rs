//! Creating one database user by hand (support staff's "add user"), through the same apply path
//! as sync.
//!
//! The user is always linked to a real Clerk id: the one Clerk has for the email, or, when asked,
//! a user created in Clerk first. A placeholder Clerk id (how the report's suspicious entries were
//! born) is never written. Duplicates are refused with the existing user named.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::apply::{ApplyContext, ApplyReport, Outcome, apply};
use super::plan::{SyncOp, SyncPlan, clerk_fields};
use super::{fallback, usernames};
use crate::clerk::{ClerkClient, NewClerkUser};
use crate::mongo::UserStore;
use crate::mongo::journal::Source;
use crate::user::DbUser;

/// What a person typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualUser {
    pub email: String,
    pub name: Option<String>,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// Why the user was not created; each says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error(
        "a user with email {email} already exists in the database (user_id {user_id}, _id {doc_id}); edit that one instead"
    )]
    Duplicate {
        email: String,
        user_id: String,
        doc_id: String,
    },
    #[error(
        "no Clerk user has the email {0}; create it in Clerk first (--in-clerk, or \"Also create in Clerk\" in the window). Syncdesk never writes a placeholder Clerk id"
    )]
    NotInClerk(String),
    // The causes' words are in the message, so they are not also a `source` (said once).
    #[error("Clerk: {0}")]
    Clerk(crate::clerk::Error),
    #[error("database: {0}")]
    Database(crate::mongo::Error),
    #[error("the database refused the user: {0}")]
    Refused(String),
}

impl From<crate::clerk::Error> for ManualError {
    fn from(err: crate::clerk::Error) -> Self {
        Self::Clerk(err)
    }
}

impl From<crate::mongo::Error> for ManualError {
    fn from(err: crate::mongo::Error) -> Self {
        Self::Database(err)
    }
}

/// What was created.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub clerk_id: String,
    /// Whether the Clerk user was created now (else it existed).
    pub created_in_clerk: bool,
    pub user: Option<DbUser>,
    pub report: ApplyReport,
}

/// Checks the input and returns it trimmed; nothing is written for invalid input.
pub fn validate(input: &ManualUser) -> Result<ManualUser, ManualError> {
    let trim = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let email = input.email.trim().to_string();
    let invalid = |field, problem: &str| ManualError::Invalid {
        field,
        problem: problem.to_string(),
    };
    let (local, domain) = email
        .split_once('@')
        .ok_or_else(|| invalid("email", "an address needs an @, like ada@example.com"))?;
    if local.is_empty()
        || domain.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(invalid(
            "email",
            "not a valid address, like ada@example.com",
        ));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control())
        || domain.contains('@')
        || email.len() > 254
    {
        return Err(invalid(
            "email",
            "may not contain spaces, a second @, or be longer than 254 characters",
        ));
    }
    let user = ManualUser {
        email,
        name: trim(&input.name),
        role: trim(&input.role),
        phone: trim(&input.phone),
        address: trim(&input.address),
    };
    if user.name.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(invalid("name", "longer than 200 characters"));
    }
    if let Some(phone) = &user.phone
        && (!phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            || phone.chars().filter(char::is_ascii_digit).count() < 5)
    {
        return Err(invalid(
            "phone",
            "use digits and + - ( ) . only, at least 5 digits",
        ));
    }
    if user
        .address
        .as_ref()
        .is_some_and(|a| a.chars().count() > 500)
    {
        return Err(invalid("address", "longer than 500 characters"));
    }
    Ok(user)
}

/// Creates the user: validate, refuse duplicates, find (or create, if `in_clerk`) the Clerk user,
/// then apply a one-operation plan.
pub async fn create_user(
    store: &UserStore,
    clerk: &ClerkClient,
    input: &ManualUser,
    in_clerk: bool,
    now_ms: i64,
) -> Result<Created, ManualError> {
    let user = validate(input)?;
    if let Some(existing) = store.find_by_email(&user.email).await?.into_iter().next() {
        return Err(ManualError::Duplicate {
            email: user.email,
            user_id: existing
                .user_id
                .map_or_else(|| "none".into(), |n| n.to_string()),
            doc_id: existing.doc_id.to_string(),
        });
    }
    let found = clerk.users_by_email(&user.email).await?.into_iter().next();
    let (clerk_user, created_in_clerk) = match found {
        Some(found) => (found, false),
        None if in_clerk => {
            let (first, last) = split_name(user.name.as_deref());
            let new = NewClerkUser {
                email_addresses: vec![user.email.clone()],
                first_name: first,
                last_name: last,
                skip_password_requirement: true,
                ..NewClerkUser::default()
            };
            (clerk.create_user(&new).await?, true)
        }
        None => return Err(ManualError::NotInClerk(user.email)),
    };
    let mut app_fields = BTreeMap::new();
    for (key, value) in [
        ("role", &user.role),
        ("phone", &user.phone),
        ("address", &user.address),
    ] {
        if let Some(value) = value {
            app_fields.insert(key.to_string(), serde_json::Value::String(value.clone()));
        }
    }
    let mut fields = clerk_fields(&clerk_user);
    fields.email = fields.email.or(Some(user.email.clone()));
    fields.name = user.name.clone().or(fields.name);
    let derived = fallback::fill(&mut fields, &store.mapping().fallbacks);
    let mut plan = SyncPlan {
        ops: vec![SyncOp::Create {
            clerk_id: clerk_user.id.clone(),
            fields,
            app_fields,
            derived,
        }],
        skipped: Vec::new(),
        clerk_updated_at: [(clerk_user.id.clone(), clerk_user.updated_at)].into(),
    };
    let mut holders = usernames::holders_for(store, &plan.derived_usernames()).await?;
    plan.make_usernames_unique(&mut holders);
    let report = apply(
        store,
        &plan,
        ApplyContext {
            source: Source::Manual,
            now_ms,
        },
        |_| {},
    )
    .await?;
    match report.results.first().map(|r| &r.outcome) {
        Some(Outcome::Failed(why)) => return Err(ManualError::Refused(why.reason.clone())),
        Some(Outcome::Skipped(why)) => {
            return Err(ManualError::Refused(format!("nothing written: {why}")));
        }
        _ => {}
    }
    let user = store
        .find_by(&store.mapping().clerk_id, clerk_user.id.as_str())
        .await?
        .into_iter()
        .next();
    Ok(Created {
        clerk_id: clerk_user.id,
        created_in_clerk,
        user,
        report,
    })
}

fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => (None, None),
        Some(name) => match name.split_once(' ') {
            Some((first, last)) => (Some(first.to_string()), Some(last.trim().to_string())),
            None => (Some(name.to_string()), None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(email: &str) -> ManualUser {
        ManualUser {
            email: email.into(),
            ..ManualUser::default()
        }
    }

    #[test]
    fn addresses_are_checked_and_trimmed() {
        assert_eq!(
            validate(&input("  ada@example.com ")).unwrap().email,
            "ada@example.com"
        );
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada lovelace@example.com",
            "a@b@example.com",
        ] {
            assert!(
                matches!(
                    validate(&input(bad)),
                    Err(ManualError::Invalid { field: "email", .. })
                ),
                "{bad} is refused"
            );
        }
    }

    #[test]
    fn optional_fields_are_checked_and_blank_means_absent() {
        let phone = ManualUser {
            phone: Some("call me".into()),
            ..input("a@example.com")
        };
        assert!(matches!(
            validate(&phone),
            Err(ManualError::Invalid { field: "phone", .. })
        ));
        let blank = ManualUser {
            name: Some("  ".into()),
            phone: Some("+1 555-0100".into()),
            ..input("a@example.com")
        };
        let ok = validate(&blank).unwrap();
        assert_eq!(ok.name, None, "a blank name is no name");
        assert_eq!(ok.phone.as_deref(), Some("+1 555-0100"));
        assert_eq!(
            split_name(Some("Ada King Lovelace")),
            (Some("Ada".into()), Some("King Lovelace".into()))
        );
    }
}
