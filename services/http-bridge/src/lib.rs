//! A cardmesh card service that serves cards from existing HTTP endpoints speaking Plain's
//! customer-card protocol, so a team can put cardmesh in front of the endpoint it already
//! has and move cards into proto services one key at a time.
//!
//! - [`config`]: which endpoints and keys (`CARDMESH_BRIDGE_CONFIG`, or
//!   `CARDMESH_BRIDGE_URL` / `CARDMESH_BRIDGE_KEYS` / `CARDMESH_BRIDGE_SECRET`);
//! - [`endpoint`]: the request exactly as Plain sends it, and the untrusted answer read
//!   under a size limit and a timeout, without following redirects;
//! - [`convert`]: each card's JSON checked against Plain's rules and turned into proto
//!   components;
//! - [`HttpBridge`]: the kit provider; [`metrics`]: per-endpoint outcomes and latency;
//! - [`example`]: a small Plain-protocol endpoint serving fixture JSON (for compose and
//!   the end-to-end tests).

pub mod config;
pub mod convert;
pub mod endpoint;
pub mod example;
pub mod metrics;
mod plain_rules;
mod provider;

pub use config::BridgeConfig;
pub use provider::HttpBridge;
