//! Settings commands: the profile in use (read, save), the session's overrides, a connection
//! test.

use serde::Serialize;
use tauri::State;

use crate::profile::Profile;

use crate::desktop::error::CommandError;
use crate::desktop::state::{AppState, OverridesView};

/// The profile in use, or a new `default` one when none is saved yet.
#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Result<Profile, CommandError> {
    state.active_profile()
}

/// Saves the database and mapping of the profile in use (creating it when none is saved yet).
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: Profile,
) -> Result<(), CommandError> {
    state.save_settings(settings).await
}

/// What this session was started with (`SYNCDESK_*`, `--database`), shown beside the form.
#[tauri::command]
pub fn session_overrides(state: State<'_, AppState>) -> OverridesView {
    state.overrides()
}

/// A successful connection: where, and how many documents the users collection holds.
#[derive(Debug, Serialize)]
pub struct ConnectionReport {
    pub location: String,
    pub documents: u64,
}

#[tauri::command]
pub async fn test_connection(state: State<'_, AppState>) -> Result<ConnectionReport, CommandError> {
    let store = state.reconnect().await?;
    let documents = store.count().await?;
    Ok(ConnectionReport {
        location: store.location(),
        documents,
    })
}
