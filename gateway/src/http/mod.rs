//! The HTTP face of the gateway: routes, the Plain card handler and the server loop.

mod admin;
mod app;
mod guard;
mod handler;
mod peer;
mod server;

pub use admin::invalidate;
pub use app::app;
pub use handler::{admit, CACHE_HEADER};
pub use peer::ClientAddr;
pub use server::{serve, shutdown_signal};
