//! The Clerk sandbox: a loopback HTTP server answering the Backend API's user endpoints with the
//! spec's exact shapes, errors and query semantics, over an in-memory user set, with faults and
//! Svix-signed webhooks on demand.
//!
//! Start it in-process with [`Sandbox::start`] (port 0 in tests) or with `syncdesk sandbox`.

mod answer;
mod fault;
mod generate;
mod prng;
mod query;
mod routes;
mod store;
mod timestamp;
mod user;
mod webhook;
mod write;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::oneshot;

pub use fault::{CursorSupport, Faults};
pub use generate::{from_clerk_user, generated, seed_report};
pub use user::{Email, Phone, SandboxUser};
pub use webhook::{Delivery, WebhookConfig};

use fault::FaultState;
use prng::SplitMix64;
use store::Store;
use webhook::Outbox;

/// The presets `--preset` knows.
pub const PRESETS: [&str; 1] = ["seed-report"];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on 127.0.0.1:{port}: {reason}. Is another program using the port?")]
    Bind { port: u16, reason: String },
    #[error("unknown preset `{name}`; the sandbox knows: {}", PRESETS.join(", "))]
    UnknownPreset { name: String },
    #[error("the webhook secret is not usable: {reason}")]
    WebhookSecret { reason: String },
}

/// What to start.
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    /// 0 picks a free port.
    pub port: u16,
    pub users: Vec<SandboxUser>,
    pub faults: Faults,
    pub webhook: Option<WebhookConfig>,
}

impl SandboxConfig {
    /// A named preset's users (`seed-report`).
    pub fn preset(name: &str) -> Result<Self, Error> {
        match name {
            "seed-report" => Ok(Self {
                users: seed_report(),
                ..Self::default()
            }),
            _ => Err(Error::UnknownPreset { name: name.into() }),
        }
    }

    /// `count` generated users, deterministic by `seed`.
    pub fn generated(count: usize, seed: u64) -> Self {
        Self {
            users: generated(count, seed),
            ..Self::default()
        }
    }
}

/// State shared by the handlers.
#[derive(Debug)]
struct Shared {
    store: RwLock<Store>,
    faults: FaultState,
    outbox: Option<Outbox>,
    rng: Mutex<SplitMix64>,
}

impl Shared {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.store
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn emit(&self, event_type: &str, data: serde_json::Value) {
        if let Some(outbox) = &self.outbox {
            outbox.send(event_type, data);
        }
    }
}

/// A running sandbox.
#[derive(Debug)]
pub struct SandboxHandle {
    /// `http://127.0.0.1:PORT/v1`: give it to a client as its API URL.
    pub base_url: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

pub struct Sandbox;

impl Sandbox {
    /// Binds 127.0.0.1:`port` and serves until the handle is stopped or dropped.
    pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, Error> {
        let outbox =
            match config.webhook {
                Some(webhook) => {
                    let key = crate::webhook::SigningSecret::parse(webhook.secret.expose())
                        .map_err(|e| Error::WebhookSecret {
                            reason: e.to_string(),
                        })?;
                    Some(Outbox::start(webhook, key))
                }
                None => None,
            };
        let seed = config.faults.seed;
        let shared = Arc::new(Shared {
            store: RwLock::new(Store::new(config.users)),
            faults: FaultState::new(config.faults),
            outbox,
            rng: Mutex::new(SplitMix64::new(seed ^ 0xC1E2_4B00)),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| Error::Bind {
                port: config.port,
                reason: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| Error::Bind {
            port: config.port,
            reason: e.to_string(),
        })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = routes::router(shared.clone());
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(%err, "the Clerk sandbox stopped");
            }
        });
        Ok(SandboxHandle {
            base_url: format!("http://{addr}/v1"),
            addr,
            shared,
            stop: Some(stop),
            task,
        })
    }
}

impl SandboxHandle {
    /// Stops serving and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Every user id, oldest first.
    pub fn user_ids(&self) -> Vec<String> {
        self.shared.read().ids()
    }

    pub fn user_count(&self) -> usize {
        self.shared.read().len()
    }

    /// Webhook delivery attempts so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared
            .outbox
            .as_ref()
            .map(|o| {
                o.log
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone()
            })
            .unwrap_or_default()
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
