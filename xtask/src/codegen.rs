//! Everything the repository generates from its own sources, in one command:
//!
//! - `rules/catalogue.json`: Plain's component rules exported by the `cardmesh-rules` crate
//!   (`cardmesh-rules-export`), the one source of the rules for the other kits;
//! - the Python kit's copies (`kits/python/tools/sync.py`, in the kit's environment,
//!   `kits/python/venv.sh`): the `grpcio-tools` stubs `kits/python/src/cardmesh/v1/*_pb2*.py*`
//!   and `kits/python/src/cardmesh_kit/rules/catalogue.json`;
//! - the TypeScript kit's (`kits/typescript`, when its packages are installed):
//!   `assets/catalogue.json` (`scripts/sync-assets.mjs`) and `src/generated/` (`buf generate`).
//!
//! `--check` writes nothing and fails naming every stale file. The TypeScript kit's outputs
//! are not committed (its `npm run build` makes them each time), so only the committed files
//! are checked: the catalogue and the Python kit's copies.

use std::path::Path;

use anyhow::Context;

use crate::process::{cargo, command, run, stdout};

/// The catalogue every kit reads, relative to the repository's root.
pub const CATALOGUE: &str = "rules/catalogue.json";

/// Regenerates everything (`check == false`), or fails naming what is stale (`check == true`).
pub fn codegen(root: &Path, check: bool) -> anyhow::Result<()> {
    let mut stale = Vec::new();

    let exported = stdout(cargo(root).args([
        "run",
        "--quiet",
        "--locked",
        "--package",
        "cardmesh-rules",
        "--bin",
        "cardmesh-rules-export",
    ]))?;
    let catalogue = root.join(CATALOGUE);
    let current = std::fs::read_to_string(&catalogue).unwrap_or_default();
    if current != exported {
        if check {
            stale.push(CATALOGUE.to_owned());
        } else {
            std::fs::write(&catalogue, &exported).with_context(|| format!("cannot write {}", catalogue.display()))?;
            println!("codegen: {CATALOGUE} regenerated");
        }
    }

    let venv = stdout(&mut command(root.join("kits/python/venv.sh"), root))?;
    let python = Path::new(venv.trim()).join("bin/python");
    let mut sync = command(python, root);
    sync.arg("kits/python/tools/sync.py");
    if check {
        sync.arg("--check");
        // sync.py names each stale copy on stderr.
        if run(&mut sync).is_err() {
            stale.push("kits/python (the stubs or the catalogue's copy, named above)".to_owned());
        }
    } else {
        run(&mut sync)?;
        println!("codegen: kits/python stubs and catalogue copy regenerated");
    }

    let typescript = root.join("kits/typescript");
    if check {
        println!("codegen: kits/typescript's generated files are not committed (npm run build makes them)");
    } else if typescript.join("node_modules").is_dir() {
        run(command("node", &typescript).arg("scripts/sync-assets.mjs"))?;
        run(command("npm", &typescript).args(["run", "--silent", "generate"]))?;
        println!("codegen: kits/typescript assets/catalogue.json and src/generated/ regenerated");
    } else {
        println!("codegen: kits/typescript skipped: its packages are not installed (cd kits/typescript && npm ci)");
    }

    anyhow::ensure!(stale.is_empty(), "stale generated files (run: cargo xtask codegen): {}", stale.join(", "));
    if check {
        println!("codegen: every generated file is current");
    }
    Ok(())
}
