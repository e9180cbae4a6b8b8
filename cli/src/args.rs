//! The command line of `cardmesh-cli`: its arguments, and their help as the book's reference
//! prints it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};

use crate::names;
use crate::scaffold::{self, Lang, Scope};

/// Developer tools for cardmesh.
#[derive(Parser, Debug)]
#[command(name = "cardmesh-cli", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
        /// The service's language: `rust` (a workspace crate on kits/rust), `typescript`
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

/// `cardmesh-cli --help` and the help of each subcommand, in Markdown (a part of the book's
/// `reference/cli.md`).
pub fn help_markdown() -> String {
    let mut command = Cli::command();
    command.build();
    let help = command.render_long_help().to_string();
    let mut page = format!("\n## `cardmesh-cli`\n\n```text\n{}\n```\n", help.trim_end());
    let names: Vec<String> =
        command.get_subcommands().map(|s| s.get_name().to_owned()).filter(|name| name != "help").collect();
    for name in names {
        let sub = command.find_subcommand_mut(&name).expect("listed just above");
        let help = sub.render_long_help().to_string();
        page.push_str(&format!("\n## `cardmesh-cli {name}`\n\n```text\n{}\n```\n", help.trim_end()));
    }
    page
}
