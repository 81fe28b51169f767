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

#[test]
fn a_rows_fix_is_reviewed_alone_and_a_row_left_out_starts_left_out() {
    let Some((rt, db)) = super::seeded("window_row_actions") else {
        return;
    };
    let handle = rt.block_on(sandbox(
        syncdesk::sandbox::SandboxConfig::preset("seed-report").unwrap(),
    ));
    let app = sync_app(&db, &handle.base_url, TEST_KEY);
    app.ok("read_diff", json!({"onProgress": CHANNEL}));
    let rows = app.ok(
        "diff_rows",
        json!({"query": {"categories": ["missing", "suspicious"]}, "offset": 0, "limit": 10}),
    );
    let detail_of = |category: &str| {
        let row = rows["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["category"] == category)
            .unwrap_or_else(|| panic!("a {category} row: {rows}"));
        app.ok("diff_detail", json!({"row": row["row"]}))
    };
    let missing = detail_of("missing");
    assert_eq!(
        missing["subject"],
        json!({"clerk_id": MISSING_ID, "doc_id": null}),
        "a missing user is named by their Clerk id: {missing}"
    );
    assert_eq!(missing["left_out"], false);

    // Its fix alone: one create in, everything else out.
    let focused = app.ok(
        "preview_sync",
        json!({"options": {"focus": missing["subject"]}}),
    );
    assert_eq!(
        focused["focus"]["operations"], 1,
        "the one create: {focused}"
    );
    let review = focused["review"].as_u64().unwrap();
    let page = app.ok(
        "review_rows",
        json!({"review": review, "offset": 0, "limit": 50}),
    );
    let included: Vec<&Value> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["included"] == true)
        .collect();
    assert_eq!(
        (included.len(), included[0]["clerk_id"].as_str()),
        (1, Some(MISSING_ID)),
        "only that user's operation is included: {page}"
    );
    assert!(
        page["rows"].as_array().unwrap().len() > 1,
        "the rest of the plan is still shown, left out: {page}"
    );

    // A placeholder entry left out from its row: the next review starts without it.
    let suspicious = detail_of("suspicious");
    assert!(
        suspicious["subject"]["doc_id"].is_string()
            && suspicious["subject"]["clerk_id"].is_string(),
        "a matched row is named by its Clerk id and its document: {suspicious}"
    );
    app.ok(
        "leave_out_user",
        json!({"subject": suspicious["subject"], "leftOut": true}),
    );
    let again = app.ok("diff_detail", json!({"row": suspicious["row"]}));
    assert_eq!(again["left_out"], true, "the row says it is left out");
    let whole = app.ok("preview_sync", json!({}));
    assert_eq!(whole["left_out"], 1, "its one fix starts left out: {whole}");
    let page = app.ok(
        "review_rows",
        json!({"review": whole["review"], "offset": 0, "limit": 50}),
    );
    assert_eq!(
        page["included"].as_u64().unwrap() + 1,
        page["matching"].as_u64().unwrap(),
        "everything but that one is in: {page}"
    );
    app.ok(
        "leave_out_user",
        json!({"subject": suspicious["subject"], "leftOut": false}),
    );
    let back = app.ok("preview_sync", json!({}));
    assert_eq!(back["left_out"], 0, "brought back, nothing starts left out");
    assert_eq!(
        app.err_code(
            "leave_out_user",
            json!({"subject": {"clerk_id": null, "doc_id": null}, "leftOut": true})
        ),
        "invalid_input",
        "a row that names no user is refused"
    );
    rt.block_on(handle.stop());
    rt.block_on(db.cleanup());
}
