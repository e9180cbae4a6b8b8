use std::time::Duration;

use super::*;

use crate::config::test_support::load_signed as load;

fn target(pairs: &[(&str, &str)]) -> RedisTarget {
    load(pairs).unwrap().cache.redis_target().unwrap().expect("a Redis target")
}

fn node(host: &str, port: u16) -> NodeAddress {
    NodeAddress { host: host.into(), port }
}

#[test]
fn single_server_urls_keep_their_database_user_and_password() {
    let t = target(&[("CARDMESH_REDIS_URL", "rediss://cardmesh:s%40cret@cache.example.com:6380/2")]);
    assert!(t.tls && !t.is_cluster());
    assert_eq!(
        (t.username.as_deref(), t.password.as_ref().map(Secret::expose), t.db),
        (Some("cardmesh"), Some("s@cret"), 2)
    );
    assert_eq!(t.describe(), "Redis at cache.example.com:6380 over TLS");
    let t = target(&[("CARDMESH_REDIS_URL", "redis://127.0.0.1/0")]);
    assert_eq!(
        (t.tls, t.username.clone(), t.password.clone(), t.describe()),
        (false, None, None, "Redis at 127.0.0.1:6379".into())
    );
    let t = target(&[("CARDMESH_REDIS_URL", "unix:///run/redis.sock")]);
    assert_eq!(t.describe(), "Redis at unix socket /run/redis.sock");
}

#[test]
fn cluster_urls_list_every_seed_node_and_have_database_zero_only() {
    let t = target(&[("CARDMESH_REDIS_URL", "rediss-cluster://u:p@10.0.0.1:7000?node=10.0.0.2:7001&node=cache-3")]);
    assert!(t.tls && t.is_cluster());
    assert_eq!(
        t.topology,
        RedisTopology::Cluster { nodes: vec![node("10.0.0.1", 7000), node("10.0.0.2", 7001), node("cache-3", 6379)] }
    );
    assert_eq!((t.username.as_deref(), t.password.as_ref().map(Secret::expose)), (Some("u"), Some("p")));
    assert_eq!(t.describe(), "Redis Cluster via 10.0.0.1:7000, 10.0.0.2:7001, cache-3:6379 over TLS");
    let t = target(&[("CARDMESH_REDIS_URL", "redis-cluster://[::1]:7000/0?node=[::1]:7001")]);
    assert_eq!(t.topology, RedisTopology::Cluster { nodes: vec![node("::1", 7000), node("::1", 7001)] });
    assert_eq!(t.describe(), "Redis Cluster via [::1]:7000, [::1]:7001");

    let err = load(&[("CARDMESH_REDIS_URL", "redis-cluster://:hunter2@h:7000/3")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_url: Redis Cluster has database 0 only; drop the /DB path (CARDMESH_REDIS_URL)");
    let err = load(&[("CARDMESH_REDIS_URL", "redis-cluster://:hunter2@h:7000?nodes=h2:1")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration:\n  - cache.redis_url: unknown parameter \"nodes\" (known: node) (CARDMESH_REDIS_URL)"
    );
    let err = load(&[("CARDMESH_REDIS_URL", "redis-cluster://:hunter2@h:7000?node=h2:port")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_url: node=… must be HOST:PORT, e.g. node=10.0.0.2:6379 (CARDMESH_REDIS_URL)");
    let err = load(&[("CARDMESH_REDIS_URL", "redis-cluster://:hunter2@h:7000?node=u:pw@h2:1")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_url: node=… must be HOST:PORT, e.g. node=10.0.0.2:6379 (CARDMESH_REDIS_URL)");
    for err in [
        load(&[("CARDMESH_REDIS_URL", "redis-cluster://:hunter2@h:7000/3")]).unwrap_err(),
        load(&[("CARDMESH_REDIS_URL", "redis-cluster://:hunter2@h:7000?node=u:pw@h2:1")]).unwrap_err(),
    ] {
        assert!(!err.contains("hunter2") && !err.contains("pw@"), "the URL is never quoted: {err}");
    }
}

#[test]
fn sentinel_urls_name_the_primary_and_the_sentinels_credentials() {
    let t = target(&[(
        "CARDMESH_REDIS_URL",
        "redis-sentinel://app:pw@s1/1?sentinelServiceName=cache&node=s2:26380&sentinelUsername=mon&sentinelPassword=spw",
    )]);
    assert_eq!(
        t.topology,
        RedisTopology::Sentinel {
            sentinels: vec![node("s1", 26379), node("s2", 26380)],
            service_name: "cache".into(),
            sentinel_username: Some("mon".into()),
            sentinel_password: Some(Secret::new("spw")),
        }
    );
    assert_eq!((t.db, t.username.as_deref(), t.password.as_ref().map(Secret::expose)), (1, Some("app"), Some("pw")));
    assert_eq!(t.describe(), "Redis Sentinel primary \"cache\" via s1:26379, s2:26380");
    let err = load(&[("CARDMESH_REDIS_URL", "redis-sentinel://s1:26379")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_url: Sentinel needs the name of the monitored primary: add ?sentinelServiceName=NAME (as in sentinel monitor NAME …) (CARDMESH_REDIS_URL)");
}

#[test]
fn urls_that_are_not_redis_or_turn_off_certificate_checks_are_refused() {
    for url in
        ["http://h:1", "redis-clusters://h:1", "rediss://:hunter2@h:1/0#insecure", "not a url", "redis-cluster://"]
    {
        let err = load(&[("CARDMESH_REDIS_URL", url)]).unwrap_err();
        assert!(err.contains("cache.redis_url") && err.contains("CARDMESH_REDIS_URL"), "{url}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    let err = load(&[("CARDMESH_REDIS_URL", "rediss://h:1/0#insecure")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_url: a #fragment such as #insecure (which would turn off certificate checks) is not accepted; give Redis's CA with cache.redis_tls.ca_file (CARDMESH_REDIS_CA_FILE) instead (CARDMESH_REDIS_URL)");
    let err = load(&[("CARDMESH_REDIS_URL", "redis-cluster://h")]).map(|_| ());
    assert!(err.is_ok(), "a cluster URL with one seed is fine: {err:?}");
}

#[test]
fn username_and_password_settings_override_the_url_and_the_password_may_come_from_a_file() {
    let t = target(&[
        ("CARDMESH_REDIS_URL", "redis://old:old-pw@h:6379/0"),
        ("CARDMESH_REDIS_USERNAME", "cardmesh"),
        ("CARDMESH_REDIS_PASSWORD", "new-pw"),
    ]);
    assert_eq!((t.username.as_deref(), t.password.as_ref().map(Secret::expose)), (Some("cardmesh"), Some("new-pw")));

    let dir = std::env::temp_dir().join(format!("cardmesh-redis-password-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    std::fs::write(&file, "from-a-file\n").unwrap();
    let path = file.to_str().unwrap();
    let t = target(&[("CARDMESH_REDIS_URL", "rediss-cluster://h:7000"), ("CARDMESH_REDIS_PASSWORD_FILE", path)]);
    assert_eq!(t.password.as_ref().map(Secret::expose), Some("from-a-file"));

    let err = load(&[
        ("CARDMESH_REDIS_URL", "redis://h"),
        ("CARDMESH_REDIS_PASSWORD", "a"),
        ("CARDMESH_REDIS_PASSWORD_FILE", path),
    ])
    .unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_password and cache.redis_password_file: set one, not both (CARDMESH_REDIS_PASSWORD or CARDMESH_REDIS_PASSWORD_FILE)");
    std::fs::write(&file, "\n").unwrap();
    let err = load(&[("CARDMESH_REDIS_URL", "redis://h"), ("CARDMESH_REDIS_PASSWORD_FILE", path)]).unwrap_err();
    assert!(err.contains("cache.redis_password_file") && err.contains("is empty"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
    let err =
        load(&[("CARDMESH_REDIS_URL", "redis://h"), ("CARDMESH_REDIS_PASSWORD_FILE", "/nonexistent/pw")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_password_file: cannot read /nonexistent/pw: No such file or directory (os error 2) (CARDMESH_REDIS_PASSWORD_FILE)");

    let err = load(&[("CARDMESH_REDIS_URL", "redis://h"), ("CARDMESH_REDIS_USERNAME", "cardmesh")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_username: an ACL user needs its password; set cache.redis_password (CARDMESH_REDIS_PASSWORD), cache.redis_password_file, or put it in the URL");
    let config = load(&[("CARDMESH_REDIS_URL", "redis://h"), ("CARDMESH_REDIS_PASSWORD", "top-secret-pw")]).unwrap();
    assert!(!format!("{config:?}").contains("top-secret-pw"));
}

#[test]
fn tls_files_need_a_tls_url_come_in_pairs_and_are_read() {
    let err =
        load(&[("CARDMESH_REDIS_URL", "redis://h"), ("CARDMESH_REDIS_CA_FILE", "/nonexistent/ca.pem")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_tls: set, but cache.redis_url does not use TLS; write rediss:// (or rediss-cluster://, rediss-sentinel://), or remove the TLS files\n  - cache.redis_tls: cannot read /nonexistent/ca.pem: No such file or directory (os error 2)");
    let err =
        load(&[("CARDMESH_REDIS_URL", "rediss://h"), ("CARDMESH_REDIS_CA_FILE", "/nonexistent/ca.pem")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_tls: cannot read /nonexistent/ca.pem: No such file or directory (os error 2)");
    let err = load(&[("CARDMESH_REDIS_URL", "rediss://h"), ("CARDMESH_REDIS_CERT_FILE", "/c.pem")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_tls: cert_file and key_file go together; set both (CARDMESH_REDIS_CERT_FILE, CARDMESH_REDIS_KEY_FILE) or neither");
    let err = load(&[("CARDMESH_REDIS_CA_FILE", "/ca.pem")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.redis_tls: set, but cache.redis_url is not; set CARDMESH_REDIS_URL too, or remove it");
}

#[test]
fn the_namespace_keeps_out_of_the_hash_tag() {
    let config = load(&[("CARDMESH_CACHE_NAMESPACE", "staging-eu.1")]).unwrap();
    assert_eq!(config.cache.namespace.as_deref(), Some("staging-eu.1"));
    for bad in ["{w}", "a:b", "with space", &"x".repeat(MAX_NAMESPACE_CHARS + 1)] {
        let err = load(&[("CARDMESH_CACHE_NAMESPACE", bad)]).unwrap_err();
        assert!(err.contains("cache.namespace") && err.contains("CARDMESH_CACHE_NAMESPACE"), "{bad}: {err}");
    }
}

#[test]
fn required_to_start_needs_redis_and_a_start_timeout() {
    let config = load(&[
        ("CARDMESH_REDIS_URL", "redis://h"),
        ("CARDMESH_CACHE_REQUIRED_TO_START", "true"),
        ("CARDMESH_CACHE_START_TIMEOUT", "30s"),
    ])
    .unwrap();
    assert!(config.cache.required_to_start);
    assert_eq!(config.cache.start_timeout, Duration::from_secs(30));
    let defaults = load(&[]).unwrap().cache;
    assert!(!defaults.required_to_start, "off by default");
    assert_eq!(defaults.start_timeout, Duration::from_secs(10));
    let err = load(&[("CARDMESH_CACHE_REQUIRED_TO_START", "true")]).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.required_to_start: set, but cache.redis_url is not; set CARDMESH_REDIS_URL too, or remove it");
    let err = load(&[
        ("CARDMESH_REDIS_URL", "redis://h"),
        ("CARDMESH_CACHE_REQUIRED_TO_START", "true"),
        ("CARDMESH_CACHE", "false"),
    ])
    .unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration:\n  - cache.required_to_start: set, but the cache is off (cache.enabled = false); turn one of them off");
    let err = load(&[("CARDMESH_CACHE_START_TIMEOUT", "0s")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration:\n  - cache.start_timeout: must be above 0 (default 10s; CARDMESH_CACHE_START_TIMEOUT)"
    );
}
