//! The command-line reference of the book (`docs/src/reference/cli.md`): the help of
//! `cardmesh-gateway` and of each subcommand, as clap renders it from [`Cli`].
//!
//! `tests/tests/integration/docs_reference.rs` fails when the committed page differs from
//! [`reference_markdown`]; `cargo run -p cardmesh-tests --example reference_docs` rewrites it.

use clap::CommandFactory;

use super::Cli;

/// The whole page, in Markdown.
pub fn reference_markdown() -> String {
    // The values of environment variables are never part of the page: they depend on the
    // shell that renders it.
    let mut command =
        Cli::command().mut_subcommand("serve", |serve| serve.mut_arg("config", |a| a.hide_env_values(true)));
    // Built, so that a subcommand's usage line names the binary too.
    command.build();
    let mut page = String::from(
        "# Command-line help\n\n\
         <!-- Generated from gateway/src/cli (cardmesh_gateway::cli::reference) and cli/src/args.rs; do not edit.\n     \
         Run `cargo run -p cardmesh-tests --example reference_docs` to update. -->\n\n\
         `cardmesh-gateway --help` and the help of each subcommand, then `cardmesh-cli`'s (the\n\
         scaffold, see [Writing a card service](../guides/writing-a-card-service.md)).\n\
         [Commands](commands.md) explains them with examples.\n",
    );
    let help = command.render_long_help().to_string();
    page.push_str(&format!("\n## `cardmesh-gateway`\n\n```text\n{}\n```\n", help.trim_end()));
    // clap's own `help` subcommand only repeats the pages above.
    let names: Vec<String> =
        command.get_subcommands().map(|s| s.get_name().to_owned()).filter(|name| name != "help").collect();
    for name in names {
        let sub = command.find_subcommand_mut(&name).expect("listed just above");
        let help = sub.render_long_help().to_string();
        page.push_str(&format!("\n## `cardmesh-gateway {name}`\n\n```text\n{}\n```\n", help.trim_end()));
    }
    page
}
