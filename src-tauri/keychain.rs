//! The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager) through `keyring`,
//! where each profile's secrets live, for the CLI and the window alike.
//!
//! An entry is the service `syncdesk` (release builds) or `syncdesk-dev` (debug builds, so a
//! developer's test secrets never replace a release's) and the account `PROFILE/SECRET`, e.g.
//! `staging/clerk_secret_key`. `SYNCDESK_KEYCHAIN_SERVICE` names another service (tests). Every
//! call runs on a blocking thread: keychain calls can wait on D-Bus or a password prompt, and must
//! never stall the window. A build without the `keychain` feature has none and says so.

use crate::secrets::{SecretName, Sensitive};

/// Names another keychain service than this build's own.
pub const SERVICE_VAR: &str = "SYNCDESK_KEYCHAIN_SERVICE";

/// Why the keychain could not be used; never carries a secret value.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error(
        "the OS keychain is not available ({reason}); {}, or set the SYNCDESK_* environment variables instead",
        how_to_fix()
    )]
    Unavailable { reason: String },
    #[error("the keychain entry for {name} is not valid text; clear it and set it again")]
    NotText { name: &'static str },
    #[error("the keychain refused {name}: {reason}")]
    Rejected { name: &'static str, reason: String },
    #[error(
        "the keychain holds several entries for {name}; remove the extra ones in your keychain app"
    )]
    Ambiguous { name: &'static str },
    #[error("the keychain call was interrupted: {reason}")]
    Interrupted { reason: String },
    #[error(
        "this build of Syncdesk has no keychain support (built without the `keychain` feature); \
         set the SYNCDESK_* environment variables instead, or use a build with the keychain"
    )]
    NotBuilt,
}

/// The keychain entries of one service name (one per build kind, or one per test).
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// `$SYNCDESK_KEYCHAIN_SERVICE`, else `syncdesk` for release builds and `syncdesk-dev` for
    /// debug builds.
    pub fn for_this_build() -> Self {
        match std::env::var(SERVICE_VAR) {
            Ok(service) if !service.trim().is_empty() => Self::new(service.trim()),
            _ => Self::new(service_for_build(cfg!(debug_assertions))),
        }
    }

    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// The secret, or `None` when it was never set (or was cleared).
    pub async fn get(
        &self,
        profile: &str,
        name: SecretName,
    ) -> Result<Option<Sensitive<String>>, KeychainError> {
        let (service, account) = (self.service.clone(), account(profile, name));
        blocking(move || platform::read(&service, &account, name)).await
    }

    pub async fn set(
        &self,
        profile: &str,
        name: SecretName,
        value: Sensitive<String>,
    ) -> Result<(), KeychainError> {
        let (service, account) = (self.service.clone(), account(profile, name));
        blocking(move || platform::write(&service, &account, name, value.expose())).await
    }

    /// Removes the secret; clearing one that is not set is not an error.
    pub async fn clear(&self, profile: &str, name: SecretName) -> Result<(), KeychainError> {
        let (service, account) = (self.service.clone(), account(profile, name));
        blocking(move || platform::delete(&service, &account, name)).await
    }

    /// Every secret of a profile, in `SecretName::ALL` order (one blocking call for the three).
    pub async fn get_all(
        &self,
        profile: &str,
    ) -> Result<Vec<(SecretName, Option<Sensitive<String>>)>, KeychainError> {
        let service = self.service.clone();
        let accounts = SecretName::ALL.map(|name| (name, account(profile, name)));
        blocking(move || {
            accounts
                .into_iter()
                .map(|(name, account)| Ok((name, platform::read(&service, &account, name)?)))
                .collect()
        })
        .await
    }

    /// Which secrets of a profile are set, in `SecretName::ALL` order; values are never returned.
    pub async fn which_are_set(
        &self,
        profile: &str,
    ) -> Result<Vec<(SecretName, bool)>, KeychainError> {
        Ok(self
            .get_all(profile)
            .await?
            .into_iter()
            .map(|(name, value)| (name, value.is_some()))
            .collect())
    }

    /// Moves the secrets an earlier version kept under the bare account names (`mongodb_uri`, …)
    /// to `profile`'s accounts, unless that profile already has its own. Returns how many moved.
    pub async fn adopt_legacy(&self, profile: &str) -> Result<usize, KeychainError> {
        let mut moved = 0;
        for name in SecretName::ALL {
            let service = self.service.clone();
            let legacy = name.as_str().to_string();
            let Some(value) = blocking(move || platform::read(&service, &legacy, name)).await?
            else {
                continue;
            };
            if self.get(profile, name).await?.is_none() {
                self.set(profile, name, value).await?;
                moved += 1;
            }
            let service = self.service.clone();
            let legacy = name.as_str().to_string();
            blocking(move || platform::delete(&service, &legacy, name)).await?;
        }
        Ok(moved)
    }

    /// Removes every secret of a profile (when the profile is removed).
    pub async fn clear_all(&self, profile: &str) -> Result<(), KeychainError> {
        for name in SecretName::ALL {
            self.clear(profile, name).await?;
        }
        Ok(())
    }
}

/// What makes this platform's keychain available.
fn how_to_fix() -> &'static str {
    if cfg!(target_os = "macos") {
        "unlock the login keychain (Keychain Access) and allow Syncdesk when asked"
    } else if cfg!(target_os = "windows") {
        "sign in to Windows with your own account so Credential Manager is available"
    } else {
        "on Linux a Secret Service (GNOME Keyring or KWallet) must be running and unlocked"
    }
}

/// `staging/clerk_secret_key`: profile names hold no `/`, so accounts never collide.
fn account(profile: &str, name: SecretName) -> String {
    format!("{profile}/{}", name.as_str())
}

async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, KeychainError> + Send + 'static,
) -> Result<T, KeychainError> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|e| KeychainError::Interrupted {
            reason: e.to_string(),
        })?
}

#[cfg(feature = "keychain")]
mod platform {
    use super::{KeychainError, convert};
    use crate::secrets::{SecretName, Sensitive};

    pub fn read(
        service: &str,
        account: &str,
        name: SecretName,
    ) -> Result<Option<Sensitive<String>>, KeychainError> {
        match entry(service, account, name)?.get_password() {
            Ok(value) => Ok(Some(Sensitive::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(convert(e, name)),
        }
    }

    pub fn write(
        service: &str,
        account: &str,
        name: SecretName,
        value: &str,
    ) -> Result<(), KeychainError> {
        entry(service, account, name)?
            .set_password(value)
            .map_err(|e| convert(e, name))
    }

    pub fn delete(service: &str, account: &str, name: SecretName) -> Result<(), KeychainError> {
        match entry(service, account, name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(convert(e, name)),
        }
    }

    fn entry(
        service: &str,
        account: &str,
        name: SecretName,
    ) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(service, account).map_err(|e| convert(e, name))
    }
}

/// A build without the keychain: every call says so, nothing is kept anywhere else.
#[cfg(not(feature = "keychain"))]
mod platform {
    use super::KeychainError;
    use crate::secrets::{SecretName, Sensitive};

    pub fn read(
        _service: &str,
        _account: &str,
        _name: SecretName,
    ) -> Result<Option<Sensitive<String>>, KeychainError> {
        Err(KeychainError::NotBuilt)
    }

    pub fn write(
        _service: &str,
        _account: &str,
        _name: SecretName,
        _value: &str,
    ) -> Result<(), KeychainError> {
        Err(KeychainError::NotBuilt)
    }

    pub fn delete(_service: &str, _account: &str, _name: SecretName) -> Result<(), KeychainError> {
        Err(KeychainError::NotBuilt)
    }
}

/// Our error for a keyring error; the bytes of a badly encoded secret are dropped, not shown.
#[cfg(feature = "keychain")]
fn convert(err: keyring::Error, name: SecretName) -> KeychainError {
    let name = name.as_str();
    match err {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
            KeychainError::Unavailable {
                reason: e.to_string(),
            }
        }
        keyring::Error::BadEncoding(_) => KeychainError::NotText { name },
        keyring::Error::TooLong(attr, limit) => KeychainError::Rejected {
            name,
            reason: format!("{attr} is longer than {limit}"),
        },
        keyring::Error::Invalid(attr, reason) => KeychainError::Rejected {
            name,
            reason: format!("{attr}: {reason}"),
        },
        keyring::Error::Ambiguous(_) => KeychainError::Ambiguous { name },
        // `NoEntry` is handled by the callers; any future variant is reported as unavailable.
        other => KeychainError::Unavailable {
            reason: other.to_string(),
        },
    }
}

/// The keychain service name of a build kind.
fn service_for_build(debug: bool) -> &'static str {
    if debug { "syncdesk-dev" } else { "syncdesk" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_release_builds_keep_separate_secrets() {
        assert_eq!(
            service_for_build(false),
            "syncdesk",
            "release builds use the product name"
        );
        assert_eq!(
            service_for_build(true),
            "syncdesk-dev",
            "dev builds must not touch release secrets"
        );
    }

    #[test]
    fn each_profile_has_its_own_accounts() {
        assert_eq!(
            account("staging", SecretName::ClerkSecretKey),
            "staging/clerk_secret_key"
        );
        assert_ne!(
            account("a", SecretName::WebhookSecret),
            account("b", SecretName::WebhookSecret),
            "two profiles never share a secret"
        );
    }

    #[cfg(feature = "keychain")]
    #[test]
    fn a_badly_encoded_secret_is_not_echoed() {
        let err = convert(
            keyring::Error::BadEncoding(b"hunter2\xff".to_vec()),
            SecretName::MongodbUri,
        );
        assert!(
            !format!("{err} {err:?}").contains("hunter"),
            "the raw bytes are the secret: {err:?}"
        );
    }
}
