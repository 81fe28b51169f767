//! Every user of an instance, exactly once, as fast as the rate limit allows.
//!
//! The instance is split into `created_at` ranges (from the oldest and newest user) that are paged
//! concurrently under the shared token bucket; users are deduplicated by id and the result is
//! checked against `/users/count` taken before and after.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::Method;
use serde::Serialize;

use super::config::MAX_PAGE;
use super::error::Result;
use super::merge::dedup;
pub use super::range::Flow;
use super::range::{Range, Sink, Step, page_range};
use super::wire::WireUser;
use super::{ClerkClient, parse};
use crate::user::ClerkUser;

/// Where a fetch is, reported after every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub pages: u64,
    pub users: u64,
    /// `/users/count` at the start.
    pub total: Option<u64>,
}

/// How the pages were walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Paging {
    Cursor,
    /// Clerk refused or ignored `starting_after`: some or all pages used `offset`.
    Offset,
}

/// The fetched list against Clerk's own count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CountCheck {
    Matches,
    /// Users were created or deleted during the fetch (or Clerk's count lags).
    Differs {
        before: u64,
        after: u64,
        fetched: u64,
    },
}

/// The whole user list and how it was obtained.
#[derive(Debug, Clone, Serialize)]
pub struct FetchReport {
    /// Every user once, oldest first (by `created_at`, then id); empty for a streaming fetch,
    /// which handed them over instead.
    pub users: Vec<ClerkUser>,
    /// Users fetched, each once.
    pub fetched: u64,
    /// `/users/count` when the fetch ended.
    pub count_reported: Option<u64>,
    pub count_check: CountCheck,
    pub pages: u64,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    pub retries: u64,
    pub ranges: usize,
    pub paging: Paging,
    /// Times a range was paged again from its start because users shifted under offsets.
    pub rewinds: u32,
    /// Users seen twice (range boundaries, users moving during the fetch) and kept once.
    pub duplicates_dropped: u64,
    pub elapsed: Duration,
}

impl FetchReport {
    /// `count` users handed over as given, not fetched (a test's or a bench's list, kept by the
    /// caller): no requests, nothing to note.
    pub fn given(count: usize) -> Self {
        let n = count as u64;
        Self {
            users: Vec::new(),
            fetched: n,
            count_reported: Some(n),
            count_check: CountCheck::Matches,
            pages: 0,
            requests: 0,
            retries: 0,
            ranges: 0,
            paging: Paging::Cursor,
            rewinds: 0,
            duplicates_dropped: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// A sentence for the user when the list and the count disagree.
    pub fn count_note(&self) -> Option<String> {
        match self.count_check {
            CountCheck::Matches => None,
            CountCheck::Differs {
                before,
                after,
                fetched,
            } => Some(format!(
                "Clerk counted {before} users when the fetch began and {after} when it ended, and the \
                 fetch returned {fetched}: users were created or deleted meanwhile; fetch again for an \
                 exact list"
            )),
        }
    }
}

/// Whether the fetched count agrees with Clerk's before and after.
fn count_check(before: u64, after: u64, fetched: u64) -> CountCheck {
    if fetched == after && fetched == before {
        CountCheck::Matches
    } else {
        CountCheck::Differs {
            before,
            after,
            fetched,
        }
    }
}

/// Pages a range may hold before the instance is split further.
const PAGES_PER_RANGE: u64 = 10;

impl ClerkClient {
    /// Every user of the instance. `progress` is called after every page.
    pub async fn list_all_users(&self, progress: impl Fn(Progress) + Sync) -> Result<FetchReport> {
        Ok(self.fetch(&progress, None).await?.0)
    }

    /// [`list_all_users`](Self::list_all_users) without holding the list: each page's users go
    /// to `on_page` as soon as the page arrives, each user once (the first version seen; a user
    /// deleted while the fetch runs may already have been handed over). The report's `users` is
    /// empty and its `fetched` counts what was handed over. `on_page` returning [`Flow::Stop`]
    /// (the reader went away) stops the fetch with [`Error::Stopped`](super::Error::Stopped).
    pub async fn list_all_users_streaming(
        &self,
        progress: impl Fn(Progress) + Sync,
        on_page: impl Fn(Vec<ClerkUser>) -> Flow + Sync,
    ) -> Result<FetchReport> {
        let seen = Mutex::new(HashSet::<String>::new());
        let duplicates = AtomicU64::new(0);
        let sink = |users: Vec<ClerkUser>| {
            let users_len = users.len() as u64;
            let fresh: Vec<ClerkUser> = {
                let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                users
                    .into_iter()
                    .filter(|u| seen.insert(u.id.clone()))
                    .collect()
            };
            duplicates.fetch_add(users_len - fresh.len() as u64, Ordering::Relaxed);
            if fresh.is_empty() {
                return Flow::Continue;
            }
            on_page(fresh)
        };
        let (mut report, before) = self.fetch(&progress, Some(&sink)).await?;
        let fetched = seen.lock().unwrap_or_else(PoisonError::into_inner).len() as u64;
        report.fetched = fetched;
        report.duplicates_dropped = duplicates.load(Ordering::Relaxed);
        report.count_check = count_check(before, report.count_reported.unwrap_or(fetched), fetched);
        Ok(report)
    }

    async fn fetch(
        &self,
        progress: &(dyn Fn(Progress) + Sync),
        sink: Option<Sink<'_>>,
    ) -> Result<(FetchReport, u64)> {
        let started = Instant::now();
        let (requests0, retries0) = (
            self.requests_sent(),
            self.transport.retries.load(Ordering::Relaxed),
        );
        let (before, oldest, newest) = futures_util::try_join!(
            self.count_users(),
            self.edge_user("+created_at"),
            self.edge_user("-created_at")
        )?;
        let ranges = match (oldest, newest) {
            (Some(oldest), Some(newest)) => split(
                oldest.created_at,
                newest.created_at,
                before,
                self.max_in_flight,
            ),
            _ => vec![Range {
                after: None,
                before: None,
            }],
        };
        let cursor_ok = AtomicBool::new(true);
        let (pages, fetched) = (AtomicU64::new(0), AtomicU64::new(0));
        let on_step = |step: Step| {
            let (pages, users) = match step {
                Step::Page { users } => (
                    pages.fetch_add(1, Ordering::Relaxed) + 1,
                    fetched.fetch_add(users, Ordering::Relaxed) + users,
                ),
                Step::Rewound { users } => (
                    pages.load(Ordering::Relaxed),
                    fetched.fetch_sub(users, Ordering::Relaxed) - users,
                ),
            };
            progress(Progress {
                pages,
                users,
                total: Some(before),
            });
        };
        let on_step: &(dyn Fn(Step) + Sync) = &on_step;
        let pagers: Vec<_> = ranges
            .iter()
            .map(|range| page_range(self, *range, &cursor_ok, on_step, sink))
            .collect();
        let outcomes: Vec<_> = stream::iter(pagers)
            .buffer_unordered(self.max_in_flight)
            .try_collect()
            .await?;
        let after = self.count_users().await?;

        let offset_used = outcomes.iter().any(|o| o.offset_pages > 0);
        let rewinds = outcomes.iter().map(|o| o.rewinds).sum();
        let total_pages = outcomes.iter().map(|o| o.pages).sum();
        let mut users: Vec<ClerkUser> = outcomes.into_iter().flat_map(|o| o.users).collect();
        let duplicates = dedup(&mut users);
        let count = users.len() as u64;
        let report = FetchReport {
            users,
            fetched: count,
            count_reported: Some(after),
            count_check: count_check(before, after, count),
            pages: total_pages,
            requests: self.requests_sent() - requests0,
            retries: self.transport.retries.load(Ordering::Relaxed) - retries0,
            ranges: ranges.len(),
            paging: if offset_used {
                Paging::Offset
            } else {
                Paging::Cursor
            },
            duplicates_dropped: duplicates,
            rewinds,
            elapsed: started.elapsed(),
        };
        Ok((report, before))
    }

    /// The oldest (`+created_at`) or newest (`-created_at`) user, if any.
    async fn edge_user(&self, order_by: &str) -> Result<Option<WireUser>> {
        let what = "GET /users?limit=1";
        let query = [
            ("limit", "1".to_string()),
            ("order_by", order_by.to_string()),
        ];
        let reply = self
            .transport
            .send(Method::GET, "/users", &query, None)
            .await?;
        let reply = self.expect_ok(what, reply, true)?;
        Ok(parse::<Vec<WireUser>>(what, &reply)?.into_iter().next())
    }
}

/// Splits `[oldest, newest]` into ranges of about [`PAGES_PER_RANGE`] pages if users were spread
/// evenly; the first and last ranges are open so users outside the bounds are still found.
fn split(oldest: i64, newest: i64, count: u64, max_in_flight: usize) -> Vec<Range> {
    let pages = count.div_ceil(u64::from(MAX_PAGE));
    let wanted = pages
        .div_ceil(PAGES_PER_RANGE)
        .clamp(1, (max_in_flight as u64 * 2).max(1));
    let span = i128::from(newest) - i128::from(oldest) + 1;
    let parts = wanted.min(span.max(1) as u64).max(1);
    let edges: Vec<i64> = (1..parts)
        .map(|i| (i128::from(oldest) + span * i128::from(i) / i128::from(parts)) as i64)
        .collect();
    (0..parts as usize)
        .map(|i| Range {
            after: (i > 0).then(|| edges[i - 1] - 1),
            before: edges.get(i).copied(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_every_millisecond_without_gaps() {
        let ranges = split(1_000, 2_000, 200_000, 48);
        assert_eq!(ranges.len(), 40, "400 pages at 10 per range");
        assert_eq!(ranges[0].after, None, "the first range is open below");
        assert_eq!(
            ranges.last().unwrap().before,
            None,
            "the last range is open above (users created meanwhile)"
        );
        for pair in ranges.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert_eq!(
                b.after.unwrap() + 1,
                a.before.unwrap(),
                "range ends where the next begins: no gap, no overlap"
            );
        }
    }

    #[test]
    fn small_instances_are_one_range() {
        assert_eq!(
            split(5, 5, 3, 48),
            vec![Range {
                after: None,
                before: None
            }],
            "a single page needs no split"
        );
        assert_eq!(
            split(1, 3, 100_000, 48).len(),
            3,
            "no more ranges than milliseconds"
        );
    }
}
