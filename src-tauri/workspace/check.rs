//! "Test a profile": reach Clerk, reach the database, find the collection, check the field
//! mapping against a sample of documents, and check the webhook secret's shape. Every step has a
//! verdict and, when it is not a pass, what to fix; a failed step does not stop the others that
//! do not depend on it.

use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};
use serde::Serialize;

use super::Workspace;
use crate::clerk::InstanceKind;
use crate::mongo::{FieldMapping, UserStore};
use crate::profile::mapping_check::{self, MappingReport};
use crate::secrets::{self, SecretName};

/// How many documents the mapping is checked against.
pub const SAMPLE: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Clerk,
    Database,
    Collection,
    Mapping,
    WebhookSecret,
}

impl StepKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Clerk => "Clerk",
            Self::Database => "database",
            Self::Collection => "collection",
            Self::Mapping => "field mapping",
            Self::WebhookSecret => "webhook secret",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// Works, but something looks wrong (or is not set and only some commands need it).
    Warn,
    Fail,
    /// Not run because a step it needs failed.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub verdict: Verdict,
    /// What was found, in words.
    pub detail: String,
    /// What to do, when the verdict is not a pass.
    pub fix: Option<String>,
}

/// Every step, in order, and the suggested mapping when the sample fits another one.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub steps: Vec<Step>,
    pub suggested_mapping: Option<FieldMapping>,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.steps
            .iter()
            .all(|s| matches!(s.verdict, Verdict::Pass | Verdict::Warn))
    }
}

fn step(kind: StepKind, verdict: Verdict, detail: String, fix: Option<String>) -> Step {
    Step {
        kind,
        verdict,
        detail,
        fix,
    }
}

/// Runs every step against the workspace's Clerk instance and database.
pub async fn check(ws: &Workspace) -> CheckReport {
    let mut steps = vec![clerk_step(ws).await];
    let mut suggested_mapping = None;
    match ws.user_store().await {
        Err(e) => {
            steps.push(step(
                StepKind::Database,
                Verdict::Fail,
                e.to_string(),
                Some("check the MongoDB URI and the database name of the profile".into()),
            ));
            for kind in [StepKind::Collection, StepKind::Mapping] {
                steps.push(step(
                    kind,
                    Verdict::Skipped,
                    "needs the database".into(),
                    None,
                ));
            }
        }
        Ok(store) => {
            steps.push(step(
                StepKind::Database,
                Verdict::Pass,
                format!("connected to {}", store.location()),
                None,
            ));
            let (collection, mapping) = collection_steps(&store).await;
            steps.push(collection);
            if let Some((mapping_step, report)) = mapping {
                steps.push(mapping_step);
                suggested_mapping = report.suggestion;
            } else {
                steps.push(step(
                    StepKind::Mapping,
                    Verdict::Skipped,
                    "needs the collection".into(),
                    None,
                ));
            }
        }
    }
    steps.push(webhook_step(ws));
    CheckReport {
        steps,
        suggested_mapping,
    }
}

async fn clerk_step(ws: &Workspace) -> Step {
    let client = match ws.clerk_client() {
        Ok(client) => client,
        Err(e) => return step(StepKind::Clerk, Verdict::Fail, e.to_string(), None),
    };
    match client.count_users().await {
        Ok(count) => {
            let kind = match client.instance_kind() {
                InstanceKind::Development => "a development instance (sk_test_ key)",
                InstanceKind::Production => "a production instance (sk_live_ key)",
            };
            step(
                StepKind::Clerk,
                Verdict::Pass,
                format!("reached {}: {kind}, {count} users", client.base_url()),
                None,
            )
        }
        Err(e) => step(
            StepKind::Clerk,
            Verdict::Fail,
            e.to_string(),
            Some("check the Clerk API URL and secret key of the profile".into()),
        ),
    }
}

async fn collection_steps(store: &UserStore) -> (Step, Option<(Step, MappingReport)>) {
    let collection = &store.mapping().collection;
    let fail = |detail: String| {
        let fix = Some(format!(
            "check the database name, or the mapping's `collection` (now `{collection}`)"
        ));
        (step(StepKind::Collection, Verdict::Fail, detail, fix), None)
    };
    match store.collection_exists().await {
        Err(e) => return fail(e.to_string()),
        Ok(false) => {
            return fail(format!(
                "there is no collection `{collection}` in {}",
                store.location()
            ));
        }
        Ok(true) => {}
    }
    let documents = match store.count().await {
        Ok(n) => n,
        Err(e) => return fail(e.to_string()),
    };
    let found = step(
        StepKind::Collection,
        Verdict::Pass,
        format!("`{collection}` holds {documents} documents"),
        None,
    );
    let sample = match sample(store).await {
        Ok(docs) => docs,
        Err(e) => {
            let failed = step(StepKind::Mapping, Verdict::Fail, e.to_string(), None);
            let empty = mapping_check::check(store.mapping(), &[]);
            return (found, Some((failed, empty)));
        }
    };
    let report = mapping_check::check(store.mapping(), &sample);
    (found, Some((mapping_step(&report), report)))
}

/// The first documents of the collection, whole (the mapping is what is being checked).
async fn sample(store: &UserStore) -> crate::mongo::Result<Vec<Document>> {
    store
        .users()
        .find(doc! {})
        .limit(SAMPLE)
        .await
        .map_err(|e| store.error(e))?
        .try_collect()
        .await
        .map_err(|e| store.error(e))
}

fn mapping_step(report: &MappingReport) -> Step {
    if report.sampled == 0 {
        return step(
            StepKind::Mapping,
            Verdict::Warn,
            "the collection is empty, so the mapping cannot be checked".into(),
            None,
        );
    }
    let problems: Vec<String> = report.problems().map(|f| report.describe(f)).collect();
    if problems.is_empty() {
        return step(
            StepKind::Mapping,
            Verdict::Pass,
            format!(
                "every mapped field is in most of the {} sampled documents",
                report.sampled
            ),
            None,
        );
    }
    let (verdict, fix) = match &report.suggestion {
        Some(_) => (
            Verdict::Fail,
            Some("use the suggested mapping (saved with `--mapping FILE` or in Settings)".into()),
        ),
        // Fields most documents lack, with nothing else holding them: local users with no Clerk
        // id, say. Worth a look, not a failure.
        None => (Verdict::Warn, None),
    };
    step(StepKind::Mapping, verdict, problems.join("; "), fix)
}

fn webhook_step(ws: &Workspace) -> Step {
    match ws.secret(SecretName::WebhookSecret) {
        Err(e) => step(
            StepKind::WebhookSecret,
            Verdict::Warn,
            e.to_string(),
            Some("only the listener, send-event and doctor need it".into()),
        ),
        Ok(value) => match secrets::check(SecretName::WebhookSecret, value.expose()) {
            Ok(_) => step(
                StepKind::WebhookSecret,
                Verdict::Pass,
                "set, and shaped as a Svix signing secret (whsec_ + base64)".into(),
                None,
            ),
            Err(e) => step(
                StepKind::WebhookSecret,
                Verdict::Fail,
                e.to_string(),
                Some(
                    "copy the endpoint's Signing Secret from the Clerk Dashboard → Webhooks".into(),
                ),
            ),
        },
    }
}
