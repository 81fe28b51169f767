//! The Sync view's review: the plan a screenful at a time, operations and whole kinds left out,
//! and an apply that writes only what was kept.

use serde_json::{Value, json};

use syncdesk::scenario::{CN_ID, MISSING_ID};

use super::sync_app;
use crate::support::clerk::{TEST_KEY, sandbox};

const CHANNEL: &str = "__CHANNEL__:9";

fn ops(page: &Value) -> Vec<Value> {
    page["rows"].as_array().unwrap().clone()
}

#[test]
fn the_review_leaves_out_what_was_chosen_and_the_apply_writes_the_rest() {
    let Some((rt, db)) = super::seeded("window_review") else {
        return;
    };
    let handle = rt.block_on(sandbox(
        syncdesk::sandbox::SandboxConfig::preset("seed-report").unwrap(),
    ));
    let app = sync_app(&db, &handle.base_url, TEST_KEY);
    let summary = app.ok("preview_sync", json!({}));
    let review = summary["review"].as_u64().unwrap();
    assert_eq!(
        summary["confirmation"],
        json!({"kind": "none"}),
        "a development key applies after the review: {summary}"
    );
    let page = app.ok(
        "review_rows",
        json!({"review": review, "offset": 0, "limit": 50}),
    );
    let all = ops(&page);
    assert_eq!(
        page["included"],
        all.len(),
        "everything included at first: {page}"
    );
    assert!(
        all.len() >= 3,
        "the seed report's create and two updates: {page}"
    );
    let create = all.iter().find(|o| o["op"] == "create").unwrap();
    assert_eq!(create["clerk_id"], MISSING_ID);
    assert!(
        create["what"]
            .as_str()
            .unwrap()
            .contains("shay.signup@example.com"),
        "each operation says what it writes: {create}"
    );
    let updates = app.ok(
        "review_rows",
        json!({"review": review, "kind": "update", "offset": 0, "limit": 50}),
    );
    assert!(
        ops(&updates).iter().all(|o| o["op"] == "update"),
        "one kind at a time: {updates}"
    );

    // Leave out the create and Casey's update; keep the rest.
    let casey: Vec<u64> = all
        .iter()
        .filter(|o| o["clerk_id"] == CN_ID)
        .map(|o| o["index"].as_u64().unwrap())
        .collect();
    assert!(
        !casey.is_empty(),
        "Casey's placeholder has an operation: {page}"
    );
    app.ok(
        "choose_kind",
        json!({"review": review, "kind": "create", "included": false}),
    );
    app.ok(
        "choose_ops",
        json!({"review": review, "indices": casey, "included": false}),
    );
    let casey_before = rt.block_on(db.raw_users());
    assert!(
        casey_before
            .iter()
            .any(|d| d.get_str("clerk_user_id").ok() == Some(CN_ID)),
        "Casey's placeholder document is there to compare"
    );
    let chosen = app.ok(
        "review_rows",
        json!({"review": review, "offset": 0, "limit": 50}),
    );
    let kept = chosen["included"].as_u64().unwrap();
    assert_eq!(
        kept as usize,
        all.len() - 1 - casey.len(),
        "the create and Casey's operations are left out: {chosen}"
    );

    let report = app.ok(
        "apply_sync",
        json!({"review": review, "onProgress": CHANNEL, "confirmation": null}),
    );
    assert_eq!(
        report["done"].as_u64().unwrap(),
        kept,
        "exactly what was kept is written: {report}"
    );
    let docs = rt.block_on(db.raw_users());
    let casey_doc = |docs: &[mongodb::bson::Document]| {
        docs.iter()
            .find(|d| d.get_str("clerk_user_id").ok() == Some(CN_ID))
            .cloned()
    };
    assert_eq!(
        casey_doc(&docs),
        casey_doc(&casey_before),
        "Casey's document, left out of the plan, is unchanged"
    );
    assert!(
        !docs
            .iter()
            .any(|d| d.get_str("clerk_user_id").ok() == Some(MISSING_ID)),
        "the create left out wrote nothing"
    );
    let fresh = app.ok("read_diff", json!({"onProgress": CHANNEL}));
    assert_eq!(
        fresh["counts"]["missing"], 1,
        "the missing user is still missing: the review said so: {fresh}"
    );
    rt.block_on(handle.stop());
    rt.block_on(db.cleanup());
}
