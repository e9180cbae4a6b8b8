//! The `Host` names the admin listener answers to: its own `admin_listen` address, loopback
//! names, and `admin.allowed_hosts`. A page on another site whose DNS name is rebound to this
//! machine sends its own name as `Host`, so it never reads `/metrics` or the preview.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::http::uri::Authority;
use axum::http::{header, HeaderMap, Uri};

use crate::config::{parse_allowed_host, AdminSettings};

/// The names the admin listener answers to.
pub struct AdminHosts {
    listen: SocketAddr,
    /// Host (lowercase) and, when given, the one port it is allowed with.
    allowed: Vec<(String, Option<u16>)>,
}

impl AdminHosts {
    /// The names of a validated config: `admin_listen` and `admin.allowed_hosts`.
    pub fn new(listen: SocketAddr, settings: &AdminSettings) -> Self {
        Self { listen, allowed: settings.allowed_hosts.iter().filter_map(|h| parse_allowed_host(h)).collect() }
    }

    /// The `Host` of a request (the header, else the authority of an HTTP/2 request's URI),
    /// when the listener answers to it; `Err` with what was presented (empty when nothing)
    /// otherwise.
    pub fn check(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), String> {
        let presented = match headers.get(header::HOST) {
            Some(value) => value.to_str().map_err(|_| String::from_utf8_lossy(value.as_bytes()).into_owned())?,
            None => uri.authority().map(Authority::as_str).unwrap_or_default(),
        };
        if self.allows(presented) {
            Ok(())
        } else {
            Err(presented.to_owned())
        }
    }

    fn allows(&self, presented: &str) -> bool {
        let Ok(authority) = Authority::from_str(presented) else { return false };
        if authority.as_str().contains('@') {
            return false;
        }
        let host = authority.host().to_ascii_lowercase();
        let port = authority.port_u16();
        let ip = IpAddr::from_str(host.trim_start_matches('[').trim_end_matches(']')).ok();
        if host == "localhost" || ip.is_some_and(|ip| ip.is_loopback()) {
            return true;
        }
        let own_port = port.unwrap_or(80) == self.listen.port() || self.listen.port() == 0;
        if ip.is_some_and(|ip| ip == self.listen.ip() && !ip.is_unspecified()) && own_port {
            return true;
        }
        self.allowed.iter().any(|(name, only)| *name == host && only.is_none_or(|only| Some(only) == port))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn hosts(listen: &str, allowed: &[&str]) -> AdminHosts {
        let settings =
            AdminSettings { allowed_hosts: allowed.iter().map(|s| (*s).to_owned()).collect(), ..Default::default() };
        AdminHosts::new(listen.parse().unwrap(), &settings)
    }

    fn check(hosts: &AdminHosts, host: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        hosts.check(&headers, &Uri::from_static("/metrics")).is_ok()
    }

    #[test]
    fn loopback_names_and_the_listen_address_are_answered() {
        let h = hosts("10.0.0.5:9090", &[]);
        for ok in ["localhost", "LOCALHOST:9091", "127.0.0.1:9090", "127.1.2.3", "[::1]:9090", "10.0.0.5:9090"] {
            assert!(check(&h, ok), "{ok}");
        }
        for refused in ["10.0.0.5:9091", "10.0.0.5", "evil.example:9090", "gateway:9090", "user@localhost", ""] {
            assert!(!check(&h, refused), "{refused}");
        }
    }

    #[test]
    fn the_allow_list_gives_names_with_or_without_a_port() {
        let h = hosts("0.0.0.0:9090", &["gateway:9090", "admin.internal"]);
        assert!(check(&h, "gateway:9090") && check(&h, "Gateway:9090"));
        assert!(!check(&h, "gateway:9091") && !check(&h, "gateway"));
        assert!(check(&h, "admin.internal") && check(&h, "admin.internal:1234"));
        // An unspecified listen address is no name of its own.
        assert!(!check(&h, "0.0.0.0:9090"));
    }

    #[test]
    fn without_a_host_header_the_uri_authority_counts() {
        let h = hosts("127.0.0.1:9090", &[]);
        assert!(h.check(&HeaderMap::new(), &Uri::from_static("http://127.0.0.1:9090/metrics")).is_ok());
        assert_eq!(h.check(&HeaderMap::new(), &Uri::from_static("/metrics")), Err(String::new()));
        assert_eq!(
            h.check(&HeaderMap::new(), &Uri::from_static("http://evil.example/metrics")),
            Err("evil.example".into())
        );
    }
}
