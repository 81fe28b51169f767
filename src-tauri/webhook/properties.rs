//! Property tests over verification and parsing: no input panics, nothing unsigned verifies.

use proptest::prelude::*;

use super::verify::{SignedHeaders, SigningSecret, TOLERANCE_SECS};
use super::{VerifyError, event};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn what_we_sign_verifies_and_any_changed_byte_does_not(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        id in "msg_[A-Za-z0-9]{1,30}",
        ts in 1_600_000_000i64..2_000_000_000,
        skew in -TOLERANCE_SECS..=TOLERANCE_SECS,
        flip in any::<usize>(),
    ) {
        let secret = SigningSecret::parse(SECRET).unwrap();
        let headers = SignedHeaders { id: id.clone(), timestamp: ts.to_string(), signature: secret.sign(&id, ts, &body) };
        prop_assert_eq!(secret.verify(&headers, &body, ts + skew), Ok(()), "a correct signature within 5 min verifies");
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip % body.len()] ^= 0x01;
            prop_assert_eq!(secret.verify(&headers, &changed, ts), Err(VerifyError::BadSignature), "one changed bit fails");
        }
    }

    #[test]
    fn arbitrary_headers_never_panic_and_never_verify(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        id in ".{0,40}",
        timestamp in ".{0,24}",
        signature in ".{0,200}",
        now in any::<i64>(),
    ) {
        let secret = SigningSecret::parse(SECRET).unwrap();
        let headers = SignedHeaders { id, timestamp, signature };
        prop_assert!(secret.verify(&headers, &body, now).is_err(), "an unsigned request is never accepted");
    }

    #[test]
    fn parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..1024), text in ".{0,300}") {
        let _ = event::parse(&body);
        let _ = event::parse(text.as_bytes());
        let json = format!(r#"{{"type":"user.created","data":{text}}}"#);
        let _ = event::parse(json.as_bytes());
        let _ = SigningSecret::parse(&text);
    }
}
