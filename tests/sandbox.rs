//! The Clerk sandbox: its answers validate against the spec's schemas, its query semantics follow
//! the spec's parameter descriptions, its presets and faults behave, its webhooks are Svix-signed.

// GET /users and /users/count query parameters, as the spec describes them.
mod queries;
// Svix-signed webhooks for the sandbox's changes.
mod webhooks;

use reqwest::Method;
use serde_json::{Value, json};
use syncdesk::sandbox::{Faults, SandboxConfig};

use crate::support::clerk::spec::{
    assert_valid, component, response_schema, violations, webhook_schema,
};
use crate::support::clerk::{TEST_KEY, get, sandbox, send};

/// Whether a user (as the sandbox answers it) is of one kind.
type Variant<'a> = dyn Fn(&Value) -> bool + 'a;

#[tokio::test]
async fn list_answers_validate_against_the_user_list_schema() {
    let mut config = SandboxConfig::generated(2_000, 11);
    config.users.extend(syncdesk::sandbox::seed_report());
    let handle = sandbox(config).await;
    let (status, _, body) = get(&handle, "/users?limit=500").await;
    assert_eq!(status, 200, "a plain list succeeds");
    assert_eq!(body.as_array().unwrap().len(), 500, "a full page");
    // Every page, so every variant the generator makes is checked by the spec's validator.
    let mut users: Vec<Value> = Vec::new();
    for offset in (0..2_003).step_by(500) {
        let (status, _, page) = get(&handle, &format!("/users?limit=500&offset={offset}")).await;
        assert_eq!(status, 200);
        assert_valid(
            &page,
            response_schema("/users", "get", "200"),
            &format!("GET /users at offset {offset}"),
        );
        users.extend(page.as_array().unwrap().iter().cloned());
    }
    assert_eq!(users.len(), 2_003, "every generated and preset user");
    let verification = |u: &Value, object: &str| {
        u["email_addresses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["verification"]["object"] == object)
    };
    let variants: [(&str, &Variant<'_>); 8] = [
        ("phone only", &|u| u["email_addresses"] == json!([])),
        ("several addresses", &|u| {
            u["email_addresses"].as_array().unwrap().len() > 1
        }),
        ("an unverified address", &|u| {
            u.to_string().contains(r#""status":"unverified""#)
        }),
        ("signed up with Google", &|u| {
            verification(u, "verification_from_oauth")
        }),
        ("signed up with a code", &|u| {
            verification(u, "verification_otp")
        }),
        ("created by an admin", &|u| {
            verification(u, "verification_admin")
        }),
        ("no first name", &|u| u["first_name"].is_null()),
        ("banned", &|u| u["banned"] == true),
    ];
    for (variant, found) in variants {
        assert!(
            users.iter().any(found),
            "the validated pages include a user {variant}"
        );
    }
    handle.stop().await;
}

#[tokio::test]
async fn single_user_count_delete_and_create_answers_validate() {
    let handle = sandbox(SandboxConfig::generated(20, 3)).await;
    let id = handle.user_ids()[0].clone();
    let (status, _, user) = get(&handle, &format!("/users/{id}")).await;
    assert_eq!(status, 200, "an existing user is found by id");
    assert_valid(
        &user,
        response_schema("/users/{user_id}", "get", "200"),
        "GET /users/{id}",
    );

    let (status, _, count) = get(&handle, "/users/count").await;
    assert_eq!(
        (status, count["total_count"].as_u64()),
        (200, Some(20)),
        "the count is the user set's size"
    );
    assert_valid(
        &count,
        response_schema("/users/count", "get", "200"),
        "GET /users/count",
    );

    let new = json!({"email_address": ["new.user@example.com"], "first_name": "New", "skip_password_requirement": true});
    let (status, _, created) = send(&handle, Method::POST, "/users", Some(new.clone())).await;
    assert_eq!(status, 200, "creating a user succeeds: {created}");
    assert_valid(
        &created,
        response_schema("/users", "post", "200"),
        "POST /users",
    );
    assert_eq!(
        created["primary_email_address_id"], created["email_addresses"][0]["id"],
        "the first address is primary"
    );

    let (status, _, taken) = send(&handle, Method::POST, "/users", Some(new)).await;
    assert_eq!(
        (status, taken["errors"][0]["code"].as_str()),
        (422, Some("form_identifier_exists")),
        "an address is unique"
    );
    assert_valid(
        &taken,
        response_schema("/users", "post", "422"),
        "POST /users 422",
    );

    let (status, _, unknown) = send(
        &handle,
        Method::POST,
        "/users",
        Some(json!({"nickname": "x"})),
    )
    .await;
    assert_eq!(
        status, 422,
        "the CreateUser body is additionalProperties: false: {unknown}"
    );

    let patch = json!({"first_name": "Renamed"});
    let (status, _, patched) =
        send(&handle, Method::PATCH, &format!("/users/{id}"), Some(patch)).await;
    assert_eq!(
        (status, patched["first_name"].as_str()),
        (200, Some("Renamed")),
        "PATCH changes the name"
    );
    assert_valid(
        &patched,
        response_schema("/users/{user_id}", "patch", "200"),
        "PATCH /users/{id}",
    );

    let (status, _, deleted) = send(&handle, Method::DELETE, &format!("/users/{id}"), None).await;
    assert_eq!(
        (status, deleted["deleted"].as_bool()),
        (200, Some(true)),
        "DELETE answers a DeletedObject"
    );
    assert_valid(
        &deleted,
        response_schema("/users/{user_id}", "delete", "200"),
        "DELETE /users/{id}",
    );

    let (status, _, missing) = get(&handle, &format!("/users/{id}")).await;
    assert_eq!(
        (status, missing["errors"][0]["code"].as_str()),
        (404, Some("resource_not_found")),
        "gone after delete"
    );
    assert_valid(
        &missing,
        response_schema("/users/{user_id}", "get", "404"),
        "GET /users/{id} 404",
    );
    handle.stop().await;
}

#[tokio::test]
async fn errors_validate_against_their_declared_schemas() {
    let handle = sandbox(SandboxConfig::generated(5, 1)).await;
    let (status, _, body) = get(&handle, "/users?limit=501").await;
    assert_eq!(
        status, 400,
        "limit is 1–500 in the spec; out of range is an error, not a silent 10"
    );
    assert_valid(&body, response_schema("/users", "get", "400"), "limit=501");

    let (status, _, body) = get(&handle, "/users?starting_after=user_x&order_by=first_name").await;
    assert_eq!(
        status, 422,
        "the spec: a cursor with another ordering is a 422"
    );
    assert_valid(
        &body,
        response_schema("/users", "get", "422"),
        "cursor with order_by=first_name",
    );

    let (status, _, body) = get(&handle, "/users?starting_after=user_x&offset=3").await;
    assert_eq!(
        status, 422,
        "the spec: a cursor with a non-zero offset is a 422"
    );
    assert_valid(
        &body,
        response_schema("/users", "get", "422"),
        "cursor with offset",
    );

    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::new()
        .get(format!("{}/users", handle.base_url))
        .bearer_auth("pk_test_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        401,
        "a publishable key is not a secret key"
    );
    let body: Value = response.json().await.unwrap();
    assert_valid(&body, response_schema("/users", "get", "401"), "bad key");
    assert!(
        body["clerk_trace_id"].is_string(),
        "errors carry a trace id as Clerk's do"
    );
    handle.stop().await;
}

#[tokio::test]
async fn the_seed_report_preset_is_the_scenarios_clerk_side() {
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let (_, _, body) = get(&handle, "/users?limit=500").await;
    assert_valid(
        &body,
        response_schema("/users", "get", "200"),
        "the preset's users",
    );
    let mut served: Vec<_> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| syncdesk::clerk::user_from_value(u.clone()).unwrap())
        .collect();
    served.sort_by_key(|u| u.created_at);
    assert_eq!(
        served,
        syncdesk::scenario::seed_report_clerk_users(),
        "exactly the scenario's Clerk users, nothing more"
    );
    assert!(
        SandboxConfig::preset("nope").is_err(),
        "an unknown preset is refused"
    );
    handle.stop().await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let handle = sandbox(SandboxConfig {
        faults: Faults {
            rate_limit: Some(3),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            get(&handle, "/users/count").await.0,
            200,
            "within the limit"
        );
    }
    let (status, headers, body) = get(&handle, "/users/count").await;
    assert_eq!(status, 429, "the fourth request in 10 s is over the limit");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (1..=10).contains(&wait),
        "Retry-After is whole seconds within the window, got {wait}"
    );
    assert_valid(&body, component("ClerkErrors"), "the 429 body");
    handle.stop().await;
}

#[tokio::test]
async fn failures_and_dropped_connections_happen_on_demand() {
    let failing = sandbox(SandboxConfig {
        faults: Faults {
            fail_rate: 1.0,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let (status, _, body) = get(&failing, "/users").await;
    assert_eq!(status, 500, "fail_rate 1 fails every request");
    assert_valid(&body, component("ClerkErrors"), "the 500 body");
    failing.stop().await;

    let dropping = sandbox(SandboxConfig {
        faults: Faults {
            drop_rate: 1.0,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let response = reqwest::Client::new()
        .get(format!("{}/users", dropping.base_url))
        .bearer_auth(TEST_KEY)
        .send()
        .await;
    let body = match response {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(err) => Err(err),
    };
    assert!(body.is_err(), "drop_rate 1 breaks every answer off mid-way");
    dropping.stop().await;
}

#[tokio::test]
async fn the_spec_validator_catches_real_departures() {
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let (_, _, body) = get(&handle, "/users?limit=1").await;
    let user = body[0].clone();
    let schema = component("User");
    assert!(
        violations(&user, schema).is_empty(),
        "a sandbox user is valid to begin with"
    );
    let mut missing = user.clone();
    missing.as_object_mut().unwrap().remove("last_active_at");
    assert!(
        violations(&missing, schema)
            .iter()
            .any(|v| v.contains("last_active_at")),
        "a required key (from the spec's list) that is absent is caught"
    );
    let mut wrong_type = user.clone();
    wrong_type["created_at"] = json!("1730279325003");
    assert!(
        violations(&wrong_type, schema)
            .iter()
            .any(|v| v.contains("created_at")),
        "a timestamp sent as a string is caught"
    );
    let mut not_nullable = user.clone();
    not_nullable["banned"] = Value::Null;
    assert!(
        !violations(&not_nullable, schema).is_empty(),
        "null where the spec does not say nullable is caught"
    );
    let mut extra = user.clone();
    extra["nickname"] = json!("x");
    assert!(
        !violations(&extra, schema).is_empty(),
        "a key the spec does not know is caught (User is additionalProperties: false)"
    );
    let mut bad_verification = user.clone();
    bad_verification["email_addresses"][0]["verification"]["status"] = json!(42);
    assert!(
        !violations(&bad_verification, schema).is_empty(),
        "nested $ref and oneOf schemas are checked too"
    );
    // What the sandbox once answered for Google sign-ups: an OTP object with an OAuth strategy.
    let mut oauth_as_otp = user.clone();
    oauth_as_otp["email_addresses"][0]["verification"] = json!({"object": "verification_otp", "status": "verified", "strategy": "from_oauth_google", "attempts": 1, "expire_at": null});
    assert!(
        !violations(&oauth_as_otp, schema).is_empty(),
        "an OTP verification's strategy is a closed enum of code strategies"
    );
    let mut bad_pattern = user;
    bad_pattern["email_addresses"][0]["verification"] = json!({"object": "verification_from_oauth", "status": "verified", "strategy": "from_oauth_Google!", "attempts": null, "expire_at": null});
    assert!(
        !violations(&bad_pattern, schema).is_empty(),
        "string patterns are checked (`^from_oauth_…[a-z]+$`)"
    );
    let bare_event = json!({"type": "user.created", "data": {"id": "user_x"}});
    let found = violations(&bare_event, webhook_schema("user.created"));
    for key in ["object", "timestamp", "instance_id", "last_name"] {
        assert!(
            found.iter().any(|v| v.contains(key)),
            "the webhooks spec's envelope and User are checked too (`{key}` missing): {found:?}"
        );
    }
    handle.stop().await;
}
