//! `cardmesh-cli new-service NAME --lang typescript`, end to end: the CLI scaffolds a service
//! into a scratch repository (its `kits/typescript` is a link to this repository's kit), then
//! the exact test command it prints runs there: `npm install` and the service's own tests,
//! which start it and call it over real gRPC.
//!
//! Needs Node.js 20 and npm with the registry reachable (as for the kit itself), hence the
//! `node` feature of this crate (`cargo test -p cardmesh-cli --features node`). The kit's
//! own dependencies are installed first (`npm ci` in kits/typescript) when missing.
//! On failure the scratch repository stays in `target/tmp/ts-scaffold-<pid>/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const NAME: &str = "scaffold-probe-ts";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repository root")
}

/// Runs `script` with bash in `dir`; returns its combined output, failing the test on a
/// non-zero exit.
fn bash(dir: &Path, script: &str) -> String {
    let started = Instant::now();
    let output = Command::new("bash")
        .args(["-c", &format!("{script} 2>&1")])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {script}: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    eprintln!("{script}: {:.1?}", started.elapsed());
    assert!(output.status.success(), "{script} failed in {}:\n{text}", dir.display());
    text
}

#[test]
fn a_typescript_scaffold_passes_its_own_tests_with_the_printed_command() {
    cardmesh_tests::require::node();
    let root = repo_root();
    let kit = root.join("kits/typescript");
    if !kit.join("node_modules/.bin/tsc").exists() {
        bash(&kit, "npm ci --no-audit --no-fund");
    }

    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ts-scaffold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(scratch.join("kits")).expect("scratch repository");
    std::os::unix::fs::symlink(&kit, scratch.join("kits/typescript")).expect("link the kit");

    let output = Command::new(env!("CARGO_BIN_EXE_cardmesh-cli"))
        .args(["new-service", NAME, "--card", "last-order", "--card", "open-tickets", "--lang", "typescript", "--dir"])
        .arg(&scratch)
        .output()
        .expect("run cardmesh-cli");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    let dir = scratch.join("services").join(NAME);
    for file in [
        "package.json",
        "tsconfig.json",
        "src/cards.ts",
        "src/main.ts",
        "test/grpc.test.ts",
        "compose.snippet.yml",
        "kubernetes/deployment.yaml",
        "kubernetes/service.yaml",
        "kubernetes/kustomization.yaml",
    ] {
        assert!(dir.join(file).is_file(), "the scaffold wrote {file}");
    }
    assert!(!scratch.join("Cargo.toml").exists(), "a TypeScript service is not a workspace member");
    assert!(printed.contains(&format!("scripts/build-node-images.sh {NAME}")), "{printed}");
    assert!(printed.contains(&format!("http://{NAME}:50051")), "{printed}");

    // The test command exactly as printed (the kit is installed already).
    let test_command = format!("(cd services/{NAME} && npm install && npm test)");
    assert!(printed.contains(&test_command), "{printed}");
    let tested = bash(&scratch, &test_command);
    for name in [
        "describe lists the cards",
        "get cards answers every key with components",
        "a customer without an external id has no data",
    ] {
        assert!(
            tested.lines().any(|line| line.starts_with("ok ") && line.ends_with(name)),
            "{name} did not run:\n{tested}"
        );
    }
    assert!(tested.contains("# pass 4") && tested.contains("# fail 0"), "{tested}");
    assert!(dir.join("package-lock.json").is_file(), "npm install wrote the lock file to commit");
    std::fs::remove_dir_all(&scratch).expect("remove the scratch repository");
}
