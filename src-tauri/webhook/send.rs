//! Signed test events: a correctly signed `user.*` delivery to any URL (this listener or the
//! developer's backend), replacing hand-made `curl`s whose fake signatures can never verify.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::SigningSecret;
use crate::clerk::ClerkClient;
use crate::diff::present;
use crate::user::DbUser;

/// The user events Syncdesk can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Created,
    Updated,
    Deleted,
}

impl EventKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "user.created" => Some(Self::Created),
            "user.updated" => Some(Self::Updated),
            "user.deleted" => Some(Self::Deleted),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "user.created",
            Self::Updated => "user.updated",
            Self::Deleted => "user.deleted",
        }
    }
}

/// Where the event's user comes from.
pub enum Source {
    /// The spec's example user (with an `example.com` address added).
    Example,
    /// A JSON file: a Clerk `User` object, or a whole event (then its `data` is used).
    File(PathBuf),
    /// A user fetched from the Clerk API (or the sandbox) by id.
    Clerk { id: String, client: ClerkClient },
    /// A database document, as the Clerk user it stands for (it must carry a Clerk id).
    Database(Box<DbUser>),
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SendReport {
    pub message_id: String,
    pub status: u16,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("cannot read {path}: {reason}")]
    File { path: String, reason: String },
    #[error(
        "{path} holds no user: expected a Clerk User object (with an `id`) or an event with `data`"
    )]
    NoUser { path: String },
    #[error(transparent)]
    Clerk(#[from] crate::clerk::Error),
    #[error("Clerk has no user {0}")]
    UserNotFound(String),
    #[error(
        "document {doc} has no Clerk id, so no Clerk event can be about it: link it first (`syncdesk sync`), or pass --data FILE"
    )]
    NoClerkId { doc: String },
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
}

/// The webhooks spec's `user.created` example, with an address so it syncs end to end.
pub fn example_user() -> Value {
    json!({
        "object": "user", "id": "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S", "external_id": null,
        "primary_email_address_id": "idn_2g7np7Hrk0SN6kj5EDMLDaKNL0S",
        "primary_phone_number_id": null, "primary_web3_wallet_id": null,
        "username": null, "first_name": "John", "last_name": "Doe",
        "profile_image_url": "https://img.clerk.com/xxxxxx", "image_url": "https://img.clerk.com/xxxxxx",
        "has_image": true, "public_metadata": {}, "private_metadata": null, "unsafe_metadata": {},
        "email_addresses": [{
            "id": "idn_2g7np7Hrk0SN6kj5EDMLDaKNL0S", "object": "email_address",
            "email_address": "john.doe@example.com", "reserved": false, "linked_to": [],
            "verification": {"object": "verification_otp", "status": "verified", "strategy": "email_code", "attempts": 1, "expire_at": null},
            "created_at": 1716883200000_i64, "updated_at": 1716883200000_i64
        }],
        "phone_numbers": [], "web3_wallets": [], "passkeys": [],
        "password_enabled": true, "two_factor_enabled": false, "totp_enabled": false, "backup_code_enabled": false,
        "mfa_enabled_at": null, "mfa_disabled_at": null,
        "external_accounts": [], "saml_accounts": [], "enterprise_accounts": [],
        "last_sign_in_at": 1716883200000_i64, "banned": false, "locked": false,
        "lockout_expires_in_seconds": null, "verification_attempts_remaining": null,
        "updated_at": 1716883200000_i64, "created_at": 1716883200000_i64,
        "delete_self_enabled": true, "create_organization_enabled": true, "create_organizations_limit": null,
        "last_active_at": 1716883200000_i64, "legal_accepted_at": 1716883200000_i64
    })
}

/// A Clerk `User` object for a database document: the spec's example user with the document's
/// Clerk id, email, name (first word as first name, the rest as last name) and username, updated
/// now (so the listener's ordering rule takes it as the newest version).
pub fn user_from_document(doc: &DbUser, now_ms: i64) -> Result<Value, SendError> {
    let id = present(doc.clerk_id.as_deref()).ok_or_else(|| SendError::NoClerkId {
        doc: doc.doc_id.to_string(),
    })?;
    let mut user = example_user();
    user["id"] = id.into();
    let name = doc.name.as_deref().map(str::trim).unwrap_or_default();
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    let part = |p: &str| (!p.trim().is_empty()).then(|| p.trim().to_string());
    user["first_name"] = part(first).into();
    user["last_name"] = part(last).into();
    user["username"] = doc.username.clone().into();
    match present(doc.email.as_deref()) {
        Some(email) => {
            let email_id = format!("idn_{}", id.trim_start_matches("user_"));
            user["primary_email_address_id"] = email_id.clone().into();
            user["email_addresses"][0]["id"] = email_id.into();
            user["email_addresses"][0]["email_address"] = email.into();
        }
        None => {
            user["primary_email_address_id"] = Value::Null;
            user["email_addresses"] = json!([]);
        }
    }
    user["updated_at"] = now_ms.into();
    Ok(user)
}

/// The event envelope Clerk sends, around `data`; `timestamp` in ms as in real deliveries.
pub fn envelope(kind: EventKind, user: &Value, now_ms: i64) -> Value {
    let data = match kind {
        EventKind::Deleted => {
            json!({"object": "user", "id": user.get("id").cloned().unwrap_or(Value::Null), "deleted": true})
        }
        EventKind::Created | EventKind::Updated => user.clone(),
    };
    json!({
        "data": data, "object": "event", "type": kind.as_str(), "timestamp": now_ms,
        "instance_id": "ins_syncdesklocal000000000000",
        "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "syncdesk send-event"}}
    })
}

/// A fresh `msg_…` id, unique per process and call.
pub fn new_message_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut state = nanos
        ^ u64::from(std::process::id()).rotate_left(32)
        ^ NEXT
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let id: String = (0..27)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ALPHABET[((z ^ (z >> 31)) % 62) as usize] as char
        })
        .collect();
    format!("msg_{id}")
}

/// The three Svix headers for `body`.
pub fn signed_headers(
    secret: &SigningSecret,
    message_id: &str,
    now_secs: i64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    [
        ("svix-id", message_id.to_string()),
        ("svix-timestamp", now_secs.to_string()),
        ("svix-signature", secret.sign(message_id, now_secs, body)),
    ]
}

/// Builds the event from `source`, signs it and POSTs it to `url`.
pub async fn send_event(
    url: &str,
    secret: &SigningSecret,
    kind: EventKind,
    source: Source,
) -> Result<SendReport, SendError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let user = match source {
        Source::Example => example_user(),
        Source::File(path) => read_user(&path)?,
        Source::Clerk { id, client } => client
            .get_user_json(&id)
            .await?
            .ok_or(SendError::UserNotFound(id))?,
        Source::Database(doc) => user_from_document(&doc, now)?,
    };
    let body = envelope(kind, &user, now).to_string().into_bytes();
    let message_id = new_message_id();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| SendError::Unreachable {
            url: url.into(),
            reason: e.to_string(),
        })?;
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.clone());
    for (name, value) in signed_headers(secret, &message_id, now / 1000, &body) {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(|e| SendError::Unreachable {
        url: url.into(),
        reason: e.to_string(),
    })?;
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    Ok(SendReport {
        message_id,
        status,
        body: body.chars().take(500).collect(),
    })
}

fn read_user(path: &std::path::Path) -> Result<Value, SendError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SendError::File {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| SendError::File {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let user = if value.get("type").is_some() {
        value.get("data").cloned().unwrap_or(Value::Null)
    } else {
        value
    };
    if user.get("id").and_then(Value::as_str).is_none() {
        return Err(SendError::NoUser { path: shown });
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::{SignedHeaders, event};

    #[test]
    fn a_sent_event_verifies_and_parses_as_what_was_meant() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = envelope(EventKind::Created, &example_user(), 1_716_883_200_000).to_string();
        let id = new_message_id();
        let [(_, i), (_, t), (_, s)] = signed_headers(&secret, &id, 1_716_883_200, body.as_bytes());
        let headers = SignedHeaders {
            id: i,
            timestamp: t,
            signature: s,
        };
        assert_eq!(
            secret.verify(&headers, body.as_bytes(), 1_716_883_201),
            Ok(()),
            "our own signature verifies"
        );
        let parsed = event::parse(body.as_bytes()).unwrap();
        assert_eq!(parsed.event_type(), "user.created");
        let deleted = envelope(EventKind::Deleted, &example_user(), 0).to_string();
        assert!(matches!(
            event::parse(deleted.as_bytes()).unwrap(),
            event::ClerkEvent::UserDeleted { .. }
        ));
    }

    #[test]
    fn a_database_document_becomes_the_clerk_user_it_stands_for() {
        let mut doc = crate::user::DbUser {
            doc_id: crate::user::DocId::from(mongodb::bson::Bson::Int64(7)),
            user_id: Some(7),
            clerk_id: Some("user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl".into()),
            email: Some("ada.lovelace@example.com".into()),
            name: Some("Ada King Lovelace".into()),
            username: None,
            auth_provider: None,
            active: Some(true),
            status: None,
            app_fields: Default::default(),
            problems: vec![],
        };
        let body = envelope(
            EventKind::Updated,
            &user_from_document(&doc, 1_800_000_000_000).unwrap(),
            0,
        );
        let event::ClerkEvent::UserChanged { user, .. } =
            event::parse(body.to_string().as_bytes()).unwrap()
        else {
            panic!("a user.updated event");
        };
        assert_eq!(user.id, "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl");
        assert_eq!(
            user.primary_email.as_deref(),
            Some("ada.lovelace@example.com"),
            "the document's email is the primary one"
        );
        assert_eq!(
            user.full_name().as_deref(),
            Some("Ada King Lovelace"),
            "the name survives the split into first and last"
        );
        assert_eq!(
            user.updated_at, 1_800_000_000_000,
            "stamped now, so it is the newest version"
        );
        doc.clerk_id = None;
        assert!(
            matches!(
                user_from_document(&doc, 0),
                Err(SendError::NoClerkId { .. })
            ),
            "a document without a Clerk id cannot be the subject of a Clerk event"
        );
    }

    #[test]
    fn message_ids_are_unique_and_svix_shaped() {
        let ids: std::collections::BTreeSet<String> = (0..1000).map(|_| new_message_id()).collect();
        assert_eq!(
            ids.len(),
            1000,
            "ids must never repeat: the listener deduplicates on them"
        );
        assert!(
            ids.iter()
                .all(|id| id.starts_with("msg_") && id.len() == 31)
        );
    }
}
