//! Finding the workspace root and adding a crate to its `members`, without touching the rest
//! of the manifest (comments, order, formatting).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use toml_edit::{DocumentMut, Value};

/// The nearest directory at or above `start` whose `Cargo.toml` has a `[workspace]` table.
pub fn find_root(start: &Path) -> anyhow::Result<PathBuf> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
        let doc: DocumentMut = text.parse().with_context(|| format!("{} is not valid TOML", manifest.display()))?;
        if doc.contains_key("workspace") {
            return Ok(dir.to_path_buf());
        }
    }
    bail!("no Cargo workspace at or above {}: run this inside the cardmesh repository or pass --dir", start.display())
}

/// Whether `manifest` is a workspace manifest (has a `[workspace]` table).
pub fn check_workspace(manifest: &str) -> anyhow::Result<()> {
    let doc: DocumentMut = manifest.parse().context("Cargo.toml is not valid TOML")?;
    match doc.get("workspace") {
        Some(item) if item.is_table_like() => Ok(()),
        _ => bail!("Cargo.toml has no [workspace] table: pass the workspace root as --dir"),
    }
}

/// `manifest` with `member` added to `workspace.members`, or `None` when a member entry
/// (the same path, or a `dir/*` glob covering it) is already there.
///
/// The new entry goes after the last `services/…` entry (or at the end) and copies the
/// layout of its neighbours, so a one-per-line list stays one per line. Nothing else in the
/// file changes.
pub fn add_member(manifest: &str, member: &str) -> anyhow::Result<Option<String>> {
    let mut doc: DocumentMut = manifest.parse().context("Cargo.toml is not valid TOML")?;
    let Some(workspace) = doc.get_mut("workspace").and_then(|item| item.as_table_like_mut()) else {
        bail!("Cargo.toml has no [workspace] table: pass the workspace root as --dir");
    };
    if !workspace.contains_key("members") {
        workspace.insert("members", toml_edit::value(toml_edit::Array::new()));
    }
    let Some(members) = workspace.get_mut("members").and_then(|item| item.as_array_mut()) else {
        bail!("workspace.members in Cargo.toml is not an array of paths");
    };

    let wanted = normalize(member);
    let entries: Vec<Option<String>> = members.iter().map(|value| value.as_str().map(normalize)).collect();
    if entries.iter().flatten().any(|entry| covers(entry, &wanted)) {
        return Ok(None);
    }

    let multi_line = members.iter().any(|value| prefix_of(value).is_some_and(|prefix| prefix.contains('\n')));
    let mut value = Value::from(member);
    if multi_line {
        if let Some(last) = members.iter().last() {
            *value.decor_mut() = last.decor().clone();
        }
    } else if !members.is_empty() {
        value.decor_mut().set_prefix(" ");
        value.decor_mut().set_suffix("");
    }
    let after_services = entries.iter().rposition(|entry| entry.as_deref().is_some_and(|e| e.starts_with("services/")));
    match after_services {
        Some(index) => members.insert_formatted(index + 1, value),
        None => members.push_formatted(value),
    }
    Ok(Some(doc.to_string()))
}

/// The text before a value in an array (its indentation), when it was written explicitly.
fn prefix_of(value: &Value) -> Option<&str> {
    value.decor().prefix().and_then(|prefix| prefix.as_str())
}

/// `./services/x/` → `services/x`.
fn normalize(path: &str) -> String {
    let path = path.trim().trim_start_matches("./").trim_end_matches('/');
    path.to_owned()
}

/// Whether the members entry `entry` (a path or a `dir/*` glob) includes `path`.
fn covers(entry: &str, path: &str) -> bool {
    if entry == path {
        return true;
    }
    match entry.strip_suffix('*') {
        Some(dir) if dir.ends_with('/') && !dir.contains(['*', '?', '[']) => {
            path.strip_prefix(dir).is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = r#"[workspace]
resolver = "2"
# The crates of the workspace.
members = [
    "proto",
    "gateway",
    "kits/rust",
    "cli",
    "services/billing",  # the billing example
    "services/usage",
    "tests",
]

[workspace.package]
version = "0.1.0"

[workspace.dependencies]
cardmesh-kit = { path = "kits/rust" }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
"#;

    #[test]
    fn adds_after_the_services_and_keeps_everything_else() {
        let updated = add_member(ROOT, "services/shipping").unwrap().unwrap();
        let expected =
            ROOT.replace("    \"services/usage\",\n", "    \"services/usage\",\n    \"services/shipping\",\n");
        assert_eq!(updated, expected);
    }

    #[test]
    fn the_real_root_manifest_gains_exactly_one_line() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let root = std::fs::read_to_string(path).unwrap();
        let updated = add_member(&root, "services/zz-probe").unwrap().unwrap();
        let (before, after): (Vec<&str>, Vec<&str>) = (root.lines().collect(), updated.lines().collect());
        assert_eq!(after.len(), before.len() + 1);
        let added = after.iter().position(|line| line.contains("zz-probe")).unwrap();
        assert_eq!(after[added], "    \"services/zz-probe\",");
        assert!(after[added - 1].trim_start().starts_with("\"services/"), "{updated}");
        let mut without = after.clone();
        without.remove(added);
        assert_eq!(without, before);
        assert_eq!(add_member(&updated, "services/zz-probe").unwrap(), None);
    }

    #[test]
    fn is_idempotent() {
        let once = add_member(ROOT, "services/shipping").unwrap().unwrap();
        assert_eq!(add_member(&once, "services/shipping").unwrap(), None);
        assert_eq!(add_member(&once, "./services/shipping/").unwrap(), None);
        assert_eq!(add_member(ROOT, "services/billing").unwrap(), None);
    }

    #[test]
    fn a_glob_already_covers_the_crate() {
        let manifest = "[workspace]\nmembers = [\"services/*\"]\n";
        assert_eq!(add_member(manifest, "services/shipping").unwrap(), None);
        let manifest = "[workspace]\nmembers = [\"other/*\"]\n";
        assert!(add_member(manifest, "services/shipping").unwrap().is_some());
        assert!(!covers("services/*", "services/a/b"));
    }

    #[test]
    fn single_line_empty_and_missing_lists() {
        let one_line = "[workspace]\nmembers = [\"a\", \"b\"]\n";
        assert_eq!(
            add_member(one_line, "services/x").unwrap().unwrap(),
            "[workspace]\nmembers = [\"a\", \"b\", \"services/x\"]\n"
        );
        let empty = "[workspace]\nresolver = \"2\"\nmembers = []\n\n[profile.dev]\ndebug = 1\n";
        assert_eq!(
            add_member(empty, "services/x").unwrap().unwrap(),
            "[workspace]\nresolver = \"2\"\nmembers = [\"services/x\"]\n\n[profile.dev]\ndebug = 1\n"
        );
        let missing = "[workspace]\nresolver = \"2\"\n";
        assert_eq!(
            add_member(missing, "services/x").unwrap().unwrap(),
            "[workspace]\nresolver = \"2\"\nmembers = [\"services/x\"]\n"
        );
    }

    #[test]
    fn not_a_workspace() {
        let error = add_member("[package]\nname = \"x\"\n", "services/x").unwrap_err();
        assert!(error.to_string().contains("no [workspace] table"), "{error}");
        assert!(check_workspace("[package]\nname = \"x\"\n").is_err());
        assert!(check_workspace(ROOT).is_ok());
        let error = add_member("[workspace]\nmembers = \"x\"\n", "services/x").unwrap_err();
        assert!(error.to_string().contains("not an array"), "{error}");
        assert!(add_member("[workspace", "services/x").is_err());
    }

    #[test]
    fn finds_the_root_from_a_subdirectory() {
        let dir = std::env::temp_dir().join(format!("cardmesh-cli-root-{}", std::process::id()));
        let nested = dir.join("kits/rust/src");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(dir.join("Cargo.toml"), ROOT).unwrap();
        std::fs::write(dir.join("kits/rust/Cargo.toml"), "[package]\nname = \"k\"\n").unwrap();
        let found = find_root(&nested);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.unwrap(), dir);
    }
}
