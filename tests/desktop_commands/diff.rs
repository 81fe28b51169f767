//! The Users view's commands: read both sides over a Channel, page through the diff kept in
//! Rust, open a row, chart the missing users.

use serde_json::{Value, json};

use syncdesk::scenario::{CN_ID, MISSING_ID, ZEN_ID};

use super::sync_app;
use crate::support::clerk::{TEST_KEY, sandbox};

fn rows(page: &Value) -> Vec<Value> {
    page["rows"].as_array().unwrap().clone()
}

#[test]
fn the_window_reads_the_diff_and_pages_through_it() {
    let Some((rt, db)) = super::seeded("window_diff") else {
        return;
    };
    let handle = rt.block_on(sandbox(
        syncdesk::sandbox::SandboxConfig::preset("seed-report").unwrap(),
    ));
    let app = sync_app(&db, &handle.base_url, TEST_KEY);
    assert_eq!(
        app.err_code("diff_rows", json!({"query": {}, "offset": 0, "limit": 10})),
        "not_configured",
        "nothing to page through before the first read"
    );
    let summary = app.ok("read_diff", json!({"onProgress": "__CHANNEL__:7"}));
    assert_eq!(
        (
            summary["clerk_users"].as_u64(),
            summary["db_users"].as_u64()
        ),
        (Some(3), Some(33)),
        "both sides read: {summary}"
    );
    assert_eq!(summary["counts"]["missing"], 1, "the report's missing user");
    assert_eq!(summary["counts"]["local_only"], 31, "{summary}");
    assert!(
        summary["read_at_ms"].as_i64().unwrap() > 0,
        "when it was read"
    );

    let first = app.ok("diff_rows", json!({"query": {}, "offset": 0, "limit": 5}));
    assert_eq!(
        first["total"], 34,
        "one row per user of either side: {first}"
    );
    assert_eq!(rows(&first).len(), 5, "only the rows asked for cross IPC");
    assert_eq!(rows(&first)[0]["category"], "missing", "the diff's order");
    assert_eq!(rows(&first)[0]["clerk_id"], MISSING_ID);

    let placeholders = app.ok(
        "diff_rows",
        json!({"query": {"search": "user_", "categories": ["suspicious", "drift", "link"]}, "offset": 0, "limit": 50}),
    );
    let found = rows(&placeholders);
    let ids: Vec<&str> = found
        .iter()
        .filter_map(|r| r["clerk_id"].as_str())
        .filter(|id| [ZEN_ID, CN_ID].contains(id))
        .collect();
    assert_eq!(
        ids.len(),
        2,
        "the two placeholder documents, whatever category the diff gives them: {placeholders}"
    );
    assert_eq!(
        placeholders["matches"]["missing"], 1,
        "the chips count the search's matches in every category, chosen or not"
    );

    let sorted = app.ok(
        "diff_rows",
        json!({"query": {"sort": "signed_up", "descending": true}, "offset": 0, "limit": 1}),
    );
    assert_eq!(
        rows(&sorted)[0]["clerk_id"],
        MISSING_ID,
        "the newest sign-up first"
    );
    let refused = app
        .invoke(
            "diff_rows",
            json!({"query": {"sort": "shoe_size"}, "offset": 0, "limit": 1}),
        )
        .unwrap_err();
    assert!(
        refused.to_string().contains("signed_up"),
        "an unknown column is refused with the known ones named, not ignored: {refused}"
    );

    let row = rows(&first)[0]["row"].as_u64().unwrap();
    let detail = app.ok("diff_detail", json!({ "row": row }));
    assert_eq!(detail["in_clerk"], true);
    assert_eq!(
        detail["in_database"], false,
        "a missing user has no document"
    );
    assert!(
        detail["reasons"][0].as_str().unwrap().contains("database"),
        "the reason in words: {detail}"
    );
    assert_eq!(
        app.err_code("diff_detail", json!({"row": 999_999})),
        "conflict",
        "a row the table does not hold"
    );

    let chart = app.ok("missing_by_day", json!({}));
    assert_eq!(
        chart,
        json!([{"day": "2025-08-27", "count": 1}]),
        "the missing user's sign-up day"
    );
    rt.block_on(handle.stop());
    rt.block_on(db.cleanup());
}
