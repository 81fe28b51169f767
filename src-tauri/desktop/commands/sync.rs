//! Sync commands: preview (kept in the state), apply it with progress over a `Channel`, cancel.
//! Each is one call into the core's `workspace::sync`, the same one `syncdesk sync` makes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;

use crate::diff::{Category, Counts};
use crate::sync::apply::{ApplyReport, Progress};
use crate::workspace::sync::{Confirmation, SyncOptions};

use crate::desktop::error::CommandError;
use crate::desktop::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PreviewOptions {
    pub only: Vec<Category>,
    pub delete_orphans: bool,
    pub create_collection: bool,
}

/// What the review shows before anything is written.
#[derive(Debug, Serialize)]
pub struct PreviewSummary {
    /// `profile prod (production)`: the confirmation the apply needs follows from it.
    pub label: String,
    pub production: bool,
    pub location: String,
    pub clerk_users: usize,
    pub db_users: usize,
    pub counts: Counts,
    /// Operations per kind (`create`, `update`, `link`, `deactivate`, `delete`).
    pub operations: BTreeMap<&'static str, usize>,
    pub new_collection: bool,
    /// Unique indexes the apply creates first (the review says so, and why).
    pub missing_indexes: Vec<String>,
}

#[tauri::command]
pub async fn preview_sync(
    state: State<'_, AppState>,
    options: Option<PreviewOptions>,
) -> Result<PreviewSummary, CommandError> {
    let options = options.unwrap_or_default();
    let options = SyncOptions {
        only: Some(options.only.into_iter().collect()),
        delete_orphans: options.delete_orphans,
        create_collection: options.create_collection,
    };
    let ws = state.workspace().await?;
    let preview = ws.preview(&options, |_| {}).await?;
    let mut operations = BTreeMap::new();
    for op in &preview.plan.ops {
        *operations.entry(op.name()).or_insert(0) += 1;
    }
    let summary = PreviewSummary {
        label: ws.label(),
        production: ws.is_production(),
        location: preview.location(),
        clerk_users: preview.snapshot.clerk.len(),
        db_users: preview.snapshot.db.len(),
        counts: preview.counts,
        operations,
        new_collection: preview.new_collection,
        missing_indexes: preview.missing_indexes.clone(),
    };
    state.keep_preview(ws, preview).await;
    Ok(summary)
}

/// Applies the reviewed preview; `confirmation` is the profile's name typed (production only).
#[tauri::command]
pub async fn apply_sync(
    state: State<'_, AppState>,
    confirmation: Option<String>,
    on_progress: Channel<Progress>,
) -> Result<ApplyReport, CommandError> {
    let confirmation = confirmation.map_or(Confirmation::None, Confirmation::Typed);
    state
        .apply_preview(&confirmation, |p| {
            let _ = on_progress.send(p);
        })
        .await
}

/// Stops a running apply at the next batch boundary.
#[tauri::command]
pub fn cancel_sync(state: State<'_, AppState>) {
    state.cancel_apply();
}
