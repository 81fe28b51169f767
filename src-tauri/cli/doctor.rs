//! `syncdesk doctor --backend URL`: the end-to-end check of the developer's own webhook route,
//! one line per step as it ends (or one JSON object per step with `--json`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::doctor::{self, StepReport, Verdict};
use crate::workspace::Workspace;

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  syncdesk doctor --backend http://localhost:3000/api/webhooks/clerk\n\nExit status: 0 when every step passes, 1 otherwise."
)]
pub struct DoctorArgs {
    /// Your backend's webhook route, e.g. http://localhost:3000/api/webhooks/clerk.
    #[arg(long, value_name = "URL")]
    backend: String,
    /// How long each request, and each wait for the database, may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// One JSON object per step (step, number, title, verdict, detail, fix).
    #[arg(long)]
    json: bool,
    /// Check a production profile's backend (it writes, then removes, one throwaway user).
    #[arg(long)]
    yes: bool,
}

fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "pass",
        Verdict::Warning => "warn",
        Verdict::Failed => "FAIL",
        Verdict::SecurityHole => "HOLE",
        Verdict::Skipped => "skip",
    }
}

fn print(step: &StepReport, json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let line = serde_json::to_string(step).map_err(std::io::Error::other)?;
        return writeln!(out, "{line}");
    }
    writeln!(
        out,
        "{} {}. {}",
        mark(step.verdict),
        step.number,
        step.title
    )?;
    writeln!(out, "       {}", step.detail)?;
    if let Some(fix) = &step.fix {
        writeln!(out, "       fix: {fix}")?;
    }
    Ok(())
}

pub async fn run(args: DoctorArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 600.0) {
        anyhow::bail!(
            "--timeout must be a number of seconds between 0 and 600 (got {})",
            args.timeout
        );
    }
    super::confirm_write(
        ws,
        args.yes,
        "the doctor sends signed events for a throwaway user",
    )?;
    if !args.json {
        writeln!(
            std::io::stdout().lock(),
            "checking {} with {} (a throwaway user, removed at the end)",
            args.backend.trim(),
            ws.label()
        )?;
    }
    let mut failed_print = None;
    let timeout = Duration::from_secs_f64(args.timeout);
    let report = doctor::check(ws, &args.backend, timeout, &mut |step| {
        if let Err(err) = print(step, args.json) {
            failed_print.get_or_insert(err);
        }
    })
    .await?;
    if let Some(err) = failed_print {
        return Err(err.into());
    }
    if !args.json {
        let ok = report.steps.iter().filter(|s| s.verdict.is_ok()).count();
        writeln!(
            std::io::stdout().lock(),
            "{ok} of {} steps passed",
            report.steps.len()
        )?;
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
