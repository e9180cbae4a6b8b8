//! The card preview, served on the **admin listener** only (never where Plain's requests
//! arrive): a page that draws a customer's cards the way Plain's sidebar draws them, with
//! where each card came from, and a "Paste JSON" tab that renders and validates any card-API
//! response.
//!
//! Routes:
//! - `GET /preview` and its assets (`/preview/*.js`, `/preview/preview.css`): static files
//!   embedded in the binary. They hold no data, so they need no token; the page asks for the
//!   operator token and keeps it in memory only.
//! - `GET /admin/preview/keys`: the discovered card keys with their owning service, and the
//!   discovered actions with the cards each changes.
//! - `POST /admin/preview`: runs the normal request path for a customer
//!   ([`crate::Gateway::answer_with_provenance`]) and returns the answer Plain would get plus
//!   each card's provenance. It reads the cache but never writes it, and only draws for a
//!   workspace the gateway serves.
//! - `POST /admin/preview/action`: runs one of the card services' actions against the customer
//!   being previewed, as a preview run (`preview = true`: the service changes no real data),
//!   without Plain's idempotency record, invalidation or reload ([`action`]).
//! - `POST /admin/validate`: the violations of a pasted card-API response, from the
//!   gateway's validator (the rules are not restated in the page).
//!
//! The JSON endpoints take the operator token only: `Authorization: Bearer
//! <admin.operator_token>`, compared as SHA-256 digests in constant time; 401 with a wrong or
//! missing token, 403 `operator_token_required` with the service token, 404 while no operator
//! token is configured. The page's "Invalidate this customer" sends the same operator token
//! to `POST /admin/invalidate`, which takes either token.

mod action;
mod api;
mod assets;
mod auth;
mod validate;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::gateway::Gateway;

/// Largest body of a preview or validation request (a pasted response can be big; Plain's
/// own answers stay below `limits.max_response_bytes`).
pub const MAX_ADMIN_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The preview's routes, to be merged into the admin listener's router.
pub fn preview_router(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/preview", get(assets::page))
        .route("/preview/{asset}", get(assets::asset))
        .route("/admin/preview/keys", get(api::keys))
        .route("/admin/preview", post(api::preview))
        .route("/admin/preview/action", post(action::run))
        .route("/admin/validate", post(validate::validate))
        .layer(DefaultBodyLimit::max(MAX_ADMIN_BODY_BYTES))
        .with_state(gateway)
}
