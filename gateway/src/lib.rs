//! cardmesh gateway: answers Plain's customer-card requests by fanning the requested keys out
//! to gRPC card services, then validating, rendering and merging their cards.
//!
//! Request path: per-IP rate limit -> required headers -> body size limit -> content type ->
//! HMAC signature over the raw bytes -> per-workspace rate limit -> parse -> route keys to services -> one `GetCards` call per service in parallel ->
//! validate + render each card -> one card per key, in request order.
//!
//! The request path in modules: [`http`] (the listener, the routes, admission), then
//! [`Gateway::answer`] runs the stages of [`request`] in order: [`request::plan`] (routing
//! table, cache, single flight), [`request::fetch`] (the service calls), [`request::assemble`]
//! (stale copies, fallbacks, the 503 rule, size fitting), [`request::answer`] (the body and
//! the served ledger). `dev-docs/architecture.md` walks it.

pub mod access;
pub mod breaker;
pub mod cache;
pub mod cli;
pub mod config;
pub mod discovery;
pub mod error;
pub mod fanout;
pub mod gateway;
pub mod http;
pub mod plain;
pub mod plain_client;
pub mod preview;
pub mod render;
pub mod request;
pub mod telemetry;
pub mod tls;
pub mod validate;
pub mod verify;

pub use config::Config;
pub use gateway::Gateway;
pub use http::{app, serve};
pub use request::{Answer, Asker};
