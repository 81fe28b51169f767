//! `syncdesk clerk …`: the Clerk side, read through the Backend API client.
//!
//! The secret key and the API URL are the workspace's: the profile's (key in the keychain) or
//! `SYNCDESK_CLERK_SECRET_KEY` and `SYNCDESK_CLERK_API_URL`, e.g. a sandbox's
//! `http://127.0.0.1:PORT/v1`.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::progress::Status;
use crate::user::ClerkUser;
use crate::workspace::Workspace;

#[derive(Debug, Subcommand)]
pub enum ClerkCommand {
    /// List every user of the instance (a table, or JSON lines with --json).
    Users(UsersArgs),
    /// Print how many users the instance holds (`GET /users/count`).
    Count,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

pub async fn run(cmd: ClerkCommand, ws: &Workspace) -> anyhow::Result<ExitCode> {
    let client = ws.clerk_client()?;
    let mut out = std::io::stdout().lock();
    match cmd {
        ClerkCommand::Count => writeln!(out, "{}", client.count_users().await?)?,
        ClerkCommand::Users(args) => {
            let status = Status::new();
            let report = client
                .list_all_users(|p| {
                    let total = p.total.map_or_else(String::new, |t| format!(" of {t}"));
                    let (users, pages) = (p.users, p.pages);
                    status.show(format_args!(
                        "fetching Clerk users: {users}{total} ({pages} pages)"
                    ));
                })
                .await?;
            status.done();
            if args.json {
                for user in &report.users {
                    writeln!(out, "{}", serde_json::to_string(user)?)?;
                }
            } else {
                print_table(&mut out, &report.users)?;
            }
            let mut err = std::io::stderr().lock();
            writeln!(
                err,
                "{} users in {:.1}s ({} requests, {} retries, {} paging)",
                report.users.len(),
                report.elapsed.as_secs_f64(),
                report.requests,
                report.retries,
                if report.paging == crate::clerk::Paging::Cursor {
                    "cursor"
                } else {
                    "offset"
                },
            )?;
            if let Some(note) = report.count_note() {
                writeln!(err, "warning: {note}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(out: &mut impl Write, users: &[ClerkUser]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<32}  {:<36}  {:<24}  {:>13}",
        "CLERK ID", "PRIMARY EMAIL", "NAME", "CREATED (ms)"
    )?;
    for user in users {
        let email = user.primary_email.as_deref().unwrap_or("(none)");
        let name = user.full_name().unwrap_or_else(|| "(none)".into());
        let banned = if user.banned { "  banned" } else { "" };
        writeln!(
            out,
            "{:<32}  {:<36}  {:<24}  {:>13}{banned}",
            user.id, email, name, user.created_at
        )?;
    }
    Ok(())
}
