//! Both sides at one moment: every Clerk user and every database user, fetched concurrently,
//! ready to diff. The only place sync reads the world; diff and plan stay pure.

use serde::Serialize;

use crate::clerk::{ClerkClient, FetchReport, InstanceKind};
use crate::diff::DiffContext;
use crate::mongo::UserStore;
use crate::user::{ClerkUser, DbUser};

/// Why the two sides could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("reading Clerk: {0}")]
    Clerk(#[from] crate::clerk::Error),
    #[error("reading the database: {0}")]
    Database(#[from] crate::mongo::Error),
}

/// Both user lists and how they were obtained.
pub struct Snapshot {
    pub clerk: Vec<ClerkUser>,
    pub db: Vec<DbUser>,
    pub fetch: FetchReport,
    pub production: bool,
    pub location: String,
}

/// A summary safe to show anywhere.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotInfo {
    pub clerk_users: usize,
    pub db_users: usize,
    pub clerk_api: String,
    pub production: bool,
    pub database: String,
    /// A sentence when Clerk's count and the list disagree (users changed during the fetch).
    pub count_note: Option<String>,
}

impl Snapshot {
    /// Fetches both sides at once; `progress` gets Clerk's fetch progress.
    pub async fn take(
        clerk: &ClerkClient,
        store: &UserStore,
        progress: impl Fn(crate::clerk::Progress) + Sync,
    ) -> Result<Self, SnapshotError> {
        let (fetch, db) = futures_util::join!(clerk.list_all_users(progress), store.list_users());
        let mut fetch = fetch?;
        let db = db?;
        let clerk_users = std::mem::take(&mut fetch.users);
        Ok(Self {
            clerk: clerk_users,
            db,
            fetch,
            production: clerk.instance_kind() == InstanceKind::Production,
            location: store.location(),
        })
    }

    pub fn context(&self) -> DiffContext {
        DiffContext {
            production: self.production,
        }
    }

    pub fn info(&self, clerk_api: &str) -> SnapshotInfo {
        SnapshotInfo {
            clerk_users: self.clerk.len(),
            db_users: self.db.len(),
            clerk_api: clerk_api.to_string(),
            production: self.production,
            database: self.location.clone(),
            count_note: self.fetch.count_note(),
        }
    }
}
