//! The Webhooks view's commands over mock IPC: the listener's status when stopped, and every
//! refusal with its code (no listener and no URL, production, a bad timeout, a delivery no
//! longer kept), the webhook secret never in an answer.

use serde_json::json;

use syncdesk::secrets::{SecretName, Sensitive};

use super::{MockApp, overrides};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn app(clerk_key: Option<&str>) -> MockApp {
    let mut o = overrides(Some(super::DEAD_URI), Some("webhooks_commands"));
    o.secrets
        .push((SecretName::WebhookSecret, Sensitive::new(SECRET.into())));
    if let Some(key) = clerk_key {
        o.secrets
            .push((SecretName::ClerkSecretKey, Sensitive::new(key.into())));
    }
    MockApp::new(o, "syncdesk-test-unused")
}

#[test]
fn the_stopped_listener_offers_its_url_and_relay_lines() {
    let app = app(None);
    let status = app.ok("listener_status", json!({}));
    assert_eq!(status["running"], false);
    assert_eq!(
        status["url"], "http://127.0.0.1:8787/api/webhooks/clerk",
        "without a profile, the listener's defaults"
    );
    assert_eq!(
        status["relays"][0], "svix listen http://127.0.0.1:8787/api/webhooks/clerk",
        "the Svix line is ready for that port and path"
    );
    assert_eq!(status["log"], json!([]));
}

#[test]
fn each_refusal_says_what_to_do() {
    let app = app(None);
    let example = json!({"kind": "example"});
    let error = app
        .invoke(
            "send_test_event",
            json!({"to": null, "eventType": "user.created", "from": example}),
        )
        .unwrap_err();
    assert_eq!(error["code"], "invalid_input");
    assert!(
        error["message"].as_str().unwrap().contains("start it"),
        "no listener and no URL: {error}"
    );
    assert_eq!(
        app.err_code(
            "send_test_event",
            json!({"to": "http://127.0.0.1:1/x", "eventType": "user.renamed", "from": example})
        ),
        "invalid_input",
        "an event type Syncdesk cannot send"
    );
    assert_eq!(
        app.err_code("delivery_detail", json!({"seq": 7})),
        "invalid_input",
        "nothing is kept while no listener runs"
    );
    assert!(
        !app.transcript.borrow().contains(SECRET),
        "the webhook secret is never in an answer"
    );
}

#[test]
fn production_is_refused_for_test_events_and_the_doctor() {
    let app = app(Some("sk_live_SandboxKey0123456789abcdefABCDEF"));
    let send = app.err_code(
        "send_test_event",
        json!({"to": "http://127.0.0.1:1/x", "eventType": "user.created", "from": {"kind": "example"}}),
    );
    assert_eq!(
        send, "not_confirmed",
        "a production secret signs events taken as real"
    );
    let error = app
        .invoke(
            "check_backend",
            json!({"url": "http://127.0.0.1:1/x", "timeoutSecs": 5.0, "onStep": "__CHANNEL__:1"}),
        )
        .unwrap_err();
    assert_eq!(error["code"], "not_confirmed", "{error}");
}

#[test]
fn the_watch_follows_the_profiles_setting_and_refuses_a_bad_one() {
    let app = MockApp::new(
        syncdesk::workspace::Overrides::default(),
        "syncdesk-test-unused",
    );
    let profile = json!({"name": "dev", "environment": "development", "database": "app"});
    app.ok("save_profile", json!({"profile": profile}));
    assert_eq!(
        app.ok("watch_settings", json!({}))["interval_secs"],
        serde_json::Value::Null,
        "off by default"
    );
    let mut watched = app.ok("get_profile", json!({"name": "dev"}));
    watched["watchMinutes"] = json!(15);
    app.ok(
        "save_profile",
        json!({"profile": watched, "previous": "dev"}),
    );
    assert_eq!(
        app.ok("watch_settings", json!({}))["interval_secs"],
        900,
        "every 15 minutes"
    );
    watched["watchMinutes"] = json!(0);
    let error = app
        .invoke(
            "save_profile",
            json!({"profile": watched, "previous": "dev"}),
        )
        .unwrap_err();
    assert_eq!(error["code"], "invalid_input", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("1 to 1440"),
        "{error}"
    );
}
