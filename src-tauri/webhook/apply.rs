//! Applying a verified Clerk event through the same path as sync: the event's user is diffed
//! against the documents that could match it, planned, and applied by `sync::apply`.
//!
//! On top of that path: a message id already applied is acknowledged without writing (Svix
//! retries reuse the id); `user.deleted` leaves a tombstone first, so a late `user.created` or
//! `user.updated` can never bring the user back; and the Clerk `updated_at` ordering rule in
//! apply makes an older event lose against a newer state.

use super::event::ClerkEvent;
use crate::diff::{DiffContext, diff_users};
use crate::mongo::journal::Source;
use crate::mongo::{Error, UserStore};
use crate::sync::apply::{ApplyContext, Outcome, apply};
use crate::sync::plan::{SyncPolicy, plan};
use crate::user::{ClerkUser, DbUser};

/// What applying one event did (the word the listener logs and answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Written: `create`, `update`, `link`, `deactivate` (joined with `+` when several).
    Applied(String),
    /// Already in the database as the event says.
    Unchanged,
    /// Older than what the database holds, or about a deleted user.
    Stale(String),
    /// This message id was applied before.
    Duplicate,
    /// Not a `user.*` event.
    Ignored,
}

impl std::fmt::Display for EventOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Applied(ops) => write!(f, "applied {ops}"),
            Self::Unchanged => f.write_str("unchanged"),
            Self::Stale(why) => write!(f, "stale ({why})"),
            Self::Duplicate => f.write_str("duplicate"),
            Self::Ignored => f.write_str("ignored"),
        }
    }
}

/// Why an event could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The database cannot be reached: answer 5xx so that Svix retries.
    #[error("{0}")]
    Unavailable(String),
    /// The event conflicts with the data (e.g. its email belongs to two documents): a person must look.
    #[error("{0}")]
    Conflict(String),
}

impl From<Error> for ApplyError {
    fn from(err: Error) -> Self {
        match err {
            Error::Connect { .. } | Error::Auth { .. } | Error::Server { .. } => {
                Self::Unavailable(err.to_string())
            }
            other => Self::Conflict(other.to_string()),
        }
    }
}

/// Applies one verified event; `message_id` deduplicates (empty: no deduplication).
pub async fn apply_event(
    store: &UserStore,
    event: &ClerkEvent,
    message_id: &str,
    now_ms: i64,
) -> Result<EventOutcome, ApplyError> {
    if matches!(event, ClerkEvent::Ignored { .. }) {
        return Ok(EventOutcome::Ignored);
    }
    if !message_id.is_empty() && store.message_seen(message_id).await? {
        return Ok(EventOutcome::Duplicate);
    }
    let outcome = match event {
        ClerkEvent::UserChanged { user, .. } => {
            if store.is_tombstoned(&user.id).await? {
                EventOutcome::Stale("the user was deleted in Clerk".into())
            } else {
                let docs = candidates(store, user).await?;
                run(store, std::slice::from_ref(user), &docs, now_ms).await?
            }
        }
        ClerkEvent::UserDeleted { id, at_ms } => {
            store
                .add_tombstone(id, if *at_ms > 0 { *at_ms } else { now_ms })
                .await?;
            let docs = store
                .find_by(&store.mapping().clerk_id, id.as_str())
                .await?;
            run(store, &[], &docs, now_ms).await?
        }
        ClerkEvent::Ignored { .. } => EventOutcome::Ignored,
    };
    if !message_id.is_empty() {
        store
            .record_message(message_id, event.event_type(), &outcome.to_string(), now_ms)
            .await?;
    }
    Ok(outcome)
}

/// The documents the event's user could match: by Clerk id, and by primary email (any case).
async fn candidates(store: &UserStore, user: &ClerkUser) -> Result<Vec<DbUser>, Error> {
    let mut docs = store
        .find_by(&store.mapping().clerk_id, user.id.as_str())
        .await?;
    if let Some(email) = user
        .primary_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        for doc in store.find_by_email(email).await? {
            if !docs.iter().any(|d| d.doc_id == doc.doc_id) {
                docs.push(doc);
            }
        }
    }
    Ok(docs)
}

async fn run(
    store: &UserStore,
    clerk: &[ClerkUser],
    docs: &[DbUser],
    now_ms: i64,
) -> Result<EventOutcome, Error> {
    let diff = diff_users(clerk, docs, &DiffContext::default());
    let plan = plan(&diff, &SyncPolicy::default());
    if plan.ops.is_empty() {
        return Ok(match plan.skipped.first() {
            Some(skipped) => EventOutcome::Stale(skipped.why.clone()),
            None => EventOutcome::Unchanged,
        });
    }
    let report = apply(
        store,
        &plan,
        ApplyContext {
            source: Source::Webhook,
            now_ms,
        },
        |_| {},
    )
    .await?;
    if let Some(failed) = report.results.iter().find_map(|r| match &r.outcome {
        Outcome::Failed(why) => Some(why.clone()),
        _ => None,
    }) {
        return Err(Error::Server {
            hosts: store.location(),
            reason: failed,
        });
    }
    let applied: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Done)
        .map(|r| r.op)
        .collect();
    Ok(
        match (
            applied.is_empty(),
            report.results.first().map(|r| &r.outcome),
        ) {
            (false, _) => EventOutcome::Applied(applied.join("+")),
            (true, Some(Outcome::Skipped(why))) if why == "already applied" => {
                EventOutcome::Unchanged
            }
            (true, Some(Outcome::Skipped(why))) => EventOutcome::Stale(why.clone()),
            _ => EventOutcome::Unchanged,
        },
    )
}
