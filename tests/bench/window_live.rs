//! `window_live`: live updates in the real window. The release app reads the sandbox's 2,000
//! users against an empty database (a team's development instance, every user missing), its
//! listener is started by a click, and 200 signed `user.created` events are POSTed at 20 per
//! second. Each is timed from its POST to the first repaint of the Users view that includes it
//! (the page's `syncdesk:live-painted` mark, which names the last delivery its table holds), on
//! one clock: the page's `performance.timeOrigin` and this process's both count from the Unix
//! epoch. Target: p95 under 250 ms.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::Client;
use serde_json::{Value, json};
use syncdesk::webhook::SigningSecret;
use syncdesk::webhook::send::{EventKind, envelope, new_message_id, signed_headers};

use crate::Outcome;
use crate::window::{Driver, connect, free_port, sandbox, wait_count};

// A development key: the window applies webhook events only outside production. 2,000 users
// are four pages, well inside its 100 requests / 10 s.
const KEY: &str = "sk_test_BenchWindowLive0123456789abcdefAB";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const USERS: usize = 2_000;
const EVENTS: usize = 200;
const EVERY: Duration = Duration::from_millis(50);
const P95_MS: f64 = 250.0;

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

pub fn run() -> Outcome {
    let Some(app) = std::env::var_os("SYNCDESK_APP") else {
        return Outcome {
            lines: vec![
                "not run: needs the release app and a display; run `cargo xtask bench window_live`"
                    .into(),
            ],
            met: false,
        };
    };
    let uri = std::env::var("MONGODB_URI").expect("cargo xtask bench sets MONGODB_URI");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let latencies = runtime.block_on(measure(Path::new(&app), &uri));
    let at = |q: usize| latencies[(latencies.len() * q / 100).min(latencies.len() - 1)];
    let (p50, p95) = (at(50), at(95));
    Outcome {
        lines: vec![
            format!(
                "{EVENTS} signed user.created events at 20/s into the window's listener over {USERS} users: POST to the row repainted p50 {p50:.1} ms, p95 {p95:.1} ms, max {:.1} ms",
                latencies[latencies.len() - 1]
            ),
            format!("p95 {:.2}x of the {P95_MS} ms target", p95 / P95_MS),
        ],
        met: p95 < P95_MS,
    }
}

async fn click(client: &Client, id: &str) {
    client
        .execute(&format!("document.getElementById('{id}').click();"), vec![])
        .await
        .unwrap();
}

async fn measure(app: &Path, uri: &str) -> Vec<f64> {
    let (mut sandbox, url) = sandbox(USERS);
    let database = "bench_window_live";
    let store = crate::fresh_store(uri, database).await;
    let data = tempfile::tempdir().unwrap();
    let mut driver = Driver::spawn(
        data.path(),
        &[
            ("SYNCDESK_MONGODB_URI", uri),
            ("SYNCDESK_DATABASE", database),
            ("SYNCDESK_CLERK_SECRET_KEY", KEY),
            ("SYNCDESK_CLERK_API_URL", &url),
            ("SYNCDESK_WEBHOOK_SECRET", SECRET),
        ],
    );
    let client = connect(driver.port, app).await;
    wait_count(&client, USERS, Duration::from_secs(300)).await;

    // The listener, started by its button on a free port; then back to the Users view.
    let port = free_port();
    click(&client, "nav-webhooks").await;
    client
        .execute(
            &format!("document.getElementById('hook-port').value = '{port}';"),
            vec![],
        )
        .await
        .unwrap();
    click(&client, "hook-toggle").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the listener did not start on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    click(&client, "nav-users").await;

    // The sandbox's users, as Clerk's API gives them: each event is about one of them.
    let http = reqwest::Client::new();
    let users: Vec<Value> = http
        .get(format!("{url}/users?limit={EVENTS}&order_by=created_at"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.len(), EVENTS);
    let secret = SigningSecret::parse(SECRET).unwrap();
    let target = format!("http://127.0.0.1:{port}/api/webhooks/clerk");
    let mut sent_at = Vec::with_capacity(EVENTS);
    let start = Instant::now();
    for (i, user) in users.iter().enumerate() {
        // Paced at 20 per second from the start, not from the last answer.
        let slot = start + EVERY * u32::try_from(i).unwrap();
        tokio::time::sleep_until(slot.into()).await;
        let now = epoch_ms();
        let body = envelope(EventKind::Created, user, now as i64).to_string();
        let mut request = http.post(&target).body(body.clone());
        for (name, value) in signed_headers(
            &secret,
            &new_message_id(),
            (now / 1000.0) as i64,
            body.as_bytes(),
        ) {
            request = request.header(name, value);
        }
        sent_at.push(now);
        let status = request.send().await.unwrap().status();
        assert!(status.is_success(), "event {i} answered {status}");
    }
    // Each event is delivery `i + 1` of this listener: its latency ends at the first paint whose
    // table includes it.
    let script = r"
        const [want, done] = arguments;
        const tick = () => {
          const marks = performance.getEntriesByName('syncdesk:live-painted', 'mark');
          const last = marks.length ? marks[marks.length - 1].detail.seq : 0;
          if (last >= want) done(marks.map((m) => [m.detail.seq, performance.timeOrigin + m.startTime]));
          else setTimeout(tick, 20);
        };
        tick();";
    let marks: Vec<(u64, f64)> = serde_json::from_value(
        client
            .execute_async(script, vec![json!(EVENTS)])
            .await
            .unwrap(),
    )
    .unwrap();
    let mut latencies: Vec<f64> = sent_at
        .iter()
        .enumerate()
        .map(|(i, at)| {
            let seq = i as u64 + 1;
            let painted = marks
                .iter()
                .find(|(through, _)| *through >= seq)
                .map(|(_, t)| *t)
                .unwrap_or(f64::INFINITY);
            painted - at
        })
        .collect();
    latencies.sort_by(f64::total_cmp);

    let _ = client.close().await;
    driver.stop();
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    let _ = store.database().drop().await;
    latencies
}
