//! The set-up steps of `cargo xtask test`: the toolchain, the one compile, the project's
//! packages, and the wait for CI's provisioning.

use std::path::Path;
use std::time::Duration;

use super::runner::{Ctx, Failed, StepResult};

/// The features that turn on the suites needing parts beyond cargo (Docker, Redis, Node,
/// Python); see CONTRIBUTING.md, Tests. Every cargo command of the run uses them.
pub const FEATURES: &str = "cardmesh-tests/external,cardmesh-cli/node";

/// The cargo and rustc versions; rustfmt and clippy added through rustup when missing.
pub fn toolchain(ctx: &Ctx) -> StepResult {
    if ctx.command("cargo").arg("--version").stdout(std::process::Stdio::null()).status().is_err() {
        eprintln!("cargo not found: install Rust (https://rustup.rs)");
        return Err(Failed(1));
    }
    let rustup = ctx.command("rustup").args(["component", "list", "--installed"]).output();
    if let Some(out) = rustup.ok().filter(|out| out.status.success()) {
        let installed = String::from_utf8_lossy(&out.stdout).into_owned();
        for component in ["rustfmt", "clippy"] {
            if !installed.lines().any(|line| line.starts_with(component)) {
                ctx.run(ctx.command("rustup").args(["component", "add", component]))?;
            }
        }
    }
    ctx.run(ctx.command("cargo").arg("--version"))?;
    ctx.run(ctx.command("rustc").arg("--version"))
}

/// The environment that makes clippy-driver the compiler of the workspace's own crates from
/// here on; `CLIPPY_ARGS` is how `cargo clippy -- -D warnings` passes its flags to it.
pub fn clippy_env(root: &Path) -> anyhow::Result<[(String, String); 2]> {
    let which = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .current_dir(root)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|text| text.trim().to_owned())
            .filter(|path| !path.is_empty())
    };
    let driver = which("rustup", &["which", "clippy-driver"])
        .or_else(|| which("bash", &["-c", "command -v clippy-driver"]))
        .ok_or_else(|| anyhow::anyhow!("clippy-driver not found (rustup component add clippy)"))?;
    Ok([
        ("RUSTC_WORKSPACE_WRAPPER".to_owned(), driver),
        ("CLIPPY_ARGS".to_owned(), "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".to_owned()),
    ])
}

/// Formatting (rustfmt.toml), then the one compile of the workspace: every target, every
/// suite's features, clippy's warnings as errors (the environment of [`clippy_env`]).
pub fn build(ctx: &Ctx) -> StepResult {
    ctx.run(ctx.command("cargo").args(["fmt", "--all", "--check"]))?;
    ctx.run(ctx.command("cargo").args(["build", "--locked", "--workspace", "--all-targets", "--features", FEATURES]))
}

/// The packages of the Node and Python suites, from their lock files (network and disk).
pub fn packages(ctx: &Ctx) -> StepResult {
    let mut dirs = vec!["kits/typescript".to_owned()];
    let mut services: Vec<String> = std::fs::read_dir(ctx.root.join("services"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.path().is_dir())
                .filter_map(|entry| entry.file_name().to_str().map(|name| format!("services/{name}")))
                .collect()
        })
        .unwrap_or_default();
    services.sort();
    dirs.extend(services);
    dirs.extend(["tests/conformance".to_owned(), "tests/browser".to_owned()]);
    for dir in dirs {
        if !ctx.root.join(&dir).join("package-lock.json").is_file() {
            continue;
        }
        ctx.say(&format!("npm ci in {dir}"));
        ctx.run(ctx.command("npm").current_dir(ctx.root.join(&dir)).args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ]))?;
    }
    ctx.say("Python environment (kits/python/venv.sh)");
    ctx.run(&mut ctx.command("kits/python/venv.sh"))
}

/// The machine's provisioning (packages, the Docker daemon, the base images) is not part of
/// the run: it is CI's, `ci/provision.sh`, which `.ci/run` starts beside it. When
/// `CARDMESH_PROVISION_STATUS` names the file its exit status goes to, this waits for that
/// file and prints the provisioning's log (`CARDMESH_PROVISION_LOG`).
pub fn provision(ctx: &Ctx) -> StepResult {
    let Some(status) = std::env::var_os("CARDMESH_PROVISION_STATUS").filter(|s| !s.is_empty()) else {
        ctx.say(
            "no provisioning in this run (CARDMESH_PROVISION_STATUS unset): the machine has what the suites need \
             (ci/provision.sh)",
        );
        return Ok(());
    };
    // .ci/run writes the status file in one rename, once the provisioning has ended.
    let code = loop {
        match std::fs::read_to_string(&status) {
            Ok(text) if !text.trim().is_empty() => break text.trim().parse::<i32>().unwrap_or(1),
            _ => std::thread::sleep(Duration::from_secs(1)),
        }
    };
    if let Some(log) = std::env::var_os("CARDMESH_PROVISION_LOG").filter(|s| !s.is_empty()) {
        ctx.say(std::fs::read_to_string(&log).unwrap_or_default().trim_end());
    }
    if code == 0 {
        Ok(())
    } else {
        Err(Failed(code))
    }
}
