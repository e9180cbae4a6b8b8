//! Which connections the rendered NetworkPolicies allow: the ingress rules of
//! `networking.k8s.io/v1` as a cluster's network plugin applies them, for the tests of
//! `deploy/kubernetes` (no cluster can run here, so the policies are evaluated instead).
//!
//! Covered: pod isolation by `policyTypes: [Ingress]` (or `ingress` rules), `from` peers
//! with `podSelector` and/or `namespaceSelector` (`matchLabels` and `matchExpressions`),
//! `ports` by number or by the destination container's port name, TCP. Peers by `ipBlock`
//! stand for addresses outside the cluster and match no pod. Egress is not evaluated
//! (the manifests restrict none).

use crate::kubernetes::{string_pairs, Object, Rendered, Yaml};

/// A pod that opens a connection: its namespace (and that namespace's labels) and labels.
#[derive(Debug, Clone)]
pub struct Pod {
    pub namespace: String,
    pub namespace_labels: Vec<(String, String)>,
    pub labels: Vec<(String, String)>,
    /// Named container ports, for a pod that is connected to.
    pub ports: Vec<(String, i64)>,
}

impl Pod {
    /// A pod in `namespace` (with the label Kubernetes gives every namespace) and `labels`.
    pub fn new(namespace: &str, labels: &[(&str, &str)]) -> Self {
        Self {
            namespace: namespace.to_owned(),
            namespace_labels: vec![("kubernetes.io/metadata.name".to_owned(), namespace.to_owned())],
            labels: labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ports: Vec::new(),
        }
    }

    /// The pods of the workload `object` (a Deployment, …) of `rendered`, with the labels
    /// of its namespace when the overlay renders the Namespace.
    pub fn of(rendered: &Rendered, object: &Object) -> Self {
        let namespace = object.yaml["metadata"]["namespace"].as_str().unwrap_or("default").to_owned();
        let mut namespace_labels = vec![("kubernetes.io/metadata.name".to_owned(), namespace.clone())];
        if let Some(ns) = rendered.find("Namespace", &namespace) {
            namespace_labels.extend(ns.labels().into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
        }
        let ports = object
            .containers()
            .into_iter()
            .flat_map(|c| c["ports"].as_vec().into_iter().flatten())
            .filter_map(|p| Some((p["name"].as_str()?.to_owned(), p["containerPort"].as_i64()?)))
            .collect();
        Self {
            namespace,
            namespace_labels,
            labels: object.pod_labels().into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            ports,
        }
    }

    fn label(&self, key: &str) -> Option<&str> {
        find(&self.labels, key)
    }
}

fn find<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Whether `selector` (a `LabelSelector`; `{}` selects everything) matches `labels`.
pub fn selects(selector: &Yaml, labels: &[(String, String)]) -> bool {
    let by_label = string_pairs(&selector["matchLabels"]).iter().all(|(k, v)| find(labels, k) == Some(*v));
    let by_expression = selector["matchExpressions"].as_vec().into_iter().flatten().all(|expression| {
        let key = expression["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = expression["values"].as_vec().into_iter().flatten().filter_map(Yaml::as_str).collect();
        let value = find(labels, key);
        match expression["operator"].as_str() {
            Some("In") => value.is_some_and(|v| values.contains(&v)),
            Some("NotIn") => value.is_none_or(|v| !values.contains(&v)),
            Some("Exists") => value.is_some(),
            Some("DoesNotExist") => value.is_none(),
            other => panic!("unknown selector operator {other:?}"),
        }
    });
    by_label && by_expression
}

/// Whether a connection from `from` to port `port` (TCP) of `to` is allowed by the
/// NetworkPolicies of `rendered`, and which policy allows it (`None`: no policy isolates
/// `to`, so everything may connect).
pub fn allows(rendered: &Rendered, from: &Pod, to: &Pod, port: i64) -> Result<Option<String>, String> {
    let policies: Vec<&Object> = rendered
        .of_kind("NetworkPolicy")
        .filter(|p| p.yaml["metadata"]["namespace"].as_str().unwrap_or("default") == to.namespace)
        .filter(|p| selects(&p.yaml["spec"]["podSelector"], &to.labels))
        .filter(|p| isolates_ingress(&p.yaml["spec"]))
        .collect();
    if policies.is_empty() {
        return Ok(None);
    }
    for policy in &policies {
        let rules = policy.yaml["spec"]["ingress"].as_vec().cloned().unwrap_or_default();
        for rule in &rules {
            if peer_matches(&rule["from"], policy, from) && port_matches(&rule["ports"], to, port) {
                return Ok(Some(policy.name().to_owned()));
            }
        }
    }
    let names: Vec<&str> = policies.iter().map(|p| p.name()).collect();
    Err(format!("isolated by {}", names.join(", ")))
}

fn isolates_ingress(spec: &Yaml) -> bool {
    match spec["policyTypes"].as_vec() {
        Some(types) => types.iter().any(|t| t.as_str() == Some("Ingress")),
        None => true, // without policyTypes, every policy isolates ingress
    }
}

fn peer_matches(from: &Yaml, policy: &Object, pod: &Pod) -> bool {
    let Some(peers) = from.as_vec() else { return true }; // no `from`: any source
    if peers.is_empty() {
        return true;
    }
    let policy_namespace = policy.yaml["metadata"]["namespace"].as_str().unwrap_or("default");
    peers.iter().any(|peer| {
        let (pods, namespaces) = (&peer["podSelector"], &peer["namespaceSelector"]);
        match (pods.is_badvalue(), namespaces.is_badvalue()) {
            (false, true) => pod.namespace == policy_namespace && selects(pods, &pod.labels),
            (true, false) => selects(namespaces, &pod.namespace_labels),
            (false, false) => selects(namespaces, &pod.namespace_labels) && selects(pods, &pod.labels),
            (true, true) => false, // ipBlock: outside the cluster
        }
    })
}

fn port_matches(ports: &Yaml, to: &Pod, port: i64) -> bool {
    let Some(ports) = ports.as_vec() else { return true }; // no `ports`: every port
    ports.is_empty()
        || ports.iter().any(|p| {
            let tcp = p["protocol"].as_str().unwrap_or("TCP") == "TCP";
            let same = match (&p["port"], p["port"].as_str()) {
                (_, Some(name)) => to.ports.iter().any(|(n, number)| n == name && *number == port),
                (Yaml::Integer(number), None) => *number == port,
                _ => true, // no port: every port
            };
            tcp && same
        })
}

/// The pods of the Deployment `name` in `rendered`.
pub fn deployment(rendered: &Rendered, name: &str) -> Pod {
    Pod::of(rendered, rendered.get("Deployment", name))
}

/// `pod`'s `app.kubernetes.io/name`, for messages.
pub fn describe(pod: &Pod) -> String {
    format!("{}/{}", pod.namespace, pod.label("app.kubernetes.io/name").unwrap_or("(unnamed pod)"))
}
