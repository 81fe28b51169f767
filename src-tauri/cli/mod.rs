//! The command line: `syncdesk <subcommand>`, the same engine as the window, for scripts and CI.
//!
//! Every command runs over a workspace: `--profile` (else `SYNCDESK_PROFILE`, else the default
//! profile, else the `SYNCDESK_*` variables alone). Secrets come from the OS keychain or the
//! environment, never from flags, so they stay out of shell history and `ps`. Opening the window
//! when no subcommand is given is `main.rs`'s choice, not this module's.

mod clerk;
mod db;
mod doctor;
mod profile;
mod progress;
mod sandbox;
mod sync;
mod webhook;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::keychain::Keychain;
use crate::mongo::FieldMapping;
use crate::profile::file::ProfileFile;
use crate::settings::env_var;
use crate::workspace::{Overrides, Workspace};

/// Names a field mapping file when `--mapping` is not given.
const MAPPING_VAR: &str = "SYNCDESK_MAPPING";

#[derive(Debug, Parser)]
#[command(
    name = "syncdesk",
    version,
    about = "Keep Clerk users and a MongoDB users collection in step"
)]
pub struct Cli {
    /// The profile to use (else SYNCDESK_PROFILE, else the default profile).
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// A JSON field mapping for a users collection with other field names (over the profile's;
    /// else SYNCDESK_MAPPING). With `profile add|edit` it becomes the profile's own.
    #[arg(long, global = true)]
    mapping: Option<PathBuf>,
    /// The database holding the users collection (over SYNCDESK_DATABASE and the profile's).
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Profiles: one per Clerk instance and database, secrets in the OS keychain.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// The database side: list, seed and index the users collection.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// The Clerk side: list and count the instance's users.
    #[command(subcommand)]
    Clerk(clerk::ClerkCommand),
    /// Run a local Clerk sandbox (the Backend API's user endpoints) until stopped.
    Sandbox(sandbox::SandboxArgs),
    /// Show how Clerk and the database disagree, user by user (--json: JSON lines).
    Diff(sync::DiffArgs),
    /// Plan and apply the fixes: create missing users, update drift, link, deactivate orphans.
    Sync(sync::SyncArgs),
    /// Create one database user by hand, linked to its real Clerk user.
    CreateUser(sync::CreateUserArgs),
    /// Run the local webhook listener: verify Svix signatures, apply user.* events, forward.
    Listen(webhook::ListenArgs),
    /// Send a correctly signed user.created/updated/deleted event to a URL.
    SendEvent(webhook::SendEventArgs),
    /// Check your own backend's webhook route end to end, in seven steps, each with its fix.
    Doctor(doctor::DoctorArgs),
}

impl Cli {
    /// Whether a subcommand was given (else the binary opens the window).
    pub fn has_command(&self) -> bool {
        self.command.is_some()
    }

    /// The environment's overrides with this command line's flags over them.
    pub fn overrides(&self) -> anyhow::Result<Overrides> {
        let mut overrides = Overrides::from_env()?;
        if let Some(profile) = &self.profile {
            overrides.profile = Some(profile.clone());
        }
        if let Some(database) = &self.database {
            overrides.database = Some(database.clone());
        }
        let path = match &self.mapping {
            Some(path) => Some(path.clone()),
            None => env_var(MAPPING_VAR)?.map(PathBuf::from),
        };
        if let Some(path) = path {
            overrides.mapping = Some(FieldMapping::from_file(&path)?);
        }
        Ok(overrides)
    }
}

/// Runs the subcommand and turns its result into the exit code (errors printed once).
pub fn main(cli: Cli) -> ExitCode {
    init_tracing();
    let result = tokio::runtime::Runtime::new()
        .context("starting the async runtime")
        .and_then(|rt| rt.block_on(run(cli)));
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let overrides = cli.overrides()?;
    // Only the flags become a profile's own values, never the SYNCDESK_* variables.
    let flags = profile::Flags {
        database: cli.database.clone(),
        mapping: match &cli.mapping {
            Some(path) => Some(FieldMapping::from_file(path)?),
            None => None,
        },
    };
    let Some(command) = cli.command else {
        return Ok(ExitCode::from(2));
    };
    let file = ProfileFile::for_this_build()?;
    let keychain = Keychain::for_this_build();
    crate::workspace::migrate_legacy(&file, &keychain).await?;
    let ws = || Workspace::open(&file, &keychain, overrides.clone());
    match command {
        Command::Profile(cmd) => {
            profile::run(cmd, &file, &keychain, flags, overrides.clone()).await
        }
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Db(cmd) => db::run(cmd, &ws().await?).await,
        Command::Clerk(cmd) => clerk::run(cmd, &ws().await?).await,
        Command::Diff(args) => sync::diff(args, &ws().await?).await,
        Command::Sync(args) => sync::sync(args, &ws().await?).await,
        Command::CreateUser(args) => sync::create(args, &ws().await?).await,
        Command::Listen(args) => webhook::listen(args, &ws().await?).await,
        Command::SendEvent(args) => webhook::send(args, &ws().await?).await,
        Command::Doctor(args) => doctor::run(args, &ws().await?).await,
    }
}

/// Says which profile a write goes to, and refuses a production one without `--yes`.
fn confirm_write(ws: &Workspace, yes: bool, what: &str) -> anyhow::Result<()> {
    let _ = writeln!(std::io::stderr(), "{what} with {}", ws.label());
    if ws.is_production() && !yes {
        anyhow::bail!(
            "{} writes to a production instance: {what} goes ahead only with --yes (review first; `--dry-run` where there is one shows what would change)",
            ws.label()
        );
    }
    Ok(())
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SYNCDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
