//! Steps 4 to 7, in the database the backend writes to: the document appears as Clerk describes
//! the user, a redelivery adds nothing, an update and a delete land, and the throwaway user's
//! documents (only those) are removed.

use std::time::{Duration, Instant};

use super::probe::Signature;
use super::throwaway::Layout;
use super::{Run, Step, StepReport, now_ms};
use crate::diff::{DELETED_IN_CLERK, is_clerk_id};
use crate::mongo::UserStore;
use crate::user::DbUser;
use crate::webhook::send::{EventKind, new_message_id};

/// The throwaway user's documents: by its Clerk id or any of its addresses.
async fn documents(run: &Run<'_>, store: &UserStore) -> Result<Vec<DbUser>, String> {
    store
        .find_candidates(&[&run.user.clerk_id], &run.user.emails())
        .await
        .map_err(|e| e.to_string())
}

/// Polls until `done` holds for the throwaway user's documents or the timeout passes; the last
/// documents seen either way.
async fn wait_for(
    run: &Run<'_>,
    store: &UserStore,
    done: impl Fn(&[DbUser]) -> bool,
) -> Result<(bool, Vec<DbUser>), String> {
    let deadline = Instant::now() + run.timeout;
    loop {
        let docs = documents(run, store).await?;
        if done(&docs) {
            return Ok((true, docs));
        }
        if Instant::now() >= deadline {
            return Ok((false, docs));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn unreadable(step: Step, store: &UserStore, why: &str) -> StepReport {
    StepReport::failed(
        step,
        format!("cannot read {}: {why}", store.location()),
        "check the profile's database connection",
    )
}

fn has_id(doc: &DbUser, id: &str) -> bool {
    doc.clerk_id.as_deref().map(str::trim) == Some(id)
}

fn same_email(doc: &DbUser, email: &str) -> bool {
    doc.email
        .as_deref()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
}

fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "nothing".to_string(), |v| format!("`{v}`"))
}

/// Step 4; also says whether a document of the throwaway user was found at all.
pub async fn written(run: &Run<'_>, store: &UserStore) -> (StepReport, bool) {
    let step = Step::DocumentWritten;
    let user = &run.user;
    let seen = wait_for(run, store, |docs| {
        docs.iter().any(|d| has_id(d, &user.clerk_id))
    })
    .await;
    let (found, docs) = match seen {
        Ok(seen) => seen,
        Err(why) => {
            return (unreadable(step, store, &why), false);
        }
    };
    let Some(doc) = docs
        .iter()
        .find(|d| has_id(d, &user.clerk_id))
        .or(docs.first())
    else {
        return (
            StepReport::failed(
                step,
                format!(
                    "no document for {} appeared in {} within {} s",
                    user.clerk_id,
                    store.location(),
                    run.timeout.as_secs_f64()
                ),
                "check that the backend writes to this database and collection (the profile's; a dev backend often points at another), look for the event in its log, or raise --timeout for a slow queue",
            ),
            false,
        );
    };
    if !found {
        let id = doc.clerk_id.as_deref();
        let why = match id {
            Some(id) if !is_clerk_id(id) => "a placeholder",
            Some(_) => "another user's id",
            None => "no Clerk id",
        };
        return (
            StepReport::failed(
                step,
                format!(
                    "document {} was stored with {why} ({}) instead of {}",
                    doc.doc_id,
                    shown(id),
                    user.clerk_id
                ),
                "store the event's data.id as the Clerk id; never a made-up placeholder (the seed report's clerk_17 entries)",
            ),
            true,
        );
    }
    if same_email(doc, &user.primary) {
        return (
            StepReport::passed(
                step,
                format!(
                    "document {} has Clerk id {} and the primary email {}",
                    doc.doc_id, user.clerk_id, user.primary
                ),
            ),
            true,
        );
    }
    let fix = if same_email(doc, &user.decoy) {
        "take the address whose id is data.primary_email_address_id (data.email_addresses.find(e => e.id === data.primary_email_address_id)), not email_addresses[0]"
    } else {
        "store the primary address: the entry of data.email_addresses whose id is data.primary_email_address_id"
    };
    (
        StepReport::failed(
            step,
            format!(
                "document {} has email {} instead of the primary {}",
                doc.doc_id,
                shown(doc.email.as_deref()),
                user.primary
            ),
            fix,
        ),
        true,
    )
}

/// Step 5: the accepted message again, same id and bytes, freshly signed as Svix retries it.
pub async fn redelivery(run: &Run<'_>, store: &UserStore) -> StepReport {
    let step = Step::RedeliveryIgnored;
    let Some((id, body)) = &run.created else {
        return StepReport::skipped(step, "needs the signed user.created accepted (step 2)");
    };
    // Counted before: a forgery step 3 let through may have written one already.
    let before = match documents(run, store).await {
        Ok(docs) => docs.len(),
        Err(why) => return unreadable(step, store, &why),
    };
    let answer = run
        .receiver
        .post(id, body, Signature::With(run.secret, now_ms() / 1000))
        .await;
    // A second document may be written after the answer (a queue): give it a moment.
    tokio::time::sleep((run.timeout / 5).clamp(Duration::from_millis(300), Duration::from_secs(2)))
        .await;
    let docs = match documents(run, store).await {
        Ok(docs) => docs,
        Err(why) => {
            return unreadable(step, store, &why);
        }
    };
    let seen = format!(
        "redelivering {id} {}; {} document(s) for the user before, {} after",
        answer.describe(),
        before,
        docs.len()
    );
    if docs.len() > before {
        return StepReport::failed(
            step,
            seen,
            "make user.created idempotent: upsert on the Clerk id with a unique index on it, or record each svix-id and acknowledge a seen one without writing",
        );
    }
    if !answer.is_success() {
        return StepReport::failed(
            step,
            seen,
            "answer 2xx to a message already handled: any other answer makes Svix retry it for days and mark the endpoint failing",
        );
    }
    StepReport::passed(step, seen)
}

fn deactivated(doc: &DbUser) -> bool {
    doc.active == Some(false)
        || doc.status.as_deref().is_some_and(|s| {
            s.trim() == DELETED_IN_CLERK
                || s.trim().eq_ignore_ascii_case("deleted")
                || s.trim().eq_ignore_ascii_case("inactive")
        })
}

/// Step 6: the primary address changes, then the user is deleted in Clerk.
pub async fn update_and_delete(run: &Run<'_>, store: &UserStore) -> StepReport {
    let step = Step::UpdateAndDelete;
    let user = &run.user;
    let now = now_ms() + 1_000;
    let signed = |at_ms: i64| Signature::With(run.secret, at_ms / 1000);
    let updated = Layout::Compact.bytes(&user.event(EventKind::Updated, now));
    let answer = run
        .receiver
        .post(&new_message_id(), &updated, signed(now))
        .await;
    let seen = wait_for(run, store, |docs| {
        docs.iter()
            .any(|d| has_id(d, &user.clerk_id) && same_email(d, &user.updated))
    })
    .await;
    let mut lines = vec![format!("user.updated {}", answer.describe())];
    let mut fixes = Vec::new();
    match seen {
        Ok((true, _)) => lines.push(format!("the email became {}", user.updated)),
        Ok((false, docs)) => {
            let email = docs
                .iter()
                .find(|d| has_id(d, &user.clerk_id))
                .and_then(|d| d.email.clone());
            lines.push(format!(
                "the email is still {} after {} s",
                shown(email.as_deref()),
                run.timeout.as_secs_f64()
            ));
            fixes.push("handle user.updated: set the stored fields (the primary email above all) from data, matched by data.id");
        }
        Err(why) => {
            return unreadable(step, store, &why);
        }
    }
    let deleted = Layout::Compact.bytes(&user.event(EventKind::Deleted, now + 1_000));
    let answer = run
        .receiver
        .post(&new_message_id(), &deleted, signed(now + 1_000))
        .await;
    lines.push(format!("user.deleted {}", answer.describe()));
    let gone = wait_for(run, store, |docs| {
        docs.iter()
            .filter(|d| has_id(d, &user.clerk_id))
            .all(deactivated)
    })
    .await;
    match gone {
        Ok((true, docs)) if docs.iter().any(|d| has_id(d, &user.clerk_id)) => {
            lines.push("the document was deactivated".into())
        }
        Ok((true, _)) => lines.push("the document was removed".into()),
        Ok((false, _)) => {
            lines.push(format!(
                "the document is still active after {} s",
                run.timeout.as_secs_f64()
            ));
            fixes.push("handle user.deleted: deactivate (active = false) or remove the document whose Clerk id is data.id");
        }
        Err(why) => {
            return unreadable(step, store, &why);
        }
    }
    if fixes.is_empty() {
        StepReport::passed(step, lines.join("; "))
    } else {
        StepReport::failed(step, lines.join("; "), fixes.join("; "))
    }
}

/// Step 7: removes the throwaway user's documents (by its Clerk id and marked addresses).
pub async fn clean_up(run: &Run<'_>, store: &UserStore) -> StepReport {
    let step = Step::CleanUp;
    let docs = match documents(run, store).await {
        Ok(docs) => docs,
        Err(why) => {
            return StepReport::failed(
                step,
                format!("cannot read {}: {why}", store.location()),
                format!(
                    "remove the documents with Clerk id {} by hand",
                    run.user.clerk_id
                ),
            );
        }
    };
    let mut removed = 0;
    for doc in &docs {
        if let Err(err) = store.delete_user(&doc.doc_id).await {
            return StepReport::failed(
                step,
                format!(
                    "removed {removed} of {} documents; {}: {err}",
                    docs.len(),
                    doc.doc_id
                ),
                format!(
                    "remove the documents with Clerk id {} by hand",
                    run.user.clerk_id
                ),
            );
        }
        removed += 1;
    }
    if removed == 0 && run.created.is_some() {
        return StepReport::new(
            step,
            super::Verdict::Warning,
            format!(
                "no document of the throwaway user {} to remove from {}, though the backend accepted its event",
                run.user.clerk_id,
                store.location()
            ),
            Some(format!(
                "if the backend writes later (a queue) or elsewhere, remove the documents with Clerk id {} there",
                run.user.clerk_id
            )),
        );
    }
    StepReport::passed(
        step,
        format!(
            "removed {removed} document(s) of the throwaway user {} from {}; nothing else was touched",
            run.user.clerk_id,
            store.location()
        ),
    )
}
