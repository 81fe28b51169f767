//! `webhook`: verified and applied events per second through the listener on loopback, with p50
//! and p99 latency, against the same number of upserts sent straight to the database in the same
//! run (target: at least 80%); and verify-only requests per second (target: at least 20,000).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mongodb::bson::{Document, doc};
use syncdesk::webhook::SigningSecret;
use syncdesk::webhook::listener::{DEFAULT_BODY_LIMIT, Listener, ListenerConfig};
use syncdesk::webhook::send::{EventKind, envelope, example_user, new_message_id, signed_headers};

use crate::Outcome;

const APPLIED: usize = 2_000;
const VERIFY_ONLY: usize = 20_000;
const IN_FLIGHT: usize = 16;
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn event(n: usize, now_ms: i64) -> Vec<u8> {
    let mut user = example_user();
    user["id"] = format!("user_webhookbench{n:012}").into();
    user["email_addresses"][0]["email_address"] = format!("hook{n}@example.com").into();
    envelope(EventKind::Created, &user, now_ms)
        .to_string()
        .into_bytes()
}

/// Sends `bodies` signed, `IN_FLIGHT` at a time; returns the elapsed time and sorted latencies.
async fn send_all(url: &str, bodies: Vec<Vec<u8>>) -> (Duration, Vec<Duration>, usize) {
    let secret = SigningSecret::parse(SECRET).unwrap();
    let http = reqwest::Client::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let started = Instant::now();
    let results: Vec<(Duration, bool)> = futures_util::stream::iter(bodies)
        .map(|body| {
            let (http, secret) = (http.clone(), secret.clone());
            async move {
                let mut request = http.post(url).body(body.clone());
                for (name, value) in signed_headers(&secret, &new_message_id(), now, &body) {
                    request = request.header(name, value);
                }
                let sent = Instant::now();
                let ok = request.send().await.is_ok_and(|r| r.status().is_success());
                (sent.elapsed(), ok)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let failures = results.iter().filter(|(_, ok)| !ok).count();
    let mut latencies: Vec<Duration> = results.into_iter().map(|(d, _)| d).collect();
    latencies.sort();
    (elapsed, latencies, failures)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p) as usize)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

pub fn run() -> Outcome {
    let Ok(uri) = std::env::var("MONGODB_URI") else {
        return Outcome {
            lines: vec!["SKIPPED: MONGODB_URI not set (run `cargo xtask bench webhook`)".into()],
            met: false,
        };
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        // Straight to the database: one upsert by Clerk id per event, as many in flight.
        let direct = crate::fresh_store(&uri, "bench_webhook_direct").await;
        let users = direct.database().collection::<Document>("users");
        let started = Instant::now();
        let _: Vec<_> = futures_util::stream::iter(0..APPLIED)
            .map(|n| {
                let users = users.clone();
                async move {
                    users
                        .update_one(
                            doc! {"clerk_user_id": format!("user_webhookbench{n:012}")},
                            doc! {"$set": {"email": format!("hook{n}@example.com"), "name": "John Doe", "clerk_updated_at": 1}},
                        )
                        .upsert(true)
                        .await
                }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let direct_rate = APPLIED as f64 / started.elapsed().as_secs_f64();

        let store = crate::fresh_store(&uri, "bench_webhook_listener").await;
        let config = |path| ListenerConfig { port: 0, path, secret: SigningSecret::parse(SECRET).unwrap(), forward: None, body_limit: DEFAULT_BODY_LIMIT };
        let listener = Listener::start(config("/hook".into()), Some(store.clone())).await.unwrap();
        let (elapsed, latencies, failures) = send_all(&listener.url(), (0..APPLIED).map(|n| event(n, now_ms)).collect()).await;
        listener.stop().await;
        let applied_rate = APPLIED as f64 / elapsed.as_secs_f64();
        let written = store.count().await.unwrap_or(0);

        let verify_only = Listener::start(config("/hook".into()), None).await.unwrap();
        let body = event(0, now_ms);
        let (v_elapsed, v_latencies, v_failures) = send_all(&verify_only.url(), vec![body; VERIFY_ONLY]).await;
        verify_only.stop().await;
        let verify_rate = VERIFY_ONLY as f64 / v_elapsed.as_secs_f64();
        for s in [&direct, &store] {
            s.database().drop().await.unwrap();
        }
        let ratio = applied_rate / direct_rate;
        Outcome {
            lines: vec![
                format!("straight upserts to the database: {direct_rate:.0}/s ({IN_FLIGHT} in flight)"),
                format!(
                    "verified + applied through the listener: {applied_rate:.0}/s = {:.0}% of that (target >= 80%), p50 {:.1} ms, p99 {:.1} ms, {failures} failed, {written} users written",
                    ratio * 100.0,
                    percentile(&latencies, 0.5),
                    percentile(&latencies, 0.99)
                ),
                format!(
                    "verify only: {verify_rate:.0} requests/s (target >= 20000), p50 {:.2} ms, p99 {:.2} ms, {v_failures} failed",
                    percentile(&v_latencies, 0.5),
                    percentile(&v_latencies, 0.99)
                ),
            ],
            met: ratio >= 0.8 && verify_rate >= 20_000.0 && failures == 0 && v_failures == 0 && written == APPLIED as u64,
        }
    })
}
