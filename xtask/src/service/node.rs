//! TypeScript card services: a `services/<name>/package.json` that depends on `@cardmesh/kit`
//! (kits/typescript). Needs Node.js 20 and npm.
//!
//! Building installs and builds the kit when needed, then the service: `npm ci` from its lock
//! file when `node_modules` is missing, and `npm run build` (tsc) every time (incremental
//! output in `dist/`). Running is `node dir/dist/src/main.js` (built first when `dist/` is
//! missing, even with `--no-build`); the kit's `serve()` reads `CARDMESH_SERVICE_LISTEN`.

use std::path::Path;
use std::process::Command;

use crate::process::{command, on_path, run};

const KIT: &str = "kits/typescript";

pub fn is_card_service(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("package.json")).is_ok_and(|text| text.contains("\"@cardmesh/kit\""))
}

/// What is missing to run a TypeScript service here, if anything.
pub fn missing() -> Option<&'static str> {
    (!on_path("node") || !on_path("npm")).then_some("Node.js 20 and npm")
}

fn npm(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    run(command("npm", dir).args(args).stdout(std::io::stderr()))
}

pub fn build(root: &Path, dir: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(on_path("npm"), "npm not found (Node.js 20 and npm are needed for {})", dir.display());
    let kit = root.join(KIT);
    if !kit.join("node_modules").is_dir() {
        eprintln!("xtask run-service: {KIT}: npm ci (installs and builds the kit)");
        npm(&kit, &["ci", "--no-audit", "--no-fund", "--loglevel=error"])?;
    } else if !kit.join("dist/src/index.js").is_file() {
        npm(&kit, &["run", "-s", "build"])?;
    }
    let shown = dir.strip_prefix(root).unwrap_or(dir).display();
    if !dir.join("node_modules").is_dir() {
        eprintln!("xtask run-service: {shown}: npm ci");
        npm(dir, &["ci", "--no-audit", "--no-fund", "--loglevel=error"])?;
    }
    eprintln!("xtask run-service: {shown}: npm run build");
    npm(dir, &["run", "-s", "build"])
}

pub fn command_for(root: &Path, dir: &Path) -> anyhow::Result<Command> {
    let main = dir.join("dist/src/main.js");
    if !main.is_file() || !root.join(KIT).join("dist/src/index.js").is_file() {
        build(root, dir)?;
    }
    let mut node = Command::new("node");
    node.arg(main);
    Ok(node)
}
