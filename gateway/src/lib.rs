//! cardmesh gateway: answers Plain's customer-card requests by fanning the requested keys out
//! to gRPC card services, then validating, rendering and merging their cards.
//!
//! Request path: per-IP rate limit -> required headers -> body size limit -> content type ->
//! HMAC signature over the raw bytes -> per-workspace rate limit -> parse -> route keys to services -> one `GetCards` call per service in parallel ->
//! validate + render each card -> one card per key, in request order.
//!
//! The request path in modules: [`http`] (the listener, the routes, admission), then
//! [`Gateway::answer`] runs the stages of `request` in order: `request::plan` (routing
//! table, cache, single flight), `request::fetch` (the service calls), `request::assemble`
//! (stale copies, fallbacks, the 503 rule, size fitting), `request::answer` (the body and
//! the served ledger). `dev-docs/architecture.md` walks it.

// The public surface: what the `cardmesh-gateway` binary needs.
pub mod cli;
pub mod config;
pub mod http;
pub mod telemetry;
pub mod verify;

pub use config::Config;
pub use gateway::Gateway;
pub use http::{app, serve};
pub use request::{Answer, Asker};

/// Declares modules private to the crate, made public by the `test-util` feature for the
/// workspace's tests, fuzz targets and examples (it only exposes items, it changes no code).
macro_rules! internal_modules {
    ($($name:ident),* $(,)?) => {$(
        #[cfg(feature = "test-util")]
        pub mod $name;
        #[cfg(not(feature = "test-util"))]
        pub(crate) mod $name;
    )*};
}

internal_modules!(
    access,
    actions,
    breaker,
    cache,
    discovery,
    error,
    fanout,
    gateway,
    plain,
    plain_client,
    preview,
    render,
    request,
    tls,
);
