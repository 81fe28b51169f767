//! The `SYNCDESK_*` environment variables, read the one way every front end reads them: blank
//! counts as unset, values are trimmed, and a variable that is not UTF-8 is an error naming it.
//!
//! What they override (profiles, the keychain) is in `workspace.rs`.

/// Why a variable cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("environment variable {var} is not valid: {reason}")]
    BadEnv { var: &'static str, reason: String },
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
