//! Applying verified Clerk events through the same path as sync: the events' users are diffed
//! against the documents that could match them, planned, and applied by `sync::apply`.
//!
//! On top of that path: a message id already applied is acknowledged without writing (Svix
//! retries reuse the id); `user.deleted` leaves a tombstone first, so a late `user.created` or
//! `user.updated` can never bring the user back; and the Clerk `updated_at` ordering rule in
//! apply makes an older event lose against a newer state.
//!
//! Events are applied in batches (the listener hands over whatever arrived together), so a burst
//! costs a few bulk round trips instead of several per event. A batch behaves like its events
//! applied one by one: per user the newest version wins, a deletion wins over any change, and an
//! event whose outcome depends on another (a superseded version, a second copy of a message)
//! shares that event's fate, so a failure is retried for both.

use std::collections::{BTreeMap, BTreeSet};

use super::event::ClerkEvent;
use crate::diff::present;
use crate::diff::{DiffContext, diff_users};
use crate::mongo::journal::{MessageRecord, Source};
use crate::mongo::{Error, UserStore};
use crate::sync::apply::{
    ApplyContext, ApplyReport, Failure, OpResult, Outcome, SkipReason, apply,
};
use crate::sync::plan::clerk_fields;
use crate::sync::plan::{SyncOp, SyncPlan, SyncPolicy, plan};
use crate::sync::{fallback, usernames};
use crate::user::ClerkUser;

pub use super::outcome::{ApplyError, EventOutcome};

/// Applies one verified event; `message_id` deduplicates (empty: no deduplication).
pub async fn apply_event(
    store: &UserStore,
    event: &ClerkEvent,
    message_id: &str,
    now_ms: i64,
) -> Result<EventOutcome, ApplyError> {
    apply_events(store, &[(event, message_id)], now_ms)
        .await
        .pop()
        .unwrap_or(Ok(EventOutcome::Ignored))
}

type Answer = Option<Result<EventOutcome, ApplyError>>;

/// Applies verified events (each with its message id) together; one answer per event, in order.
pub async fn apply_events(
    store: &UserStore,
    events: &[(&ClerkEvent, &str)],
    now_ms: i64,
) -> Vec<Result<EventOutcome, ApplyError>> {
    let mut out: Vec<Answer> = events
        .iter()
        .map(|(event, _)| {
            matches!(event, ClerkEvent::Ignored { .. }).then_some(Ok(EventOutcome::Ignored))
        })
        .collect();
    // Later copies of a message (or superseded versions of a user) follow another event's fate.
    let mut follows: Vec<(usize, usize, EventOutcome)> = Vec::new();
    if let Err(err) = settle(store, events, now_ms, &mut out, &mut follows).await {
        // The batch as a whole failed, whatever the cause: every event in it (unrelated users
        // among them) is answered 503 and retried, never told to stop.
        let err = ApplyError::Unavailable(err.to_string());
        for answer in out.iter_mut().filter(|a| a.is_none()) {
            *answer = Some(Err(err.clone()));
        }
    }
    for (i, leader, outcome) in follows {
        out[i] = Some(match &out[leader] {
            Some(Err(err)) => Err(err.clone()),
            _ => Ok(outcome),
        });
    }
    let records: Vec<MessageRecord<'_>> = out
        .iter()
        .zip(events)
        .filter_map(|(answer, (event, id))| match answer {
            Some(Ok(o)) if !id.is_empty() && o.is_recorded() => Some(MessageRecord {
                message_id: id,
                event_type: event.event_type(),
                outcome: o.to_string(),
                at_ms: now_ms,
            }),
            _ => None,
        })
        .collect();
    if let Err(err) = store.record_messages(&records).await {
        // Unrecorded means a retry applies again, which is harmless; an OK answer would lose it.
        let err = ApplyError::from(err);
        for answer in &mut out {
            if matches!(answer, Some(Ok(o)) if o.is_recorded()) {
                *answer = Some(Err(err.clone()));
            }
        }
    }
    out.into_iter()
        .map(|a| a.unwrap_or(Ok(EventOutcome::Unchanged)))
        .collect()
}

/// Decides every event it can; `Err` when the database fails for all the rest.
async fn settle(
    store: &UserStore,
    events: &[(&ClerkEvent, &str)],
    now_ms: i64,
    out: &mut [Answer],
    follows: &mut Vec<(usize, usize, EventOutcome)>,
) -> Result<(), Error> {
    let ids: Vec<&str> = events
        .iter()
        .map(|(_, id)| *id)
        .filter(|id| !id.is_empty())
        .collect();
    let seen = store.messages_seen_among(&ids).await?;
    let mut first_copy: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (_, id)) in events.iter().enumerate() {
        if out[i].is_some() || id.is_empty() {
            continue;
        }
        if seen.contains(*id) {
            out[i] = Some(Ok(EventOutcome::Duplicate));
        } else if let Some(&leader) = first_copy.get(id) {
            out[i] = Some(Ok(EventOutcome::Duplicate));
            follows.push((i, leader, EventOutcome::Duplicate));
        } else {
            first_copy.insert(id, i);
        }
    }
    let mut deleted: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (event, _)) in events.iter().enumerate() {
        if let (None, ClerkEvent::UserDeleted { id, at_ms }) = (&out[i], event) {
            match store
                .add_tombstone(id, if *at_ms > 0 { *at_ms } else { now_ms })
                .await
            {
                Ok(()) => deleted.entry(id.as_str()).or_default().push(i),
                Err(err) => out[i] = Some(Err(err.into())),
            }
        }
    }
    let changed: Vec<(usize, &ClerkUser)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, (event, _))| match (&out[i], event) {
            (None, ClerkEvent::UserChanged { user, .. }) => Some((i, user)),
            _ => None,
        })
        .collect();
    let changed_ids: Vec<&str> = changed.iter().map(|(_, u)| u.id.as_str()).collect();
    let tombstoned = store.tombstoned_among(&changed_ids).await?;
    // Per user, the newest version (the later one on a tie) is applied; the others follow it.
    let mut newest: BTreeMap<&str, (usize, &ClerkUser)> = BTreeMap::new();
    for &(i, user) in &changed {
        if tombstoned.contains(&user.id) {
            out[i] = Some(Ok(EventOutcome::Stale(
                "the user was deleted in Clerk".into(),
            )));
        } else if let Some(prev) = newest.insert(&user.id, (i, user))
            && prev.1.updated_at > user.updated_at
        {
            newest.insert(&user.id, prev);
        }
    }
    let superseded =
        EventOutcome::Stale("a newer version of the user came in the same batch".into());
    for &(i, user) in &changed {
        match newest.get(user.id.as_str()) {
            Some(&(leader, _)) if leader != i => follows.push((i, leader, superseded.clone())),
            _ => {}
        }
    }
    for (i, _, _) in follows.iter() {
        out[*i].get_or_insert(Ok(EventOutcome::Unchanged));
    }
    let users: Vec<ClerkUser> = newest.values().map(|&(_, u)| u.clone()).collect();
    if users.is_empty() && deleted.is_empty() {
        return Ok(());
    }
    let report = run(store, &users, &deleted.keys().copied().collect(), now_ms).await?;
    for (id, indexes) in deleted
        .iter()
        .map(|(id, ix)| (*id, ix.clone()))
        .chain(newest.iter().map(|(id, &(i, _))| (*id, vec![i])))
    {
        let answer = outcome(&report, id);
        for i in indexes {
            out[i] = Some(answer.clone());
        }
    }
    Ok(())
}

/// Diffs the users (and the deleted ids) against the documents that could match them, plans,
/// and applies. Only a deleted user's documents may be deactivated: another document matching a
/// user's email is not this event's to touch.
async fn run(
    store: &UserStore,
    users: &[ClerkUser],
    deleted: &BTreeSet<&str>,
    now_ms: i64,
) -> Result<(ApplyReport, SyncPlan), Error> {
    let mut ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    ids.extend(deleted.iter().copied());
    let emails: Vec<&str> = users
        .iter()
        .filter_map(|u| {
            u.primary_email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
        })
        .collect();
    let docs = store.find_candidates(&ids, &emails).await?;
    let diff = diff_users(users, &docs, &DiffContext::default());
    let mut policy = SyncPolicy::for_mapping(store.mapping());
    // The candidates are a few documents, not all: ask who holds the usernames a fallback
    // would give the users that have none.
    let bases: Vec<String> = users
        .iter()
        .filter(|u| present(u.username.as_deref()).is_none())
        .filter_map(|u| {
            let mut fields = clerk_fields(u);
            fallback::fill(&mut fields, &policy.fallbacks);
            fields.username
        })
        .collect();
    policy.usernames_taken = usernames::holders_for(store, &bases).await?;
    let mut plan = plan(&diff, &policy);
    plan.ops.retain(|op| {
        !matches!(op, SyncOp::Deactivate { .. } | SyncOp::Delete { .. })
            || deleted.contains(op.clerk_id())
    });
    if plan.ops.is_empty() {
        return Ok((ApplyReport::default(), plan));
    }
    let ctx = ApplyContext {
        source: Source::Webhook,
        now_ms,
    };
    let report = apply(store, &plan, ctx, |_| {}).await?;
    Ok((report, plan))
}

/// What the batch did for one Clerk id.
fn outcome(
    (report, plan): &(ApplyReport, SyncPlan),
    clerk_id: &str,
) -> Result<EventOutcome, ApplyError> {
    let results: Vec<&OpResult> = report
        .results
        .iter()
        .filter(|r| r.clerk_id == clerk_id)
        .collect();
    let failures: Vec<&Failure> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(why) => Some(why),
            _ => None,
        })
        .collect();
    // A transient failure of any of the user's operations makes the event worth retrying.
    if let Some(failed) = failures
        .iter()
        .find(|f| f.transient)
        .or(failures.first())
        .map(|f| (*f).clone())
    {
        // Transient: 503, Svix retries. Permanent: retrying the same event cannot help.
        return Err(if failed.transient {
            ApplyError::Unavailable(failed.reason)
        } else {
            ApplyError::Conflict(failed.reason)
        });
    }
    let applied: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Done)
        .map(|r| r.op.as_str())
        .collect();
    if !applied.is_empty() {
        return Ok(EventOutcome::Applied(applied.join("+")));
    }
    Ok(match results.first().map(|r| &r.outcome) {
        Some(Outcome::Skipped(SkipReason::AlreadyApplied)) => EventOutcome::Unchanged,
        Some(Outcome::Skipped(why)) => EventOutcome::Stale(why.to_string()),
        _ => match plan
            .skipped
            .iter()
            .find(|s| s.clerk_id.as_deref() == Some(clerk_id))
        {
            Some(skipped) => EventOutcome::Stale(skipped.why.clone()),
            None => EventOutcome::Unchanged,
        },
    })
}
