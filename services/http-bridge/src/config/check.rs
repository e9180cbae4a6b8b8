//! From [`RawConfig`] to [`BridgeConfig`]: every rule a configuration must follow, each
//! problem naming its field and how to fix it.

use std::collections::{HashMap, HashSet};

use cardmesh_kit::Scope;
use http::header::{HeaderName, HeaderValue};
use http::HeaderMap;
use url::Url;

use super::file::{RawConfig, RawEndpoint, RawScope, DEFAULT_SERVICE_NAME};
use super::{BridgeConfig, ConfigError, Endpoint};
use crate::plain_rules;

/// Headers the bridge sets itself, exactly as Plain does: a configured header may not
/// replace them.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "accept",
    "user-agent",
    "plain-workspace-id",
    "plain-request-signature",
    "content-length",
    "host",
    "transfer-encoding",
];

pub(super) fn check(
    raw: RawConfig,
    var: &dyn Fn(&str) -> Option<String>,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<BridgeConfig, ConfigError> {
    let mut problems = Vec::new();
    let service_name = raw.service_name.unwrap_or_else(|| DEFAULT_SERVICE_NAME.to_owned());
    if !is_name(&service_name) {
        problems.push(format!(
            "service_name: {service_name:?} must be letters, digits, '_' or '-' (default {DEFAULT_SERVICE_NAME:?})"
        ));
    }
    if raw.endpoint.is_empty() {
        problems.push("endpoint: no [[endpoint]] table; add one with name, url and keys".to_owned());
    }

    let mut names = HashSet::new();
    let mut owners: HashMap<String, String> = HashMap::new();
    let mut endpoints = Vec::new();
    for (i, raw) in raw.endpoint.into_iter().enumerate() {
        let at = format!("endpoint[{i}]");
        if !is_name(&raw.name) {
            problems.push(format!("{at}.name: {:?} must be 1 or more letters, digits, '_' or '-'", raw.name));
        } else if !names.insert(raw.name.clone()) {
            problems.push(format!("{at}.name: {:?} is used by another endpoint; names must be unique", raw.name));
        }
        for (j, key) in raw.keys.iter().enumerate() {
            if let Some(previous) = owners.get(key) {
                problems.push(format!(
                    "{at}.keys[{j}]: {key:?} is already claimed by endpoint {previous:?}; a key belongs to one endpoint"
                ));
            } else {
                owners.insert(key.clone(), raw.name.clone());
            }
        }
        if let Some(endpoint) = check_endpoint(&at, raw, var, read, &mut problems) {
            endpoints.push(endpoint);
        }
    }
    if problems.is_empty() {
        Ok(BridgeConfig { service_name, endpoints })
    } else {
        Err(ConfigError(problems))
    }
}

/// Checks one endpoint's own fields; `None` when one of them is broken.
fn check_endpoint(
    at: &str,
    raw: RawEndpoint,
    var: &dyn Fn(&str) -> Option<String>,
    read: &dyn Fn(&str) -> std::io::Result<String>,
    problems: &mut Vec<String>,
) -> Option<Endpoint> {
    let before = problems.len();

    let url = match Url::parse(&raw.url) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => {
            problems.push(format!("{at}.url: {:?} must be an http:// or https:// URL", raw.url));
            None
        }
        Ok(url) if url.host_str().is_none_or(str::is_empty) => {
            problems.push(format!("{at}.url: {:?} has no host", raw.url));
            None
        }
        Ok(url) => Some(url),
        Err(e) => {
            problems.push(format!(
                "{at}.url: {:?} is not a URL ({e}); write it like https://cards.example.com/plain",
                raw.url
            ));
            None
        }
    };

    if raw.keys.is_empty() {
        problems.push(format!("{at}.keys: empty; list the card keys this endpoint answers"));
    }
    let mut seen = HashSet::new();
    for (j, key) in raw.keys.iter().enumerate() {
        if !plain_rules::is_valid_card_key(key) {
            problems.push(format!(
                "{at}.keys[{j}]: {key:?} is not a Plain card key; use letters, digits, '_' and '-' only ([a-zA-Z0-9_-]+)"
            ));
        } else if !seen.insert(key.as_str()) {
            problems.push(format!("{at}.keys[{j}]: {key:?} is listed twice"));
        }
    }

    if raw.default_ttl.as_secs() == 0 {
        problems.push(format!("{at}.default_ttl: must be at least 1s, e.g. \"5m\""));
    }
    if raw.timeout.is_zero() {
        problems.push(format!("{at}.timeout: must be above 0, e.g. \"1500ms\" (below the gateway's service deadline)"));
    }
    if raw.max_body_bytes == 0 {
        problems.push(format!("{at}.max_body_bytes: must be above 0, e.g. 1048576"));
    }

    let headers = check_headers(at, &raw, problems);
    let signing_secret = match (raw.signing_secret, raw.signing_secret_env) {
        (Some(_), Some(_)) => {
            problems.push(format!("{at}: set signing_secret or signing_secret_env, not both"));
            None
        }
        (Some(secret), None) if secret.is_empty() => {
            problems.push(format!("{at}.signing_secret: empty; remove it to send unsigned requests"));
            None
        }
        (Some(secret), None) => Some(secret),
        (None, Some(name)) => match var(&name).filter(|v| !v.is_empty()) {
            Some(secret) => Some(secret),
            None => {
                problems.push(format!("{at}.signing_secret_env: the variable {name:?} is not set or empty"));
                None
            }
        },
        (None, None) => None,
    };
    let ca_pem = raw.ca_file.as_ref().and_then(|path| {
        let shown = path.display().to_string();
        match read(&shown) {
            Ok(pem) if reqwest::Certificate::from_pem_bundle(pem.as_bytes()).is_ok_and(|c| !c.is_empty()) => {
                Some(pem.into_bytes())
            }
            Ok(_) => {
                problems.push(format!("{at}.ca_file: {shown:?} holds no PEM certificate"));
                None
            }
            Err(e) => {
                problems.push(format!("{at}.ca_file: cannot read {shown:?}: {e}"));
                None
            }
        }
    });

    if problems.len() > before {
        return None;
    }
    Some(Endpoint {
        name: raw.name,
        url: url?,
        keys: raw.keys,
        scope: match raw.scope {
            RawScope::Customer => Scope::Customer,
            RawScope::Thread => Scope::Thread,
            RawScope::Tenant => Scope::Tenant,
        },
        default_ttl: raw.default_ttl,
        headers: headers?,
        signing_secret,
        timeout: raw.timeout,
        max_body_bytes: raw.max_body_bytes,
        ca_pem,
    })
}

fn check_headers(at: &str, raw: &RawEndpoint, problems: &mut Vec<String>) -> Option<HeaderMap> {
    let mut headers = HeaderMap::new();
    let mut ok = true;
    for (name, value) in &raw.headers {
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            problems.push(format!("{at}.headers: {name:?} is not a valid header name"));
            ok = false;
            continue;
        };
        if RESERVED_HEADERS.contains(&header.as_str()) {
            problems.push(format!("{at}.headers.{name}: set by the bridge exactly as Plain sends it; remove it"));
            ok = false;
            continue;
        }
        // The value is a secret (an Authorization header): never echo it.
        match HeaderValue::from_str(value) {
            Ok(mut value) => {
                value.set_sensitive(true);
                headers.insert(header, value);
            }
            Err(_) => {
                problems
                    .push(format!("{at}.headers.{name}: the value is not a valid header value (control characters?)"));
                ok = false;
            }
        }
    }
    ok.then_some(headers)
}

/// An endpoint or service name: `[a-zA-Z0-9_-]+`.
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
