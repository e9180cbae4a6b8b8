//! Plain's signature check, as the anchors of `scripts/bench.sh` do it: the least the
//! gateway must do too.

use hmac::{Hmac, Mac};

/// True when `signature` (the `Plain-Request-Signature` header) is the hex HMAC-SHA256 of
/// `body` under `secret`.
pub fn signed(secret: &str, signature: Option<&[u8]>, body: &[u8]) -> bool {
    let Some(expected) = signature.and_then(|s| hex::decode(s).ok()) else { return false };
    let Ok(mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.chain_update(body).verify_slice(&expected).is_ok()
}
