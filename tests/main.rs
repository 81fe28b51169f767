//! The integration test binary: every area of Syncdesk against real components (a MongoDB-wire
//! server, the Clerk sandbox, real HTTP), one module per area.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

// Shared helpers: a fresh database per test, the test server's URI.
mod support;

// The Clerk client against the sandbox: paging, faults, mid-fetch changes, every error case.
mod clerk_client;

// The Clerk sandbox: spec-valid answers, query semantics, presets, faults, signed webhooks.
mod sandbox;

// The MongoDB user store: round trips, concurrency, duplicates, bad documents, mappings.
mod mongo_store;

// `syncdesk db …` from the command line.
mod cli_db;

// `syncdesk profile …`: profiles in the shared file, secrets in the real keychain, the guard.
mod cli_profile;

// The core's sync use cases (preview, apply, cancel, confirm), as both front ends call them.
mod workspace_sync;

// `syncdesk sync` and `create-user` from the command line: guard, dry run, exit codes, refusals.
mod cli_sync;

// The window's commands over Tauri's mock IPC: users, settings, secrets, error codes.
#[cfg(feature = "desktop")]
mod desktop_commands;

// The real window under WebDriver (tauri-driver): the Users view lists the seeded users.
#[cfg(feature = "desktop")]
mod window;

// The diff and the sync plan over generated data and the seed report (pure, no server).
mod diff;

// Reconcile end to end: diff, plan, apply against the sandbox and the database; crashes, races.
mod reconcile;

// What Syncdesk writes, read back through the report's backend model.
mod backend_model;

// A real crash: `syncdesk sync` killed with SIGKILL mid-apply, then run again.
mod crash;

// The webhook listener over HTTP: verify, apply, refuse, forward.
mod webhook;

// `doctor` against the project's listener and against receivers broken in each known way.
mod doctor;

// A deletion in Clerk is final, even when it races a create.
mod deletions;

// Svix-style delivery: shuffled and duplicated streams, database outages and retries.
mod webhook_delivery;
