//! The Tauri commands: thin adapters, one call into the core or the state, then error mapping.
//!
//! Names match `ui/js/api.js`, the only UI module that invokes them.

pub mod create;
pub mod diff;
pub mod profiles;
pub mod secrets;
pub mod settings;
pub mod sync;
pub mod users;
pub mod watch;
pub mod webhooks;
