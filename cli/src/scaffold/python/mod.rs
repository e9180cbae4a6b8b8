//! `new-service --lang python`: a Python card service on the Python kit (`kits/python`),
//! rendered from `templates/python/`. It is a folder with a `pyproject.toml`, not a workspace
//! member, so the workspace's Cargo.toml is left alone.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::{Scope, ServiceSpec};
use crate::names;
use crate::template::render;

/// The templates: (path in the new service, with `{{package}}` for the package folder;
/// template).
const TEMPLATES: [(&str, &str); 10] = [
    ("pyproject.toml", include_str!("../../../templates/python/pyproject.toml.tmpl")),
    (".gitignore", include_str!("../../../templates/python/gitignore.tmpl")),
    ("{{package}}/__init__.py", include_str!("../../../templates/python/package/__init__.py.tmpl")),
    ("{{package}}/__main__.py", include_str!("../../../templates/python/package/__main__.py.tmpl")),
    ("{{package}}/cards.py", include_str!("../../../templates/python/package/cards.py.tmpl")),
    ("tests/test_grpc.py", include_str!("../../../templates/python/tests/test_grpc.py.tmpl")),
    ("compose.snippet.yml", include_str!("../../../templates/python/compose.snippet.yml.tmpl")),
    ("kubernetes/deployment.yaml", include_str!("../../../templates/python/kubernetes/deployment.yaml.tmpl")),
    ("kubernetes/service.yaml", super::KUBERNETES_SERVICE),
    ("kubernetes/kustomization.yaml", super::KUBERNETES_KUSTOMIZATION),
];
const CARD_CONST: &str = include_str!("../../../templates/python/card/const.py.tmpl");
const CARD_SPEC: &str = include_str!("../../../templates/python/card/spec.py.tmpl");
const CARD_ARM: &str = include_str!("../../../templates/python/card/arm.py.tmpl");
const CARD_DRAW: &str = include_str!("../../../templates/python/card/draw.py.tmpl");

/// One rendered file, relative to the service's folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PythonFile {
    pub path: String,
    pub text: String,
}

/// The Python package of a service: `order-history` → `order_history_service`.
pub fn package_name(spec: &ServiceSpec) -> String {
    format!("{}_service", names::snake_case(&spec.name))
}

fn scope_member(scope: Scope) -> &'static str {
    match scope {
        Scope::Customer => "CUSTOMER",
        Scope::Thread => "THREAD",
        Scope::Tenant => "TENANT",
    }
}

/// Renders every file of the Python service described by `spec`.
pub fn render_service(spec: &ServiceSpec) -> anyhow::Result<Vec<PythonFile>> {
    spec.check()?;
    let name = spec.name.as_str();
    let package = package_name(spec);
    let pascal = names::pascal_case(name);
    let ttl_secs = spec.ttl.as_secs().to_string();
    let [consts, specs, arms, draws] = super::card_blocks(
        spec,
        names::key_const,
        names::draw_fn,
        [(CARD_CONST, "\n"), (CARD_SPEC, ""), (CARD_ARM, ""), (CARD_DRAW, "")],
    )?;
    let card_list = spec.cards.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(", ");
    let key_strings = spec.cards.iter().map(|key| format!("{key:?}")).collect::<Vec<_>>().join(", ");
    // The example action changes the first card.
    let first_card = names::key_const(&spec.cards[0]);
    let vars = [
        ("first_card", first_card.as_str()),
        ("name", name),
        ("Name", pascal.as_str()),
        ("package", package.as_str()),
        ("card_list", card_list.as_str()),
        ("key_strings", key_strings.as_str()),
        ("ttl_secs", ttl_secs.as_str()),
        ("SCOPE", scope_member(spec.scope)),
        ("card_consts", consts.as_str()),
        ("card_specs", specs.as_str()),
        ("card_arms", arms.as_str()),
        ("card_fns", draws.as_str()),
    ];
    TEMPLATES
        .iter()
        .map(|(path, template)| {
            let path = path.replace("{{package}}", &package);
            let text = render(template, &vars).map_err(|e| anyhow::anyhow!("template {path}: {e}"))?;
            Ok(PythonFile { path, text })
        })
        .collect()
}

/// What [`create`] wrote.
#[derive(Debug)]
pub struct PythonCreated {
    /// The service's folder (absolute).
    pub dir: PathBuf,
    /// The files written, relative to `dir`.
    pub files: Vec<String>,
}

/// Writes the Python service into `root/services/<name>/`. Refuses when the folder exists
/// or `root` has no `kits/python` (the kit the service runs on); removes the half-written
/// folder when a write fails.
pub fn create(root: &Path, spec: &ServiceSpec) -> anyhow::Result<PythonCreated> {
    let files = render_service(spec)?;
    if !root.join("kits/python/pyproject.toml").is_file() {
        bail!("{} has no kits/python/pyproject.toml: a Python service needs the cardmesh Python kit", root.display());
    }
    let dir = root.join(spec.dir());
    if dir.exists() {
        bail!("{} already exists; pick another name or remove it first (nothing was written)", dir.display());
    }
    std::fs::create_dir_all(root.join("services")).context("cannot create services/")?;
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let written = super::write_files(&dir, files.iter().map(|f| (f.path.as_str(), f.text.as_str())));
    if let Err(error) = written {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(error);
    }
    Ok(PythonCreated { dir, files: files.into_iter().map(|file| file.path).collect() })
}

/// What to do after scaffolding a Python service: the exact commands to test and run it.
pub fn next_steps(spec: &ServiceSpec, created: &PythonCreated, snippet: &str) -> String {
    let name = &spec.name;
    let dir = spec.dir();
    let package = package_name(spec);
    let cards = spec.cards.join(", ");
    let files: String = created.files.iter().map(|file| format!("  {dir}/{file}\n")).collect();
    let compose: String =
        snippet.lines().filter(|line| !line.starts_with('#')).map(|line| format!("{line}\n")).collect();
    let kubernetes = super::kubernetes_step(5, name, &dir, &format!("{name}-service"));
    format!(
        "Created {dir}/ (Python package {package}, cards: {cards}):
{files}
Next steps:

1. Test it (the first run creates kits/python/.venv from the pinned lock files; the tests
   start target/debug/cardmesh-gateway, built with `cargo build -p cardmesh-gateway`):
     cd {dir} && \"$(../../kits/python/venv.sh)/bin/python\" -m pytest
   kits/python/run-tests.sh runs it too, with ruff, together with every Python service.

2. Replace the example data in {dir}/{package}/cards.py with your lookup.
   Guide: docs/src/guides/adding-a-card-service.md

3. Run it next to a local gateway, and add its address to the gateway's CARDMESH_SERVICES:
     CARDMESH_SERVICE_LISTEN=127.0.0.1:50060 cargo xtask run-service {name}
     CARDMESH_SERVICES=<the other services>,http://127.0.0.1:50060
   The gateway learns the cards through Describe. Its code and config do not change.

4. Add it to docker-compose.yml under `services:` (also in {dir}/compose.snippet.yml):

{compose}
   In the gateway's service, append it to CARDMESH_SERVICES and wait for it:
     CARDMESH_SERVICES: http://billing:50051,...,http://{name}:50051
     depends_on:
       {name}:
         condition: service_healthy

   Build its image offline first:
     scripts/build-python-images.sh {name}

{kubernetes}"
    )
}

#[cfg(test)]
mod tests;
