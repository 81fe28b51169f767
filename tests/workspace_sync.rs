//! The core's sync use cases as both front ends call them: preview, then apply with progress
//! and cancellation between batches, against the Clerk sandbox and the test database.

use std::sync::Mutex;

use syncdesk::keychain::Keychain;
use syncdesk::profile::file::ProfileFile;
use syncdesk::secrets::{SecretName, Sensitive};
use syncdesk::sync::apply::Cancel;
use syncdesk::workspace::sync::{Confirmation, SyncOptions};
use syncdesk::workspace::{Overrides, Workspace, WorkspaceError};

use crate::support::clerk::TEST_KEY;

async fn workspace(uri: &str, database: &str, clerk_url: &str, key: &str) -> Workspace {
    let dir = tempfile::tempdir().unwrap();
    let overrides = Overrides {
        database: Some(database.into()),
        clerk_api_url: Some(clerk_url.into()),
        secrets: vec![
            (SecretName::MongodbUri, Sensitive::new(uri.into())),
            (SecretName::ClerkSecretKey, Sensitive::new(key.into())),
        ],
        ..Overrides::default()
    };
    let file = ProfileFile::at(dir.path().join("none.json"));
    Workspace::open(&file, &Keychain::new("syncdesk-test-unused"), overrides)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_apply_reports_what_it_did_and_a_rerun_finishes_the_job() {
    let Some((db, handle)) = crate::support::seed_report_world("cancelled_apply").await else {
        return;
    };
    let ws = workspace(&db.uri, &db.name, &handle.base_url, TEST_KEY).await;
    let options = SyncOptions::default();
    let first = ws.preview(&options, |_| {}).await.unwrap();
    let total = first.plan.ops.len();
    assert!(
        total >= 3,
        "the seed report needs several operations: {}",
        first.plan
    );

    // Cancel as soon as the first batch or operation is reported done.
    let cancel = Cancel::default();
    let seen = Mutex::new(Vec::new());
    let applied = ws
        .apply(
            &first,
            &Confirmation::None,
            1_700_000_000_000,
            |p| {
                seen.lock().unwrap().push(p.completed);
                if p.completed > 0 {
                    cancel.cancel();
                }
            },
            &cancel,
        )
        .await
        .unwrap();
    let report = applied.report;
    assert!(report.cancelled, "the run stopped early: {report:?}");
    assert!(
        report.done >= 1 && report.not_attempted >= 1,
        "something was written and something left: {report:?}"
    );
    assert_eq!(
        report.results.len() + report.not_attempted,
        total,
        "every operation is either reported or counted as not attempted"
    );
    assert_eq!(
        *seen.lock().unwrap().last().unwrap(),
        report.results.len(),
        "no progress after the cancellation: the rest was not started"
    );

    let second = ws.preview(&options, |_| {}).await.unwrap();
    assert_eq!(
        second.plan.ops.len(),
        report.not_attempted,
        "a fresh preview holds exactly what the cancelled run left: {}",
        second.plan
    );
    let finished = ws
        .apply(
            &second,
            &Confirmation::None,
            1_700_000_000_001,
            |_| {},
            &Cancel::default(),
        )
        .await
        .unwrap();
    assert!(!finished.report.cancelled && finished.report.failed == 0);
    let third = ws.preview(&options, |_| {}).await.unwrap();
    assert!(
        third.plan.is_empty(),
        "the rerun finished the job: {}",
        third.plan
    );
    handle.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unconfirmed_production_apply_writes_nothing() {
    let Some((db, handle)) = crate::support::seed_report_world("unconfirmed_apply").await else {
        return;
    };
    let live = "sk_live_SandboxKey0123456789abcdefABCDEF";
    let ws = workspace(&db.uri, &db.name, &handle.base_url, live).await;
    let preview = ws.preview(&SyncOptions::default(), |_| {}).await.unwrap();
    let before = db.raw_users().await;
    let refused = ws
        .apply(
            &preview,
            &Confirmation::Typed("prod".into()),
            1,
            |_| {},
            &Cancel::default(),
        )
        .await;
    assert!(
        matches!(refused, Err(WorkspaceError::NotConfirmed { ref expected, .. }) if expected == "production"),
        "a live key with no profile needs the word production typed"
    );
    assert_eq!(db.raw_users().await, before, "nothing was written");
    handle.stop().await;
    db.cleanup().await;
}
