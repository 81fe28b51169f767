//! `syncdesk diff`, `syncdesk sync` and `syncdesk create-user`: reconcile Clerk and the database.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::bail;
use clap::Args;

use super::progress::Status;
use crate::diff::{Category, diff_users};
use crate::mongo::journal::Source;
use crate::sync::apply::{ApplyContext, Outcome, apply};
use crate::sync::manual::{ManualUser, create_user};
use crate::sync::plan::{SyncPolicy, plan};
use crate::sync::snapshot::{MissingCollection, Snapshot};
use crate::workspace::Workspace;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// One JSON object per user and line: {category, key, reasons, clerk, db}.
    #[arg(long)]
    json: bool,
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

async fn snapshot(
    ws: &Workspace,
    store: &crate::mongo::UserStore,
    missing: MissingCollection,
) -> anyhow::Result<Snapshot> {
    let client = ws.clerk_client()?;
    writeln!(std::io::stderr(), "reading with {}", ws.label())?;
    let status = Status::new();
    let snapshot = Snapshot::take(&client, store, missing, |p| {
        status.show(format_args!(
            "reading Clerk: {} users ({} pages)",
            p.users, p.pages
        ));
    })
    .await?;
    status.done();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "Clerk {}: {} users; database {}: {} users",
        client.base_url(),
        snapshot.clerk.len(),
        snapshot.location,
        snapshot.db.len()
    )?;
    if let Some(note) = snapshot.fetch.count_note() {
        writeln!(err, "warning: {note}")?;
    }
    Ok(snapshot)
}

pub async fn diff(args: DiffArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    let store = ws.user_store().await?;
    let snapshot = snapshot(ws, &store, MissingCollection::Refuse).await?;
    let diff = diff_users(&snapshot.clerk, &snapshot.db, &snapshot.context());
    let mut out = std::io::stdout().lock();
    if args.json {
        diff.write_json_lines(&mut out)?;
        return Ok(ExitCode::SUCCESS);
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
    Ok(ExitCode::SUCCESS)
}

pub async fn sync(args: SyncArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    let store = ws.user_store().await?;
    let missing = if args.create_collection {
        MissingCollection::ReadAsEmpty
    } else {
        MissingCollection::Refuse
    };
    let snapshot = snapshot(ws, &store, missing).await?;
    let new_collection = args.create_collection && !store.collection_exists().await?;
    let diff = diff_users(&snapshot.clerk, &snapshot.db, &snapshot.context());
    let only: BTreeSet<Category> = args.only.into_iter().collect();
    let policy = SyncPolicy {
        delete_orphans: args.delete_orphans,
        only: (!only.is_empty()).then_some(only),
        ..SyncPolicy::for_mapping(store.mapping())
    };
    let plan = plan(&diff, &policy);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{plan}")?;
    if plan.is_empty() {
        writeln!(out, "nothing to do: everything Clerk owns is in sync")?;
        return Ok(ExitCode::SUCCESS);
    }
    if new_collection {
        writeln!(
            out,
            "the collection `{}` does not exist in {} yet: it {} created with its indexes first",
            store.mapping().collection,
            store.location(),
            if args.dry_run { "would be" } else { "will be" }
        )?;
    }
    if args.dry_run {
        writeln!(out, "dry run: nothing written")?;
        return Ok(ExitCode::SUCCESS);
    }
    if (ws.is_production() || snapshot.production) && !args.yes {
        bail!(
            "{} writes to a production instance: review the {} operations above, then run again with --yes",
            ws.label(),
            plan.ops.len()
        );
    }
    super::confirm_write(ws, true, "applying")?;
    if new_collection {
        let indexes = store.create_collection().await?;
        writeln!(
            out,
            "created `{}` with unique indexes on {}",
            store.mapping().collection,
            indexes.unique.join(", ")
        )?;
    }
    drop(out);
    let total = plan.ops.len();
    let ctx = ApplyContext {
        source: Source::Sync,
        now_ms: now_ms(),
    };
    let status = Status::new();
    let report = apply(&store, &plan, ctx, |p| {
        status.show(format_args!("applying: {}/{total}", p.completed));
    })
    .await?;
    status.done();
    let mut out = std::io::stdout().lock();
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
    Ok(if report.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub async fn create(args: CreateUserArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    super::confirm_write(ws, args.yes, "creating a user")?;
    let client = ws.clerk_client()?;
    let store = ws.user_store().await?;
    let input = ManualUser {
        email: args.email,
        name: args.name,
        role: args.role,
        phone: args.phone,
        address: args.address,
    };
    let created = create_user(&store, &client, &input, args.in_clerk, now_ms()).await?;
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
