//! `syncdesk listen` and `syncdesk send-event`: the local webhook listener and signed test events.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::user::DbUser;
use crate::webhook::listener::{DEFAULT_BODY_LIMIT, Listener, ListenerConfig};
use crate::webhook::send::{EventKind, Source, send_event};
use crate::workspace::Workspace;

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
    let secret = ws.signing_secret()?;
    let store = if args.no_apply {
        None
    } else {
        super::confirm_write(ws, args.yes, "the listener applies events")?;
        let store = ws
            .user_store()
            .await
            .context("the listener applies events to the database (or pass --no-apply)")?;
        // Checked now, not on the first event: a missing index would answer every event 503.
        store
            .require_indexes()
            .await
            .context("the listener applies events to the database (or pass --no-apply)")?;
        Some(store)
    };
    let saved = ws.listener();
    let config = ListenerConfig {
        port: args.port.unwrap_or(saved.port),
        path: args.path.unwrap_or(saved.path),
        secret,
        forward: args
            .forward
            .or_else(|| ws.forward_url().map(str::to_string)),
        body_limit: args.max_body,
    };
    let forward = config.forward.clone();
    let listener = Listener::start(config, store.clone()).await?;
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
    let secret = ws.signing_secret()?;
    let kind = EventKind::parse(&args.event_type).context("unknown event type")?;
    let source = match (args.data, args.clerk_user, args.db_user) {
        (Some(path), _, _) => Source::File(path),
        (None, Some(id), _) => Source::Clerk {
            id,
            client: ws.clerk_client()?,
        },
        (None, None, Some(key)) => Source::Database(Box::new(db_user(&key, ws).await?)),
        (None, None, None) => Source::Example,
    };
    let report = send_event(&args.to, &secret, kind, source).await?;
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

/// The one document with this Clerk id (`user_…`) or email (any case).
async fn db_user(key: &str, ws: &Workspace) -> anyhow::Result<DbUser> {
    let store = ws.user_store().await?;
    let key = key.trim();
    let mut found = if key.starts_with("user_") {
        store.find_by(&store.mapping().clerk_id, key).await?
    } else {
        store.find_by_email(key).await?
    };
    match found.len() {
        0 => bail!(
            "no document in {} has the Clerk id or email `{key}`",
            store.location()
        ),
        1 => Ok(found.remove(0)),
        n => bail!(
            "{n} documents have `{key}` ({}): pass the Clerk id of the one you mean",
            found
                .iter()
                .map(|d| d.doc_id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
