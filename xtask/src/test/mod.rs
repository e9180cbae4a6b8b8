//! `cargo xtask test`: the one test command, what CI runs (`.ci/run`). The project's packages,
//! then every suite, with the time each step took.
//!
//! One compile serves every step. The `build` step compiles the whole workspace once (dev
//! profile, every target, the features of every suite) with clippy as the compiler of the
//! workspace's own crates, so that compile is also the lint. Every later step reuses it: the
//! images are made from those debug binaries, the Node, Python and browser suites run them,
//! and `cargo test` finds its test binaries built. That is why the clippy wrapper stays set
//! for every later command: cargo counts the wrapper in its fingerprints, and a build without
//! it would compile the workspace's crates again. Background steps run beside the build: they
//! wait on the network or the disk, the build on the CPU.
//!
//! A suite is one `step` line in [`steps`]: a name, what it does, the command.

mod runner;
mod setup;

use std::path::PathBuf;

use runner::{Ctx, Runner, StepResult, Stopped};
use setup::FEATURES;

/// Which steps run: all but `skip`, or only `only`; `list` prints them instead.
pub struct Options {
    pub list: bool,
    pub only: Option<Vec<String>>,
    pub skip: Vec<String>,
}

/// Runs the steps; the exit code of the run (0 when every step passed).
pub fn test(root: PathBuf, options: Options) -> anyhow::Result<i32> {
    // cargo/rustc (rustup) live in ~/.cargo/bin, which a non-login shell may not have on PATH.
    crate::process::cargo_on_path();
    // A CI run builds once from scratch: incremental state would only add gigabytes to its disk.
    if std::env::var("CI").as_deref() == Ok("true") {
        std::env::set_var("CARGO_INCREMENTAL", "0");
    }
    // The images the tests run are made from the debug binaries of the `build` step.
    std::env::set_var("CARDMESH_IMAGE_PROFILE", "debug");

    let mut runner = Runner::new(root, options.list, options.only, options.skip)?;
    Ok(match steps(&mut runner) {
        Ok(()) => {
            runner.passed();
            0
        }
        Err(Stopped(code)) => code,
    })
}

/// A step that runs one command (a program and its arguments) in the repository's root.
fn cmd(args: &'static [&'static str]) -> impl FnOnce(&Ctx) -> StepResult + Send + 'static {
    move |ctx: &Ctx| ctx.run(ctx.command(args[0]).args(&args[1..]))
}

/// The steps, in order: set-up first, then the suites (add a suite as one line here).
fn steps(run: &mut Runner) -> Result<(), Stopped> {
    run.background(
        "provision",
        "await CI's provisioning (ci/provision.sh, started by .ci/run): packages, dockerd, base images",
        Box::new(setup::provision),
    );
    run.background(
        "packages",
        "npm ci for every package-lock.json; the Python environment (kits/python/venv.sh)",
        Box::new(setup::packages),
    );
    run.background(
        "kube-tools",
        "kubernetes-validate and checkov (deploy/kubernetes/requirements.lock) into target/kubernetes-tools",
        Box::new(cmd(&["scripts/check-kubernetes.sh", "--install"])),
    );
    // Niced: they build in the CPU the build and the suites leave idle (single-crate
    // stretches, links, waits on containers); their steps come last.
    run.background(
        "audit-tools",
        "the pinned cargo-deny (cargo install, a few minutes) and pip-audit, into target/tools",
        Box::new(cmd(&["nice", "-n", "10", "scripts/audit.sh", "--install"])),
    );
    run.background(
        "docs-tools",
        "the pinned mdbook (cargo install, a few minutes), into target/tools",
        Box::new(cmd(&["nice", "-n", "10", "scripts/docs.sh", "--install"])),
    );
    run.step("toolchain", "cargo and rustc versions; rustfmt and clippy", setup::toolchain)?;
    if !run.list {
        match setup::clippy_env(&run.ctx.root) {
            Ok(env) => run.ctx.env.extend(env),
            Err(error) => {
                eprintln!("{error}");
                return Err(Stopped(1));
            }
        }
    }
    run.step(
        "build",
        &format!("cargo fmt --check; one compile of the workspace (all targets, {FEATURES}) with clippy -D warnings"),
        setup::build,
    )?;
    if !run.list {
        run.await_step("provision")?;
        run.await_step("packages")?;
    }
    run.step(
        "codegen",
        "generated files current: rules/catalogue.json, the Python kit's stubs and catalogue copy (cargo xtask codegen --check)",
        cmd(&["cargo", "xtask", "codegen", "--check"]),
    )?;
    run.step(
        "buf",
        "the cardmesh.v1 contract: buf lint + buf breaking against the previous commit",
        cmd(&["scripts/buf-check.sh"]),
    )?;
    if !run.list {
        run.await_step("kube-tools")?;
    }
    run.step(
        "kubernetes",
        "the Kubernetes manifests, offline: kubectl kustomize, kubernetes-validate, checkov",
        cmd(&["scripts/check-kubernetes.sh"]),
    )?;
    run.step(
        "images",
        "the project's images from the debug binaries (scripts/build-images.sh), labelled with their sources",
        cmd(&["scripts/build-images.sh"]),
    )?;
    run.step("cargo-test", &format!("cargo test --workspace --features {FEATURES}"), |ctx| {
        ctx.run(ctx.command("cargo").args(["test", "--locked", "--workspace", "--features", FEATURES]))
    })?;
    run.step("fuzz", "fuzz smoke run (scripts/fuzz-smoke.sh, 60 s)", cmd(&["scripts/fuzz-smoke.sh"]))?;
    run.step(
        "conformance",
        "Plain's own builders against the validator and the kit (Node 20)",
        cmd(&["tests/conformance/run.sh"]),
    )?;
    run.step(
        "browser",
        "the card preview page in headless Chromium against the real gateway and services",
        cmd(&["tests/browser/run.sh"]),
    )?;
    run.step(
        "typescript",
        "TypeScript kit and services (npm ci, tsc --noEmit, node --test)",
        cmd(&["scripts/test-typescript.sh"]),
    )?;
    run.step(
        "python",
        "Python kit and services: ruff, mypy, pytest against the gateway",
        cmd(&["kits/python/run-tests.sh"]),
    )?;
    // Last: the two cargo installs above build in the CPU the suites leave idle, and are
    // awaited only here.
    if !run.list {
        run.await_step("audit-tools")?;
    }
    run.step(
        "audit",
        "dependency checks: cargo deny (licences, bans, sources, RustSec advisories), npm audit, pip-audit (scripts/audit.sh)",
        cmd(&["scripts/audit.sh"]),
    )?;
    if !run.list {
        run.await_step("docs-tools")?;
    }
    run.step(
        "docs",
        "the book: mdbook build docs (a page missing from SUMMARY.md fails; links and generated pages: cargo-test)",
        cmd(&["scripts/docs.sh"]),
    )
}
