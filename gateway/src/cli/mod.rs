//! The `cardmesh-gateway` command line.

mod exit;
mod judge;
mod probe;
pub mod reference;

use std::io::Read;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use exit::CommandError;
pub use judge::{judge_document, Format, Judgement, ValidateArgs};
pub use probe::{plain_request_body, probe, PLAIN_USER_AGENT};

/// cardmesh gateway: answers Plain customer-card requests from gRPC card services.
#[derive(Debug, Parser)]
#[command(name = "cardmesh-gateway", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (the default). Settings come from the optional TOML file, then the
    /// CARDMESH_* environment variables.
    Serve {
        /// TOML configuration file.
        #[arg(long, short = 'c', env = "CARDMESH_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print the Plain-Request-Signature of a body (the file, or standard input).
    Sign {
        /// The signing secret (default: the first of CARDMESH_SIGNING_SECRETS).
        #[arg(long)]
        secret: Option<String>,
        /// Print a ready-to-run curl command for this URL instead of the bare signature.
        #[arg(long, value_name = "URL")]
        curl: Option<String>,
        /// File holding the exact request body; `-` or absent reads standard input.
        file: Option<PathBuf>,
    },
    /// Check a Plain card response JSON (the file, standard input, or the answer of a running
    /// card API with --url) against Plain's rules. Prints each violation with its JSON path,
    /// rule and how to fix it. Exit status: 0 valid (warnings allowed), 1 violations (or
    /// warnings with --strict), 2 usage or input errors.
    Validate(ValidateArgs),
}

/// Reads a file, or standard input for `None` / `-`.
pub fn read_input(file: Option<&PathBuf>) -> std::io::Result<Vec<u8>> {
    match file {
        Some(path) if path.as_os_str() != "-" => std::fs::read(path),
        _ => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            Ok(buf)
        }
    }
}

/// A shell-safe single-quoted string.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The curl command that sends `body` signed with `signature` to `url`.
pub fn curl_command(url: &str, body: &str, signature: &str) -> String {
    format!(
        "curl -sS {} -H 'Content-Type: application/json' -H 'Plain-Workspace-Id: w_demo' \
         -H 'Plain-Request-Signature: {}' --data-raw {}",
        shell_quote(url),
        signature,
        shell_quote(body)
    )
}

/// The violations of a Plain card response document, one line each.
pub fn validate_document(input: &[u8]) -> Vec<String> {
    match serde_json::from_slice::<serde_json::Value>(input) {
        Ok(doc) => cardmesh_rules::validate_response(&doc).iter().map(ToString::to_string).collect(),
        Err(e) => vec![format!("$: not valid JSON: {e}")],
    }
}
