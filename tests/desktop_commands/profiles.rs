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

    let mut renamed = app.ok("get_profile", json!({"name": "dev"}));
    renamed["name"] = json!("dev2");
    app.ok(
        "save_profile",
        json!({"profile": renamed, "previous": "dev"}),
    );
    assert_eq!(
        app.ok("secret_status", json!({"profile": "dev2"})),
        json!({"clerk_secret_key": "set", "mongodb_uri": "not set", "webhook_secret": "set"}),
        "a rename moves the secrets with the profile"
    );
    let old = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(syncdesk::keychain::Keychain::new(&service).which_are_set("dev"))
        .unwrap();
    assert!(
        old.iter().all(|(_, s)| !s),
        "nothing is left under the old name for a new profile to inherit"
    );
    app.ok("remove_profile", json!({"name": "dev2"}));
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

#[test]
fn test_profile_reports_each_step_and_suggests_a_mapping() {
    let Some((rt, db)) = seeded("test_profile_steps") else {
        return;
    };
    // Documents of a backend with camelCase names, read with the default mapping.
    rt.block_on(
        db.store.replace_all(
            (0..30)
                .map(|i| {
                    mongodb::bson::doc! {
                        "userId": i, "clerkId": format!("user_2camel{i:04}"),
                        "mail": format!("c{i}@example.com"), "displayName": format!("Camel {i}"),
                    }
                })
                .collect(),
        ),
    )
    .unwrap();
    let app = MockApp::new(
        overrides(Some(&db.uri), Some(&db.name)),
        "syncdesk-test-unused",
    );
    let report = app.ok("test_profile", json!({}));
    let verdicts: Vec<(String, String)> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().into(),
                s["verdict"].as_str().unwrap().into(),
            )
        })
        .collect();
    let verdict = |kind: &str| verdicts.iter().find(|(k, _)| k == kind).unwrap().1.clone();
    assert_eq!(verdict("clerk"), "fail", "no Clerk key anywhere: {report}");
    assert_eq!(verdict("database"), "pass");
    assert_eq!(verdict("collection"), "pass");
    assert_eq!(verdict("mapping"), "fail", "{report}");
    assert_eq!(
        verdict("webhook_secret"),
        "warn",
        "only some commands need it"
    );
    let mapping = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "mapping")
        .unwrap();
    assert!(
        mapping["detail"]
            .as_str()
            .unwrap()
            .contains("reads the Clerk id from `clerk_user_id`, but 0 of 30 sampled documents have it; 30 have `clerkId`"),
        "{mapping}"
    );
    assert_eq!(report["suggested_mapping"]["clerk_id"], "clerkId");
    assert_eq!(report["suggested_mapping"]["email"], "mail");
    rt.block_on(db.cleanup());
}

#[test]
fn a_change_the_cli_made_meanwhile_is_never_undone_by_the_window() {
    let app = MockApp::new(Overrides::default(), "syncdesk-test-unused");
    let add = cli(app.dir.path(), "syncdesk-test-unused")
        .args(["profile", "add", "staging", "--environment", "staging"])
        .output()
        .unwrap();
    assert!(add.status.success());
    let loaded = app.ok("get_profile", json!({"name": "staging"}));
    let edit = cli(app.dir.path(), "syncdesk-test-unused")
        .args(["profile", "edit", "staging", "--environment", "production"])
        .output()
        .unwrap();
    assert!(edit.status.success());
    let mut changed = loaded.clone();
    changed["color"] = json!("#123456");
    assert_eq!(
        app.err_code(
            "save_profile",
            json!({"profile": changed, "previous": "staging", "loaded": loaded})
        ),
        "conflict",
        "the page's copy is stale: saving it would turn production back into staging"
    );
    // The Settings view saves only the fields it edits, onto the profile as it is now.
    let mut settings = app.ok("get_settings", json!({}));
    settings["database"] = json!("app");
    settings["environment"] = json!("development");
    app.ok("save_settings", json!({"settings": settings}));
    let now = app.ok("get_profile", json!({"name": "staging"}));
    assert_eq!(now["database"], "app", "the edited field is saved");
    assert_eq!(
        now["environment"], "production",
        "the CLI's change to a field the view does not edit is kept"
    );
}

#[test]
fn the_mapping_variable_overrides_a_profile_but_is_never_saved_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.json");
    std::fs::write(&mapping, r#"{"collection": "accounts"}"#).unwrap();
    let run = |args: &[&str]| {
        cli(dir.path(), "syncdesk-test-unused")
            .env("SYNCDESK_MAPPING", &mapping)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["profile", "add", "dev"]).status.success());
    assert!(
        run(&["profile", "edit", "dev", "--color", "#123456"])
            .status
            .success()
    );
    let shown = run(&["profile", "show", "dev", "--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        shown["mapping"]["collection"], "users",
        "only --mapping becomes the profile's own"
    );
}

#[test]
fn unticking_the_default_leaves_no_default_for_the_cli_either() {
    let app = MockApp::new(Overrides::default(), "syncdesk-test-unused");
    let out = cli(app.dir.path(), "syncdesk-test-unused")
        .args(["profile", "add", "dev"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dev = app.ok("get_profile", json!({"name": "dev"}));
    app.ok(
        "save_profile",
        json!({"profile": dev, "previous": "dev", "makeDefault": true}),
    );
    assert_eq!(
        app.ok("list_profiles", json!({}))["profiles"][0]["default"],
        true
    );

    app.ok(
        "save_profile",
        json!({"profile": dev, "previous": "dev", "makeDefault": false}),
    );
    let list = app.ok("list_profiles", json!({}));
    assert_eq!(
        (&list["profiles"][0]["default"], &list["active"]),
        (&json!(false), &json!("dev")),
        "unticked: no default, while this window stays on the profile it showed: {list}"
    );
    app.ok("save_profile", json!({"profile": dev, "previous": "dev"}));
    let list = app.ok("list_profiles", json!({}));
    assert_eq!(
        list["profiles"][0]["default"], false,
        "a save that leaves the box alone leaves the default alone: {list}"
    );
    let out = cli(app.dir.path(), "syncdesk-test-unused")
        .args(["profile", "list"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("dev") && !listed.lines().any(|l| l.starts_with('*')),
        "the CLI marks no default either: {listed}"
    );
    let out = cli(app.dir.path(), "syncdesk-test-unused")
        .args(["profile", "add", "second"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = app.ok("list_profiles", json!({}));
    assert!(
        list["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["default"] == false),
        "a profile added later does not become the default chosen away on purpose: {list}"
    );
}

#[test]
fn a_first_profile_saved_unticked_is_in_use_but_no_default_and_nothing_brings_one_back() {
    let app = MockApp::new(Overrides::default(), "syncdesk-test-unused");
    let mut dev = app.ok("get_settings", json!({}));
    dev["name"] = json!("dev");
    app.ok(
        "save_profile",
        json!({"profile": dev, "makeDefault": false}),
    );
    let list = app.ok("list_profiles", json!({}));
    assert_eq!(
        (&list["profiles"][0]["default"], &list["active"]),
        (&json!(false), &json!("dev")),
        "unticked on the first profile: no default, and the profile just saved is in use: {list}"
    );

    app.ok("choose_profile", json!({"name": null}));
    assert_eq!(
        app.err_code(
            "set_secret",
            json!({"name": "clerk_secret_key", "value": "sk_test_Abc123def456ghi789"})
        ),
        "not_configured",
        "with profiles but none in use, a secret is not quietly given to a new `default` profile"
    );
    let list = app.ok("list_profiles", json!({}));
    assert_eq!(
        list["profiles"].as_array().unwrap().len(),
        1,
        "no profile was added behind the person's back: {list}"
    );
}
