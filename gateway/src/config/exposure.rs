//! The startup rules about where the gateway is reachable: neither the public development
//! secret nor unsigned mode (`allow_unsigned`) serves a gateway that other machines can reach.

use std::net::IpAddr;

use super::Config;

/// The development signing secret that `cargo xtask dev`, docker-compose.yml and the README
/// use. It is published, so anyone can sign requests with it.
pub const DEVELOPMENT_SECRET: &str = "dev-secret-do-not-use-in-production";

/// The address other machines would reach the gateway on: `publish_address` when set
/// (docker-compose.yml passes the host address it publishes the port on), else `listen`'s.
pub(super) fn exposed_address(config: &Config) -> IpAddr {
    config.publish_address.unwrap_or(config.listen.ip())
}

/// The setting [`exposed_address`] comes from, for messages.
fn exposed_source(config: &Config) -> &'static str {
    if config.publish_address.is_some() {
        "publish_address / CARDMESH_PUBLISH_ADDR"
    } else {
        "listen / CARDMESH_LISTEN"
    }
}

/// Adds an error when the gateway is reachable from anywhere but this host while
/// [`DEVELOPMENT_SECRET`] is a signing secret, or while unsigned requests are allowed.
pub(super) fn validate(config: &Config, errors: &mut Vec<String>) {
    let address = exposed_address(config);
    if address.is_loopback() {
        return;
    }
    let source = exposed_source(config);
    if config.allow_unsigned {
        errors.push(format!(
            "allow_unsigned: unsigned requests are accepted, so anyone could ask this gateway for \
             any customer's cards, and it is reachable on {address} ({source}), not only on this \
             host. Unset CARDMESH_ALLOW_UNSIGNED and set CARDMESH_SIGNING_SECRETS to the secret \
             from Plain, or keep the gateway on 127.0.0.1 (CARDMESH_LISTEN=127.0.0.1:8080, or \
             CARDMESH_PUBLISH_ADDR=127.0.0.1 where a container publishes it)"
        ));
    }
    let dev_secret = config.signing_secrets.iter().any(|s| s.expose() == DEVELOPMENT_SECRET);
    if dev_secret {
        errors.push(format!(
            "signing_secrets: the development secret {DEVELOPMENT_SECRET:?} is published in the \
             README, so anyone could sign requests to this gateway, and it is reachable on \
             {address} ({source}), not only on this host. Set CARDMESH_SIGNING_SECRETS to the \
             secret from Plain (Settings -> Request signing; with docker compose, in .env), or \
             keep the gateway on 127.0.0.1 (CARDMESH_PUBLISH_ADDR=127.0.0.1)"
        ));
    }
}

#[cfg(test)]
mod tests {

    use crate::config::test_support::load_text as load;

    const DEV: (&str, &str) = ("CARDMESH_SIGNING_SECRETS", super::DEVELOPMENT_SECRET);

    #[test]
    fn the_development_secret_is_refused_on_a_published_address() {
        let err = load(&[DEV, ("CARDMESH_PUBLISH_ADDR", "0.0.0.0")]).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - signing_secrets: the development secret \"dev-secret-do-not-use-in-production\" is published in the README, so anyone could sign requests to this gateway, and it is reachable on 0.0.0.0 (publish_address / CARDMESH_PUBLISH_ADDR), not only on this host. Set CARDMESH_SIGNING_SECRETS to the secret from Plain (Settings -> Request signing; with docker compose, in .env), or keep the gateway on 127.0.0.1 (CARDMESH_PUBLISH_ADDR=127.0.0.1)");
        let err = load(&[
            ("CARDMESH_SIGNING_SECRETS", "mine, dev-secret-do-not-use-in-production"),
            ("CARDMESH_PUBLISH_ADDR", "192.168.1.5"),
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - signing_secrets: the development secret \"dev-secret-do-not-use-in-production\" is published in the README, so anyone could sign requests to this gateway, and it is reachable on 192.168.1.5 (publish_address / CARDMESH_PUBLISH_ADDR), not only on this host. Set CARDMESH_SIGNING_SECRETS to the secret from Plain (Settings -> Request signing; with docker compose, in .env), or keep the gateway on 127.0.0.1 (CARDMESH_PUBLISH_ADDR=127.0.0.1)");
    }

    #[test]
    fn without_a_publish_address_the_listen_address_counts() {
        let err = load(&[DEV]).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - signing_secrets: the development secret \"dev-secret-do-not-use-in-production\" is published in the README, so anyone could sign requests to this gateway, and it is reachable on 0.0.0.0 (listen / CARDMESH_LISTEN), not only on this host. Set CARDMESH_SIGNING_SECRETS to the secret from Plain (Settings -> Request signing; with docker compose, in .env), or keep the gateway on 127.0.0.1 (CARDMESH_PUBLISH_ADDR=127.0.0.1)");
        load(&[DEV, ("CARDMESH_LISTEN", "127.0.0.1:8080")]).expect("loopback listen");
    }

    #[test]
    fn loopback_publishing_or_a_real_secret_starts() {
        // Inside a container the gateway listens on 0.0.0.0; the host publishes it on loopback.
        let config = load(&[DEV, ("CARDMESH_LISTEN", "0.0.0.0:8080"), ("CARDMESH_PUBLISH_ADDR", "127.0.0.1")]).unwrap();
        assert_eq!(config.publish_address, Some("127.0.0.1".parse().unwrap()));
        load(&[DEV, ("CARDMESH_PUBLISH_ADDR", "::1")]).expect("IPv6 loopback");
        load(&[("CARDMESH_SIGNING_SECRETS", "from-plain"), ("CARDMESH_PUBLISH_ADDR", "0.0.0.0")])
            .expect("a real secret");
    }

    const UNSIGNED: (&str, &str) = ("CARDMESH_ALLOW_UNSIGNED", "true");

    #[test]
    fn unsigned_mode_is_refused_on_a_public_address_naming_the_field_and_the_fix() {
        // listen defaults to 0.0.0.0:8080.
        let err = load(&[UNSIGNED]).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - allow_unsigned: unsigned requests are accepted, so anyone could ask this gateway for any customer's cards, and it is reachable on 0.0.0.0 (listen / CARDMESH_LISTEN), not only on this host. Unset CARDMESH_ALLOW_UNSIGNED and set CARDMESH_SIGNING_SECRETS to the secret from Plain, or keep the gateway on 127.0.0.1 (CARDMESH_LISTEN=127.0.0.1:8080, or CARDMESH_PUBLISH_ADDR=127.0.0.1 where a container publishes it)");
        let err = load(&[UNSIGNED, ("CARDMESH_LISTEN", "127.0.0.1:8080"), ("CARDMESH_PUBLISH_ADDR", "10.0.0.7")])
            .unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - allow_unsigned: unsigned requests are accepted, so anyone could ask this gateway for any customer's cards, and it is reachable on 10.0.0.7 (publish_address / CARDMESH_PUBLISH_ADDR), not only on this host. Unset CARDMESH_ALLOW_UNSIGNED and set CARDMESH_SIGNING_SECRETS to the secret from Plain, or keep the gateway on 127.0.0.1 (CARDMESH_LISTEN=127.0.0.1:8080, or CARDMESH_PUBLISH_ADDR=127.0.0.1 where a container publishes it)");
        let err = load(&[UNSIGNED, ("CARDMESH_LISTEN", "[::]:8080")]).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - allow_unsigned: unsigned requests are accepted, so anyone could ask this gateway for any customer's cards, and it is reachable on :: (listen / CARDMESH_LISTEN), not only on this host. Unset CARDMESH_ALLOW_UNSIGNED and set CARDMESH_SIGNING_SECRETS to the secret from Plain, or keep the gateway on 127.0.0.1 (CARDMESH_LISTEN=127.0.0.1:8080, or CARDMESH_PUBLISH_ADDR=127.0.0.1 where a container publishes it)");
    }

    #[test]
    fn unsigned_mode_starts_on_loopback_only() {
        let config = load(&[UNSIGNED, ("CARDMESH_LISTEN", "127.0.0.1:8080")]).expect("loopback listen");
        assert!(config.allow_unsigned);
        load(&[UNSIGNED, ("CARDMESH_LISTEN", "[::1]:0")]).expect("IPv6 loopback");
        // Inside a container that the host publishes on loopback only.
        load(&[UNSIGNED, ("CARDMESH_LISTEN", "0.0.0.0:8080"), ("CARDMESH_PUBLISH_ADDR", "127.0.0.1")])
            .expect("published on loopback");
    }

    #[test]
    fn a_bad_publish_address_names_the_variable() {
        let err = load(&[("CARDMESH_SIGNING_SECRETS", "s"), ("CARDMESH_PUBLISH_ADDR", "localhost:8080")]).unwrap_err();
        assert!(err.contains("publish_address"), "{err}");
    }
}
