//! Who may use the admin listener's token-protected routes: the service token (card
//! services; `POST /admin/invalidate` only) and the operator token (the preview's JSON
//! routes, `POST /admin/validate`, and invalidation too). Refusals turn into
//! [`crate::error::GatewayError::AdminOff`] (404), `InvalidAdminToken` (401) or
//! `OperatorTokenRequired` (403).

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::AdminSettings;

/// Why an admin request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRefusal {
    /// No token that opens the route is configured: the route is off (404).
    Off,
    /// `Authorization: Bearer <token>` is missing or matches no token that opens the route
    /// (401). `needs` names what would.
    InvalidToken { needs: &'static str },
    /// The service token, on a route only the operator token opens (403).
    OperatorTokenRequired,
}

/// Which token a request presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRole {
    /// The card services' token: invalidation only.
    Service,
    /// The operators' token: every admin route.
    Operator,
}

/// The configured tokens, kept as SHA-256 digests: comparing digests in constant time says
/// nothing about a token, not even its length.
pub struct AdminTokens {
    service: Option<[u8; 32]>,
    operator: Option<[u8; 32]>,
}

impl AdminTokens {
    /// The tokens of validated `settings`.
    pub fn new(settings: &AdminSettings) -> Self {
        let digest = |token: &crate::config::Secret| Sha256::digest(token.expose().as_bytes()).into();
        Self {
            service: settings.service_token.as_ref().map(digest),
            operator: settings.operator_token.as_ref().map(digest),
        }
    }

    /// `POST /admin/invalidate`: the service token or the operator token.
    pub fn require_invalidate(&self, headers: &HeaderMap) -> Result<AdminRole, AdminRefusal> {
        if self.service.is_none() && self.operator.is_none() {
            return Err(AdminRefusal::Off);
        }
        self.role(headers).ok_or(AdminRefusal::InvalidToken { needs: "the service token or the operator token" })
    }

    /// The preview's JSON routes and `POST /admin/validate`: the operator token only.
    pub fn require_operator(&self, headers: &HeaderMap) -> Result<(), AdminRefusal> {
        if self.operator.is_none() {
            return Err(AdminRefusal::Off);
        }
        match self.role(headers) {
            Some(AdminRole::Operator) => Ok(()),
            Some(AdminRole::Service) => Err(AdminRefusal::OperatorTokenRequired),
            None => Err(AdminRefusal::InvalidToken { needs: "the operator token" }),
        }
    }

    /// The role of the bearer token `headers` present, if it is one of the configured tokens.
    /// Both digests are always compared, whatever the first gives.
    fn role(&self, headers: &HeaderMap) -> Option<AdminRole> {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let matches = |configured: &Option<[u8; 32]>| {
            configured.as_ref().map_or(subtle::Choice::from(0), |c| c.as_slice().ct_eq(digest.as_slice()))
        };
        let (service, operator) = (matches(&self.service), matches(&self.operator));
        if bool::from(operator) {
            Some(AdminRole::Operator)
        } else if bool::from(service) {
            Some(AdminRole::Service)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::config::Secret;

    const SERVICE: &str = "service-token-0123456789abcdef0123";
    const OPERATOR: &str = "operator-token-0123456789abcdef012";

    fn tokens(service: Option<&str>, operator: Option<&str>) -> AdminTokens {
        AdminTokens::new(&AdminSettings {
            service_token: service.map(Secret::new),
            operator_token: operator.map(Secret::new),
            allowed_hosts: Vec::new(),
        })
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
        headers
    }

    #[test]
    fn the_service_token_only_invalidates() {
        let t = tokens(Some(SERVICE), Some(OPERATOR));
        assert_eq!(t.require_invalidate(&bearer(SERVICE)), Ok(AdminRole::Service));
        assert_eq!(t.require_operator(&bearer(SERVICE)), Err(AdminRefusal::OperatorTokenRequired));
    }

    #[test]
    fn the_operator_token_opens_every_route() {
        let t = tokens(Some(SERVICE), Some(OPERATOR));
        assert_eq!(t.require_invalidate(&bearer(OPERATOR)), Ok(AdminRole::Operator));
        assert_eq!(t.require_operator(&bearer(OPERATOR)), Ok(()));
    }

    #[test]
    fn wrong_missing_and_unconfigured_tokens() {
        let t = tokens(Some(SERVICE), Some(OPERATOR));
        for headers in [bearer("x"), bearer(&"x".repeat(SERVICE.len())), HeaderMap::new()] {
            assert!(matches!(t.require_invalidate(&headers), Err(AdminRefusal::InvalidToken { .. })));
            assert!(matches!(t.require_operator(&headers), Err(AdminRefusal::InvalidToken { .. })));
        }
        let service_only = tokens(Some(SERVICE), None);
        assert_eq!(service_only.require_operator(&bearer(SERVICE)), Err(AdminRefusal::Off));
        assert_eq!(tokens(None, None).require_invalidate(&bearer(SERVICE)), Err(AdminRefusal::Off));
        assert_eq!(tokens(None, Some(OPERATOR)).require_invalidate(&bearer(OPERATOR)), Ok(AdminRole::Operator));
    }
}
