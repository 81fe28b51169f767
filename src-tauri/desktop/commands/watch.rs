//! The watch: the window re-reads both sides every few minutes (the profile's "watch" setting,
//! off by default) and raises a desktop notification when users newly go missing or orphaned.

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::table::view::{TableSummary, TableView};
use crate::watch::Newly;

use crate::desktop::error::{Code, CommandError};
use crate::desktop::state::AppState;

/// Overrides the profile's interval, in seconds (for tests and demos).
const SECONDS_VAR: &str = "SYNCDESK_WATCH_SECONDS";

/// How often the page should ask for a check; `None`: the watch is off.
#[derive(Debug, Serialize)]
pub struct WatchSettings {
    pub interval_secs: Option<u64>,
}

#[tauri::command]
pub async fn watch_settings(state: State<'_, AppState>) -> Result<WatchSettings, CommandError> {
    let from_env = std::env::var(SECONDS_VAR)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let minutes = state.active_profile()?.watch_minutes;
    Ok(WatchSettings {
        interval_secs: from_env
            .filter(|s| *s > 0)
            .or_else(|| minutes.map(|m| u64::from(m) * 60)),
    })
}

/// One check: what it read, what is new since the read before, whether a notification went out.
#[derive(Debug, Serialize)]
pub struct WatchReport {
    pub summary: TableSummary,
    pub newly: Newly,
    pub notified: bool,
}

/// Reads both sides again, keeps the table (the Users view shows it), and notifies when users
/// went newly missing or orphaned since the last read.
#[tauri::command]
pub async fn watch_check<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<WatchReport, CommandError> {
    let ws = state.workspace().await?;
    let before = state.table().ok().map(|t| t.watched());
    let mark = state.live_mark();
    let snapshot = ws.read(|_| {}).await?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let table = tauri::async_runtime::spawn_blocking(move || {
        TableView::new(std::sync::Arc::new(snapshot), now_ms)
    })
    .await
    .map_err(|e| CommandError::new(Code::Server, format!("The table could not be built: {e}")))?;
    let newly = before
        .map(|before| Newly::between(&before, &table.watched()))
        .unwrap_or_default();
    let summary = table.summary();
    state.keep_table(table);
    let summary = state.catch_up(mark).await.unwrap_or(summary);
    let notified = match newly.message(&ws.label()) {
        Some((title, body)) => notify(&app, &title, &body),
        None => false,
    };
    Ok(WatchReport {
        summary,
        newly,
        notified,
    })
}

/// Shows a desktop notification; `false` when the plugin is not there (the mock runtime's
/// tests) or the platform refused it.
fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) -> bool {
    let Some(notification) = app.try_state::<tauri_plugin_notification::Notification<R>>() else {
        return false;
    };
    match notification.builder().title(title).body(body).show() {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!("the desktop notification could not be shown: {err}");
            false
        }
    }
}
