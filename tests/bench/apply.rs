//! `apply`: 100,000 creates through the one write path (ids, indexes, audit) against the test
//! database's own floor, a raw `insert_many` of the same documents, and against the seed report's
//! per-user approach (find by email, then max + 1, then insert), all in the same run. The
//! per-user approach is timed on 2,000 users and scaled (it is linear: three round trips a user).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mongodb::bson::{Document, doc};
use syncdesk::mongo::journal::Source;
use syncdesk::mongo::{FieldMapping, new_document};
use syncdesk::sync::apply::{ApplyContext, apply};
use syncdesk::sync::{SyncOp, SyncPlan};
use syncdesk::user::{NewUser, UserFields};

use crate::Outcome;

const USERS: usize = 100_000;
const PER_USER_SAMPLE: usize = 2_000;

fn fields(n: usize) -> UserFields {
    UserFields {
        email: Some(format!("bench.user{n}@example.com")),
        name: Some(format!("Bench User {n}")),
        username: Some(format!("bench_user{n}")),
    }
}

fn clerk_id(n: usize) -> String {
    format!("user_bench{n:022}")
}

pub fn run() -> Outcome {
    let Ok(uri) = std::env::var("MONGODB_URI") else {
        return Outcome {
            lines: vec!["SKIPPED: MONGODB_URI not set (run `cargo xtask bench apply`)".into()],
            met: false,
        };
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mapping = FieldMapping::default();
        // The floor: the same documents, one raw insert_many, into an indexed collection.
        let raw = crate::fresh_store(&uri, "bench_apply_raw").await;
        let docs: Vec<Document> = (0..USERS)
            .map(|n| {
                let user = NewUser { clerk_id: Some(clerk_id(n)), fields: fields(n), clerk_updated_at: Some(1), app_fields: BTreeMap::new() };
                new_document(&user, Some(n as i64 + 1), &mapping)
            })
            .collect();
        let started = Instant::now();
        raw.database().collection::<Document>("users").insert_many(docs).await.unwrap();
        let floor = started.elapsed();

        // Syncdesk: a plan of 100,000 creates through apply.
        let target = crate::fresh_store(&uri, "bench_apply_sync").await;
        let plan = SyncPlan {
            ops: (0..USERS).map(|n| SyncOp::Create { clerk_id: clerk_id(n), fields: fields(n), app_fields: BTreeMap::new(), derived: vec![] }).collect(),
            skipped: Vec::new(),
            clerk_updated_at: (0..USERS).map(|n| (clerk_id(n), 1)).collect(),
        };
        let started = Instant::now();
        let report = apply(&target, &plan, ApplyContext { source: Source::Sync, now_ms: 1 }, |_| {}).await.unwrap();
        let ours = started.elapsed();
        let complete = report.done == USERS && target.count().await.unwrap() == USERS as u64;

        // The report's script: find by email, then max + 1, then insert, one user at a time.
        let naive = crate::fresh_store(&uri, "bench_apply_naive").await;
        let users = naive.database().collection::<Document>("users");
        let started = Instant::now();
        for n in 0..PER_USER_SAMPLE {
            let f = fields(n);
            let email = f.email.clone().unwrap();
            if users.find_one(doc! {"email": &email}).await.unwrap().is_some() {
                continue;
            }
            let top = users.find_one(doc! {}).sort(doc! {"user_id": -1}).await.unwrap();
            let next = top.and_then(|d| d.get_i64("user_id").ok()).unwrap_or(0) + 1;
            let user = NewUser { clerk_id: Some(clerk_id(n)), fields: f, clerk_updated_at: None, app_fields: BTreeMap::new() };
            users.insert_one(new_document(&user, Some(next), &mapping)).await.unwrap();
        }
        let per_user = started.elapsed().mul_f64(USERS as f64 / PER_USER_SAMPLE as f64);
        for s in [&raw, &target, &naive] {
            s.database().drop().await.unwrap();
        }

        let (collision_lines, collisions_ok) = crate::collisions::run(&uri).await;

        let vs_floor = ours.as_secs_f64() / floor.as_secs_f64();
        let vs_naive = per_user.as_secs_f64() / ours.as_secs_f64();
        let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
        let mut lines = vec![
            format!("raw insert_many of {USERS} documents (floor): {}", secs(floor)),
            format!("apply, {USERS} creates (ids, indexes, audit): {} = {vs_floor:.2}x the floor (target <= 1.3x)", secs(ours)),
            format!("per-user find + max+1 + insert: {} for {USERS} (scaled from {PER_USER_SAMPLE}) = {vs_naive:.1}x slower than apply (target >= 20x)", secs(per_user)),
            format!("all {USERS} written exactly once: {complete}"),
        ];
        lines.extend(collision_lines);
        Outcome {
            lines,
            met: complete && collisions_ok && vs_floor <= 1.3 && vs_naive >= 20.0,
        }
    })
}
