//! Settings of the calls the gateway makes to Plain's GraphQL API (card reloads after an
//! invalidation). Off unless an API key is set.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Secret;

/// Plain's public GraphQL endpoint, the one Plain's TypeScript SDK calls by default.
pub const PLAIN_API_URL: &str = "https://core-api.uk.plain.com/graphql/v1";

/// Plain's GraphQL API.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PlainApiSettings {
    /// A Plain machine-user API key allowed to read customer card configs and reload
    /// customer cards; the reloads are off without it (default: none).
    pub api_key: Option<Secret>,
    /// The GraphQL endpoint (default: [`PLAIN_API_URL`]). Must be `https://`; plain
    /// `http://` only on loopback (`127.0.0.1`, `[::1]`, `localhost`), or with `allow_http`.
    pub api_url: String,
    /// Accept an `http://` `api_url` on another host: only for a stand-in for Plain on a
    /// private network, such as the containers of the end-to-end tests; the API key would
    /// cross that network in clear text (default: false).
    pub allow_http: bool,
    /// Deadline of one call to Plain, connecting included (default: 5s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub timeout: Duration,
    /// Most calls to Plain at once; more reloads wait, and a card already waiting is not
    /// queued twice (default: 4).
    pub max_concurrency: usize,
    /// How long the card key to card config id mapping (`customerCardConfigs`) is used
    /// before it is fetched again; an unknown key fetches it at once (default: 5m).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub config_refresh: Duration,
}

impl Default for PlainApiSettings {
    fn default() -> Self {
        Self {
            api_key: None,
            api_url: PLAIN_API_URL.to_owned(),
            allow_http: false,
            timeout: Duration::from_secs(5),
            max_concurrency: 4,
            config_refresh: Duration::from_secs(300),
        }
    }
}

impl PlainApiSettings {
    /// True when the reloads are on.
    pub fn enabled(&self) -> bool {
        self.api_key.is_some()
    }
}

/// Checks the Plain API settings; pushes one message per broken rule.
pub(super) fn validate(settings: &PlainApiSettings, errors: &mut Vec<String>) {
    if settings.api_key.as_ref().is_some_and(|k| k.expose().trim().is_empty()) {
        errors.push("plain_api.api_key: must not be empty; unset CARDMESH_PLAIN_API_KEY to turn reloads off".into());
    }
    match url::Url::parse(&settings.api_url) {
        Ok(u) if u.scheme() == "https" && u.host().is_some() => {}
        Ok(u) if u.scheme() == "http" && (is_loopback(&u) || settings.allow_http) => {}
        Ok(u) if u.scheme() == "http" && u.host().is_some() => errors.push(format!(
            "plain_api.api_url: {:?} is plain http:// to another host, so the API key would cross the \
             network in clear text; use https:// (leave CARDMESH_PLAIN_API_URL unset for Plain's \
             endpoint, {PLAIN_API_URL}). http:// is accepted on 127.0.0.1, [::1] and localhost, or \
             for a stand-in for Plain on a private network with plain_api.allow_http = true \
             (CARDMESH_PLAIN_API_ALLOW_HTTP)",
            settings.api_url
        )),
        _ => errors.push(format!(
            "plain_api.api_url: {:?} is not an https:// URL; leave it unset for Plain's endpoint \
             ({PLAIN_API_URL}) or set CARDMESH_PLAIN_API_URL",
            settings.api_url
        )),
    }
    if settings.timeout.is_zero() {
        errors.push("plain_api.timeout: must be above 0 (default 5s)".into());
    }
    if settings.max_concurrency == 0 {
        errors.push("plain_api.max_concurrency: must be above 0 (default 4)".into());
    }
    if settings.config_refresh.is_zero() {
        errors.push("plain_api.config_refresh: must be above 0 (default 5m)".into());
    }
}

/// True when `url`'s host is this machine: a loopback address or `localhost`.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{load_signed, load_unsigned_local as load};
    use super::*;

    #[test]
    fn off_by_default_on_with_a_key_that_never_prints() {
        let config = load(&[]).unwrap();
        assert!(!config.plain_api.enabled());
        assert_eq!(config.plain_api.api_url, PLAIN_API_URL);
        let config = load(&[
            ("CARDMESH_PLAIN_API_KEY", "plainApiKey_hunter2"),
            ("CARDMESH_PLAIN_API_URL", "http://127.0.0.1:4000/graphql"),
        ])
        .unwrap();
        assert!(config.plain_api.enabled());
        assert_eq!(config.plain_api.api_url, "http://127.0.0.1:4000/graphql");
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback_or_when_allowed() {
        let check = |url: &str, allow_http: bool| {
            let settings = PlainApiSettings { api_url: url.into(), allow_http, ..Default::default() };
            let mut errors = Vec::new();
            validate(&settings, &mut errors);
            errors.join("\n")
        };
        for ok in [PLAIN_API_URL, "http://127.0.0.1:4000/graphql", "http://[::1]:4000/", "http://LOCALHOST:1/"] {
            assert_eq!(check(ok, false), "", "{ok}");
        }
        let err = check("http://core-api.uk.plain.com/graphql/v1", false);
        assert_eq!(err.to_string(), "plain_api.api_url: \"http://core-api.uk.plain.com/graphql/v1\" is plain http:// to another host, so the API key would cross the network in clear text; use https:// (leave CARDMESH_PLAIN_API_URL unset for Plain's endpoint, https://core-api.uk.plain.com/graphql/v1). http:// is accepted on 127.0.0.1, [::1] and localhost, or for a stand-in for Plain on a private network with plain_api.allow_http = true (CARDMESH_PLAIN_API_ALLOW_HTTP)");
        assert_eq!(check("http://plain-stand-in:4000/graphql", true), "");
        assert!(check("ftp://plain.com/", true).contains("not an https:// URL"));
        // The variable turns it on.
        let env =
            [("CARDMESH_PLAIN_API_URL", "http://10.0.0.9:4000/graphql"), ("CARDMESH_PLAIN_API_ALLOW_HTTP", "true")];
        assert!(load_signed(&env).unwrap().plain_api.allow_http);
    }

    #[test]
    fn bad_settings_say_how_to_fix_them() {
        let settings = PlainApiSettings {
            api_key: Some(Secret::new(" ")),
            api_url: "core-api".into(),
            max_concurrency: 0,
            ..Default::default()
        };
        let mut errors = Vec::new();
        validate(&settings, &mut errors);
        let text = errors.join("\n");
        assert!(text.contains("plain_api.api_key: must not be empty"), "{text}");
        assert!(text.contains("plain_api.api_url") && text.contains("CARDMESH_PLAIN_API_URL"), "{text}");
        assert!(text.contains("plain_api.max_concurrency"), "{text}");
    }
}
