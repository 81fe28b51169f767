//! Profile commands: the window and the CLI share one settings file and one keychain, so what
//! either saves the other sees.

use serde_json::json;

use syncdesk::workspace::Overrides;

use super::{MockApp, overrides, seeded, usernames};
use crate::support::{cli, keychain_or_skip, run_with_input, unique_name};

#[test]
fn a_profile_the_cli_adds_appears_in_the_window_and_the_other_way_round() {
    let app = MockApp::new(Overrides::default(), "syncdesk-test-unused");
    let out = cli(app.dir.path(), "syncdesk-test-unused")
        .args([
            "profile",
            "add",
            "staging",
            "--environment",
            "staging",
            "--database",
            "app",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = app.ok("list_profiles", json!({}));
    assert_eq!(
        list["profiles"][0]["name"], "staging",
        "the CLI's profile: {list}"
    );
    assert_eq!(list["profiles"][0]["environment"], "staging");
    assert_eq!(
        list["active"], "staging",
        "the only profile is the default, so in use"
    );

    let mut prod = app.ok("get_profile", json!({"name": "staging"}));
    prod["name"] = json!("prod");
    prod["environment"] = json!("production");
    app.ok(
        "save_profile",
        json!({"profile": prod, "makeDefault": true}),
    );
    let out = cli(app.dir.path(), "syncdesk-test-unused")
        .args(["profile", "list"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("* prod") && l.contains("production")),
        "the window's profile, now the default, is in the CLI's list: {listed}"
    );
    assert!(
        listed.contains("staging"),
        "and the CLI's is still there: {listed}"
    );

    prod["color"] = json!("not a colour");
    assert_eq!(
        app.err_code("save_profile", json!({"profile": prod, "previous": "prod"})),
        "invalid_input",
        "a bad field is refused, with the field named"
    );
    assert_eq!(
        app.err_code("choose_profile", json!({"name": "gone"})),
        "not_configured",
        "an unknown profile cannot be chosen"
    );
}

#[test]
fn choosing_a_profile_switches_the_database_the_window_reads() {
    let Some((rt, db)) = seeded("choose_profile") else {
        return;
    };
    // The URI from the environment, the database from the profile chosen.
    let app = MockApp::new(overrides(Some(&db.uri), None), "syncdesk-test-unused");
    let mut empty = app.ok("get_settings", json!({}));
    empty["name"] = json!("empty");
    empty["database"] = json!(format!("{}_nothing", db.name));
    app.ok("save_profile", json!({"profile": empty}));
    let mut seeded_profile = empty.clone();
    seeded_profile["name"] = json!("seeded");
    seeded_profile["database"] = json!(db.name);
    app.ok("save_profile", json!({"profile": seeded_profile}));
    assert_eq!(
        app.err_code("list_db_users", json!({})),
        "collection_missing",
        "the default (first) profile's database has no users collection"
    );
    app.ok("choose_profile", json!({"name": "seeded"}));
    assert_eq!(
        usernames(&app.ok("list_db_users", json!({}))).len(),
        33,
        "the chosen profile's database, on a fresh connection"
    );
    rt.block_on(db.cleanup());
}

#[test]
fn secrets_set_in_the_window_are_read_by_the_cli_and_the_other_way_round() {
    if !keychain_or_skip("secrets_set_in_the_window_are_read_by_the_cli_and_the_other_way_round") {
        return;
    }
    let service = format!("syncdesk-test-{}", unique_name("shared_keychain"));
    let app = MockApp::new(Overrides::default(), &service);
    let mut dev = app.ok("get_settings", json!({}));
    dev["name"] = json!("dev");
    app.ok("save_profile", json!({"profile": dev}));
    app.ok(
        "set_secret",
        json!({"profile": "dev", "name": "clerk_secret_key", "value": "sk_live_windowkey1234"}),
    );
    let list = app.ok("list_profiles", json!({}));
    assert_eq!(
        list["profiles"][0]["environment"], "production",
        "a live key marks a development profile production"
    );
    let out = cli(app.dir.path(), &service)
        .args(["profile", "show", "dev"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("clerk-secret-key set") && shown.contains("webhook-secret not set"),
        "the CLI reads the window's keychain entry: {shown}"
    );
    assert!(
        !shown.contains("windowkey"),
        "as set, never the value: {shown}"
    );

    let mut set = cli(app.dir.path(), &service);
    set.args(["profile", "set-secret", "dev", "webhook-secret"]);
    let (ok, text) = run_with_input(&mut set, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    assert!(ok, "{text}");
    let status = app.ok("secret_status", json!({"profile": "dev"}));
    assert_eq!(
        status,
        json!({"clerk_secret_key": "set", "mongodb_uri": "not set", "webhook_secret": "set"}),
        "the window sees the CLI's secret"
    );

    app.ok("remove_profile", json!({"name": "dev"}));
    let status = app.ok("secret_status", json!({"profile": null}));
    assert_eq!(
        status,
        json!({"clerk_secret_key": "not set", "mongodb_uri": "not set", "webhook_secret": "not set"}),
        "no profile left"
    );
    let left = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(syncdesk::keychain::Keychain::new(&service).which_are_set("dev"))
        .unwrap();
    assert!(
        left.iter().all(|(_, s)| !s),
        "removing the profile removed its secrets"
    );
}
