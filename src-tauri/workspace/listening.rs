//! The webhook use cases both front ends call: the listener started with the profile's port,
//! path, secret and forward URL; a signed test event from a chosen user; a database user found
//! by Clerk id or email.

use std::path::PathBuf;

use super::{Workspace, WorkspaceError};
use crate::mongo::UserStore;
use crate::user::DbUser;
use crate::webhook::listener::{DEFAULT_BODY_LIMIT, Listener, ListenerConfig};
use crate::webhook::send::{EventKind, SendReport, Source, send_event};

/// How to start the listener; `None` takes the profile's value.
#[derive(Debug, Clone)]
pub struct ListenOptions {
    pub port: Option<u16>,
    pub path: Option<String>,
    pub forward: Option<String>,
    /// Apply `user.*` events to the database (else verify and forward only).
    pub apply: bool,
    pub body_limit: usize,
}

impl Default for ListenOptions {
    fn default() -> Self {
        Self {
            port: None,
            path: None,
            forward: None,
            apply: true,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

/// Where a test event's user comes from (`{"kind": "clerk_user", "value": "user_…"}` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum EventFrom {
    /// The webhooks spec's example user.
    Example,
    /// A JSON file: a Clerk User or a whole event.
    File(PathBuf),
    /// A user of the profile's Clerk instance, by id.
    ClerkUser(String),
    /// A document of the profile's database, by Clerk id or email.
    DbUser(String),
}

impl Workspace {
    /// Starts the listener; with `apply`, on the profile's database, its unique indexes checked
    /// first (a missing one would answer every event 503). The store is returned with it.
    pub async fn listen(
        &self,
        options: ListenOptions,
    ) -> Result<(Listener, Option<UserStore>), WorkspaceError> {
        let secret = self.signing_secret()?;
        let store = if options.apply {
            let store = self.user_store().await?;
            store.require_indexes().await?;
            Some(store)
        } else {
            None
        };
        let saved = self.listener();
        let config = ListenerConfig {
            port: options.port.unwrap_or(saved.port),
            path: options.path.unwrap_or(saved.path),
            secret,
            forward: options
                .forward
                .or_else(|| self.forward_url().map(str::to_string)),
            body_limit: options.body_limit,
        };
        let listener = Listener::start(config, store.clone()).await?;
        Ok((listener, store))
    }

    /// Signs a `kind` event about the user `from` names with the profile's secret and POSTs it.
    pub async fn send_test_event(
        &self,
        to: &str,
        kind: EventKind,
        from: EventFrom,
    ) -> Result<SendReport, WorkspaceError> {
        let secret = self.signing_secret()?;
        let source = match from {
            EventFrom::Example => Source::Example,
            EventFrom::File(path) => Source::File(path),
            EventFrom::ClerkUser(id) => Source::Clerk {
                id: id.trim().to_string(),
                client: self.clerk_client()?,
            },
            EventFrom::DbUser(key) => Source::Database(Box::new(self.db_user(&key).await?)),
        };
        Ok(send_event(to.trim(), &secret, kind, source).await?)
    }

    /// The one document with this Clerk id (`user_…`) or email (any case).
    pub async fn db_user(&self, key: &str) -> Result<DbUser, WorkspaceError> {
        let store = self.user_store().await?;
        let key = key.trim();
        let mut found = if key.starts_with("user_") {
            store.find_by(&store.mapping().clerk_id, key).await?
        } else {
            store.find_by_email(key).await?
        };
        match found.len() {
            0 => Err(WorkspaceError::NoSuchDocument {
                key: key.to_string(),
                location: store.location(),
            }),
            1 => Ok(found.remove(0)),
            _ => Err(WorkspaceError::SeveralDocuments {
                key: key.to_string(),
                ids: found
                    .iter()
                    .map(|d| d.doc_id.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}
