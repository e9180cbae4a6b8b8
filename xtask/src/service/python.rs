//! Python card services: a `services/<name>/` with a pyproject.toml that depends on
//! cardmesh-kit, and a package (a folder with `__main__.py`) beside it, run as
//! `python -m <package>` from the service's folder, in the environment of
//! `kits/python/venv.sh` (the pinned kit and its dependencies; made on first use).

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::process::{command, on_path, stdout};

/// The service's package: the folder holding `__main__.py` (not under tests/), first by name.
pub fn package(dir: &Path) -> Option<String> {
    let mut packages: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name() != "tests" && entry.path().join("__main__.py").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    packages.sort();
    packages.into_iter().next()
}

pub fn is_card_service(dir: &Path) -> bool {
    package(dir).is_some()
        && std::fs::read_to_string(dir.join("pyproject.toml")).is_ok_and(|text| text.contains("cardmesh-kit"))
}

/// What is missing to run a Python service here, if anything: python3.11, or a python3 that
/// is 3.11.
pub fn missing() -> Option<&'static str> {
    if on_path("python3.11") {
        return None;
    }
    let version = Command::new("python3")
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
    (version.as_deref() != Some("3.11")).then_some("Python 3.11")
}

/// The environment's folder (kits/python/venv.sh makes or updates it and prints it).
fn venv(root: &Path) -> anyhow::Result<String> {
    Ok(stdout(&mut command(root.join("kits/python/venv.sh"), root))?.trim().to_owned())
}

pub fn build(root: &Path) -> anyhow::Result<()> {
    venv(root).map(drop)
}

pub fn command_for(root: &Path, dir: &Path) -> anyhow::Result<Command> {
    let venv = venv(root)?;
    let package = package(dir).with_context(|| format!("{} has no package with a __main__.py", dir.display()))?;
    let mut python = Command::new(Path::new(&venv).join("bin/python"));
    python.args(["-m", &package]).current_dir(dir);
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_is_the_folder_with_main_outside_tests() {
        let dir = crate::service::kind::tests::tempdir("python");
        for folder in ["tests/t", "tests", "zeta", "alpha"] {
            std::fs::create_dir_all(dir.join(folder)).unwrap();
        }
        std::fs::write(dir.join("tests/__main__.py"), "").unwrap();
        assert_eq!(package(&dir), None);
        std::fs::write(dir.join("zeta/__main__.py"), "").unwrap();
        std::fs::write(dir.join("alpha/__main__.py"), "").unwrap();
        assert_eq!(package(&dir).as_deref(), Some("alpha"));
        std::fs::write(dir.join("pyproject.toml"), "dependencies = [\"cardmesh-kit\"]").unwrap();
        assert!(is_card_service(&dir));
    }
}
