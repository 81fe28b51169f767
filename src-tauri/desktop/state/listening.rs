//! The window's webhook listener: at most one, started for the profile in use. Its deliveries
//! go to the page as they happen, and the events it applies patch the Users view's table, so a
//! missing user turns in sync without a Refresh.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Mutex;
use tokio::sync::broadcast::error::RecvError;

use crate::mongo::UserStore;
use crate::table::view::{TableSummary, TableView};
use crate::webhook::event::ClerkEvent;
use crate::webhook::listener::Listener;
use crate::webhook::log::Delivery;
use crate::webhook::verdict::DeliveryOutcome;
use crate::workspace::live;

use super::AppState;
use crate::desktop::error::{Code, CommandError};

/// What the page hears while the listener runs.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A request arrived and was answered.
    Delivery { delivery: Delivery },
    /// Applied events changed the Users view's table: its new counts, and the last delivery
    /// (by `seq`) the table now includes.
    TableChanged {
        summary: TableSummary,
        through_seq: u64,
    },
}

/// A running listener and what it applies to.
pub struct Running {
    pub listener: Listener,
    pub store: Option<UserStore>,
    feed: tauri::async_runtime::JoinHandle<()>,
}

/// The slot of the window's one listener.
#[derive(Default)]
pub struct Listening(Mutex<Option<Running>>);

impl Listening {
    /// Keeps `running` in place of the one before (which is stopped first).
    pub async fn replace(&self, running: Running) {
        let old = self.0.lock().await.replace(running);
        if let Some(old) = old {
            old.stop().await;
        }
    }

    pub async fn stop(&self) -> bool {
        let old = self.0.lock().await.take();
        match old {
            Some(old) => {
                old.stop().await;
                true
            }
            None => false,
        }
    }

    /// Runs `f` on the running listener, if there is one.
    pub async fn with<T>(&self, f: impl FnOnce(&Running) -> T) -> Option<T> {
        self.0.lock().await.as_ref().map(f)
    }
}

impl Running {
    /// Starts relaying `listener`'s deliveries to `send`, and patching the table of `app`'s
    /// state with what it applies.
    pub fn new<R: tauri::Runtime>(
        listener: Listener,
        store: Option<UserStore>,
        app: tauri::AppHandle<R>,
        send: impl Fn(LiveEvent) + Send + 'static,
    ) -> Self {
        let mut feed = listener.log().subscribe();
        let patch_store = store.clone();
        let feed = tauri::async_runtime::spawn(async move {
            loop {
                let first = match feed.recv().await {
                    Ok(delivery) => delivery,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(
                            "{missed} deliveries were not relayed to the window (it fell behind)"
                        );
                        continue;
                    }
                    Err(RecvError::Closed) => break,
                };
                // Whatever arrived meanwhile goes in the same patch.
                let mut batch = vec![first];
                while let Ok(more) = feed.try_recv() {
                    batch.push(more);
                }
                let applied: Vec<ClerkEvent> = batch.iter().filter_map(applied_event).collect();
                let through_seq = batch.iter().map(|d| d.seq).max().unwrap_or(0);
                for delivery in batch {
                    send(LiveEvent::Delivery { delivery });
                }
                if let (false, Some(store)) = (applied.is_empty(), &patch_store) {
                    let state = tauri::Manager::state::<AppState>(&app);
                    match state.patch_table(&applied, store).await {
                        Ok(Some(summary)) => send(LiveEvent::TableChanged {
                            summary,
                            through_seq,
                        }),
                        Ok(None) => {}
                        Err(err) => tracing::warn!("live update of the table failed: {err}"),
                    }
                }
            }
        });
        Self {
            listener,
            store,
            feed,
        }
    }

    async fn stop(self) {
        self.feed.abort();
        self.listener.stop().await;
    }
}

/// The event a delivery applied.
fn applied_event(delivery: &Delivery) -> Option<ClerkEvent> {
    if !matches!(delivery.outcome, DeliveryOutcome::Applied(_)) {
        return None;
    }
    delivery.event.as_deref().cloned()
}

/// The events applied to the table, numbered, so a read that overlapped them can catch up.
#[derive(Default)]
pub struct Applied {
    next: u64,
    events: std::collections::VecDeque<(u64, ClerkEvent)>,
}

/// How many applied events are kept for reads to catch up on.
const KEPT: usize = 1_000;

impl AppState {
    /// Where the applied events stand now: a read notes it before it starts.
    pub fn live_mark(&self) -> u64 {
        self.applied.lock().map_or(0, |a| a.next)
    }

    /// After a read that started at `mark` kept its table: the events the listener applied
    /// meanwhile go into it too (the read may have missed them).
    pub async fn catch_up(&self, mark: u64) -> Option<TableSummary> {
        let missed: Vec<ClerkEvent> = self
            .applied
            .lock()
            .ok()?
            .events
            .iter()
            .filter(|(n, _)| *n >= mark)
            .map(|(_, e)| e.clone())
            .collect();
        if missed.is_empty() {
            return None;
        }
        let store = self.listening.with(|r| r.store.clone()).await.flatten()?;
        self.patch(&missed, &store).await.ok().flatten()
    }

    /// Patches the table with `events` and notes them for reads running meanwhile.
    pub async fn patch_table(
        &self,
        events: &[ClerkEvent],
        store: &UserStore,
    ) -> Result<Option<TableSummary>, CommandError> {
        if let Ok(mut applied) = self.applied.lock() {
            for event in events {
                let n = applied.next;
                applied.events.push_back((n, event.clone()));
                applied.next += 1;
                if applied.events.len() > KEPT {
                    applied.events.pop_front();
                }
            }
        }
        self.patch(events, store).await
    }

    /// The last read with `events`' users as the database now holds them; `None` when nothing
    /// has been read, the table is another database's, or a newer read replaced it meanwhile.
    async fn patch(
        &self,
        events: &[ClerkEvent],
        store: &UserStore,
    ) -> Result<Option<TableSummary>, CommandError> {
        let Ok(old) = self.table() else {
            return Ok(None);
        };
        if old.snapshot().location != store.location() {
            return Ok(None);
        }
        let snapshot = live::refreshed(old.snapshot(), events, store).await?;
        let read_at = old.read_at_ms();
        let table = tauri::async_runtime::spawn_blocking(move || {
            TableView::new(Arc::new(snapshot), read_at)
        })
        .await
        .map_err(|e| {
            CommandError::new(Code::Server, format!("The table could not be updated: {e}"))
        })?;
        let summary = table.summary();
        Ok(self.replace_table(&old, table).then_some(summary))
    }
}
