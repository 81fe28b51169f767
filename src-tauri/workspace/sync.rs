//! The sync use cases over a workspace, once for the CLI and the window: preview (read both
//! sides, diff, plan), apply a preview (the confirmation production needs, progress,
//! cancellation between batches) and create one user by hand. The front ends only present them.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Workspace, WorkspaceError};
use crate::diff::{Category, Counts, UserDiff, diff_users};
use crate::mongo::journal::Source;
use crate::mongo::{IndexReport, UserStore};
use crate::sync::apply::{ApplyContext, ApplyReport, Cancel, Progress, apply_until};
use crate::sync::manual::{Created, Lookup, ManualUser, create_user, lookup};
use crate::sync::plan::{SyncPlan, SyncPolicy, plan};
use crate::sync::snapshot::{MissingCollection, Snapshot};

/// What a sync plans for.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Plan only for these categories; `None` plans for all.
    pub only: Option<BTreeSet<Category>>,
    /// Delete orphaned documents instead of deactivating them.
    pub delete_orphans: bool,
    /// A users collection that does not exist yet is read as empty and created before the
    /// first write (else it is refused: a typo must not fill a new collection).
    pub create_collection: bool,
}

/// How the person confirmed a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Nothing beyond running the command: enough outside production.
    None,
    /// The CLI's `--yes`.
    Yes,
    /// The window's confirmation: the profile's name typed (`production` with no profile).
    Typed(String),
}

/// What the window must ask before it applies: production the profile's name typed, staging a
/// confirmation once, development nothing beyond the review.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConfirmationNeeded {
    None,
    Ask,
    Typed { expected: String },
}

/// Both sides as read, and the plan that would bring them in step.
pub struct Preview {
    store: UserStore,
    /// Shared with the window's table of the same read.
    pub snapshot: Arc<Snapshot>,
    /// The diff's category counts (kept: the diff itself borrows the snapshot).
    pub counts: Counts,
    pub plan: SyncPlan,
    /// The users collection does not exist yet and will be created (with its indexes) first.
    pub new_collection: bool,
    /// Unique indexes the writes need that the collection lacks: the apply creates them first
    /// (the review names them, see `mongo::WHY_UNIQUE`).
    pub missing_indexes: Vec<String>,
}

impl Preview {
    /// The diff of the two sides (worked out again on demand: it borrows the snapshot).
    pub fn diff(&self) -> UserDiff<'_> {
        diff_users(
            &self.snapshot.clerk,
            &self.snapshot.db,
            &self.snapshot.context(),
        )
    }

    /// Leaves out of the plan what the review left out (the person's choices).
    pub fn keep_only(&mut self, choices: &crate::review::Choices) {
        self.plan = choices.apply_to(&self.plan);
    }

    /// `host/database` of the side that would be written.
    pub fn location(&self) -> String {
        self.store.location()
    }

    pub fn collection(&self) -> &str {
        &self.store.mapping().collection
    }
}

/// What applying a preview did.
#[derive(Debug)]
pub struct Applied {
    /// The collection created first, and its indexes, when it did not exist.
    pub created_collection: Option<IndexReport>,
    /// The unique indexes created first in an existing collection (and, outside production,
    /// the lookup ones), when the review named some as missing.
    pub created_indexes: Option<IndexReport>,
    pub report: ApplyReport,
}

impl Workspace {
    /// Reads both sides (Clerk's fetch progress through `progress`), no more: what the Users
    /// view shows. A missing users collection is refused, naming the database.
    pub async fn read(
        &self,
        progress: impl Fn(crate::clerk::Progress) + Sync,
    ) -> Result<Snapshot, WorkspaceError> {
        Ok(self.read_both(MissingCollection::Refuse, progress).await?.0)
    }

    async fn read_both(
        &self,
        missing: MissingCollection,
        progress: impl Fn(crate::clerk::Progress) + Sync,
    ) -> Result<(Snapshot, UserStore), WorkspaceError> {
        let client = self.clerk_client()?;
        let store = self.user_store().await?;
        let snapshot = Snapshot::take(&client, &store, missing, progress).await?;
        Ok((snapshot, store))
    }

    /// Reads both sides (Clerk's fetch progress through `progress`), diffs and plans.
    pub async fn preview(
        &self,
        options: &SyncOptions,
        progress: impl Fn(crate::clerk::Progress) + Sync,
    ) -> Result<Preview, WorkspaceError> {
        let missing = if options.create_collection {
            MissingCollection::ReadAsEmpty
        } else {
            MissingCollection::Refuse
        };
        let (snapshot, store) = self.read_both(missing, progress).await?;
        let new_collection = options.create_collection && !store.collection_exists().await?;
        let missing_indexes = if new_collection {
            Vec::new()
        } else {
            store.missing_unique_indexes().await?
        };
        let policy = SyncPolicy {
            delete_orphans: options.delete_orphans,
            only: options.only.clone().filter(|only| !only.is_empty()),
            ..SyncPolicy::for_mapping(store.mapping())
        };
        let diff = diff_users(&snapshot.clerk, &snapshot.db, &snapshot.context());
        let plan = plan(&diff, &policy);
        let counts = diff.counts;
        drop(diff);
        Ok(Preview {
            store,
            snapshot: Arc::new(snapshot),
            counts,
            plan,
            new_collection,
            missing_indexes,
        })
    }

    /// What a person must do to confirm a write here (the window's dialog follows it).
    pub fn confirmation_needed(&self) -> ConfirmationNeeded {
        if self.is_production() {
            ConfirmationNeeded::Typed {
                expected: self.profile_name().unwrap_or("production").to_string(),
            }
        } else if self.environment() == crate::profile::Environment::Staging {
            ConfirmationNeeded::Ask
        } else {
            ConfirmationNeeded::None
        }
    }

    /// Refuses a write to a production instance (a production profile, or a live Clerk key)
    /// that was not confirmed: `--yes`, or the profile's name typed.
    pub fn confirm(&self, confirmation: &Confirmation) -> Result<(), WorkspaceError> {
        if !self.is_production() {
            return Ok(());
        }
        let expected = self.profile_name().unwrap_or("production");
        let confirmed = match confirmation {
            Confirmation::None => false,
            Confirmation::Yes => true,
            Confirmation::Typed(typed) => typed.trim() == expected,
        };
        if confirmed {
            Ok(())
        } else {
            Err(WorkspaceError::NotConfirmed {
                label: self.label(),
                expected: expected.to_string(),
            })
        }
    }

    /// Applies a preview's plan after the confirmation check; `progress` after every batch and
    /// operation, `cancel` checked between them (a cancelled run reports what it did, and a
    /// fresh preview holds what is left).
    pub async fn apply(
        &self,
        preview: &Preview,
        confirmation: &Confirmation,
        now_ms: i64,
        progress: impl Fn(Progress),
        cancel: &Cancel,
    ) -> Result<Applied, WorkspaceError> {
        self.confirm(confirmation)?;
        let created_collection = if preview.new_collection {
            Some(
                preview
                    .store
                    .create_collection(!self.is_production())
                    .await?,
            )
        } else {
            None
        };
        // Production keeps only the unique indexes it needs; the lookup ones help the test
        // server's planner, not a real mongod, and are created there only by `db indexes`.
        let created_indexes = if preview.missing_indexes.is_empty() || preview.plan.is_empty() {
            None
        } else {
            let report = preview
                .store
                .ensure_indexes_with(!self.is_production())
                .await?;
            // Values held by several documents block a unique index: nothing is written until a
            // person has chosen which document keeps each.
            let blocked: Vec<&String> = preview
                .missing_indexes
                .iter()
                .filter(|field| !report.is_unique(field))
                .collect();
            if !blocked.is_empty() {
                return Err(WorkspaceError::IndexesBlocked {
                    fields: blocked
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    duplicates: report.duplicates.len(),
                });
            }
            Some(report)
        };
        let ctx = ApplyContext {
            source: Source::Sync,
            now_ms,
        };
        let report = apply_until(&preview.store, &preview.plan, ctx, progress, cancel).await?;
        Ok(Applied {
            created_collection,
            created_indexes,
            report,
        })
    }

    /// Who has `email` in Clerk and in the database, for the creation form.
    pub async fn lookup_email(&self, email: &str) -> Result<Lookup, WorkspaceError> {
        let client = self.clerk_client()?;
        let store = self.user_store().await?;
        Ok(lookup(&store, &client, email).await?)
    }

    /// Creates one user by hand, linked to its real Clerk user (created there first when
    /// `in_clerk` and Clerk has none), after the confirmation check.
    pub async fn create_user(
        &self,
        input: &ManualUser,
        in_clerk: bool,
        confirmation: &Confirmation,
        now_ms: i64,
    ) -> Result<Created, WorkspaceError> {
        self.confirm(confirmation)?;
        let client = self.clerk_client()?;
        let store = self.user_store().await?;
        Ok(create_user(&store, &client, input, in_clerk, now_ms).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Environment, Profile};
    use crate::secrets::Sensitive;
    use crate::workspace::{Origin, Overrides, Slot};

    fn workspace(profile: Option<Profile>, key: &str) -> Workspace {
        let key = Slot::Set(Sensitive::new(key.into()), Origin::Keychain);
        Workspace::from_parts(
            profile,
            Overrides::default(),
            [Slot::NotSet, key, Slot::NotSet],
        )
    }

    #[test]
    fn production_needs_yes_or_the_profile_name_typed_exactly() {
        let prod = workspace(
            Some(Profile::new("prod", Environment::Production)),
            "sk_live_abc",
        );
        assert!(
            matches!(
                prod.confirm(&Confirmation::None),
                Err(WorkspaceError::NotConfirmed { .. })
            ),
            "running the command is not a confirmation for production"
        );
        assert!(prod.confirm(&Confirmation::Yes).is_ok());
        assert!(prod.confirm(&Confirmation::Typed(" prod ".into())).is_ok());
        assert!(
            prod.confirm(&Confirmation::Typed("Prod".into())).is_err(),
            "the name exactly, so it is read and not guessed"
        );
        let err = prod.confirm(&Confirmation::None).unwrap_err().to_string();
        assert!(
            err.contains("--yes") && err.contains("\"prod\" typed"),
            "says how to confirm in either front end: {err}"
        );
        let no_profile = workspace(None, "sk_live_abc");
        assert!(
            no_profile
                .confirm(&Confirmation::Typed("production".into()))
                .is_ok(),
            "with no profile the word production is typed"
        );
        let dev = workspace(
            Some(Profile::new("dev", Environment::Development)),
            "sk_test_abc",
        );
        assert!(
            dev.confirm(&Confirmation::None).is_ok(),
            "development applies after the review"
        );
    }

    #[test]
    fn the_window_asks_what_each_environment_needs() {
        let prod = workspace(
            Some(Profile::new("prod", Environment::Production)),
            "sk_live_abc",
        );
        assert_eq!(
            prod.confirmation_needed(),
            ConfirmationNeeded::Typed {
                expected: "prod".into()
            },
            "production: the profile's name typed"
        );
        let staging = workspace(
            Some(Profile::new("stage", Environment::Staging)),
            "sk_test_abc",
        );
        assert_eq!(staging.confirmation_needed(), ConfirmationNeeded::Ask);
        let live_staging = workspace(
            Some(Profile::new("stage", Environment::Staging)),
            "sk_live_abc",
        );
        assert_eq!(
            live_staging.confirmation_needed(),
            ConfirmationNeeded::Typed {
                expected: "stage".into()
            },
            "a live key makes a staging label production for the guard"
        );
        let dev = workspace(None, "sk_test_abc");
        assert_eq!(dev.confirmation_needed(), ConfirmationNeeded::None);
    }
}
