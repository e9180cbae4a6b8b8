//! The cache settings' rules beyond their types: the entry key's length, and the public
//! development Redis password never guarding a gateway that other machines can reach.

use super::Config;

/// The development Redis password that docker-compose.yml uses unless
/// `CARDMESH_REDIS_PASSWORD` is set. It is published, so it keeps nobody out.
pub const DEVELOPMENT_REDIS_PASSWORD: &str = "dev-redis-password-do-not-use-in-production";

/// Shortest `cache.entry_key` accepted.
const MIN_ENTRY_KEY_CHARS: usize = 32;

/// Adds an error for a short `cache.entry_key`, and for [`DEVELOPMENT_REDIS_PASSWORD`] as the
/// Redis password (in `cache.redis_url`, `cache.redis_password` or its file) while the gateway
/// is reachable from anywhere but this host.
pub(super) fn validate(config: &Config, errors: &mut Vec<String>) {
    let cache = &config.cache;
    if cache.entry_key.as_ref().is_some_and(|key| key.expose().chars().count() < MIN_ENTRY_KEY_CHARS) {
        errors.push(format!(
            "cache.entry_key: must be at least {MIN_ENTRY_KEY_CHARS} characters; generate one with \
             `openssl rand -hex 32` and give every replica the same (CARDMESH_CACHE_ENTRY_KEY), or unset it \
             to derive it from the signing secrets"
        ));
    }
    let address = super::exposure::exposed_address(config);
    // The password the gateway will send: the settings' over the URL's.
    let password = cache.redis_target().ok().flatten().and_then(|target| target.password);
    let dev_password = password.is_some_and(|password| password.expose() == DEVELOPMENT_REDIS_PASSWORD);
    if dev_password && !address.is_loopback() {
        let field = match (&cache.redis_password, &cache.redis_password_file) {
            (Some(_), _) => "cache.redis_password",
            (None, Some(_)) => "cache.redis_password_file",
            (None, None) => "cache.redis_url",
        };
        errors.push(format!(
            "{field}: carries the development Redis password {DEVELOPMENT_REDIS_PASSWORD:?}, which is \
             published in this repository (docker-compose.yml), and the gateway is reachable on {address}, not only on this host. Set \
             CARDMESH_REDIS_PASSWORD (with docker compose, in .env) to a password of your own, e.g. \
             `openssl rand -hex 32`, or keep the gateway on 127.0.0.1 (CARDMESH_PUBLISH_ADDR=127.0.0.1)"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::DEVELOPMENT_REDIS_PASSWORD;

    use crate::config::test_support::load_signed as load;

    #[test]
    fn the_entry_key_is_read_from_the_environment_and_must_be_long() {
        let key = "0123456789abcdef0123456789abcdef";
        let config = load(&[("CARDMESH_CACHE_ENTRY_KEY", key)]).unwrap();
        assert_eq!(config.cache.entry_key.unwrap().expose(), key);
        let err = load(&[("CARDMESH_CACHE_ENTRY_KEY", "short-key")]).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - cache.entry_key: must be at least 32 characters; generate one with `openssl rand -hex 32` and give every replica the same (CARDMESH_CACHE_ENTRY_KEY), or unset it to derive it from the signing secrets");
        assert!(!err.contains("short-key"), "the key is never echoed: {err}");
        assert!(load(&[]).unwrap().cache.entry_key.is_none(), "derived from the signing secrets by default");
    }

    #[test]
    fn the_development_redis_password_is_refused_on_a_published_address() {
        let url = format!("redis://:{DEVELOPMENT_REDIS_PASSWORD}@redis:6379/0");
        let err = load(&[("CARDMESH_REDIS_URL", &url), ("CARDMESH_PUBLISH_ADDR", "0.0.0.0")]).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_url: carries the development Redis password \"dev-redis-password-do-not-use-in-production\", which is published in this repository (docker-compose.yml), and the gateway is reachable on 0.0.0.0, not only on this host. Set CARDMESH_REDIS_PASSWORD (with docker compose, in .env) to a password of your own, e.g. `openssl rand -hex 32`, or keep the gateway on 127.0.0.1 (CARDMESH_PUBLISH_ADDR=127.0.0.1)");
        load(&[("CARDMESH_REDIS_URL", &url), ("CARDMESH_PUBLISH_ADDR", "127.0.0.1")]).expect("loopback");
        load(&[("CARDMESH_REDIS_URL", "redis://:mine@redis:6379/0"), ("CARDMESH_PUBLISH_ADDR", "0.0.0.0")])
            .expect("a password of one's own");
        let err = load(&[
            ("CARDMESH_REDIS_URL", "redis://redis:6379/0"),
            ("CARDMESH_REDIS_PASSWORD", DEVELOPMENT_REDIS_PASSWORD),
            ("CARDMESH_PUBLISH_ADDR", "0.0.0.0"),
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_password: carries the development Redis password \"dev-redis-password-do-not-use-in-production\", which is published in this repository (docker-compose.yml), and the gateway is reachable on 0.0.0.0, not only on this host. Set CARDMESH_REDIS_PASSWORD (with docker compose, in .env) to a password of your own, e.g. `openssl rand -hex 32`, or keep the gateway on 127.0.0.1 (CARDMESH_PUBLISH_ADDR=127.0.0.1)");
        load(&[
            ("CARDMESH_REDIS_URL", &url),
            ("CARDMESH_REDIS_PASSWORD", "mine"),
            ("CARDMESH_PUBLISH_ADDR", "0.0.0.0"),
        ])
        .expect("the setting overrides the URL's development password");
    }
}
