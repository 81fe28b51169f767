//! The window's plan under review: one preview at a time, with an id the page sends back and
//! the person's choices kept beside it, under one lock. Only the review that made it can page,
//! change or apply it; a newer review replaces it, and an apply takes it out (at most once).

use std::sync::Mutex as SyncMutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Mutex;

use crate::review::{Choices, Focus, ReviewPage, Subject};
use crate::sync::apply::Cancel;
use crate::sync::plan::OpKind;
use crate::table::view::MAX_ROWS;
use crate::workspace::Workspace;
use crate::workspace::sync::{Confirmation, Preview};

use super::error::{Code, CommandError};

struct Reviewed {
    id: u64,
    ws: Workspace,
    preview: Preview,
    choices: Choices,
    /// Its apply's cancellation, made with the review: a Cancel pressed before the apply
    /// command reaches Rust still stops it.
    cancel: Cancel,
}

/// A review just kept: its id, its focus, and how many operations start left out.
pub struct Kept {
    pub id: u64,
    pub focus: Option<Focus>,
    pub left_out: usize,
}

/// The plan under review and the running apply's cancellation.
#[derive(Default)]
pub struct ReviewSlot {
    next_id: AtomicU64,
    kept: Mutex<Option<Reviewed>>,
    /// The review being applied, and its cancellation.
    applying: SyncMutex<Option<(u64, Cancel)>>,
}

fn no_review() -> CommandError {
    CommandError::new(
        Code::NotConfigured,
        "There is no reviewed plan: review the sync first.",
    )
}

fn replaced() -> CommandError {
    CommandError::new(
        Code::Conflict,
        "This review was replaced by a newer one (or already applied): look at the review again.",
    )
}

impl ReviewSlot {
    /// Keeps `preview` for review, in place of any before it, with the users left out of syncs
    /// left out, and only `focus`'s operations in when a row asked for its fix; returns its id.
    pub async fn keep(
        &self,
        ws: Workspace,
        preview: Preview,
        left_out: &[Subject],
        focus: Option<Subject>,
    ) -> Kept {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut choices = Choices::default();
        choices.leave_out(&preview.plan, left_out);
        // Counted before a focus: what the users left out from their rows account for.
        let left_out = choices.left_out_count();
        let focus = focus.map(|subject| Focus::on(&preview.plan, &mut choices, subject));
        *self.kept.lock().await = Some(Reviewed {
            id,
            ws,
            preview,
            choices,
            cancel: Cancel::default(),
        });
        Kept {
            id,
            focus,
            left_out,
        }
    }

    /// Forgets the review: the profile, its settings or its secrets changed.
    pub async fn forget(&self) {
        self.kept.lock().await.take();
    }

    /// A screenful of review `id`'s plan, with its choices.
    pub async fn page(
        &self,
        id: u64,
        kind: Option<OpKind>,
        offset: usize,
        limit: usize,
    ) -> Result<ReviewPage, CommandError> {
        let kept = self.kept.lock().await;
        let reviewed = current(kept.as_ref(), id)?;
        Ok(reviewed
            .choices
            .page(&reviewed.preview.plan, kind, offset, limit.min(MAX_ROWS)))
    }

    /// Includes or leaves out operations of review `id`, by index or a whole kind.
    pub async fn choose(
        &self,
        id: u64,
        indices: &[u32],
        kind: Option<OpKind>,
        included: bool,
    ) -> Result<(), CommandError> {
        let mut kept = self.kept.lock().await;
        let reviewed = kept.as_mut().filter(|r| r.id == id).ok_or_else(replaced)?;
        reviewed
            .choices
            .set(&reviewed.preview.plan, indices, included);
        if let Some(kind) = kind {
            reviewed
                .choices
                .set_kind(&reviewed.preview.plan, kind, included);
        }
        Ok(())
    }

    /// Takes review `id` out for its apply, with its choices applied, after checking that the
    /// workspace is still the one reviewed and the confirmation holds (a refused confirmation
    /// leaves the review for the next try). Its cancellation goes with it.
    pub async fn take(
        &self,
        id: u64,
        now: &Workspace,
        confirmation: &Confirmation,
    ) -> Result<(Preview, Cancel), CommandError> {
        let mut kept = self.kept.lock().await;
        let reviewed = current(kept.as_ref(), id)?;
        if !now.same_target(&reviewed.ws) {
            kept.take();
            return Err(CommandError::new(
                Code::Conflict,
                "The profile changed since this plan was reviewed; review the sync again.",
            ));
        }
        if let Err(refused) = now.confirm(confirmation) {
            // Not applied: a Cancel pressed meanwhile must not stop the next try at once.
            if let Some(reviewed) = kept.as_mut() {
                reviewed.cancel = Cancel::default();
            }
            return Err(refused.into());
        }
        let Some(mut reviewed) = kept.take() else {
            return Err(no_review());
        };
        reviewed.preview.keep_only(&reviewed.choices);
        if let Ok(mut applying) = self.applying.lock() {
            *applying = Some((id, reviewed.cancel.clone()));
        }
        Ok((reviewed.preview, reviewed.cancel))
    }

    /// Asks review `id`'s apply to stop at its next batch, whether it runs already or its
    /// command is still on its way.
    pub async fn cancel(&self, id: u64) {
        // Under the review lock: `take` moves a review to `applying` under it too, so the
        // review is found in one place or the other, never in neither.
        let kept = self.kept.lock().await;
        if let Some(reviewed) = kept.as_ref()
            && reviewed.id == id
        {
            reviewed.cancel.cancel();
        }
        if let Ok(applying) = self.applying.lock()
            && let Some((running, cancel)) = applying.as_ref()
            && *running == id
        {
            cancel.cancel();
        }
    }
}

fn current(kept: Option<&Reviewed>, id: u64) -> Result<&Reviewed, CommandError> {
    match kept {
        None => Err(no_review()),
        Some(reviewed) if reviewed.id == id => Ok(reviewed),
        Some(_) => Err(replaced()),
    }
}
