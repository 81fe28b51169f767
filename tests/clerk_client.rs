//! The Clerk client against the sandbox: complete paging (cursor, offset fallback, ranges), every
//! fault (500s, dropped connections, 429 with Retry-After), changes during a fetch, every error.

// The `syncdesk clerk` and `syncdesk sandbox` commands.
mod cli;
// Errors a user can act on, and the secret key kept out of them.
mod errors;

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use syncdesk::clerk::{CountCheck, Error, Flow, NewClerkUser, Paging, Progress};
use syncdesk::sandbox::{CursorSupport, Faults, SandboxConfig};

use crate::support::clerk::{client, sandbox};

/// Asserts the fetch returned exactly the sandbox's users, each once.
fn assert_exactly(report: &syncdesk::clerk::FetchReport, expected: &[String], why: &str) {
    let got: Vec<&str> = report.users.iter().map(|u| u.id.as_str()).collect();
    let unique: HashSet<&str> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "{why}: no user twice");
    let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(
        unique.into_iter().collect::<BTreeSet<_>>(),
        expected,
        "{why}: every user, none invented"
    );
}

fn with_faults(users: usize, faults: Faults) -> SandboxConfig {
    SandboxConfig {
        faults,
        ..SandboxConfig::generated(users, 77)
    }
}

#[tokio::test]
async fn fetches_every_user_once_with_ranges_and_progress() {
    let handle = sandbox(SandboxConfig::generated(12_345, 1)).await;
    let progress = Mutex::new(Vec::<Progress>::new());
    let report = client(&handle)
        .list_all_users(|p| progress.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_exactly(&report, &handle.user_ids(), "a quiet instance");
    assert_eq!(
        report.count_check,
        CountCheck::Matches,
        "nothing changed, so the count agrees"
    );
    assert_eq!(
        report.count_reported,
        Some(12_345),
        "the count Clerk reported is passed on"
    );
    assert!(
        report.ranges > 1,
        "25 pages are split into created_at ranges paged concurrently"
    );
    assert_eq!(
        report.paging,
        Paging::Cursor,
        "the sandbox supports starting_after"
    );
    assert!(
        report
            .users
            .windows(2)
            .all(|w| (w[0].created_at, &w[0].id) <= (w[1].created_at, &w[1].id)),
        "oldest first"
    );
    let last = *progress
        .lock()
        .unwrap()
        .iter()
        .max_by_key(|p| p.pages)
        .unwrap();
    assert_eq!(
        (last.users, last.total),
        (12_345, Some(12_345)),
        "progress ends at the total"
    );
    assert_eq!(last.pages, report.pages, "one progress call per page");
    handle.stop().await;
}

#[tokio::test]
async fn users_are_handed_over_page_by_page_and_not_kept() {
    let handle = sandbox(SandboxConfig::generated(12_345, 1)).await;
    let handed = Mutex::new(Vec::<Vec<String>>::new());
    let report = client(&handle)
        .list_all_users_streaming(
            |_| {},
            |users| {
                let ids = users.iter().map(|u| u.id.clone()).collect();
                handed.lock().unwrap().push(ids);
                Flow::Continue
            },
        )
        .await
        .unwrap();
    let handed = handed.into_inner().unwrap();
    assert!(
        handed.len() > report.ranges && handed.len() as u64 <= report.pages,
        "a hand-over per (non-empty) page as it arrives, not one per range or one at the end: \
         {} hand-overs, {} pages, {} ranges",
        handed.len(),
        report.pages,
        report.ranges
    );
    assert!(
        handed.iter().all(|page| page.len() <= 500),
        "a hand-over is one page at most"
    );
    let all: Vec<String> = handed.into_iter().flatten().collect();
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "each user handed over once");
    assert!(
        report.users.is_empty(),
        "a streaming fetch does not hold the list as well"
    );
    assert_eq!(
        report.fetched, 12_345,
        "the report counts what was handed over"
    );
    assert_eq!(
        report.count_check,
        CountCheck::Matches,
        "and checks it against Clerk's count"
    );
    let expected: HashSet<String> = handle.user_ids().into_iter().collect();
    assert_eq!(
        all.into_iter().collect::<HashSet<_>>(),
        expected,
        "every user, none invented"
    );
    handle.stop().await;
}

#[tokio::test]
async fn a_sink_that_wants_no_more_stops_the_fetch() {
    let handle = sandbox(SandboxConfig::generated(12_345, 1)).await;
    let pages = Mutex::new(0_u32);
    let err = client(&handle)
        .list_all_users_streaming(
            |_| {},
            |_| {
                *pages.lock().unwrap() += 1;
                Flow::Stop
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Stopped),
        "the fetch says it was stopped, not that Clerk failed: {err}"
    );
    let pages = pages.into_inner().unwrap();
    assert!(
        pages < 25,
        "the fetch stops at once (each range ends at its next page), not after all 25 pages: {pages}"
    );
    handle.stop().await;
}

#[tokio::test]
async fn converts_wire_users_to_domain_users() {
    let handle = sandbox(SandboxConfig::preset("seed-report").unwrap()).await;
    let report = client(&handle).list_all_users(|_| {}).await.unwrap();
    assert_eq!(
        report.users,
        syncdesk::scenario::seed_report_clerk_users(),
        "the preset round-trips through the wire format"
    );
    handle.stop().await;
}

#[tokio::test]
async fn falls_back_to_offsets_when_the_cursor_is_refused_or_ignored() {
    for cursor in [CursorSupport::Refused, CursorSupport::Ignored] {
        let handle = sandbox(with_faults(
            3_210,
            Faults {
                cursor,
                ..Faults::default()
            },
        ))
        .await;
        let report = client(&handle).list_all_users(|_| {}).await.unwrap();
        assert_exactly(&report, &handle.user_ids(), &format!("cursor {cursor:?}"));
        assert_eq!(
            report.paging,
            Paging::Offset,
            "{cursor:?}: the fetch says it used offsets"
        );
        handle.stop().await;
    }
}

#[tokio::test]
async fn survives_500s_and_dropped_connections() {
    let faults = Faults {
        fail_rate: 0.2,
        drop_rate: 0.1,
        seed: 5,
        ..Faults::default()
    };
    let handle = sandbox(with_faults(4_000, faults)).await;
    let report = client(&handle).list_all_users(|_| {}).await.unwrap();
    assert_exactly(&report, &handle.user_ids(), "30 % of requests failing");
    assert!(report.retries > 0, "failures were retried, not ignored");
    handle.stop().await;
}

#[tokio::test]
async fn honours_429_retry_after() {
    // The client believes it may send 1000 / 10 s; the instance allows 8.
    let handle = sandbox(with_faults(
        2_600,
        Faults {
            rate_limit: Some(8),
            ..Faults::default()
        },
    ))
    .await;
    let started = std::time::Instant::now();
    let report = client(&handle).list_all_users(|_| {}).await.unwrap();
    assert_exactly(&report, &handle.user_ids(), "behind a rate limit");
    assert!(report.retries > 0, "429s were waited out");
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "the Retry-After waits were honoured, not skipped"
    );
    handle.stop().await;
}

#[tokio::test]
async fn every_user_present_throughout_a_changing_fetch_is_returned_once() {
    for cursor in [CursorSupport::Supported, CursorSupport::Refused] {
        let faults = Faults {
            changes_during_fetch: 12,
            cursor,
            seed: 3,
            ..Faults::default()
        };
        let handle = sandbox(with_faults(6_000, faults)).await;
        let before: BTreeSet<String> = handle.user_ids().into_iter().collect();
        let report = client(&handle).list_all_users(|_| {}).await.unwrap();
        let after: BTreeSet<String> = handle.user_ids().into_iter().collect();
        let got: Vec<&str> = report.users.iter().map(|u| u.id.as_str()).collect();
        let unique: BTreeSet<&str> = got.iter().copied().collect();
        assert_eq!(
            unique.len(),
            got.len(),
            "{cursor:?}: no user twice, even as users come and go"
        );
        for id in before.intersection(&after) {
            assert!(
                unique.contains(id.as_str()),
                "{cursor:?}: {id} existed throughout and must be returned"
            );
        }
        assert!(
            before.len() != after.len() || before != after,
            "{cursor:?}: the sandbox really changed users mid-fetch"
        );
        if cursor == CursorSupport::Refused {
            assert!(
                report.rewinds > 0,
                "deletions before the offset shifted the list, and the overlap check caught it"
            );
        }
        handle.stop().await;
    }
}

#[tokio::test]
async fn says_so_when_the_count_differs() {
    let faults = Faults {
        changes_during_fetch: 3,
        seed: 8,
        ..Faults::default()
    };
    let handle = sandbox(with_faults(1_500, faults)).await;
    let report = client(&handle).list_all_users(|_| {}).await.unwrap();
    if report.users.len() as u64 != 1_500 {
        assert!(
            matches!(report.count_check, CountCheck::Differs { .. }),
            "a list that differs from the count is flagged"
        );
        assert!(
            report.count_note().unwrap().contains("created or deleted"),
            "the note explains why"
        );
    }
    assert_eq!(
        report.count_reported,
        Some(1_500),
        "three created and three deleted: the count ends where it began"
    );
    handle.stop().await;
}

#[tokio::test]
async fn single_user_calls_work() {
    let handle = sandbox(SandboxConfig::generated(30, 9)).await;
    let client = client(&handle);
    assert_eq!(client.count_users().await.unwrap(), 30, "count");
    let new = NewClerkUser {
        email_addresses: vec!["created.by.syncdesk@example.com".into()],
        first_name: Some("Created".into()),
        skip_password_requirement: true,
        ..NewClerkUser::default()
    };
    let created = client.create_user(&new).await.unwrap();
    assert_eq!(
        created.primary_email.as_deref(),
        Some("created.by.syncdesk@example.com"),
        "the first address is primary"
    );
    let fetched = client.get_user(&created.id).await.unwrap();
    assert_eq!(
        fetched.as_ref(),
        Some(&created),
        "get_user returns what create_user made"
    );
    let by_email = client
        .users_by_email("Created.By.Syncdesk@example.com")
        .await
        .unwrap();
    assert_eq!(
        by_email,
        std::slice::from_ref(&created),
        "email lookup is case-insensitive and exact"
    );
    assert_eq!(
        client
            .get_user("user_doesnotexist000000000000")
            .await
            .unwrap(),
        None,
        "a missing user is None, not an error"
    );
    match client.create_user(&new).await {
        Err(Error::Rejected {
            code, status: 422, ..
        }) => assert_eq!(code, "form_identifier_exists", "a taken address"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    handle.stop().await;
}

#[tokio::test]
async fn a_fetch_can_run_on_a_spawned_task() {
    let handle = sandbox(SandboxConfig::generated(700, 4)).await;
    let client = client(&handle);
    let progress = std::sync::Arc::new(Mutex::new(0u64));
    let seen = progress.clone();
    let task = tokio::spawn(async move {
        client
            .list_all_users(move |p| *seen.lock().unwrap() = p.users)
            .await
    });
    let report = task.await.unwrap().unwrap();
    assert_eq!(
        report.users.len(),
        700,
        "the future is Send, so the app can run it in the background"
    );
    assert_eq!(
        *progress.lock().unwrap(),
        700,
        "progress reached the UI side"
    );
    handle.stop().await;
}
