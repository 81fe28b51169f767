//! `syncdesk diff`, `syncdesk sync` and `syncdesk create-user`: reconcile Clerk and the database.

use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;

use super::progress::Status;
use crate::diff::Category;
use crate::sync::apply::{Cancel, Outcome};
use crate::sync::manual::ManualUser;
use crate::workspace::Workspace;
use crate::workspace::sync::{Confirmation, Preview, SyncOptions};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// One JSON object per user and line: {category, key, reasons, clerk, db}.
    #[arg(long)]
    json: bool,
    /// Exit 3 when a sync would write anything (for cron and CI), 0 when it would write nothing.
    #[arg(long)]
    exit_code: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Print the plan and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Apply to a production profile (or an sk_live_ key); without it production is refused.
    #[arg(long)]
    yes: bool,
    /// Plan only for these categories (repeatable): missing, orphaned, drift, link, suspicious.
    #[arg(long, value_name = "CATEGORY")]
    only: Vec<Category>,
    /// Delete orphaned documents instead of deactivating them.
    #[arg(long)]
    delete_orphans: bool,
    /// If the users collection does not exist yet (a new or reset database), create it and its
    /// indexes before applying; without this, a missing collection is refused (a typo in the
    /// database name must not fill a new collection).
    #[arg(long)]
    create_collection: bool,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    role: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    address: Option<String>,
    /// Any other app-owned field the profile's mapping names, as NAME=VALUE (repeatable).
    #[arg(long = "field", value_name = "NAME=VALUE", value_parser = field_value)]
    fields: Vec<(String, String)>,
    /// If Clerk has no user with this email, create one there first (then link it).
    #[arg(long)]
    in_clerk: bool,
    /// Write to a production profile.
    #[arg(long)]
    yes: bool,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn confirmation(yes: bool) -> Confirmation {
    if yes {
        Confirmation::Yes
    } else {
        Confirmation::None
    }
}

/// The core's preview, with its progress on stderr and a summary of what was read.
async fn preview(ws: &Workspace, options: &SyncOptions) -> anyhow::Result<Preview> {
    writeln!(std::io::stderr(), "reading with {}", ws.label())?;
    let status = Status::new();
    let preview = ws
        .preview(options, |p| {
            status.show(format_args!(
                "reading Clerk: {} users ({} pages)",
                p.users, p.pages
            ));
        })
        .await?;
    status.done();
    let snapshot = &preview.snapshot;
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "Clerk {}: {} users; database {}: {} users",
        ws.clerk_api_url(),
        snapshot.clerk.len(),
        snapshot.location,
        snapshot.db.len()
    )?;
    if let Some(note) = snapshot.fetch.count_note() {
        writeln!(err, "warning: {note}")?;
    }
    Ok(preview)
}

pub async fn diff(args: DiffArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    let preview = preview(ws, &SyncOptions::default()).await?;
    // What a sync with every category would write: `--exit-code` reports it.
    let exit = if args.exit_code && !preview.plan.is_empty() {
        ExitCode::from(DIFFERENCES)
    } else {
        ExitCode::SUCCESS
    };
    let diff = preview.diff();
    let mut out = std::io::stdout().lock();
    if args.json {
        diff.write_json_lines(&mut out)?;
        return Ok(exit);
    }
    for entry in diff
        .entries
        .iter()
        .filter(|e| !matches!(e.category, Category::InSync | Category::LocalOnly))
    {
        let reasons: Vec<String> = entry.reasons.iter().map(ToString::to_string).collect();
        writeln!(
            out,
            "{:<11} {:<34} {}",
            entry.category.to_string(),
            entry.key(),
            reasons.join("; ")
        )?;
    }
    writeln!(out, "{}", diff.counts)?;
    if args.exit_code {
        let planned = preview.plan.ops.len();
        writeln!(
            out,
            "{}",
            match planned {
                0 => "a sync would write nothing".to_string(),
                1 => "a sync would write 1 operation (exit 3)".to_string(),
                n => format!("a sync would write {n} operations (exit 3)"),
            }
        )?;
    }
    Ok(exit)
}

/// `diff --exit-code`'s status when a sync would write something (as `git diff --exit-code`
/// exits 1; 1 is taken here by errors, 2 by bad usage).
const DIFFERENCES: u8 = 3;

pub async fn sync(args: SyncArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    let options = SyncOptions {
        only: Some(args.only.into_iter().collect()),
        delete_orphans: args.delete_orphans,
        create_collection: args.create_collection,
    };
    let preview = preview(ws, &options).await?;
    let plan = &preview.plan;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{plan}")?;
    if plan.is_empty() {
        writeln!(out, "nothing to do: everything Clerk owns is in sync")?;
        return Ok(ExitCode::SUCCESS);
    }
    if preview.new_collection {
        writeln!(
            out,
            "the collection `{}` does not exist in {} yet: it {} created with its indexes first",
            preview.collection(),
            preview.location(),
            if args.dry_run { "would be" } else { "will be" }
        )?;
    }
    if !preview.missing_indexes.is_empty() {
        writeln!(
            out,
            "`{}` has no unique index on {}: it {} created first ({}){}",
            preview.collection(),
            preview.missing_indexes.join(", "),
            if args.dry_run { "would be" } else { "will be" },
            crate::mongo::WHY_UNIQUE,
            if ws.is_production() {
                ""
            } else {
                "; with the lookup indexes on the Clerk id, user id, email and username"
            }
        )?;
    }
    if args.dry_run {
        writeln!(out, "dry run: nothing written")?;
        return Ok(ExitCode::SUCCESS);
    }
    let confirmation = confirmation(args.yes);
    ws.confirm(&confirmation)?;
    writeln!(std::io::stderr(), "applying with {}", ws.label())?;
    drop(out);
    // Ctrl-C stops the run between batches; what was written stays, and a rerun finishes.
    let cancel = Cancel::default();
    let on_interrupt = cancel.clone();
    // A second Ctrl-C quits at once (exit 130), for a write that hangs.
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
            let _ = writeln!(
                std::io::stderr(),
                "\nstopping after the current batch (Ctrl-C again to quit now)"
            );
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    });
    let total = plan.ops.len();
    let status = Status::new();
    let applied = ws
        .apply(
            &preview,
            &confirmation,
            now_ms(),
            |p| status.show(format_args!("applying: {}/{total}", p.completed)),
            &cancel,
        )
        .await;
    watcher.abort();
    status.done();
    let applied = applied?;
    let mut out = std::io::stdout().lock();
    if let Some(indexes) = &applied.created_collection {
        writeln!(
            out,
            "created `{}` with unique indexes on {}",
            preview.collection(),
            indexes.unique.join(", ")
        )?;
    }
    if let Some(indexes) = &applied.created_indexes {
        writeln!(
            out,
            "created unique indexes on {} in `{}`",
            indexes.unique.join(", "),
            preview.collection()
        )?;
    }
    let report = &applied.report;
    for r in &report.results {
        let detail = match &r.outcome {
            Outcome::Done => "done".to_string(),
            Outcome::Skipped(why) => format!("skipped: {why}"),
            Outcome::Failed(why) => format!("FAILED: {why}"),
        };
        writeln!(out, "{:<10} {:<34} {detail}", r.op, r.clerk_id)?;
    }
    writeln!(
        out,
        "{} done, {} skipped, {} failed",
        report.done, report.skipped, report.failed
    )?;
    if report.cancelled {
        writeln!(
            out,
            "cancelled: {} operations not attempted; run sync again to finish",
            report.not_attempted
        )?;
    }
    Ok(if report.failed > 0 || report.cancelled {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `NAME=VALUE` of `--field`.
fn field_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "{text:?} is not NAME=VALUE, e.g. --field role=vendor"
        )),
    }
}

pub async fn create(args: CreateUserArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    writeln!(std::io::stderr(), "creating a user with {}", ws.label())?;
    let mut fields = std::collections::BTreeMap::new();
    let shorthands = [
        ("role", args.role),
        ("phone", args.phone),
        ("address", args.address),
    ];
    let given = args.fields.into_iter().chain(
        shorthands
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name.to_string(), v))),
    );
    for (name, value) in given {
        if fields.insert(name.clone(), value).is_some() {
            anyhow::bail!(
                "the field {name} is given twice (--field {name}=… or --{name}): give it once; nothing was written"
            );
        }
    }
    let input = ManualUser {
        email: args.email,
        name: args.name,
        fields,
    };
    let created = ws
        .create_user(&input, args.in_clerk, &confirmation(args.yes), now_ms())
        .await?;
    let mut out = std::io::stdout().lock();
    let user_id = created
        .user
        .as_ref()
        .and_then(|u| u.user_id)
        .map_or_else(|| "-".into(), |n| n.to_string());
    writeln!(
        out,
        "created user_id {user_id} linked to {} ({})",
        created.clerk_id,
        if created.created_in_clerk {
            "created in Clerk now"
        } else {
            "existing Clerk user"
        }
    )?;
    Ok(ExitCode::SUCCESS)
}
