//! The stages of answering one admitted Plain card request, in the order they run
//! ([`crate::Gateway::answer`] drives them; admission comes before, in [`crate::http`]):
//!
//! 1. [`plan`]: for every requested key, how it is answered — the routing table
//!    ([`crate::discovery`]), one cache round trip ([`crate::cache`]), a shared draw per
//!    missed card ([`single_flight`]);
//! 2. [`fetch`]: the cards this request leads, drawn in a task of their own — one `GetCards`
//!    call per service ([`crate::fanout`]), each card rendered ([`crate::render`]), stored
//!    (the cache's background writer) and published to its flight;
//! 3. [`assemble`]: one card per requested key, in request order — stale copies, fallbacks,
//!    the 503 rule, size fitting;
//! 4. [`answer`]: the response Plain reads, and the served ledger.
//!
//! [`failure`] holds why a card could not be drawn fresh ([`failure::CardFailure`]), the one
//! type every stage after planning passes on.

pub mod answer;
pub mod assemble;
pub mod failure;
pub mod fetch;
pub mod plan;
pub mod single_flight;

pub use answer::Answer;
pub use plan::Asker;
