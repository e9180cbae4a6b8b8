//! `cardmesh-cli`: developer tools for cardmesh.

use std::process::ExitCode;

use anyhow::Context;
use cardmesh_cli::args::{Cli, Command};
use cardmesh_cli::scaffold::{self, Lang, ServiceSpec};
use cardmesh_cli::workspace;
use clap::Parser;

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
        Command::NewService { name, cards, dir, scope, ttl, lang } => {
            let root = match dir {
                Some(dir) => dir,
                None => {
                    let here = std::env::current_dir().context("no current directory")?;
                    workspace::find_root(&here)?
                }
            };
            let spec = ServiceSpec { name, cards, scope, ttl };
            if lang == Lang::Typescript {
                let created = scaffold::typescript::create(&root, &spec)?;
                let snippet = std::fs::read_to_string(created.dir.join("compose.snippet.yml"))
                    .context("cannot read the compose snippet just written")?;
                print!("{}", scaffold::typescript::next_steps(&spec, &created, &snippet));
                return Ok(());
            }
            if lang == Lang::Python {
                let created = scaffold::python::create(&root, &spec)?;
                let snippet = std::fs::read_to_string(created.dir.join("compose.snippet.yml"))
                    .context("cannot read the compose snippet just written")?;
                print!("{}", scaffold::python::next_steps(&spec, &created, &snippet));
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
    use std::path::PathBuf;
    use std::time::Duration;

    use cardmesh_cli::scaffold::Scope;
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
        let Command::NewService { name, cards, dir, scope, ttl, .. } = cli.command;
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
        assert!(Cli::try_parse_from(["cardmesh-cli", "new-service", "s", "--card", "x", "--lang", "cobol"]).is_err());
    }

    #[test]
    fn defaults_and_errors() {
        let cli = Cli::try_parse_from(["cardmesh-cli", "new-service", "shipping", "--card", "x"]).unwrap();
        let Command::NewService { scope, ttl, dir, .. } = cli.command;
        assert_eq!((scope, ttl, dir), (Scope::Customer, Duration::from_secs(300), None));

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
