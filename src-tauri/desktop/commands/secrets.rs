//! Secret commands: write-only. The UI can set or clear a secret of a profile and learn whether
//! it is set; no command returns a value.

use std::collections::BTreeMap;

use tauri::State;

use crate::secrets::{SecretName, Sensitive};

use crate::desktop::error::CommandError;
use crate::desktop::state::AppState;

/// `profile` absent: the profile in use (the first secret set with no profile creates `default`).
#[tauri::command]
pub async fn set_secret(
    state: State<'_, AppState>,
    name: SecretName,
    value: String,
    profile: Option<String>,
) -> Result<(), CommandError> {
    state.set_secret(profile, name, Sensitive::new(value)).await
}

#[tauri::command]
pub async fn clear_secret(
    state: State<'_, AppState>,
    name: SecretName,
    profile: Option<String>,
) -> Result<(), CommandError> {
    state.clear_secret(profile, name).await
}

/// `{"mongodb_uri": "set" | "not set", …}` for every secret of a profile, from the keychain.
#[tauri::command]
pub async fn secret_status(
    state: State<'_, AppState>,
    profile: Option<String>,
) -> Result<BTreeMap<&'static str, &'static str>, CommandError> {
    let Some(profile) = profile.or(state.active_name()?) else {
        return Ok(SecretName::ALL
            .into_iter()
            .map(|name| (name.as_str(), "not set"))
            .collect());
    };
    let set = state.keychain().which_are_set(&profile).await?;
    Ok(set
        .into_iter()
        .map(|(name, set)| (name.as_str(), if set { "set" } else { "not set" }))
        .collect())
}
