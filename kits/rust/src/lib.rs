//! Write a cardmesh card service with domain code only.
//!
//! A card service owns a few Plain customer cards. With this kit its author writes one
//! [`CardProvider`] (the service's name, its cards, and how to draw one card for one
//! customer) and calls [`serve`]; the kit answers the gateway's `cardmesh.v1.CardService`
//! gRPC calls, reports gRPC health, logs, traces (joining the gateway's traces over OTLP),
//! counts (Prometheus metrics), and shuts down gracefully.
//!
//! ```no_run
//! use cardmesh_kit::build::{badge, row, text, BadgeColor};
//! use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec};
//!
//! struct Hello;
//!
//! #[tonic::async_trait]
//! impl CardProvider for Hello {
//!     fn name(&self) -> &str {
//!         "hello"
//!     }
//!     fn cards(&self) -> Vec<CardSpec> {
//!         vec![CardSpec::new("hello", "Hello")]
//!     }
//!     async fn card(&self, _key: &str, ctx: &CardContext) -> Card {
//!         match &ctx.customer.external_id {
//!             Some(id) => Card::new([row([text("Customer")], [badge(id.as_str()).color(BadgeColor::Blue)])]),
//!             None => Card::no_data(),
//!         }
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> anyhow::Result<()> {
//!     cardmesh_kit::serve(Hello).await
//! }
//! ```
//!
//! A service may also run *actions*: a `componentWorkflowButton` on one of its cards runs a
//! Plain workflow that POSTs to the gateway's `/actions/{name}`, and the gateway calls the
//! service that declared the action. Declare them with [`CardProvider::actions`] and run them
//! in [`CardProvider::action`], answering an [`ActionOutcome`]; after a success the gateway
//! reloads the cards the action changes ([`ActionSpec::changes`]).
//!
//! A service whose data changes reports it with [`Invalidator::invalidate`]: the gateway
//! drops its cached copies and makes Plain reload the cards (see the `invalidate` module's
//! environment variables).
//!
//! Customer emails are personal data: the kit never logs them (it logs card keys and the
//! Plain customer id), and [`Customer`]'s `Debug` output redacts the email.

pub use cardmesh_proto as proto;
/// The time crate the date-time builders take ([`build::date_time`]).
pub use time;

mod action;
mod action_context;
pub mod build;
mod card;
mod context;
mod env;
mod fixture;
mod index;
mod invalidate;
mod metrics;
mod provider;
mod serve;
mod server;
pub mod testing;
mod tls;
mod trace;

pub use action::{is_valid_action_name, ActionOutcome, ActionSpec, ACTION_NAME_PATTERN, MAX_ACTION_NAME_BYTES};
pub use action_context::ActionContext;
pub use card::{Card, CardSpec, Scope};
pub use context::{CardContext, Customer, Tenant, Thread};
pub use env::ENV_VARS;
pub use fixture::{ensure_filled, fixture_from_env, load_fixture, FixtureRecord, FIXTURES_ENV};
pub use index::CustomerIndex;
pub use invalidate::{
    check_admin_url, AdminUrlError, CustomerRef, InvalidateError, Invalidator, GATEWAY_ADMIN_TOKEN_ENV,
    GATEWAY_ADMIN_URL_ENV, GATEWAY_ALLOW_HTTP_ENV, MAX_ANSWER_BYTES,
};
pub use metrics::ServiceMetrics;
pub use provider::CardProvider;
pub use serve::{serve, serve_on, serve_on_with_metrics, serve_tls_on, DEFAULT_LISTEN, LISTEN_ENV, METRICS_LISTEN_ENV};
pub use server::CardServer;
pub use tls::{ServerTls, TLS_CERT_ENV, TLS_CLIENT_CA_ENV, TLS_KEY_ENV};
