//! What a card service is: its kind, from the manifest in its folder, and the list of card
//! services under `services/`.

use std::path::Path;

use anyhow::Context;

/// The language of a card service, from the manifest in its folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Cargo.toml`: a workspace crate with a binary that uses cardmesh-kit.
    Rust,
    /// `package.json`: a TypeScript service on `@cardmesh/kit`.
    Node,
    /// `pyproject.toml`: a Python package on cardmesh-kit, run as `python -m <package>`.
    Python,
}

impl Kind {
    /// The name `--list KIND` and `--kind` use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rust => "rust",
            Kind::Node => "node",
            Kind::Python => "python",
        }
    }

    pub fn parse(name: &str) -> anyhow::Result<Kind> {
        [Kind::Rust, Kind::Node, Kind::Python]
            .into_iter()
            .find(|kind| kind.name() == name)
            .with_context(|| format!("no kind {name:?}: the kinds are rust, node and python"))
    }

    /// The kind of the service in `dir`: Cargo.toml, else package.json, else pyproject.toml.
    pub fn of(dir: &Path) -> Option<Kind> {
        if dir.join("Cargo.toml").is_file() {
            Some(Kind::Rust)
        } else if dir.join("package.json").is_file() {
            Some(Kind::Node)
        } else if dir.join("pyproject.toml").is_file() {
            Some(Kind::Python)
        } else {
            None
        }
    }

    /// Whether the folder holds a card service of this kind (not just a package).
    pub fn is_card_service(self, dir: &Path) -> bool {
        match self {
            Kind::Rust => super::rust::is_card_service(dir),
            Kind::Node => super::node::is_card_service(dir),
            Kind::Python => super::python::is_card_service(dir),
        }
    }
}

/// Every card service: the Rust workspace members under `services/` in the order of
/// `members` in Cargo.toml, then the others by folder name; only those of `filter` if given.
pub fn list(root: &Path, filter: Option<Kind>) -> anyhow::Result<Vec<String>> {
    let mut names = super::rust::members(root)?;
    let mut others = Vec::new();
    let services = root.join("services");
    if services.is_dir() {
        for entry in std::fs::read_dir(&services).with_context(|| format!("cannot read {}", services.display()))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && Kind::of(&entry.path()).is_some_and(|kind| kind != Kind::Rust) {
                others.push(name);
            }
        }
    }
    others.sort();
    names.extend(others);
    Ok(names
        .into_iter()
        .filter(|name| {
            let dir = services.join(name);
            Kind::of(&dir).is_some_and(|kind| filter.is_none_or(|f| f == kind) && kind.is_card_service(&dir))
        })
        .collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn the_kind_comes_from_the_manifest_cargo_first() {
        let dir = tempdir("kind");
        assert_eq!(Kind::of(&dir), None);
        std::fs::write(dir.join("pyproject.toml"), "").unwrap();
        assert_eq!(Kind::of(&dir), Some(Kind::Python));
        std::fs::write(dir.join("package.json"), "{}").unwrap();
        assert_eq!(Kind::of(&dir), Some(Kind::Node));
        std::fs::write(dir.join("Cargo.toml"), "").unwrap();
        assert_eq!(Kind::of(&dir), Some(Kind::Rust));
        assert_eq!(Kind::parse("node").unwrap(), Kind::Node);
        assert!(Kind::parse("go").unwrap_err().to_string().contains("rust, node and python"));
    }

    #[test]
    fn the_repositorys_services_are_listed_rust_first_in_member_order() {
        let root = crate::repo_root();
        let all = list(&root, None).unwrap();
        assert_eq!(all[..4], ["billing", "usage", "accounts", "http-bridge"]);
        assert!(all.contains(&"orders".to_owned()) && all.contains(&"feedback".to_owned()), "{all:?}");
        assert_eq!(list(&root, Some(Kind::Node)).unwrap(), ["orders"]);
        assert_eq!(list(&root, Some(Kind::Python)).unwrap(), ["feedback"]);
    }

    pub(crate) fn tempdir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
