//! The local webhook listener: HTTP on 127.0.0.1 only, Svix verification on the raw body, then
//! the shared apply path (or forwarding to the developer's own backend).
//!
//! Status codes, as Svix reads them: 2xx when applied or deliberately ignored (stops retries);
//! 4xx with a reason for a bad request (missing headers, bad signature, stale timestamp, malformed
//! JSON, oversized body), where nothing is written; 503 when the database is unavailable, so Svix
//! retries later.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tokio::sync::oneshot;

use super::apply::ApplyError;
use super::batch::Batcher;
use super::forward::forward;
use super::log::{Delivery, DeliveryLog};
use super::verdict::{DeliveryOutcome, Verification};
use super::{SignedHeaders, SigningSecret, event};
use crate::mongo::UserStore;

/// The default route, as in the seed report's backend.
pub const DEFAULT_PATH: &str = "/api/webhooks/clerk";
pub const DEFAULT_PORT: u16 = 8787;
/// Clerk user payloads are a few KB; anything near this is not a Clerk event.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// How the listener is set up.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// 0 picks a free port.
    pub port: u16,
    pub path: String,
    pub secret: SigningSecret,
    /// Relay verified requests, unchanged, to this URL.
    pub forward: Option<String>,
    pub body_limit: usize,
}

/// Why the listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(
        "cannot listen on 127.0.0.1:{port}: {reason} (is another listener running? pick another port with --port)"
    )]
    Bind { port: u16, reason: String },
    #[error("the path must start with `/`, like /api/webhooks/clerk (got `{0}`)")]
    BadPath(String),
    #[error("the forward URL must be http:// or https:// (got `{0}`)")]
    BadForward(String),
}

/// A running listener; `stop` shuts it down gracefully.
pub struct Listener {
    addr: SocketAddr,
    path: String,
    log: Arc<DeliveryLog>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    config: ListenerConfig,
    /// Applies events in batches; `None` with `--no-apply`.
    batcher: Option<Batcher>,
    log: Arc<DeliveryLog>,
    http: reqwest::Client,
}

impl Listener {
    /// Binds 127.0.0.1 and serves until stopped. Without a store, nothing is applied.
    pub async fn start(
        config: ListenerConfig,
        store: Option<UserStore>,
    ) -> Result<Self, ListenError> {
        if !config.path.starts_with('/') {
            return Err(ListenError::BadPath(config.path));
        }
        if let Some(url) = &config.forward
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ListenError::BadForward(url.clone()));
        }
        let socket = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| ListenError::Bind {
                port: config.port,
                reason: e.to_string(),
            })?;
        let addr = socket.local_addr().map_err(|e| ListenError::Bind {
            port: config.port,
            reason: e.to_string(),
        })?;
        let log = Arc::new(DeliveryLog::default());
        let path = config.path.clone();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let shared = Arc::new(Shared {
            config,
            batcher: store.map(|store| Batcher::start(store, now_ms)),
            log: log.clone(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .map_err(|e| ListenError::Bind {
                    port: addr.port(),
                    reason: e.to_string(),
                })?,
        });
        let app = Router::new().route(&path, any(receive)).with_state(shared);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(socket, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            path,
            log,
            shutdown: Some(tx),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The full URL to send events to.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.path)
    }

    pub fn log(&self) -> Arc<DeliveryLog> {
        self.log.clone()
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let mut record = Delivery {
        seq: 0,
        at_ms: now_ms(),
        message_id: headers
            .get("svix-id")
            .or_else(|| headers.get("webhook-id"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        event_type: None,
        verification: Verification::Valid,
        outcome: DeliveryOutcome::Rejected,
        status: 0,
        latency_ms: 0.0,
        forwarded: None,
        request: None,
        event: None,
    };
    let (status, message) = handle(&shared, &method, &headers, body, &mut record).await;
    record.status = status.as_u16();
    record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let permanent = record.outcome == DeliveryOutcome::Failed;
    shared.log.push(record);
    let mut response =
        (status, axum::Json(serde_json::json!({"message": message}))).into_response();
    if permanent {
        // Svix's delivery control: retrying cannot help, so it stops (instead of for days).
        response.headers_mut().insert(
            "webhook-delivery",
            axum::http::HeaderValue::from_static("abort-message"),
        );
    }
    response
}

async fn handle(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    body: Body,
    record: &mut Delivery,
) -> (StatusCode, String) {
    let mut reject = |status: StatusCode, why: String| {
        record.verification = Verification::NotAttempted {
            reason: why.clone(),
        };
        (status, why)
    };
    if method != Method::POST {
        return reject(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not accepted; webhooks are POSTed"),
        );
    }
    let limit = shared.config.body_limit;
    let Ok(body): Result<Bytes, _> = axum::body::to_bytes(body, limit).await else {
        return reject(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over {limit} bytes"),
        );
    };
    record.request = Some(std::sync::Arc::new(super::log::Request::new(
        headers, &body,
    )));
    let lookup = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let verified = SignedHeaders::from_lookup(lookup)
        .and_then(|signed| shared.config.secret.verify(&signed, &body, now_ms() / 1000));
    if let Err(err) = verified {
        let status = match err {
            super::VerifyError::BadSignature | super::VerifyError::NoSignature => {
                StatusCode::UNAUTHORIZED
            }
            _ => StatusCode::BAD_REQUEST,
        };
        record.verification = Verification::refused(&err);
        return (status, err.to_string());
    }
    if let Some(url) = &shared.config.forward {
        record.forwarded = Some(forward(&shared.http, url, headers, body.clone()).await);
    }
    let event = match event::parse(&body) {
        Ok(event) => event,
        Err(err) => {
            record.outcome = DeliveryOutcome::Rejected;
            return (StatusCode::BAD_REQUEST, err.to_string());
        }
    };
    record.event_type = Some(event.event_type().to_string());
    record.event = Some(std::sync::Arc::new(event.clone()));
    let Some(batcher) = &shared.batcher else {
        record.outcome = DeliveryOutcome::NotApplied;
        let status = record
            .forwarded
            .as_ref()
            .and_then(|f| f.status)
            .and_then(|s| StatusCode::from_u16(s).ok());
        return (
            status.unwrap_or(StatusCode::OK),
            "verified; not applied (--no-apply)".into(),
        );
    };
    let message_id = record.message_id.clone().unwrap_or_default();
    let event_type = event.event_type().to_string();
    match batcher.apply(event, message_id).await {
        Ok(outcome) => {
            record.outcome = DeliveryOutcome::from(&outcome);
            (StatusCode::OK, format!("{event_type}: {outcome}"))
        }
        Err(ApplyError::Unavailable(reason)) => {
            record.outcome = DeliveryOutcome::Unavailable;
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the database is unavailable, retry later: {reason}"),
            )
        }
        Err(ApplyError::Conflict(reason)) => {
            record.outcome = DeliveryOutcome::Failed;
            (
                StatusCode::CONFLICT,
                format!("{reason} (not retried: fix the data, then resend the message)"),
            )
        }
    }
}
