//! One `GetCards` call per card service per Plain request, all in parallel, each under its
//! own deadline inside the request's overall budget.

mod backend;
mod call;

pub use backend::{Backend, Backends};
pub use call::{call_services, CallFailure, ServiceAnswer};
