//! The Clerk Backend API client: every user of an instance, fast and complete, plus the few
//! single-user calls syncing needs (count, get, by email, create).
//!
//! `ClerkClient` is a cheap handle (clone it freely); all clones share one token bucket, so
//! together they stay inside the instance's rate limit.

mod config;
mod error;
mod fetch;
mod limit;
mod merge;
mod range;
mod transport;
pub mod wire;

use std::sync::Arc;

use reqwest::{Method, StatusCode};

pub use config::{API_VERSION, ClerkConfig, DEFAULT_BASE_URL, InstanceKind, MAX_PAGE, RateLimit};
pub use error::{Error, Result, TraceId};
pub use fetch::{CountCheck, FetchReport, Flow, Paging, Progress};
pub use wire::NewClerkUser;

use crate::user::ClerkUser;
use transport::{Reply, Transport};
use wire::{WireCount, WireErrors, WireUser};

#[derive(Debug, Clone)]
pub struct ClerkClient {
    transport: Arc<Transport>,
    max_in_flight: usize,
}

impl ClerkClient {
    /// Checks the key's shape and the URL; sends nothing.
    pub fn new(config: ClerkConfig) -> Result<Self> {
        let max_in_flight = config.max_in_flight.max(1);
        Ok(Self {
            transport: Transport::new(&config)?,
            max_in_flight,
        })
    }

    /// The API URL this client talks to.
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// Development (`sk_test_`) or production (`sk_live_`), from the key.
    pub fn instance_kind(&self) -> InstanceKind {
        self.transport.kind()
    }

    /// `GET /users/count`: how many users the instance holds.
    pub async fn count_users(&self) -> Result<u64> {
        let what = "GET /users/count";
        let reply = self
            .transport
            .send(Method::GET, "/users/count", &[], None)
            .await?;
        let reply = self.expect_ok(what, reply, true)?;
        parse::<WireCount>(what, &reply).map(|c| c.total_count)
    }

    /// `GET /users/{id}`; `None` when Clerk has no such user.
    pub async fn get_user(&self, id: &str) -> Result<Option<ClerkUser>> {
        let Some(json) = self.get_user_json(id).await? else {
            return Ok(None);
        };
        user_from_value(json)
            .map(Some)
            .map_err(|e| Error::Unexpected {
                what: "GET /users/{id}".into(),
                status: 200,
                detail: e.to_string(),
                trace: TraceId(None),
            })
    }

    /// `GET /users/{id}` as Clerk sent it (the full `User` object, for replaying it as a webhook);
    /// `None` when Clerk has no such user.
    pub async fn get_user_json(&self, id: &str) -> Result<Option<serde_json::Value>> {
        let what = "GET /users/{id}";
        let path = format!("/users/{}", encode_segment(id));
        let reply = self.transport.send(Method::GET, &path, &[], None).await?;
        if reply.status == StatusCode::NOT_FOUND
            && WireErrors::parse(&reply.body).code() == "resource_not_found"
        {
            return Ok(None);
        }
        let reply = self.expect_ok(what, reply, false)?;
        parse::<serde_json::Value>(what, &reply).map(Some)
    }

    /// `GET /users?email_address=…`: the users holding this address (normally zero or one).
    pub async fn users_by_email(&self, email: &str) -> Result<Vec<ClerkUser>> {
        let what = "GET /users?email_address";
        let query = [
            ("email_address", email.to_string()),
            ("limit", MAX_PAGE.to_string()),
        ];
        let reply = self
            .transport
            .send(Method::GET, "/users", &query, None)
            .await?;
        let reply = self.expect_ok(what, reply, true)?;
        parse::<Vec<WireUser>>(what, &reply)
            .map(|users| users.into_iter().map(Into::into).collect())
    }

    /// `POST /users`.
    pub async fn create_user(&self, user: &NewClerkUser) -> Result<ClerkUser> {
        let what = "POST /users";
        let body = serde_json::to_value(user).map_err(|e| Error::Unexpected {
            what: what.into(),
            status: 0,
            detail: e.to_string(),
            trace: TraceId(None),
        })?;
        let reply = self
            .transport
            .send(Method::POST, "/users", &[], Some(&body))
            .await?;
        let reply = self.expect_ok(what, reply, true)?;
        parse::<WireUser>(what, &reply).map(Into::into)
    }

    /// Requests sent so far by this client and its clones, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.transport
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Turns a non-2xx answer into the error a user can act on.
    fn expect_ok(&self, what: &str, reply: Reply, collection: bool) -> Result<Reply> {
        if reply.status.is_success() {
            return Ok(reply);
        }
        let errors = WireErrors::parse(&reply.body);
        let trace = TraceId(errors.clerk_trace_id.clone());
        let status = reply.status.as_u16();
        Err(match reply.status {
            StatusCode::UNAUTHORIZED => Error::Unauthorized {
                kind: self.transport.kind().as_str(),
                code: errors.code(),
                trace,
            },
            StatusCode::FORBIDDEN => Error::WrongInstance {
                url: self.base_url().into(),
                what: what.into(),
                status,
                trace,
            },
            StatusCode::NOT_FOUND if collection || errors.errors.is_empty() => {
                Error::WrongInstance {
                    url: self.base_url().into(),
                    what: what.into(),
                    status,
                    trace,
                }
            }
            s if s.is_client_error() && !errors.errors.is_empty() => Error::Rejected {
                what: what.into(),
                status,
                code: errors.code(),
                message: self.transport.scrub(&errors.message("")),
                trace,
            },
            _ => Error::Unexpected {
                what: what.into(),
                status,
                detail: snippet(&reply.body),
                trace,
            },
        })
    }
}

/// Reads one Clerk `User` object (from an API answer or a webhook's `data`) leniently.
pub fn user_from_value(
    value: serde_json::Value,
) -> std::result::Result<ClerkUser, serde_json::Error> {
    serde_json::from_value::<WireUser>(value).map(Into::into)
}

/// Parses a 2xx body, or explains why it could not.
fn parse<T: serde::de::DeserializeOwned>(what: &str, reply: &Reply) -> Result<T> {
    serde_json::from_slice(&reply.body).map_err(|e| Error::Unexpected {
        what: what.into(),
        status: reply.status.as_u16(),
        detail: format!("{e}; the body starts with {}", snippet(&reply.body)),
        trace: TraceId(WireErrors::parse(&reply.body).clerk_trace_id),
    })
}

/// The first 120 characters of a body, for an error message.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let short: String = text.chars().take(120).collect();
    format!("{short:?}")
}

/// Percent-encodes a path segment (user ids are `user_…`, but never trust input).
fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
