//! Settings of the calls the gateway makes to Plain's GraphQL API (card reloads after an
//! invalidation). Off unless an API key is set.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Secret;

/// Plain's public GraphQL endpoint, the one Plain's TypeScript SDK calls by default.
pub const PLAIN_API_URL: &str = "https://core-api.uk.plain.com/graphql/v1";

/// Plain's GraphQL API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlainApiSettings {
    /// A Plain machine-user API key allowed to read customer card configs and reload
    /// customer cards; the reloads are off without it (default: none).
    pub api_key: Option<Secret>,
    /// The GraphQL endpoint (default: [`PLAIN_API_URL`]).
    pub api_url: String,
    /// Deadline of one call to Plain, connecting included (default: 5s).
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Most calls to Plain at once; more reloads wait, and a card already waiting is not
    /// queued twice (default: 4).
    pub max_concurrency: usize,
    /// How long the card key to card config id mapping (`customerCardConfigs`) is used
    /// before it is fetched again; an unknown key fetches it at once (default: 5m).
    #[serde(with = "humantime_serde")]
    pub config_refresh: Duration,
}

impl Default for PlainApiSettings {
    fn default() -> Self {
        Self {
            api_key: None,
            api_url: PLAIN_API_URL.to_owned(),
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
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => errors.push(format!(
            "plain_api.api_url: {:?} is not an http(s) URL; leave it unset for Plain's endpoint \
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

#[cfg(test)]
mod tests {
    use super::super::{Config, EnvOverrides};
    use super::*;

    #[test]
    fn off_by_default_on_with_a_key_that_never_prints() {
        let base = [("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_LISTEN", "127.0.0.1:8080")];
        let config = Config::load(None, &EnvOverrides::from_pairs(base)).unwrap();
        assert!(!config.plain_api.enabled());
        assert_eq!(config.plain_api.api_url, PLAIN_API_URL);
        let env = EnvOverrides::from_pairs([
            base[0],
            base[1],
            ("CARDMESH_PLAIN_API_KEY", "plainApiKey_hunter2"),
            ("CARDMESH_PLAIN_API_URL", "http://127.0.0.1:4000/graphql"),
        ]);
        let config = Config::load(None, &env).unwrap();
        assert!(config.plain_api.enabled());
        assert_eq!(config.plain_api.api_url, "http://127.0.0.1:4000/graphql");
        assert!(!format!("{config:?}").contains("hunter2"));
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
