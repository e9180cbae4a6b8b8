//! The TLS configuration of the gateway's calls to `https://` card services.

use std::path::Path;

use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use super::files::{certificates_in, private_key_in, read};
use super::TlsError;

/// The tonic TLS configuration for one service: its CA in `ca_file` (or the system's trusted
/// roots), the gateway's client certificate and key (`identity`) when configured, and the
/// name to check (default: the endpoint's host). The files are checked here so that a bad
/// one is reported at startup, by name.
pub fn client_config(
    ca_file: Option<&Path>,
    identity: Option<(&Path, &Path)>,
    domain_name: Option<&str>,
) -> Result<ClientTlsConfig, TlsError> {
    let mut config = ClientTlsConfig::new();
    config = match ca_file {
        Some(path) => {
            let pem = read(path)?;
            certificates_in(path, &pem)?;
            config.ca_certificate(Certificate::from_pem(pem))
        }
        None => config.with_enabled_roots(),
    };
    if let Some((cert_file, key_file)) = identity {
        let cert = read(cert_file)?;
        certificates_in(cert_file, &cert)?;
        let key = read(key_file)?;
        private_key_in(key_file, &key)?;
        config = config.identity(Identity::from_pem(cert, key));
    }
    if let Some(name) = domain_name {
        config = config.domain_name(name);
    }
    Ok(config)
}
