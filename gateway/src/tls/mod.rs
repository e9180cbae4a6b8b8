//! TLS, all of it rustls with the ring provider:
//! - [`server_config`]: the gateway's own endpoint, optionally requiring client
//!   certificates that chain to a configured CA (mutual TLS, e.g. Plain's CA);
//! - the handshakes of the gateway's own endpoint run in each connection's task, under
//!   `tls.handshake_timeout` (`crate::http::listener`);
//! - [`client_config`]: the gateway's calls to `https://` card services;
//! - [`redis_pem`]: the files of the gateway's TLS connections to Redis.
//!
//! Every error names the file and the problem; file contents never reach a message.

mod client;
mod files;
mod redis;
mod server;

use std::path::PathBuf;

pub use self::redis::{redis_pem, RedisPem};
pub use client::client_config;
pub use server::server_config;

/// A TLS file or setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not valid PEM: {detail}", path.display())]
    Pem { path: PathBuf, detail: String },
    #[error("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)", path.display())]
    NoKey { path: PathBuf },
    #[error("{}: {detail}", path.display())]
    Unusable { path: PathBuf, detail: String },
    #[error("cert_file and key_file go together; set both or neither")]
    Incomplete,
}
