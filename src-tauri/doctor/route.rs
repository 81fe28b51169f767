//! Step 1: does anything answer POSTs at the route? An unsigned request must reach the
//! webhook's own code (which refuses it), not a missing page, a redirect or an auth wall.

use super::probe::Answer;
use super::probe::Signature;
use super::{Run, Step, StepReport, Verdict};

/// Whether a 3xx's target looks like a sign-in page.
fn is_sign_in(location: &str) -> bool {
    let lower = location.to_ascii_lowercase();
    ["sign-in", "signin", "login", "log-in", "auth"]
        .iter()
        .any(|w| lower.contains(w))
}

const AUTH_FIX: &str = "an auth middleware guards the route and answers before any signature check: make the webhook route public (Clerk's clerkMiddleware: leave it out of the protected routes, e.g. createRouteMatcher(['/api/webhooks(.*)']) as public); the Svix signature is its authentication";

pub async fn answers(run: &Run<'_>) -> StepReport {
    let step = Step::RouteAnswers;
    let url = run.receiver.url();
    let answer = run
        .receiver
        .post("msg_syncdeskdoctorprobe0000000", b"{}", Signature::None)
        .await;
    let seen = format!("an unsigned POST to {url} {}", answer.describe());
    match &answer {
        Answer::Refused(_) => StepReport::failed(
            step,
            seen,
            "nothing listens at this host and port: start the backend, or check the port in the URL",
        ),
        Answer::Tls(_) => StepReport::failed(
            step,
            seen,
            "for a backend on this machine use http://; for https://, the certificate must be valid for the host (Svix refuses self-signed certificates too)",
        ),
        Answer::Timeout => StepReport::failed(
            step,
            format!("an unsigned POST to {url} got no answer within {} s", run.timeout.as_secs_f64()),
            "the route hangs: it must answer quickly (Svix gives up after 15 s and retries); check that the handler ends every request, or raise --timeout",
        ),
        Answer::Broken(_) => StepReport::failed(
            step,
            seen,
            "check the host name in the URL and that the backend is up",
        ),
        Answer::Status { status, location, asks_for_auth, .. } => match *status {
            300..=399 => {
                let target = location.as_deref().unwrap_or("(no Location)");
                let fix = if is_sign_in(target) {
                    AUTH_FIX.to_string()
                } else {
                    format!(
                        "Svix does not follow redirects: give Clerk the final URL ({target}); a trailing slash or http→https redirect is the usual cause"
                    )
                };
                StepReport::failed(step, format!("{seen} (redirect to {target})"), fix)
            }
            401 | 403 | 404 if *asks_for_auth => StepReport::failed(step, format!("{seen} (asking for credentials)"), AUTH_FIX),
            404 => StepReport::failed(
                step,
                seen,
                "no route at this path: the path in Clerk's endpoint URL must be the route's (e.g. /api/webhooks/clerk), and the port must be this backend's, not another app's",
            ),
            405 => StepReport::failed(
                step,
                seen,
                "the route does not take POST: webhooks are always POSTed (Next.js: export async function POST; Express: app.post)",
            ),
            500..=599 => StepReport::new(
                step,
                Verdict::Warning,
                seen,
                Some("the route answers, but a request without signature headers should get 400, not a server error: catch the verification error and answer 400".into()),
            ),
            _ => StepReport::passed(step, seen),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_pages_are_told_from_other_redirects() {
        assert!(is_sign_in(
            "https://accounts.example.com/sign-in?redirect_url=x"
        ));
        assert!(is_sign_in("/login"));
        assert!(!is_sign_in("http://localhost:3000/api/webhooks/clerk/"));
    }
}
