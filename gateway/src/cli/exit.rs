//! Why a `cardmesh-gateway` command stopped before its work was done: one error type for
//! every command, printed once by `main` with the command's name, and the exit status each
//! failure ends the process with (1: the environment failed, 2: the configuration or the
//! input is wrong).

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;

use crate::config::ConfigError;
use crate::gateway::StartupError;
use crate::telemetry::InitError;

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// `serve`: the tokio runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(io::Error),
    /// `serve`: logging or tracing could not start (a bad `RUST_LOG`, OTLP endpoint, …).
    #[error("{0}")]
    Telemetry(InitError),
    /// `serve`: the configuration is invalid.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// `serve`: SIGTERM and Ctrl-C cannot be listened for.
    #[error("cannot listen for SIGTERM and Ctrl-C: {0}")]
    Signals(io::Error),
    /// `serve`: a setting cannot be used (a service endpoint, TLS, the cache, Redis).
    #[error("{0}")]
    Startup(#[from] StartupError),
    /// `serve`: a listener cannot bind; `setting` names where its address comes from.
    #[error("cannot listen on {address} ({setting}): {source}")]
    Listen { address: SocketAddr, setting: &'static str, source: io::Error },
    /// `serve`: the server stopped with an error.
    #[error("server error: {0}")]
    Server(io::Error),
    /// `sign`: no secret to sign with.
    #[error("give --secret or set CARDMESH_SIGNING_SECRETS")]
    NoSecret,
    /// `sign`: the body cannot be read.
    #[error("cannot read the body: {0}")]
    ReadBody(io::Error),
    /// `sign --curl`: the body is not UTF-8, so it cannot be written into a shell command.
    #[error("--curl needs a UTF-8 body")]
    CurlNeedsUtf8,
    /// `validate --url`: the runtime for the probe could not start.
    #[error("cannot start the runtime: {0}")]
    ProbeRuntime(io::Error),
    /// `validate --url`: the probe failed (a bad URL, no answer, …).
    #[error("{0}")]
    Probe(String),
    /// `validate`: the document cannot be read.
    #[error("cannot read the input: {0}")]
    ReadInput(io::Error),
}

impl CommandError {
    /// The exit status: 1 when the environment failed (runtime, signals, a port, the server),
    /// 2 when the configuration or the input is wrong.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CommandError::Runtime(_) | CommandError::Signals(_) | CommandError::Listen { .. } => ExitCode::FAILURE,
            CommandError::Server(_) => ExitCode::FAILURE,
            _ => ExitCode::from(2),
        }
    }

    /// The command's words after `cardmesh-gateway` in the printed message.
    pub fn command(&self) -> &'static str {
        match self {
            CommandError::NoSecret | CommandError::ReadBody(_) | CommandError::CurlNeedsUtf8 => " sign",
            CommandError::ProbeRuntime(_) | CommandError::Probe(_) | CommandError::ReadInput(_) => " validate",
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_says_what_and_exits_with_its_status() {
        let listen = CommandError::Listen {
            address: SocketAddr::from(([127, 0, 0, 1], 8080)),
            setting: "listen / CARDMESH_LISTEN",
            source: io::Error::new(io::ErrorKind::AddrInUse, "Address already in use"),
        };
        assert_eq!(
            listen.to_string(),
            "cannot listen on 127.0.0.1:8080 (listen / CARDMESH_LISTEN): Address already in use"
        );
        assert_eq!(listen.exit_code(), ExitCode::FAILURE);
        assert_eq!(listen.command(), "");
        assert_eq!(CommandError::NoSecret.to_string(), "give --secret or set CARDMESH_SIGNING_SECRETS");
        assert_eq!(CommandError::NoSecret.exit_code(), ExitCode::from(2));
        assert_eq!(CommandError::NoSecret.command(), " sign");
        let probe = CommandError::Probe("--url \"x\" is not a URL".into());
        assert_eq!((probe.command(), probe.exit_code()), (" validate", ExitCode::from(2)));
    }
}
