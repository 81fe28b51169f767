//! A sandbox user and its rendering as the spec's `User` object (all required keys, spec types).
//!
//! The JSON is rendered once per change and kept, so listing 500 users copies text instead of
//! serializing again.

use std::sync::Arc;

use serde_json::{Value, json};

/// An email address of a sandbox user.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    pub id: String,
    pub address: String,
    /// `admin` (created through the API), `email_code` (signed up), `from_oauth_google`.
    pub strategy: &'static str,
    pub verified: bool,
}

/// A phone number of a sandbox user.
#[derive(Debug, Clone, PartialEq)]
pub struct Phone {
    pub id: String,
    pub number: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SandboxUser {
    pub id: String,
    pub emails: Vec<Email>,
    pub primary_email_id: Option<String>,
    pub phones: Vec<Phone>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub external_id: Option<String>,
    pub banned: bool,
    pub password_enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_sign_in_at: Option<i64>,
}

impl SandboxUser {
    /// The address whose id is `primary_email_id`.
    pub fn primary_email(&self) -> Option<&str> {
        let id = self.primary_email_id.as_deref()?;
        self.emails
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.address.as_str())
    }

    /// The spec's `User` object.
    pub fn to_json(&self) -> Value {
        let emails: Vec<Value> = self
            .emails
            .iter()
            .map(|e| email_json(e, self.created_at))
            .collect();
        let phones: Vec<Value> = self
            .phones
            .iter()
            .map(|p| phone_json(p, self.created_at))
            .collect();
        let image = format!(
            "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCIsImlpZCI6Imluc18{}",
            &self.id[5..]
        );
        json!({
            "id": self.id,
            "object": "user",
            "username": self.username,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "locale": null,
            "image_url": image,
            "profile_image_url": "https://www.gravatar.com/avatar?d=mp",
            "has_image": false,
            "primary_email_address_id": self.primary_email_id,
            "primary_phone_number_id": self.phones.first().map(|p| p.id.clone()),
            "primary_web3_wallet_id": null,
            "password_enabled": self.password_enabled,
            "two_factor_enabled": false,
            "totp_enabled": false,
            "backup_code_enabled": false,
            "email_addresses": emails,
            "phone_numbers": phones,
            "web3_wallets": [],
            "passkeys": [],
            "external_accounts": [],
            "saml_accounts": [],
            "enterprise_accounts": [],
            "public_metadata": {},
            "private_metadata": {},
            "unsafe_metadata": {},
            "external_id": self.external_id,
            "last_sign_in_at": self.last_sign_in_at,
            "banned": self.banned,
            "locked": false,
            "lockout_expires_in_seconds": null,
            "verification_attempts_remaining": 100,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "delete_self_enabled": true,
            "create_organization_enabled": true,
            "last_active_at": self.last_sign_in_at.map(|t| t - t % 86_400_000),
            "mfa_enabled_at": null,
            "mfa_disabled_at": null,
            "legal_accepted_at": null,
        })
    }

    /// The rendered JSON text, shared.
    pub fn render(&self) -> Arc<str> {
        Arc::from(self.to_json().to_string())
    }
}

fn email_json(email: &Email, created_at: i64) -> Value {
    // The spec's `EmailAddress.verification` is one of: admin, OTP (codes only) or OAuth.
    let verification = match (email.strategy, email.verified) {
        ("admin", _) => {
            json!({"object": "verification_admin", "status": "verified", "strategy": "admin", "attempts": null, "expire_at": null})
        }
        (strategy, verified) if strategy.starts_with("from_oauth_") => json!({
            "object": "verification_from_oauth",
            "status": if verified { "verified" } else { "unverified" },
            "strategy": strategy,
            "error": null,
            "attempts": null,
            "expire_at": null,
        }),
        (strategy, verified) => json!({
            "object": "verification_otp",
            "status": if verified { "verified" } else { "unverified" },
            "strategy": strategy,
            "attempts": if verified { json!(1) } else { Value::Null },
            "expire_at": if verified { Value::Null } else { json!(created_at + 600_000) },
        }),
    };
    json!({
        "id": email.id,
        "object": "email_address",
        "email_address": email.address,
        "reserved": false,
        "verification": verification,
        "linked_to": [],
        "matches_sso_connection": false,
        "created_at": created_at,
        "updated_at": created_at,
    })
}

fn phone_json(phone: &Phone, created_at: i64) -> Value {
    json!({
        "id": phone.id,
        "object": "phone_number",
        "phone_number": phone.number,
        "reserved_for_second_factor": false,
        "default_second_factor": false,
        "reserved": false,
        "verification": {"object": "verification_otp", "status": "verified", "strategy": "phone_code", "attempts": 1, "expire_at": null},
        "linked_to": [],
        "backup_codes": null,
        "created_at": created_at,
        "updated_at": created_at,
    })
}
