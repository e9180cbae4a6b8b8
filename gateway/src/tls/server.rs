//! The rustls configuration of the gateway's own endpoint.

use std::path::Path;
use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use super::files::{certificates, private_key};
use super::TlsError;

/// The server configuration presenting the chain in `cert_file` with the key in
/// `key_file`. With `client_ca_file`, every client must present a certificate chaining to
/// one of its CAs. Offers HTTP/2 and HTTP/1.1 (ALPN).
pub fn server_config(
    cert_file: &Path,
    key_file: &Path,
    client_ca_file: Option<&Path>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = certificates(cert_file)?;
    let key = private_key(key_file)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Unusable { path: cert_file.to_owned(), detail: e.to_string() })?;
    let builder = match client_ca_file {
        None => builder.with_no_client_auth(),
        Some(ca_file) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(ca_file)? {
                roots.add(cert).map_err(|e| TlsError::Unusable {
                    path: ca_file.to_owned(),
                    detail: format!("not a usable CA certificate: {e}"),
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::Unusable { path: ca_file.to_owned(), detail: e.to_string() })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| TlsError::Unusable {
        path: key_file.to_owned(),
        detail: format!("cannot be used with {}: {e}", cert_file.display()),
    })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
