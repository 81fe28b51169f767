//! The Users view's commands: read both sides (Clerk's progress over a `Channel`), then page
//! through the diff, open a row, and chart the missing users. The diff stays in Rust.

use std::sync::Arc;

use tauri::State;
use tauri::ipc::Channel;

use crate::clerk::Progress;
use crate::review::Subject;
use crate::table::Query;
use crate::table::chart::DayCount;
use crate::table::view::{RowsPage, TableSummary, TableView};

use crate::desktop::error::{Code, CommandError};
use crate::desktop::state::{AppState, RowDetail};

/// Reads Clerk and the database, diffs them and keeps the table. A sync's review is made by
/// `preview_sync` alone, so a Refresh never changes a plan under review.
#[tauri::command]
pub async fn read_diff(
    state: State<'_, AppState>,
    on_progress: Channel<Progress>,
) -> Result<TableSummary, CommandError> {
    let ws = state.workspace().await?;
    let mark = state.live_mark();
    let snapshot = ws
        .read(|p| {
            let _ = on_progress.send(p);
        })
        .await?;
    let read_at = now_ms();
    let table = blocking(move || TableView::new(Arc::new(snapshot), read_at)).await?;
    let summary = table.summary();
    state.keep_table(table);
    // Events the listener applied while this read ran may be missing from it.
    Ok(state.catch_up(mark).await.unwrap_or(summary))
}

/// `limit` rows of the diff as `query` filters and sorts it, from `offset`. On a blocking
/// thread: a new sort of a million rows takes a second or two, and neither the window nor the
/// other commands (an apply's progress, Cancel) may wait for it.
#[tauri::command]
pub async fn diff_rows(
    state: State<'_, AppState>,
    query: Query,
    offset: usize,
    limit: usize,
) -> Result<RowsPage, CommandError> {
    let table = state.table()?;
    blocking(move || table.rows(&query, offset, limit)).await
}

/// One row in full: both records side by side, every reason, whether it is left out.
#[tauri::command(async)]
pub fn diff_detail(state: State<'_, AppState>, row: u32) -> Result<RowDetail, CommandError> {
    state.detail(row)
}

/// Leaves a row's user out of syncs in this session (or brings them back): the next review
/// starts with their operations left out.
#[tauri::command]
pub fn leave_out_user(
    state: State<'_, AppState>,
    subject: Subject,
    left_out: bool,
) -> Result<(), CommandError> {
    state.leave_out(subject, left_out)
}

/// The missing users by sign-up day, the last 90 days of them at most.
#[tauri::command]
pub async fn missing_by_day(state: State<'_, AppState>) -> Result<Vec<DayCount>, CommandError> {
    let table = state.table()?;
    blocking(move || table.missing_by_day(90)).await
}

/// Runs table work on a blocking thread, off the main thread and the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(Code::Server, format!("The table could not be read: {e}")))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
