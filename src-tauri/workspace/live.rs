//! Live updates while the listener runs: the last read, with the users that applied events
//! were about replaced by what the events and the database now say, so the window's table
//! changes without a new read of both sides.

use super::WorkspaceError;
use crate::mongo::UserStore;
use crate::sync::snapshot::Snapshot;
use crate::webhook::event::ClerkEvent;

/// `snapshot` with each event's user as the event (and then the database) says: a changed user
/// replaces (or joins) the Clerk side, a deleted one leaves it; the documents with those Clerk
/// ids or emails are read again.
pub async fn refreshed(
    snapshot: &Snapshot,
    events: &[ClerkEvent],
    store: &UserStore,
) -> Result<Snapshot, WorkspaceError> {
    let mut clerk = snapshot.clerk.clone();
    let mut ids: Vec<String> = Vec::new();
    let mut emails: Vec<String> = Vec::new();
    for event in events {
        match event {
            ClerkEvent::UserChanged { user, .. } => {
                emails.extend(user.emails.iter().cloned());
                if let Some(primary) = &user.primary_email {
                    emails.push(primary.clone());
                }
                // Any address this user had in the last read: a document may still hold it.
                for old in clerk.iter().filter(|u| u.id == user.id) {
                    emails.extend(old.emails.iter().cloned());
                }
                clerk.retain(|u| u.id != user.id);
                clerk.push(user.clone());
                ids.push(user.id.clone());
            }
            ClerkEvent::UserDeleted { id, .. } => {
                clerk.retain(|u| u.id != *id);
                ids.push(id.clone());
            }
            ClerkEvent::Ignored { .. } => {}
        }
    }
    if ids.is_empty() {
        return Ok(snapshot.clone());
    }
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let email_refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    let fresh = store.find_candidates(&id_refs, &email_refs).await?;
    let mut db = snapshot.db.clone();
    db.retain(|doc| {
        let named = doc
            .clerk_id
            .as_deref()
            .is_some_and(|c| ids.iter().any(|i| i == c));
        !named && !fresh.iter().any(|f| f.doc_id == doc.doc_id)
    });
    db.extend(fresh);
    Ok(Snapshot {
        clerk,
        db,
        fetch: snapshot.fetch.clone(),
        production: snapshot.production,
        location: snapshot.location.clone(),
    })
}
