//! Syncdesk: keeps a product's Clerk users and its MongoDB `users` collection in step.
//!
//! The core (everything but `desktop`) is plain Rust with no GUI dependency; `desktop` is the
//! Tauri shell and the only module that imports `tauri` and its plugins.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod clerk;
pub mod cli;
pub mod diff;
pub mod doctor;
pub mod keychain;
pub mod mongo;
pub mod profile;
pub mod review;
pub mod sandbox;
pub mod scenario;
pub mod secrets;
pub mod settings;
pub mod sync;
pub mod table;
pub mod user;
pub mod watch;
pub mod webhook;
pub mod workspace;

#[cfg(feature = "desktop")]
pub mod desktop;
