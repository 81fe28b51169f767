//! Settings commands: read and save the settings, see the session's overrides, test the
//! connection they describe.

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::settings::Settings;

use crate::desktop::error::CommandError;
use crate::desktop::state::{AppState, OverridesView};

/// Async so the first read of the settings file happens off the UI thread.
#[tauri::command(async)]
pub fn get_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Settings, CommandError> {
    state.settings(&app)
}

#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<(), CommandError> {
    state.save_settings(&app, settings).await
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
pub async fn test_connection<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<ConnectionReport, CommandError> {
    let store = state.reconnect(&app).await?;
    let documents = store.count().await?;
    Ok(ConnectionReport {
        location: store.location(),
        documents,
    })
}
