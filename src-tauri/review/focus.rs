//! A row's user in a plan: [`Subject`] names them by Clerk id and document, [`Focus`] is a
//! review with only their operations in (a row's "Review the fix").

use serde::Serialize;

use super::Choices;
use crate::sync::plan::{SyncOp, SyncPlan};

/// One user as the Users view names it: its Clerk id, its database `_id`, or both. A row's
/// actions name it, and it picks out that user's operations from a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Subject {
    pub clerk_id: Option<String>,
    pub doc_id: Option<String>,
}

impl Subject {
    fn clerk(&self) -> Option<&str> {
        self.clerk_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
    }

    fn doc(&self) -> Option<&str> {
        self.doc_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
    }

    /// The operation writes this user. An operation on a document names it by that document
    /// when the subject has one (two documents may share a Clerk id: a duplicate, a
    /// placeholder); a create, or a subject without a document, by the Clerk id.
    pub fn names(&self, op: &SyncOp) -> bool {
        self.names_ids(
            op.clerk_id(),
            op.doc_id().map(ToString::to_string).as_deref(),
        )
    }

    /// As [`names`](Self::names), for an operation's (or a skipped entry's) ids.
    pub fn names_ids(&self, clerk_id: &str, doc_id: Option<&str>) -> bool {
        match (doc_id, self.doc()) {
            (Some(theirs), Some(mine)) => theirs == mine,
            _ => self.clerk().is_some_and(|mine| mine == clerk_id.trim()),
        }
    }

    /// The two name the same user: the same Clerk id or the same document.
    pub fn overlaps(&self, other: &Subject) -> bool {
        (self.clerk().is_some() && self.clerk() == other.clerk())
            || (self.doc().is_some() && self.doc() == other.doc())
    }

    /// Names nobody: no Clerk id and no document (blank ones count as none).
    pub fn is_empty(&self) -> bool {
        self.clerk().is_none() && self.doc().is_none()
    }
}

/// A review focused on one user (a row's "Review the fix"): how many of the plan's operations
/// are that user's, and why the plan leaves the user to a person when it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Focus {
    pub subject: Subject,
    pub operations: usize,
    pub skipped: Vec<String>,
}

impl Focus {
    /// Focuses `choices` on `subject`'s operations and says what that leaves.
    pub fn on(plan: &SyncPlan, choices: &mut Choices, subject: Subject) -> Self {
        let operations = choices.focus(plan, &subject);
        let skipped = plan
            .skipped
            .iter()
            .filter(|s| {
                subject.names_ids(
                    s.clerk_id.as_deref().unwrap_or_default(),
                    s.doc_id.as_ref().map(ToString::to_string).as_deref(),
                )
            })
            .map(|s| s.why.clone())
            .collect();
        Self {
            subject,
            operations,
            skipped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::seed_plan;
    use super::*;
    use crate::sync::plan::OpKind;

    #[test]
    fn a_row_can_be_focused_on_or_left_out_by_its_clerk_id_or_its_document() {
        let plan = seed_plan();
        let create = plan
            .ops
            .iter()
            .find(|op| op.kind() == OpKind::Create)
            .unwrap();
        let with_doc = plan.ops.iter().find(|op| op.doc_id().is_some()).unwrap();
        let by_clerk = Subject {
            clerk_id: Some(format!(" {} ", create.clerk_id())),
            doc_id: None,
        };
        let by_doc = Subject {
            clerk_id: None,
            doc_id: with_doc.doc_id().map(ToString::to_string),
        };

        let mut focused = Choices::default();
        assert_eq!(
            focused.focus(&plan, &by_clerk),
            1,
            "one create for the missing user"
        );
        let applied = focused.apply_to(&plan);
        assert_eq!(
            applied.ops,
            vec![create.clone()],
            "only that user's operation is applied"
        );

        let mut left = Choices::default();
        left.leave_out(&plan, std::slice::from_ref(&by_doc));
        let applied = left.apply_to(&plan);
        assert_eq!(
            applied.ops.len(),
            plan.ops.len() - 1,
            "only that document's operation is left out"
        );
        assert!(!applied.ops.contains(with_doc));
        assert!(
            !Subject::default().names(create) && Subject::default().is_empty(),
            "a subject with no ids names nothing"
        );
        let blank = Subject {
            clerk_id: Some(String::new()),
            doc_id: None,
        };
        assert!(
            plan.ops.iter().all(|op| !blank.names(op)),
            "an empty Clerk id names nothing"
        );
    }

    #[test]
    fn a_focus_on_a_user_the_plan_skips_says_why() {
        let mut plan = seed_plan();
        let why = "needs a person: two documents claim this Clerk id";
        plan.skipped.push(crate::sync::plan::Skipped {
            category: crate::diff::Category::Suspicious,
            key: "user_2dup".into(),
            doc_id: None,
            clerk_id: Some("user_2dup".into()),
            why: why.into(),
        });
        let subject = Subject {
            clerk_id: Some("user_2dup".into()),
            doc_id: None,
        };
        let mut choices = Choices::default();
        let focus = Focus::on(&plan, &mut choices, subject);
        assert_eq!(
            focus.skipped,
            vec![why.to_string()],
            "the plan's own reason"
        );
        assert_eq!(focus.operations, 0, "nothing planned for that user");
        assert!(
            choices.apply_to(&plan).ops.is_empty(),
            "nothing but the focused user's operations stays in, and there are none"
        );
    }

    #[test]
    fn subjects_overlap_by_either_id_and_blank_ids_name_nobody() {
        let both = Subject {
            clerk_id: Some("user_1".into()),
            doc_id: Some("a1".into()),
        };
        let clerk_only = Subject {
            clerk_id: Some(" user_1 ".into()),
            doc_id: None,
        };
        let other_doc = Subject {
            clerk_id: None,
            doc_id: Some("b2".into()),
        };
        assert!(
            both.overlaps(&clerk_only),
            "a missing user, later created, is the same user"
        );
        assert!(!both.overlaps(&other_doc));
        let blank = Subject {
            clerk_id: Some("  ".into()),
            doc_id: Some(String::new()),
        };
        assert!(blank.is_empty(), "blank ids are no ids");
        assert!(!blank.overlaps(&blank), "and overlap nothing");
    }
}
