//! The Kubernetes manifests (`deploy/kubernetes`), rendered with `kubectl kustomize` as
//! they are applied (feature `kubernetes`: needs kubectl, no cluster):
//!
//! - every environment variable a manifest sets is one its program reads: the gateway's
//!   (`cardmesh_gateway::config::ENV_VARS` and the telemetry variables), the Rust kit's
//!   (`cardmesh_kit::ENV_VARS`), the http-bridge's, or, for TypeScript and Python services,
//!   a name their kit's or service's sources read (string literals and `env.NAME`), so a
//!   renamed variable fails here instead of being ignored in a cluster;
//! - the Secrets and keys the production overlay references are exactly the ones
//!   docs/src/guides/kubernetes.md tells the operator to create;
//! - Services select pods and name ports that exist, and the gateway's CARDMESH_SERVICES
//!   names card-service Services;
//! - a rolling update keeps serving (readiness gates, no unavailable pod; the gateway's drain
//!   and grace periods, and a card service's preStop pause and calls, within
//!   `terminationGracePeriodSeconds`);
//! - `cardmesh-cli new-service` writes the example services' very manifests.
//!
//! The security properties (hardening, network policies, secrets) are in
//! `security/kubernetes.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use cardmesh_cli::scaffold::{self, Scope, ServiceSpec};
use cardmesh_tests::kubernetes::{
    deploy, image_name, is_project_image, overlay, render, workspace_root, Object, Rendered, Yaml,
};

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("kubernetes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn every_render() -> Vec<Rendered> {
    cardmesh_tests::kubernetes::every_render(&scratch())
}

/// The program behind an image, and so the variables it reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Program {
    Gateway,
    /// A card service on the Rust kit.
    RustKit,
    HttpBridge,
    ExampleEndpoint,
    /// A service on the TypeScript kit, with its own sources.
    TypeScript(PathBuf),
    /// A service on the Python kit, with its own sources.
    Python(PathBuf),
}

/// `cardmesh/<name>` → its program: the gateway, the bridge and its example endpoint by
/// name, `<service>-service` by what `services/<service>/` (or `services_dir`) holds.
fn program_of(image: &str, services_dir: &Path) -> Program {
    match image_name(image) {
        "cardmesh-gateway" => Program::Gateway,
        "http-bridge" => Program::HttpBridge,
        "http-bridge-example-endpoint" => Program::ExampleEndpoint,
        name => {
            let service = name.strip_suffix("-service").unwrap_or_else(|| {
                panic!("image {image}: not a cardmesh program this test knows; add it to program_of")
            });
            let dir = services_dir.join(service);
            if dir.join("Cargo.toml").is_file() {
                Program::RustKit
            } else if dir.join("package.json").is_file() {
                Program::TypeScript(dir)
            } else if dir.join("pyproject.toml").is_file() {
                Program::Python(dir)
            } else {
                panic!("image {image}: {} holds no Cargo.toml, package.json or pyproject.toml", dir.display())
            }
        }
    }
}

/// The variables `program` reads.
fn reads(program: &Program) -> BTreeSet<String> {
    let telemetry = cardmesh_telemetry::ENV_VARS.iter().map(|(name, _)| *name);
    let kit = cardmesh_kit::ENV_VARS.iter().copied();
    let names: Vec<String> = match program {
        Program::Gateway => cardmesh_gateway::config::ENV_VARS
            .iter()
            .map(|(name, _)| *name)
            .chain(cardmesh_gateway::config::TELEMETRY_ENV_VARS.iter().map(|(name, _)| *name))
            .map(str::to_owned)
            .collect(),
        Program::RustKit => kit.chain(telemetry).map(str::to_owned).collect(),
        Program::HttpBridge => {
            use http_bridge::config::{CONFIG_ENV, KEYS_ENV, SECRET_ENV, URL_ENV};
            kit.chain(telemetry).chain([CONFIG_ENV, URL_ENV, KEYS_ENV, SECRET_ENV]).map(str::to_owned).collect()
        }
        Program::ExampleEndpoint => {
            use http_bridge::example::{LISTEN_ENV, SECRET_ENV};
            telemetry.chain([LISTEN_ENV, SECRET_ENV, cardmesh_kit::FIXTURES_ENV]).map(str::to_owned).collect()
        }
        Program::TypeScript(service) => {
            sources_read(&[workspace_root().join("kits/typescript/src"), service.join("src")], "ts")
        }
        Program::Python(service) => {
            sources_read(&[workspace_root().join("kits/python/src/cardmesh_kit"), service.clone()], "py")
        }
    };
    names.into_iter().collect()
}

/// The environment variable names the TypeScript or Python sources under `dirs` read: a
/// string literal `"CARDMESH_…"` / `"OTEL_…"` / `"RUST_LOG"` (the kits name their
/// variables in constants like `LISTEN_ENV = "CARDMESH_SERVICE_LISTEN"`), or a property
/// `env.NAME`. Names that are only mentioned in comments or docstrings do not count.
fn sources_read(dirs: &[PathBuf], extension: &str) -> Vec<String> {
    let mut names = Vec::new();
    for dir in dirs {
        for file in files_under(dir, extension) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            names.extend(variables_read_in(&text));
        }
    }
    assert!(!names.is_empty(), "no variable names found in {dirs:?}: did the sources move?");
    names
}

fn variables_read_in(text: &str) -> Vec<String> {
    let is_variable = |name: &str| name == "RUST_LOG" || name.starts_with("CARDMESH_") || name.starts_with("OTEL_");
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = bytes[i].is_ascii_uppercase() && (i == 0 || !is_word(bytes[i - 1]));
        if !starts_word {
            i += 1;
            continue;
        }
        let end = (i..bytes.len()).find(|&j| !is_word(bytes[j])).unwrap_or(bytes.len());
        let name = &text[i..end];
        let before = &text[..i];
        let quoted =
            matches!(bytes.get(end), Some(b'"' | b'\'')) && matches!(before.as_bytes().last(), Some(b'"' | b'\''));
        if is_variable(name) && (quoted || before.ends_with("env.")) {
            found.push(name.to_owned());
        }
        i = end;
    }
    found
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Files with `extension` under `dir`, skipping tests, builds and installed packages.
fn files_under(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !["node_modules", "dist", "test", "tests", "__pycache__", ".venv"].contains(&name.as_str()) {
                out.extend(files_under(&path, extension));
            }
        } else if path.extension().is_some_and(|e| e == extension) && !name.ends_with(".test.ts") {
            out.push(path);
        }
    }
    out
}

/// The variables a container gets: `env[].name` and the keys of the ConfigMaps and
/// Secrets of `envFrom` (with their prefix), which must be among the rendered objects.
fn container_variables(rendered: &Rendered, object: &Object, container: &Yaml) -> Result<Vec<String>, String> {
    let mut names: Vec<String> =
        container["env"].as_vec().into_iter().flatten().filter_map(|e| e["name"].as_str().map(str::to_owned)).collect();
    for source in container["envFrom"].as_vec().into_iter().flatten() {
        let prefix = source["prefix"].as_str().unwrap_or_default();
        let (kind, reference) = if !source["secretRef"].is_badvalue() {
            ("Secret", &source["secretRef"])
        } else {
            ("ConfigMap", &source["configMapRef"])
        };
        let name = reference["name"].as_str().unwrap_or_default();
        let Some(found) = rendered.find(kind, name) else {
            return Err(format!(
                "{}: {} takes envFrom {kind}/{name}, which the overlay does not render, so the variables it \
                 sets cannot be checked; name each variable in env[] with valueFrom.secretKeyRef instead ({})",
                rendered.source,
                object.id(),
                object.origin
            ));
        };
        for field in ["data", "stringData"] {
            for (key, _) in found.yaml[field].as_hash().into_iter().flatten() {
                names.push(format!("{prefix}{}", key.as_str().unwrap_or_default()));
            }
        }
    }
    Ok(names)
}

/// Every variable set for one of the project's images that its program does not read, as
/// a message naming the variable, the container and the manifest.
fn unknown_variables(rendered: &Rendered, services_dir: &Path) -> (Vec<String>, BTreeSet<Program>) {
    let mut problems = Vec::new();
    let mut checked = BTreeSet::new();
    let mut known: BTreeMap<Program, BTreeSet<String>> = BTreeMap::new();
    for object in &rendered.objects {
        for container in object.containers() {
            let image = container["image"].as_str().unwrap_or_default();
            if !is_project_image(image) {
                // Another project's image (the dev overlay's Redis): its variables are its own.
                continue;
            }
            let program = program_of(image, services_dir);
            let reads = known.entry(program.clone()).or_insert_with(|| reads(&program));
            match container_variables(rendered, object, container) {
                Err(problem) => problems.push(problem),
                Ok(names) => {
                    // A variable another one's value names as `$(NAME)` is read by Kubernetes
                    // itself, which expands it (the gateway's POD_IP in its allowed hosts).
                    let values: Vec<&str> =
                        container["env"].as_vec().into_iter().flatten().filter_map(|e| e["value"].as_str()).collect();
                    let expanded = |name: &str| values.iter().any(|v| v.contains(&format!("$({name})")));
                    for name in names.into_iter().filter(|name| !reads.contains(name) && !expanded(name)) {
                        problems.push(format!(
                            "{}: {} (container {}, image {image}) sets {name}, which {program:?} never reads; \
                             it comes from {}",
                            rendered.source,
                            object.id(),
                            container["name"].as_str().unwrap_or_default(),
                            object.origin
                        ));
                    }
                }
            }
            checked.insert(program);
        }
    }
    (problems, checked)
}

#[test]
fn every_variable_the_manifests_set_is_one_its_program_reads() {
    let services = workspace_root().join("services");
    for rendered in every_render() {
        let (problems, checked) = unknown_variables(&rendered, &services);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let kinds: BTreeSet<&str> = checked
            .iter()
            .map(|p| match p {
                Program::TypeScript(_) => "typescript",
                Program::Python(_) => "python",
                Program::Gateway => "gateway",
                Program::RustKit => "rust",
                Program::HttpBridge => "bridge",
                Program::ExampleEndpoint => "endpoint",
            })
            .collect();
        assert_eq!(
            kinds,
            BTreeSet::from(["gateway", "rust", "bridge", "endpoint", "typescript", "python"]),
            "{}: every kind of program is checked",
            rendered.source
        );
    }
}

#[test]
fn a_variable_no_program_reads_fails_naming_it_and_its_manifest() {
    let scratch = scratch().join("unknown-variable");
    let manifests = scratch.join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    // The Python kit reads CARDMESH_LOG_LEVEL, not RUST_LOG; CARDMESH_SERVICE_LISTN is a typo.
    std::fs::write(
        manifests.join("feedback.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: feedback}\nspec:\n  selector: {matchLabels: {a: b}}\n  \
         template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n        - name: feedback\n          \
         image: cardmesh/feedback-service:local\n          env:\n            - {name: CARDMESH_SERVICE_LISTEN, value: \
         0.0.0.0:50051}\n            - {name: RUST_LOG, value: info}\n            - {name: CARDMESH_SERVICE_LISTN, value: \
         x}\n",
    )
    .unwrap();
    std::fs::write(manifests.join("kustomization.yaml"), "resources: [feedback.yaml]\n").unwrap();
    let rendered = render(&manifests, &[], &scratch);
    let (problems, _) = unknown_variables(&rendered, &workspace_root().join("services"));
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].contains("sets RUST_LOG") && problems[0].contains("unknown-variable/manifests/feedback.yaml"),
        "{problems:#?}"
    );
    assert!(problems[1].contains("sets CARDMESH_SERVICE_LISTN"), "{problems:#?}");
}

#[test]
fn the_sources_scan_finds_read_variables_and_skips_mentions() {
    let ts = "export const LISTEN_ENV = \"CARDMESH_SERVICE_LISTEN\";\n/** the gateway's `CARDMESH_ADMIN_TOKEN` */\n\
              const level = env.CARDMESH_LOG_LEVEL ?? env.RUST_LOG;\nconst x = \"GET_CARDS\";";
    assert_eq!(variables_read_in(ts), ["CARDMESH_SERVICE_LISTEN", "CARDMESH_LOG_LEVEL", "RUST_LOG"]);
    let py = "TLS_KEY_ENV = \"CARDMESH_SERVICE_TLS_KEY_FILE\"\n\"\"\"``CARDMESH_ADMIN_TOKEN``\"\"\"\nos.environ.get('OTEL_SDK_DISABLED')";
    assert_eq!(variables_read_in(py), ["CARDMESH_SERVICE_TLS_KEY_FILE", "OTEL_SDK_DISABLED"]);
}

/// `(secret, key) → optional` of every `secretKeyRef` in `rendered`.
fn secret_refs(rendered: &Rendered) -> BTreeMap<(String, String), bool> {
    let mut refs = BTreeMap::new();
    for object in &rendered.objects {
        for container in object.containers() {
            for env in container["env"].as_vec().into_iter().flatten() {
                let reference = &env["valueFrom"]["secretKeyRef"];
                if let (Some(name), Some(key)) = (reference["name"].as_str(), reference["key"].as_str()) {
                    let optional = reference["optional"].as_bool().unwrap_or(false);
                    let entry = refs.entry((name.to_owned(), key.to_owned())).or_insert(optional);
                    *entry &= optional;
                }
            }
        }
    }
    refs
}

#[test]
fn the_guide_creates_exactly_the_secrets_production_references() {
    let production = overlay("production", &scratch());
    let refs = secret_refs(&production);
    assert!(refs.contains_key(&("cardmesh-redis".to_owned(), "url".to_owned())), "{refs:?}");
    assert!(production.of_kind("Secret").next().is_none(), "production renders no Secret: the operator creates them");

    let guide_path = workspace_root().join("docs/src/guides/kubernetes.md");
    let guide = std::fs::read_to_string(&guide_path).expect("docs/src/guides/kubernetes.md");
    // The guide's table: | `secret` | `key` | required or optional | ... |
    let mut table = BTreeMap::new();
    for line in guide.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() > 4 && cells[1].starts_with("`cardmesh-") {
            let unquote = |cell: &str| cell.trim_matches('`').to_owned();
            table.insert((unquote(cells[1]), unquote(cells[2])), cells[3].starts_with("optional"));
        }
    }
    assert_eq!(table, refs, "the secrets table of {} against the production overlay", guide_path.display());

    // Every required key is in a `kubectl create secret generic <name>` command.
    let commands: Vec<String> = guide
        .split("kubectl -n cardmesh create secret generic ")
        .skip(1)
        .map(|rest| {
            let end = rest.find("\n\n").or_else(|| rest.find("```")).unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .collect();
    for ((secret, key), optional) in &refs {
        if *optional {
            continue;
        }
        let created = commands.iter().any(|command| {
            command.starts_with(&format!("{secret} "))
                && (command.contains(&format!("--from-literal={key}="))
                    || command.contains(&format!("--from-file={key}=")))
        });
        assert!(
            created,
            "docs/src/guides/kubernetes.md has no `kubectl -n cardmesh create secret generic {secret}` with key {key}"
        );
    }
}

#[test]
fn the_dev_overlay_generates_every_secret_key_its_pods_need() {
    let dev = overlay("dev", &scratch());
    for ((secret, key), optional) in secret_refs(&dev) {
        let found = dev.find("Secret", &secret);
        let has_key = found.is_some_and(|s| !s.yaml["data"][key.as_str()].is_badvalue());
        assert!(has_key || optional, "dev: Secret {secret} (generated) has no key {key}, which a pod needs");
    }
}

/// The named ports of the containers of the pods `selector` matches, with their numbers.
fn ports_of_pods<'a>(rendered: &'a Rendered, selector: &[(&str, &str)]) -> Vec<(&'a Object, BTreeMap<String, i64>)> {
    rendered
        .objects
        .iter()
        .filter(|o| o.pod_spec().is_some())
        .filter(|o| {
            let labels = o.pod_labels();
            selector.iter().all(|pair| labels.contains(pair))
        })
        .map(|o| {
            let ports = o
                .containers()
                .into_iter()
                .flat_map(|c| c["ports"].as_vec().into_iter().flatten())
                .filter_map(|p| Some((p["name"].as_str()?.to_owned(), p["containerPort"].as_i64()?)))
                .collect();
            (o, ports)
        })
        .collect()
}

#[test]
fn every_service_selects_pods_with_the_ports_it_names() {
    for rendered in every_render() {
        for service in rendered.of_kind("Service") {
            let selector = cardmesh_tests::kubernetes::string_pairs(&service.yaml["spec"]["selector"]);
            assert!(!selector.is_empty(), "{}: {} has no selector", rendered.source, service.id());
            let pods = ports_of_pods(&rendered, &selector);
            assert!(!pods.is_empty(), "{}: {} selects no pod ({})", rendered.source, service.id(), service.origin);
            for port in service.yaml["spec"]["ports"].as_vec().into_iter().flatten() {
                let target = port["targetPort"].as_str().expect("targetPort by name");
                for (pod, ports) in &pods {
                    assert!(
                        ports.contains_key(target),
                        "{}: {} sends port {target} to {}, whose containers have no port of that name",
                        rendered.source,
                        service.id(),
                        pod.id()
                    );
                }
            }
        }
        // Plain's Ingress (production) and the gateway's own list of card services.
        for ingress in rendered.of_kind("Ingress") {
            for rule in ingress.yaml["spec"]["rules"].as_vec().into_iter().flatten() {
                for path in rule["http"]["paths"].as_vec().into_iter().flatten() {
                    let backend = &path["backend"]["service"];
                    let service = rendered.get("Service", backend["name"].as_str().unwrap_or_default());
                    let port = backend["port"]["name"].as_str().unwrap_or_default();
                    let names: Vec<&str> = service.yaml["spec"]["ports"]
                        .as_vec()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p["name"].as_str())
                        .collect();
                    assert!(
                        names.contains(&port),
                        "{}: {} names port {port} of {}",
                        rendered.source,
                        ingress.id(),
                        service.id()
                    );
                }
            }
        }
        let gateway = rendered.get("Deployment", "gateway");
        let services = env_value(gateway, "CARDMESH_SERVICES").expect("the gateway's CARDMESH_SERVICES");
        for endpoint in services.split(',') {
            let host_port = endpoint.trim().strip_prefix("http://").expect("http:// endpoints");
            let (host, port) = host_port.split_once(':').expect("host:port");
            let service = rendered.get("Service", host);
            let serves = service.yaml["spec"]["ports"].as_vec().into_iter().flatten().any(|p| {
                p["port"].as_i64().map(|n| n.to_string()).as_deref() == Some(port) && p["name"].as_str() == Some("grpc")
            });
            assert!(
                serves,
                "{}: CARDMESH_SERVICES names {endpoint}; {} has no grpc port {port}",
                rendered.source,
                service.id()
            );
            assert!(
                service.labels().contains(&("app.kubernetes.io/component", "card-service")),
                "{}: {} is in CARDMESH_SERVICES: it must be labelled a card service (the network policy lets the \
                 gateway reach card services only)",
                rendered.source,
                service.id()
            );
        }
    }
}

/// The plain `value` of a container variable of `object`'s first container.
fn env_value<'a>(object: &'a Object, name: &str) -> Option<&'a str> {
    object.containers().first()?["env"]
        .as_vec()?
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .and_then(|e| e["value"].as_str())
}

/// The gateway drains by itself (`CARDMESH_SHUTDOWN_DRAIN`, `CARDMESH_SHUTDOWN_GRACE`): its
/// manifest sets both, the gateway accepts them, a request admitted at the stop fits in the
/// grace period, and any preStop pause plus both periods plus the exit margin fit in
/// `terminationGracePeriodSeconds` (`grace`).
fn gateway_stops_within_its_grace(deployment: &Object, grace: i64, what: &str) {
    let period = |name: &str| {
        let value = env_value(deployment, name).unwrap_or_else(|| panic!("{what}: the gateway sets {name}"));
        humantime::parse_duration(value).unwrap_or_else(|e| panic!("{what}: {name}={value}: {e}"))
    };
    let (drain, in_flight) = (period("CARDMESH_SHUTDOWN_DRAIN"), period("CARDMESH_SHUTDOWN_GRACE"));
    let mut config = cardmesh_gateway::Config::default();
    (config.shutdown.drain_period, config.shutdown.grace_period) = (drain, in_flight);
    // Other settings (the signing secrets) come from Secrets; only the periods matter here.
    let refused = config.validate().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(!refused.contains("shutdown."), "{what}: the gateway refuses its periods: {refused}");
    assert!(!drain.is_zero(), "{what}: the gateway drains before it stops accepting");
    assert!(
        in_flight >= config.server.body_read_timeout + config.fanout.overall_budget,
        "{what}: CARDMESH_SHUTDOWN_GRACE {in_flight:?} is shorter than a request admitted at the stop may take"
    );
    let pause = deployment.containers()[0]["lifecycle"]["preStop"]["sleep"]["seconds"].as_i64().unwrap_or(0);
    let needed = Duration::from_secs(pause.max(0) as u64) + drain + in_flight + cardmesh_gateway::config::EXIT_MARGIN;
    assert!(
        Duration::from_secs(grace.max(0) as u64) >= needed,
        "{what}: terminationGracePeriodSeconds {grace} is shorter than the preStop pause ({pause} s), the drain \
         ({drain:?}), the grace period ({in_flight:?}) and the exit ({:?}) together",
        cardmesh_gateway::config::EXIT_MARGIN
    );
}

#[test]
fn a_rolling_update_keeps_a_ready_gateway_for_every_request() {
    let defaults = cardmesh_gateway::Config::default();
    let service_deadline = defaults.fanout.service_deadline;
    for rendered in every_render() {
        let gateway = rendered.get("Deployment", "gateway");
        assert!(
            gateway.yaml["spec"]["replicas"].is_badvalue(),
            "{}: no replicas in the gateway's Deployment: the HPA owns the count",
            rendered.source
        );
        let hpa = rendered.get("HorizontalPodAutoscaler", "gateway");
        assert!(
            hpa.yaml["spec"]["minReplicas"].as_i64().unwrap_or(0) >= 2,
            "{}: at least two gateways",
            rendered.source
        );
        assert_eq!(hpa.yaml["spec"]["scaleTargetRef"]["name"].as_str(), Some("gateway"));
        let pdb = rendered.get("PodDisruptionBudget", "gateway");
        assert_eq!(pdb.yaml["spec"]["maxUnavailable"].as_i64(), Some(1), "{}", rendered.source);

        for deployment in rendered.of_kind("Deployment") {
            let spec = &deployment.yaml["spec"];
            let what = format!("{}: {} ({})", rendered.source, deployment.id(), deployment.origin);
            let pod = deployment.pod_spec().expect("a pod template");
            for container in deployment.containers() {
                assert!(!container["readinessProbe"].is_badvalue(), "{what}: a readiness probe");
                assert!(!container["livenessProbe"].is_badvalue(), "{what}: a liveness probe");
            }
            if spec["strategy"]["type"].as_str() == Some("Recreate") {
                continue; // the dev overlay's Redis: one copy of a cache, replaced.
            }
            assert_eq!(spec["strategy"]["rollingUpdate"]["maxUnavailable"].as_i64(), Some(0), "{what}");
            let labels = deployment.pod_labels();
            if !labels.contains(&("app.kubernetes.io/component", "card-service"))
                && !labels.contains(&("app.kubernetes.io/component", "gateway"))
            {
                continue;
            }
            let grace = pod["terminationGracePeriodSeconds"].as_i64().unwrap_or(30);
            if labels.contains(&("app.kubernetes.io/name", "gateway")) {
                gateway_stops_within_its_grace(deployment, grace, &what);
                continue;
            }
            let pause = deployment.containers()[0]["lifecycle"]["preStop"]["sleep"]["seconds"]
                .as_i64()
                .unwrap_or_else(|| panic!("{what}: a preStop pause"));
            // A card service's call lasts at most the gateway's deadline.
            assert!(
                Duration::from_secs((grace - pause).max(0) as u64) > service_deadline,
                "{what}: terminationGracePeriodSeconds {grace} leaves less than {service_deadline:?} for in-flight \
                 calls after the {pause} s preStop pause"
            );
        }
        let probe = &gateway.containers()[0];
        assert_eq!(probe["readinessProbe"]["httpGet"]["path"].as_str(), Some("/readyz"));
        assert_eq!(probe["livenessProbe"]["httpGet"]["path"].as_str(), Some("/healthz"));
        assert_eq!(probe["readinessProbe"]["httpGet"]["port"].as_str(), Some("http"));
    }
}

#[test]
fn a_scaffolded_service_gets_the_manifests_of_the_example_services() {
    let scratch = scratch().join("scaffold");
    let base = render(&deploy("base"), &[], &scratch);
    // (language, an example service without variables of its own, its files)
    let spec = |name: &str| ServiceSpec {
        name: name.to_owned(),
        cards: vec!["last-order".to_owned()],
        scope: Scope::Customer,
        ttl: Duration::from_secs(300),
    };
    let rust: Vec<(String, String)> =
        scaffold::render_service(&spec("usage")).unwrap().into_iter().map(|f| (f.path.to_owned(), f.text)).collect();
    let typescript: Vec<(String, String)> = scaffold::typescript::render_service(&spec("orders"))
        .unwrap()
        .into_iter()
        .map(|f| (f.path.to_owned(), f.text))
        .collect();
    let python: Vec<(String, String)> =
        scaffold::python::render_service(&spec("feedback")).unwrap().into_iter().map(|f| (f.path, f.text)).collect();
    for (example, files) in [("usage", rust), ("orders", typescript), ("feedback", python)] {
        let dir = scratch.join("services").join(example);
        for (path, text) in files.iter().filter(|(path, _)| path.starts_with("kubernetes/")) {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, text).unwrap();
        }
        let scaffolded = render(&dir.join("kubernetes"), &[], &scratch);
        assert_eq!(scaffolded.objects.len(), 2, "{}: a Deployment and a Service", scaffolded.source);
        for object in &scaffolded.objects {
            let expected = base.get(object.kind(), object.name());
            assert_eq!(
                without_annotations(&object.yaml),
                without_annotations(&expected.yaml),
                "the scaffold's {} of {example} differs from {}",
                object.id(),
                expected.origin
            );
        }
        // The same variables check as the deployed manifests, against the language's kit.
        std::fs::write(dir.join(language_marker(example)), "").unwrap();
        let (problems, _) = unknown_variables(&scaffolded, &scratch.join("services"));
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

/// The file that tells a service's language (see `program_of`).
fn language_marker(example: &str) -> &'static str {
    match example {
        "orders" => "package.json",
        "feedback" => "pyproject.toml",
        _ => "Cargo.toml",
    }
}

/// `yaml` without `metadata.annotations` (the origin annotations differ by file).
fn without_annotations(yaml: &Yaml) -> Yaml {
    let mut copy = yaml.clone();
    if let Some(metadata) = copy.as_mut_hash().and_then(|h| h.get_mut(&Yaml::String("metadata".into()))) {
        if let Some(metadata) = metadata.as_mut_hash() {
            metadata.remove(&Yaml::String("annotations".into()));
        }
    }
    copy
}
