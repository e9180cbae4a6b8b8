//! One `GetCards` call per card service per Plain request, all in parallel, each under its
//! own deadline inside the request's overall budget, through one tower stack per service
//! (see [`stack`]).

mod backend;
mod call;
mod policy;
mod stack;

pub use backend::{Backend, BackendError, Backends};
pub use call::{call_services, CallFailure, ServiceAnswer, ServiceCall};
pub use policy::{names_endpoint, resolve, resolve_tls, CallPolicy, CardServicePolicies, PolicyOverride, ServiceTls};
pub use stack::{card_call_stack, CardCall, CardCallService};
