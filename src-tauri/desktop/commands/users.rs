//! `list_db_users`: the database's users for the Users view.

use serde::Serialize;
use tauri::State;

use crate::user::DbUser;

use crate::desktop::error::CommandError;
use crate::desktop::state::AppState;

/// The users of the configured collection, where they were read, and how many look wrong.
#[derive(Debug, Serialize)]
pub struct UsersPage {
    /// `host/database`, never the credentials.
    pub location: String,
    pub users: Vec<DbUser>,
    /// How many users have at least one problem.
    pub problems: usize,
}

#[tauri::command]
pub async fn list_db_users(state: State<'_, AppState>) -> Result<UsersPage, CommandError> {
    let store = state.user_store().await?;
    let users = store.list_users().await?;
    let problems = users.iter().filter(|u| !u.problems.is_empty()).count();
    Ok(UsersPage {
        location: store.location(),
        users,
        problems,
    })
}
