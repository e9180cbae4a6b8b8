//! Required headers, compared in constant time.

use axum::http::{HeaderMap, HeaderName};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AccessError;
use crate::config::RequiredHeaders;

/// The configured headers, each kept as its name and the SHA-256 of its value: comparing
/// digests in constant time says nothing about the value, not even its length.
pub struct HeaderCheck(Vec<Required>);

struct Required {
    header: HeaderName,
    /// The name as configured, for messages.
    name: String,
    digest: [u8; 32],
}

impl HeaderCheck {
    /// The checks of validated `required` headers (invalid names are skipped).
    pub fn new(required: &RequiredHeaders) -> Self {
        Self(
            required
                .iter()
                .filter_map(|(name, value)| {
                    Some(Required {
                        header: HeaderName::from_bytes(name.as_bytes()).ok()?,
                        name: name.clone(),
                        digest: Sha256::digest(value.expose().as_bytes()).into(),
                    })
                })
                .collect(),
        )
    }

    /// Every required header is present with its configured value.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), AccessError> {
        for required in &self.0 {
            let Some(value) = headers.get(&required.header) else {
                return Err(AccessError::MissingHeader { name: required.name.clone() });
            };
            let digest = Sha256::digest(value.as_bytes());
            if !bool::from(digest.as_slice().ct_eq(&required.digest)) {
                return Err(AccessError::WrongHeader { name: required.name.clone() });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::config::Secret;

    fn check() -> HeaderCheck {
        HeaderCheck::new(&RequiredHeaders::from([
            ("Authorization".to_owned(), Secret::new("Bearer s3cret")),
            ("x-plain-tenant".to_owned(), Secret::new("acme")),
        ]))
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn every_header_must_match_exactly() {
        let ok = headers(&[("authorization", "Bearer s3cret"), ("x-plain-tenant", "acme")]);
        assert_eq!(check().check(&ok), Ok(()));
        let wrong = headers(&[("authorization", "Bearer s3cre"), ("x-plain-tenant", "acme")]);
        assert_eq!(check().check(&wrong), Err(AccessError::WrongHeader { name: "Authorization".into() }));
        let missing = headers(&[("authorization", "Bearer s3cret")]);
        assert_eq!(check().check(&missing), Err(AccessError::MissingHeader { name: "x-plain-tenant".into() }));
    }

    #[test]
    fn nothing_required_accepts_anything() {
        assert_eq!(HeaderCheck::new(&RequiredHeaders::new()).check(&HeaderMap::new()), Ok(()));
    }
}
