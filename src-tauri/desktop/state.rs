//! `AppState`: where the settings live, the keychain, the session's overrides, and the
//! lazily connected users collection.
//!
//! Which database the window shows: the URI comes from `SYNCDESK_MONGODB_URI` when set, else
//! from the keychain; the database name from `--database`, else `SYNCDESK_DATABASE`, else the
//! saved settings. So `syncdesk` started with those variables opens on that database.

use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tokio::sync::Mutex;

use crate::mongo::UserStore;
use crate::secrets::{SecretName, Sensitive};
use crate::settings::{self, Settings, SettingsError};

use super::error::{Code, CommandError};
use super::keyring_secrets::KeyringSecrets;
use super::settings_store;

/// What this session was started with, taking precedence over the saved settings.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub uri: Option<Sensitive<String>>,
    pub database: Option<String>,
}

impl Overrides {
    /// From `SYNCDESK_MONGODB_URI`, and `--database` or else `SYNCDESK_DATABASE`.
    pub fn from_env(database_flag: Option<&str>) -> Result<Self, SettingsError> {
        let uri = settings::env_var(SecretName::MongodbUri.env_var())?.map(Sensitive::new);
        let database = match database_flag {
            Some(name) => Some(name.to_string()),
            None => settings::env_var("SYNCDESK_DATABASE")?,
        };
        Ok(Self { uri, database })
    }
}

/// What the UI may know about the overrides: the database name, and whether a URI is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverridesView {
    pub database: Option<String>,
    pub mongodb_uri: bool,
}

/// The one managed state of the window.
pub struct AppState {
    secrets: KeyringSecrets,
    /// The settings file, relative to the app data directory (or absolute, in tests).
    settings_file: PathBuf,
    overrides: Overrides,
    /// Connected on first use; dropped whenever the settings or the URI change.
    users: Mutex<Option<UserStore>>,
}

impl AppState {
    pub fn new(secrets: KeyringSecrets, settings_file: PathBuf, overrides: Overrides) -> Self {
        Self {
            secrets,
            settings_file,
            overrides,
            users: Mutex::new(None),
        }
    }

    pub fn secrets(&self) -> &KeyringSecrets {
        &self.secrets
    }

    pub fn overrides(&self) -> OverridesView {
        OverridesView {
            database: self.overrides.database.clone(),
            mongodb_uri: self.overrides.uri.is_some(),
        }
    }

    pub fn settings<R: Runtime>(&self, app: &AppHandle<R>) -> Result<Settings, CommandError> {
        Ok(settings_store::load(app, &self.settings_file)?)
    }

    pub async fn save_settings<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        settings: Settings,
    ) -> Result<(), CommandError> {
        settings
            .mapping
            .validate()
            .map_err(|e| CommandError::new(Code::InvalidInput, e.to_string()))?;
        let settings = Settings {
            database: settings.database.trim().to_string(),
            ..settings
        };
        settings_store::save(app, &self.settings_file, &settings)?;
        self.users.lock().await.take();
        Ok(())
    }

    pub async fn set_secret(
        &self,
        name: SecretName,
        value: Sensitive<String>,
    ) -> Result<(), CommandError> {
        check_secret(name, value.expose())?;
        self.secrets
            .set(name, Sensitive::new(value.expose().trim().to_string()))
            .await?;
        self.forget_connection(name).await;
        Ok(())
    }

    pub async fn clear_secret(&self, name: SecretName) -> Result<(), CommandError> {
        self.secrets.clear(name).await?;
        self.forget_connection(name).await;
        Ok(())
    }

    /// The users collection, connecting on first use.
    pub async fn user_store<R: Runtime>(
        &self,
        app: &AppHandle<R>,
    ) -> Result<UserStore, CommandError> {
        let mut users = self.users.lock().await;
        if let Some(store) = users.as_ref() {
            return Ok(store.clone());
        }
        let store = self.connect(app).await?;
        *users = Some(store.clone());
        Ok(store)
    }

    /// A new connection with the current settings, replacing the one in use.
    pub async fn reconnect<R: Runtime>(
        &self,
        app: &AppHandle<R>,
    ) -> Result<UserStore, CommandError> {
        let mut users = self.users.lock().await;
        users.take();
        let store = self.connect(app).await?;
        *users = Some(store.clone());
        Ok(store)
    }

    async fn connect<R: Runtime>(&self, app: &AppHandle<R>) -> Result<UserStore, CommandError> {
        let settings = self.settings(app)?;
        let database = database_name(&self.overrides, &settings)?;
        let uri = match &self.overrides.uri {
            Some(uri) => uri.clone(),
            None => self
                .secrets
                .get(SecretName::MongodbUri)
                .await?
                .ok_or_else(missing_uri)?,
        };
        Ok(UserStore::connect(&uri, &database, settings.mapping).await?)
    }

    async fn forget_connection(&self, name: SecretName) {
        if name == SecretName::MongodbUri {
            self.users.lock().await.take();
        }
    }
}

/// The database to open: the session's override, else the saved name.
fn database_name(overrides: &Overrides, settings: &Settings) -> Result<String, CommandError> {
    let saved = Some(settings.database.trim())
        .filter(|name| !name.is_empty())
        .map(str::to_string);
    overrides.database.clone().or(saved).ok_or_else(|| {
        CommandError::new(
            Code::NotConfigured,
            "No database name is set: open Settings and enter the database that holds the users collection.",
        )
    })
}

fn missing_uri() -> CommandError {
    CommandError::new(
        Code::NotConfigured,
        "No MongoDB URI is set: open Settings and enter the connection string (it is kept in the OS keychain).",
    )
}

/// Refuses values that cannot be right, before they reach the keychain.
fn check_secret(name: SecretName, value: &str) -> Result<(), CommandError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CommandError::new(
            Code::InvalidInput,
            "The value is empty; use Clear to remove a secret.",
        ));
    }
    let is_uri = value.starts_with("mongodb://") || value.starts_with("mongodb+srv://");
    if name == SecretName::MongodbUri && !is_uri {
        return Err(CommandError::new(
            Code::InvalidInput,
            "A MongoDB URI starts with mongodb:// or mongodb+srv://",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(database: &str) -> Settings {
        Settings {
            database: database.into(),
            ..Settings::default()
        }
    }

    #[test]
    fn the_session_override_wins_over_the_saved_database() {
        let overrides = Overrides {
            uri: None,
            database: Some("from_env".into()),
        };
        assert_eq!(
            database_name(&overrides, &saved("saved")).unwrap(),
            "from_env",
            "env/--database win"
        );
        assert_eq!(
            database_name(&Overrides::default(), &saved(" saved ")).unwrap(),
            "saved",
            "else the saved name"
        );
    }

    #[test]
    fn no_database_anywhere_is_not_configured() {
        let err = database_name(&Overrides::default(), &saved("  ")).unwrap_err();
        assert_eq!(
            err.code,
            Code::NotConfigured,
            "a blank saved name counts as none"
        );
        assert!(
            err.message.contains("open Settings"),
            "the message says what to do: {}",
            err.message
        );
    }

    #[test]
    fn secrets_are_checked_without_being_echoed() {
        let err = check_secret(SecretName::MongodbUri, "postgres://u:hunter2@h").unwrap_err();
        assert_eq!(
            err.code,
            Code::InvalidInput,
            "only mongodb URIs are accepted"
        );
        assert!(
            !err.message.contains("hunter2"),
            "the rejected value is not repeated: {}",
            err.message
        );
        assert!(check_secret(SecretName::MongodbUri, " mongodb+srv://c.example.com ").is_ok());
        assert_eq!(
            check_secret(SecretName::ClerkSecretKey, " ")
                .unwrap_err()
                .code,
            Code::InvalidInput
        );
    }
}
