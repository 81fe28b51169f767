//! Svix signature verification and signing, on the raw body, before anything is parsed.
//!
//! Hand-rolled on `hmac`/`sha2`/`base64`/`subtle` (about 100 lines, tested against Svix's three
//! published vectors) rather than the `svix` crate, whose verification pulls in an HTTP client,
//! `nix` and ~85 crates. Pure: the clock is passed in.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::secrets::Sensitive;

/// How far a timestamp may be from now, either way (Svix's own tolerance).
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// A webhook signing secret (`whsec_…`), decoded.
#[derive(Clone)]
pub struct SigningSecret(Sensitive<Vec<u8>>);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

/// Why a request was refused; each names what to fix. Nothing is applied after any of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "the webhook secret is not valid: {0} (copy it from the Clerk dashboard: Webhooks → endpoint → Signing Secret, it starts with whsec_)"
    )]
    InvalidSecret(&'static str),
    #[error(
        "missing header {0} (expected svix-id, svix-timestamp and svix-signature, or their webhook-* names)"
    )]
    MissingHeader(&'static str),
    #[error("the timestamp header is not a number of seconds: {0:?}")]
    InvalidTimestamp(String),
    #[error(
        "the timestamp is {0} s old (more than 5 min): a replay, or this machine's clock is wrong"
    )]
    TooOld(i64),
    #[error("the timestamp is {0} s in the future (more than 5 min): check this machine's clock")]
    InFuture(i64),
    #[error("the signature header has no v1 signature")]
    NoSignature,
    #[error(
        "no signature matches: the secret is not this endpoint's, or the body was changed on the way"
    )]
    BadSignature,
}

/// The three Svix headers, from either naming (`svix-*` or `webhook-*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
}

impl SignedHeaders {
    /// Reads the headers through `lookup` (case-insensitive names are the caller's concern).
    pub fn from_lookup<'a>(lookup: impl Fn(&str) -> Option<&'a str>) -> Result<Self, VerifyError> {
        let pick = |svix: &'static str, standard: &'static str| {
            lookup(svix)
                .or_else(|| lookup(standard))
                .map(str::to_string)
                .ok_or(VerifyError::MissingHeader(svix))
        };
        Ok(Self {
            id: pick("svix-id", "webhook-id")?,
            timestamp: pick("svix-timestamp", "webhook-timestamp")?,
            signature: pick("svix-signature", "webhook-signature")?,
        })
    }
}

impl SigningSecret {
    /// Parses `whsec_<base64>` (the prefix is optional, as in Svix's libraries).
    pub fn parse(secret: &str) -> Result<Self, VerifyError> {
        let encoded = secret
            .trim()
            .strip_prefix("whsec_")
            .unwrap_or(secret.trim());
        if encoded.is_empty() {
            return Err(VerifyError::InvalidSecret("it is empty"));
        }
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| VerifyError::InvalidSecret("the part after whsec_ is not base64"))?;
        Ok(Self(Sensitive::new(key)))
    }

    /// Encodes raw key bytes as a `whsec_…` secret (for the sandbox and tests).
    pub fn encode(key: &[u8]) -> String {
        format!("whsec_{}", STANDARD.encode(key))
    }

    /// The secret as a receiver that never decodes it would key its HMAC: with the `whsec_…`
    /// text, or the base64 after `whsec_`. The doctor signs with these to recognise that mistake.
    pub fn as_text_keys(&self) -> [SigningSecret; 2] {
        let text = Self::encode(self.0.expose());
        let bare = text.trim_start_matches("whsec_").as_bytes().to_vec();
        [
            Self(Sensitive::new(text.into_bytes())),
            Self(Sensitive::new(bare)),
        ]
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!(
            "v1,{}",
            STANDARD.encode(self.mac(id, &timestamp.to_string(), body))
        )
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.0.expose()) else {
            return Vec::new();
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }

    /// Checks the timestamp window and that one of the `v1,` signatures matches, in constant time.
    pub fn verify(
        &self,
        headers: &SignedHeaders,
        body: &[u8],
        now_secs: i64,
    ) -> Result<(), VerifyError> {
        let timestamp: i64 = headers.timestamp.trim().parse().map_err(|_| {
            VerifyError::InvalidTimestamp(headers.timestamp.chars().take(32).collect())
        })?;
        if now_secs - timestamp > TOLERANCE_SECS {
            return Err(VerifyError::TooOld(now_secs - timestamp));
        }
        if timestamp - now_secs > TOLERANCE_SECS {
            return Err(VerifyError::InFuture(timestamp - now_secs));
        }
        let expected = self.mac(&headers.id, headers.timestamp.trim(), body);
        let mut any_v1 = false;
        for entry in headers.signature.split_whitespace() {
            let Some(("v1", encoded)) = entry.split_once(',') else {
                continue;
            };
            any_v1 = true;
            if let Ok(given) = STANDARD.decode(encoded)
                && bool::from(given.ct_eq(&expected))
            {
                return Ok(());
            }
        }
        Err(if any_v1 {
            VerifyError::BadSignature
        } else {
            VerifyError::NoSignature
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Svix's published vectors: (secret, id, timestamp, body, signature).
    const VECTORS: [(&str, &str, i64, &str, &str); 3] = [
        (
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
        ),
        (
            "whsec_plJ3nmyCDGBKInavdOK15jsl",
            "msg_loFOjxBNrRLzqYUf",
            1731705121,
            r#"{"event_type":"ping","data":{"success":true}}"#,
            "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0=",
        ),
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
    ];

    fn headers(id: &str, ts: i64, signature: &str) -> SignedHeaders {
        SignedHeaders {
            id: id.into(),
            timestamp: ts.to_string(),
            signature: signature.into(),
        }
    }

    #[test]
    fn the_published_vectors_sign_and_verify() {
        for (secret, id, ts, body, signature) in VECTORS {
            let secret = SigningSecret::parse(secret).unwrap();
            assert_eq!(
                secret.sign(id, ts, body.as_bytes()),
                signature,
                "signing reproduces Svix's vector"
            );
            let several = format!("v1,bm9ldHU= v2,abc {signature}");
            assert_eq!(
                secret.verify(&headers(id, ts, &several), body.as_bytes(), ts + 10),
                Ok(()),
                "any v1 may match"
            );
        }
    }

    #[test]
    fn tampering_and_bad_headers_are_refused_with_the_reason() {
        let (secret, id, ts, body, signature) = VECTORS[0];
        let secret = SigningSecret::parse(secret).unwrap();
        let ok = headers(id, ts, signature);
        assert_eq!(
            secret.verify(&ok, b"{}", ts),
            Err(VerifyError::BadSignature),
            "a changed body fails"
        );
        assert_eq!(
            secret.verify(&ok, body.as_bytes(), ts + 301),
            Err(VerifyError::TooOld(301))
        );
        assert_eq!(
            secret.verify(&ok, body.as_bytes(), ts - 301),
            Err(VerifyError::InFuture(301))
        );
        assert_eq!(
            secret.verify(&ok, body.as_bytes(), ts + 300),
            Ok(()),
            "exactly 5 min is still fine"
        );
        let no_v1 = headers(id, ts, "v2,abc");
        assert_eq!(
            secret.verify(&no_v1, body.as_bytes(), ts),
            Err(VerifyError::NoSignature)
        );
        let fake = headers(id, ts, "v1,test_signature");
        assert_eq!(
            secret.verify(&fake, body.as_bytes(), ts),
            Err(VerifyError::BadSignature),
            "the report's curl"
        );
        let bad_ts = SignedHeaders {
            timestamp: "yesterday".into(),
            ..ok
        };
        assert!(matches!(
            secret.verify(&bad_ts, body.as_bytes(), ts),
            Err(VerifyError::InvalidTimestamp(_))
        ));
    }

    #[test]
    fn secrets_and_headers_parse_from_either_naming() {
        assert!(matches!(
            SigningSecret::parse("whsec_"),
            Err(VerifyError::InvalidSecret(_))
        ));
        assert!(matches!(
            SigningSecret::parse("whsec_your_webhook_secret_here!"),
            Err(VerifyError::InvalidSecret(_))
        ));
        let standard = SignedHeaders::from_lookup(|name| match name {
            "webhook-id" => Some("msg_1"),
            "webhook-timestamp" => Some("1"),
            "webhook-signature" => Some("v1,x"),
            _ => None,
        });
        assert_eq!(
            standard.unwrap().id,
            "msg_1",
            "webhook-* headers are accepted too"
        );
        let missing = SignedHeaders::from_lookup(|name| (name == "svix-id").then_some("msg_1"));
        assert_eq!(missing, Err(VerifyError::MissingHeader("svix-timestamp")));
        assert!(
            !format!("{:?}", SigningSecret::parse(VECTORS[0].0).unwrap()).contains("C2FV"),
            "Debug hides the key"
        );
    }
}
