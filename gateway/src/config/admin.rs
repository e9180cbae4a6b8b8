//! The admin listener's settings: two bearer tokens with different reach, and the `Host`
//! names the listener answers to.
//!
//! ```toml
//! [admin]
//! service_token = "…"     # card services: POST /admin/invalidate only
//! operator_token = "…"    # people: the preview, POST /admin/validate, and invalidation
//! allowed_hosts = ["gateway:9090"]
//! ```

use std::str::FromStr;

use http::uri::Authority;
use serde::{Deserialize, Serialize};

use super::Secret;

/// Fewest characters an admin token may have (32: `openssl rand -hex 32` makes 64).
pub const MIN_TOKEN_CHARS: usize = 32;

/// The admin listener's tokens and names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// Bearer token of card services (`CARDMESH_SERVICE_TOKEN`; the kits send it from
    /// `CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN`). It opens `POST /admin/invalidate` and nothing
    /// else; on the preview's and the validator's routes it gets `403
    /// operator_token_required`. At least [`MIN_TOKEN_CHARS`] characters (default: none).
    pub service_token: Option<Secret>,
    /// Bearer token of operators (`CARDMESH_OPERATOR_TOKEN`): `GET /admin/preview/keys`,
    /// `POST /admin/preview`, `POST /admin/preview/action`, `POST /admin/validate`, and
    /// `POST /admin/invalidate` as well
    /// (the preview page's "Invalidate this customer"). At least [`MIN_TOKEN_CHARS`]
    /// characters, and not the service token (default: none).
    pub operator_token: Option<Secret>,
    /// `Host` values the admin listener answers to besides its own `admin_listen` address and
    /// loopback names (`localhost`, `127.0.0.1`, `[::1]`, any port), e.g. `gateway:9090` for
    /// compose or a Kubernetes service name (`CARDMESH_ADMIN_ALLOWED_HOSTS`, comma-separated).
    /// `name:port` allows that port only, `name` any port. Any other `Host` gets `421
    /// misdirected_request`, which keeps a web page that rebinds its DNS name to this
    /// machine from reading the listener (default: none).
    pub allowed_hosts: Vec<String>,
}

/// Checks the admin settings; pushes one message per broken rule. Tokens are never part of
/// a message.
pub(super) fn validate(settings: &AdminSettings, errors: &mut Vec<String>) {
    let tokens = [
        ("admin.service_token", "CARDMESH_SERVICE_TOKEN", &settings.service_token),
        ("admin.operator_token", "CARDMESH_OPERATOR_TOKEN", &settings.operator_token),
    ];
    for (field, variable, token) in tokens {
        let Some(token) = token else { continue };
        let text = token.expose();
        if text.chars().count() < MIN_TOKEN_CHARS {
            errors.push(format!(
                "{field} ({variable}): shorter than {MIN_TOKEN_CHARS} characters, too easy to guess; \
                 make one with `openssl rand -hex 32`, or unset it to turn its routes off"
            ));
        } else if !text.bytes().all(|b| b.is_ascii_graphic()) {
            errors.push(format!(
                "{field} ({variable}): must be printable ASCII without spaces (it is sent as \
                 `Authorization: Bearer <token>`); make one with `openssl rand -hex 32`"
            ));
        }
    }
    if let (Some(service), Some(operator)) = (&settings.service_token, &settings.operator_token) {
        if service == operator {
            errors.push(
                "admin.service_token and admin.operator_token: the same token, so every card service \
                 could open the preview; make two tokens (`openssl rand -hex 32` twice)"
                    .into(),
            );
        }
    }
    for (i, host) in settings.allowed_hosts.iter().enumerate() {
        if parse_allowed_host(host).is_none() {
            errors.push(format!(
                "admin.allowed_hosts[{i}]: {host:?} is not a host name or host:port, e.g. gateway:9090 \
                 (CARDMESH_ADMIN_ALLOWED_HOSTS, comma-separated)"
            ));
        }
    }
}

/// `host` or `host:port` as the host (lowercase) and the port when one is given. A bare IPv6
/// address (a Kubernetes pod's `status.podIP`, say) counts as that address, any port.
pub fn parse_allowed_host(entry: &str) -> Option<(String, Option<u16>)> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<std::net::Ipv6Addr>() {
        return Some((format!("[{ip}]"), None));
    }
    let authority = Authority::from_str(entry).ok()?;
    if authority.as_str().contains('@') || authority.host().is_empty() {
        return None;
    }
    Some((authority.host().to_ascii_lowercase(), authority.port_u16()))
}

#[cfg(test)]
mod tests {
    use super::parse_allowed_host;

    #[test]
    fn an_allowed_host_is_a_name_or_address_with_or_without_a_port() {
        assert_eq!(parse_allowed_host("Gateway-Admin:9090"), Some(("gateway-admin".into(), Some(9090))));
        assert_eq!(parse_allowed_host("10.1.2.3"), Some(("10.1.2.3".into(), None)));
        assert_eq!(parse_allowed_host("fd00::1"), Some(("[fd00::1]".into(), None)));
        assert_eq!(parse_allowed_host("[fd00::1]:9090"), Some(("[fd00::1]".into(), Some(9090))));
        assert_eq!(parse_allowed_host("user@gateway"), None);
        assert_eq!(parse_allowed_host(""), None);
    }

    const SERVICE: &str = "service-token-0123456789abcdef0123";
    const OPERATOR: &str = "operator-token-0123456789abcdef012";

    use crate::config::test_support::load_unsigned_local as load;

    #[test]
    fn both_tokens_and_the_host_list_come_from_the_environment() {
        let config = load(&[
            ("CARDMESH_SERVICE_TOKEN", SERVICE),
            ("CARDMESH_OPERATOR_TOKEN", OPERATOR),
            ("CARDMESH_ADMIN_ALLOWED_HOSTS", "gateway:9090, cards-admin.internal"),
        ])
        .unwrap();
        assert_eq!(config.admin.service_token.as_ref().map(|t| t.expose()), Some(SERVICE));
        assert_eq!(config.admin.operator_token.as_ref().map(|t| t.expose()), Some(OPERATOR));
        assert_eq!(config.admin.allowed_hosts, ["gateway:9090", "cards-admin.internal"]);
        assert!(!format!("{config:?}").contains(SERVICE) && !format!("{config:?}").contains(OPERATOR));
    }

    #[test]
    fn a_short_token_is_refused_with_the_setting_and_how_to_make_one() {
        let err = load(&[("CARDMESH_SERVICE_TOKEN", "short-but-secret")]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - admin.service_token (CARDMESH_SERVICE_TOKEN): shorter than 32 characters, too easy to guess; make one with `openssl rand -hex 32`, or unset it to turn its routes off");
        assert!(!err.contains("short-but-secret"), "the token is never shown: {err}");
        let err = load(&[("CARDMESH_OPERATOR_TOKEN", &"x".repeat(31))]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - admin.operator_token (CARDMESH_OPERATOR_TOKEN): shorter than 32 characters, too easy to guess; make one with `openssl rand -hex 32`, or unset it to turn its routes off");
        load(&[("CARDMESH_OPERATOR_TOKEN", &"x".repeat(32))]).expect("32 characters are enough");
        let spaced = format!("{} {}", "a".repeat(20), "b".repeat(20));
        let err = load(&[("CARDMESH_OPERATOR_TOKEN", &spaced)]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - admin.operator_token (CARDMESH_OPERATOR_TOKEN): must be printable ASCII without spaces (it is sent as `Authorization: Bearer <token>`); make one with `openssl rand -hex 32`");
    }

    #[test]
    fn one_token_for_both_roles_is_refused() {
        let err =
            load(&[("CARDMESH_SERVICE_TOKEN", SERVICE), ("CARDMESH_OPERATOR_TOKEN", SERVICE)]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - admin.service_token and admin.operator_token: the same token, so every card service could open the preview; make two tokens (`openssl rand -hex 32` twice)");
        assert!(!err.contains(SERVICE), "{err}");
    }

    #[test]
    fn the_retired_admin_token_names_its_successors() {
        let err = load(&[("CARDMESH_ADMIN_TOKEN", SERVICE)]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "CARDMESH_ADMIN_TOKEN: the one admin token is gone: card services and operators now have a token each. Set admin.service_token (CARDMESH_SERVICE_TOKEN) for the card services, which may only POST /admin/invalidate (they send it as CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN), and admin.operator_token (CARDMESH_OPERATOR_TOKEN) for the preview and the validator; make each with `openssl rand -hex 32`, then remove the old setting");
        assert!(!err.contains(SERVICE), "{err}");
        // Empty, as compose passes it when unset: ignored.
        load(&[("CARDMESH_ADMIN_TOKEN", "")]).expect("an empty retired variable is unset");
    }

    #[test]
    fn allowed_hosts_must_be_host_names() {
        assert_eq!(super::parse_allowed_host("Gateway:9090"), Some(("gateway".into(), Some(9090))));
        assert_eq!(super::parse_allowed_host("[::1]"), Some(("[::1]".into(), None)));
        for bad in ["user@gateway:9090", "http://gateway", "gate way", ""] {
            assert_eq!(super::parse_allowed_host(bad), None, "{bad}");
        }
        let err = load(&[("CARDMESH_ADMIN_ALLOWED_HOSTS", "gateway:9090,http://x/")]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - admin.allowed_hosts[1]: \"http://x/\" is not a host name or host:port, e.g. gateway:9090 (CARDMESH_ADMIN_ALLOWED_HOSTS, comma-separated)");
    }
}
