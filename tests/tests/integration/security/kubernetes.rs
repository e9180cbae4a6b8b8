//! The Kubernetes manifests' defences (feature `kubernetes`; rendered with `kubectl
//! kustomize`, as applied). No cluster can run here, so each attack is tried against what
//! a cluster would enforce: the NetworkPolicies are evaluated for the connection
//! (`cardmesh_tests::network_policy`), the pod specs checked against the `restricted` Pod
//! Security Standard that the namespace enforces.

use std::path::{Path, PathBuf};

use cardmesh_tests::kubernetes::{deploy, is_project_image, overlay, render, Rendered, Yaml};
use cardmesh_tests::network_policy::{allows, deployment, describe, Pod};

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("kubernetes-security-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn every_render() -> Vec<Rendered> {
    cardmesh_tests::kubernetes::every_render(&scratch())
}

/// A pod of another namespace, labelled like `name` (labels are anyone's to choose).
fn outsider(name: &str) -> Pod {
    Pod::new("elsewhere", &[("app.kubernetes.io/name", name), ("app.kubernetes.io/component", "gateway")])
}

fn allowed(rendered: &Rendered, from: &Pod, to: &Pod, port: i64) {
    if let Err(why) = allows(rendered, from, to, port) {
        panic!("{}: {} must reach {}:{port}, but it is {why}", rendered.source, describe(from), describe(to));
    }
}

fn denied(rendered: &Rendered, from: &Pod, to: &Pod, port: i64) {
    if let Ok(by) = allows(rendered, from, to, port) {
        panic!(
            "{}: {} reaches {}:{port} ({})",
            rendered.source,
            describe(from),
            describe(to),
            by.map_or("no policy isolates it".to_owned(), |p| format!("allowed by {p}"))
        );
    }
}

#[test]
fn only_the_gateway_reaches_redis() {
    let dev = overlay("dev", &scratch());
    let redis = deployment(&dev, "redis");
    allowed(&dev, &deployment(&dev, "gateway"), &redis, 6379);
    for name in ["billing", "usage", "accounts", "orders", "feedback", "http-bridge", "card-endpoint"] {
        denied(&dev, &deployment(&dev, name), &redis, 6379);
    }
    // A pod elsewhere that calls itself the gateway.
    denied(&dev, &outsider("gateway"), &redis, 6379);
}

#[test]
fn the_admin_port_stays_in_the_namespace() {
    for rendered in every_render() {
        let gateway = deployment(&rendered, "gateway");
        // Card services report their changes to the admin listener.
        for name in ["billing", "usage", "orders", "feedback"] {
            allowed(&rendered, &deployment(&rendered, name), &gateway, 9090);
        }
        denied(&rendered, &outsider("billing"), &gateway, 9090);
        denied(&rendered, &Pod::new("ingress-nginx", &[("app.kubernetes.io/name", "ingress-nginx")]), &gateway, 9090);
    }
}

#[test]
fn card_services_answer_the_gateway_only() {
    for rendered in every_render() {
        let gateway = deployment(&rendered, "gateway");
        for name in ["billing", "usage", "accounts", "orders", "feedback", "http-bridge"] {
            let service = deployment(&rendered, name);
            allowed(&rendered, &gateway, &service, 50051);
            denied(&rendered, &deployment(&rendered, "card-endpoint"), &service, 50051);
            denied(&rendered, &outsider("gateway"), &service, 50051);
            // Their metrics port too, unless the monitoring component opens it to Prometheus.
            denied(&rendered, &deployment(&rendered, "usage"), &service, 9090);
        }
        let endpoint = deployment(&rendered, "card-endpoint");
        allowed(&rendered, &deployment(&rendered, "http-bridge"), &endpoint, 8080);
        denied(&rendered, &gateway, &endpoint, 8080);
    }
}

#[test]
fn plains_port_is_open_to_the_ingress_in_production_and_closed_in_dev() {
    let scratch = scratch();
    let ingress_controller = Pod::new("ingress-nginx", &[("app.kubernetes.io/name", "ingress-nginx")]);
    let production = overlay("production", &scratch);
    allowed(&production, &ingress_controller, &deployment(&production, "gateway"), 8080);
    // The dev overlay's gateway accepts the published development secret: only
    // `kubectl port-forward` (the pod's loopback, not subject to policies) may reach it.
    let dev = overlay("dev", &scratch);
    denied(&dev, &ingress_controller, &deployment(&dev, "gateway"), 8080);
    denied(&dev, &deployment(&dev, "billing"), &deployment(&dev, "gateway"), 8080);

    // The Ingress routes Plain's one path to Plain's port, never to the admin listener.
    let ingress = production.get("Ingress", "gateway");
    for rule in ingress.yaml["spec"]["rules"].as_vec().into_iter().flatten() {
        for path in rule["http"]["paths"].as_vec().into_iter().flatten() {
            assert_eq!(path["path"].as_str(), Some("/"));
            assert_eq!(
                path["pathType"].as_str(),
                Some("Exact"),
                "only POST / is Plain's: no /healthz, /readyz outside"
            );
            assert_eq!(path["backend"]["service"]["name"].as_str(), Some("gateway"));
            assert_eq!(path["backend"]["service"]["port"]["name"].as_str(), Some("http"));
        }
    }
    assert!(!ingress.yaml["spec"]["tls"].is_badvalue(), "the Ingress terminates TLS");
}

#[test]
fn prometheus_reaches_the_metrics_ports_and_nothing_else() {
    let monitored = render(&deploy("overlays/production"), &[deploy("components/monitoring")], &scratch());
    let prometheus = Pod::new("monitoring", &[("app.kubernetes.io/name", "prometheus")]);
    allowed(&monitored, &prometheus, &deployment(&monitored, "gateway"), 9090);
    allowed(&monitored, &prometheus, &deployment(&monitored, "billing"), 9090);
    denied(&monitored, &prometheus, &deployment(&monitored, "billing"), 50051);
    denied(&monitored, &prometheus, &deployment(&monitored, "card-endpoint"), 8080);
    denied(&monitored, &Pod::new("elsewhere", &[]), &deployment(&monitored, "billing"), 9090);
}

/// The container and pod settings the `restricted` Pod Security Standard asks for, and
/// more: a read-only root, uid 10001 (the images' `cardmesh`), no service account token.
#[test]
fn every_pod_runs_unprivileged_read_only_and_without_a_token() {
    for rendered in every_render() {
        let mut pods = 0;
        for object in rendered.objects.iter().filter(|o| o.pod_spec().is_some()) {
            let what = format!("{}: {} ({})", rendered.source, object.id(), object.origin);
            let pod = object.pod_spec().unwrap();
            pods += 1;
            assert_eq!(pod["automountServiceAccountToken"].as_bool(), Some(false), "{what}: no service account token");
            for field in ["hostNetwork", "hostPID", "hostIPC"] {
                assert_ne!(pod[field].as_bool(), Some(true), "{what}: {field}");
            }
            let pod_context = &pod["securityContext"];
            assert_eq!(pod_context["runAsNonRoot"].as_bool(), Some(true), "{what}: runAsNonRoot");
            assert_eq!(pod_context["runAsUser"].as_i64(), Some(10001), "{what}: runs as uid 10001");
            assert_eq!(pod_context["seccompProfile"]["type"].as_str(), Some("RuntimeDefault"), "{what}: seccomp");
            for container in object.containers() {
                let context = &container["securityContext"];
                let name = container["name"].as_str().unwrap_or_default();
                assert_eq!(context["allowPrivilegeEscalation"].as_bool(), Some(false), "{what} {name}");
                assert_eq!(context["readOnlyRootFilesystem"].as_bool(), Some(true), "{what} {name}");
                assert_eq!(context["runAsNonRoot"].as_bool(), Some(true), "{what} {name}");
                assert_ne!(context["privileged"].as_bool(), Some(true), "{what} {name}");
                let drop: Vec<&str> =
                    context["capabilities"]["drop"].as_vec().into_iter().flatten().filter_map(Yaml::as_str).collect();
                assert_eq!(drop, ["ALL"], "{what} {name}: drops every capability");
                assert!(context["capabilities"]["add"].is_badvalue(), "{what} {name}: adds none");
                assert!(!container["resources"]["limits"]["memory"].is_badvalue(), "{what} {name}: a memory limit");
                assert!(!container["resources"]["limits"]["cpu"].is_badvalue(), "{what} {name}: a CPU limit");
            }
        }
        assert!(pods >= 8, "{}: {pods} workloads checked", rendered.source);
        let namespace = rendered.get("Namespace", "cardmesh");
        assert!(
            namespace.labels().contains(&("pod-security.kubernetes.io/enforce", "restricted")),
            "{}: the namespace enforces the restricted Pod Security Standard",
            rendered.source
        );
        for object in &rendered.objects {
            if object.kind() != "Namespace" {
                assert_eq!(
                    object.yaml["metadata"]["namespace"].as_str(),
                    Some("cardmesh"),
                    "{}: {} is in the namespace cardmesh",
                    rendered.source,
                    object.id()
                );
            }
        }
    }
}

/// A variable that carries a secret, by the gateway's and the kits' names.
fn is_secret_variable(name: &str) -> bool {
    ["SECRET", "TOKEN", "PASSWORD", "API_KEY", "REDIS_URL", "AUTHORIZATION"].iter().any(|part| name.contains(part))
}

#[test]
fn secrets_come_from_secret_objects_never_from_the_manifests() {
    for rendered in every_render() {
        let mut from_secrets = 0;
        for object in &rendered.objects {
            for container in object.containers() {
                let image = container["image"].as_str().unwrap_or_default();
                for env in container["env"].as_vec().into_iter().flatten() {
                    let name = env["name"].as_str().unwrap_or_default();
                    if !is_secret_variable(name) {
                        continue;
                    }
                    assert!(
                        env["value"].is_badvalue(),
                        "{}: {} sets {name} in the manifest's text ({}); take it from a Secret (valueFrom.secretKeyRef)",
                        rendered.source,
                        object.id(),
                        object.origin
                    );
                    assert!(!env["valueFrom"]["secretKeyRef"]["name"].is_badvalue(), "{}: {name}", object.id());
                    from_secrets += usize::from(is_project_image(image));
                }
            }
        }
        assert!(from_secrets >= 8, "{}: {from_secrets} secret variables checked", rendered.source);
    }
    // Production renders no Secret at all: the operator creates them (docs/src/guides/kubernetes.md).
    let production = overlay("production", &scratch());
    assert_eq!(production.of_kind("Secret").count(), 0);
    // The dev overlay's generated values are marked as the published development values.
    let dev = overlay("dev", &scratch());
    let generated = dev.of_kind("Secret").count();
    assert_eq!(generated, 3, "cardmesh-gateway, cardmesh-redis, cardmesh-bridge");
    let kustomization = std::fs::read_to_string(deploy("overlays/dev/kustomization.yaml")).unwrap();
    for line in kustomization.lines().map(str::trim).filter(|l| l.starts_with("- ") && l.contains('=')) {
        assert!(line.contains("do-not-use-in-production"), "a dev value not marked as one: {line}");
    }
}
