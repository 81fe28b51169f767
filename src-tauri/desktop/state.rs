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
use crate::secrets::{self, SecretName, Sensitive};
use crate::sync::apply::{ApplyReport, Progress};

use crate::table::view::TableView;
use crate::workspace::sync::Confirmation;
use crate::workspace::{Overrides, Workspace};

use super::error::{Code, CommandError};
use super::reviewed::ReviewSlot;

/// What the UI may know about the overrides: the database name, and whether a URI is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverridesView {
    pub database: Option<String>,
    pub mongodb_uri: bool,
    /// The session's Clerk key and webhook secret come from `SYNCDESK_*` variables.
    pub clerk_secret_key: bool,
    pub webhook_secret: bool,
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
        }
    }

    /// Keeps the table the Users view pages through, in place of the one before.
    pub fn keep_table(&self, table: TableView) {
        if let Ok(mut slot) = self.table.lock() {
            *slot = Some(Arc::new(table));
        }
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

    /// Forgets the reviewed preview: the profile, its settings or its secrets changed.
    async fn forget(&self) {
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

    /// Adds (`previous` = `None`) or replaces a profile. `loaded` is the profile as the page
    /// read it: when the file holds something else now (the CLI changed it meanwhile), the save
    /// is refused rather than undoing that change. A rename moves the profile's secrets too.
    pub async fn save_profile(
        &self,
        previous: Option<&str>,
        loaded: Option<&Profile>,
        profile: Profile,
        make_default: bool,
    ) -> Result<Option<String>, CommandError> {
        let profile = Profile {
            database: profile.database.trim().to_string(),
            ..profile
        };
        let name = profile.name.clone();
        let renamed_from = previous.filter(|p| *p != name);
        // A rename onto a name in use (added by the CLI since the page listed the profiles) is
        // refused before any secret moves: that profile's secrets are never touched.
        if renamed_from.is_some() && self.profiles()?.get(&name).is_some() {
            return Err(crate::profile::ProfileError::Exists { name }.into());
        }
        if let Some(old) = renamed_from
            && let Err(e) = self.copy_secrets(old, &name).await
        {
            let _ = self.keychain.clear_all(&name).await;
            return Err(e);
        }
        let saved = self.file.update(|all| -> Result<(), CommandError> {
            match previous {
                Some(previous) => {
                    let current = all.require(previous)?;
                    if loaded.is_some_and(|l| l != current) {
                        return Err(CommandError::new(
                            Code::Conflict,
                            format!(
                                "The profile {previous} was changed elsewhere (by `syncdesk profile` or another window) since it was opened here; reload it and make your change again."
                            ),
                        ));
                    }
                    all.replace(previous, profile)?;
                }
                None => all.add(profile, make_default)?,
            }
            if make_default {
                all.set_default(&name)?;
            }
            Ok(())
        });
        // Exactly one name keeps the secrets: the new one when the rename was saved.
        let mut left_behind = None;
        if let Some(old) = renamed_from {
            let stale = if saved.is_ok() { old } else { name.as_str() };
            left_behind = self.keychain.clear_all(stale).await.err().map(|e| {
                format!(
                    "The profile was renamed, but the secrets under its old name {stale} could not all be removed: {e}. Remove the entries `{stale}/…` in your keychain app, or a new profile {stale} would show them."
                )
            });
        }
        saved?;
        if let (Some(previous), Ok(mut chosen)) = (previous, self.chosen.lock())
            && chosen.as_deref() == Some(previous)
        {
            *chosen = Some(name);
        }
        self.forget().await;
        Ok(left_behind)
    }

    /// The Settings view's save: only the fields it edits (database, mapping) onto the profile as
    /// it is now, so a change the CLI made to the others meanwhile is kept.
    pub async fn save_settings(&self, settings: Profile) -> Result<(), CommandError> {
        let Some(active) = self.active_name()? else {
            return self
                .save_profile(None, None, settings, true)
                .await
                .map(|_| ());
        };
        self.file.update(|all| -> Result<(), CommandError> {
            let mut profile = all.require(&active)?.clone();
            profile.database = settings.database.trim().to_string();
            profile.mapping = settings.mapping;
            all.replace(&active, profile)?;
            Ok(())
        })?;
        self.forget().await;
        Ok(())
    }

    /// Copies a profile's secrets to another name (for a rename), replacing what that name had.
    async fn copy_secrets(&self, from: &str, to: &str) -> Result<(), CommandError> {
        for (name, value) in self.keychain.get_all(from).await? {
            match value {
                Some(value) => self.keychain.set(to, name, value).await?,
                None => self.keychain.clear(to, name).await?,
            }
        }
        Ok(())
    }

    /// Removes a profile, then its secrets (a settings file that cannot be written leaves both).
    pub async fn remove_profile(&self, name: &str) -> Result<(), CommandError> {
        self.file
            .update(|all| all.remove(name).map(|_| ()).map_err(CommandError::from))?;
        if let Ok(mut chosen) = self.chosen.lock()
            && chosen.as_deref() == Some(name)
        {
            *chosen = None;
        }
        self.forget().await;
        self.keychain.clear_all(name).await.map_err(|e| {
            CommandError::new(
                Code::Keychain,
                format!(
                    "The profile {name} was removed, but not all of its secrets: {e}. Remove the entries `{name}/…` in your keychain app."
                ),
            )
        })
    }

    /// The profile a secret goes to: the one named, else the one in use; the first secret set
    /// with no profile at all creates the profile `default`.
    async fn secret_profile(&self, profile: Option<String>) -> Result<String, CommandError> {
        if let Some(name) = profile {
            self.profiles()?.require(&name)?;
            return Ok(name);
        }
        if let Some(name) = self.active_name()? {
            return Ok(name);
        }
        let fresh = Profile::new("default", Environment::Development);
        self.save_profile(None, None, fresh, true).await?;
        Ok("default".into())
    }

    pub async fn set_secret(
        &self,
        profile: Option<String>,
        name: SecretName,
        value: Sensitive<String>,
    ) -> Result<(), CommandError> {
        let value = secrets::check(name, value.expose())
            .map_err(|e| CommandError::new(Code::InvalidInput, e.to_string()))?;
        let profile = self.secret_profile(profile).await?;
        if name == SecretName::ClerkSecretKey
            && Environment::of_clerk_key(value.expose()) == Some(Environment::Production)
        {
            self.file.update(|all| -> Result<(), CommandError> {
                if let Some(p) = all.get_mut(&profile)
                    && p.environment == Environment::Development
                {
                    p.environment = Environment::Production;
                    p.color = Environment::Production.default_color().into();
                }
                Ok(())
            })?;
        }
        self.keychain.set(&profile, name, value).await?;
        self.forget().await;
        Ok(())
    }

    pub async fn clear_secret(
        &self,
        profile: Option<String>,
        name: SecretName,
    ) -> Result<(), CommandError> {
        let Some(profile) = profile.or(self.active_name()?) else {
            return Ok(());
        };
        self.keychain.clear(&profile, name).await?;
        self.forget().await;
        Ok(())
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
