//! Group commit for the listener: requests hand their verified event to one apply task, which
//! applies whatever arrived together as one batch (see `apply::apply_events`).
//!
//! Nothing waits long for a batch to fill: under load the events that arrive while a batch is
//! being written form the next one, and a batch smaller than the previous one (or a lone event)
//! waits at most `LINGER` for the rest (a burst's first request would otherwise go alone, and
//! the others wait for it). Batches are applied one after another, so events about the same
//! user never race each other.

use tokio::sync::{mpsc, oneshot};

use super::apply::{ApplyError, EventOutcome, apply_events};
use super::event::ClerkEvent;
use crate::mongo::UserStore;

/// The most events applied together (bounds one batch's write size and latency).
pub const MAX_BATCH: usize = 256;
/// How long a lone event waits for others (far below Svix's 15 s answer deadline).
pub const LINGER: std::time::Duration = std::time::Duration::from_millis(2);

type Reply = oneshot::Sender<Result<EventOutcome, ApplyError>>;

struct Job {
    event: ClerkEvent,
    message_id: String,
    reply: Reply,
}

/// The handle requests apply through; the task stops when the last handle is dropped.
#[derive(Clone)]
pub struct Batcher {
    jobs: mpsc::Sender<Job>,
}

impl Batcher {
    /// Starts the apply task on the current runtime.
    pub fn start(store: UserStore, now_ms: fn() -> i64) -> Self {
        let (jobs, mut rx) = mpsc::channel::<Job>(MAX_BATCH * 4);
        tokio::spawn(async move {
            // How many came together last time: under steady load, that many are on their way.
            let mut recent = 1;
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                drain(&mut rx, &mut batch);
                let deadline = tokio::time::Instant::now() + LINGER;
                while batch.len() < recent.max(2) {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(job)) => {
                            batch.push(job);
                            drain(&mut rx, &mut batch);
                        }
                        _ => break,
                    }
                }
                recent = batch.len();
                let events: Vec<(&ClerkEvent, &str)> = batch
                    .iter()
                    .map(|j| (&j.event, j.message_id.as_str()))
                    .collect();
                let answers = apply_events(&store, &events, now_ms()).await;
                for (job, answer) in batch.into_iter().zip(answers) {
                    // The request may have gone (client hung up); its event is applied anyway.
                    let _ = job.reply.send(answer);
                }
            }
        });
        Self { jobs }
    }

    /// Applies one event with whatever else is waiting; answers when its batch is written.
    pub async fn apply(
        &self,
        event: ClerkEvent,
        message_id: String,
    ) -> Result<EventOutcome, ApplyError> {
        let stopped = || ApplyError::Unavailable("the listener is stopping; retry later".into());
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                event,
                message_id,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Takes what is already waiting, up to `MAX_BATCH`.
fn drain(rx: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>) {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}
