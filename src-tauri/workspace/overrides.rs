//! What a run was started with, over any profile: the `SYNCDESK_*` variables and the CLI's flags.

use crate::mongo::FieldMapping;
use crate::secrets::{SecretName, Sensitive};
use crate::settings::{SettingsError, env_var};

/// Names the profile to use when `--profile` is not given.
pub const PROFILE_VAR: &str = "SYNCDESK_PROFILE";
pub const DATABASE_VAR: &str = "SYNCDESK_DATABASE";
pub const CLERK_API_URL_VAR: &str = "SYNCDESK_CLERK_API_URL";

/// What a run was started with, over any profile: flags, then `SYNCDESK_*` variables.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub database: Option<String>,
    pub mapping: Option<FieldMapping>,
    pub clerk_api_url: Option<String>,
    pub secrets: Vec<(SecretName, Sensitive<String>)>,
}

impl Overrides {
    /// The `SYNCDESK_*` variables; flags are set on the result by the CLI.
    pub fn from_env() -> Result<Self, SettingsError> {
        let mut secrets = Vec::new();
        for name in SecretName::ALL {
            if let Some(value) = env_var(name.env_var())? {
                secrets.push((name, Sensitive::new(value)));
            }
        }
        Ok(Self {
            profile: env_var(PROFILE_VAR)?,
            database: env_var(DATABASE_VAR)?,
            mapping: None,
            clerk_api_url: env_var(CLERK_API_URL_VAR)?,
            secrets,
        })
    }

    pub(super) fn secret(&self, name: SecretName) -> Option<&Sensitive<String>> {
        self.secrets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}
