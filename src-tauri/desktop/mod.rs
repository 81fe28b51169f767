//! The window: Tauri wiring only. Commands live in `commands/`, state in `state.rs`.
//!
//! This is the only module that imports `tauri`. Profiles are read and written through the core's
//! `ProfileFile` (the CLI's code), not through `tauri-plugin-store`: the plugin keeps a cached copy
//! and saves it, unlocked, when the app exits, which would undo a `syncdesk profile` change made
//! while the window was open.

pub mod commands;
pub mod error;
pub mod rendering;
pub mod reviewed;
pub mod state;

use anyhow::Context;
use tauri::{Builder, Manager, Runtime};

use crate::keychain::Keychain;
use crate::profile::file::ProfileFile;
use crate::workspace::Overrides;
use state::AppState;

/// Opens the window and runs until it is closed, over the session's overrides (the
/// `SYNCDESK_*` variables and the `--profile`, `--database` and `--mapping` flags).
pub fn run(overrides: Overrides) -> anyhow::Result<()> {
    let (file, keychain) = (ProfileFile::for_this_build()?, Keychain::for_this_build());
    tauri::async_runtime::block_on(crate::workspace::migrate_legacy(&file, &keychain))?;
    let state = AppState::new(file, keychain, overrides);
    builder(Builder::default())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .setup(|app| {
            match app.get_webview_window("main") {
                Some(window) => rendering::apply(&window),
                None => tracing::warn!("no main window to draw: tauri.conf.json names it `main`"),
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .context("running the Syncdesk window")
}

/// Commands, shared by the real app and the mock-runtime tests (which add their own `AppState`).
pub fn builder<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::users::list_db_users,
        commands::create::user_form,
        commands::create::check_user,
        commands::create::lookup_email,
        commands::create::create_user,
        commands::diff::read_diff,
        commands::diff::diff_rows,
        commands::diff::diff_detail,
        commands::diff::leave_out_user,
        commands::diff::missing_by_day,
        commands::settings::get_settings,
        commands::settings::save_settings,
        commands::settings::session_overrides,
        commands::settings::test_connection,
        commands::profiles::list_profiles,
        commands::profiles::get_profile,
        commands::profiles::save_profile,
        commands::profiles::remove_profile,
        commands::profiles::choose_profile,
        commands::profiles::test_profile,
        commands::sync::preview_sync,
        commands::sync::apply_sync,
        commands::sync::cancel_sync,
        commands::sync::review_rows,
        commands::sync::choose_ops,
        commands::sync::choose_kind,
        commands::secrets::set_secret,
        commands::secrets::clear_secret,
        commands::secrets::secret_status,
        commands::webhooks::listener_status,
        commands::webhooks::start_listener,
        commands::webhooks::stop_listener,
        commands::webhooks::delivery_detail,
        commands::webhooks::send_test_event,
        commands::webhooks::check_backend,
        commands::watch::watch_settings,
        commands::watch::watch_check,
    ])
}
