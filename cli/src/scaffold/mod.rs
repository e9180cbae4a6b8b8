//! `new-service`: render the templates for one card service and write them into a workspace.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::names;
use crate::template::render;
use crate::workspace;

pub mod python;
pub mod typescript;

/// Shortest TTL Plain accepts, in seconds.
pub const MIN_TTL_SECS: u64 = 15;
/// Longest TTL accepted here: 365 days (Plain accepts up to a year).
pub const MAX_TTL_SECS: u64 = 365 * 24 * 3600;

/// What a card's data depends on (`cardmesh_kit::Scope`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// The customer only; one cached copy is shared across threads.
    #[default]
    Customer,
    /// The customer and the thread the card is shown in.
    Thread,
    /// The customer and the thread's tenant.
    Tenant,
}

impl Scope {
    /// The `cardmesh_kit::Scope` variant.
    fn variant(self) -> &'static str {
        match self {
            Scope::Customer => "Customer",
            Scope::Thread => "Thread",
            Scope::Tenant => "Tenant",
        }
    }
}

/// The language of the scaffolded service (`--lang`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// A crate on the Rust kit (`kits/rust`), added to the workspace.
    #[default]
    Rust,
    /// An npm package on the TypeScript kit (`kits/typescript`); see [`typescript`].
    Typescript,
    /// A package on the Python kit (`kits/python`); see [`python`].
    Python,
}

/// Parses `--ttl`: humantime syntax (`300s`, `15m`, `1h`, `1day`) or plain seconds, whole
/// seconds from 15 s to 365 days.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let ttl = match text.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(text)
            .map_err(|e| format!("{text:?} is not a duration like 300s, 15m or 1h ({e})"))?,
    };
    if ttl.subsec_nanos() != 0 {
        return Err(format!("{text:?}: a TTL is whole seconds"));
    }
    if !(MIN_TTL_SECS..=MAX_TTL_SECS).contains(&ttl.as_secs()) {
        return Err(format!(
            "{text:?}: a TTL must be between {MIN_TTL_SECS}s and 365 days ({MAX_TTL_SECS}s), the range Plain accepts"
        ));
    }
    Ok(ttl)
}

/// A service to scaffold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    /// Short name, e.g. `shipping`: the crate is `shipping-service`.
    pub name: String,
    /// Card keys, in the order `Describe` lists them.
    pub cards: Vec<String>,
    /// Scope of every card.
    pub scope: Scope,
    /// Default TTL of every card.
    pub ttl: Duration,
}

impl ServiceSpec {
    /// Checks the name and the keys: valid, at least one key, no duplicates, and no two
    /// keys that give the same Rust name.
    pub fn check(&self) -> anyhow::Result<()> {
        names::check_service_name(&self.name).map_err(anyhow::Error::msg)?;
        if self.cards.is_empty() {
            bail!("give at least one card key, e.g. --card last-order");
        }
        let mut consts: HashMap<String, &str> = HashMap::new();
        for key in &self.cards {
            names::check_card_key(key).map_err(anyhow::Error::msg)?;
            if let Some(other) = consts.insert(names::key_const(key), key) {
                if other == key.as_str() {
                    bail!("card key {key:?} is given twice");
                }
                bail!(
                    "card keys {other:?} and {key:?} would get the same Rust name {}; pick keys that differ in more than case or separators",
                    names::key_const(key)
                );
            }
        }
        parse_ttl(&format!("{}s", self.ttl.as_secs())).map_err(anyhow::Error::msg)?;
        Ok(())
    }

    /// The crate and binary name: `shipping-service`.
    pub fn crate_name(&self) -> String {
        format!("{}-service", self.name)
    }

    /// The crate's directory, relative to the workspace root: `services/shipping`.
    pub fn dir(&self) -> String {
        format!("services/{}", self.name)
    }
}

/// One file to write, relative to the service's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub path: &'static str,
    pub text: String,
}

/// The templates, embedded at build time: (path in the new crate, template).
const SERVICE_TEMPLATES: [(&str, &str); 8] = [
    ("Cargo.toml", include_str!("../../templates/service/Cargo.toml.tmpl")),
    ("src/lib.rs", include_str!("../../templates/service/src/lib.rs.tmpl")),
    ("src/main.rs", include_str!("../../templates/service/src/main.rs.tmpl")),
    ("tests/grpc.rs", include_str!("../../templates/service/tests/grpc.rs.tmpl")),
    ("compose.snippet.yml", include_str!("../../templates/service/compose.snippet.yml.tmpl")),
    ("kubernetes/deployment.yaml", include_str!("../../templates/service/kubernetes/deployment.yaml.tmpl")),
    ("kubernetes/service.yaml", KUBERNETES_SERVICE),
    ("kubernetes/kustomization.yaml", KUBERNETES_KUSTOMIZATION),
];
/// The Kubernetes Service of a card service, the same for every language (`{{name}}`).
pub(crate) const KUBERNETES_SERVICE: &str = include_str!("../../templates/kubernetes/service.yaml.tmpl");
/// The kustomization listing a card service's two manifests (`{{name}}`).
pub(crate) const KUBERNETES_KUSTOMIZATION: &str = include_str!("../../templates/kubernetes/kustomization.yaml.tmpl");
const CARD_CONST: &str = include_str!("../../templates/card/const.rs.tmpl");
const CARD_SPEC: &str = include_str!("../../templates/card/spec.rs.tmpl");
const CARD_ARM: &str = include_str!("../../templates/card/arm.rs.tmpl");
const CARD_DRAW: &str = include_str!("../../templates/card/draw.rs.tmpl");

/// Renders every file of the service described by `spec` (which must pass
/// [`ServiceSpec::check`]).
pub fn render_service(spec: &ServiceSpec) -> anyhow::Result<Vec<File>> {
    spec.check()?;
    let name = spec.name.as_str();
    let crate_name = spec.crate_name();
    let crate_ident = crate_name.replace('-', "_");
    let pascal = names::pascal_case(name);
    let ttl_secs = spec.ttl.as_secs().to_string();

    let [consts, specs, arms, draws] = card_blocks(
        spec,
        names::key_const,
        names::draw_fn,
        [(CARD_CONST, "\n"), (CARD_SPEC, ""), (CARD_ARM, ""), (CARD_DRAW, "\n")],
    )?;
    let card_list = spec.cards.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(", ");
    let key_strings = spec.cards.iter().map(|key| format!("{key:?}")).collect::<Vec<_>>().join(", ");
    // The example action changes the first card.
    let first_card = names::key_const(&spec.cards[0]);

    let vars = [
        ("first_card", first_card.as_str()),
        ("name", name),
        ("Name", pascal.as_str()),
        ("crate", crate_name.as_str()),
        ("crate_ident", crate_ident.as_str()),
        ("card_list", card_list.as_str()),
        ("key_strings", key_strings.as_str()),
        ("ttl_secs", ttl_secs.as_str()),
        ("Scope", spec.scope.variant()),
        ("card_consts", consts.as_str()),
        ("card_specs", specs.as_str()),
        ("card_arms", arms.as_str()),
        ("card_fns", draws.as_str()),
    ];
    SERVICE_TEMPLATES
        .iter()
        .map(|(path, template)| {
            let text = render(template, &vars).map_err(|e| anyhow::anyhow!("template {path}: {e}"))?;
            Ok(File { path, text })
        })
        .collect()
}

/// The per-card blocks of a language's `card/*` templates, for every language's scaffold:
/// each `(template, separator)` rendered once per card of `spec` (with `key`, `KEY` from
/// `key_const`, `draw` from `draw_fn`, `title` and `name`), the blocks (each ending in a
/// newline) joined by `separator`, without the last newline (the service template supplies
/// it).
pub(crate) fn card_blocks<const N: usize>(
    spec: &ServiceSpec,
    key_const: fn(&str) -> String,
    draw_fn: fn(&str) -> String,
    templates: [(&str, &str); N],
) -> anyhow::Result<[String; N]> {
    let mut blocks: [Vec<String>; N] = std::array::from_fn(|_| Vec::new());
    for key in &spec.cards {
        let (konst, draw, title) = (key_const(key), draw_fn(key), names::title(key));
        let vars = [
            ("key", key.as_str()),
            ("KEY", konst.as_str()),
            ("draw", draw.as_str()),
            ("title", title.as_str()),
            ("name", spec.name.as_str()),
        ];
        for (out, (template, _)) in blocks.iter_mut().zip(&templates) {
            out.push(render(template, &vars).map_err(anyhow::Error::msg)?);
        }
    }
    Ok(std::array::from_fn(|i| {
        let joined = blocks[i].join(templates[i].1);
        joined.strip_suffix('\n').unwrap_or(&joined).to_owned()
    }))
}

/// What [`create`] did.
#[derive(Debug)]
pub struct Created {
    /// The new crate's directory (absolute).
    pub dir: PathBuf,
    /// The files written, relative to `dir`.
    pub files: Vec<&'static str>,
    /// Whether `members` in the workspace's Cargo.toml was changed (false when it already
    /// listed the crate).
    pub member_added: bool,
    /// Whether rustfmt formatted the Rust files in the workspace's style (the templates are
    /// laid out in rustfmt's defaults, which compile all the same).
    pub formatted: bool,
}

/// Writes the service into `root/services/<name>/` and adds it to the workspace members.
///
/// Refuses when the directory exists. Checks everything before writing, and removes the
/// half-written directory when a write fails.
pub fn create(root: &Path, spec: &ServiceSpec) -> anyhow::Result<Created> {
    let files = render_service(spec)?;
    let manifest_path = root.join("Cargo.toml");
    let manifest =
        std::fs::read_to_string(&manifest_path).with_context(|| format!("cannot read {}", manifest_path.display()))?;
    workspace::check_workspace(&manifest).with_context(|| format!("in {}", manifest_path.display()))?;
    let updated =
        workspace::add_member(&manifest, &spec.dir()).with_context(|| format!("in {}", manifest_path.display()))?;

    let dir = root.join(spec.dir());
    if dir.exists() {
        bail!("{} already exists; pick another name or remove it first (nothing was written)", dir.display());
    }
    let parent = dir.parent().context("the service directory has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    // `create_dir` (not `_all`) fails if the directory appeared in the meantime.
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;

    let written = write_files(&dir, files.iter().map(|f| (f.path, f.text.as_str()))).and_then(|()| match &updated {
        Some(text) => {
            std::fs::write(&manifest_path, text).with_context(|| format!("cannot write {}", manifest_path.display()))
        }
        None => Ok(()),
    });
    if let Err(error) = written {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(error);
    }
    let formatted = format_rust(&dir, &files);
    Ok(Created { dir, files: files.iter().map(|file| file.path).collect(), member_added: updated.is_some(), formatted })
}

/// Runs `rustfmt` (edition 2021, the workspace's rustfmt.toml, which it finds above the new
/// crate) over the Rust files, so the crate is in the workspace's one style and
/// `cargo fmt --all --check` stays clean. Best effort: without rustfmt the files stay as
/// rendered, which compiles all the same.
fn format_rust(dir: &Path, files: &[File]) -> bool {
    let paths: Vec<PathBuf> =
        files.iter().filter(|file| file.path.ends_with(".rs")).map(|file| dir.join(file.path)).collect();
    std::process::Command::new(std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into()))
        .args(["--edition", "2021"])
        .args(&paths)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Writes each `(path, text)` below `dir`, creating the folders on the way. Every language's
/// scaffold writes its files through this.
pub(crate) fn write_files<'a>(dir: &Path, files: impl IntoIterator<Item = (&'a str, &'a str)>) -> anyhow::Result<()> {
    for (relative, text) in files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// What to do after scaffolding: test, run, wire into the gateway and docker-compose.
pub fn next_steps(spec: &ServiceSpec, created: &Created, snippet: &str) -> String {
    let name = &spec.name;
    let crate_name = spec.crate_name();
    let dir = spec.dir();
    let cards = spec.cards.join(", ");
    let files: String = created.files.iter().map(|file| format!("  {dir}/{file}\n")).collect();
    let member = if created.member_added {
        format!("Added \"{dir}\" to the workspace members in Cargo.toml.")
    } else {
        format!("Cargo.toml already lists \"{dir}\" as a workspace member.")
    };
    let compose: String =
        snippet.lines().filter(|line| !line.starts_with('#')).map(|line| format!("{line}\n")).collect();
    let kubernetes = kubernetes_step(5, name, &dir, &crate_name);
    format!(
        "Created {dir}/ (crate {crate_name}, cards: {cards}):
{files}{member}

Next steps:

1. Test it. The first build also updates Cargo.lock; commit it with the new crate.
     cargo test -p {crate_name}

2. Replace the example data in {dir}/src/lib.rs with your lookup.
   Guide: docs/src/guides/adding-a-card-service.md

3. Run it next to a local gateway, and add its address to the gateway's CARDMESH_SERVICES:
     CARDMESH_SERVICE_LISTEN=127.0.0.1:50060 cargo run -p {crate_name}
     CARDMESH_SERVICES=<the other services>,http://127.0.0.1:50060
   The gateway learns the cards through Describe. Its code and config do not change.

4. Add it to docker-compose.yml under `services:` (also in {dir}/compose.snippet.yml):

{compose}
   In the gateway's service, append it to CARDMESH_SERVICES and wait for it:
     CARDMESH_SERVICES: http://billing:50051,...,http://{name}:50051
     depends_on:
       {name}:
         condition: service_healthy

   Without a registry, build its image from host binaries first:
     scripts/build-images.sh {crate_name}

{kubernetes}"
    )
}

/// The step that puts a new service on Kubernetes (its manifests are in
/// `<dir>/kubernetes/`); every language's next steps end with it.
pub(crate) fn kubernetes_step(step: u32, name: &str, dir: &str, image: &str) -> String {
    format!(
        "{step}. Deploy it on Kubernetes (docs/src/guides/kubernetes.md). Its Deployment and Service are in
   {dir}/kubernetes/. Add the folder to `resources:` in deploy/kubernetes/base/kustomization.yaml:
     - ../../../{dir}/kubernetes
   append it to CARDMESH_SERVICES in deploy/kubernetes/base/gateway/deployment.yaml:
     value: http://billing:50051,...,http://{name}:50051
   give the overlay its image (`images:` in deploy/kubernetes/overlays/production):
     - name: cardmesh/{image}
       newName: registry.example.com/cardmesh/{image}
   and check the result: scripts/check-kubernetes.sh
"
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn spec(cards: &[&str]) -> ServiceSpec {
        ServiceSpec {
            name: "order-history".into(),
            cards: cards.iter().map(|key| key.to_string()).collect(),
            scope: Scope::Customer,
            ttl: Duration::from_secs(300),
        }
    }

    fn file<'a>(files: &'a [File], path: &str) -> &'a str {
        &files.iter().find(|f| f.path == path).unwrap().text
    }

    #[test]
    fn ttl_syntax_and_range() {
        assert_eq!(parse_ttl("300s"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_ttl("300"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_ttl("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_ttl("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_ttl("365days"), Ok(Duration::from_secs(MAX_TTL_SECS)));
        assert!(parse_ttl("14s").unwrap_err().contains("between 15s"));
        assert!(parse_ttl("366days").unwrap_err().contains("between 15s"));
        assert!(parse_ttl("1500ms").unwrap_err().contains("whole seconds"));
        assert!(parse_ttl("soon").unwrap_err().contains("not a duration"));
    }

    #[test]
    fn renders_every_file_without_leftover_placeholders() {
        let files = render_service(&spec(&["last-order", "returns"])).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path).collect();
        assert_eq!(
            paths,
            [
                "Cargo.toml",
                "src/lib.rs",
                "src/main.rs",
                "tests/grpc.rs",
                "compose.snippet.yml",
                "kubernetes/deployment.yaml",
                "kubernetes/service.yaml",
                "kubernetes/kustomization.yaml"
            ]
        );
        for file in &files {
            for token in
                ["{{name", "{{Name", "{{crate", "{{card", "{{key", "{{KEY", "{{ttl", "{{Scope", "{{draw", "{{title"]
            {
                assert!(!file.text.contains(token), "{} still holds {token}", file.path);
            }
        }
    }

    #[test]
    fn renders_names_cards_ttl_and_scope() {
        let mut spec = spec(&["last-order", "returns"]);
        spec.ttl = Duration::from_secs(600);
        spec.scope = Scope::Thread;
        let files = render_service(&spec).unwrap();

        let cargo = file(&files, "Cargo.toml");
        assert!(cargo.contains("name = \"order-history-service\""), "{cargo}");
        assert!(cargo.contains("cardmesh-kit.workspace = true"), "{cargo}");
        assert!(cargo.contains("reqwest = { workspace = true"), "{cargo}");
        assert!(cargo.contains("serde.workspace = true"), "{cargo}");

        let lib = file(&files, "src/lib.rs");
        assert!(lib.contains("pub struct OrderHistoryCards"), "{lib}");
        assert!(lib.contains("impl CardProvider for OrderHistoryCards"), "{lib}");
        assert!(lib.contains("\"order-history\""), "{lib}");
        assert!(lib.contains("pub const LAST_ORDER: &str = \"last-order\";"), "{lib}");
        assert!(lib.contains("pub const RETURNS: &str = \"returns\";"), "{lib}");
        assert!(lib.contains("CardSpec::new(LAST_ORDER, \"Last order\")"), "{lib}");
        assert!(lib.contains("CardSpec::new(RETURNS, \"Returns\")"), "{lib}");
        assert!(lib.contains("LAST_ORDER => self.draw_last_order(customer).await,"), "{lib}");
        assert!(lib.contains("async fn draw_returns(&self, customer: &str) -> Card"), "{lib}");
        assert!(lib.contains("Duration::from_secs(600)"), "{lib}");
        assert!(lib.contains("pub const SCOPE: Scope = Scope::Thread;"), "{lib}");
        assert!(lib.contains("Card::no_data()"), "{lib}");
        assert!(lib.contains(".with_ttl("), "{lib}");
        // One example action, changing the first card, with its test through the kit's helper.
        assert!(lib.contains("pub const RESYNC: &str = \"resync\";"), "{lib}");
        assert!(lib.contains(".changes([LAST_ORDER])"), "{lib}");
        assert!(lib.contains("RESYNC => self.resync(ctx).await,"), "{lib}");
        assert!(lib.contains("ActionOutcome::refused("), "{lib}");
        assert!(lib.contains("call.run_action(RESYNC,"), "{lib}");

        let main = file(&files, "src/main.rs");
        assert!(main.contains("use order_history_service::OrderHistoryCards;"), "{main}");
        assert!(main.contains("cardmesh_kit::serve(OrderHistoryCards::from_env()?)"), "{main}");

        let test = file(&files, "tests/grpc.rs");
        assert!(test.contains("const KEYS: &[&str] = &[\"last-order\", \"returns\"];"), "{test}");
        assert!(test.contains("CardServiceClient"), "{test}");
        assert!(test.contains("serve_on("), "{test}");

        let snippet = file(&files, "compose.snippet.yml");
        assert!(snippet.contains("\n  order-history:\n"), "{snippet}");
        assert!(snippet.contains("image: cardmesh/order-history-service:local"), "{snippet}");
        assert!(snippet.contains("BIN: order-history-service"), "{snippet}");
        assert!(snippet.contains("target: ${CARDMESH_BUILD_TARGET:-runtime}"), "{snippet}");
        assert!(snippet.contains("CARDMESH_SERVICE_LISTEN: 0.0.0.0:50051"), "{snippet}");
        assert!(snippet.contains("cardmesh-healthcheck"), "{snippet}");
        assert!(snippet.contains("http://order-history:50051"), "{snippet}");

        assert_kubernetes_manifests(
            files.iter().map(|f| (f.path, f.text.as_str())),
            "order-history",
            "order-history-service",
        );
        assert!(file(&files, "kubernetes/deployment.yaml").contains("- name: RUST_LOG"));
    }

    /// The Deployment, Service and kustomization every language's scaffold writes: named
    /// for the service, its image, the hardening and probes of the example services.
    pub(crate) fn assert_kubernetes_manifests<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        name: &str,
        image: &str,
    ) {
        let files: HashMap<&str, &str> = files.into_iter().collect();
        let file = |path: &str| files.get(path).copied().unwrap_or_default();
        let deployment = file("kubernetes/deployment.yaml");
        for line in [
            "kind: Deployment".to_owned(),
            format!("  name: {name}\n"),
            format!("      app.kubernetes.io/name: {name}\n"),
            format!("        - name: {name}\n          image: cardmesh/{image}:local\n"),
            "              value: 0.0.0.0:50051".to_owned(),
            "runAsNonRoot: true".to_owned(),
            "runAsUser: 10001".to_owned(),
            "readOnlyRootFilesystem: true".to_owned(),
            "allowPrivilegeEscalation: false".to_owned(),
            "drop: [ALL]".to_owned(),
            "type: RuntimeDefault".to_owned(),
            "automountServiceAccountToken: false".to_owned(),
            "grpc:\n              port: 50051".to_owned(),
        ] {
            assert!(deployment.contains(&line), "{line:?} missing:\n{deployment}");
        }
        let service = file("kubernetes/service.yaml");
        assert!(service.contains(&format!("kind: Service\nmetadata:\n  name: {name}\n")), "{service}");
        assert!(service.contains("port: 50051"), "{service}");
        let kustomization = file("kubernetes/kustomization.yaml");
        assert!(kustomization.contains("  - deployment.yaml\n  - service.yaml\n"), "{kustomization}");
        assert!(kustomization.contains(&format!("../../../services/{name}/kubernetes")), "{kustomization}");
    }

    #[test]
    fn rejects_bad_specs() {
        let error = |spec: ServiceSpec| format!("{:#}", spec.check().unwrap_err());
        assert!(error(spec(&[])).contains("at least one card key"));
        assert!(error(spec(&["a", "a"])).contains("given twice"));
        assert!(error(spec(&["last-order", "last_order"])).contains("same Rust name LAST_ORDER"));
        assert!(error(spec(&["bad key"])).contains("[a-zA-Z0-9_-]+"));
        let mut bad_name = spec(&["a"]);
        bad_name.name = "Order".into();
        assert!(error(bad_name).contains("lowercase"));
    }

    #[test]
    fn creates_files_and_refuses_to_overwrite() {
        let root = std::env::temp_dir().join(format!("cardmesh-cli-create-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let manifest = "[workspace]\nresolver = \"2\"\nmembers = [\n    \"kits/rust\",\n]\n";
        std::fs::write(root.join("Cargo.toml"), manifest).unwrap();

        let spec = spec(&["last-order"]);
        let created = create(&root, &spec).unwrap();
        assert!(created.member_added);
        assert_eq!(created.dir, root.join("services/order-history"));
        for path in [
            "Cargo.toml",
            "src/lib.rs",
            "src/main.rs",
            "tests/grpc.rs",
            "compose.snippet.yml",
            "kubernetes/deployment.yaml",
            "kubernetes/service.yaml",
            "kubernetes/kustomization.yaml",
        ] {
            assert!(created.dir.join(path).is_file(), "{path}");
        }
        let updated = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert_eq!(
            updated,
            "[workspace]\nresolver = \"2\"\nmembers = [\n    \"kits/rust\",\n    \"services/order-history\",\n]\n"
        );

        let steps =
            next_steps(&spec, &created, &std::fs::read_to_string(created.dir.join("compose.snippet.yml")).unwrap());
        assert!(steps.contains("cargo test -p order-history-service"), "{steps}");
        assert!(steps.contains("CARDMESH_SERVICES"), "{steps}");
        assert!(steps.contains("http://order-history:50051"), "{steps}");
        assert!(steps.contains("condition: service_healthy"), "{steps}");
        assert!(steps.contains("scripts/build-images.sh order-history-service"), "{steps}");
        assert!(steps.contains("     - ../../../services/order-history/kubernetes\n"), "{steps}");
        assert!(steps.contains("http://billing:50051,...,http://order-history:50051"), "{steps}");
        assert!(steps.contains("newName: registry.example.com/cardmesh/order-history-service"), "{steps}");
        assert!(!steps.contains("# "), "comments of the snippet are left out: {steps}");
        assert!(steps.contains("image: cardmesh/order-history-service:local"), "{steps}");

        let again = create(&root, &spec).unwrap_err();
        assert!(again.to_string().contains("already exists"), "{again}");
        assert_eq!(std::fs::read_to_string(root.join("Cargo.toml")).unwrap(), updated);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn writes_nothing_outside_a_workspace() {
        let root = std::env::temp_dir().join(format!("cardmesh-cli-nows-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        let error = create(&root, &spec(&["a"])).unwrap_err();
        assert!(format!("{error:#}").contains("no [workspace] table"), "{error:#}");
        assert!(!root.join("services").exists());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
