use std::collections::HashMap;
use std::time::Duration;

use cardmesh_kit::Scope;

use super::*;

/// Loads with `vars` as the environment and `files` as the file system.
fn load(vars: &[(&str, &str)], files: &[(&str, &str)]) -> Result<BridgeConfig, ConfigError> {
    let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let files: HashMap<String, String> = files.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    BridgeConfig::from_lookup(
        |name| vars.get(name).cloned(),
        |path| files.get(path).cloned().ok_or_else(|| std::io::Error::other("no such file")),
    )
}

fn from_toml(toml: &str) -> Result<BridgeConfig, ConfigError> {
    load(&[(CONFIG_ENV, "/bridge.toml"), ("LEGACY_SECRET", "from-env")], &[("/bridge.toml", toml)])
}

/// The problems of a refused configuration, joined.
fn refused(result: Result<BridgeConfig, ConfigError>) -> String {
    result.expect_err("the configuration is refused").to_string()
}

const TWO_ENDPOINTS: &str = r#"
service_name = "legacy-cards"

[[endpoint]]
name = "orders"
url = "https://orders.example.com/plain/cards"
keys = ["legacy-orders", "legacy-returns"]
scope = "thread"
default_ttl = "2m"
timeout = "800ms"
max_body_bytes = 65536
signing_secret_env = "LEGACY_SECRET"
headers = { Authorization = "Bearer abc" }

[[endpoint]]
name = "plans"
url = "http://plans.internal:8080/"
keys = ["legacy-support-plan"]
signing_secret = "inline"
"#;

#[test]
fn reads_a_file_with_two_endpoints_and_defaults() {
    let config = from_toml(TWO_ENDPOINTS).expect("valid");
    assert_eq!(config.service_name, "legacy-cards");
    let [orders, plans] = &config.endpoints[..] else { panic!("two endpoints") };
    assert_eq!(orders.keys, ["legacy-orders", "legacy-returns"]);
    assert_eq!(orders.scope, Scope::Thread);
    assert_eq!(orders.default_ttl, Duration::from_secs(120));
    assert_eq!(orders.timeout, Duration::from_millis(800));
    assert_eq!(orders.max_body_bytes, 65536);
    assert_eq!(orders.signing_secret.as_deref(), Some("from-env"));
    assert_eq!(orders.headers["authorization"], "Bearer abc");
    assert_eq!(plans.scope, Scope::Customer);
    assert_eq!(plans.default_ttl, file::DEFAULT_TTL);
    assert_eq!(plans.timeout, file::DEFAULT_TIMEOUT);
    assert!(plans.timeout < Duration::from_secs(2), "below the gateway's default service deadline");
    assert_eq!(plans.max_body_bytes, file::DEFAULT_MAX_BODY_BYTES);
    assert_eq!(plans.signing_secret.as_deref(), Some("inline"));
    assert_eq!(config.owner_of("legacy-support-plan"), Some(1));
    assert_eq!(config.owner_of("nope"), None);
}

#[test]
fn debug_output_shows_no_secret_and_no_header_value() {
    let shown = format!("{:?}", from_toml(TWO_ENDPOINTS).expect("valid"));
    assert!(shown.contains("authorization"), "{shown}");
    for secret in ["from-env", "inline", "Bearer abc"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[test]
fn one_endpoint_from_three_variables() {
    let config = load(&[(URL_ENV, "http://127.0.0.1:9000/cards"), (KEYS_ENV, "a, b,,c"), (SECRET_ENV, "s3cret")], &[])
        .expect("valid");
    assert_eq!(config.service_name, "http-bridge");
    let endpoint = &config.endpoints[0];
    assert_eq!(endpoint.name, SINGLE_ENDPOINT_NAME);
    assert_eq!(endpoint.keys, ["a", "b", "c"]);
    assert_eq!(endpoint.signing_secret.as_deref(), Some("s3cret"));

    let unsigned = load(&[(URL_ENV, "http://127.0.0.1:9000/"), (KEYS_ENV, "a")], &[]).expect("valid");
    assert_eq!(unsigned.endpoints[0].signing_secret, None);
}

#[test]
fn refuses_bad_configurations_naming_the_field() {
    let cases: &[(&str, &str)] = &[
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = []"#,
            "endpoint[0].keys: empty",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = ["ok", "not ok"]"#,
            "endpoint[0].keys[1]: \"not ok\" is not a Plain card key",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = ["k"]
[[endpoint]]
name = "b"
url = "http://y/"
keys = ["k"]"#,
            "endpoint[1].keys[0]: \"k\" is already claimed by endpoint \"a\"",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "not a url"
keys = ["k"]"#,
            "endpoint[0].url: \"not a url\" is not a URL",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "ftp://x/"
keys = ["k"]"#,
            "endpoint[0].url: \"ftp://x/\" must be an http:// or https:// URL",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = ["k"]
timeout = "soon""#,
            "timeout",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = ["k"]
tiemout = "1s""#,
            "unknown field `tiemout`",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = ["k"]
signing_secret_env = "MISSING""#,
            "endpoint[0].signing_secret_env: the variable \"MISSING\" is not set",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = ["k"]
headers = { User-Agent = "me" }"#,
            "endpoint[0].headers.User-Agent: set by the bridge",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = ["k"]
ca_file = "/missing.pem""#,
            "endpoint[0].ca_file: cannot read",
        ),
        (
            r#"[[endpoint]]
name = "a"
url = "http://x/"
keys = ["k"]
default_ttl = "0s""#,
            "endpoint[0].default_ttl",
        ),
        ("", "endpoint: no [[endpoint]] table"),
    ];
    for (toml, expected) in cases {
        let text = refused(from_toml(toml));
        assert!(text.contains(expected), "expected {expected:?} in:\n{text}\nfor:\n{toml}");
    }
}

#[test]
fn reports_every_problem_at_once() {
    let text = refused(from_toml(
        r#"[[endpoint]]
name = "a"
url = "nope"
keys = []"#,
    ));
    assert!(text.contains("endpoint[0].url") && text.contains("endpoint[0].keys"), "{text}");
}

#[test]
fn refuses_both_or_neither_source() {
    let text = refused(load(&[(CONFIG_ENV, "/x.toml"), (URL_ENV, "http://x/")], &[]));
    assert!(text.contains("both set"), "{text}");
    let text = refused(load(&[], &[]));
    assert!(text.contains(CONFIG_ENV) && text.contains(URL_ENV), "{text}");
    let text = refused(load(&[(URL_ENV, "http://x/")], &[]));
    assert!(text.contains("endpoint[0].keys: empty"), "{text}");
    let text = refused(load(&[(CONFIG_ENV, "/missing.toml")], &[]));
    assert!(text.contains("cannot read \"/missing.toml\""), "{text}");
}
