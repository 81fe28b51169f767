//! `syncdesk listen` and `syncdesk send-event`: the local webhook listener and signed test events.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::webhook::listener::DEFAULT_BODY_LIMIT;
use crate::webhook::send::EventKind;
use crate::workspace::Workspace;
use crate::workspace::listening::{EventFrom, ListenOptions};

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The port on 127.0.0.1 (0 picks a free one; default the profile's, else 8787).
    #[arg(long)]
    port: Option<u16>,
    /// The route Clerk (or `svix listen`) posts to (default the profile's, else /api/webhooks/clerk).
    #[arg(long)]
    path: Option<String>,
    /// Also relay each verified request, unchanged, to your own backend's webhook route
    /// (default the profile's forward URL).
    #[arg(long, value_name = "URL")]
    forward: Option<String>,
    /// Verify (and forward) only; write nothing to the database.
    #[arg(long)]
    no_apply: bool,
    /// Apply events to a production profile's database.
    #[arg(long)]
    yes: bool,
    /// Largest body accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_BODY_LIMIT)]
    max_body: usize,
}

#[derive(Debug, Args)]
pub struct SendEventArgs {
    /// Where to send it: this listener or your backend's webhook route.
    #[arg(long, value_name = "URL")]
    to: String,
    /// `user.created`, `user.updated` or `user.deleted`.
    #[arg(long = "type", value_name = "TYPE", value_parser = ["user.created", "user.updated", "user.deleted"])]
    event_type: String,
    /// The event's `data` (a Clerk User object) or a whole event, from a JSON file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["clerk_user", "db_user"])]
    data: Option<PathBuf>,
    /// Take the user from the profile's Clerk instance (e.g. the sandbox) by id.
    #[arg(long, value_name = "USER_ID", conflicts_with = "db_user")]
    clerk_user: Option<String>,
    /// Take the user from the profile's database by Clerk id or email.
    #[arg(long, value_name = "CLERK_ID_OR_EMAIL")]
    db_user: Option<String>,
    /// Send with a production profile's signing secret: the receiver will take it as real.
    #[arg(long)]
    yes: bool,
}

pub async fn listen(args: ListenArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    if !args.no_apply {
        super::confirm_write(ws, args.yes, "the listener applies events")?;
    }
    let options = ListenOptions {
        port: args.port,
        path: args.path,
        forward: args.forward,
        apply: !args.no_apply,
        body_limit: args.max_body,
    };
    let forward = options
        .forward
        .clone()
        .or_else(|| ws.forward_url().map(str::to_string));
    let apply = options.apply;
    let (listener, store) = ws.listen(options).await.with_context(|| {
        if apply {
            "the listener applies events to the database (or pass --no-apply)"
        } else {
            "the listener could not start"
        }
    })?;
    let mut feed = listener.log().subscribe();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", listener.url())?;
        match &store {
            Some(store) => writeln!(out, "applying user.* events to {}", store.location())?,
            None => writeln!(out, "not applying (--no-apply)")?,
        }
        if let Some(url) = forward {
            writeln!(out, "forwarding verified requests to {url}")?;
        }
        writeln!(out, "Ctrl-C to stop")?;
    }
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            delivery = feed.recv() => match delivery {
                Ok(delivery) => writeln!(std::io::stdout().lock(), "{delivery}")?,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    writeln!(std::io::stdout().lock(), "({n} deliveries not shown: output too slow)")?;
                }
                Err(_) => break,
            },
        }
    }
    listener.stop().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn send(args: SendEventArgs, ws: &Workspace) -> anyhow::Result<ExitCode> {
    super::confirm_write(
        ws,
        args.yes,
        "an event signed with its webhook secret (the receiver applies it as real)",
    )?;
    let kind = EventKind::parse(&args.event_type).context("unknown event type")?;
    let from = match (args.data, args.clerk_user, args.db_user) {
        (Some(path), _, _) => EventFrom::File(path),
        (None, Some(id), _) => EventFrom::ClerkUser(id),
        (None, None, Some(key)) => EventFrom::DbUser(key),
        (None, None, None) => EventFrom::Example,
    };
    let report = ws.send_test_event(&args.to, kind, from).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "sent {} {} to {}",
        kind.as_str(),
        report.message_id,
        args.to
    )?;
    writeln!(out, "answer: {} {}", report.status, report.body)?;
    if !(200..300).contains(&report.status) {
        bail!(
            "the receiver answered {}: the event was not accepted",
            report.status
        );
    }
    Ok(ExitCode::SUCCESS)
}
