//! Both sides at one moment: every Clerk user and every database user, fetched concurrently,
//! ready to diff. The only place sync reads the world; diff and plan stay pure.

use serde::Serialize;

use crate::clerk::{ClerkClient, FetchReport, InstanceKind};
use crate::diff::DiffContext;
use crate::mongo::UserStore;
use crate::user::{ClerkUser, DbUser};

/// Why the two sides could not be read. The message already holds the cause's words, so the
/// cause is not also its `source` (a chain printer would say it twice).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("reading Clerk: {0}")]
    Clerk(crate::clerk::Error),
    #[error("reading the database: {0}")]
    Database(crate::mongo::Error),
}

impl From<crate::clerk::Error> for SnapshotError {
    fn from(err: crate::clerk::Error) -> Self {
        Self::Clerk(err)
    }
}

impl From<crate::mongo::Error> for SnapshotError {
    fn from(err: crate::mongo::Error) -> Self {
        Self::Database(err)
    }
}

/// Both user lists and how they were obtained.
#[derive(Clone)]
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

/// What a users collection that does not exist means for a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingCollection {
    /// An error that names the database (a typo must not become an empty side).
    Refuse,
    /// No users yet: the person asked for the collection to be created before writing.
    ReadAsEmpty,
}

impl Snapshot {
    /// Both sides as given (not read): the Clerk users, the documents, and where they are from.
    pub fn of(clerk: Vec<ClerkUser>, db: Vec<DbUser>, location: &str, production: bool) -> Self {
        Self {
            fetch: FetchReport::given(clerk.len()),
            clerk,
            db,
            production,
            location: location.into(),
        }
    }

    /// Fetches both sides at once; `progress` gets Clerk's fetch progress.
    pub async fn take(
        clerk: &ClerkClient,
        store: &UserStore,
        missing: MissingCollection,
        progress: impl Fn(crate::clerk::Progress) + Sync,
    ) -> Result<Self, SnapshotError> {
        let read_db = async {
            if missing == MissingCollection::ReadAsEmpty && !store.collection_exists().await? {
                return Ok(Vec::new());
            }
            store.list_users().await
        };
        let (fetch, db) = futures_util::join!(clerk.list_all_users(progress), read_db);
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
