//! Secret values (database URI, Clerk key, webhook secret) that must never be printed.
//!
//! `Sensitive<T>` shows `<redacted>` under `Debug` and `Display` and does not implement
//! `Serialize`, so a secret cannot end up in a log line, an error, a snapshot or the UI by accident.

use std::fmt;

/// A value that must never be shown. Read it with [`Sensitive::expose`], on purpose.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself: call this only where the value is handed to the party that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// The secrets Syncdesk keeps, by the name they have in the OS keychain.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum SecretName {
    MongodbUri,
    ClerkSecretKey,
    WebhookSecret,
}

impl SecretName {
    pub const ALL: [SecretName; 3] = [Self::MongodbUri, Self::ClerkSecretKey, Self::WebhookSecret];

    /// The keychain account name (and the name the UI uses).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MongodbUri => "mongodb_uri",
            Self::ClerkSecretKey => "clerk_secret_key",
            Self::WebhookSecret => "webhook_secret",
        }
    }

    /// How the CLI names it: `syncdesk profile set-secret NAME clerk-secret-key`.
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::MongodbUri => "mongodb-uri",
            Self::ClerkSecretKey => "clerk-secret-key",
            Self::WebhookSecret => "webhook-secret",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::MongodbUri => "MongoDB URI",
            Self::ClerkSecretKey => "Clerk secret key",
            Self::WebhookSecret => "webhook signing secret",
        }
    }

    /// The environment variable that overrides the keychain, for scripts and CI.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::MongodbUri => "SYNCDESK_MONGODB_URI",
            Self::ClerkSecretKey => "SYNCDESK_CLERK_SECRET_KEY",
            Self::WebhookSecret => "SYNCDESK_WEBHOOK_SECRET",
        }
    }
}

/// Why a value cannot be that secret; the value itself is never repeated.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the {0} is empty; clear the secret instead to remove it")]
    Empty(&'static str),
    #[error("a MongoDB URI starts with mongodb:// or mongodb+srv://")]
    NotMongodb,
    #[error(
        "a Clerk secret key starts with sk_test_ (development) or sk_live_ (production); copy it from the Clerk Dashboard, API keys"
    )]
    NotClerkKey,
    #[error(
        "the {0} holds a space or a character it never has: did the paste pick up more than the value? Copy it again"
    )]
    StrayCharacters(&'static str),
    #[error(transparent)]
    Webhook(#[from] crate::webhook::VerifyError),
}

/// Checks a value before it is kept, and returns it trimmed.
pub fn check(name: SecretName, value: &str) -> Result<Sensitive<String>, SecretError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(SecretError::Empty(name.label()));
    }
    match name {
        SecretName::MongodbUri
            if !(value.starts_with("mongodb://") || value.starts_with("mongodb+srv://")) =>
        {
            return Err(SecretError::NotMongodb);
        }
        SecretName::ClerkSecretKey
            if !(value.starts_with("sk_test_") || value.starts_with("sk_live_"))
                || value.len() <= 8 =>
        {
            return Err(SecretError::NotClerkKey);
        }
        SecretName::ClerkSecretKey if !value[8..].bytes().all(|b| b.is_ascii_alphanumeric()) => {
            return Err(SecretError::StrayCharacters(name.label()));
        }
        SecretName::MongodbUri if value.chars().any(char::is_whitespace) => {
            return Err(SecretError::StrayCharacters(name.label()));
        }
        SecretName::WebhookSecret => {
            if !value.starts_with("whsec_") {
                return Err(crate::webhook::VerifyError::InvalidSecret(
                    "it does not start with whsec_",
                )
                .into());
            }
            crate::webhook::SigningSecret::parse(value)?;
        }
        _ => {}
    }
    Ok(Sensitive::new(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_for_their_shape_without_being_echoed() {
        let err = check(SecretName::MongodbUri, "postgres://u:hunter2@h").unwrap_err();
        assert_eq!(err, SecretError::NotMongodb);
        assert!(!err.to_string().contains("hunter2"));
        assert_eq!(
            check(SecretName::ClerkSecretKey, "pk_test_abc").unwrap_err(),
            SecretError::NotClerkKey,
            "a publishable key is not the secret key"
        );
        assert!(
            check(SecretName::WebhookSecret, "whsec_not base64!").is_err(),
            "whsec_ must be followed by base64"
        );
        assert!(
            check(
                SecretName::WebhookSecret,
                "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            )
            .is_err()
        );
        assert_eq!(
            check(
                SecretName::WebhookSecret,
                " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "
            )
            .unwrap()
            .expose(),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "kept trimmed"
        );
        assert_eq!(
            check(SecretName::ClerkSecretKey, "sk_test_abc def").unwrap_err(),
            SecretError::StrayCharacters("Clerk secret key"),
            "a key with a space (two pasted values) is refused, not kept"
        );
        assert_eq!(
            check(SecretName::MongodbUri, "mongodb://h/ MONGO_DB=x").unwrap_err(),
            SecretError::StrayCharacters("MongoDB URI"),
            "a URI with a space in it is two values pasted"
        );
        assert_eq!(
            check(SecretName::MongodbUri, "  ").unwrap_err(),
            SecretError::Empty("MongoDB URI")
        );
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Sensitive::new("mongodb://admin:hunter2@db.example.com".to_string());
        assert_eq!(
            format!("{secret:?}"),
            "<redacted>",
            "Debug must hide the secret"
        );
        assert_eq!(
            format!("{secret}"),
            "<redacted>",
            "Display must hide the secret"
        );
        assert!(
            secret.expose().contains("hunter2"),
            "expose gives the real value back"
        );
    }
}
