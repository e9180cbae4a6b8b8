//! `cargo xtask <command>`: the project's own commands (see README.md, "Commands").

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", about = "The cardmesh repository's own commands")]
struct Args {
    /// The repository to work in (default: this checkout). The tests run `dev` on a scratch
    /// repository with it.
    #[arg(long, global = true, hide = true, value_name = "DIR")]
    root: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Prints the hash of the sources the project's images are built from (64 hex digits); the
    /// images are labelled with it and the end-to-end tests refuse an image whose label differs.
    SourceHash {
        /// Print the files the hash covers instead, one per line.
        #[arg(long)]
        files: bool,
    },
    /// The one test command, what CI runs: the project's packages, one compile that is also the
    /// lint, then every suite, each step with its timing; the first failure stops the run.
    Test {
        /// Print the steps, in order, and run none.
        #[arg(long)]
        list: bool,
        /// Run only these steps (comma-separated names from --list).
        #[arg(long, value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Run every step but these (comma-separated names from --list).
        #[arg(long, value_delimiter = ',')]
        skip: Vec<String>,
    },
    /// Runs cardmesh locally: the gateway and every card service that can run here, on
    /// 127.0.0.1, with the development secret; prints a signed curl, runs until Ctrl-C.
    ///
    /// Builds the workspace first (cargo build --workspace --bins). Ports: CARDMESH_DEV_PORT (8080), CARDMESH_DEV_ADMIN_PORT (9090),
    /// CARDMESH_DEV_SERVICE_PORT (50051, one each from there; 0: any free port); secret:
    /// CARDMESH_DEV_SECRET; CARDMESH_DEV_READY_TIMEOUT (30 s).
    Dev {
        /// A service that must run (repeatable): fail if it cannot.
        #[arg(long, value_name = "NAME")]
        with: Vec<String>,
        /// Every card service must run: fail if one cannot (e.g. Node.js or Python missing).
        #[arg(long)]
        all: bool,
    },
    /// Load benchmark of the gateways against minimal anchors under wrk, on this machine.
    ///
    /// See docs/src/operating/performance.md and dev-docs/performance.md. Environment: BENCH_DURATION (8s), BENCH_WARMUP (2s),
    /// BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_ROUNDS (3), BENCH_RUST_LOG (info),
    /// BENCH_STRICT=1 (exit 3 when a target is missed), BENCH_ONLY (scenarios), BENCH_NO_BUILD=1,
    /// KEEP_TMP=1. The last line is machine-readable: RESULT key=value ...
    Bench,
    /// Runs one card service from services/NAME in the foreground, whatever its language.
    ///
    /// Listens on CARDMESH_SERVICE_LISTEN (default 127.0.0.1:50051). Builds it first, then
    /// becomes its process. The kind comes from the manifest in its folder: Cargo.toml (rust),
    /// package.json (node), pyproject.toml (python).
    RunService {
        /// Print the card services, one name a line; only those of KIND (rust, node, python).
        #[arg(long, value_name = "KIND", num_args = 0..=1, conflicts_with_all = ["kind", "no_build", "name"])]
        list: Option<Option<String>>,
        /// Print the kind of the service NAME (rust, node or python).
        #[arg(long, value_name = "NAME", conflicts_with_all = ["no_build", "name"])]
        kind: Option<String>,
        /// Skip the build (`cargo xtask dev` built everything).
        #[arg(long)]
        no_build: bool,
        /// The service: a folder of services/.
        #[arg(required_unless_present_any = ["list", "kind"])]
        name: Option<String>,
    },
    /// Regenerates rules/catalogue.json and the kits' copies and stubs; with --check, writes
    /// nothing and fails naming every stale file.
    Codegen {
        /// Only check: fail when a generated file differs from what its source gives now.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let me = match &args.command {
        Commands::Dev { .. } => "xtask dev",
        Commands::RunService { .. } => "xtask run-service",
        Commands::Bench => "xtask bench",
        _ => "xtask",
    };
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<xtask::dev::Interrupted>() {
            Some(signal) => std::process::ExitCode::from(128 + signal.0 as u8),
            None => {
                eprintln!("{me}: {error:#}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

/// What `run-service`'s options ask for.
fn run_service_action(
    list: Option<Option<String>>,
    kind: Option<String>,
    no_build: bool,
    name: Option<String>,
) -> anyhow::Result<xtask::service::Action> {
    use xtask::service::{Action, Kind};
    Ok(match (list, kind, name) {
        (Some(filter), _, _) => Action::List(filter.as_deref().map(Kind::parse).transpose()?),
        (None, Some(name), _) => Action::Kind(name),
        (None, None, Some(name)) => Action::Run { name, build: !no_build },
        (None, None, None) => anyhow::bail!("name a service (see --help)"),
    })
}

fn run(args: Args) -> anyhow::Result<()> {
    let root = match args.root {
        Some(root) => std::fs::canonicalize(&root).map_err(|e| anyhow::anyhow!("--root {}: {e}", root.display()))?,
        None => xtask::repo_root(),
    };
    // Every command runs from the repository's root, wherever `cargo xtask` was started.
    std::env::set_current_dir(&root)?;
    match args.command {
        Commands::SourceHash { files: true } => {
            for file in xtask::source_hash::files(&root)? {
                println!("{file}");
            }
        }
        Commands::SourceHash { files: false } => println!("{}", xtask::source_hash::hash(&root)?),
        Commands::Dev { with, all } => xtask::dev::dev(&root, xtask::dev::Options { with, all })?,
        Commands::RunService { list, kind, no_build, name } => {
            xtask::service::run_service(&root, run_service_action(list, kind, no_build, name)?)?
        }
        Commands::Bench => {
            let code = xtask::bench::bench(&root)?;
            if code != 0 {
                std::process::exit(code);
            }
        }
        Commands::Codegen { check } => xtask::codegen::codegen(&root, check)?,
        Commands::Test { list, only, skip } => {
            let code = xtask::test::test(root, xtask::test::Options { list, only, skip })?;
            if code != 0 {
                std::process::exit(code);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xtask::service::{Action, Kind};

    fn action(args: &[&str]) -> anyhow::Result<Action> {
        let args = Args::try_parse_from(["cargo xtask"].iter().chain(args))?;
        match args.command {
            Commands::RunService { list, kind, no_build, name } => run_service_action(list, kind, no_build, name),
            _ => anyhow::bail!("not run-service"),
        }
    }

    #[test]
    fn run_service_takes_the_scripts_arguments() {
        assert_eq!(action(&["run-service", "billing"]).unwrap(), Action::Run { name: "billing".into(), build: true });
        assert_eq!(
            action(&["run-service", "--no-build", "orders"]).unwrap(),
            Action::Run { name: "orders".into(), build: false }
        );
        assert_eq!(action(&["run-service", "--list"]).unwrap(), Action::List(None));
        assert_eq!(action(&["run-service", "--list", "node"]).unwrap(), Action::List(Some(Kind::Node)));
        assert_eq!(action(&["run-service", "--kind", "billing"]).unwrap(), Action::Kind("billing".into()));
        assert!(action(&["run-service", "--list", "go"]).unwrap_err().to_string().contains("rust, node and python"));
        assert!(action(&["run-service"]).is_err(), "a name is required");
        assert!(action(&["run-service", "--kind", "a", "b"]).is_err());
    }

    #[test]
    fn dev_takes_with_more_than_once_and_all() {
        let args =
            Args::try_parse_from(["cargo xtask", "dev", "--with", "orders", "--with=feedback", "--all"]).unwrap();
        let Commands::Dev { with, all } = args.command else { panic!("dev") };
        assert_eq!(with, ["orders", "feedback"]);
        assert!(all);
        let root = Args::try_parse_from(["cargo xtask", "dev", "--root", "/tmp"]).unwrap();
        assert_eq!(root.root.as_deref(), Some(std::path::Path::new("/tmp")));
    }
}
