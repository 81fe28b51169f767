//! The backend's `users` collection through the official driver: connect, read, write, index.
//!
//! `UserStore` is the only type here that talks to MongoDB. Reads go through the field mapping
//! into `DbUser`; writes never create duplicates (ids come from an atomic counter, unique indexes
//! guard the Clerk id and the sequential id).

mod conditional;
mod doc;
mod error;
mod ids;
mod indexes;
pub mod journal;
pub mod mapping;
pub mod uri;
mod write;

use std::time::Duration;

use futures_util::{Stream, StreamExt, TryStreamExt};
use mongodb::bson::{Document, doc};
use mongodb::options::ClientOptions;
use mongodb::{Client, Collection, Database};

pub use conditional::{Conditional, ConditionalSet};
pub use doc::{new_document, to_user};
pub use error::{Error, Result};
pub use indexes::{DuplicateGroup, IndexReport, WHY_UNIQUE};
pub use mapping::{Fallback, Fallbacks, FieldMapping, MappingError};

use crate::secrets::Sensitive;
use crate::user::DbUser;

/// How long to wait for a server before saying it cannot be reached, unless the URI says otherwise.
const DEFAULT_SERVER_TIMEOUT: Duration = Duration::from_secs(5);

/// The server's code for "a collection of that name exists already".
const NAMESPACE_EXISTS: i32 = 48;

/// A connected users collection, read and written through a field mapping.
#[derive(Clone)]
pub struct UserStore {
    client: Client,
    db: Database,
    users: Collection<Document>,
    mapping: FieldMapping,
    hosts: String,
    /// Strings that must never appear in an error (the password, raw and decoded).
    secrets: Vec<String>,
}

impl std::fmt::Debug for UserStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserStore")
            .field("location", &self.location())
            .finish_non_exhaustive()
    }
}

impl UserStore {
    /// Connects and pings, so that a wrong host or password is reported now, not on first use.
    pub async fn connect(
        uri: &Sensitive<String>,
        database: &str,
        mapping: FieldMapping,
    ) -> Result<Self> {
        mapping.validate()?;
        if database.is_empty() || database.contains(['/', '\\', '.', ' ', '"', '$']) {
            return Err(Error::Server {
                hosts: uri::hosts(uri.expose()),
                reason: format!("`{database}` is not a valid database name"),
            });
        }
        let hosts = uri::hosts(uri.expose());
        let secrets = secret_strings(uri.expose());
        let driver_error = |e| scrubbed(e, &hosts, &secrets);
        let mut options = ClientOptions::parse(uri.expose())
            .await
            .map_err(driver_error)?;
        options
            .server_selection_timeout
            .get_or_insert(DEFAULT_SERVER_TIMEOUT);
        options
            .connect_timeout
            .get_or_insert(DEFAULT_SERVER_TIMEOUT);
        options
            .app_name
            .get_or_insert_with(|| "syncdesk".to_string());
        let client = Client::with_options(options).map_err(driver_error)?;
        let db = client.database(database);
        db.run_command(doc! {"ping": 1})
            .await
            .map_err(driver_error)?;
        let users = db.collection::<Document>(&mapping.collection);
        Ok(Self {
            client,
            db,
            users,
            mapping,
            hosts,
            secrets,
        })
    }

    /// `host/database`, safe to show anywhere.
    pub fn location(&self) -> String {
        format!("{}/{}", self.hosts, self.db.name())
    }

    pub fn mapping(&self) -> &FieldMapping {
        &self.mapping
    }

    /// The database handle, for tests and tools that drop or inspect it.
    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn users(&self) -> &Collection<Document> {
        &self.users
    }

    pub(crate) fn error(&self, err: mongodb::error::Error) -> Error {
        scrubbed(err, &self.hosts, &self.secrets)
    }

    /// Every user as a stream, in `user_id` order, reading only the mapped fields.
    /// A missing collection is an error (a typo in the mapping), not an empty list.
    pub async fn stream_users(&self) -> Result<impl Stream<Item = Result<DbUser>> + '_> {
        self.require_collection().await?;
        let sort = match &self.mapping.user_id {
            Some(field) => doc! {field: 1, "_id": 1},
            None => doc! {"_id": 1},
        };
        let cursor = self
            .users
            .find(doc! {})
            .projection(self.mapping.projection())
            .sort(sort)
            .batch_size(1000)
            .await
            .map_err(|e| self.error(e))?;
        Ok(cursor.map(move |item| match item {
            Ok(document) => Ok(to_user(&document, &self.mapping)),
            Err(e) => Err(self.error(e)),
        }))
    }

    /// Every user, collected.
    pub async fn list_users(&self) -> Result<Vec<DbUser>> {
        self.stream_users().await?.try_collect().await
    }

    /// How many documents the collection holds.
    pub async fn count(&self) -> Result<u64> {
        self.users
            .count_documents(doc! {})
            .await
            .map_err(|e| self.error(e))
    }

    /// Whether the users collection exists.
    pub async fn collection_exists(&self) -> Result<bool> {
        Ok(self
            .collection_names()
            .await?
            .contains(&self.mapping.collection))
    }

    /// Creates the users collection and its indexes: the explicit first step into a new database
    /// (a reset staging database, a backend never written to). An existing collection is kept
    /// as it is; only missing indexes are added (the lookup ones when `lookups`).
    pub async fn create_collection(&self, lookups: bool) -> Result<IndexReport> {
        if !self.collection_exists().await? {
            match self.db.create_collection(&self.mapping.collection).await {
                Ok(()) => {}
                // Created meanwhile by another writer: what was asked for is there.
                Err(e) if error::command_code(&e) == Some(NAMESPACE_EXISTS) => {}
                Err(e) => return Err(self.error(e)),
            }
        }
        self.ensure_indexes_with(lookups).await
    }

    async fn collection_names(&self) -> Result<Vec<String>> {
        self.db
            .list_collection_names()
            .await
            .map_err(|e| self.error(e))
    }

    async fn require_collection(&self) -> Result<()> {
        let names = self.collection_names().await?;
        if names.iter().any(|n| n == &self.mapping.collection) {
            return Ok(());
        }
        let new =
            "if the database is new, let sync create it (`syncdesk sync --create-collection`)";
        let hint = if names.is_empty() {
            format!("; the database is empty: check the database name, or {new}")
        } else {
            format!(
                "; it has: {} (check the mapping's `collection`), or {new}",
                names.join(", ")
            )
        };
        Err(Error::CollectionMissing {
            database: self.db.name().to_string(),
            collection: self.mapping.collection.clone(),
            hint,
        })
    }
}

fn scrubbed(err: mongodb::error::Error, hosts: &str, secrets: &[String]) -> Error {
    let mut converted = error::from_driver(err, hosts, "");
    for secret in secrets {
        converted = match converted {
            Error::Connect { hosts, reason } => Error::Connect {
                hosts,
                reason: error::scrub(&reason, secret),
            },
            Error::Auth { hosts, reason } => Error::Auth {
                hosts,
                reason: error::scrub(&reason, secret),
            },
            Error::Server { hosts, reason } => Error::Server {
                hosts,
                reason: error::scrub(&reason, secret),
            },
            Error::Refused { hosts, reason } => Error::Refused {
                hosts,
                reason: error::scrub(&reason, secret),
            },
            Error::InvalidUri { reason } => Error::InvalidUri {
                reason: error::scrub(&reason, secret),
            },
            other => other,
        };
    }
    converted
}

/// The whole URI and its password, raw and percent-decoded.
fn secret_strings(uri: &str) -> Vec<String> {
    let mut secrets = vec![uri.to_string()];
    if let Some(password) = uri::password(uri) {
        secrets.push(percent_decode(&password));
        secrets.push(password);
    }
    secrets
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_include_the_decoded_password() {
        let secrets = secret_strings("mongodb://u:p%40ss@h/db");
        assert!(
            secrets.contains(&"p@ss".to_string()),
            "drivers print decoded passwords: {secrets:?}"
        );
    }
}
