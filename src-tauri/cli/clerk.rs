//! `syncdesk clerk …`: the Clerk side, read through the Backend API client.
//!
//! The secret key comes from `SYNCDESK_CLERK_SECRET_KEY` only (never a flag); the API URL from
//! `SYNCDESK_CLERK_API_URL` (default Clerk's), e.g. a sandbox's `http://127.0.0.1:PORT/v1`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::progress::Status;
use crate::clerk::{ClerkClient, ClerkConfig, DEFAULT_BASE_URL};
use crate::secrets::{SecretName, Sensitive};
use crate::user::ClerkUser;

/// The environment variable naming the API URL.
const API_URL_VAR: &str = "SYNCDESK_CLERK_API_URL";

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

pub async fn run(cmd: ClerkCommand) -> anyhow::Result<ExitCode> {
    let client = client()?;
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

/// A client from `SYNCDESK_CLERK_SECRET_KEY` and `SYNCDESK_CLERK_API_URL` (other commands use it too).
pub(super) fn client() -> anyhow::Result<ClerkClient> {
    let var = SecretName::ClerkSecretKey.env_var();
    let key = std::env::var(var)
        .ok()
        .filter(|k| !k.is_empty())
        .with_context(|| {
            format!("set {var} to the instance's secret key (sk_test_… or sk_live_…)")
        })?;
    let mut config = ClerkConfig::new(Sensitive::new(key));
    if let Ok(url) = std::env::var(API_URL_VAR)
        && !url.is_empty()
    {
        config.base_url = url;
    }
    let base = config.base_url.clone();
    ClerkClient::new(config).with_context(|| {
        format!("configuring the Clerk client for {base} (default {DEFAULT_BASE_URL})")
    })
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
