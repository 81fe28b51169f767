//! A deletion in Clerk is final: whatever its timestamp says, and whenever it arrives relative to
//! the writes about the same user, the user's documents end deactivated.

use syncdesk::diff::{DiffContext, diff_users};
use syncdesk::mongo::journal::Source;
use syncdesk::sync::apply::{ApplyContext, apply};
use syncdesk::sync::{SyncPolicy, plan};
use syncdesk::user::ClerkUser;
use syncdesk::webhook::apply::apply_event;
use syncdesk::webhook::event::ClerkEvent;

use crate::support::test_db;

/// The race a deletion could lose: its `user.deleted` arrives after a create has checked the
/// tombstones and before the create's insert, so it finds nothing to deactivate. The interleaving
/// is forced, not hoped for: the deletion runs to its end inside apply's "started" progress call,
/// which comes after the tombstone check and before the first write.
// Multi-threaded: the deletion is driven to completion from inside the progress callback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_between_a_creates_check_and_its_insert_still_deactivates() {
    let Some(db) = test_db("deletion_race").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let user = ClerkUser {
        id: "user_2qS7tOorK3vB9wXhL1mPz6yQeNd".into(),
        primary_email: Some("gone.soon@example.com".into()),
        emails: vec!["gone.soon@example.com".into()],
        first_name: Some("Gone".into()),
        last_name: Some("Soon".into()),
        username: None,
        external_id: None,
        banned: false,
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_000_000,
    };
    let users = std::slice::from_ref(&user);
    let plan = plan(
        &diff_users(users, &[], &DiffContext::default()),
        &SyncPolicy::default(),
    );
    assert_eq!(plan.ops.len(), 1, "one create: {plan}");
    let deletion = ClerkEvent::UserDeleted {
        id: user.id.clone(),
        at_ms: 1_700_000_000_100,
    };
    let answer = std::sync::Mutex::new(None);
    let ctx = ApplyContext {
        source: Source::Sync,
        now_ms: 1_800_000_000_000,
    };
    let report = apply(&db.store, &plan, ctx, |p| {
        if p.completed == 0 {
            let deleted = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(apply_event(
                    &db.store,
                    &deletion,
                    "msg_deleted_meanwhile",
                    1_800_000_000_000,
                ))
            });
            *answer.lock().unwrap() = Some(deleted.map(|o| o.to_string()));
        }
    })
    .await
    .unwrap();
    let answer = answer.lock().unwrap().take();
    assert_eq!(
        answer.as_ref().map(|a| a.as_deref().ok()),
        Some(Some("unchanged")),
        "the race happened: the deletion came before the insert and found no document"
    );
    assert_eq!(report.done, 1, "the create was written: {report:?}");
    let docs = db.raw_users().await;
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (
            docs[0].get_bool("is_active").unwrap(),
            docs[0].get_str("status").unwrap()
        ),
        (false, "deleted_in_clerk"),
        "the create saw the tombstone after its insert and deactivated what it wrote: {}",
        docs[0]
    );
    db.cleanup().await;
}
