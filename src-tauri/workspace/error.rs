//! Why a workspace cannot do what was asked, worded for the user of either front end.

use std::sync::Arc;

use super::DATABASE_VAR;
use crate::keychain::KeychainError;
use crate::profile::ProfileError;
use crate::profile::file::FileError;
use crate::secrets::SecretName;
use crate::settings::SettingsError;
use crate::webhook::VerifyError;

/// Why a workspace cannot do what was asked; each says what to fix, in words for either front end.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Env(#[from] SettingsError),
    #[error("{}", missing_secret(*.secret, .profile.as_deref()))]
    MissingSecret {
        secret: SecretName,
        profile: Option<String>,
    },
    #[error("cannot read the {} of profile {profile:?} from the OS keychain: {source}", .secret.label())]
    Keychain {
        secret: SecretName,
        profile: String,
        source: Arc<KeychainError>,
    },
    #[error("{}", missing_database(.profile.as_deref()))]
    NoDatabase { profile: Option<String> },
    #[error(transparent)]
    Clerk(#[from] crate::clerk::Error),
    #[error(transparent)]
    Mongo(#[from] crate::mongo::Error),
    #[error(transparent)]
    WebhookSecret(#[from] VerifyError),
    #[error(
        "{label} writes to a production instance: review what will change, then confirm it (the CLI's --yes, or {expected:?} typed in the window)"
    )]
    NotConfirmed { label: String, expected: String },
    #[error(
        "the unique index on {fields} cannot be created: {duplicates} values are each held by more than one document; `syncdesk db indexes` lists them (exit 3). Decide which document keeps each, then sync again (nothing was written)"
    )]
    IndexesBlocked { fields: String, duplicates: usize },
    #[error(transparent)]
    Snapshot(#[from] crate::sync::snapshot::SnapshotError),
    #[error(transparent)]
    Manual(#[from] crate::sync::manual::ManualError),
    #[error(transparent)]
    Doctor(#[from] crate::doctor::DoctorError),
    #[error(transparent)]
    Listen(#[from] crate::webhook::listener::ListenError),
    #[error(transparent)]
    Send(#[from] crate::webhook::send::SendError),
    #[error("no document in {location} has the Clerk id or email `{key}`")]
    NoSuchDocument { key: String, location: String },
    #[error("several documents have `{key}` ({ids}): give the Clerk id of the one you mean")]
    SeveralDocuments { key: String, ids: String },
}

fn missing_secret(secret: SecretName, profile: Option<&str>) -> String {
    let label = secret.label();
    let var = secret.env_var();
    let cli = secret.cli_name();
    match profile {
        Some(p) => format!(
            "profile {p:?} has no {label}: set it in Settings → Secrets, or with `syncdesk profile set-secret {p} {cli}`, or set {var}"
        ),
        None => format!(
            "no {label} is set: add a profile (Settings, or `syncdesk profile add NAME` then `syncdesk profile set-secret NAME {cli}`), or set {var}"
        ),
    }
}

fn missing_database(profile: Option<&str>) -> String {
    match profile {
        Some(p) => format!(
            "profile {p:?} names no database: set it in Settings, or with `syncdesk profile edit {p} --database NAME` (or pass --database, or set {DATABASE_VAR})"
        ),
        None => format!(
            "no database name is set: add a profile with its database (in Settings, or `syncdesk profile add NAME --database DB`), or set {DATABASE_VAR}"
        ),
    }
}
