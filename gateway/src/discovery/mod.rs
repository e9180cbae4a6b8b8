//! Which card service draws which card key.
//!
//! The table is built from each service's `Describe` answer, never from gateway config:
//! adding a card to a service is picked up at the next refresh. A service that has not
//! answered yet is asked again every `discovery.retry_interval`; a service that stops
//! answering keeps its last known cards, and with them its keys (see [`RoutingTable`] for
//! who owns a key two services claim).
//!
//! A service is known by its configured endpoint ([`service_names`]); the name it gives
//! itself in `Describe` is logged, cleaned, and used for nothing else.

mod names;
mod router;
mod table;

#[cfg(feature = "test-util")]
pub use names::service_names;
pub use router::CardRouter;
pub use table::{ActionInfo, CardInfo, Lookup, RoutingTable, Scope};
#[cfg(feature = "test-util")]
pub use table::Conflict;
