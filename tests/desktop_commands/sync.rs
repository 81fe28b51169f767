//! Sync commands: the window's preview and apply are the core's, with the production
//! confirmation typed and progress over a Channel.

use serde_json::json;

use crate::support::clerk::sandbox;

/// A channel id as the page's `new Channel()` sends it.
const CHANNEL: &str = "__CHANNEL__:7";

#[test]
fn the_window_reviews_then_applies_and_production_needs_the_name_typed() {
    let Some((rt, db)) = super::seeded("window_sync") else {
        return;
    };
    let handle = rt.block_on(sandbox(
        syncdesk::sandbox::SandboxConfig::preset("seed-report").unwrap(),
    ));
    let live = "sk_live_SandboxKey0123456789abcdefABCDEF";
    let app = super::sync_app(&db, &handle.base_url, live);
    assert_eq!(
        app.err_code("apply_sync", json!({"review": 1, "onProgress": CHANNEL})),
        "not_configured",
        "nothing is applied without a review"
    );
    let summary = app.ok("preview_sync", json!({}));
    let review = summary["review"].as_u64().unwrap();
    assert_eq!(summary["production"], true, "a live key: {summary}");
    assert!(
        summary["counts"]["missing"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    let ops: u64 = summary["operations"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert!(ops >= 3, "the review lists the plan per kind: {summary}");
    assert_eq!(
        app.err_code(
            "apply_sync",
            json!({"review": review, "onProgress": CHANNEL, "confirmation": "prod"})
        ),
        "not_confirmed",
        "with no profile, the word production must be typed"
    );
    // A Refresh of the Users view meanwhile reads both sides, but never replaces the review.
    app.ok("read_diff", json!({"onProgress": CHANNEL}));
    let report = app.ok(
        "apply_sync",
        json!({"review": review, "onProgress": CHANNEL, "confirmation": "production"}),
    );
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(
        report["done"].as_u64().unwrap() + report["skipped"].as_u64().unwrap(),
        ops,
        "every reviewed operation was applied"
    );
    assert_eq!(
        app.err_code(
            "apply_sync",
            json!({"review": review, "onProgress": CHANNEL, "confirmation": "production"})
        ),
        "not_configured",
        "a preview is applied once; the next needs a fresh review"
    );
    // A newer review replaces an older one: the older id is refused.
    let older = app.ok("preview_sync", json!({}))["review"]
        .as_u64()
        .unwrap();
    let newer = app.ok("preview_sync", json!({}))["review"]
        .as_u64()
        .unwrap();
    assert_eq!(
        app.err_code(
            "review_rows",
            json!({"review": older, "offset": 0, "limit": 10})
        ),
        "conflict",
        "a page of a replaced review is refused, not served from the newer one"
    );
    // A review is for one profile as it was: a change to it forgets the review.
    let mut settings = app.ok("get_settings", json!({}));
    settings["database"] = json!("elsewhere");
    app.ok("save_settings", json!({ "settings": settings }));
    assert_eq!(
        app.err_code(
            "apply_sync",
            json!({"review": newer, "onProgress": CHANNEL, "confirmation": "production"})
        ),
        "not_configured",
        "the plan reviewed before the change is never applied after it"
    );
    let again = app.ok("preview_sync", json!({}));
    assert!(
        again["operations"].as_object().unwrap().is_empty(),
        "in step after the apply: {again}"
    );
    rt.block_on(handle.stop());
    rt.block_on(db.cleanup());
}
