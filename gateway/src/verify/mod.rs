//! Plain request signatures: `Plain-Request-Signature` is the lowercase hex
//! HMAC-SHA256 of the raw request body, keyed by the workspace secret.
//!
//! Verification runs over the exact bytes received, before any parsing, and compares in
//! constant time. Several secrets may be configured at once so a secret can be rotated.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// Name of the header that carries the signature.
pub const SIGNATURE_HEADER: &str = "plain-request-signature";

/// Why a request's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the Plain-Request-Signature header is missing")]
    Missing,
    #[error("the Plain-Request-Signature header is not a hex HMAC-SHA256 signature")]
    Malformed,
    #[error("the Plain-Request-Signature header does not match the request body")]
    Mismatch,
}

/// Checks signatures against the configured secrets.
#[derive(Clone)]
pub struct SignatureVerifier {
    secrets: Vec<Secret>,
    allow_unsigned: bool,
}

impl SignatureVerifier {
    /// A verifier for `secrets`. With `allow_unsigned`, a request without the header is
    /// let through (local development); a header that is present is still checked.
    pub fn new(secrets: Vec<Secret>, allow_unsigned: bool) -> Self {
        Self { secrets, allow_unsigned }
    }

    /// Verifies `signature` (the header value, if any) over `body`.
    pub fn verify(&self, signature: Option<&[u8]>, body: &[u8]) -> Result<(), VerifyError> {
        let Some(signature) = signature else {
            return if self.allow_unsigned { Ok(()) } else { Err(VerifyError::Missing) };
        };
        if self.secrets.is_empty() && self.allow_unsigned {
            return Ok(());
        }
        let signature = trim_ascii(signature);
        if signature.len() != 64 {
            return Err(VerifyError::Malformed);
        }
        let expected = hex::decode(signature).map_err(|_| VerifyError::Malformed)?;
        // Every secret is tried, so the time taken does not say which one matched.
        let mut matched = false;
        for secret in &self.secrets {
            matched |= mac(secret.expose()).chain_update(body).verify_slice(&expected).is_ok();
        }
        if matched {
            Ok(())
        } else {
            Err(VerifyError::Mismatch)
        }
    }
}

/// The signature Plain would send for `body` with `secret`: lowercase hex HMAC-SHA256.
pub fn sign(secret: &str, body: &[u8]) -> String {
    hex::encode(mac(secret).chain_update(body).finalize().into_bytes())
}

fn mac(secret: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length")
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(secrets: &[&str], allow_unsigned: bool) -> SignatureVerifier {
        SignatureVerifier::new(secrets.iter().map(|s| Secret::new(*s)).collect(), allow_unsigned)
    }

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn accepts_any_configured_secret() {
        let v = verifier(&["old", "new"], false);
        let body = br#"{"cardKeys":[]}"#;
        assert_eq!(v.verify(Some(sign("old", body).as_bytes()), body), Ok(()));
        assert_eq!(v.verify(Some(sign("new", body).as_bytes()), body), Ok(()));
        assert_eq!(v.verify(Some(sign("other", body).as_bytes()), body), Err(VerifyError::Mismatch));
    }

    #[test]
    fn uppercase_hex_and_whitespace_are_tolerated() {
        let v = verifier(&["s"], false);
        let sig = format!(" {} ", sign("s", b"x").to_uppercase());
        assert_eq!(v.verify(Some(sig.as_bytes()), b"x"), Ok(()));
    }

    #[test]
    fn signature_covers_the_exact_bytes() {
        let v = verifier(&["s"], false);
        let sig = sign("s", br#"{"a":1}"#);
        assert_eq!(v.verify(Some(sig.as_bytes()), br#"{"a": 1}"#), Err(VerifyError::Mismatch));
    }

    #[test]
    fn missing_and_malformed() {
        let v = verifier(&["s"], false);
        assert_eq!(v.verify(None, b"x"), Err(VerifyError::Missing));
        assert_eq!(v.verify(Some(b"nothex"), b"x"), Err(VerifyError::Malformed));
        assert_eq!(v.verify(Some(&[b'z'; 64]), b"x"), Err(VerifyError::Malformed));
    }

    #[test]
    fn allow_unsigned_still_checks_a_present_signature() {
        let v = verifier(&["s"], true);
        assert_eq!(v.verify(None, b"x"), Ok(()));
        assert_eq!(v.verify(Some(sign("t", b"x").as_bytes()), b"x"), Err(VerifyError::Mismatch));
        assert_eq!(verifier(&[], true).verify(Some(b"anything"), b"x"), Ok(()));
    }
}
