//! The sandbox's error answers, shaped as the spec's `ClerkErrors`: `errors[]` with `message`,
//! `long_message`, `code` and `meta`, plus a `clerk_trace_id`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub long_message: String,
    pub param: Option<String>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: &str, long_message: String) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            long_message,
            param: None,
            retry_after: None,
        }
    }

    pub fn invalid_param(param: &str, why: &str) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(
                400,
                "form_param_value_invalid",
                "is invalid",
                format!("{param} {why}"),
            )
        }
    }

    pub fn format_invalid(param: &str, why: &str) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(
                400,
                "form_param_format_invalid",
                "is invalid",
                format!("{param} {why}"),
            )
        }
    }

    pub fn unprocessable(param: &str, why: &str) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(
                422,
                "form_param_value_invalid",
                "is invalid",
                format!("{param} {why}"),
            )
        }
    }

    pub fn unknown_param(param: &str) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(
                422,
                "form_param_unknown",
                "is unknown",
                format!("{param} is not a valid parameter for this request."),
            )
        }
    }

    pub fn identifier_exists(param: &str) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(
                422,
                "form_identifier_exists",
                "That email address is taken. Please try another.",
                "That email address is taken. Please try another.".into(),
            )
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            404,
            "resource_not_found",
            "not found",
            "The requested resource was not found.".into(),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            401,
            "authentication_invalid",
            "Unauthorized request",
            "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.".into(),
        )
    }

    pub fn bad_version(version: &str) -> Self {
        Self::new(
            400,
            "invalid_api_version",
            "invalid API version",
            format!("`{version}` is not a valid Clerk API version."),
        )
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                429,
                "too_many_requests",
                "Too Many Requests",
                "You have exceeded the rate limit. Please try again later.".into(),
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            500,
            "internal_clerk_error",
            "Oops, an unexpected error occurred",
            "There was an internal error on our servers. Please try again later.".into(),
        )
    }
}

/// A fresh trace id per answer, as Clerk gives one per request.
fn trace_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("sandbox{:024x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let meta = match &self.param {
            Some(param) => json!({"param_name": param}),
            None => json!({}),
        };
        let body = json!({
            "errors": [{"message": self.message, "long_message": self.long_message, "code": self.code, "meta": meta}],
            "meta": {},
            "clerk_trace_id": trace_id(),
        });
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
