//! The admin token check shared by every authenticated admin route (`POST /admin/invalidate`
//! and the preview's JSON endpoints).

use axum::http::{header, HeaderMap};
use subtle::ConstantTimeEq;

use crate::config::Config;
use crate::error::GatewayError;

/// Passes when `Authorization: Bearer <admin_token>` matches (constant-time comparison).
/// [`GatewayError::AdminOff`] (404) while no `admin_token` is configured,
/// [`GatewayError::InvalidAdminToken`] (401) for a missing or wrong token.
pub fn require_admin_token(config: &Config, headers: &HeaderMap) -> Result<(), GatewayError> {
    let token = config.admin_token.as_ref().ok_or(GatewayError::AdminOff)?;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(presented.as_bytes().ct_eq(token.expose().as_bytes())) {
        Ok(())
    } else {
        Err(GatewayError::InvalidAdminToken)
    }
}
