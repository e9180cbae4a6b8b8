//! The token check of the preview's JSON endpoints and the validator: the operator token
//! only ([`crate::access::AdminTokens::require_operator`]).

use axum::http::HeaderMap;

use crate::error::GatewayError;
use crate::gateway::Gateway;

/// Passes when `Authorization: Bearer <admin.operator_token>` matches;
/// [`GatewayError::AdminOff`] (404) while no operator token is configured,
/// [`GatewayError::OperatorTokenRequired`] (403) for the service token,
/// [`GatewayError::InvalidAdminToken`] (401) otherwise.
pub(super) fn require_operator(gateway: &Gateway, headers: &HeaderMap) -> Result<(), GatewayError> {
    Ok(gateway.access().admin_tokens().require_operator(headers)?)
}
