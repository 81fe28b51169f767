//! The Users view's commands: read both sides (Clerk's progress over a `Channel`), then page
//! through the diff, open a row, and chart the missing users. The diff stays in Rust.

use std::sync::Arc;

use tauri::State;
use tauri::ipc::Channel;

use crate::clerk::Progress;
use crate::table::Query;
use crate::table::chart::DayCount;
use crate::table::detail::Detail;
use crate::table::view::{RowsPage, TableSummary, TableView};
use crate::workspace::sync::SyncOptions;

use crate::desktop::error::CommandError;
use crate::desktop::state::AppState;

/// Reads Clerk and the database, diffs them and keeps the table. A sync's review is made by
/// `preview_sync` alone, so a Refresh never changes a plan under review.
#[tauri::command]
pub async fn read_diff(
    state: State<'_, AppState>,
    on_progress: Channel<Progress>,
) -> Result<TableSummary, CommandError> {
    let ws = state.workspace().await?;
    let preview = ws
        .preview(&SyncOptions::default(), |p| {
            let _ = on_progress.send(p);
        })
        .await?;
    let table = TableView::new(Arc::clone(&preview.snapshot), now_ms());
    let summary = table.summary();
    state.keep_table(table);
    Ok(summary)
}

/// `limit` rows of the diff as `query` filters and sorts it, from `offset`.
#[tauri::command]
pub fn diff_rows(
    state: State<'_, AppState>,
    query: Query,
    offset: usize,
    limit: usize,
) -> Result<RowsPage, CommandError> {
    Ok(state.table()?.rows(&query, offset, limit))
}

/// One row in full: both records side by side and every reason.
#[tauri::command]
pub fn diff_detail(state: State<'_, AppState>, row: u32) -> Result<Detail, CommandError> {
    state
        .table()?
        .detail(row)
        .ok_or_else(CommandError::stale_row)
}

/// The missing users by sign-up day, the last 90 days of them at most.
#[tauri::command]
pub fn missing_by_day(state: State<'_, AppState>) -> Result<Vec<DayCount>, CommandError> {
    Ok(state.table()?.missing_by_day(90))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
