//! The Kubernetes manifests of `deploy/kubernetes`, rendered the way they are applied:
//! `kubectl kustomize` (feature `kubernetes` of this crate; no cluster is needed).
//!
//! Each render goes through a small kustomization of its own in a scratch folder that adds
//! kustomize's origin annotations, so every object says which file it came from.

use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use yaml_rust2::Yaml;

/// The annotation kustomize's `buildMetadata: [originAnnotations]` puts on each object.
const ORIGIN: &str = "config.kubernetes.io/origin";

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `deploy/kubernetes/<path>` of the repository.
pub fn deploy(path: &str) -> PathBuf {
    workspace_root().join("deploy/kubernetes").join(path)
}

/// One rendered object.
#[derive(Debug, Clone)]
pub struct Object {
    pub yaml: Yaml,
    /// The file it came from, relative to the repository root when it is inside it
    /// (`deploy/kubernetes/base/gateway/deployment.yaml`), or the generator's kustomization.
    pub origin: String,
}

impl Object {
    pub fn kind(&self) -> &str {
        self.yaml["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.yaml["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `Kind/name`, for messages.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind(), self.name())
    }

    pub fn labels(&self) -> Vec<(&str, &str)> {
        string_pairs(&self.yaml["metadata"]["labels"])
    }

    /// The pod template's spec of a Deployment, StatefulSet, DaemonSet or Job.
    pub fn pod_spec(&self) -> Option<&Yaml> {
        match self.kind() {
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => Some(&self.yaml["spec"]["template"]["spec"]),
            _ => None,
        }
    }

    /// The pod template's labels.
    pub fn pod_labels(&self) -> Vec<(&str, &str)> {
        string_pairs(&self.yaml["spec"]["template"]["metadata"]["labels"])
    }

    /// The containers and init containers of the pod template.
    pub fn containers(&self) -> Vec<&Yaml> {
        let Some(spec) = self.pod_spec() else { return Vec::new() };
        ["initContainers", "containers"].iter().filter_map(|field| spec[*field].as_vec()).flatten().collect()
    }
}

/// The string-to-string pairs of a YAML mapping (labels, `matchLabels`).
pub fn string_pairs(map: &Yaml) -> Vec<(&str, &str)> {
    map.as_hash()
        .map(|hash| hash.iter().filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?))).collect())
        .unwrap_or_default()
}

/// What `kubectl kustomize` made of a kustomization.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// What was rendered, for messages: the folder relative to the repository root.
    pub source: String,
    pub objects: Vec<Object>,
}

impl Rendered {
    /// Objects of one kind.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects.iter().filter(move |o| o.kind() == kind)
    }

    /// The object of `kind` called `name`; fails the test when there is none.
    pub fn get(&self, kind: &str, name: &str) -> &Object {
        self.objects
            .iter()
            .find(|o| o.kind() == kind && o.name() == name)
            .unwrap_or_else(|| panic!("{}: no {kind}/{name} among the rendered objects", self.source))
    }

    /// The object of `kind` called `name`, if rendered.
    pub fn find(&self, kind: &str, name: &str) -> Option<&Object> {
        self.objects.iter().find(|o| o.kind() == kind && o.name() == name)
    }
}

/// Renders the kustomization in `dir` (plus `components`, folders of kustomize components,
/// as if `dir`'s kustomization listed them: in its namespace), through a kustomization of
/// its own in `scratch` (a folder this call may write to, outside `dir`).
pub fn render(dir: &Path, components: &[PathBuf], scratch: &Path) -> Rendered {
    crate::require::kubectl();
    let root = workspace_root();
    let source = relative_to(&root, dir).to_string_lossy().into_owned();
    // One folder per call: tests render the same overlays at the same time.
    static RENDERS: AtomicUsize = AtomicUsize::new(0);
    let call = RENDERS.fetch_add(1, Ordering::Relaxed);
    let wrapper = scratch.join(format!("kustomize-{call}-{}", source.replace(['/', '.'], "_")));
    std::fs::create_dir_all(&wrapper).unwrap_or_else(|e| panic!("create {}: {e}", wrapper.display()));
    let list = |paths: &[PathBuf]| -> String {
        paths.iter().map(|p| format!("  - {}\n", relative_to(&wrapper, p).display())).collect()
    };
    let mut kustomization = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nbuildMetadata: [originAnnotations]\n\
         resources:\n{}",
        list(&[dir.to_path_buf()])
    );
    if !components.is_empty() {
        kustomization.push_str(&format!("components:\n{}", list(components)));
        let own = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap_or_default();
        if let Some(namespace) = own.lines().find_map(|line| line.strip_prefix("namespace: ")) {
            kustomization.push_str(&format!("namespace: {namespace}\n"));
        }
    }
    std::fs::write(wrapper.join("kustomization.yaml"), kustomization).expect("write the wrapper kustomization");

    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(&wrapper)
        .output()
        .unwrap_or_else(|e| panic!("cannot run kubectl kustomize: {e}"));
    assert!(output.status.success(), "kubectl kustomize {source} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).expect("kubectl prints UTF-8");
    let documents = yaml_rust2::YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("kubectl kustomize {source} printed YAML that does not parse: {e}"));
    let objects = documents
        .into_iter()
        .filter(|doc| !doc.is_null() && !doc.is_badvalue())
        .map(|yaml| {
            let origin = origin_of(&yaml, &wrapper, &root);
            Object { yaml, origin }
        })
        .collect();
    Rendered { source, objects }
}

/// Renders `deploy/kubernetes/overlays/<name>`.
pub fn overlay(name: &str, scratch: &Path) -> Rendered {
    render(&deploy(&format!("overlays/{name}")), &[], scratch)
}

/// Every way the manifests are applied: both overlays, and production with the monitoring
/// component.
pub fn every_render(scratch: &Path) -> Vec<Rendered> {
    vec![
        overlay("dev", scratch),
        overlay("production", scratch),
        render(&deploy("overlays/production"), &[deploy("components/monitoring")], scratch),
    ]
}

/// The file an object came from, from its origin annotation (`path:` or `configuredIn:`).
fn origin_of(yaml: &Yaml, wrapper: &Path, root: &Path) -> String {
    let annotation = yaml["metadata"]["annotations"][ORIGIN].as_str().unwrap_or_default();
    let path = annotation
        .lines()
        .find_map(|line| line.strip_prefix("path: ").or_else(|| line.strip_prefix("configuredIn: ")))
        .unwrap_or("(unknown file)");
    let resolved = normalize(&wrapper.join(path));
    resolved.strip_prefix(root).map(Path::to_path_buf).unwrap_or(resolved).to_string_lossy().into_owned()
}

/// `to` relative to the folder `from` (both absolute), with `..` where needed: kustomize
/// refuses absolute paths.
pub fn relative_to(from: &Path, to: &Path) -> PathBuf {
    let (from, to) = (normalize(from), normalize(to));
    let common = from.components().zip(to.components()).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in from.components().skip(common) {
        relative.push("..");
    }
    for part in to.components().skip(common) {
        relative.push(part);
    }
    relative
}

/// `path` without `.` and `..` components (lexically; no symlinks are followed).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The image's name without registry, folders, tag or digest:
/// `registry.example.com/cardmesh/billing-service:0.1.0` → `billing-service`.
pub fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split(':').next().unwrap_or(last)
}

/// Whether the image is one of this project's (`cardmesh/<name>` in any registry).
pub fn is_project_image(image: &str) -> bool {
    let without_tag = image.split(['@']).next().unwrap_or(image);
    let mut parts = without_tag.rsplit('/');
    let _name = parts.next();
    parts.next() == Some("cardmesh")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        assert_eq!(image_name("cardmesh/cardmesh-gateway:local"), "cardmesh-gateway");
        assert_eq!(image_name("registry.example.com:5000/cardmesh/billing-service:0.1.0"), "billing-service");
        assert_eq!(image_name("cardmesh/usage-service@sha256:abc"), "usage-service");
        assert_eq!(image_name("redis:7"), "redis");
        assert!(is_project_image("registry.example.com/cardmesh/billing-service:1"));
        assert!(!is_project_image("redis:7"));
        assert!(!is_project_image("docker.io/library/redis:7"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_to(Path::new("/a/b/c"), Path::new("/a/d")), PathBuf::from("../../d"));
        assert_eq!(relative_to(Path::new("/a/b"), Path::new("/a/b/c")), PathBuf::from("c"));
    }
}
