//! Secret commands: write-only. The UI can set or clear a secret and learn whether it is set;
//! no command returns a value.

use std::collections::BTreeMap;

use tauri::State;

use crate::secrets::{SecretName, Sensitive};

use crate::desktop::error::CommandError;
use crate::desktop::state::AppState;

#[tauri::command]
pub async fn set_secret(
    state: State<'_, AppState>,
    name: SecretName,
    value: String,
) -> Result<(), CommandError> {
    state.set_secret(name, Sensitive::new(value)).await
}

#[tauri::command]
pub async fn clear_secret(
    state: State<'_, AppState>,
    name: SecretName,
) -> Result<(), CommandError> {
    state.clear_secret(name).await
}

/// `{"mongodb_uri": "set" | "not set", …}` for every secret, from the keychain.
#[tauri::command]
pub async fn secret_status(
    state: State<'_, AppState>,
) -> Result<BTreeMap<&'static str, &'static str>, CommandError> {
    let set = state.secrets().which_are_set().await?;
    Ok(set
        .into_iter()
        .map(|(name, set)| (name.as_str(), if set { "set" } else { "not set" }))
        .collect())
}
