//! Paging one `created_at` range to its end: ascending `created_at`, `limit=500`, cursor
//! (`starting_after`) paging, and offset paging when the cursor is refused or ignored.
//!
//! Offset pages overlap the previous one by a user: if that user is not where it was, users were
//! deleted (or back-dated) before it meanwhile, and the range is paged again from its start, so a
//! shifted list never silently loses a user.

use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::Method;

use super::config::MAX_PAGE;
use super::error::{Error, Result, TraceId};
use super::wire::WireUser;
use super::{ClerkClient, parse};
use crate::user::ClerkUser;

/// Users created strictly after `after` and strictly before `before` (either bound may be open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub after: Option<i64>,
    pub before: Option<i64>,
}

/// What paging one range gave.
#[derive(Debug, Default)]
pub struct RangeOutcome {
    /// The range's users, when kept (no sink): a streaming fetch hands them over instead.
    pub users: Vec<ClerkUser>,
    pub pages: u64,
    pub offset_pages: u64,
    pub rewinds: u32,
}

/// Where the range's position is, kept or not: the first and last id and the users so far.
#[derive(Debug, Default)]
struct Position {
    first_id: Option<String>,
    last_id: Option<String>,
    count: usize,
}

/// Whether a sink wants more pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Takes each accepted page's users instead of the range keeping them.
pub type Sink<'a> = &'a (dyn Fn(Vec<ClerkUser>) -> Flow + Sync);

/// What `page_range` reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A page was accepted with this many new users.
    Page { users: u64 },
    /// Users shifted under offset paging: the range's users so far are dropped and re-fetched.
    Rewound { users: u64 },
}

/// How often a range may be paged again from its start before the fetch gives up.
const MAX_REWINDS: u32 = 4;

/// Pages `range` to its end. `cursor_ok` is shared by all ranges of a fetch: the first refusal
/// switches every range to offsets. `on_step` hears of every accepted page and every rewind.
/// With a `sink`, each page's users go to it as soon as the page is accepted (a rewind hands the
/// range's users over again) and the outcome keeps none; the sink's [`Flow::Stop`] ends the range
/// with [`Error::Stopped`].
pub async fn page_range(
    client: &ClerkClient,
    range: Range,
    cursor_ok: &AtomicBool,
    on_step: &(dyn Fn(Step) + Sync),
    sink: Option<Sink<'_>>,
) -> Result<RangeOutcome> {
    let what = "GET /users";
    let mut out = RangeOutcome::default();
    let mut at = Position::default();
    loop {
        let mut query = vec![
            ("limit", MAX_PAGE.to_string()),
            ("order_by", "+created_at".to_string()),
        ];
        if let Some(after) = range.after {
            query.push(("created_at_after", after.to_string()));
        }
        if let Some(before) = range.before {
            query.push(("created_at_before", before.to_string()));
        }
        let last_id = at.last_id.clone();
        let use_cursor = last_id.is_some() && cursor_ok.load(Ordering::Relaxed);
        let overlap = match (&last_id, use_cursor) {
            (Some(id), true) => {
                query.push(("starting_after", id.clone()));
                None
            }
            (Some(id), false) => {
                query.push(("offset", (at.count - 1).to_string()));
                Some(id.clone())
            }
            (None, _) => None,
        };
        let reply = client
            .transport
            .send(Method::GET, "/users", &query, None)
            .await?;
        if use_cursor && matches!(reply.status.as_u16(), 400 | 422) {
            tracing::info!(
                status = reply.status.as_u16(),
                "Clerk refused starting_after; paging by offset"
            );
            cursor_ok.store(false, Ordering::Relaxed);
            continue;
        }
        let reply = client.expect_ok(what, reply, true)?;
        let page: Vec<WireUser> = parse(what, &reply)?;
        let full = page.len() >= MAX_PAGE as usize;
        // An ignored cursor shows as the range's first page again (or the cursor user itself).
        let first_id = at.first_id.as_deref();
        let repeated = page.first().map(|u| u.id.as_str()) == first_id
            || page.iter().any(|u| Some(&u.id) == last_id.as_ref());
        if use_cursor && repeated {
            tracing::info!(
                "Clerk ignored starting_after (a page repeated users); paging by offset"
            );
            cursor_ok.store(false, Ordering::Relaxed);
            continue;
        }
        let mut page = page.into_iter();
        if let Some(expected) = overlap {
            out.offset_pages += 1;
            if page.next().map(|u| u.id) != Some(expected) {
                out.rewinds += 1;
                if out.rewinds > MAX_REWINDS {
                    return Err(Error::Unexpected {
                        what: what.into(),
                        status: reply.status.as_u16(),
                        detail: format!(
                            "the user list kept shifting under offset paging ({MAX_REWINDS} restarts); \
                             users are being deleted fast, try again later"
                        ),
                        trace: TraceId(None),
                    });
                }
                tracing::info!(
                    rewinds = out.rewinds,
                    "users shifted under offset paging; paging the range again"
                );
                on_step(Step::Rewound {
                    users: at.count as u64,
                });
                out.users.clear();
                at = Position::default();
                continue;
            }
        }
        let users: Vec<ClerkUser> = page.map(ClerkUser::from).collect();
        if let Some(last) = users.last() {
            at.first_id.get_or_insert_with(|| users[0].id.clone());
            at.last_id = Some(last.id.clone());
        }
        at.count += users.len();
        out.pages += 1;
        on_step(Step::Page {
            users: users.len() as u64,
        });
        match sink {
            None => out.users.extend(users),
            Some(sink) if !users.is_empty() => {
                if sink(users) == Flow::Stop {
                    return Err(Error::Stopped);
                }
            }
            Some(_) => {}
        }
        if !full {
            return Ok(out);
        }
    }
}
