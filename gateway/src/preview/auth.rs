//! The admin token check of the preview's JSON endpoints: the one shared with
//! `POST /admin/invalidate` ([`crate::access::require_admin_token`]).

use axum::http::HeaderMap;

use crate::error::GatewayError;
use crate::gateway::Gateway;

/// Passes when `Authorization: Bearer <admin_token>` matches; [`GatewayError::AdminOff`]
/// (404) while no admin token is configured, [`GatewayError::InvalidAdminToken`] (401)
/// otherwise.
pub(super) fn require_admin(gateway: &Gateway, headers: &HeaderMap) -> Result<(), GatewayError> {
    Ok(crate::access::require_admin_token(gateway.config(), headers)?)
}
