//! The hash of the sources the project's images are built from: the workspace manifests and
//! Cargo.lock, every file of the crates that go into the binaries, the TypeScript and Python
//! kits and services, the Dockerfiles and `certs/` (tests, examples, snapshots, Kubernetes
//! manifests and Markdown left out). Uncommitted changes count.
//!
//! `scripts/build-images.sh` labels every image it builds with it (`cardmesh.source-hash`),
//! and the end-to-end tests (`tests/src/containers.rs`) refuse an image whose label differs:
//! it was built from other sources.
//!
//! The hash is the SHA-256 of one line per file, `<SHA-256 of the content>  <path>\n`, in
//! byte order of the paths: what `sha256sum FILES | sha256sum` prints.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context;
use sha2::{Digest, Sha256};

/// What is hashed, relative to the repository's root.
pub const PATHS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "proto",
    "rules",
    "telemetry",
    "gateway",
    "services",
    "kits",
    "certs",
    "docker/Dockerfile",
    "docker/missing-binary.sh",
    "docker/node.Dockerfile",
    "docker/python.Dockerfile",
];

/// Folders that are in no image: tests, test snapshots, examples, installed packages and the
/// Kubernetes manifests, wherever they are.
const SKIPPED_FOLDERS: &[&str] = &["tests", "test", "examples", "snapshots", "node_modules", "kubernetes"];

/// Whether `path` (relative, `/`-separated) is left out of the hash.
pub fn skipped(path: &str) -> bool {
    let mut folders = path.split('/').rev().skip(1);
    path.ends_with(".md") || folders.any(|folder| SKIPPED_FOLDERS.contains(&folder))
}

/// The files the hash covers, relative to `root`, sorted by their bytes. In a git checkout:
/// the tracked and the new (not ignored) files; deleted files that are still tracked are left
/// out. Elsewhere: every file under [`PATHS`] but those in a `target/` folder.
pub fn files(root: &Path) -> anyhow::Result<Vec<String>> {
    let in_git = Command::new("git")
        .args(["rev-parse", "--is-inside-work-tree"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    let mut files = if in_git { git_files(root)? } else { walked_files(root)? };
    files.retain(|file| !skipped(file));
    files.sort_unstable();
    files.dedup();
    Ok(files)
}

fn git_files(root: &Path) -> anyhow::Result<Vec<String>> {
    let out = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"])
        .args(PATHS)
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run git ls-files")?;
    anyhow::ensure!(out.status.success(), "git ls-files failed ({})", out.status);
    let listed = String::from_utf8(out.stdout).context("git ls-files printed a path that is not UTF-8")?;
    Ok(listed.split('\0').filter(|path| !path.is_empty() && root.join(path).is_file()).map(str::to_owned).collect())
}

fn walked_files(root: &Path) -> anyhow::Result<Vec<String>> {
    fn walk(root: &Path, relative: &str, out: &mut Vec<String>) -> anyhow::Result<()> {
        let path = root.join(relative);
        if path.is_file() {
            out.push(relative.to_owned());
        } else if path.is_dir() {
            let entries = std::fs::read_dir(&path).with_context(|| format!("cannot read {}", path.display()))?;
            for entry in entries {
                let name = entry?.file_name();
                let name = name.to_str().with_context(|| format!("a file name in {} is not UTF-8", path.display()))?;
                if name != "target" {
                    walk(root, &format!("{relative}/{name}"), out)?;
                }
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for path in PATHS {
        walk(root, path, &mut out)?;
    }
    Ok(out)
}

/// The hash of [`files`] (64 hex digits).
pub fn hash(root: &Path) -> anyhow::Result<String> {
    let mut lines = Sha256::new();
    for file in files(root)? {
        let path = root.join(&file);
        let content = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        lines.update(format!("{}  {file}\n", hex::encode(Sha256::digest(&content))));
    }
    Ok(hex::encode(lines.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_docs_and_installed_packages_are_not_image_sources() {
        for path in [
            "tests/src/lib.rs",
            "services/orders/test/orders.test.ts",
            "kits/typescript/node_modules/x/index.js",
            "gateway/tests/snapshots/a.snap",
            "services/billing/kubernetes/deployment.yaml",
            "rules/examples/x.rs",
            "kits/python/README.md",
        ] {
            assert!(skipped(path), "{path}");
        }
        for path in ["gateway/src/main.rs", "kits/rust/src/lib.rs", "services/orders/src/main.ts", "Cargo.lock"] {
            assert!(!skipped(path), "{path}");
        }
        // Only folders count: a file named like one of them is a source.
        assert!(!skipped("gateway/src/tests"));
    }

    #[test]
    fn the_checkout_hashes_the_same_twice_and_covers_the_kits() {
        let root = crate::repo_root();
        let files = files(&root).unwrap();
        assert!(files.iter().any(|f| f == "kits/rust/src/lib.rs"), "{files:?}");
        assert!(files.windows(2).all(|pair| pair[0] < pair[1]), "sorted, no duplicates");
        let hash = hash(&root).unwrap();
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, super::hash(&root).unwrap());
    }
}
