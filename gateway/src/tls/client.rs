//! The TLS configuration of the gateway's calls to `https://` card services.

use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use super::files::{certificates_in, private_key_in, read};
use super::TlsError;
use crate::fanout::ServiceTls;

/// The tonic TLS configuration for one service: its CA (or the system's trusted roots),
/// the gateway's client certificate when configured, and the name to check.
/// The files are checked here so that a bad one is reported at startup, by name.
pub fn client_config(settings: &ServiceTls) -> Result<ClientTlsConfig, TlsError> {
    let mut config = ClientTlsConfig::new();
    config = match &settings.ca_file {
        Some(path) => {
            let pem = read(path)?;
            certificates_in(path, &pem)?;
            config.ca_certificate(Certificate::from_pem(pem))
        }
        None => config.with_enabled_roots(),
    };
    match (&settings.cert_file, &settings.key_file) {
        (Some(cert_file), Some(key_file)) => {
            let cert = read(cert_file)?;
            certificates_in(cert_file, &cert)?;
            let key = read(key_file)?;
            private_key_in(key_file, &key)?;
            config = config.identity(Identity::from_pem(cert, key));
        }
        (None, None) => {}
        _ => return Err(TlsError::Incomplete),
    }
    if let Some(name) = &settings.domain_name {
        config = config.domain_name(name.clone());
    }
    Ok(config)
}
