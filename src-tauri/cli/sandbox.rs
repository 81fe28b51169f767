//! `syncdesk sandbox`: a local Clerk Backend API (user endpoints) on loopback, until stopped.
//!
//! Prints its base URL (`http://127.0.0.1:PORT/v1`) on stdout; any `sk_test_` / `sk_live_` key is
//! accepted. The webhook secret may come from `SYNCDESK_WEBHOOK_SECRET` instead of the flag.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::sandbox::{CursorSupport, Faults, PRESETS, Sandbox, SandboxConfig, WebhookConfig};
use crate::secrets::Sensitive;

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// The port to listen on (127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A named user set (`seed-report`: the debug report's Clerk side).
    #[arg(long, value_parser = PRESETS, conflicts_with = "users")]
    preset: Option<String>,
    /// N generated users (realistic, deterministic by --seed).
    #[arg(long)]
    users: Option<usize>,
    /// Seed for generated users and the fault sequence.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Latency added to every request, in ms.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Requests allowed per 10 s (Clerk's unit); more are answered 429 with Retry-After.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Share of requests that fail (0–1): answered 500 or dropped mid-answer, see --fail-kind.
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// How the failing requests fail.
    #[arg(long, value_enum, default_value_t = FailKind::Both)]
    fail_kind: FailKind,
    /// Pages of a fetch during which a user is created and another deleted, up to this many.
    #[arg(long, default_value_t = 0)]
    changes_during_fetch: u32,
    /// How `starting_after` is treated (older API versions may not know it).
    #[arg(long, value_enum, default_value_t = Cursor::Supported)]
    cursor: Cursor,
    /// Send Svix-signed user.created/updated/deleted webhooks for the sandbox's changes here.
    #[arg(long, requires = "webhook_secret")]
    webhook_url: Option<String>,
    /// The endpoint's signing secret (`whsec_…`); the sandbox's own test secret.
    #[arg(long, env = "SYNCDESK_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// Share of webhooks delivered twice with the same svix-id (0–1).
    #[arg(long, default_value_t = 0.0)]
    webhook_duplicates: f64,
    /// Each webhook waits a random time up to this long, in ms.
    #[arg(long, default_value_t = 0)]
    webhook_max_delay_ms: u64,
    /// Deliver webhooks independently, so they may arrive out of order.
    #[arg(long)]
    webhook_reorder: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailKind {
    /// Half 500s, half dropped connections.
    Both,
    /// `500 internal_clerk_error`.
    #[value(name = "500")]
    Status500,
    /// The connection drops after the status line.
    Drop,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Cursor {
    Supported,
    Refused,
    Ignored,
}

pub async fn run(args: SandboxArgs) -> anyhow::Result<ExitCode> {
    let mut config = match (&args.preset, args.users) {
        (Some(preset), _) => SandboxConfig::preset(preset)?,
        (None, Some(n)) => SandboxConfig::generated(n, args.seed),
        (None, None) => SandboxConfig::default(),
    };
    config.port = args.port;
    let fail_rate = args.fail_rate.clamp(0.0, 1.0);
    config.faults = Faults {
        latency: Duration::from_millis(args.latency_ms),
        rate_limit: args.rate_limit,
        fail_rate: match args.fail_kind {
            FailKind::Both => fail_rate / 2.0,
            FailKind::Status500 => fail_rate,
            FailKind::Drop => 0.0,
        },
        drop_rate: match args.fail_kind {
            FailKind::Both => fail_rate / 2.0,
            FailKind::Status500 => 0.0,
            FailKind::Drop => fail_rate,
        },
        cursor: match args.cursor {
            Cursor::Supported => CursorSupport::Supported,
            Cursor::Refused => CursorSupport::Refused,
            Cursor::Ignored => CursorSupport::Ignored,
        },
        changes_during_fetch: args.changes_during_fetch,
        seed: args.seed,
    };
    if let Some(url) = args.webhook_url {
        let secret = args
            .webhook_secret
            .context("--webhook-url needs --webhook-secret or SYNCDESK_WEBHOOK_SECRET")?;
        config.webhook = Some(WebhookConfig {
            url,
            secret: Sensitive::new(secret),
            duplicate_rate: args.webhook_duplicates.clamp(0.0, 1.0),
            max_delay: Duration::from_millis(args.webhook_max_delay_ms),
            reorder: args.webhook_reorder,
            seed: args.seed,
        });
    }
    let users = config.users.len();
    let handle = Sandbox::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", handle.base_url)?;
        out.flush()?;
    }
    let _ = writeln!(
        std::io::stderr(),
        "Clerk sandbox with {users} users; any sk_test_/sk_live_ key works; Ctrl-C stops it"
    );
    stopped().await;
    handle.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// Waits for Ctrl-C or SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
