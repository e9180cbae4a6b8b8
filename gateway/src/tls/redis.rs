//! The TLS files of the gateway's connections to Redis, read and checked at startup. The
//! Redis client (rustls with the system's roots by default) takes them as PEM bytes.

use std::path::Path;

use super::files::{certificates_in, private_key_in, read};
use super::TlsError;

/// Redis's TLS files as PEM bytes, each checked to hold what it should.
#[derive(Clone, Default)]
pub struct RedisPem {
    /// The CA(s) Redis's certificate must chain to (none: the system's roots).
    pub ca: Option<Vec<u8>>,
    /// The client certificate chain and its private key (mutual TLS).
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl std::fmt::Debug for RedisPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPem")
            .field("ca", &self.ca.is_some())
            .field("identity", &self.identity.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl RedisPem {
    /// True when neither file is given: the system's roots, no client certificate.
    pub fn is_empty(&self) -> bool {
        self.ca.is_none() && self.identity.is_none()
    }
}

/// Reads the files of `cache.redis_tls`: the CA, and the client certificate with its key
/// (which go together: checked by the config).
pub fn redis_pem(
    ca_file: Option<&Path>,
    cert_file: Option<&Path>,
    key_file: Option<&Path>,
) -> Result<RedisPem, TlsError> {
    let ca = ca_file.map(certificates_file).transpose()?;
    let identity = match (cert_file, key_file) {
        (Some(cert), Some(key)) => {
            let cert = certificates_file(cert)?;
            let key_pem = read(key)?;
            private_key_in(key, &key_pem)?;
            Some((cert, key_pem))
        }
        (None, None) => None,
        _ => return Err(TlsError::Incomplete),
    };
    Ok(RedisPem { ca, identity })
}

/// The bytes of `path`, which must hold at least one PEM certificate.
fn certificates_file(path: &Path) -> Result<Vec<u8>, TlsError> {
    let pem = read(path)?;
    certificates_in(path, &pem)?;
    Ok(pem)
}
