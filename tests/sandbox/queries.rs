//! The sandbox's query semantics: default limit and order, cursor and offset paging, strict
//! `created_at` bounds in ms, count with the same filters, exact and partial email filters.

use serde_json::Value;
use syncdesk::sandbox::SandboxConfig;

use crate::support::clerk::{get, sandbox};

#[tokio::test]
async fn query_semantics_follow_the_spec() {
    let handle = sandbox(SandboxConfig::generated(60, 5)).await;
    let ids = handle.user_ids();
    let page_ids = |body: &Value| {
        body.as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };

    let (_, _, body) = get(&handle, "/users").await;
    let newest_first: Vec<String> = ids.iter().rev().take(10).cloned().collect();
    assert_eq!(
        page_ids(&body),
        newest_first,
        "default: limit 10, newest first (-created_at)"
    );

    let (_, _, first) = get(&handle, "/users?order_by=%2Bcreated_at&limit=25").await;
    assert_eq!(page_ids(&first), ids[..25], "+created_at is oldest first");
    let last = ids[24].clone();
    let (_, _, next) = get(
        &handle,
        &format!("/users?order_by=%2Bcreated_at&limit=25&starting_after={last}"),
    )
    .await;
    assert_eq!(
        page_ids(&next),
        ids[25..50],
        "starting_after continues right after the cursor"
    );
    let (_, _, offset) = get(&handle, "/users?order_by=created_at&limit=25&offset=25").await;
    assert_eq!(
        page_ids(&offset),
        ids[25..50],
        "offset paging agrees with the cursor"
    );

    let users = first.as_array().unwrap();
    let (t0, t1) = (
        users[5]["created_at"].as_i64().unwrap(),
        users[15]["created_at"].as_i64().unwrap(),
    );
    let (_, _, window) = get(
        &handle,
        &format!(
            "/users?order_by=%2Bcreated_at&limit=500&created_at_after={t0}&created_at_before={t1}"
        ),
    )
    .await;
    assert!(
        window.as_array().unwrap().iter().all(|u| {
            let t = u["created_at"].as_i64().unwrap();
            t > t0 && t < t1
        }),
        "created_at_after / _before are strict bounds in ms"
    );
    let (_, _, count) = get(
        &handle,
        &format!("/users/count?created_at_after={t0}&created_at_before={t1}"),
    )
    .await;
    assert_eq!(
        count["total_count"].as_u64().unwrap() as usize,
        window.as_array().unwrap().len(),
        "count takes the same filters"
    );

    let with_email = users
        .iter()
        .find(|u| {
            u["email_addresses"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        })
        .unwrap();
    let address = with_email["email_addresses"][0]["email_address"]
        .as_str()
        .unwrap();
    let (_, _, found) = get(
        &handle,
        &format!(
            "/users?email_address={}",
            address.to_uppercase().replace('+', "%2B")
        ),
    )
    .await;
    assert_eq!(
        page_ids(&found),
        [with_email["id"].as_str().unwrap()],
        "email_address is an exact, case-insensitive match"
    );
    let (_, _, partial) = get(&handle, "/users?email_address_query=EXAMPLE.COM&limit=500").await;
    assert!(
        partial.as_array().unwrap().len() > 40,
        "email_address_query matches partially, ignoring case"
    );
    handle.stop().await;
}

#[tokio::test]
async fn a_back_dated_user_sorts_by_its_created_at() {
    let handle = sandbox(SandboxConfig::generated(10, 5)).await;
    let body = serde_json::json!({"email_address": ["imported@example.com"], "created_at": "2020-01-01T00:00:00Z"});
    let (status, _, user) =
        crate::support::clerk::send(&handle, reqwest::Method::POST, "/users", Some(body)).await;
    assert_eq!(status, 200, "created_at is a CreateUser field: {user}");
    assert_eq!(
        user["created_at"], 1_577_836_800_000_i64,
        "RFC3339 in, Unix ms out"
    );
    let (_, _, oldest) = get(&handle, "/users?order_by=%2Bcreated_at&limit=1").await;
    assert_eq!(
        oldest[0]["id"], user["id"],
        "an imported user takes its place in created_at order"
    );
    let bad = serde_json::json!({"email_address": ["x@example.com"], "created_at": "last tuesday"});
    let (status, _, _) =
        crate::support::clerk::send(&handle, reqwest::Method::POST, "/users", Some(bad)).await;
    assert_eq!(status, 400, "a date that is not RFC3339 is refused");
    handle.stop().await;
}
