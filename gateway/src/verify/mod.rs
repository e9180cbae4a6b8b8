//! Plain request signatures: `Plain-Request-Signature` is the lowercase hex
//! HMAC-SHA256 of the raw request body, keyed by the workspace secret.
//!
//! Verification runs over the exact bytes received, before any parsing, and compares in
//! constant time. Several secrets may be configured at once so a secret can be rotated, and
//! each workspace may have its own ([`crate::config::SigningSecrets`]); then the workspace is
//! looked up first ([`workspace`]). Once the body is parsed, the optional replay window
//! checks its `timestamp` ([`replay`]).

mod replay;
mod workspace;

use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use replay::{check_age, BodyTimestamp, StaleReason};
use workspace::Trust;

use crate::config::{Secret, SigningSecrets};

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
    #[error("the Plain-Workspace-Id header is missing or names a workspace this gateway does not serve")]
    UnknownWorkspace,
    #[error("{0}; the request may be a replay (signature.max_age)")]
    Stale(StaleReason),
}

/// Checks signatures against the configured secrets.
#[derive(Clone)]
pub struct SignatureVerifier {
    trust: Trust,
    allow_unsigned: bool,
    max_age: Option<Duration>,
}

impl SignatureVerifier {
    /// A verifier for `secrets` (a list, or a table per workspace). With `allow_unsigned`, a
    /// request without the header is let through (local development); a header that is
    /// present is still checked. No replay window until [`Self::with_max_age`].
    pub fn new(secrets: impl Into<SigningSecrets>, allow_unsigned: bool) -> Self {
        Self { trust: Trust::from(secrets.into()), allow_unsigned, max_age: None }
    }

    /// Turns the replay window on (`Some`) or off (`None`, the default).
    pub fn with_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self
    }

    /// Verifies `signature` (the header value, if any) over `body`, for a request from
    /// `workspace` (the `Plain-Workspace-Id` header, empty when absent). With per-workspace
    /// secrets, the workspace is checked first: `UnknownWorkspace` unless it is listed.
    pub fn verify(&self, workspace: &str, signature: Option<&[u8]>, body: &[u8]) -> Result<(), VerifyError> {
        let keys = self.trust.keys_for(workspace)?;
        let Some(signature) = signature else {
            return if self.allow_unsigned { Ok(()) } else { Err(VerifyError::Missing) };
        };
        if keys.is_empty() && self.allow_unsigned {
            return Ok(());
        }
        let signature = trim_ascii(signature);
        if signature.len() != 64 {
            return Err(VerifyError::Malformed);
        }
        let expected = hex::decode(signature).map_err(|_| VerifyError::Malformed)?;
        // Every secret is tried, so the time taken does not say which one matched.
        let mut matched = false;
        for key in keys {
            matched |= key.mac().chain_update(body).verify_slice(&expected).is_ok();
        }
        if matched {
            Ok(())
        } else {
            Err(VerifyError::Mismatch)
        }
    }

    /// The replay window, on a body whose signature verified: `Stale` when it is on and
    /// `timestamp` is missing, unparseable or further than `max_age` from the clock.
    pub fn check_timestamp(&self, timestamp: &BodyTimestamp) -> Result<(), VerifyError> {
        match self.max_age {
            Some(max_age) => check_age(timestamp, SystemTime::now(), max_age),
            None => Ok(()),
        }
    }
}

/// The signature Plain would send for `body` with `secret`: lowercase hex HMAC-SHA256.
pub fn sign(secret: &str, body: &[u8]) -> String {
    hex::encode(mac(secret).chain_update(body).finalize().into_bytes())
}

/// A signing secret keyed into HMAC-SHA256 once, when the verifier is made: each check starts
/// from a copy instead of hashing the key's two pad blocks again (a third of the work for a
/// 200-byte body).
#[derive(Clone)]
struct Key(HmacSha256);

impl Key {
    fn new(secret: &Secret) -> Self {
        Self(mac(secret.expose()))
    }

    /// A MAC keyed with this secret, with nothing hashed yet.
    fn mac(&self) -> HmacSha256 {
        self.0.clone()
    }
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
    use crate::config::Secret;

    fn verifier(secrets: &[&str], allow_unsigned: bool) -> SignatureVerifier {
        SignatureVerifier::new(secrets.iter().map(|s| Secret::new(*s)).collect::<Vec<_>>(), allow_unsigned)
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
        assert_eq!(v.verify("w", Some(sign("old", body).as_bytes()), body), Ok(()));
        assert_eq!(v.verify("w", Some(sign("new", body).as_bytes()), body), Ok(()));
        assert_eq!(v.verify("w", Some(sign("other", body).as_bytes()), body), Err(VerifyError::Mismatch));
    }

    #[test]
    fn uppercase_hex_and_whitespace_are_tolerated() {
        let v = verifier(&["s"], false);
        let sig = format!(" {} ", sign("s", b"x").to_uppercase());
        assert_eq!(v.verify("w", Some(sig.as_bytes()), b"x"), Ok(()));
    }

    #[test]
    fn signature_covers_the_exact_bytes() {
        let v = verifier(&["s"], false);
        let sig = sign("s", br#"{"a":1}"#);
        assert_eq!(v.verify("w", Some(sig.as_bytes()), br#"{"a": 1}"#), Err(VerifyError::Mismatch));
    }

    #[test]
    fn missing_and_malformed() {
        let v = verifier(&["s"], false);
        assert_eq!(v.verify("w", None, b"x"), Err(VerifyError::Missing));
        assert_eq!(v.verify("w", Some(b"nothex"), b"x"), Err(VerifyError::Malformed));
        assert_eq!(v.verify("w", Some(&[b'z'; 64]), b"x"), Err(VerifyError::Malformed));
    }

    #[test]
    fn allow_unsigned_still_checks_a_present_signature() {
        let v = verifier(&["s"], true);
        assert_eq!(v.verify("w", None, b"x"), Ok(()));
        assert_eq!(v.verify("w", Some(sign("t", b"x").as_bytes()), b"x"), Err(VerifyError::Mismatch));
        assert_eq!(verifier(&[], true).verify("w", Some(b"anything"), b"x"), Ok(()));
    }

    #[test]
    fn per_workspace_secrets_are_checked_against_the_workspace_only() {
        let mut map = std::collections::BTreeMap::new();
        map.insert("w_1".to_owned(), vec![Secret::new("s1"), Secret::new("s2")]);
        map.insert("w_2".to_owned(), vec![Secret::new("s3")]);
        let v = SignatureVerifier::new(map, false);
        let body = b"{}";
        assert_eq!(v.verify("w_1", Some(sign("s2", body).as_bytes()), body), Ok(()));
        assert_eq!(v.verify("w_2", Some(sign("s3", body).as_bytes()), body), Ok(()));
        // Another workspace's secret does not sign for this one.
        assert_eq!(v.verify("w_2", Some(sign("s1", body).as_bytes()), body), Err(VerifyError::Mismatch));
        // The workspace is checked before the signature, even a missing one.
        assert_eq!(v.verify("w_9", Some(sign("s1", body).as_bytes()), body), Err(VerifyError::UnknownWorkspace));
        assert_eq!(v.verify("", None, body), Err(VerifyError::UnknownWorkspace));
    }

    #[test]
    fn the_replay_window_is_off_by_default() {
        let v = verifier(&["s"], false);
        assert_eq!(v.check_timestamp(&BodyTimestamp::Absent), Ok(()));
        let v = v.with_max_age(Some(Duration::from_secs(60)));
        assert_eq!(v.check_timestamp(&BodyTimestamp::Absent), Err(VerifyError::Stale(StaleReason::Missing)));
    }
}
