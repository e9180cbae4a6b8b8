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
    assert!(err.contains("CARDMESH_SIGNING_SECRETS"), "{err}");
    assert!(err.contains("CARDMESH_ALLOW_UNSIGNED"), "{err}");
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
    assert!(err.contains("services[0]"), "{err}");
    assert!(err.contains("fanout.overall_budget"), "{err}");
}

#[test]
fn bad_env_values_name_the_variable() {
    let err = load(&[("CARDMESH_ALLOW_UNSIGNED", "maybe")]).unwrap_err().to_string();
    assert!(err.contains("CARDMESH_ALLOW_UNSIGNED"), "{err}");
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
    assert!(err.contains("cache.redis_url"), "{err}");
    let config =
        load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_REDIS_URL", "redis://:hunter2@r:6379/0")]).unwrap();
    assert!(!format!("{config:?}").contains("hunter2"));
}

#[test]
fn near_ttl_is_read_from_the_environment_and_bounded() {
    let config = load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_CACHE_NEAR_TTL", "250ms")]).unwrap();
    assert_eq!(config.cache.near_ttl, Duration::from_millis(250));
    let err = load(&[("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_CACHE_NEAR_TTL", "5m")]).unwrap_err().to_string();
    assert!(err.contains("cache.near_ttl") && err.contains("at most 60s"), "{err}");
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
    assert!(err.contains("cache.duplicate_window") && err.contains("at most 30s"), "{err}");
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
    assert!(err.contains("admin_listen") && err.contains("CARDMESH_ADMIN_LISTEN"), "{err}");
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
