//! Security: each test tries an attack, or a weakening of a defence, and fails if the defence
//! broke (over real sockets where the defence is in a running program). One module per area
//! (README, Security: "what we defend against, and how it is tested").

mod actions;
mod admin;
mod cache;
mod cache_promises;
mod compose;
// The real npm audit and pip-audit, and audit.sh's reading of their reports, which is Python.
#[cfg(any(feature = "node", feature = "python"))]
mod dependencies;
mod edges;
#[cfg(feature = "kubernetes")]
mod kubernetes;
#[cfg(feature = "redis")]
mod redis;
mod shared_flight;
mod shutdown;
