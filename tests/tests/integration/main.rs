//! The integration tests of cardmesh: one test binary, one module per suite (the layout of
//! Apollo Router's `tests/integration/`). One binary links the gateway once instead of once
//! per suite, and `cargo test -p cardmesh-tests --test integration -- cache::` runs one suite.
//!
//! The shared harness is the `cardmesh-tests` library (`tests/src/`). Suites that need more
//! than cargo are compiled in by features of this crate: `redis` (a `redis-server` binary),
//! `docker` (a Docker daemon and the project's images), `node` and `python` (the
//! README's run command, whose services include TypeScript and Python ones), `kubernetes`
//! (kubectl, to render the Kubernetes manifests), `load` (the reliability suite: a minute of
//! load on both cores, nothing to install), `external` (all).

mod access;
mod actions;
mod bridge;
mod bridge_guide;
mod bridge_routing;
mod cache;
mod dev_script;
mod doc_commands;
mod doc_links;
mod docs_reference;
#[cfg(feature = "docker")]
mod e2e;
#[cfg(feature = "docker")]
mod e2e_actions;
#[cfg(feature = "docker")]
mod e2e_bridge;
#[cfg(feature = "docker")]
mod e2e_freshness;
#[cfg(any(feature = "docker", all(feature = "node", feature = "python")))]
mod first_run;
mod freshness;
mod gateway;
mod images;
#[cfg(feature = "kubernetes")]
mod kubernetes;
mod logs;
mod metrics;
#[cfg(feature = "redis")]
mod plain_promises;
mod plain_reload;
mod plain_requests;
mod preview;
mod properties;
#[cfg(feature = "load")]
mod reliability;
mod request_span;
mod routes;
mod scaffold;
#[cfg(feature = "redis")]
mod scale_out;
mod security;
mod shutdown;
mod signing;
mod telemetry;
mod tls;
