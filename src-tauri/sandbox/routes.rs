//! The sandbox's HTTP surface: the gate every request passes (latency, rate limit, injected
//! failures, the bearer key, the API version) and the read endpoints.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Shared;
use super::answer::ApiError;
use super::fault::{CursorSupport, Verdict};
use super::query::{Filters, ListQuery};
use super::write;

/// The API versions the sandbox answers (those Clerk publishes).
const VERSIONS: [&str; 6] = [
    "2021-02-05",
    "2024-10-01",
    "2025-03-12",
    "2025-04-10",
    "2025-11-10",
    "2026-05-12",
];

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/users", get(list_users).post(write::create_user))
        .route("/v1/users/count", get(count_users))
        .route(
            "/v1/users/{user_id}",
            get(get_user)
                .patch(write::update_user)
                .delete(write::delete_user),
        )
        .fallback(|| async { ApiError::not_found() })
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// Latency, then the rate limit, injected failures, authentication and the version check.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let faults = &shared.faults.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    match shared.faults.judge(Instant::now()) {
        Verdict::Serve => {}
        Verdict::RateLimited { retry_after_s } => {
            return ApiError::rate_limited(retry_after_s).into_response();
        }
        Verdict::Fail => return ApiError::internal().into_response(),
        Verdict::Drop => return dropped(),
    }
    if let Err(err) = authenticate(request.headers()) {
        return err.into_response();
    }
    if let Err(err) = check_version(request.headers(), request.uri().query().unwrap_or("")) {
        return err.into_response();
    }
    next.run(request).await
}

/// A 200 whose body breaks off: the client sees the connection drop mid-answer.
fn dropped() -> Response {
    let broken = futures_util::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox: dropped",
        ))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(broken),
    )
        .into_response()
}

/// Any `sk_test_…` or `sk_live_…` bearer key is accepted.
fn authenticate(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let key = value.strip_prefix("Bearer ").unwrap_or("");
    let valid = ["sk_test_", "sk_live_"].iter().any(|p| {
        key.strip_prefix(p).is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    });
    if valid {
        Ok(())
    } else {
        Err(ApiError::unauthorized())
    }
}

/// `Clerk-API-Version` or `__clerk_api_version`, not both; a version Clerk publishes.
fn check_version(headers: &HeaderMap, query: &str) -> Result<(), ApiError> {
    let from_header = headers
        .get("clerk-api-version")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let from_query = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "__clerk_api_version")
        .map(|(_, v)| v.into_owned());
    match (from_header, from_query) {
        (Some(_), Some(_)) => Err(ApiError::bad_version("header and query parameter both set")),
        (Some(v), None) | (None, Some(v)) if !VERSIONS.contains(&v.as_str()) => {
            Err(ApiError::bad_version(&v))
        }
        _ => Ok(()),
    }
}

async fn list_users(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut query = ListQuery::parse(raw.as_deref().unwrap_or(""))?;
    if query.starting_after.is_some() {
        match shared.faults.faults.cursor {
            CursorSupport::Supported => {}
            CursorSupport::Refused => return Err(ApiError::unknown_param("starting_after")),
            CursorSupport::Ignored => query.starting_after = None,
        }
    }
    if query.starting_after.is_some() || query.offset > 0 {
        write::change_during_fetch(&shared);
    }
    let page = shared.read().list(&query)?;
    let mut body = String::with_capacity(page.iter().map(|u| u.len() + 1).sum::<usize>() + 2);
    body.push('[');
    for (i, user) in page.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(user);
    }
    body.push(']');
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn count_users(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let filters = Filters::parse(raw.as_deref().unwrap_or(""))?;
    let count = shared.read().count(&filters);
    Ok(
        axum::Json(serde_json::json!({"object": "total_count", "total_count": count}))
            .into_response(),
    )
}

async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = shared.read();
    let user = store.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(axum::Json(user.to_json()).into_response())
}
