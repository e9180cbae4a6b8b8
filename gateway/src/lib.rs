//! cardmesh gateway: answers Plain's customer-card requests by fanning the requested keys out
//! to gRPC card services, then validating, rendering and merging their cards.
//!
//! Request path: per-IP rate limit -> required headers -> body size limit -> content type ->
//! HMAC signature over the raw bytes -> per-workspace rate limit -> parse -> route keys to services -> one `GetCards` call per service in parallel ->
//! validate + render each card -> one card per key, in request order.
//!
//! The request path in modules: [`plan`] (route, cache, single flight), [`draw`] (the
//! service calls), [`assemble`] (stale copies, fallbacks, the 503 rule, size fitting).

pub mod access;
pub mod assemble;
pub mod breaker;
pub mod cache;
pub mod cli;
pub mod config;
pub mod draw;
pub mod error;
pub mod error_reference;
pub mod failure;
pub mod fanout;
pub mod flight;
pub mod gateway;
pub mod http;
pub mod plain;
pub mod plain_api;
pub mod plan;
pub mod preview;
pub mod render;
pub mod route;
pub mod telemetry;
pub mod tls;
pub mod validate;
pub mod verify;

pub use config::Config;
pub use gateway::{Asker, Gateway};
pub use http::{app, serve};
