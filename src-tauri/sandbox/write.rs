//! The sandbox's write endpoints (`POST /users`, `PATCH` and `DELETE /users/{id}`) and the
//! changes it makes by itself while a client pages; every change sends its webhook.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::Shared;
use super::answer::ApiError;
use super::generate::generated_user;
use super::timestamp::rfc3339_ms;
use super::user::{Email, SandboxUser};

/// `CreateUser` body fields (the spec marks the body `additionalProperties: false`). Applied:
/// addresses, names, username, external id, banned, `created_at`, whether a password was given;
/// metadata and the password itself are accepted and not stored (users render `{}` metadata).
const CREATE_FIELDS: [&str; 29] = [
    "external_id",
    "first_name",
    "last_name",
    "locale",
    "email_address",
    "email_address_identification_status",
    "phone_number",
    "phone_number_identification_status",
    "web3_wallet",
    "username",
    "password",
    "password_digest",
    "password_hasher",
    "skip_password_checks",
    "skip_password_requirement",
    "totp_secret",
    "backup_codes",
    "public_metadata",
    "private_metadata",
    "unsafe_metadata",
    "delete_self_enabled",
    "legal_accepted_at",
    "skip_legal_checks",
    "skip_user_requirement",
    "create_organization_enabled",
    "create_organizations_limit",
    "created_at",
    "bypass_client_trust",
    "banned",
];
/// `UpdateUser` body fields. Applied: names, username, external id, primary email, `created_at`;
/// the rest (passwords, TOTP, flags) are accepted and, as the sandbox has no sign-in, not stored.
const UPDATE_FIELDS: [&str; 24] = [
    "external_id",
    "first_name",
    "last_name",
    "locale",
    "primary_email_address_id",
    "notify_primary_email_address_changed",
    "primary_phone_number_id",
    "primary_web3_wallet_id",
    "username",
    "profile_image_id",
    "password",
    "password_digest",
    "password_hasher",
    "skip_password_checks",
    "sign_out_of_other_sessions",
    "totp_secret",
    "backup_codes",
    "delete_self_enabled",
    "create_organization_enabled",
    "legal_accepted_at",
    "skip_legal_checks",
    "create_organizations_limit",
    "created_at",
    "bypass_client_trust",
];

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn body_object(body: &[u8], allowed: &[&str]) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::format_invalid("body", "must be a JSON object"))?;
    let Value::Object(map) = value else {
        return Err(ApiError::format_invalid("body", "must be a JSON object"));
    };
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::unknown_param(unknown));
    }
    Ok(map)
}

/// A string field: `Ok(None)` when absent or null.
fn text(map: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::format_invalid(key, "must be a string")),
    }
}

pub(super) async fn create_user(
    State(shared): State<Arc<Shared>>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let map = body_object(&body, &CREATE_FIELDS)?;
    let addresses: Vec<String> = match map.get("email_address") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_lowercase)
                    .ok_or_else(|| ApiError::format_invalid("email_address", "must be strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ApiError::format_invalid(
                "email_address",
                "must be an array",
            ));
        }
    };
    if let Some(bad) = addresses.iter().find(|a| !a.contains('@')) {
        return Err(ApiError::format_invalid(
            "email_address",
            &format!("`{bad}` is not an email address"),
        ));
    }
    let username = text(&map, "username")?;
    let json = {
        let mut store = shared.write();
        if addresses.iter().any(|a| store.email_owner(a).is_some()) {
            return Err(ApiError::identifier_exists("email_address"));
        }
        let mut rng = shared
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = now_ms();
        let created_at = match text(&map, "created_at")? {
            Some(stamp) => rfc3339_ms(&stamp).ok_or_else(|| {
                ApiError::format_invalid("created_at", "must be an RFC3339 date-time")
            })?,
            None => now,
        };
        let emails: Vec<Email> = addresses
            .into_iter()
            .map(|address| Email {
                id: rng.clerk_id("idn_"),
                address,
                strategy: "admin",
                verified: true,
            })
            .collect();
        let user = SandboxUser {
            id: rng.clerk_id("user_"),
            primary_email_id: emails.first().map(|e| e.id.clone()),
            emails,
            phones: vec![],
            first_name: text(&map, "first_name")?,
            last_name: text(&map, "last_name")?,
            username,
            external_id: text(&map, "external_id")?,
            banned: map.get("banned").and_then(Value::as_bool).unwrap_or(false),
            password_enabled: map.get("password").is_some_and(Value::is_string),
            created_at,
            updated_at: now,
            last_sign_in_at: None,
        };
        store.put(user)
    };
    let value: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    shared.emit("user.created", value.clone());
    Ok(axum::Json(value).into_response())
}

pub(super) async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let map = body_object(&body, &UPDATE_FIELDS)?;
    let json = {
        let mut store = shared.write();
        let mut user = store.get(&id).cloned().ok_or_else(ApiError::not_found)?;
        for (key, slot) in [
            ("first_name", &mut user.first_name),
            ("last_name", &mut user.last_name),
            ("username", &mut user.username),
            ("external_id", &mut user.external_id),
        ] {
            if map.contains_key(key) {
                *slot = text(&map, key)?.filter(|s| !s.is_empty());
            }
        }
        if let Some(primary) = text(&map, "primary_email_address_id")? {
            if !user.emails.iter().any(|e| e.id == primary) {
                return Err(ApiError::unprocessable(
                    "primary_email_address_id",
                    "is not an email address of this user",
                ));
            }
            user.primary_email_id = Some(primary);
        }
        if let Some(stamp) = text(&map, "created_at")? {
            user.created_at = rfc3339_ms(&stamp).ok_or_else(|| {
                ApiError::format_invalid("created_at", "must be an RFC3339 date-time")
            })?;
        }
        user.updated_at = now_ms().max(user.updated_at + 1);
        store.put(user)
    };
    let value: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    shared.emit("user.updated", value.clone());
    Ok(axum::Json(value).into_response())
}

pub(super) async fn delete_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = shared.write().remove(&id).ok_or_else(ApiError::not_found)?;
    shared.emit("user.deleted", deleted(&user));
    Ok(axum::Json(json!({"object": "user", "id": user.id, "deleted": true})).into_response())
}

/// The `DeletedObject` a `user.deleted` webhook carries.
fn deleted(user: &SandboxUser) -> Value {
    let mut value = json!({"object": "user", "id": user.id, "deleted": true});
    if let Some(external_id) = &user.external_id {
        value["external_id"] = json!(external_id);
    }
    value
}

/// While a client pages: one user signs up and one existing user is deleted.
pub(super) fn change_during_fetch(shared: &Shared) {
    let Some(roll) = shared.faults.take_change() else {
        return;
    };
    let (created, removed) = {
        let mut store = shared.write();
        let mut rng = shared
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let removed = (!store.is_empty())
            .then(|| store.nth_id((roll % store.len() as u64) as usize))
            .flatten()
            .and_then(|id| store.remove(&id));
        let created = generated_user(&mut rng, 900_000 + (roll % 100_000) as usize, now_ms());
        let json = store.put(created);
        (json, removed)
    };
    shared.emit(
        "user.created",
        serde_json::from_str(&created).unwrap_or(Value::Null),
    );
    if let Some(user) = removed {
        shared.emit("user.deleted", deleted(&user));
    }
}
