//! `syncdesk clerk …`: the Clerk side, read through the Backend API client.
//!
//! The secret key and the API URL are the workspace's: the profile's (key in the keychain) or
//! `SYNCDESK_CLERK_SECRET_KEY` and `SYNCDESK_CLERK_API_URL`, e.g. a sandbox's
//! `http://127.0.0.1:PORT/v1`.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::progress::Status;
use crate::clerk::Flow;
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
    match cmd {
        ClerkCommand::Count => writeln!(std::io::stdout(), "{}", client.count_users().await?)?,
        ClerkCommand::Users(args) => {
            let status = Status::new();
            let show = |p: crate::clerk::Progress| {
                let total = p.total.map_or_else(String::new, |t| format!(" of {t}"));
                let (users, pages) = (p.users, p.pages);
                status.show(format_args!(
                    "fetching Clerk users: {users}{total} ({pages} pages)"
                ));
            };
            let report = if args.json {
                // JSON lines are written as each page arrives; the list is never held whole.
                let lines = JsonLines::start();
                let fetched = client
                    .list_all_users_streaming(show, |users| lines.write(users))
                    .await;
                // The lines already written are flushed whole even when the fetch failed.
                let written = lines.finish();
                if written.as_ref().is_err_and(is_broken_pipe) {
                    // The reader (`head`, a closed pager) has what it wanted: stop quietly.
                    status.done();
                    return Ok(ExitCode::SUCCESS);
                }
                // A failed write (a full disk) stopped the fetch: say why, not that it stopped.
                match (fetched, written) {
                    (Err(crate::clerk::Error::Stopped), Err(write)) => return Err(write),
                    (fetched, written) => {
                        let report = fetched?;
                        written?;
                        report
                    }
                }
            } else {
                let report = client.list_all_users(show).await?;
                print_table(&mut std::io::stdout().lock(), &report.users)?;
                report
            };
            status.done();
            let mut err = std::io::stderr().lock();
            writeln!(
                err,
                "{} users in {:.1}s ({} requests, {} retries, {} paging)",
                report.fetched,
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

/// Users written as JSON lines while the fetch runs, on a thread of their own so serialising
/// never holds up the requests; the first write error (a closed pipe) ends the writing, stops
/// the fetch at its next page, and is returned at the end. The channel holds a few pages: a slow
/// reader (a paused pager) holds the fetch back instead of the list piling up in memory.
/// Pages waiting for the writer, at most.
const PAGES_QUEUED: usize = 4;

struct JsonLines {
    sender: std::sync::mpsc::SyncSender<Vec<ClerkUser>>,
    writer: std::thread::JoinHandle<anyhow::Result<()>>,
}

impl JsonLines {
    fn start() -> Self {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<ClerkUser>>(PAGES_QUEUED);
        let writer = std::thread::spawn(move || {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for users in receiver {
                for user in users {
                    serde_json::to_writer(&mut out, &user)?;
                    out.write_all(b"\n")?;
                }
                out.flush()?;
            }
            Ok(())
        });
        Self { sender, writer }
    }

    fn write(&self, users: Vec<ClerkUser>) -> Flow {
        // Waits while the queue is full (the runtime's other requests wait with it: that is the
        // point). A closed channel means the writer stopped on an error, which `finish` returns.
        match self.sender.send(users) {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    fn finish(self) -> anyhow::Result<()> {
        drop(self.sender);
        self.writer
            .join()
            .map_err(|_| anyhow::anyhow!("the thread writing the users stopped"))?
    }
}

/// Whether the writing failed because the reader closed the pipe.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let kind = match (
        err.downcast_ref::<std::io::Error>(),
        err.downcast_ref::<serde_json::Error>(),
    ) {
        (Some(io), _) => Some(io.kind()),
        (None, Some(json)) => json.io_error_kind(),
        (None, None) => None,
    };
    kind == Some(std::io::ErrorKind::BrokenPipe)
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
