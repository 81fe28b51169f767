//! A workspace: one resolved profile (or the environment alone) with its credentials, which the
//! CLI and the window both open before they read or write anything.
//!
//! Which profile: `--profile`, else `SYNCDESK_PROFILE`, else the default profile, else none (the
//! `SYNCDESK_*` variables alone). Each value: the environment variable over the profile, and for
//! secrets the environment over the OS keychain. The keychain is read only for the secrets the
//! environment does not give, and a keychain that cannot be read is reported only when a secret
//! from it is needed.

pub mod check;
mod error;
pub mod listening;
pub mod live;
mod overrides;
pub mod sync;

pub use error::WorkspaceError;
pub use overrides::{CLERK_API_URL_VAR, DATABASE_VAR, Overrides, PROFILE_VAR};

use std::sync::Arc;

use crate::clerk::{ClerkClient, ClerkConfig};
use crate::keychain::{Keychain, KeychainError};
use crate::mongo::{FieldMapping, UserStore};
use crate::profile::file::ProfileFile;
use crate::profile::{Environment, ListenerSettings, Profile};
use crate::secrets::{SecretName, Sensitive};
use crate::webhook::SigningSecret;

/// Where a secret came from (shown as such; the value never is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Environment,
    Keychain,
}

#[derive(Debug, Clone)]
enum Slot {
    Set(Sensitive<String>, Origin),
    NotSet,
    Unreadable(Arc<KeychainError>),
}

/// One resolved profile (or none) and its credentials.
#[derive(Debug, Clone)]
pub struct Workspace {
    profile: Option<Profile>,
    environment: Environment,
    /// The Clerk key is an `sk_live_` one: a production instance, whatever the label.
    live_key: bool,
    clerk_api_url: String,
    database: Option<String>,
    mapping: FieldMapping,
    clerk_key: Slot,
    mongodb_uri: Slot,
    webhook_secret: Slot,
}

/// Brings the settings of an earlier version (one database, secrets under bare keychain names)
/// into the profile `default`, once; the window and the CLI both call it at start.
pub async fn migrate_legacy(file: &ProfileFile, keychain: &Keychain) -> Result<(), WorkspaceError> {
    if !file.is_legacy()? {
        return Ok(());
    }
    match keychain.adopt_legacy("default").await {
        Ok(_) | Err(KeychainError::NotBuilt) => {}
        Err(e) => {
            tracing::warn!("the earlier version's secrets stay where they were: {e}");
            return Ok(());
        }
    }
    file.update(|_| Ok::<(), WorkspaceError>(()))
}

impl Workspace {
    /// Chooses the profile, reads what the environment does not give from the keychain.
    pub async fn open(
        file: &ProfileFile,
        keychain: &Keychain,
        overrides: Overrides,
    ) -> Result<Self, WorkspaceError> {
        let profiles = file.load()?;
        let profile = match &overrides.profile {
            Some(name) => Some(profiles.require(name)?.clone()),
            None => profiles.default_profile().cloned(),
        };
        let mut slots = [Slot::NotSet, Slot::NotSet, Slot::NotSet];
        let needs_keychain = SecretName::ALL
            .iter()
            .any(|n| overrides.secret(*n).is_none());
        // One blocking hop for the three entries, only when the environment leaves one unset.
        let stored = match &profile {
            Some(p) if needs_keychain => Some(keychain.get_all(&p.name).await.map_err(Arc::new)),
            _ => None,
        };
        for (slot, name) in slots.iter_mut().zip(SecretName::ALL) {
            *slot = match (overrides.secret(name), &stored) {
                (Some(value), _) => Slot::Set(value.clone(), Origin::Environment),
                (None, None) => Slot::NotSet,
                (None, Some(Err(e))) => Slot::Unreadable(e.clone()),
                (None, Some(Ok(all))) => match all.iter().find(|(n, _)| *n == name) {
                    Some((_, Some(value))) => Slot::Set(value.clone(), Origin::Keychain),
                    _ => Slot::NotSet,
                },
            };
        }
        Ok(Self::from_parts(profile, overrides, slots))
    }

    /// `slots` in `SecretName::ALL` order: the URI, the Clerk key, the webhook secret.
    fn from_parts(profile: Option<Profile>, overrides: Overrides, slots: [Slot; 3]) -> Self {
        let [mongodb_uri, clerk_key, webhook_secret] = slots;
        let key_says = match &clerk_key {
            Slot::Set(key, _) => Environment::of_clerk_key(key.expose()),
            _ => None,
        };
        let live_key = key_says == Some(Environment::Production);
        let environment = match (profile.as_ref().map(|p| p.environment), key_says) {
            // A live key is never treated as development, whatever the label says.
            (Some(Environment::Development) | None, Some(Environment::Production)) => {
                Environment::Production
            }
            (Some(env), _) => env,
            (None, _) => Environment::Development,
        };
        let saved_database = profile
            .as_ref()
            .map(|p| p.database.trim().to_string())
            .filter(|d| !d.is_empty());
        Self {
            environment,
            live_key,
            clerk_api_url: overrides
                .clerk_api_url
                .or_else(|| profile.as_ref().map(|p| p.clerk_api_url.clone()))
                .unwrap_or_else(|| crate::clerk::DEFAULT_BASE_URL.into()),
            database: overrides.database.or(saved_database),
            mapping: overrides
                .mapping
                .or_else(|| profile.as_ref().map(|p| p.mapping.clone()))
                .unwrap_or_default(),
            profile,
            clerk_key,
            mongodb_uri,
            webhook_secret,
        }
    }

    /// Whether `other` reads and writes the same place with the same credentials and rules (the
    /// profile as saved, the database, the mapping, the Clerk instance, every secret): a plan
    /// reviewed under one is only applied under the other when this holds.
    pub fn same_target(&self, other: &Workspace) -> bool {
        let value = |slot: &Slot| match slot {
            Slot::Set(v, _) => Some(v.expose().clone()),
            _ => None,
        };
        self.profile == other.profile
            && self.environment == other.environment
            && self.live_key == other.live_key
            && self.clerk_api_url == other.clerk_api_url
            && self.database == other.database
            && self.mapping == other.mapping
            && SecretName::ALL
                .iter()
                .all(|n| value(self.slot(*n)) == value(other.slot(*n)))
    }

    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_ref()
    }

    pub fn profile_name(&self) -> Option<&str> {
        self.profile.as_ref().map(|p| p.name.as_str())
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// Writes here need an explicit confirmation (the CLI's `--yes`, the profile name typed):
    /// a profile marked production, or any profile whose Clerk key is a live one.
    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production || self.live_key
    }

    /// `profile staging (production)`, `profile stage (staging, live Clerk key)`, or
    /// `the SYNCDESK_* variables (development)`.
    pub fn label(&self) -> String {
        let env = if self.live_key && self.environment != Environment::Production {
            format!("{}, live Clerk key", self.environment)
        } else {
            self.environment.to_string()
        };
        match self.profile_name() {
            Some(name) => format!("profile {name} ({env})"),
            None => format!("the SYNCDESK_* variables ({env})"),
        }
    }

    pub fn mapping(&self) -> &FieldMapping {
        &self.mapping
    }

    pub fn clerk_api_url(&self) -> &str {
        &self.clerk_api_url
    }

    pub fn listener(&self) -> ListenerSettings {
        self.profile
            .as_ref()
            .map(|p| p.listener.clone())
            .unwrap_or_default()
    }

    pub fn forward_url(&self) -> Option<&str> {
        self.profile.as_ref().and_then(|p| p.forward_url.as_deref())
    }

    pub fn database(&self) -> Result<&str, WorkspaceError> {
        self.database
            .as_deref()
            .ok_or_else(|| WorkspaceError::NoDatabase {
                profile: self.profile_name().map(str::to_string),
            })
    }

    /// Where each secret comes from, or `None` when it is not set (or cannot be read).
    pub fn secret_origins(&self) -> [(SecretName, Option<Origin>); 3] {
        SecretName::ALL.map(|name| {
            let origin = match self.slot(name) {
                Slot::Set(_, origin) => Some(*origin),
                _ => None,
            };
            (name, origin)
        })
    }

    fn slot(&self, name: SecretName) -> &Slot {
        match name {
            SecretName::MongodbUri => &self.mongodb_uri,
            SecretName::ClerkSecretKey => &self.clerk_key,
            SecretName::WebhookSecret => &self.webhook_secret,
        }
    }

    /// The secret, or what to do to set it.
    pub fn secret(&self, name: SecretName) -> Result<&Sensitive<String>, WorkspaceError> {
        match self.slot(name) {
            Slot::Set(value, _) => Ok(value),
            Slot::NotSet => Err(WorkspaceError::MissingSecret {
                secret: name,
                profile: self.profile_name().map(str::to_string),
            }),
            Slot::Unreadable(e) => Err(WorkspaceError::Keychain {
                secret: name,
                profile: self.profile_name().unwrap_or_default().to_string(),
                source: e.clone(),
            }),
        }
    }

    pub fn clerk_config(&self) -> Result<ClerkConfig, WorkspaceError> {
        let mut config = ClerkConfig::new(self.secret(SecretName::ClerkSecretKey)?.clone());
        config.base_url = self.clerk_api_url.clone();
        Ok(config)
    }

    pub fn clerk_client(&self) -> Result<ClerkClient, WorkspaceError> {
        Ok(ClerkClient::new(self.clerk_config()?)?)
    }

    /// Connects to the profile's users collection.
    pub async fn user_store(&self) -> Result<UserStore, WorkspaceError> {
        let uri = self.secret(SecretName::MongodbUri)?;
        let database = self.database()?;
        Ok(UserStore::connect(uri, database, self.mapping.clone()).await?)
    }

    pub fn signing_secret(&self) -> Result<SigningSecret, WorkspaceError> {
        Ok(SigningSecret::parse(
            self.secret(SecretName::WebhookSecret)?.expose(),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_key(profile: Option<Profile>, key: &str) -> Workspace {
        let slots = [
            Slot::NotSet,
            Slot::Set(Sensitive::new(key.into()), Origin::Keychain),
            Slot::NotSet,
        ];
        Workspace::from_parts(profile, Overrides::default(), slots)
    }

    #[test]
    fn a_live_key_is_never_development_but_a_chosen_staging_label_stays() {
        let dev = Profile::new("dev", Environment::Development);
        assert_eq!(
            with_key(Some(dev), "sk_live_x").environment(),
            Environment::Production,
            "a development label on a live key is a mistake the guard must not trust"
        );
        let staging = with_key(
            Some(Profile::new("stage", Environment::Staging)),
            "sk_live_x",
        );
        assert_eq!(
            staging.environment(),
            Environment::Staging,
            "staging was chosen on purpose and keeps its label"
        );
        assert!(
            staging.is_production(),
            "but a live key writes to a production instance: the guard applies"
        );
        assert_eq!(staging.label(), "profile stage (staging, live Clerk key)");
        assert_eq!(
            with_key(None, "sk_live_x").environment(),
            Environment::Production,
            "with no profile the key decides"
        );
        assert!(!with_key(None, "sk_test_x").is_production());
    }

    #[test]
    fn the_environment_overrides_the_profile() {
        let mut profile = Profile::new("dev", Environment::Development);
        profile.database = "saved".into();
        profile.clerk_api_url = "https://clerk.example.com/v1".into();
        let overrides = Overrides {
            database: Some("from_env".into()),
            ..Overrides::default()
        };
        let slots = [Slot::NotSet, Slot::NotSet, Slot::NotSet];
        let ws = Workspace::from_parts(Some(profile), overrides, slots);
        assert_eq!(ws.database().unwrap(), "from_env", "SYNCDESK_DATABASE wins");
        assert_eq!(
            ws.clerk_api_url(),
            "https://clerk.example.com/v1",
            "unset variables leave the profile's value"
        );
    }

    #[test]
    fn a_missing_secret_says_where_to_set_it() {
        let ws = Workspace::from_parts(
            Some(Profile::new("staging", Environment::Staging)),
            Overrides::default(),
            [Slot::NotSet, Slot::NotSet, Slot::NotSet],
        );
        let err = ws.clerk_client().unwrap_err().to_string();
        assert!(
            err.contains("profile \"staging\" has no Clerk secret key")
                && err.contains("syncdesk profile set-secret staging clerk-secret-key")
                && err.contains("SYNCDESK_CLERK_SECRET_KEY"),
            "names the profile, the window, the CLI and the variable: {err}"
        );
        let err = ws.database().unwrap_err().to_string();
        assert!(err.contains("names no database"), "{err}");
    }

    #[test]
    fn an_unreadable_keychain_is_reported_when_its_secret_is_needed() {
        let locked = Slot::Unreadable(Arc::new(KeychainError::Unavailable {
            reason: "locked".into(),
        }));
        let ws = Workspace::from_parts(
            Some(Profile::new("dev", Environment::Development)),
            Overrides::default(),
            [
                Slot::Set(Sensitive::new("mongodb://h".into()), Origin::Environment),
                locked,
                Slot::NotSet,
            ],
        );
        assert!(
            ws.secret(SecretName::MongodbUri).is_ok(),
            "the env URI works"
        );
        let err = ws.clerk_client().unwrap_err().to_string();
        assert!(
            err.contains("OS keychain") && err.contains("unlocked"),
            "says the keychain is the problem and how to fix it: {err}"
        );
    }
}
