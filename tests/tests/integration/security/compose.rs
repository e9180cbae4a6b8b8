//! The compose hardening (README, Security): every service of `docker-compose.yml`, the
//! services the observability overlay adds, and the `compose.snippet.yml` that
//! `cardmesh-cli new-service` writes for each language have a read-only root filesystem, drop
//! every Linux capability, cannot gain privileges, have a healthcheck and a pinned image, and
//! join only the networks their role allows:
//!
//! - `public` (Plain's side, published ports): only the gateway;
//! - `cache` (Redis, once it has a network of its own): only the gateway and Redis;
//! - every other network is `internal: true` (no way out of Docker);
//! - a scaffolded card service: exactly `internal`.
//!
//! No Docker is needed: the files are parsed with yaml-rust2 and checked as compose reads
//! them. `the_check_names_each_weakening` proves that every rule bites, so an empty or
//! half-parsed file cannot pass. That the hardened stack really runs (every container
//! healthy, the README's request answered) is `first_run::the_readmes_compose_commands…`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cardmesh_cli::scaffold::{self, Scope, ServiceSpec};
use yaml_rust2::{Yaml, YamlLoader};

/// The networks a service may join, by its name in the file.
struct Networks {
    /// Who may join `public`.
    public: &'static [&'static str],
    /// Who may join `cache`.
    cache: &'static [&'static str],
    /// When set, the exact networks every service must join.
    exactly: Option<&'static [&'static str]>,
}

/// docker-compose.yml: the gateway faces Plain and holds the cache; nobody else does.
const COMPOSE: Networks = Networks { public: &["gateway"], cache: &["gateway", "redis"], exactly: None };
/// A scaffolded card service: the card services' network, nothing else.
const SNIPPET: Networks = Networks { public: &[], cache: &[], exactly: Some(&["internal"]) };
/// The observability overlay: the collector and Jaeger publish their UIs on loopback, so they
/// are on `public`; they never see the cache.
const OVERLAY: Networks = Networks { public: &["otel-collector", "jaeger"], cache: &[], exactly: None };

/// The third-party observability images (distroless collector, Jaeger) carry no probe a
/// compose healthcheck could run, and nothing waits on them: they are exempt from that rule
/// only.
const NO_HEALTHCHECK_POSSIBLE: &[&str] = &["otel-collector", "jaeger"];

/// Keys an overlay may set on a service of docker-compose.yml: anything else could undo its
/// hardening or move it to another network.
const OVERLAY_MAY_SET: &[&str] = &["environment", "depends_on"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn parse(what: &str, text: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("{what} is not YAML: {e}"));
    assert_eq!(docs.len(), 1, "{what} holds one YAML document");
    docs.remove(0)
}

fn read(file: &str) -> Yaml {
    parse(file, &std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}")))
}

/// A service's entries, by name, in file order.
fn services(doc: &Yaml) -> Vec<(String, &Yaml)> {
    let services = doc["services"].as_hash().expect("a `services:` mapping");
    services.iter().map(|(name, service)| (name.as_str().expect("a service name").to_owned(), service)).collect()
}

/// The strings of a YAML sequence (flow or block), or nothing when it is not one.
fn strings(value: &Yaml) -> Vec<&str> {
    value.as_vec().map(|items| items.iter().filter_map(Yaml::as_str).collect()).unwrap_or_default()
}

/// The networks a service joins: its `networks:` list or mapping; `None` when it has none
/// (compose then puts it on the project's `default` network).
fn joined(service: &Yaml) -> Option<Vec<&str>> {
    match &service["networks"] {
        Yaml::Array(items) => Some(items.iter().filter_map(Yaml::as_str).collect()),
        Yaml::Hash(map) => Some(map.keys().filter_map(Yaml::as_str).collect()),
        _ => None,
    }
}

/// An image compose cannot swap under us: the project's own (`cardmesh/NAME:` the local tag,
/// built on the host), a digest, or an exact version tag (`X.Y.Z`, optionally `-suffix`).
/// `redis:7`, `latest` or no tag at all float.
fn pinned(image: &str) -> bool {
    if image.contains("@sha256:") {
        return image
            .rsplit("@sha256:")
            .next()
            .is_some_and(|d| d.len() == 64 && d.chars().all(|c| c.is_ascii_hexdigit()));
    }
    if image.starts_with("cardmesh/") {
        return image.ends_with(":${CARDMESH_IMAGE_TAG:-local}") || image.ends_with(":local");
    }
    let Some((_, tag)) = image.rsplit_once(':').filter(|(name, _)| !name.is_empty()) else { return false };
    let version = tag.trim_start_matches('v');
    let exact = version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = exact.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Every rule a service breaks, each naming the service and saying what to write.
fn service_problems(file: &str, name: &str, service: &Yaml, networks: &Networks) -> Vec<String> {
    let mut problems = Vec::new();
    let mut problem = |text: String| problems.push(format!("{file}: service `{name}`: {text}"));

    if service["read_only"].as_bool() != Some(true) {
        problem("no read-only root filesystem: add `read_only: true` (and a `tmpfs` where it must write)".into());
    }
    if !strings(&service["cap_drop"]).iter().any(|c| c.eq_ignore_ascii_case("ALL")) {
        problem("keeps Linux capabilities: add `cap_drop: [ALL]`".into());
    }
    if !service["cap_add"].is_badvalue() {
        problem("adds capabilities back (`cap_add`)".into());
    }
    if service["privileged"].as_bool() == Some(true) {
        problem("is `privileged`".into());
    }
    if service["network_mode"].as_str().is_some() {
        problem("sets `network_mode`: it would leave the project's networks".into());
    }
    let no_new_privileges =
        strings(&service["security_opt"]).iter().any(|o| *o == "no-new-privileges:true" || *o == "no-new-privileges");
    if !no_new_privileges {
        problem("can gain privileges (setuid binaries): add `security_opt: [no-new-privileges:true]`".into());
    }
    let health = &service["healthcheck"];
    let disabled = health["disable"].as_bool() == Some(true) || strings(&health["test"]).first() == Some(&"NONE");
    if !NO_HEALTHCHECK_POSSIBLE.contains(&name) && (health["test"].is_badvalue() || disabled) {
        problem("has no healthcheck: add one (`cardmesh-healthcheck grpc 127.0.0.1:50051` for a card service)".into());
    }
    match service["image"].as_str() {
        Some(image) if pinned(image) => {}
        Some(image) => problem(format!(
            "image `{image}` is not pinned: use an exact version tag (X.Y.Z) or a digest \
             (the project's own images: cardmesh/NAME:${{CARDMESH_IMAGE_TAG:-local}})"
        )),
        None => problem("names no image".into()),
    }
    match joined(service) {
        None => problem("joins no network of its own: compose would put it on `default`; list its networks".into()),
        Some(joined) => {
            if let Some(exactly) = networks.exactly {
                if joined != exactly {
                    problem(format!("joins {joined:?}: a card service joins exactly {exactly:?}"));
                }
            }
            if joined.contains(&"public") && !networks.public.contains(&name) {
                problem(format!("joins `public`, Plain's side, where only {:?} may be", networks.public));
            }
            if joined.contains(&"cache") && !networks.cache.contains(&name) {
                problem(format!("joins `cache`, the cache's network, where only {:?} may be", networks.cache));
            }
        }
    }
    problems
}

/// Every problem of a compose file: its services', and networks (other than `public`) that
/// would give a way out of Docker.
fn compose_problems(file: &str, doc: &Yaml, networks: &Networks) -> Vec<String> {
    let mut problems: Vec<String> = services(doc)
        .into_iter()
        .flat_map(|(name, service)| service_problems(file, &name, service, networks))
        .collect();
    if let Some(declared) = doc["networks"].as_hash() {
        for (name, network) in declared {
            let name = name.as_str().unwrap_or_default();
            if name != "public" && network["internal"].as_bool() != Some(true) {
                problems.push(format!("{file}: network `{name}` has a way out of Docker: add `internal: true`"));
            }
        }
    }
    problems
}

/// The overlay's own services are checked like any; its entries for docker-compose.yml's
/// services may only add what [`OVERLAY_MAY_SET`] lists.
fn overlay_problems(base: &Yaml, overlay: &Yaml) -> Vec<String> {
    let file = "docker-compose.observability.yml";
    let base_names: Vec<String> = services(base).into_iter().map(|(name, _)| name).collect();
    let mut problems = Vec::new();
    for (name, service) in services(overlay) {
        if base_names.contains(&name) {
            for key in service.as_hash().into_iter().flat_map(|h| h.keys()).filter_map(Yaml::as_str) {
                if !OVERLAY_MAY_SET.contains(&key) {
                    problems.push(format!("{file}: service `{name}`: the overlay sets `{key}` of a hardened service"));
                }
            }
        } else {
            problems.extend(service_problems(file, &name, service, &OVERLAY));
        }
    }
    problems
}

fn assert_no_problems(problems: &[String]) {
    assert!(problems.is_empty(), "compose hardening (README, Security):\n  {}", problems.join("\n  "));
}

#[test]
fn every_compose_service_is_hardened_pinned_healthchecked_and_on_its_own_networks() {
    let doc = read("docker-compose.yml");
    let names: Vec<String> = services(&doc).into_iter().map(|(name, _)| name).collect();
    for expected in ["gateway", "billing", "usage", "accounts", "feedback", "orders", "http-bridge", "redis"] {
        assert!(names.iter().any(|n| n == expected), "docker-compose.yml has `{expected}`: {names:?}");
    }
    assert_no_problems(&compose_problems("docker-compose.yml", &doc, &COMPOSE));
}

#[test]
fn the_observability_overlay_hardens_its_services_and_leaves_the_others_alone() {
    let (base, overlay) = (read("docker-compose.yml"), read("docker-compose.observability.yml"));
    let names: Vec<String> = services(&overlay).into_iter().map(|(name, _)| name).collect();
    assert!(names.iter().any(|n| n == "otel-collector") && names.iter().any(|n| n == "jaeger"), "{names:?}");
    assert_no_problems(&overlay_problems(&base, &overlay));
}

#[test]
fn a_freshly_scaffolded_service_of_every_language_is_hardened_and_joins_only_internal() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("compose-snippets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    // What `new-service` checks for in the repository root, for each language.
    std::fs::create_dir_all(scratch.join("kits/python")).expect("scratch");
    std::fs::create_dir_all(scratch.join("kits/typescript")).expect("scratch");
    std::fs::write(scratch.join("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = []\n").expect("manifest");
    std::fs::write(scratch.join("kits/python/pyproject.toml"), "").expect("kit");
    std::fs::write(scratch.join("kits/typescript/package.json"), "{}").expect("kit");
    let spec = |name: &str| ServiceSpec {
        name: name.to_owned(),
        cards: vec!["last-order".to_owned()],
        scope: Scope::Customer,
        ttl: Duration::from_secs(300),
    };

    let dirs = [
        ("rust", scaffold::create(&scratch, &spec("snippet-rust")).expect("rust scaffold").dir),
        ("python", scaffold::python::create(&scratch, &spec("snippet-python")).expect("python scaffold").dir),
        ("typescript", scaffold::typescript::create(&scratch, &spec("snippet-ts")).expect("typescript scaffold").dir),
    ];
    for (lang, dir) in dirs {
        let file = format!("the {lang} compose.snippet.yml");
        let snippet = std::fs::read_to_string(dir.join("compose.snippet.yml")).expect("the scaffold wrote its snippet");
        // The snippet goes under `services:`, as its first line of instructions says.
        let doc = parse(&file, &format!("services:\n{snippet}"));
        assert_eq!(services(&doc).len(), 1, "{file} holds one service:\n{snippet}");
        assert_no_problems(&compose_problems(&file, &doc, &SNIPPET));
    }
    std::fs::remove_dir_all(&scratch).expect("remove the scratch root");
}

/// Sets `key` of service `name` (or removes it, with `None`).
fn set(doc: &mut Yaml, name: &str, key: &str, value: Option<&str>) {
    let Yaml::Hash(root) = doc else { panic!("a mapping") };
    let Some(Yaml::Hash(services)) = root.get_mut(&Yaml::String("services".into())) else { panic!("services") };
    let Some(Yaml::Hash(service)) = services.get_mut(&Yaml::String(name.into())) else { panic!("{name}") };
    match value {
        Some(value) => {
            service.insert(Yaml::String(key.into()), parse("a value", value));
        }
        None => {
            service.remove(&Yaml::String(key.into()));
        }
    }
}

#[test]
fn the_check_names_each_weakening() {
    let base = read("docker-compose.yml");
    let weakened = |name: &str, key: &str, value: Option<&str>| {
        let mut doc = base.clone();
        set(&mut doc, name, key, value);
        compose_problems("docker-compose.yml", &doc, &COMPOSE).join("\n")
    };
    let cases: [(&str, &str, Option<&str>, &str); 11] = [
        ("billing", "read_only", None, "`billing`: no read-only root filesystem"),
        ("gateway", "read_only", Some("false"), "`gateway`: no read-only root filesystem"),
        ("usage", "cap_drop", Some("[NET_RAW]"), "`usage`: keeps Linux capabilities"),
        ("accounts", "cap_add", Some("[NET_ADMIN]"), "`accounts`: adds capabilities back"),
        ("feedback", "security_opt", None, "`feedback`: can gain privileges"),
        ("orders", "healthcheck", None, "`orders`: has no healthcheck"),
        ("orders", "healthcheck", Some("{disable: true}"), "`orders`: has no healthcheck"),
        ("redis", "image", Some("redis:7"), "`redis`: image `redis:7` is not pinned"),
        ("http-bridge", "networks", Some("[internal, public]"), "`http-bridge`: joins `public`"),
        ("billing", "networks", Some("[internal, cache]"), "`billing`: joins `cache`"),
        ("usage", "networks", None, "`usage`: joins no network of its own"),
    ];
    for (name, key, value, expected) in cases {
        let problems = weakened(name, key, value);
        assert!(problems.contains(expected), "{name}.{key} = {value:?} is reported as {expected:?}:\n{problems}");
    }
    // The gateway and Redis on `cache` are fine; a network with a way out is not.
    let mut doc = base.clone();
    set(&mut doc, "gateway", "networks", Some("[public, internal, cache]"));
    set(&mut doc, "redis", "networks", Some("[cache]"));
    assert_no_problems(&compose_problems("docker-compose.yml", &doc, &COMPOSE));
    let Yaml::Hash(root) = &mut doc else { panic!("a mapping") };
    let Some(Yaml::Hash(networks)) = root.get_mut(&Yaml::String("networks".into())) else { panic!("networks") };
    networks.insert(Yaml::String("cache".into()), parse("a network", "{}"));
    let problems = compose_problems("docker-compose.yml", &doc, &COMPOSE).join("\n");
    assert!(problems.contains("network `cache` has a way out of Docker"), "{problems}");

    // A snippet on any other network than `internal` alone.
    let snippet = parse("a snippet", "services:\n  shipping:\n    networks: [internal, public]\n");
    let problems = compose_problems("a snippet", &snippet, &SNIPPET).join("\n");
    assert!(problems.contains("a card service joins exactly [\"internal\"]"), "{problems}");

    // An overlay that undoes a service's hardening.
    let mut overlay = read("docker-compose.observability.yml");
    set(&mut overlay, "gateway", "read_only", Some("false"));
    let problems = overlay_problems(&base, &overlay).join("\n");
    assert!(problems.contains("`gateway`: the overlay sets `read_only`"), "{problems}");
}

#[test]
fn pinned_images_are_exact_versions_digests_or_the_projects_own() {
    for image in [
        "redis:7.0.15",
        "otel/opentelemetry-collector-contrib:0.123.0",
        "jaegertracing/jaeger:2.5.0",
        "redis:7.0.15-bookworm",
        "cardmesh/cardmesh-gateway:${CARDMESH_IMAGE_TAG:-local}",
        "cardmesh/shipping-service:local",
        "registry.example.com:5000/redis:7.0.15",
        &format!("redis@sha256:{}", "a".repeat(64)),
    ] {
        assert!(pinned(image), "{image} is pinned");
    }
    for image in [
        "redis",
        "redis:7",
        "redis:7.0",
        "redis:latest",
        "cardmesh/cardmesh-gateway:latest",
        "redis@sha256:abc",
        "x:1.2.z",
    ] {
        assert!(!pinned(image), "{image} floats");
    }
}
