//! The Webhooks view's commands: the listener (start, stop, status, a delivery's detail), signed
//! test events, and "Check my backend" (the doctor). Each is one call into the core, the one
//! `syncdesk listen`, `send-event` and `doctor` make.

use std::time::Duration;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::doctor::{self, DoctorReport, StepReport};
use crate::webhook::log::{Delivery, Request};
use crate::webhook::send::{EventKind, SendReport};
use crate::workspace::Workspace;
use crate::workspace::listening::{EventFrom, ListenOptions};

use crate::desktop::error::{Code, CommandError};
use crate::desktop::state::AppState;
use crate::desktop::state::listening::{LiveEvent, Running};

/// What the view shows about the listener, running or not.
#[derive(Debug, Serialize)]
pub struct ListenerStatus {
    pub running: bool,
    /// Where events go: the running listener's URL, else the one it would have.
    pub url: String,
    pub port: u16,
    pub path: String,
    pub apply: bool,
    /// Where applied events are written (`host/database`).
    pub location: Option<String>,
    pub forward: Option<String>,
    /// `svix listen …` and tunnel lines for this port, to copy.
    pub relays: Vec<String>,
    /// The deliveries kept, oldest first.
    pub log: Vec<Delivery>,
}

fn relays(port: u16, path: &str) -> Vec<String> {
    vec![
        format!("svix listen http://127.0.0.1:{port}{path}"),
        format!("ngrok http {port}"),
        format!("cloudflared tunnel --url http://127.0.0.1:{port}"),
    ]
}

/// Test events, the doctor and applying events are refused on production here: the CLI takes
/// them with --yes, after a person has read what they do.
fn refuse_production(ws: &Workspace, what: &str) -> Result<(), CommandError> {
    if ws.is_production() {
        return Err(CommandError::new(
            Code::NotConfirmed,
            format!(
                "{} is production: {what} would be taken as real. Use a development profile, or the CLI with --yes.",
                ws.label()
            ),
        ));
    }
    Ok(())
}

#[tauri::command]
pub async fn listener_status(state: State<'_, AppState>) -> Result<ListenerStatus, CommandError> {
    let running = state
        .listening
        .with(|r| {
            let addr = r.listener.addr();
            (
                r.listener.url(),
                addr.port(),
                r.store.as_ref().map(|s| s.location()),
                r.listener.log().snapshot(),
            )
        })
        .await;
    let ws = state.workspace().await?;
    let saved = ws.listener();
    let forward = ws.forward_url().map(str::to_string);
    Ok(match running {
        Some((url, port, location, log)) => ListenerStatus {
            running: true,
            relays: relays(port, &saved.path),
            url,
            port,
            path: saved.path,
            apply: location.is_some(),
            location,
            forward,
            log,
        },
        None => ListenerStatus {
            running: false,
            url: format!("http://127.0.0.1:{}{}", saved.port, saved.path),
            relays: relays(saved.port, &saved.path),
            port: saved.port,
            path: saved.path,
            apply: true,
            location: None,
            forward,
            log: Vec::new(),
        },
    })
}

/// Starts the listener for the profile in use (on `port` when given), replacing one running.
#[tauri::command]
pub async fn start_listener<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    port: Option<u16>,
    apply: bool,
    on_event: Channel<LiveEvent>,
) -> Result<ListenerStatus, CommandError> {
    let ws = state.workspace().await?;
    if apply {
        refuse_production(&ws, "applying webhook events from this window")?;
    }
    state.listening.stop().await;
    let options = ListenOptions {
        port,
        apply,
        ..ListenOptions::default()
    };
    let (listener, store) = ws.listen(options).await?;
    let running = Running::new(listener, store, app, move |event| {
        let _ = on_event.send(event);
    });
    state.listening.replace(running).await;
    listener_status(state).await
}

#[tauri::command]
pub async fn stop_listener(state: State<'_, AppState>) -> Result<bool, CommandError> {
    Ok(state.listening.stop().await)
}

/// A delivery and its request as received (headers, body), while the log still keeps it.
#[derive(Debug, Serialize)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: Delivery,
    pub request: Option<Request>,
}

#[tauri::command]
pub async fn delivery_detail(
    state: State<'_, AppState>,
    seq: u64,
) -> Result<DeliveryDetail, CommandError> {
    let found = state
        .listening
        .with(|r| r.listener.log().get(seq))
        .await
        .flatten();
    let delivery = found.ok_or_else(|| {
        CommandError::new(Code::InvalidInput, "That delivery is no longer kept (the log keeps the last 1,000, while the listener runs).")
    })?;
    let request = delivery.request.as_deref().cloned();
    Ok(DeliveryDetail { delivery, request })
}

/// Signs a test event with the profile's secret and POSTs it to `to`, or to the running
/// listener when `to` is empty.
#[tauri::command]
pub async fn send_test_event(
    state: State<'_, AppState>,
    to: Option<String>,
    event_type: String,
    from: EventFrom,
) -> Result<SendReport, CommandError> {
    let ws = state.workspace().await?;
    refuse_production(&ws, "a test event signed with its secret")?;
    let kind = EventKind::parse(&event_type).ok_or_else(|| {
        CommandError::new(
            Code::InvalidInput,
            format!("{event_type:?} is not user.created, user.updated or user.deleted"),
        )
    })?;
    let to = match to.filter(|t| !t.trim().is_empty()) {
        Some(to) => to,
        None => state.listening.with(|r| r.listener.url()).await.ok_or_else(|| {
            CommandError::new(Code::InvalidInput, "The listener is not running: start it, or give the URL of your backend's webhook route.")
        })?,
    };
    Ok(ws.send_test_event(&to, kind, from).await?)
}

/// The doctor against `url`, each step sent to `on_step` as it ends.
#[tauri::command]
pub async fn check_backend(
    state: State<'_, AppState>,
    url: String,
    timeout_secs: f64,
    on_step: Channel<StepReport>,
) -> Result<DoctorReport, CommandError> {
    let ws = state.workspace().await?;
    refuse_production(&ws, "the check's signed events")?;
    if !(timeout_secs.is_finite() && timeout_secs > 0.0 && timeout_secs <= 600.0) {
        return Err(CommandError::new(
            Code::InvalidInput,
            "The timeout is a number of seconds between 0 and 600.",
        ));
    }
    let timeout = Duration::from_secs_f64(timeout_secs);
    Ok(doctor::check(&ws, &url, timeout, &mut |step| {
        let _ = on_step.send(step.clone());
    })
    .await?)
}
