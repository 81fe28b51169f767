//! The review of a sync plan, as the window shows it before anything is written: the operations
//! a screenful at a time (a plan can hold a million), each with what it changes in words, and
//! the person's choices: an operation or a whole kind left out. What is applied is the plan
//! without what was left out.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::sync::plan::{OpKind, SyncOp, SyncPlan};

// A row's user in a plan: its operations picked out (focus) or left out.
mod focus;
pub use focus::{Focus, Subject};

/// One operation as the review lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewRow {
    /// The operation's place in the plan (what a choice names).
    pub index: u32,
    pub op: OpKind,
    pub clerk_id: String,
    pub doc_id: Option<String>,
    /// What it writes, in words (`email a@example.com → b@example.com`).
    pub what: String,
    /// Not left out: it will be applied.
    pub included: bool,
}

/// How many operations of one kind the plan holds, and how many of them are included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KindCount {
    pub op: OpKind,
    pub planned: usize,
    pub included: usize,
}

/// A screenful of the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewPage {
    /// Operations the filter selects.
    pub matching: usize,
    /// Every kind the plan holds, in apply order.
    pub kinds: Vec<KindCount>,
    pub included: usize,
    pub rows: Vec<ReviewRow>,
}

/// The operations left out of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    left_out: BTreeSet<u32>,
}

impl Choices {
    /// How many operations are left out.
    pub fn left_out_count(&self) -> usize {
        self.left_out.len()
    }

    pub fn is_included(&self, index: u32) -> bool {
        !self.left_out.contains(&index)
    }

    /// Includes or leaves out the operations at `indices` (ones the plan does not hold are
    /// ignored, so a stale page cannot leave out what it never showed).
    pub fn set(&mut self, plan: &SyncPlan, indices: &[u32], included: bool) {
        for &index in indices.iter().filter(|&&i| (i as usize) < plan.ops.len()) {
            if included {
                self.left_out.remove(&index);
            } else {
                self.left_out.insert(index);
            }
        }
    }

    /// Includes or leaves out every operation of one kind.
    pub fn set_kind(&mut self, plan: &SyncPlan, kind: OpKind, included: bool) {
        let indices: Vec<u32> = indices_of(plan, Some(kind)).collect();
        self.set(plan, &indices, included);
    }

    /// Leaves out every operation on one of `subjects` (users left out of syncs in the Users
    /// view); an operation on anyone else stays as it was.
    pub fn leave_out(&mut self, plan: &SyncPlan, subjects: &[Subject]) {
        for (i, op) in plan.ops.iter().enumerate() {
            if subjects.iter().any(|s| s.names(op)) {
                self.left_out.insert(i as u32);
            }
        }
    }

    /// Includes the operations on `subject` and leaves out every other (a row's "Review the
    /// fix", even for a user left out of syncs before); the count of operations kept.
    pub fn focus(&mut self, plan: &SyncPlan, subject: &Subject) -> usize {
        let mut kept = 0;
        for (i, op) in plan.ops.iter().enumerate() {
            if subject.names(op) {
                self.left_out.remove(&(i as u32));
                kept += 1;
            } else {
                self.left_out.insert(i as u32);
            }
        }
        kept
    }

    /// The plan to apply: `plan` without what was left out, in the same order.
    pub fn apply_to(&self, plan: &SyncPlan) -> SyncPlan {
        let ops = plan
            .ops
            .iter()
            .enumerate()
            .filter(|(i, _)| self.is_included(*i as u32))
            .map(|(_, op)| op.clone())
            .collect();
        SyncPlan {
            ops,
            ..plan.clone()
        }
    }

    /// `limit` operations of `kind` (all kinds when `None`) from `offset`.
    pub fn page(
        &self,
        plan: &SyncPlan,
        kind: Option<OpKind>,
        offset: usize,
        limit: usize,
    ) -> ReviewPage {
        let matching = indices_of(plan, kind).count();
        let rows = indices_of(plan, kind)
            .skip(offset)
            .take(limit)
            .map(|index| row(&plan.ops[index as usize], index, self.is_included(index)))
            .collect();
        let kinds = OpKind::ALL
            .into_iter()
            .filter_map(|op| {
                let planned = indices_of(plan, Some(op)).count();
                let included = indices_of(plan, Some(op))
                    .filter(|&i| self.is_included(i))
                    .count();
                (planned > 0).then_some(KindCount {
                    op,
                    planned,
                    included,
                })
            })
            .collect();
        let included = (0..plan.ops.len() as u32)
            .filter(|&i| self.is_included(i))
            .count();
        ReviewPage {
            matching,
            kinds,
            included,
            rows,
        }
    }
}

fn indices_of(plan: &SyncPlan, kind: Option<OpKind>) -> impl Iterator<Item = u32> + '_ {
    plan.ops
        .iter()
        .enumerate()
        .filter(move |(_, op)| kind.is_none_or(|k| op.kind() == k))
        .map(|(i, _)| i as u32)
}

fn row(op: &SyncOp, index: u32, included: bool) -> ReviewRow {
    // The dry run's line without its padded kind and the ids the row shows in their own
    // columns (`create  user_…: email …`, `update  doc … (user_…): email a → b`).
    let line = op.to_string();
    let rest = line
        .split_once(' ')
        .map_or(line.as_str(), |(_, rest)| rest.trim_start());
    let what = rest
        .split_once(": ")
        .map_or(rest, |(_, change)| change)
        .to_string();
    ReviewRow {
        index,
        op: op.kind(),
        clerk_id: op.clerk_id().to_string(),
        doc_id: op.doc_id().map(ToString::to_string),
        what,
        included,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{DiffContext, diff_users};
    use crate::mongo::{FieldMapping, to_user};
    use crate::scenario::{seed_report_clerk_users, seed_report_documents};
    use crate::sync::plan::{SyncPolicy, plan};

    pub(super) fn seed_plan() -> SyncPlan {
        let mapping = FieldMapping::default();
        // Each document with its own `_id`, as the database gives them.
        let db: Vec<_> = seed_report_documents(&mapping)
            .into_iter()
            .map(|mut d| {
                d.insert("_id", mongodb::bson::oid::ObjectId::new());
                to_user(&d, &mapping)
            })
            .collect();
        let clerk = seed_report_clerk_users();
        plan(
            &diff_users(&clerk, &db, &DiffContext::default()),
            &SyncPolicy::for_mapping(&mapping),
        )
    }

    #[test]
    fn the_review_pages_the_plan_and_leaves_out_what_was_chosen() {
        let plan = seed_plan();
        let mut choices = Choices::default();
        let all = choices.page(&plan, None, 0, 100);
        assert_eq!(all.matching, plan.ops.len(), "every operation");
        assert_eq!(all.included, plan.ops.len(), "all included at first");
        assert!(
            all.rows.iter().all(|r| !r.what.is_empty() && r.included),
            "each says what it writes: {:?}",
            all.rows
        );
        let creates = choices.page(&plan, Some(OpKind::Create), 0, 100);
        assert_eq!(creates.matching, 1, "the report's one missing user");
        assert!(
            creates.rows[0].what.contains("shay.signup@example.com"),
            "{:?}",
            creates.rows[0]
        );

        choices.set(&plan, &[creates.rows[0].index, 9_999], false);
        let applied = choices.apply_to(&plan);
        assert_eq!(
            applied.ops.len(),
            plan.ops.len() - 1,
            "the create is left out; an index the plan lacks changes nothing"
        );
        assert!(applied.ops.iter().all(|op| op.kind() != OpKind::Create));
        let counts = choices.page(&plan, None, 0, 0).kinds;
        let create = counts.iter().find(|k| k.op == OpKind::Create).unwrap();
        assert_eq!((create.planned, create.included), (1, 0));

        choices.set_kind(&plan, OpKind::Update, false);
        choices.set_kind(&plan, OpKind::Create, true);
        let applied = choices.apply_to(&plan);
        assert!(
            applied.ops.iter().all(|op| op.kind() != OpKind::Update)
                && applied.ops.iter().any(|op| op.kind() == OpKind::Create),
            "a whole kind left out, another brought back"
        );
    }
}
