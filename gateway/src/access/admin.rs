//! The admin token check shared by every authenticated admin route (`POST /admin/invalidate`
//! and the preview's JSON endpoints). Its refusal turns into
//! [`crate::error::GatewayError::AdminOff`] or [`crate::error::GatewayError::InvalidAdminToken`].

use axum::http::{header, HeaderMap};
use subtle::ConstantTimeEq;

use crate::config::Config;

/// Why an admin request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRefusal {
    /// No `admin_token` is configured: the admin endpoints are off (404).
    Off,
    /// `Authorization: Bearer <admin_token>` is missing or wrong (401).
    InvalidToken,
}

/// Passes when `Authorization: Bearer <admin_token>` matches (constant-time comparison).
pub fn require_admin_token(config: &Config, headers: &HeaderMap) -> Result<(), AdminRefusal> {
    let token = config.admin_token.as_ref().ok_or(AdminRefusal::Off)?;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(presented.as_bytes().ct_eq(token.expose().as_bytes())) {
        Ok(())
    } else {
        Err(AdminRefusal::InvalidToken)
    }
}
