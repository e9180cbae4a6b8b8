//! `new-service --lang typescript`: a TypeScript card service on the TypeScript kit
//! (`kits/typescript`), rendered from `templates/typescript/`. It is an npm package in
//! `services/<name>/`, not a workspace member, so the workspace's Cargo.toml is left alone.
//! Its image is built by `scripts/build-node-images.sh <name>`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::{File, Scope, ServiceSpec};
use crate::names;
use crate::template::render;

/// The templates: (path in the new service, template).
const TEMPLATES: [(&str, &str); 10] = [
    ("package.json", include_str!("../../../templates/typescript/package.json.tmpl")),
    ("tsconfig.json", include_str!("../../../templates/typescript/tsconfig.json.tmpl")),
    (".gitignore", include_str!("../../../templates/typescript/gitignore.tmpl")),
    ("src/cards.ts", include_str!("../../../templates/typescript/src/cards.ts.tmpl")),
    ("src/main.ts", include_str!("../../../templates/typescript/src/main.ts.tmpl")),
    ("test/grpc.test.ts", include_str!("../../../templates/typescript/test/grpc.test.ts.tmpl")),
    ("compose.snippet.yml", include_str!("../../../templates/typescript/compose.snippet.yml.tmpl")),
    ("kubernetes/deployment.yaml", include_str!("../../../templates/typescript/kubernetes/deployment.yaml.tmpl")),
    ("kubernetes/service.yaml", super::KUBERNETES_SERVICE),
    ("kubernetes/kustomization.yaml", super::KUBERNETES_KUSTOMIZATION),
];
const CARD_CONST: &str = include_str!("../../../templates/typescript/card/const.ts.tmpl");
const CARD_SPEC: &str = include_str!("../../../templates/typescript/card/spec.ts.tmpl");
const CARD_CASE: &str = include_str!("../../../templates/typescript/card/case.ts.tmpl");
const CARD_DRAW: &str = include_str!("../../../templates/typescript/card/draw.ts.tmpl");

/// Names the generated `cards.ts` defines itself (the example action's among them); a card
/// constant never takes one.
const RESERVED: [&str; 3] = ["DEFAULT_TTL_SECONDS", "SCOPE", "RESYNC"];

/// The npm package (and image) name: `shipping` → `shipping-service`.
pub fn package_name(spec: &ServiceSpec) -> String {
    spec.crate_name()
}

/// The constant holding a card key: `last-order` → `LAST_ORDER`.
pub fn key_const(key: &str) -> String {
    let name = names::key_const(key);
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_CARD")
    } else {
        name
    }
}

/// The function drawing a card: `last-order` → `drawLastOrder`.
pub fn draw_fn(key: &str) -> String {
    format!("draw{}", names::pascal_case(key))
}

/// `order-history` → `orderHistory` (the provider is `orderHistoryCards`).
fn camel_case(name: &str) -> String {
    let pascal = names::pascal_case(name);
    let mut chars = pascal.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Customer => "customer",
        Scope::Thread => "thread",
        Scope::Tenant => "tenant",
    }
}

/// Renders every file of the TypeScript service described by `spec`.
pub fn render_service(spec: &ServiceSpec) -> anyhow::Result<Vec<File>> {
    spec.check()?;
    let name = spec.name.as_str();
    let package = package_name(spec);
    let camel = camel_case(name);
    let ttl_secs = spec.ttl.as_secs().to_string();
    let [consts, specs, cases, draws] = super::card_blocks(
        spec,
        key_const,
        draw_fn,
        [(CARD_CONST, "\n"), (CARD_SPEC, ""), (CARD_CASE, ""), (CARD_DRAW, "\n")],
    )?;
    let card_list = spec.cards.join(", ");
    let key_strings = spec.cards.iter().map(|key| format!("{key:?}")).collect::<Vec<_>>().join(", ");
    // The example action changes the first card.
    let first_card = key_const(&spec.cards[0]);
    let vars = [
        ("first_card", first_card.as_str()),
        ("name", name),
        ("package", package.as_str()),
        ("camel", camel.as_str()),
        ("card_list", card_list.as_str()),
        ("key_strings", key_strings.as_str()),
        ("ttl_secs", ttl_secs.as_str()),
        ("scope", scope_name(spec.scope)),
        ("card_consts", consts.as_str()),
        ("card_specs", specs.as_str()),
        ("card_cases", cases.as_str()),
        ("card_fns", draws.as_str()),
    ];
    TEMPLATES
        .iter()
        .map(|(path, template)| {
            let text = render(template, &vars).map_err(|e| anyhow::anyhow!("template {path}: {e}"))?;
            Ok(File { path, text })
        })
        .collect()
}

/// What [`create`] wrote.
#[derive(Debug)]
pub struct Created {
    /// The new service's directory (absolute).
    pub dir: PathBuf,
    /// The files written, relative to `dir`.
    pub files: Vec<&'static str>,
}

/// Writes the service into `root/services/<name>/`. Refuses when the directory exists, or
/// when `root` has no `kits/typescript` (the package depends on it by path). Removes the
/// half-written directory when a write fails.
pub fn create(root: &Path, spec: &ServiceSpec) -> anyhow::Result<Created> {
    let files = render_service(spec)?;
    let kit = root.join("kits/typescript/package.json");
    if !kit.is_file() {
        bail!(
            "{} is missing: a TypeScript service depends on the kit in kits/typescript (is --dir the repository root?)",
            kit.display()
        );
    }
    let dir = root.join(spec.dir());
    if dir.exists() {
        bail!("{} already exists; pick another name or remove it first (nothing was written)", dir.display());
    }
    std::fs::create_dir_all(root.join("services"))
        .with_context(|| format!("cannot create {}", root.join("services").display()))?;
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let written = super::write_files(&dir, files.iter().map(|f| (f.path, f.text.as_str())));
    if let Err(error) = written {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(error);
    }
    Ok(Created { dir, files: files.iter().map(|file| file.path).collect() })
}

/// What to do after scaffolding: the exact commands to test it, run it, and wire it in.
pub fn next_steps(spec: &ServiceSpec, created: &Created, snippet: &str) -> String {
    let name = &spec.name;
    let package = package_name(spec);
    let dir = spec.dir();
    let cards = spec.cards.join(", ");
    let files: String = created.files.iter().map(|file| format!("  {dir}/{file}\n")).collect();
    let compose: String =
        snippet.lines().filter(|line| !line.starts_with('#')).map(|line| format!("{line}\n")).collect();
    let kubernetes = super::kubernetes_step(5, name, &dir, &package);
    format!(
        "Created {dir}/ (TypeScript package {package}, cards: {cards}):
{files}
Next steps:

1. Test it. Install the kit once, then the service (the first install writes
   {dir}/package-lock.json; commit it with the service):
     (cd kits/typescript && npm ci)
     (cd {dir} && npm install && npm test)

2. Replace the example data in {dir}/src/cards.ts with your lookup.
   Guide: docs/src/guides/adding-a-card-service.md (TypeScript)

3. Run it next to a local gateway, and add its address to the gateway's CARDMESH_SERVICES:
     (cd {dir} && npm run build && CARDMESH_SERVICE_LISTEN=127.0.0.1:50060 npm start)
     CARDMESH_SERVICES=<the other services>,http://127.0.0.1:50060
   The gateway learns the cards through Describe. Its code and config do not change.

4. Add it to docker-compose.yml under `services:` (also in {dir}/compose.snippet.yml):

{compose}
   In the gateway's service, append it to CARDMESH_SERVICES and wait for it:
     CARDMESH_SERVICES: http://billing:50051,...,http://{name}:50051
     depends_on:
       {name}:
         condition: service_healthy

   Build its image on the host (npm is not needed inside containers):
     scripts/build-node-images.sh {name}

{kubernetes}"
    )
}

#[cfg(test)]
mod tests;
