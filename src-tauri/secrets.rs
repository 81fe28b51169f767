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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

    /// The environment variable that overrides the keychain, for scripts and CI.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::MongodbUri => "SYNCDESK_MONGODB_URI",
            Self::ClerkSecretKey => "SYNCDESK_CLERK_SECRET_KEY",
            Self::WebhookSecret => "SYNCDESK_WEBHOOK_SECRET",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
