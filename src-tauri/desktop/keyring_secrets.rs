//! The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager) through `keyring`.
//!
//! Debug builds use their own service name (`syncdesk-dev`), so a developer's test secrets never
//! replace the ones a release build uses. Every call runs on a blocking thread: keychain calls
//! can wait on D-Bus or a password prompt, and must never stall the UI thread.

use crate::secrets::{SecretName, Sensitive};

/// Why the keychain could not be used; never carries a secret value.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error(
        "the OS keychain is not available ({reason}); on Linux a Secret Service (GNOME Keyring or \
         KWallet) must be running and unlocked"
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
}

/// The keychain entries of one service name (one per build kind, or one per test).
#[derive(Debug, Clone)]
pub struct KeyringSecrets {
    service: String,
}

impl KeyringSecrets {
    /// `syncdesk` for release builds, `syncdesk-dev` for debug builds.
    pub fn for_this_build() -> Self {
        Self::new(service_for_build(cfg!(debug_assertions)))
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
    pub async fn get(&self, name: SecretName) -> Result<Option<Sensitive<String>>, KeychainError> {
        let service = self.service.clone();
        blocking(move || read(&service, name)).await
    }

    pub async fn set(
        &self,
        name: SecretName,
        value: Sensitive<String>,
    ) -> Result<(), KeychainError> {
        let service = self.service.clone();
        blocking(move || {
            entry(&service, name)?
                .set_password(value.expose())
                .map_err(|e| convert(e, name))
        })
        .await
    }

    /// Removes the secret; clearing one that is not set is not an error.
    pub async fn clear(&self, name: SecretName) -> Result<(), KeychainError> {
        let service = self.service.clone();
        blocking(move || match entry(&service, name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(convert(e, name)),
        })
        .await
    }

    /// Which secrets are set, in `SecretName::ALL` order; values are read but never returned.
    pub async fn which_are_set(&self) -> Result<Vec<(SecretName, bool)>, KeychainError> {
        let service = self.service.clone();
        blocking(move || {
            SecretName::ALL
                .into_iter()
                .map(|name| Ok((name, read(&service, name)?.is_some())))
                .collect()
        })
        .await
    }
}

fn read(service: &str, name: SecretName) -> Result<Option<Sensitive<String>>, KeychainError> {
    match entry(service, name)?.get_password() {
        Ok(value) => Ok(Some(Sensitive::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(convert(e, name)),
    }
}

fn entry(service: &str, name: SecretName) -> Result<keyring::Entry, KeychainError> {
    keyring::Entry::new(service, name.as_str()).map_err(|e| convert(e, name))
}

async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, KeychainError> + Send + 'static,
) -> Result<T, KeychainError> {
    tauri::async_runtime::spawn_blocking(call)
        .await
        .map_err(|e| KeychainError::Interrupted {
            reason: e.to_string(),
        })?
}

/// Our error for a keyring error; the bytes of a badly encoded secret are dropped, not shown.
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
