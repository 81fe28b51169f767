//! `doctor`: an end-to-end check of a developer's own webhook route. Seven steps, each with a
//! verdict and, when it fails, the fix: the route answers; a correctly signed event is taken;
//! forgeries are refused; the document appears as it should; a redelivery writes nothing new;
//! an update and a delete land; the throwaway user is removed again.
//!
//! Used by `syncdesk doctor` and the window's "Check my backend"; it writes only through the
//! backend under test, and removes only the throwaway user's documents.

mod database;
mod probe;
mod route;
mod signature;
pub mod throwaway;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::mongo::UserStore;
use crate::webhook::SigningSecret;
use crate::workspace::{Workspace, WorkspaceError};
use probe::Receiver;
use throwaway::Throwaway;

/// The seven steps, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    RouteAnswers,
    SignedEventAccepted,
    ForgeriesRefused,
    DocumentWritten,
    RedeliveryIgnored,
    UpdateAndDelete,
    CleanUp,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Self::RouteAnswers,
        Self::SignedEventAccepted,
        Self::ForgeriesRefused,
        Self::DocumentWritten,
        Self::RedeliveryIgnored,
        Self::UpdateAndDelete,
        Self::CleanUp,
    ];

    pub fn number(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::RouteAnswers => "The route answers",
            Self::SignedEventAccepted => "A correctly signed user.created is accepted",
            Self::ForgeriesRefused => "A fake signature and a stale timestamp are refused",
            Self::DocumentWritten => {
                "The document appears with the real Clerk id and primary email"
            }
            Self::RedeliveryIgnored => "A redelivery creates no second document",
            Self::UpdateAndDelete => "user.updated changes the email; user.deleted deactivates",
            Self::CleanUp => "The throwaway user is removed",
        }
    }
}

/// What a step found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    /// Works, but not as Svix expects (e.g. a refusal answered 500).
    Warning,
    Failed,
    /// The backend accepts requests it must refuse: anyone can write users through it.
    SecurityHole,
    /// Could not run: an earlier step failed, or there is no database to look in.
    Skipped,
}

impl Verdict {
    pub fn is_ok(self) -> bool {
        matches!(self, Self::Passed | Self::Warning)
    }
}

/// One step's result: what was seen, and on failure what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    pub step: Step,
    pub number: usize,
    pub title: &'static str,
    pub verdict: Verdict,
    pub detail: String,
    pub fix: Option<String>,
}

impl StepReport {
    fn new(step: Step, verdict: Verdict, detail: impl Into<String>, fix: Option<String>) -> Self {
        Self {
            step,
            number: step.number(),
            title: step.title(),
            verdict,
            detail: detail.into(),
            fix,
        }
    }

    fn passed(step: Step, detail: impl Into<String>) -> Self {
        Self::new(step, Verdict::Passed, detail, None)
    }

    fn failed(step: Step, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(step, Verdict::Failed, detail, Some(fix.into()))
    }

    fn skipped(step: Step, why: impl Into<String>) -> Self {
        Self::new(step, Verdict::Skipped, why, None)
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct DoctorConfig {
    /// The backend's webhook route, e.g. `http://localhost:3000/api/webhooks/clerk`.
    pub backend: String,
    /// The backend's own endpoint secret.
    pub secret: SigningSecret,
    /// How long each request, and each wait for the database, may take.
    pub timeout: Duration,
}

/// Why the doctor cannot start at all.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error(
        "the backend URL must be http:// or https:// with a host, like http://localhost:3000/api/webhooks/clerk (got `{0}`)"
    )]
    BadUrl(String),
    #[error(
        "the backend URL holds a user name or password: leave them out (a webhook route is authenticated by its Svix signature, and the URL would be shown in the report)"
    )]
    Credentials,
    #[error("cannot prepare the requests: {0}")]
    Client(String),
}

/// Every step's result, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    pub backend: String,
    pub clerk_id: String,
    pub steps: Vec<StepReport>,
}

impl DoctorReport {
    /// Whether every step passed (a warning passes; a skipped step does not).
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.verdict.is_ok())
    }
}

/// The state one run carries from step to step.
pub(crate) struct Run<'a> {
    pub receiver: Receiver,
    pub secret: &'a SigningSecret,
    pub user: Throwaway,
    pub timeout: Duration,
    /// The accepted `user.created`: its message id and exact bytes (redelivered in step 5).
    pub created: Option<(String, Vec<u8>)>,
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Runs the seven steps against `config.backend`, reporting each as it ends. `store` is the
/// database the backend writes to; without it, the database steps are skipped with `no_store`.
pub async fn run(
    config: &DoctorConfig,
    store: Result<&UserStore, String>,
    on_step: &mut (dyn FnMut(&StepReport) + Send),
) -> Result<DoctorReport, DoctorError> {
    let url = reqwest::Url::parse(&config.backend)
        .map_err(|_| DoctorError::BadUrl(config.backend.clone()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DoctorError::Credentials);
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(DoctorError::BadUrl(config.backend.clone()));
    }
    let mut run = Run {
        receiver: Receiver::new(&config.backend, config.timeout).map_err(DoctorError::Client)?,
        secret: &config.secret,
        user: Throwaway::fresh(),
        timeout: config.timeout,
        created: None,
    };
    let mut steps = Vec::with_capacity(Step::ALL.len());
    let mut report = |r: StepReport, steps: &mut Vec<StepReport>| {
        on_step(&r);
        steps.push(r);
    };
    let route = route::answers(&run).await;
    let reachable = route.verdict.is_ok();
    report(route, &mut steps);
    if reachable {
        let accepted = signature::accepted(&mut run).await;
        report(accepted, &mut steps);
        report(signature::forgeries(&run).await, &mut steps);
    } else {
        for step in [Step::SignedEventAccepted, Step::ForgeriesRefused] {
            report(
                StepReport::skipped(step, "the route must answer first (step 1)"),
                &mut steps,
            );
        }
    }
    let db_steps = [
        Step::DocumentWritten,
        Step::RedeliveryIgnored,
        Step::UpdateAndDelete,
    ];
    match (&store, run.created.is_some()) {
        (Err(why), _) => {
            for step in db_steps {
                report(
                    StepReport::skipped(step, format!("no database to look in: {why}")),
                    &mut steps,
                );
            }
        }
        (Ok(_), false) => {
            for step in db_steps {
                report(
                    StepReport::skipped(step, "needs the signed user.created accepted (step 2)"),
                    &mut steps,
                );
            }
        }
        (Ok(store), true) => {
            let (written, found) = database::written(&run, store).await;
            report(written, &mut steps);
            if found {
                report(database::redelivery(&run, store).await, &mut steps);
                report(database::update_and_delete(&run, store).await, &mut steps);
            } else {
                for step in [Step::RedeliveryIgnored, Step::UpdateAndDelete] {
                    report(
                        StepReport::skipped(step, "no document to look at (step 4)"),
                        &mut steps,
                    );
                }
            }
        }
    }
    let clean = match &store {
        Ok(store) => database::clean_up(&run, store).await,
        Err(_) => StepReport::new(
            Step::CleanUp,
            Verdict::Skipped,
            format!(
                "no database: if the backend stored the throwaway user, remove the documents with Clerk id {} (their emails start with {})",
                run.user.clerk_id,
                throwaway::MARKER
            ),
            None,
        ),
    };
    report(clean, &mut steps);
    Ok(DoctorReport {
        backend: config.backend.clone(),
        clerk_id: run.user.clerk_id.clone(),
        steps,
    })
}

/// The use case both front ends call: checks `backend` with the workspace's signing secret (the
/// profile's, or `SYNCDESK_WEBHOOK_SECRET`) and its database (steps 4 to 7 are skipped, with the
/// reason, when it has none).
pub async fn check(
    ws: &Workspace,
    backend: &str,
    timeout: Duration,
    on_step: &mut (dyn FnMut(&StepReport) + Send),
) -> Result<DoctorReport, WorkspaceError> {
    let config = DoctorConfig {
        backend: backend.trim().to_string(),
        secret: ws.signing_secret()?,
        timeout,
    };
    let store = ws.user_store().await.map_err(|e| e.to_string());
    Ok(run(&config, store.as_ref().map_err(Clone::clone), on_step).await?)
}
