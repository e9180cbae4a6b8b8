use std::io::Write;
use std::time::Duration;

use super::*;

/// Loads `pairs` as the environment. Unsigned mode starts on loopback only, so with
/// `CARDMESH_ALLOW_UNSIGNED` the gateway listens on 127.0.0.1 unless `pairs` say otherwise.
fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut pairs = pairs.to_vec();
    let has = |pairs: &[(&str, &str)], name| pairs.iter().any(|(n, _)| *n == name);
    if has(&pairs, "CARDMESH_ALLOW_UNSIGNED") && !has(&pairs, "CARDMESH_LISTEN") {
        pairs.push(("CARDMESH_LISTEN", "127.0.0.1:8080"));
    }
    Config::load(None, &EnvOverrides::from_pairs(pairs))
}

#[test]
fn refuses_to_start_without_a_secret_and_names_the_setting() {
    let err = load(&[]).unwrap_err().to_string();
    assert_eq!(err.to_string(), "invalid configuration:\n  - signing_secrets: no signing secret is set, so Plain's requests cannot be verified. Set CARDMESH_SIGNING_SECRETS to the HMAC secret from Plain (Settings -> Request signing), or CARDMESH_WORKSPACE_SECRETS to WORKSPACE_ID=SECRET pairs, or, for local development on 127.0.0.1 only, set CARDMESH_ALLOW_UNSIGNED=true");
}

#[test]
fn allow_unsigned_starts_without_secret() {
    let config = load(&[("CARDMESH_ALLOW_UNSIGNED", "true")]).unwrap();
    assert!(config.allow_unsigned);
    assert_eq!(Config::default().listen.to_string(), "0.0.0.0:8080");
    assert_eq!(config.fanout.service_deadline, Duration::from_secs(2));
    assert_eq!(config.fanout.overall_budget, Duration::from_secs(10));
    assert_eq!(config.limits.max_body_bytes, 65536);
}

#[test]
fn env_lists_are_comma_separated_and_secrets_stay_text() {
    let config = load(&[
        ("CARDMESH_SIGNING_SECRETS", "0123, second "),
        ("CARDMESH_SERVICES", "http://127.0.0.1:50051,http://billing:50051"),
        ("CARDMESH_LISTEN", "127.0.0.1:9999"),
    ])
    .unwrap();
    let secrets: Vec<_> = config.signing_secrets.iter().map(|s| s.expose().to_owned()).collect();
    assert_eq!(secrets, ["0123", "second"]);
    assert_eq!(config.services, ["http://127.0.0.1:50051", "http://billing:50051"]);
    assert_eq!(config.listen.to_string(), "127.0.0.1:9999");
}

#[test]
fn secrets_never_print() {
    let config = load(&[("CARDMESH_SIGNING_SECRETS", "top-secret-value")]).unwrap();
    assert!(!format!("{config:?}").contains("top-secret-value"));
}

#[test]
fn file_then_env_override() {
    let mut file = tempfile();
    writeln!(
        file.1,
        "signing_secrets = [\"from-file\"]\nservices = [\"http://a:1\"]\n\
         [fanout]\nservice_deadline = \"500ms\"\n"
    )
    .unwrap();
    let env = EnvOverrides::from_pairs([("CARDMESH_SERVICES", "http://b:2")]);
    let config = Config::load(Some(&file.0), &env).unwrap();
    assert_eq!(config.signing_secrets.iter().next().unwrap().expose(), "from-file");
    assert_eq!(config.services, ["http://b:2"]);
    assert_eq!(config.fanout.service_deadline, Duration::from_millis(500));
    std::fs::remove_file(&file.0).ok();
}

#[test]
fn unknown_fields_in_the_file_are_errors() {
    let mut file = tempfile();
    writeln!(file.1, "allow_unsigned = true\nlisten_adress = \"0.0.0.0:1\"\n").unwrap();
    let err = Config::load(Some(&file.0), &EnvOverrides::default()).unwrap_err().to_string();
    assert!(err.contains("listen_adress"), "{err}");
    std::fs::remove_file(&file.0).ok();
}

#[test]
fn the_retired_admin_token_in_the_file_names_its_successors() {
    let mut file = tempfile();
    writeln!(file.1, "allow_unsigned = true\nadmin_token = \"a-token-that-is-never-shown-0123456789\"\n").unwrap();
    let err = Config::load(Some(&file.0), &EnvOverrides::default()).unwrap_err().to_string();
    assert!(err.starts_with("admin_token (in "), "{err}");
    assert!(err.contains("admin.service_token") && err.contains("admin.operator_token"), "{err}");
    assert!(!err.contains("never-shown"), "{err}");
    std::fs::remove_file(&file.0).ok();
}

#[test]
fn validation_reports_every_broken_field() {
    let err = load(&[
        ("CARDMESH_ALLOW_UNSIGNED", "true"),
        ("CARDMESH_SERVICES", "billing:50051"),
        ("CARDMESH_OVERALL_BUDGET", "20s"),
    ])
    .unwrap_err()
    .to_string();
    assert_eq!(err.to_string(), "invalid configuration:\n  - services[0]: \"billing:50051\" is not a gRPC endpoint; write it as http://HOST:PORT (or https://HOST:PORT)\n  - fanout.overall_budget: 20s is not below Plain's 15s timeout; use at most 14s (default 10s)");
}

#[test]
fn bad_env_values_name_the_variable() {
    let err = load(&[("CARDMESH_ALLOW_UNSIGNED", "maybe")]).unwrap_err().to_string();
    assert_eq!(err.to_string(), "CARDMESH_ALLOW_UNSIGNED: expected true or false, got \"maybe\"");
    let err = load(&[("CARDMESH_ALLOW_UNSIGNED", "1"), ("CARDMESH_SERVICE_DEADLINE", "soon")]).unwrap_err().to_string();
    assert!(err.contains("service_deadline"), "{err}");
}

fn tempfile() -> (std::path::PathBuf, std::fs::File) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "cardmesh-config-{}-{}.toml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let file = std::fs::File::create(&path).unwrap();
    (path, file)
}

#[test]
fn empty_variables_count_as_unset() {
    let config = load(&[
        ("CARDMESH_ALLOW_UNSIGNED", "true"),
        ("CARDMESH_SERVICE_TOKEN", ""),
        ("CARDMESH_REDIS_URL", " "),
        ("CARDMESH_CACHE_MAX_TTL", "2s"),
    ])
    .unwrap();
    assert!(config.admin.service_token.is_none());
    assert!(config.cache.redis_url.is_none());
    assert_eq!(config.cache.max_ttl, Duration::from_secs(2));
}

#[test]
fn redis_url_must_be_a_redis_url_and_never_prints() {
    let err =
        load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_REDIS_URL", "http://x:1")]).unwrap_err().to_string();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_url: not a Redis URL; write it as redis://HOST:PORT/DB (rediss:// for TLS), redis-cluster://HOST:PORT?node=HOST:PORT (rediss-cluster:// for TLS) or redis-sentinel://HOST:PORT/DB?sentinelServiceName=NAME (rediss-sentinel:// for TLS) (CARDMESH_REDIS_URL)");
    let config =
        load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_REDIS_URL", "redis://:hunter2@r:6379/0")]).unwrap();
    assert!(!format!("{config:?}").contains("hunter2"));
}

#[test]
fn near_ttl_is_read_from_the_environment_and_bounded() {
    let config = load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_CACHE_NEAR_TTL", "250ms")]).unwrap();
    assert_eq!(config.cache.near_ttl, Duration::from_millis(250));
    let err = load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_CACHE_NEAR_TTL", "5m")]).unwrap_err().to_string();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.near_ttl: 5m is too long: other replicas' invalidations stay unseen that long; use at most 60s, a few seconds at most is typical (default 1s, 0s: off; CARDMESH_CACHE_NEAR_TTL)");
}

#[test]
fn duplicate_window_is_read_from_the_environment_and_bounded() {
    let config = load(&[("CARDMESH_ALLOW_UNSIGNED", "true")]).unwrap();
    assert_eq!(config.cache.duplicate_window, Duration::from_secs(2));
    let config = load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_CACHE_DUPLICATE_WINDOW", "500ms")]).unwrap();
    assert_eq!(config.cache.duplicate_window, Duration::from_millis(500));
    let err = load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_CACHE_DUPLICATE_WINDOW", "1m")])
        .unwrap_err()
        .to_string();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.duplicate_window: 1m is too long: an agent's reload within it is answered with the copy just drawn; use at most 30s, a few seconds cover Plain's retry (default 2s, 0s: every repeat is a reload; CARDMESH_CACHE_DUPLICATE_WINDOW)");
}

#[test]
fn admin_listener_defaults_to_loopback_and_needs_its_own_port() {
    let config = load(&[("CARDMESH_ALLOW_UNSIGNED", "true")]).unwrap();
    assert_eq!(config.admin_listen.to_string(), "127.0.0.1:9090");
    let config = load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_ADMIN_LISTEN", "0.0.0.0:9191")]).unwrap();
    assert_eq!(config.admin_listen.to_string(), "0.0.0.0:9191");
    let err = load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_ADMIN_LISTEN", "127.0.0.1:8080")])
        .unwrap_err()
        .to_string();
    assert_eq!(err.to_string(), "invalid configuration:\n  - admin_listen: 127.0.0.1:8080 is the port of listen (127.0.0.1:8080); give the admin listener its own port (CARDMESH_ADMIN_LISTEN, default 127.0.0.1:9090)");
    let err =
        load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_ADMIN_LISTEN", "localhost")]).unwrap_err().to_string();
    assert!(err.contains("admin_listen"), "{err}");
}

#[test]
fn sign_uses_the_first_non_empty_shared_secret() {
    let env = EnvOverrides::from_pairs([("CARDMESH_SIGNING_SECRETS", " , new ,old")]);
    assert_eq!(env.first_signing_secret().as_deref(), Some("new"));
    assert_eq!(EnvOverrides::from_pairs([("CARDMESH_SIGNING_SECRETS", " , ")]).first_signing_secret(), None);
    assert_eq!(EnvOverrides::default().first_signing_secret(), None);
}

/// Every rule `Config::validate` checks itself (the other modules' rules are tested whole
/// next to them), broken one at a time on an otherwise valid configuration: the whole
/// message, so that a lost line continuation or a changed hint shows.
#[test]
fn every_rule_of_validate_reports_its_whole_message() {
    type Break = fn(&mut Config);
    let cases: [(Break, &str); 11] = [
        (|c| c.limits.max_body_bytes = 0, "limits.max_body_bytes: must be above 0 (default 65536)"),
        (
            |c| c.limits.max_card_bytes = 100,
            "limits: max_card_bytes must be at least 1024 and max_response_bytes at least max_card_bytes (defaults \
             32768 and 262144)",
        ),
        (|c| c.limits.max_card_keys = 0, "limits.max_card_keys: must be above 0 (default 25)"),
        (
            |c| c.fanout.service_deadline = Duration::ZERO,
            "fanout.service_deadline: 0s must be above 0 and at most fanout.overall_budget (10s)",
        ),
        (
            |c| {
                c.card_services.insert("nobody".into(), PolicyOverride::default());
            },
            "card_services.nobody: no configured service has this host; use \"all\" or the host of an endpoint in \
             services",
        ),
        (
            |c| {
                let block = PolicyOverride { deadline: Some(Duration::from_secs(60)), ..Default::default() };
                c.card_services.insert("all".into(), block);
            },
            "card_services.all.deadline: must be above 0 and at most fanout.overall_budget",
        ),
        (
            |c| {
                c.card_services.insert("all".into(), PolicyOverride { max_concurrency: Some(0), ..Default::default() });
            },
            "card_services.all: max_concurrency and breaker_failures must be above 0",
        ),
        (
            |c| c.discovery.retry_interval = Duration::ZERO,
            "discovery: refresh_interval and retry_interval must be above 0",
        ),
        (
            |c| c.cache.read_timeout = Duration::ZERO,
            "cache: read_timeout, write_timeout and connect_timeout must be above 0",
        ),
        (|c| c.cache.write_queue = 0, "cache: memory_capacity, write_queue and near_capacity must be above 0"),
        (|c| c.fallback.text = " ".into(), "fallback.text: must not be empty"),
    ];
    let valid = load(&[("CARDMESH_ALLOW_UNSIGNED", "true")]).unwrap();
    for (break_rule, message) in cases {
        let mut config = valid.clone();
        break_rule(&mut config);
        let err = config.validate().unwrap_err().to_string();
        assert_eq!(err, format!("invalid configuration:\n  - {message}"));
    }
}
