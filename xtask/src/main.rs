//! `cargo xtask <command>`: the project's own commands (see README.md, "Commands").

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", about = "The cardmesh repository's own commands")]
struct Args {
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
    /// Regenerates rules/catalogue.json and the kits' copies and stubs; with --check, writes
    /// nothing and fails naming every stale file.
    Codegen {
        /// Only check: fail when a generated file differs from what its source gives now.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let root = xtask::repo_root();
    // Every command runs from the repository's root, wherever `cargo xtask` was started.
    std::env::set_current_dir(&root)?;
    match args.command {
        Commands::SourceHash { files: true } => {
            for file in xtask::source_hash::files(&root)? {
                println!("{file}");
            }
        }
        Commands::SourceHash { files: false } => println!("{}", xtask::source_hash::hash(&root)?),
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
