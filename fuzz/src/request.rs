//! A Plain card request through everything the gateway checks before routing
//! (`cardmesh_gateway::http::admit`: content type, signature, body).
//!
//! Input: header lines (`name: value`), an empty line, then the body; without an empty line
//! the whole input is the body and there are no headers. Lines that are not valid HTTP
//! headers are skipped, as the HTTP server would never hand them to the handler.
//!
//! Invariants:
//! - nothing panics, and every refusal is a 4xx answer;
//! - a body signed with a configured secret never fails the signature check, and then the
//!   outcome is exactly `parse_request`'s; changing one byte of it makes the signature fail;
//! - an accepted request has a non-blank customer id and its keys are valid, distinct, in
//!   first-seen order, at most the limit, and cover every requested key;
//! - every identifier of an accepted request is within its cap: ids (customer, thread,
//!   tenant) and card keys `MAX_ID_BYTES`/`MAX_CARD_KEY_BYTES`, external ids
//!   `MAX_EXTERNAL_ID_BYTES`, the email `MAX_EMAIL_BYTES`;
//! - a lower key limit only adds the "too many keys" refusal.

use axum::response::IntoResponse;
use cardmesh_gateway::config::{Limits, Secret};
use cardmesh_gateway::error::GatewayError;
use cardmesh_gateway::http::admit;
use cardmesh_gateway::plain::{
    is_valid_key, parse_request, CardKeys, CardRequest, MAX_CARD_KEY_BYTES, MAX_EMAIL_BYTES, MAX_EXTERNAL_ID_BYTES,
    MAX_ID_BYTES,
};
use cardmesh_gateway::verify::{sign, SignatureVerifier, VerifyError, SIGNATURE_HEADER};
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};

/// The secret the seed corpus is signed with (`tests/examples/fuzz_seeds.rs`).
const SECRET: &str = "fuzz-secret";
/// A second accepted secret, as during a rotation.
const OLD_SECRET: &str = "fuzz-secret-old";
/// A small key limit next to the default one.
const SMALL_MAX_KEYS: usize = 3;

/// Checks one input; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let (headers, body) = split(data);
    let max_keys = Limits::default().max_card_keys;
    let strict = SignatureVerifier::new(vec![Secret::new(OLD_SECRET), Secret::new(SECRET)], false);
    let lenient = SignatureVerifier::new(vec![Secret::new(SECRET)], true);

    // As received.
    let outcome = admit(&headers, body, &strict, max_keys);
    check_outcome(&outcome, max_keys);
    if headers.get(CONTENT_TYPE).is_none() {
        assert!(matches!(outcome, Err(GatewayError::UnsupportedMediaType)), "{outcome:?}");
    }
    if let Err(err) = outcome {
        let status = err.status();
        assert_eq!(err.into_response().status(), status);
    }
    let mut unsigned = headers.clone();
    unsigned.remove(SIGNATURE_HEADER);
    let outcome = admit(&unsigned, body, &lenient, max_keys);
    assert!(!matches!(outcome, Err(GatewayError::Signature(_))), "{outcome:?}");

    // Signed as Plain would sign it, with either secret.
    for secret in [SECRET, OLD_SECRET] {
        let signed = with_json_signature(&headers, &sign(secret, body));
        let outcome = admit(&signed, body, &strict, max_keys);
        check_outcome(&outcome, max_keys);
        let parsed = parse_request(body, max_keys);
        match (&outcome, &parsed) {
            (Ok((_, got)), Ok((_, want))) => assert_eq!(got, want),
            (Err(GatewayError::InvalidBody(got)), Err(want)) => assert_eq!(got, want),
            _ => {
                panic!("a correctly signed body was judged differently: {outcome:?} vs {parsed:?}")
            }
        }
    }

    // One byte more and the signature no longer matches.
    let mut tampered = body.to_vec();
    tampered.push(b' ');
    let signed = with_json_signature(&headers, &sign(SECRET, body));
    assert!(matches!(
        admit(&signed, &tampered, &strict, max_keys),
        Err(GatewayError::Signature(VerifyError::Mismatch))
    ));

    // A lower key limit.
    let small = parse_request(body, SMALL_MAX_KEYS);
    match (parse_request(body, max_keys), &small) {
        (Ok((_, keys)), Ok((_, small_keys))) => assert_eq!(&keys, small_keys),
        (Ok((_, keys)), Err(err)) => {
            assert!(keys.as_slice().len() > SMALL_MAX_KEYS, "{err:?}");
            assert_eq!(err.field(), Some("cardKeys"));
        }
        (Err(err), Ok(_)) => panic!("a lower key limit accepted what the default refused: {err:?}"),
        (Err(_), Err(_)) => {}
    }
    if let Ok((request, keys)) = &small {
        check_accepted(request, keys, SMALL_MAX_KEYS);
    }
}

/// Header lines, an empty line, the body.
fn split(data: &[u8]) -> (HeaderMap, &[u8]) {
    let Some(at) = data.windows(2).position(|w| w == b"\n\n") else {
        return (HeaderMap::new(), data);
    };
    let mut headers = HeaderMap::new();
    for line in data[..at].split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = HeaderName::from_bytes(line[..colon].trim_ascii());
        let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
    (headers, &data[at + 2..])
}

/// `headers` with a JSON content type and `signature` as the only signature.
fn with_json_signature(headers: &HeaderMap, signature: &str) -> HeaderMap {
    let mut headers = headers.clone();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let signature = HeaderValue::from_str(signature).expect("hex is a valid header value");
    headers.insert(SIGNATURE_HEADER, signature);
    headers
}

/// Refusals are 4xx answers; acceptances hold their invariants.
fn check_outcome(outcome: &Result<(CardRequest, CardKeys), GatewayError>, max_keys: usize) {
    match outcome {
        Ok((request, keys)) => check_accepted(request, keys, max_keys),
        Err(err) => {
            assert!(err.status().is_client_error(), "{err:?} is answered {}", err.status());
            assert!(!err.code().is_empty());
            let _ = err.to_string();
        }
    }
}

fn check_accepted(request: &CardRequest, keys: &CardKeys, max_keys: usize) {
    assert!(!request.customer.id.trim().is_empty());
    check_caps(request);
    let keys = keys.as_slice();
    assert!(keys.len() <= max_keys);
    for (i, key) in keys.iter().enumerate() {
        assert!(is_valid_key(key), "{key:?}");
        assert!(key.len() <= MAX_CARD_KEY_BYTES, "a key of {} bytes", key.len());
        assert!(!keys[..i].contains(key), "duplicate {key:?}");
    }
    let mut first_seen: Vec<&String> = Vec::new();
    for key in &request.card_keys {
        if !first_seen.contains(&key) {
            first_seen.push(key);
        }
    }
    assert!(first_seen.iter().copied().eq(keys.iter()), "{first_seen:?} vs {keys:?}");
}

/// Every identifier of an accepted request is within its cap.
fn check_caps(request: &CardRequest) {
    let customer = &request.customer;
    let within = |value: Option<&String>, cap: usize| value.is_none_or(|v| v.len() <= cap);
    assert!(within(Some(&customer.id), MAX_ID_BYTES), "customer.id of {} bytes", customer.id.len());
    assert!(within(customer.email.as_ref(), MAX_EMAIL_BYTES), "an email over the cap");
    assert!(within(customer.external_id.as_ref(), MAX_EXTERNAL_ID_BYTES));
    if let Some(thread) = &request.thread {
        assert!(within(Some(&thread.id), MAX_ID_BYTES) && within(thread.external_id.as_ref(), MAX_EXTERNAL_ID_BYTES));
    }
    if let Some(tenant) = &request.tenant {
        assert!(within(Some(&tenant.id), MAX_ID_BYTES) && within(tenant.external_id.as_ref(), MAX_EXTERNAL_ID_BYTES));
    }
}
