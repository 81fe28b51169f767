//! The command line: `syncdesk <subcommand>`, the same engine as the window, for scripts and CI.
//!
//! With no subcommand the binary opens the window (desktop builds). Secrets come only from the
//! environment (`SYNCDESK_*`), never from flags, so they stay out of shell history and `ps`.

mod clerk;
mod db;
mod progress;
mod sandbox;
mod sync;
mod webhook;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::mongo::FieldMapping;

#[derive(Debug, Parser)]
#[command(
    name = "syncdesk",
    version,
    about = "Keep Clerk users and a MongoDB users collection in step"
)]
pub struct Cli {
    /// A JSON field mapping for a users collection with other field names.
    #[arg(long, global = true, env = "SYNCDESK_MAPPING")]
    mapping: Option<PathBuf>,
    /// The database holding the users collection (else SYNCDESK_DATABASE).
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The database side: list, seed and index the users collection.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// The Clerk side: list and count the instance's users (SYNCDESK_CLERK_SECRET_KEY).
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
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return open_window(cli.database.as_deref());
    };
    init_tracing();
    let result = tokio::runtime::Runtime::new()
        .context("starting the async runtime")
        .and_then(|rt| rt.block_on(run(command, cli.mapping, cli.database)));
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    command: Command,
    mapping: Option<PathBuf>,
    database: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mapping = load_mapping(mapping.as_deref())?;
    match command {
        Command::Db(cmd) => db::run(cmd, mapping, database.as_deref()).await,
        Command::Clerk(cmd) => clerk::run(cmd).await,
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Diff(args) => sync::diff(args, mapping, database.as_deref()).await,
        Command::Sync(args) => sync::sync(args, mapping, database.as_deref()).await,
        Command::CreateUser(args) => sync::create(args, mapping, database.as_deref()).await,
        Command::Listen(args) => webhook::listen(args, mapping, database.as_deref()).await,
        Command::SendEvent(args) => webhook::send(args, mapping, database.as_deref()).await,
    }
}

fn load_mapping(path: Option<&std::path::Path>) -> anyhow::Result<FieldMapping> {
    Ok(match path {
        Some(path) => FieldMapping::from_file(path)?,
        None => FieldMapping::default(),
    })
}

#[cfg(feature = "desktop")]
fn open_window(database: Option<&str>) -> ExitCode {
    match crate::desktop::run(database) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "desktop"))]
fn open_window(_database: Option<&str>) -> ExitCode {
    use clap::CommandFactory;
    let _ = writeln!(
        std::io::stderr(),
        "this build has no window (built without the `desktop` feature); use a subcommand\n"
    );
    let _ = Cli::command().print_help();
    ExitCode::from(2)
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
