//! The HTTP face of the gateway: the Plain listener (routes, the card handler, the server
//! loop), the admin listener (metrics, invalidation), and the process's shutdown.

mod action_handler;
mod admin;
mod admission;
mod app;
mod card_handler;
mod error_fallbacks;
pub mod listener;
mod log;
mod peer;
mod server;
mod shutdown;

pub use crate::request::answer::CACHE_HEADER;
pub use admin::{admin_router, serve_admin, serve_admin_controlled, MAX_IDENTIFIER_CHARS, MAX_INVALIDATE_KEYS};
pub use admission::{admit, verify_signed, PROBE_HEADER};
pub use app::app;
pub use listener::{BodyTimeout, ListenerControl, Phase, RequestCount};
pub use log::log_errors;
pub use peer::ClientAddr;
use server::serve_admin_router;
pub use server::{serve, serve_controlled};
pub use shutdown::{os_signals, run, Stopped};
