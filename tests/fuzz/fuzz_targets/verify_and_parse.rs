//! Fuzzes what the listener does with a request before anything is written: the Svix headers,
//! the signature check and event parsing. No input may panic, and no input the fuzzer makes up
//! may verify (it cannot know the secret), so nothing unverified could ever be applied.
#![no_main]

use libfuzzer_sys::fuzz_target;
use syncdesk::webhook::{SignedHeaders, SigningSecret, event};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    let (id, timestamp, signature, body) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let lookup = |name: &str| match name {
        "svix-id" => Some(id),
        "svix-timestamp" => Some(timestamp),
        "svix-signature" => Some(signature),
        _ => None,
    };
    let _ = SigningSecret::parse(id);
    if let Ok(secret) = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        && let Ok(headers) = SignedHeaders::from_lookup(lookup)
    {
        let now = timestamp.trim().parse::<i64>().unwrap_or(0);
        assert!(secret.verify(&headers, body.as_bytes(), now).is_err(), "a made-up request verified");
    }
    let _ = event::parse(body.as_bytes());
    let _ = event::parse(data);
});
