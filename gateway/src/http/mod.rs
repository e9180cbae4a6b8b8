//! The HTTP face of the gateway: the Plain listener (routes, the card handler, the server
//! loop) and the admin listener (metrics, invalidation).

mod admin;
mod app;
mod guard;
mod handler;
pub mod listener;
mod log;
mod peer;
mod routing;
mod server;

pub use admin::{admin_router, serve_admin, MAX_IDENTIFIER_CHARS, MAX_INVALIDATE_KEYS};
pub use app::app;
pub use handler::{admit, CACHE_HEADER, PROBE_HEADER};
pub use listener::BodyTimeout;
pub use log::log_errors;
pub use peer::ClientAddr;
use server::serve_admin_router;
pub use server::{serve, shutdown_signal};
