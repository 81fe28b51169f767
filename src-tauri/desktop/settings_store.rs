//! Saving `Settings` with tauri-plugin-store: ONE value under ONE key, so what is saved is
//! exactly what is read back (no dotted paths into the store).
//!
//! The file lives in the app data directory (`$XDG_DATA_HOME/com.syncdesk.desktop/` on Linux);
//! debug builds use `settings-dev.json`, release builds `settings.json`. No secret is ever here.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::settings::Settings;

/// The one key the settings are kept under.
const KEY: &str = "settings";

/// Why the settings could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the settings file {path}: {reason}")]
    Open { path: String, reason: String },
    #[error(
        "the saved settings in {path} are not valid ({reason}); save them again to replace them"
    )]
    Invalid { path: String, reason: String },
    #[error("cannot write the settings file {path}: {reason}")]
    Write { path: String, reason: String },
}

/// The settings file of this build kind, relative to the app data directory.
pub fn file_for_this_build() -> PathBuf {
    PathBuf::from(if cfg!(debug_assertions) {
        "settings-dev.json"
    } else {
        "settings.json"
    })
}

/// The saved settings, or the defaults when nothing was saved yet.
pub fn load<R: Runtime>(app: &AppHandle<R>, file: &Path) -> Result<Settings, StoreError> {
    let store = app.store(file).map_err(|e| StoreError::Open {
        path: shown(file),
        reason: e.to_string(),
    })?;
    match store.get(KEY) {
        None => Ok(Settings::default()),
        Some(value) => serde_json::from_value(value).map_err(|e| StoreError::Invalid {
            path: shown(file),
            reason: e.to_string(),
        }),
    }
}

/// Replaces the saved settings and writes the file now.
pub fn save<R: Runtime>(
    app: &AppHandle<R>,
    file: &Path,
    settings: &Settings,
) -> Result<(), StoreError> {
    let write_error = |reason: String| StoreError::Write {
        path: shown(file),
        reason,
    };
    let store = app.store(file).map_err(|e| StoreError::Open {
        path: shown(file),
        reason: e.to_string(),
    })?;
    let value = serde_json::to_value(settings).map_err(|e| write_error(e.to_string()))?;
    store.set(KEY, value);
    store.save().map_err(|e| write_error(e.to_string()))
}

fn shown(file: &Path) -> String {
    file.display().to_string()
}
