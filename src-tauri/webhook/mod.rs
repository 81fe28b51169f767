//! Clerk webhooks (delivered by Svix): verification, parsing, the local listener (verify, apply,
//! forward), and signed test events.

pub mod apply;
pub mod batch;
pub mod event;
pub mod forward;
pub mod listener;
pub mod log;
mod outcome;
#[cfg(test)]
mod properties;
pub mod send;
pub mod verdict;
pub mod verify;

pub use verify::{SignedHeaders, SigningSecret, VerifyError};
