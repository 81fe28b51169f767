//! `syncdesk profile …` as a person runs it: profiles in the shared settings file, secrets in the
//! real OS keychain (Secret Service), and a profile alone driving every command, with no
//! `SYNCDESK_*` credential in the environment.

use std::path::Path;
use std::process::Output;

use crate::support::{cli, run_with_input, unique_name};

fn run(dir: &Path, service: &str, args: &[&str]) -> (bool, String) {
    let out: Output = cli(dir, service).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn profiles_are_added_listed_edited_made_default_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("syncdesk-test-{}", unique_name("profile_crud"));
    let d = dir.path();
    let (ok, text) = run(
        d,
        &service,
        &[
            "profile",
            "add",
            "staging",
            "--database",
            "app",
            "--environment",
            "staging",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = run(
        d,
        &service,
        &["profile", "add", "prod", "--environment", "production"],
    );
    assert!(ok, "{text}");
    let (_, list) = run(d, &service, &["profile", "list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("* staging") && l.contains("staging") && l.contains("app")),
        "the first profile is the default: {list}"
    );
    let (ok, text) = run(d, &service, &["profile", "add", "prod"]);
    assert!(
        !ok && text.contains("already exists"),
        "names are unique: {text}"
    );
    let (ok, text) = run(d, &service, &["profile", "add", "my profile"]);
    assert!(
        !ok && text.contains("not a profile name"),
        "a name that cannot be typed as one argument is refused: {text}"
    );
    let (ok, text) = run(
        d,
        &service,
        &["profile", "edit", "prod", "--color", "#aa0000", "--default"],
    );
    assert!(ok, "{text}");
    let (_, show) = run(d, &service, &["profile", "show", "prod", "--json"]);
    let shown: serde_json::Value = serde_json::from_str(show.lines().next().unwrap()).unwrap();
    assert_eq!(shown["color"], "#aa0000", "the edit was saved: {show}");
    assert_eq!(shown["default"], true, "--default moved the default");
    assert_eq!(shown["environment"], "production");
    let expected =
        if cfg!(feature = "keychain") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            "not set"
        } else {
            "unknown (keychain unavailable)"
        };
    assert_eq!(
        shown["secrets"]["clerk_secret_key"], expected,
        "secrets only as set / not set (a build without a keychain cannot tell): {show}"
    );
    let (ok, text) = run(d, &service, &["profile", "remove", "prod"]);
    assert!(ok, "{text}");
    let (_, list) = run(d, &service, &["profile", "list"]);
    assert!(
        list.lines().any(|l| l.starts_with("* staging")) && !list.contains("prod"),
        "removing the default passes it on: {list}"
    );
    let (ok, text) = run(d, &service, &["--profile", "nope", "db", "users"]);
    assert!(
        !ok && text.contains("no profile named \"nope\"") && text.contains("staging"),
        "an unknown --profile names the known ones: {text}"
    );
}

#[cfg(not(feature = "keychain"))]
#[test]
fn without_a_keychain_a_secret_is_refused_never_kept_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = run(dir.path(), "unused", &["profile", "add", "dev"]);
    assert!(ok, "{text}");
    let mut cmd = cli(dir.path(), "unused");
    cmd.args(["profile", "set-secret", "dev", "clerk-secret-key"]);
    let (ok, text) = run_with_input(&mut cmd, "sk_test_abcdefgh\n");
    assert!(
        !ok && text.contains("no keychain support") && text.contains("SYNCDESK_"),
        "says there is no keychain and what to use instead: {text}"
    );
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let written = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        assert!(
            !written.contains("sk_test_abcdefgh"),
            "no plaintext fallback"
        );
    }
}

#[cfg(feature = "keychain")]
mod keychain {
    use super::*;
    use crate::support::clerk::TEST_KEY;
    use crate::support::keychain_or_skip;
    use syncdesk::keychain::Keychain;
    use syncdesk::secrets::SecretName;

    fn set_secret(dir: &Path, service: &str, profile: &str, secret: &str, value: &str) {
        let mut cmd = cli(dir, service);
        cmd.args(["profile", "set-secret", profile, secret]);
        let (ok, text) = run_with_input(&mut cmd, &format!("{value}\n"));
        assert!(ok, "set-secret {secret}: {text}");
        assert!(!text.contains(value), "the value is never echoed: {text}");
    }

    /// Every file under `dir`, read as text.
    fn files_under(dir: &Path) -> Vec<(String, String)> {
        let mut found = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                    found.push((path.display().to_string(), text));
                }
            }
        }
        found
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_profile_with_its_secrets_in_the_keychain_drives_every_command() {
        if !keychain_or_skip("a_profile_with_its_secrets_in_the_keychain_drives_every_command") {
            return;
        }
        let Some((db, handle)) = crate::support::seed_report_world("profile_drives").await else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let service = format!("syncdesk-test-{}", unique_name("profile_drives"));
        let webhook = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let url = handle.base_url.clone();
        let mut outputs = String::new();

        let (ok, text) = run(
            d,
            &service,
            &[
                "profile",
                "add",
                "dev",
                "--database",
                &db.name,
                "--clerk-api-url",
                &url,
            ],
        );
        assert!(ok, "{text}");
        set_secret(d, &service, "dev", "mongodb-uri", &db.uri);
        set_secret(d, &service, "dev", "clerk-secret-key", TEST_KEY);
        set_secret(d, &service, "dev", "webhook-secret", webhook);
        let stored = Keychain::new(&service)
            .get("dev", SecretName::ClerkSecretKey)
            .await
            .unwrap();
        assert_eq!(
            stored.as_ref().map(|v| v.expose().as_str()),
            Some(TEST_KEY),
            "the key is in the real Secret Service under this profile"
        );
        let (_, show) = run(d, &service, &["profile", "show", "dev"]);
        assert!(
            show.contains("clerk-secret-key set") && show.contains("mongodb-uri   set"),
            "show says set, never the value: {show}"
        );
        outputs.push_str(&show);
        let (ok, tested) = run(d, &service, &["profile", "test", "dev"]);
        assert!(
            ok && tested.contains("pass  Clerk")
                && tested.contains("a development instance (sk_test_ key)")
                && tested.contains("pass  collection")
                && tested.contains("holds 33 documents")
                && tested.contains("pass  webhook secret"),
            "every step of a working profile passes: {tested}"
        );
        assert!(
            tested.contains("warn  field mapping")
                && tested.contains("but 2 of 33 sampled documents have it"),
            "the seed report's local users have no Clerk id: a warning, not a failure: {tested}"
        );
        outputs.push_str(&tested);

        let (ok, diff) = run(d, &service, &["diff"]);
        assert!(
            ok && diff.contains("profile dev (development)") && diff.contains("missing"),
            "the default profile alone reads both sides: {diff}"
        );
        outputs.push_str(&diff);
        let (ok, users) = run(d, &service, &["db", "users"]);
        assert!(ok && users.contains("33 users"), "{users}");
        let (ok, dry) = run(d, &service, &["--profile", "dev", "sync", "--dry-run"]);
        assert!(ok && dry.contains("dry run: nothing written"), "{dry}");
        outputs.push_str(&dry);

        // The production guard follows the profile, not only the key's prefix.
        let (ok, text) = run(
            d,
            &service,
            &["profile", "edit", "dev", "--environment", "production"],
        );
        assert!(ok, "{text}");
        let (ok, refused) = run(d, &service, &["sync"]);
        assert!(
            !ok && refused.contains("profile dev (production) writes to a production instance")
                && refused.contains("--yes"),
            "a production profile's sync needs --yes: {refused}"
        );
        let (ok, refused) = run(d, &service, &["create-user", "--email", "new@example.com"]);
        assert!(
            !ok && refused.contains("--yes")
                && refused.contains("creating a user with profile dev (production)"),
            "every write names the profile and its environment first: {refused}"
        );
        let (ok, refused_event) = run(
            d,
            &service,
            &[
                "send-event",
                "--to",
                "http://127.0.0.1:9/webhooks/clerk",
                "--type",
                "user.created",
            ],
        );
        assert!(
            !ok && refused_event
                .contains("profile dev (production) writes to a production instance")
                && refused_event.contains("--yes"),
            "an event signed with a production secret is taken as real, so it needs --yes too: \
             {refused_event}"
        );
        assert_eq!(
            db.raw_users().await.len(),
            33,
            "nothing was written by the refused commands"
        );
        let (ok, applied) = run(d, &service, &["sync", "--yes"]);
        assert!(
            ok && applied.contains("applying with profile dev (production)"),
            "{applied}"
        );
        outputs.push_str(&refused);
        outputs.push_str(&applied);

        for secret in [TEST_KEY, webhook, db.uri.as_str()] {
            assert!(!outputs.contains(secret), "a secret was printed: {outputs}");
            for (path, text) in files_under(d) {
                assert!(!text.contains(secret), "a secret was written to {path}");
            }
        }

        let (ok, text) = run(d, &service, &["profile", "remove", "dev"]);
        assert!(ok, "{text}");
        let left = Keychain::new(&service).which_are_set("dev").await.unwrap();
        assert!(
            left.iter().all(|(_, set)| !set),
            "removing a profile removes its secrets: {left:?}"
        );
        db.cleanup().await;
    }

    #[tokio::test]
    async fn import_env_takes_the_secrets_lists_the_rest_and_infers_production() {
        if !keychain_or_skip("import_env_takes_the_secrets_lists_the_rest_and_infers_production") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let service = format!("syncdesk-test-{}", unique_name("import_env"));
        let env_file = dir.path().join("backend.env");
        std::fs::write(
            &env_file,
            "# backend\r\nexport CLERK_SECRET_KEY=\"sk_live_abcdefghijklmnop\"\r\n\
             NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_live_xyz\r\n\
             CLERK_WEBHOOK_SECRET=your_webhook_secret_here\r\n\
             MONGO_URI='mongodb://app:s3cret@db.example.com:27017/shop?authSource=admin'\r\n",
        )
        .unwrap();
        let data = dir.path().join("data");
        let (ok, text) = run(
            &data,
            &service,
            &["profile", "import-env", "prod", env_file.to_str().unwrap()],
        );
        assert!(ok, "{text}");
        for expected in [
            "created profile prod",
            "took CLERK_SECRET_KEY as the Clerk secret key",
            "took MONGO_URI as the MongoDB URI",
            "took the path of MONGO_URI as the database name: shop",
            "ignored NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY",
            "ignored CLERK_WEBHOOK_SECRET: not a usable webhook signing secret",
            "no webhook signing secret found",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in: {text}");
        }
        assert!(
            !text.contains("s3cret") && !text.contains("sk_live_abc"),
            "values never printed: {text}"
        );
        let (_, show) = run(&data, &service, &["profile", "show", "prod", "--json"]);
        let shown: serde_json::Value = serde_json::from_str(show.lines().next().unwrap()).unwrap();
        assert_eq!(
            shown["environment"], "production",
            "an sk_live_ key is a production instance"
        );
        assert_eq!(shown["database"], "shop");
        assert_eq!(shown["secrets"]["mongodb_uri"], "set");
        assert_eq!(shown["secrets"]["webhook_secret"], "not set");
        for (path, text) in files_under(&data) {
            assert!(
                !text.contains("s3cret"),
                "the URI's password reached {path}"
            );
        }
        // A second import that cannot be saved (a database name MongoDB refuses) changes nothing.
        let bad = dir.path().join("bad.env");
        std::fs::write(
            &bad,
            "CLERK_SECRET_KEY=sk_test_replacement123\nDB_NAME=my.db\n",
        )
        .unwrap();
        let (ok, text) = run(
            &data,
            &service,
            &["profile", "import-env", "prod", bad.to_str().unwrap()],
        );
        assert!(
            !ok && text.contains("was not imported") && text.contains("database"),
            "{text}"
        );
        let key = Keychain::new(&service)
            .get("prod", SecretName::ClerkSecretKey)
            .await
            .unwrap();
        assert_eq!(
            key.as_ref().map(|k| k.expose().as_str()),
            Some("sk_live_abcdefghijklmnop"),
            "the refused import did not replace the key"
        );
        Keychain::new(&service).clear_all("prod").await.unwrap();
    }

    #[tokio::test]
    async fn an_earlier_versions_settings_and_secrets_become_the_profile_default() {
        if !keychain_or_skip("an_earlier_versions_settings_and_secrets_become_the_profile_default")
        {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let service = format!("syncdesk-test-{}", unique_name("legacy"));
        let file = dir
            .path()
            .join(syncdesk::profile::file::this_build_file_name());
        std::fs::write(&file, r#"{"settings": {"database": "app"}}"#).unwrap();
        // Where the earlier window kept the URI: the bare account name.
        keyring::Entry::new(&service, "mongodb_uri")
            .unwrap()
            .set_password("mongodb://legacy.example.com")
            .unwrap();
        let (ok, text) = run(dir.path(), &service, &["profile", "show", "default"]);
        assert!(
            ok && text.contains("database      app") && text.contains("mongodb-uri   set"),
            "{text}"
        );
        let moved = Keychain::new(&service)
            .get("default", SecretName::MongodbUri)
            .await
            .unwrap();
        assert_eq!(
            moved.as_ref().map(|v| v.expose().as_str()),
            Some("mongodb://legacy.example.com")
        );
        assert!(
            matches!(
                keyring::Entry::new(&service, "mongodb_uri")
                    .unwrap()
                    .get_password(),
                Err(keyring::Error::NoEntry)
            ),
            "the old entry is gone once moved"
        );
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("\"profiles\"")
        );
        Keychain::new(&service).clear_all("default").await.unwrap();
    }
}
