//! Steps 2 and 3: a correctly signed `user.created` must be taken, and the same event with a
//! fake signature or a stale timestamp refused. When the signed event is refused, variants
//! signed the usual wrong ways tell which mistake the backend makes.

use super::probe::{Answer, Signature};
use super::throwaway::Layout;
use super::{Run, Step, StepReport, Verdict, now_ms};
use crate::webhook::send::{EventKind, new_message_id};
use crate::webhook::verify::TOLERANCE_SECS;

const LIKELY_CAUSES: &str = "likely causes: (1) the secret is not this endpoint's, or an old one: copy the Signing Secret of this very endpoint (Clerk dashboard → Webhooks → the endpoint) into the backend's environment (e.g. CLERK_WEBHOOK_SIGNING_SECRET) and into this profile, then restart the backend; (2) the body is parsed and re-serialised before verifying: verify the raw bytes (Next.js: await req.text(); Express: express.raw({type: 'application/json'}) on this route); (3) the HMAC is keyed with the literal whsec_ text: use the svix library's Webhook(secret).verify, or base64-decode the part after whsec_";

const VERIFY_FIX: &str = "verify every request before acting on it (svix: new Webhook(secret).verify(rawBody, headers); Clerk: verifyWebhook(req)) and answer 400 when it throws; keep the library's 5-minute timestamp tolerance";

/// Step 2; on success the accepted message is kept for the redelivery of step 5.
pub async fn accepted(run: &mut Run<'_>) -> StepReport {
    let step = Step::SignedEventAccepted;
    let now = now_ms();
    let event = run.user.event(EventKind::Created, now);
    let body = Layout::Compact.bytes(&event);
    let id = new_message_id();
    let answer = run
        .receiver
        .post(&id, &body, Signature::With(run.secret, now / 1000))
        .await;
    let seen = format!(
        "a correctly signed user.created ({id}) {}",
        answer.describe()
    );
    if answer.is_success() {
        run.created = Some((id, body));
        return StepReport::passed(step, seen);
    }
    match answer {
        Answer::Status {
            status: status @ (400 | 401 | 403),
            asks_for_auth,
            ..
        } => {
            if let Some(mistake) = diagnose(run, &event, now).await {
                return StepReport::failed(step, format!("{seen}; {}", mistake.0), mistake.1);
            }
            let fix = if status == 403 || asks_for_auth {
                format!(
                    "an auth middleware may answer before the webhook code runs (make the route public); else {LIKELY_CAUSES}"
                )
            } else {
                LIKELY_CAUSES.to_string()
            };
            StepReport::failed(step, seen, fix)
        }
        Answer::Status {
            status: 500..=599, ..
        } => StepReport::failed(
            step,
            seen,
            format!(
                "the route fails on a valid event: look for message {id} in the backend's log; a common cause is a field a user may lack (email_addresses[0] of a phone-only user, first_name null)"
            ),
        ),
        Answer::Timeout => StepReport::failed(
            step,
            format!(
                "a correctly signed user.created got no answer within {} s",
                run.timeout.as_secs_f64()
            ),
            "answer first and work after, or make the work quick: Svix gives up after 15 s and retries",
        ),
        _ => StepReport::failed(step, seen, "a handled event must be answered 2xx"),
    }
}

/// Signs the same event the usual wrong ways; the first one the backend takes names its mistake.
async fn diagnose(run: &Run<'_>, event: &serde_json::Value, now: i64) -> Option<(String, String)> {
    let compact = Layout::Compact.bytes(event);
    for key in run.secret.as_text_keys() {
        let answer = run
            .receiver
            .post(
                &new_message_id(),
                &compact,
                Signature::With(&key, now / 1000),
            )
            .await;
        if answer.is_success() {
            return Some((
                "it takes the event only when the HMAC is keyed with the secret's text".into(),
                "the backend does not decode the secret: key the HMAC with the base64-decoded bytes after whsec_ (the svix library's Webhook(secret) does this); as it is, Clerk's real deliveries are all refused".into(),
            ));
        }
    }
    for layout in [Layout::Reserialised, Layout::Indented, Layout::Spaced] {
        let answer = run
            .receiver
            .post(
                &new_message_id(),
                &layout.bytes(event),
                Signature::With(run.secret, now / 1000),
            )
            .await;
        if answer.is_success() {
            return Some((
                format!("it takes the event only when the body is {}", layout.label()),
                "the backend re-serialises the parsed body before verifying, so Clerk's own bytes never verify: verify the raw body as received (Next.js: await req.text(); Express: express.raw({type: 'application/json'}) on this route; Flask: request.get_data()), then parse it".into(),
            ));
        }
    }
    None
}

/// Step 3: the report's `v1,test_signature`, and a correct signature ten minutes old.
pub async fn forgeries(run: &Run<'_>) -> StepReport {
    let step = Step::ForgeriesRefused;
    let now = now_ms();
    let body = Layout::Compact.bytes(&run.user.event(EventKind::Created, now));
    let stale_at = now / 1000 - 2 * TOLERANCE_SECS;
    let fake = run
        .receiver
        .post(&new_message_id(), &body, Signature::Fake(now / 1000))
        .await;
    let stale = run
        .receiver
        .post(
            &new_message_id(),
            &body,
            Signature::With(run.secret, stale_at),
        )
        .await;
    let seen = format!(
        "a fake signature (v1,test_signature) {}; a correct signature {} minutes old {}",
        fake.describe(),
        2 * TOLERANCE_SECS / 60,
        stale.describe()
    );
    let mut holes = Vec::new();
    if fake.is_success() {
        holes.push("it accepts unsigned forgeries: anyone who knows the URL can create, change and delete users");
    }
    if stale.is_success() {
        holes.push("it accepts old timestamps: a captured request can be replayed");
    }
    if !holes.is_empty() {
        return StepReport::new(
            step,
            Verdict::SecurityHole,
            format!("{seen}: {}", holes.join("; ")),
            Some(VERIFY_FIX.into()),
        );
    }
    let unconfirmed = [&fake, &stale]
        .iter()
        .any(|a| !a.status().is_some_and(|s| (400..500).contains(&s)));
    if unconfirmed {
        return StepReport::new(
            step,
            Verdict::Warning,
            seen,
            Some("not refused with a 4xx: a server error makes Svix retry for days, and no answer at all proves nothing; answer 400 when verification fails".into()),
        );
    }
    let inconclusive = run.created.is_none();
    StepReport::passed(
        step,
        if inconclusive {
            format!(
                "{seen} (the signed event was refused too, so the timestamp check is not proven)"
            )
        } else {
            seen
        },
    )
}
