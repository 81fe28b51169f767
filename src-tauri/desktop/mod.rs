//! The window: Tauri wiring only. Commands live in `commands/`, state in `state.rs`.
//!
//! This is the only module that imports `tauri`, `tauri-plugin-store` and `keyring`.

pub mod commands;
pub mod error;
pub mod keyring_secrets;
pub mod settings_store;
pub mod state;

use anyhow::Context;
use tauri::{Builder, Runtime};

use keyring_secrets::KeyringSecrets;
use state::{AppState, Overrides};

/// Opens the window and runs until it is closed. `database` is the `--database` flag.
pub fn run(database: Option<&str>) -> anyhow::Result<()> {
    let overrides = Overrides::from_env(database)?;
    let state = AppState::new(
        KeyringSecrets::for_this_build(),
        settings_store::file_for_this_build(),
        overrides,
    );
    builder(Builder::default())
        .manage(state)
        .run(tauri::generate_context!())
        .context("running the Syncdesk window")
}

/// Plugins and commands, shared by the real app and the mock-runtime tests (which add their own
/// `AppState`).
pub fn builder<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::default().build())
        .invoke_handler(tauri::generate_handler![
            commands::users::list_db_users,
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::settings::session_overrides,
            commands::settings::test_connection,
            commands::secrets::set_secret,
            commands::secrets::clear_secret,
            commands::secrets::secret_status,
        ])
}
