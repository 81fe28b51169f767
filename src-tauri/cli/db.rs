//! `syncdesk db …`: list, seed and index the database's users collection.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};

use crate::user::DbUser;
use crate::workspace::Workspace;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// List the database users (a table, or JSON lines with --json).
    Users(UsersArgs),
    /// Write a named scenario into the users collection (`seed-report`).
    Seed(SeedArgs),
    /// Create the unique indexes (Clerk id, user id) and report duplicates that block them.
    Indexes(IndexesArgs),
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct IndexesArgs {
    /// Create indexes in a production profile's collection.
    #[arg(long)]
    yes: bool,
    /// In production, also the lookup indexes (created elsewhere by default; a real mongod
    /// plans Syncdesk's lookups without them, the test server does not).
    #[arg(long)]
    lookup_indexes: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The scenario to write.
    #[arg(value_parser = crate::scenario::NAMES)]
    scenario: String,
    /// Replace a collection that already holds users (its documents are deleted first).
    #[arg(long)]
    force: bool,
    /// Write to a production profile.
    #[arg(long)]
    yes: bool,
}

pub async fn run(cmd: DbCommand, ws: &Workspace) -> anyhow::Result<ExitCode> {
    if let DbCommand::Seed(args) = &cmd {
        super::confirm_write(ws, args.yes, "seeding")?;
    }
    if let DbCommand::Indexes(args) = &cmd {
        super::confirm_write(ws, args.yes, "creating indexes")?;
    }
    let store = ws.user_store().await?;
    let mut out = std::io::stdout().lock();
    match cmd {
        DbCommand::Users(args) => {
            let users = store.list_users().await?;
            if args.json {
                for user in &users {
                    writeln!(out, "{}", serde_json::to_string(user)?)?;
                }
            } else {
                print_table(&mut out, &users)?;
            }
        }
        DbCommand::Seed(args) => {
            let existing = store.count().await?;
            if existing > 0 && !args.force {
                bail!(
                    "{} already holds {existing} documents in `{}`; pass --force to replace them",
                    store.location(),
                    store.mapping().collection
                );
            }
            let docs = crate::scenario::seed_report_documents(store.mapping());
            let written = store.replace_all(docs).await?;
            writeln!(
                out,
                "seeded {written} users into {} (`{}`)",
                store.location(),
                store.mapping().collection
            )?;
        }
        DbCommand::Indexes(args) => {
            if !store.collection_exists().await? {
                bail!(
                    "there is no collection `{}` in {}: check the database name (creating indexes would create it); a new database is set up by `syncdesk sync --create-collection`",
                    store.mapping().collection,
                    store.location()
                );
            }
            let lookups = !ws.is_production() || args.lookup_indexes;
            let report = store.ensure_indexes_with(lookups).await?;
            writeln!(out, "unique indexes: {}", report.unique.join(", "))?;
            if lookups {
                writeln!(out, "lookup indexes: {}", report.lookup.join(", "))?;
            } else {
                writeln!(
                    out,
                    "lookup indexes: not created in production (a real mongod does without them; --lookup-indexes to add them)"
                )?;
            }
            for failed in &report.lookup_failed {
                writeln!(
                    out,
                    "lookup index not created (lookups will scan): {failed}"
                )?;
            }
            for dup in &report.duplicates {
                writeln!(
                    out,
                    "duplicate {} = {} in {} documents: {}",
                    dup.field,
                    dup.value,
                    dup.count,
                    dup.doc_ids.join(", ")
                )?;
            }
            if !report.duplicates.is_empty() {
                return Ok(ExitCode::from(3));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(out: &mut impl Write, users: &[DbUser]) -> std::io::Result<()> {
    let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "{:>7}  {:<24} {:<40} {:<8} CLERK_ID",
        "USER_ID", "USERNAME", "EMAIL", "PROVIDER"
    )?;
    for u in users {
        let id = u.user_id.map_or_else(|| "-".into(), |n| n.to_string());
        writeln!(
            out,
            "{id:>7}  {:<24} {:<40} {:<8} {}{}",
            cell(&u.username),
            cell(&u.email),
            cell(&u.auth_provider),
            cell(&u.clerk_id),
            if u.problems.is_empty() {
                String::new()
            } else {
                format!("  ! {}", u.problems.join("; "))
            }
        )?;
    }
    writeln!(out, "{} users", users.len())
}
