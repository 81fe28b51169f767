//! The settings model: what Syncdesk needs to know besides secrets, and where it comes from.
//!
//! Secrets (the MongoDB URI, the Clerk key, the webhook secret) are not here: they live in the
//! OS keychain or in `SYNCDESK_*` environment variables. Persistence is the desktop's job.

use serde::{Deserialize, Serialize};

use crate::mongo::FieldMapping;
use crate::secrets::{SecretName, Sensitive};

/// Everything but the secrets, as saved by the window and read by the CLI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// The database holding the users collection.
    pub database: String,
    pub mapping: FieldMapping,
}

/// Why the settings cannot be used yet.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("{what} is not set: {how}")]
    Missing {
        what: &'static str,
        how: &'static str,
    },
    #[error("environment variable {var} is not valid: {reason}")]
    BadEnv { var: &'static str, reason: String },
}

/// Where to find the users: a connection string (secret) and a database name.
#[derive(Debug, Clone)]
pub struct DatabaseTarget {
    pub uri: Sensitive<String>,
    pub database: String,
}

impl DatabaseTarget {
    /// From `SYNCDESK_MONGODB_URI` and `SYNCDESK_DATABASE` (or the `--database` override).
    /// Returns `Ok(None)` when the URI variable is not set at all.
    pub fn from_env(database_override: Option<&str>) -> Result<Option<Self>, SettingsError> {
        let Some(uri) = env_var(SecretName::MongodbUri.env_var())? else {
            return Ok(None);
        };
        let database = match database_override {
            Some(d) => d.to_string(),
            None => env_var("SYNCDESK_DATABASE")?.ok_or(SettingsError::Missing {
                what: "the database name",
                how: "set SYNCDESK_DATABASE or pass --database",
            })?,
        };
        Ok(Some(Self {
            uri: Sensitive::new(uri),
            database,
        }))
    }
}

/// A non-empty environment variable, or `None`.
pub fn env_var(var: &'static str) -> Result<Option<String>, SettingsError> {
    match std::env::var(var) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v.trim().to_string())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(SettingsError::BadEnv {
            var,
            reason: "not valid UTF-8".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_json_and_fill_defaults() {
        let settings = Settings {
            database: "app".into(),
            ..Settings::default()
        };
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(serde_json::from_str::<Settings>(&json).unwrap(), settings);
        let partial: Settings = serde_json::from_str(r#"{"database":"x"}"#).unwrap();
        assert_eq!(
            partial.mapping,
            FieldMapping::default(),
            "a missing mapping is the default one"
        );
    }
}
