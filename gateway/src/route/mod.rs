//! Which card service draws which card key.
//!
//! The table is built from each service's `Describe` answer, never from gateway config:
//! adding a card to a service is picked up at the next refresh. A service that has not
//! answered yet is asked again every `discovery.retry_interval`; a service that stops
//! answering keeps its last known cards.

mod discovery;
mod table;

pub use discovery::CardRouter;
pub use table::{CardInfo, Lookup, RoutingTable, Scope};
