//! Rust card services: workspace crates with a binary that depends on cardmesh-kit, built with
//! `cargo build --workspace --bins` (the build `cargo xtask dev` does, so both share one set of
//! artifacts) and run from cargo's target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

fn manifest(dir: &Path) -> Option<toml::Table> {
    std::fs::read_to_string(dir.join("Cargo.toml")).ok()?.parse().ok()
}

/// The workspace members under `services/`, by folder name, in the order of `members` in the
/// root Cargo.toml.
pub fn members(root: &Path) -> anyhow::Result<Vec<String>> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let table: toml::Table = text.parse().with_context(|| format!("{} is not TOML", path.display()))?;
    let members = table.get("workspace").and_then(|w| w.get("members")).and_then(|m| m.as_array());
    Ok(members
        .into_iter()
        .flatten()
        .filter_map(|member| member.as_str()?.strip_prefix("services/"))
        .filter(|name| !name.contains('/'))
        .map(str::to_owned)
        .collect())
}

/// The service's binary: the `[[bin]]` named as the package, else its only `[[bin]]`, else the
/// package's name when `src/main.rs` exists.
pub fn binary(dir: &Path) -> Option<String> {
    let manifest = manifest(dir)?;
    let package = manifest.get("package")?.get("name")?.as_str()?.to_owned();
    let bins: Vec<&str> = manifest
        .get("bin")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
        .filter_map(|bin| bin.get("name")?.as_str())
        .collect();
    if bins.contains(&package.as_str()) {
        Some(package)
    } else if bins.len() == 1 {
        Some(bins[0].to_owned())
    } else if bins.is_empty() && dir.join("src/main.rs").is_file() {
        Some(package)
    } else {
        None
    }
}

/// A binary that depends on cardmesh-kit (not the kit itself, not the CLI).
pub fn is_card_service(dir: &Path) -> bool {
    binary(dir).is_some()
        && manifest(dir).is_some_and(|m| m.get("dependencies").and_then(|d| d.get("cardmesh-kit")).is_some())
}

fn check_member(root: &Path, dir: &Path, name: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        members(root)?.iter().any(|member| member == name),
        "services/{name} is not a workspace member: add \"services/{name}\" to members in Cargo.toml"
    );
    binary(dir).with_context(|| format!("services/{name}/Cargo.toml has no binary ([[bin]] or src/main.rs)"))
}

pub fn build(root: &Path, dir: &Path, name: &str) -> anyhow::Result<()> {
    check_member(root, dir, name)?;
    eprintln!("xtask run-service: cargo build --workspace --bins");
    let mut cargo = crate::process::cargo(root);
    // Everything but the service's own output goes to stderr.
    cargo.args(["build", "--workspace", "--bins"]).stdout(std::io::stderr());
    crate::process::run(&mut cargo)
}

/// The command that runs the service's binary from cargo's target directory.
pub fn command(root: &Path, dir: &Path, name: &str) -> anyhow::Result<Command> {
    let binary = check_member(root, dir, name)?;
    let path = target_dir(root)?.join("debug").join(&binary);
    anyhow::ensure!(path.is_file(), "{} is missing; run without --no-build", path.display());
    Ok(Command::new(path))
}

/// Cargo's target directory: CARGO_TARGET_DIR, `build.target-dir` of a config file, or
/// `<root>/target` (symlinked or not), as `cargo metadata` says.
pub fn target_dir(root: &Path) -> anyhow::Result<PathBuf> {
    let mut cargo = crate::process::cargo(root);
    cargo.args(["metadata", "--format-version", "1", "--no-deps"]);
    let out = crate::process::stdout(&mut cargo)?;
    let metadata: serde_json::Value = serde_json::from_str(&out).context("cargo metadata printed no JSON")?;
    let dir = metadata["target_directory"].as_str().context("cargo metadata did not name the target directory")?;
    Ok(PathBuf::from(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_in(name: &str, manifest: &str, main: bool) -> PathBuf {
        let dir = crate::service::kind::tests::tempdir(name);
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        if main {
            std::fs::create_dir_all(dir.join("src")).unwrap();
            std::fs::write(dir.join("src/main.rs"), "fn main() {}").unwrap();
        }
        dir
    }

    #[test]
    fn the_binary_is_the_packages_namesake_else_the_only_one_else_src_main() {
        let two = "[package]\nname = \"bridge\"\n[[bin]]\nname = \"other\"\n[[bin]]\nname = \"bridge\"\n";
        assert_eq!(binary(&crate_in("bin-two", two, false)).as_deref(), Some("bridge"));
        let one = "[package]\nname = \"billing\"\n[[bin]]\nname = \"billing-service\"\n";
        assert_eq!(binary(&crate_in("bin-one", one, false)).as_deref(), Some("billing-service"));
        let main = "[package]\nname = \"probe\"\n";
        assert_eq!(binary(&crate_in("bin-main", main, true)).as_deref(), Some("probe"));
        assert_eq!(binary(&crate_in("bin-lib", main, false)), None);
    }

    #[test]
    fn a_card_service_is_a_binary_on_the_kit() {
        let kit = "[package]\nname = \"probe\"\n[dependencies]\ncardmesh-kit.workspace = true\n";
        assert!(is_card_service(&crate_in("card-kit", kit, true)));
        let dev_only = "[package]\nname = \"probe\"\n[dev-dependencies]\ncardmesh-kit = { path = \"k\" }\n";
        assert!(!is_card_service(&crate_in("card-dev", dev_only, true)));
        assert!(!is_card_service(&crate_in("card-lib", kit, false)));
    }
}
