//! Creating one database user by hand (support staff's "add user"), through the same apply path
//! as sync.
//!
//! The user is always linked to a real Clerk id: the one Clerk has for the email, or, when asked,
//! a user created in Clerk first. A placeholder Clerk id (how the report's suspicious entries were
//! born) is never written. Duplicates are refused with the existing user named.

mod input;

use std::collections::BTreeMap;

use serde::Serialize;

use super::apply::{ApplyContext, ApplyReport, Outcome, apply};
use super::plan::{SyncOp, SyncPlan, clerk_fields};
use super::{fallback, usernames};
use crate::clerk::{ClerkClient, NewClerkUser};
use crate::mongo::UserStore;
use crate::mongo::journal::Source;
use crate::user::DbUser;
pub use input::{FieldProblem, ManualUser, checked, problems, split_name};

/// Why the user was not created; each says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error(
        "a user with email {email} already exists in the database (user_id {user_id}, _id {doc_id}); edit that one instead"
    )]
    Duplicate {
        email: String,
        user_id: String,
        doc_id: String,
    },
    #[error(
        "no Clerk user has the email {0}; create it in Clerk first (--in-clerk, or \"Also create this user in Clerk\" in the window). Syncdesk never writes a placeholder Clerk id"
    )]
    NotInClerk(String),
    // The causes' words are in the message, so they are not also a `source` (said once).
    #[error("Clerk: {0}")]
    Clerk(crate::clerk::Error),
    #[error("database: {0}")]
    Database(crate::mongo::Error),
    #[error("the database refused the user: {0}")]
    Refused(String),
    #[error(
        "the Clerk user {clerk_id} was created, but the database did not take the user: {reason}. Create the user again to link that Clerk user (Clerk has it now), or delete it in Clerk"
    )]
    ClerkOnly { clerk_id: String, reason: String },
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

/// What the window shows beside an email as it is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The Clerk user with this email, whose id a creation links.
    pub clerk: Option<ClerkMatch>,
    /// The document that already holds this email: a creation is refused.
    pub existing: Option<Existing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClerkMatch {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Existing {
    pub user_id: Option<i64>,
    pub doc_id: String,
    pub name: Option<String>,
}

/// Who has `email` in Clerk and in the database (nothing is written).
pub async fn lookup(
    store: &UserStore,
    clerk: &ClerkClient,
    email: &str,
) -> Result<Lookup, ManualError> {
    let email = email.trim();
    let (in_clerk, in_db) = futures_util::try_join!(
        async { clerk.users_by_email(email).await.map_err(ManualError::from) },
        async { store.find_by_email(email).await.map_err(ManualError::from) }
    )?;
    Ok(Lookup {
        clerk: in_clerk.into_iter().next().map(|u| ClerkMatch {
            name: u.full_name(),
            id: u.id,
        }),
        existing: in_db.into_iter().next().map(|d| Existing {
            user_id: d.user_id,
            doc_id: d.doc_id.to_string(),
            name: d.name,
        }),
    })
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
    let user = checked(input, &store.mapping().app_fields).map_err(|p| ManualError::Invalid {
        field: p.field,
        problem: p.problem,
    })?;
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
    let app_fields: BTreeMap<String, serde_json::Value> = user
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
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
    // From here on a failure after a Clerk user was created says so, with its id.
    let refused = |reason: String| {
        if created_in_clerk {
            ManualError::ClerkOnly {
                clerk_id: clerk_user.id.clone(),
                reason,
            }
        } else {
            ManualError::Refused(reason)
        }
    };
    // A database error keeps its kind (unreachable, refused credentials) unless a Clerk user
    // was created first, which the error must then name.
    let db_failed = |e: crate::mongo::Error| {
        if created_in_clerk {
            refused(e.to_string())
        } else {
            ManualError::Database(e)
        }
    };
    let mut holders = usernames::holders_for(store, &plan.derived_usernames())
        .await
        .map_err(db_failed)?;
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
    .await
    .map_err(db_failed)?;
    match report.results.first().map(|r| &r.outcome) {
        Some(Outcome::Failed(why)) => return Err(refused(why.reason.clone())),
        Some(Outcome::Skipped(why)) => return Err(refused(format!("nothing written: {why}"))),
        _ => {}
    }
    // Written: a failure to read it back only leaves out the details, never reports a failure.
    let user = store
        .find_by(&store.mapping().clerk_id, clerk_user.id.as_str())
        .await
        .ok()
        .and_then(|found| found.into_iter().next());
    Ok(Created {
        clerk_id: clerk_user.id,
        created_in_clerk,
        user,
        report,
    })
}
