//! The rustls configuration of the gateway's own endpoint.

use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use super::files::{certificates, private_key};
use super::TlsError;
use crate::config::TlsSettings;

/// The server configuration for `settings`, or `None` when TLS is off. With
/// `client_ca_file`, every client must present a certificate chaining to one of its CAs.
/// Offers HTTP/2 and HTTP/1.1 (ALPN).
pub fn server_config(settings: &TlsSettings) -> Result<Option<Arc<ServerConfig>>, TlsError> {
    let (cert_file, key_file) = match (&settings.cert_file, &settings.key_file) {
        (Some(cert), Some(key)) => (cert, key),
        (None, None) => return Ok(None),
        _ => return Err(TlsError::Incomplete),
    };
    let chain = certificates(cert_file)?;
    let key = private_key(key_file)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Unusable { path: cert_file.clone(), detail: e.to_string() })?;
    let builder = match &settings.client_ca_file {
        None => builder.with_no_client_auth(),
        Some(ca_file) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(ca_file)? {
                roots.add(cert).map_err(|e| TlsError::Unusable {
                    path: ca_file.clone(),
                    detail: format!("not a usable CA certificate: {e}"),
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::Unusable { path: ca_file.clone(), detail: e.to_string() })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| TlsError::Unusable {
        path: key_file.clone(),
        detail: format!("cannot be used with {}: {e}", cert_file.display()),
    })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Some(Arc::new(config)))
}
