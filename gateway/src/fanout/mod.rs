//! One `GetCards` call per card service per Plain request, all in parallel, each under its
//! own deadline inside the request's overall budget, through one tower stack per service
//! (see [`stack`]).

mod backend;
mod call;
mod failure;
mod stack;

pub use backend::{Backend, BackendError, Backends};
pub use call::{call_services, ServiceCall};
#[cfg(feature = "test-util")]
pub use call::ServiceAnswer;
pub use failure::CallFailure;
#[cfg(feature = "test-util")]
pub use stack::{card_call_stack, CardCall, CardCallService};
