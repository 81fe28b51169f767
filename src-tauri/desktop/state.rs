//! `AppState`: the shared settings file and keychain, the session's overrides, the profile in
//! use, and the lazily connected users collection.
//!
//! Which database the window shows is what a CLI command would use: the profile chosen (else
//! `SYNCDESK_PROFILE`, else the default profile), with the `SYNCDESK_*` variables over it. So
//! `syncdesk` started with those variables opens on that database, profile or not.

use std::sync::Arc;
use std::sync::Mutex as SyncMutex;

use serde::Serialize;
use tokio::sync::Mutex;

use crate::keychain::Keychain;
use crate::mongo::UserStore;
use crate::profile::file::ProfileFile;
use crate::profile::{Environment, Profile, Profiles};
use crate::secrets::SecretName;
use crate::sync::apply::{ApplyReport, Progress};

use crate::table::detail::Detail;
use crate::table::view::TableView;
use crate::workspace::sync::Confirmation;
use crate::workspace::{Overrides, Workspace};

use super::error::{Code, CommandError};
use super::reviewed::ReviewSlot;
use crate::review::Subject;

// Saving, renaming and removing profiles, and setting their secrets.
mod editing;
// The window's webhook listener and the live updates of the table.
pub mod listening;

/// What the UI may know about the overrides: the database name, and whether a URI is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverridesView {
    pub database: Option<String>,
    pub mongodb_uri: bool,
    /// The session's Clerk key and webhook secret come from `SYNCDESK_*` variables.
    pub clerk_secret_key: bool,
    pub webhook_secret: bool,
}

/// A row opened, and whether its user is left out of syncs.
#[derive(Debug, Serialize)]
pub struct RowDetail {
    #[serde(flatten)]
    pub detail: Detail,
    pub left_out: bool,
}

/// The one managed state of the window.
pub struct AppState {
    file: ProfileFile,
    keychain: Keychain,
    overrides: Overrides,
    /// The profile chosen in this session; `None` follows the default profile.
    chosen: SyncMutex<Option<String>>,
    /// Connected on first use; dropped whenever the profile, its settings or its URI change.
    users: Mutex<Option<UserStore>>,
    /// The plan under review, waiting for its apply (applied at most once).
    pub review: ReviewSlot,
    /// The diff the Users view pages through (the last read of both sides).
    table: SyncMutex<Option<Arc<TableView>>>,
    /// Users left out of syncs from their row (this session, this profile): a review starts
    /// with their operations left out.
    left_out: SyncMutex<Vec<Subject>>,
    /// The webhook listener the Webhooks view started, if it runs.
    pub listening: listening::Listening,
    /// The events it applied to the table, for reads that overlapped them.
    applied: SyncMutex<listening::Applied>,
}

impl AppState {
    pub fn new(file: ProfileFile, keychain: Keychain, overrides: Overrides) -> Self {
        let chosen = overrides.profile.clone();
        Self {
            file,
            keychain,
            overrides,
            chosen: SyncMutex::new(chosen),
            users: Mutex::new(None),
            review: ReviewSlot::default(),
            table: SyncMutex::new(None),
            left_out: SyncMutex::new(Vec::new()),
            listening: listening::Listening::default(),
            applied: SyncMutex::new(listening::Applied::default()),
        }
    }

    /// Keeps the table the Users view pages through, in place of the one before.
    pub fn keep_table(&self, table: TableView) {
        if let Ok(mut slot) = self.table.lock() {
            *slot = Some(Arc::new(table));
        }
    }

    /// Puts `new` in place of `old`, unless another table replaced `old` meanwhile.
    pub fn replace_table(&self, old: &Arc<TableView>, new: TableView) -> bool {
        let Ok(mut slot) = self.table.lock() else {
            return false;
        };
        if !slot.as_ref().is_some_and(|t| Arc::ptr_eq(t, old)) {
            return false;
        }
        *slot = Some(Arc::new(new));
        true
    }

    /// The last read's table; an error that says to read first when there is none.
    pub fn table(&self) -> Result<Arc<TableView>, CommandError> {
        self.table
            .lock()
            .ok()
            .and_then(|t| t.clone())
            .ok_or_else(|| {
                CommandError::new(
                    Code::NotConfigured,
                    "Nothing has been read yet: press Refresh to read Clerk and the database.",
                )
            })
    }

    /// Forgets the reviewed preview, the table and the users left out of syncs, and stops the
    /// listener: the profile, its settings or its secrets changed.
    async fn forget(&self) {
        self.listening.stop().await;
        if let Ok(mut all) = self.left_out.lock() {
            all.clear();
        }
        self.users.lock().await.take();
        self.review.forget().await;
        if let Ok(mut table) = self.table.lock() {
            table.take();
        }
    }

    /// Applies review `id` with the core's apply, at most once (it is taken out before anything
    /// is written), and only if the profile in use is still the one reviewed.
    pub async fn apply_review(
        &self,
        id: u64,
        confirmation: &Confirmation,
        progress: impl Fn(Progress),
    ) -> Result<ApplyReport, CommandError> {
        let current = self.workspace().await?;
        let (preview, cancel) = self.review.take(id, &current, confirmation).await?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let applied = current
            .apply(&preview, confirmation, now_ms, progress, &cancel)
            .await;
        self.users.lock().await.take();
        Ok(applied?.report)
    }

    pub fn keychain(&self) -> &Keychain {
        &self.keychain
    }

    pub fn overrides(&self) -> OverridesView {
        let given = |secret| self.overrides.secrets.iter().any(|(n, _)| *n == secret);
        OverridesView {
            database: self.overrides.database.clone(),
            mongodb_uri: given(SecretName::MongodbUri),
            clerk_secret_key: given(SecretName::ClerkSecretKey),
            webhook_secret: given(SecretName::WebhookSecret),
        }
    }

    pub fn profiles(&self) -> Result<Profiles, CommandError> {
        Ok(self.file.load()?)
    }

    /// The name of the profile in use: the chosen one, else the default, else none.
    pub fn active_name(&self) -> Result<Option<String>, CommandError> {
        let chosen = self.chosen.lock().map_or(None, |c| c.clone());
        Ok(chosen.or_else(|| self.profiles().ok()?.default))
    }

    /// The profile in use, or a new `default` one (not saved) when there is none yet.
    pub fn active_profile(&self) -> Result<Profile, CommandError> {
        let profiles = self.profiles()?;
        Ok(match self.active_name()? {
            Some(name) => profiles.require(&name)?.clone(),
            None => Profile::new("default", Environment::Development),
        })
    }

    pub async fn choose(&self, name: Option<String>) -> Result<(), CommandError> {
        if let Some(name) = &name {
            self.profiles()?.require(name)?;
        }
        if let Ok(mut chosen) = self.chosen.lock() {
            *chosen = name;
        }
        self.forget().await;
        Ok(())
    }

    /// Leaves a user out of syncs (or brings them back), as their row's "Leave it" says.
    pub fn leave_out(&self, subject: Subject, left_out: bool) -> Result<(), CommandError> {
        if subject.is_empty() {
            return Err(CommandError::new(
                Code::InvalidInput,
                "That row names no user: press Refresh and open it again.",
            ));
        }
        if let Ok(mut all) = self.left_out.lock() {
            // Brought back: every entry naming that user goes (a missing user left out, then
            // created, is the same user with a document now).
            all.retain(|s| !s.overlaps(&subject));
            if left_out {
                all.push(subject);
            }
        }
        Ok(())
    }

    /// The users left out of syncs in this session.
    pub fn left_out(&self) -> Vec<Subject> {
        self.left_out
            .lock()
            .map_or_else(|_| Vec::new(), |l| l.clone())
    }

    /// Row `row` of the last read in full, and whether its user is left out of syncs.
    pub fn detail(&self, row: u32) -> Result<RowDetail, CommandError> {
        let detail = self
            .table()?
            .detail(row)
            .ok_or_else(CommandError::stale_row)?;
        let left_out = self.left_out().iter().any(|s| s.overlaps(&detail.subject));
        Ok(RowDetail { detail, left_out })
    }

    /// The workspace of the profile in use, as a CLI command would open it.
    pub async fn workspace(&self) -> Result<Workspace, CommandError> {
        let chosen = self.chosen.lock().map_or(None, |c| c.clone());
        self.workspace_of(chosen).await
    }

    /// The workspace of a profile (`None`: the default one), with the session's overrides.
    pub async fn workspace_of(&self, profile: Option<String>) -> Result<Workspace, CommandError> {
        let overrides = Overrides {
            profile,
            ..self.overrides.clone()
        };
        Ok(Workspace::open(&self.file, &self.keychain, overrides).await?)
    }

    /// The users collection, connecting on first use.
    pub async fn user_store(&self) -> Result<UserStore, CommandError> {
        let mut users = self.users.lock().await;
        if let Some(store) = users.as_ref() {
            return Ok(store.clone());
        }
        let store = self.workspace().await?.user_store().await?;
        *users = Some(store.clone());
        Ok(store)
    }

    /// A new connection with the current settings, replacing the one in use.
    pub async fn reconnect(&self) -> Result<UserStore, CommandError> {
        let mut users = self.users.lock().await;
        users.take();
        let store = self.workspace().await?.user_store().await?;
        *users = Some(store.clone());
        Ok(store)
    }
}
