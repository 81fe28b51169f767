//! Sync commands: preview (kept in the state), apply it with progress over a `Channel`, cancel.
//! Each is one call into the core's `workspace::sync`, the same one `syncdesk sync` makes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;

use crate::diff::{Category, Counts};
use crate::profile::Environment;
use crate::review::{Focus, ReviewPage, Subject};
use crate::sync::apply::{ApplyReport, Progress};
use crate::sync::plan::OpKind;
use crate::workspace::sync::{Confirmation, ConfirmationNeeded, SyncOptions};

use crate::desktop::error::CommandError;
use crate::desktop::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PreviewOptions {
    pub only: Vec<Category>,
    pub delete_orphans: bool,
    pub create_collection: bool,
    /// Only this user's operations in (a row's "Review the fix"); the rest left out.
    pub focus: Option<Subject>,
}

/// What the review shows before anything is written.
#[derive(Debug, Serialize)]
pub struct PreviewSummary {
    /// The review's id: paging, choices and the apply name it, so a newer review never has
    /// an older one's choices applied to it.
    pub review: u64,
    /// `profile prod (production)`: the confirmation the apply needs follows from it.
    pub label: String,
    pub production: bool,
    pub location: String,
    pub clerk_users: usize,
    pub db_users: usize,
    pub counts: Counts,
    /// Operations per kind (`create`, `update`, `link`, `deactivate`, `delete`).
    pub operations: BTreeMap<OpKind, usize>,
    pub new_collection: bool,
    /// Unique indexes the apply creates first (the review says so, and why).
    pub missing_indexes: Vec<String>,
    pub environment: Environment,
    /// What the window asks before it applies.
    pub confirmation: ConfirmationNeeded,
    /// The user a row asked the fix for: their operations, or why the plan skips them.
    pub focus: Option<Focus>,
    /// Operations left out at the start: users left out of syncs from their row.
    pub left_out: usize,
}

#[tauri::command]
pub async fn preview_sync(
    state: State<'_, AppState>,
    options: Option<PreviewOptions>,
) -> Result<PreviewSummary, CommandError> {
    let options = options.unwrap_or_default();
    let focus = options.focus.filter(|s| !s.is_empty());
    let options = SyncOptions {
        only: Some(options.only.into_iter().collect()),
        delete_orphans: options.delete_orphans,
        create_collection: options.create_collection,
    };
    let ws = state.workspace().await?;
    let preview = ws.preview(&options, |_| {}).await?;
    let mut operations = BTreeMap::new();
    for op in &preview.plan.ops {
        *operations.entry(op.kind()).or_insert(0) += 1;
    }
    let mut summary = PreviewSummary {
        review: 0,
        label: ws.label(),
        production: ws.is_production(),
        location: preview.location(),
        clerk_users: preview.snapshot.clerk.len(),
        db_users: preview.snapshot.db.len(),
        counts: preview.counts,
        operations,
        new_collection: preview.new_collection,
        missing_indexes: preview.missing_indexes.clone(),
        environment: ws.environment(),
        confirmation: ws.confirmation_needed(),
        focus: None,
        left_out: 0,
    };
    let kept = state
        .review
        .keep(ws, preview, &state.left_out(), focus)
        .await;
    (summary.review, summary.focus, summary.left_out) = (kept.id, kept.focus, kept.left_out);
    Ok(summary)
}

/// A screenful of the reviewed plan (`kind` absent: every kind), with the choices made.
#[tauri::command]
pub async fn review_rows(
    state: State<'_, AppState>,
    review: u64,
    kind: Option<OpKind>,
    offset: usize,
    limit: usize,
) -> Result<ReviewPage, CommandError> {
    state.review.page(review, kind, offset, limit).await
}

/// Includes or leaves out the operations at `indices`.
#[tauri::command]
pub async fn choose_ops(
    state: State<'_, AppState>,
    review: u64,
    indices: Vec<u32>,
    included: bool,
) -> Result<(), CommandError> {
    state.review.choose(review, &indices, None, included).await
}

/// Includes or leaves out every operation of `kind`.
#[tauri::command]
pub async fn choose_kind(
    state: State<'_, AppState>,
    review: u64,
    kind: OpKind,
    included: bool,
) -> Result<(), CommandError> {
    state.review.choose(review, &[], Some(kind), included).await
}

/// Applies the reviewed preview; `confirmation` is the profile's name typed (production only).
#[tauri::command]
pub async fn apply_sync(
    state: State<'_, AppState>,
    review: u64,
    confirmation: Option<String>,
    on_progress: Channel<Progress>,
) -> Result<ApplyReport, CommandError> {
    let confirmation = confirmation.map_or(Confirmation::None, Confirmation::Typed);
    state
        .apply_review(review, &confirmation, |p| {
            let _ = on_progress.send(p);
        })
        .await
}

/// Stops review `review`'s apply at the next batch boundary.
#[tauri::command]
pub async fn cancel_sync(state: State<'_, AppState>, review: u64) -> Result<(), CommandError> {
    state.review.cancel(review).await;
    Ok(())
}
