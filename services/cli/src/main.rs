//! `cardmesh-cli`: developer tools for cardmesh.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use cardmesh_cli::scaffold::{self, Lang, Scope, ServiceSpec};
use cardmesh_cli::{names, workspace};
use clap::{Parser, Subcommand};

/// Developer tools for cardmesh.
#[derive(Parser, Debug)]
#[command(name = "cardmesh-cli", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scaffolds a card service crate in services/<NAME>/ and adds it to the workspace.
    ///
    /// The new crate (package and binary `<NAME>-service`) serves the given cards with example
    /// data. It builds, has passing tests (`cargo test -p <NAME>-service`) and a
    /// docker-compose snippet. Then add its address to the gateway's CARDMESH_SERVICES; the
    /// gateway itself does not change.
    #[command(
        after_help = "Example:\n  cargo run -p cardmesh-cli -- new-service shipping --card last-order\n\nGuide: docs/src/guides/adding-a-card-service.md"
    )]
    NewService {
        /// Short service name, [a-z][a-z0-9-]*, e.g. `shipping`. The crate, binary and image
        /// get `-service` appended.
        #[arg(value_parser = parse_name)]
        name: String,
        /// A Plain card key the service answers, [a-zA-Z0-9_-]+. Repeat it for more cards.
        #[arg(long = "card", value_name = "KEY", required = true, value_parser = parse_key)]
        cards: Vec<String>,
        /// The workspace root. Default: the nearest directory at or above the current one
        /// whose Cargo.toml has a [workspace] table.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// What the cards' data depends on. The gateway caches one copy per scope value.
        #[arg(long, value_enum, default_value_t = Scope::Customer)]
        scope: Scope,
        /// How long the gateway may cache a card when an answer sets no TTL of its own
        /// (15s to 365days).
        #[arg(long, value_name = "DURATION", default_value = "300s", value_parser = scaffold::parse_ttl)]
        ttl: Duration,
        /// The service's language: `rust` (a workspace crate on services/kit), `typescript`
        /// (an npm package on kits/typescript) or `python` (a package on kits/python).
        #[arg(long, value_enum, default_value_t = Lang::Rust)]
        lang: Lang,
    },
}

fn parse_name(text: &str) -> Result<String, String> {
    names::check_service_name(text).map(|()| text.to_owned())
}

fn parse_key(text: &str) -> Result<String, String> {
    names::check_card_key(text).map(|()| text.to_owned())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::NewService {
            name,
            cards,
            dir,
            scope,
            ttl,
            lang,
        } => {
            let root = match dir {
                Some(dir) => dir,
                None => {
                    let here = std::env::current_dir().context("no current directory")?;
                    workspace::find_root(&here)?
                }
            };
            let spec = ServiceSpec {
                name,
                cards,
                scope,
                ttl,
            };
            if lang == Lang::Typescript {
                let created = scaffold::typescript::create(&root, &spec)?;
                let snippet = std::fs::read_to_string(created.dir.join("compose.snippet.yml"))
                    .context("cannot read the compose snippet just written")?;
                print!(
                    "{}",
                    scaffold::typescript::next_steps(&spec, &created, &snippet)
                );
                return Ok(());
            }
            if lang == Lang::Python {
                let created = scaffold::python::create(&root, &spec)?;
                let snippet = std::fs::read_to_string(created.dir.join("compose.snippet.yml"))
                    .context("cannot read the compose snippet just written")?;
                print!(
                    "{}",
                    scaffold::python::next_steps(&spec, &created, &snippet)
                );
                return Ok(());
            }
            let created = scaffold::create(&root, &spec)?;
            let snippet = std::fs::read_to_string(created.dir.join("compose.snippet.yml"))
                .context("cannot read the compose snippet just written")?;
            print!("{}", scaffold::next_steps(&spec, &created, &snippet));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_new_service() {
        let cli = Cli::try_parse_from([
            "cardmesh-cli",
            "new-service",
            "shipping",
            "--card",
            "last-order",
            "--card",
            "returns",
            "--scope",
            "thread",
            "--ttl",
            "10m",
            "--dir",
            "/tmp/ws",
        ])
        .unwrap();
        let Command::NewService {
            name,
            cards,
            dir,
            scope,
            ttl,
            ..
        } = cli.command;
        assert_eq!(name, "shipping");
        assert_eq!(cards, ["last-order", "returns"]);
        assert_eq!(dir, Some(PathBuf::from("/tmp/ws")));
        assert_eq!(scope, Scope::Thread);
        assert_eq!(ttl, Duration::from_secs(600));
    }

    #[test]
    fn parses_the_language_rust_by_default() {
        let lang = |args: &[&str]| {
            let mut all = vec!["cardmesh-cli", "new-service", "shipping", "--card", "x"];
            all.extend_from_slice(args);
            let Command::NewService { lang, .. } = Cli::try_parse_from(all).unwrap().command;
            lang
        };
        assert_eq!(lang(&[]), Lang::Rust);
        assert_eq!(lang(&["--lang", "typescript"]), Lang::Typescript);
        assert_eq!(lang(&["--lang", "python"]), Lang::Python);
        assert!(Cli::try_parse_from([
            "cardmesh-cli",
            "new-service",
            "s",
            "--card",
            "x",
            "--lang",
            "cobol"
        ])
        .is_err());
    }

    #[test]
    fn defaults_and_errors() {
        let cli = Cli::try_parse_from(["cardmesh-cli", "new-service", "shipping", "--card", "x"])
            .unwrap();
        let Command::NewService {
            scope, ttl, dir, ..
        } = cli.command;
        assert_eq!(
            (scope, ttl, dir),
            (Scope::Customer, Duration::from_secs(300), None)
        );

        let error = |args: &[&str]| {
            let mut all = vec!["cardmesh-cli", "new-service"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).unwrap_err().to_string()
        };
        assert!(error(&["shipping"]).contains("--card"));
        assert!(error(&["Shipping", "--card", "x"]).contains("lowercase"));
        assert!(error(&["shipping", "--card", "a b"]).contains("[a-zA-Z0-9_-]+"));
        assert!(error(&["shipping", "--card", "x", "--ttl", "5s"]).contains("between 15s"));
        assert!(error(&["shipping", "--card", "x", "--scope", "global"]).contains("customer"));
    }
}
