//! Editing profiles from the window: save (add, replace, rename with its secrets), the default,
//! remove, and each profile's secrets set or cleared. Every change forgets what was read.

use crate::profile::{Environment, Profile};
use crate::secrets::{self, SecretName, Sensitive};

use super::AppState;
use crate::desktop::error::{Code, CommandError};

impl AppState {
    /// Adds (`previous` = `None`) or replaces a profile. `loaded` is the profile as the page
    /// read it: when the file holds something else now (the CLI changed it meanwhile), the save
    /// is refused rather than undoing that change. A rename moves the profile's secrets too.
    pub async fn save_profile(
        &self,
        previous: Option<&str>,
        loaded: Option<&Profile>,
        profile: Profile,
        make_default: Option<bool>,
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
        let mut unset_default = false;
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
                // The first profile becomes the default unless its box was unticked.
                None if make_default == Some(false) => all.add_without_default(profile)?,
                None => all.add(profile, make_default == Some(true))?,
            }
            match make_default {
                Some(true) => all.set_default(&name)?,
                Some(false) if all.default.as_deref() == Some(name.as_str()) => {
                    // Unticked on the default: no default, so the CLI and a new window start
                    // with no profile (the `SYNCDESK_*` variables alone) until one is chosen.
                    all.default = None;
                    unset_default = true;
                }
                _ => {}
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
        if let Ok(mut chosen) = self.chosen.lock() {
            let renamed = previous.is_some() && chosen.as_deref() == previous;
            // Renamed, or saved as no default while this window followed none: in use here.
            let not_default = (unset_default || make_default == Some(false)) && chosen.is_none();
            if renamed || not_default {
                *chosen = Some(name);
            }
        }
        self.forget().await;
        Ok(left_behind)
    }

    /// The Settings view's save: only the fields it edits (database, mapping) onto the profile as
    /// it is now, so a change the CLI made to the others meanwhile is kept.
    pub async fn save_settings(&self, settings: Profile) -> Result<(), CommandError> {
        let Some(active) = self.active_name()? else {
            self.none_chosen()?;
            return self
                .save_profile(None, None, settings, Some(true))
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

    /// With no profile in use, a first one is made only when there are none: profiles without
    /// a default (unticked on purpose) mean the person chooses one.
    fn none_chosen(&self) -> Result<(), CommandError> {
        let all = self.profiles()?;
        if all.profiles.is_empty() {
            return Ok(());
        }
        Err(CommandError::new(
            Code::NotConfigured,
            format!(
                "No profile is in use (none is the default): choose one of {} in the profile switcher first.",
                all.names()
            ),
        ))
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
        self.none_chosen()?;
        let fresh = Profile::new("default", Environment::Development);
        self.save_profile(None, None, fresh, Some(true)).await?;
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
}
