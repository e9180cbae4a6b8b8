//! Optional TLS for a card service, with optional client-certificate verification (mTLS).
//!
//! [`serve`](crate::serve) turns it on when [`TLS_CERT_ENV`] and [`TLS_KEY_ENV`] are set;
//! with [`TLS_CLIENT_CA_ENV`] too, only clients (the gateway) whose certificate chains to
//! that CA may connect.

use std::fmt;
use std::path::Path;

use anyhow::{bail, Context};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

/// Environment variable with the PEM certificate chain the service presents.
pub const TLS_CERT_ENV: &str = "CARDMESH_SERVICE_TLS_CERT_FILE";
/// Environment variable with the PEM private key of [`TLS_CERT_ENV`].
pub const TLS_KEY_ENV: &str = "CARDMESH_SERVICE_TLS_KEY_FILE";
/// Environment variable with the PEM CA that client certificates must chain to; set, it
/// makes client certificates required.
pub const TLS_CLIENT_CA_ENV: &str = "CARDMESH_SERVICE_TLS_CLIENT_CA_FILE";

/// A card service's TLS: its certificate and key, and optionally the CA whose client
/// certificates it requires. `Debug` never prints the key.
#[derive(Clone)]
pub struct ServerTls {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    client_ca_pem: Option<Vec<u8>>,
}

impl ServerTls {
    /// TLS with this PEM certificate chain (leaf first) and PEM private key.
    pub fn from_pem(cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        Self { cert_pem: cert_pem.into(), key_pem: key_pem.into(), client_ca_pem: None }
    }

    /// Requires every client to present a certificate chaining to this PEM CA.
    pub fn require_client_certs(mut self, ca_pem: impl Into<Vec<u8>>) -> Self {
        self.client_ca_pem = Some(ca_pem.into());
        self
    }

    /// True when client certificates are required.
    pub fn requires_client_certs(&self) -> bool {
        self.client_ca_pem.is_some()
    }

    /// TLS from the files named by [`TLS_CERT_ENV`], [`TLS_KEY_ENV`] and
    /// [`TLS_CLIENT_CA_ENV`]; `None` when neither certificate nor key is set (empty counts
    /// as unset).
    pub fn from_env() -> anyhow::Result<Option<Self>> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self::from_paths(var(TLS_CERT_ENV), var(TLS_KEY_ENV), var(TLS_CLIENT_CA_ENV))
    }

    fn from_paths(
        cert: Option<String>,
        key: Option<String>,
        client_ca: Option<String>,
    ) -> anyhow::Result<Option<Self>> {
        let (cert, key) = match (cert, key) {
            (Some(cert), Some(key)) => (cert, key),
            (None, None) if client_ca.is_none() => return Ok(None),
            (None, None) => {
                bail!("{TLS_CLIENT_CA_ENV} needs TLS: set {TLS_CERT_ENV} and {TLS_KEY_ENV} too")
            }
            _ => bail!("{TLS_CERT_ENV} and {TLS_KEY_ENV} go together: set both or neither"),
        };
        let mut tls = Self::from_pem(read_pem(TLS_CERT_ENV, &cert)?, read_pem(TLS_KEY_ENV, &key)?);
        if let Some(ca) = client_ca {
            tls = tls.require_client_certs(read_pem(TLS_CLIENT_CA_ENV, &ca)?);
        }
        Ok(Some(tls))
    }

    /// The tonic server configuration.
    pub(crate) fn server_config(&self) -> ServerTlsConfig {
        let config = ServerTlsConfig::new().identity(Identity::from_pem(&self.cert_pem, &self.key_pem));
        match &self.client_ca_pem {
            Some(ca) => config.client_ca_root(Certificate::from_pem(ca)),
            None => config,
        }
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("key", &"[redacted]")
            .field("requires_client_certs", &self.requires_client_certs())
            .finish()
    }
}

/// The PEM file `path` (named by the variable `var`), which must hold a PEM block.
fn read_pem(var: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(Path::new(path)).with_context(|| format!("{var}: cannot read {path}"))?;
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        bail!("{var}: {path} is not a PEM file (no -----BEGIN line)");
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_is_off_and_halves_are_errors_naming_the_variables() {
        assert!(ServerTls::from_paths(None, None, None).unwrap().is_none());
        let half = ServerTls::from_paths(Some("/c.pem".into()), None, None).unwrap_err().to_string();
        assert!(half.contains(TLS_CERT_ENV) && half.contains(TLS_KEY_ENV), "{half}");
        let ca_only = ServerTls::from_paths(None, None, Some("/ca.pem".into())).unwrap_err().to_string();
        assert!(ca_only.contains(TLS_CLIENT_CA_ENV), "{ca_only}");
        let missing = ServerTls::from_paths(Some("/nonexistent/c.pem".into()), Some("/k".into()), None).unwrap_err();
        assert!(format!("{missing:#}").contains("/nonexistent/c.pem"), "{missing:#}");
    }

    #[test]
    fn debug_never_prints_the_key() {
        let tls = ServerTls::from_pem("CERT", "-----BEGIN PRIVATE KEY-----secret");
        assert!(!format!("{tls:?}").contains("secret"));
    }
}
