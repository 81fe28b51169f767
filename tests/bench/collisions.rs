//! Part of `apply`: creates that collide with documents already there (a concurrent writer, or
//! the batch a killed sync had in flight), half of a batch of 10,000. Apply turns them into one
//! read and one bulk write of conditional updates; the path it replaced made one `findAndModify`
//! (and a read) per collision, timed here on a sample and scaled, in the same run.

use std::collections::BTreeMap;
use std::time::Instant;

use mongodb::bson::Document;
use syncdesk::mongo::journal::Source;
use syncdesk::mongo::{FieldMapping, UserStore, new_document};
use syncdesk::sync::apply::{ApplyContext, apply};
use syncdesk::sync::{SyncOp, SyncPlan};
use syncdesk::user::{NewUser, UserFields};

const BATCH: usize = 10_000;
const PER_COLLISION_SAMPLE: usize = 500;

fn fields(n: usize, version: &str) -> UserFields {
    UserFields {
        email: Some(format!("collide{n}.{version}@example.com")),
        name: Some(format!("Collide {n}")),
        username: Some(format!("collide_{n}")),
    }
}

fn clerk_id(n: usize) -> String {
    format!("user_collide{n:020}")
}

/// A store holding every even-numbered user at an older Clerk `updated_at` (0) than the plan's.
async fn half_there(uri: &str, name: &str) -> UserStore {
    let store = crate::fresh_store(uri, name).await;
    let mapping = FieldMapping::default();
    let docs: Vec<Document> = (0..BATCH)
        .step_by(2)
        .map(|n| {
            let user = NewUser {
                clerk_id: Some(clerk_id(n)),
                fields: fields(n, "old"),
                clerk_updated_at: Some(0),
                app_fields: BTreeMap::new(),
            };
            new_document(&user, Some(1_000_000 + n as i64), &mapping)
        })
        .collect();
    store
        .database()
        .collection::<Document>("users")
        .insert_many(docs)
        .await
        .unwrap();
    store
}

/// The figures, and whether every user ended up written exactly once with the new values.
pub async fn run(uri: &str) -> (Vec<String>, bool) {
    let store = half_there(uri, "bench_apply_collide").await;
    let plan = SyncPlan {
        ops: (0..BATCH)
            .map(|n| SyncOp::Create {
                clerk_id: clerk_id(n),
                fields: fields(n, "new"),
                app_fields: BTreeMap::new(),
                derived: vec![],
            })
            .collect(),
        skipped: Vec::new(),
        clerk_updated_at: (0..BATCH).map(|n| (clerk_id(n), 1)).collect(),
    };
    let ctx = ApplyContext {
        source: Source::Sync,
        now_ms: 1,
    };
    let started = Instant::now();
    let report = apply(&store, &plan, ctx, |_| {}).await.unwrap();
    let batched = started.elapsed();
    let updated = store
        .database()
        .collection::<Document>("users")
        .count_documents(mongodb::bson::doc! {"email": {"$regex": "\\.new@"}})
        .await
        .unwrap();
    let complete = report.done == BATCH
        && store.count().await.unwrap() == BATCH as u64
        && updated == BATCH as u64;

    // The replaced path: per collision, a read of the document and a findAndModify.
    let old = half_there(uri, "bench_apply_collide_old").await;
    let started = Instant::now();
    for n in (0..BATCH).step_by(2).take(PER_COLLISION_SAMPLE) {
        let found = old.find_by("clerk_user_id", clerk_id(n)).await.unwrap();
        let set = old.fields_document(&fields(n, "new"));
        old.set_if_newer(&found[0].doc_id, set, Some(1))
            .await
            .unwrap();
    }
    let per_collision =
        started.elapsed().as_secs_f64() * (BATCH / 2) as f64 / PER_COLLISION_SAMPLE as f64;
    for s in [&store, &old] {
        s.database().drop().await.unwrap();
    }
    let speedup = per_collision / batched.as_secs_f64();
    let lines = vec![
        format!(
            "{BATCH} creates, half of them already there with older data: apply {:.2} s ({} done)",
            batched.as_secs_f64(),
            report.done
        ),
        format!(
            "the per-collision findAndModify it replaced: {per_collision:.2} s for the {} collisions alone (scaled from {PER_COLLISION_SAMPLE}) = {speedup:.1}x slower",
            BATCH / 2
        ),
        format!("every user once, the collided ones updated: {complete}"),
    ];
    (lines, complete)
}
