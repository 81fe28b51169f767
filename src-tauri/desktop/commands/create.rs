//! The Create user view's commands: the form's fields (the mapping's), its checks as the person
//! types, the Clerk and database lookup by email, and the creation itself, all the core's.

use serde::Serialize;
use tauri::State;

use crate::sync::manual::{FieldProblem, Lookup, ManualUser, problems};
use crate::workspace::sync::{Confirmation, ConfirmationNeeded};

use crate::desktop::error::CommandError;
use crate::desktop::state::AppState;

/// What the form shows: the app-owned fields the profile's mapping names, and what a write here
/// must be confirmed with.
#[derive(Debug, Serialize)]
pub struct UserForm {
    pub label: String,
    pub fields: Vec<String>,
    pub confirmation: ConfirmationNeeded,
}

/// What was written, exactly.
#[derive(Debug, Serialize)]
pub struct CreatedUser {
    pub clerk_id: String,
    pub created_in_clerk: bool,
    pub user_id: Option<i64>,
    pub doc_id: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
}

#[tauri::command]
pub async fn user_form(state: State<'_, AppState>) -> Result<UserForm, CommandError> {
    let ws = state.workspace().await?;
    Ok(UserForm {
        label: ws.label(),
        fields: ws.mapping().app_fields.clone(),
        confirmation: ws.confirmation_needed(),
    })
}

/// Every problem of what was typed so far, each with its field (empty: it can be created).
#[tauri::command]
pub async fn check_user(
    state: State<'_, AppState>,
    input: ManualUser,
) -> Result<Vec<FieldProblem>, CommandError> {
    let ws = state.workspace().await?;
    Ok(problems(&input, &ws.mapping().app_fields))
}

/// Whether Clerk has a user with this email (whose id would be linked), and whether the
/// database already holds one.
#[tauri::command]
pub async fn lookup_email(
    state: State<'_, AppState>,
    email: String,
) -> Result<Lookup, CommandError> {
    let ws = state.workspace().await?;
    Ok(ws.lookup_email(&email).await?)
}

/// Creates the user, linked to its real Clerk user (created there first when `in_clerk`).
#[tauri::command]
pub async fn create_user(
    state: State<'_, AppState>,
    input: ManualUser,
    in_clerk: bool,
    confirmation: Option<String>,
) -> Result<CreatedUser, CommandError> {
    let ws = state.workspace().await?;
    let confirmation = confirmation.map_or(Confirmation::None, Confirmation::Typed);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let created = ws
        .create_user(&input, in_clerk, &confirmation, now_ms)
        .await?;
    Ok(CreatedUser {
        user_id: created.user.as_ref().and_then(|u| u.user_id),
        doc_id: created.user.as_ref().map(|u| u.doc_id.to_string()),
        email: created.user.as_ref().and_then(|u| u.email.clone()),
        username: created.user.as_ref().and_then(|u| u.username.clone()),
        clerk_id: created.clerk_id,
        created_in_clerk: created.created_in_clerk,
    })
}
