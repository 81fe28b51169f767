//! Profile commands: list, choose, add or edit, remove. The same settings file the CLI's
//! `syncdesk profile` writes, so either sees what the other saved.

use serde::Serialize;
use tauri::State;

use crate::profile::{Environment, Profile};
use crate::workspace::check::{self, CheckReport};

use crate::desktop::error::CommandError;
use crate::desktop::state::AppState;

/// A profile as the switcher shows it.
#[derive(Debug, Serialize)]
pub struct ProfileItem {
    pub name: String,
    pub environment: Environment,
    pub color: String,
    pub database: String,
    pub default: bool,
}

#[derive(Debug, Serialize)]
pub struct ProfileList {
    pub profiles: Vec<ProfileItem>,
    /// The profile in use, `None` when the `SYNCDESK_*` variables alone are.
    pub active: Option<String>,
}

#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> Result<ProfileList, CommandError> {
    let all = state.profiles()?;
    let profiles = all
        .profiles
        .iter()
        .map(|p| ProfileItem {
            name: p.name.clone(),
            environment: p.environment,
            color: p.color.clone(),
            database: p.database.clone(),
            default: all.default.as_deref() == Some(p.name.as_str()),
        })
        .collect();
    Ok(ProfileList {
        profiles,
        active: state.active_name()?,
    })
}

#[tauri::command]
pub async fn get_profile(
    state: State<'_, AppState>,
    name: String,
) -> Result<Profile, CommandError> {
    Ok(state.profiles()?.require(&name)?.clone())
}

/// Adds a profile (`previous` absent) or replaces the one named `previous`; `loaded` (the
/// profile as the page read it) refuses to undo a change made elsewhere meanwhile.
#[tauri::command]
pub async fn save_profile(
    state: State<'_, AppState>,
    profile: Profile,
    previous: Option<String>,
    loaded: Option<Profile>,
    make_default: Option<bool>,
) -> Result<Saved, CommandError> {
    let warning = state
        .save_profile(previous.as_deref(), loaded.as_ref(), profile, make_default)
        .await?;
    Ok(Saved { warning })
}

/// A saved profile, and what went wrong around it without undoing the save.
#[derive(Debug, Serialize)]
pub struct Saved {
    pub warning: Option<String>,
}

#[tauri::command]
pub async fn remove_profile(state: State<'_, AppState>, name: String) -> Result<(), CommandError> {
    state.remove_profile(&name).await
}

/// Uses another profile in this window (`None`: the default one).
#[tauri::command]
pub async fn choose_profile(
    state: State<'_, AppState>,
    name: Option<String>,
) -> Result<(), CommandError> {
    state.choose(name).await
}

/// Tests a profile (`None`: the one in use): each step's verdict, what to fix, a suggested mapping.
#[tauri::command]
pub async fn test_profile(
    state: State<'_, AppState>,
    name: Option<String>,
) -> Result<CheckReport, CommandError> {
    let name = name.or(state.active_name()?);
    let ws = state.workspace_of(name).await?;
    Ok(check::check(&ws).await)
}
