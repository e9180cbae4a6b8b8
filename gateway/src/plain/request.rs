//! The body of Plain's card request.

use serde::Deserialize;

/// The JSON body Plain POSTs. Unknown fields (such as the undocumented `timestamp` real
/// requests carry) are ignored, for forward compatibility. `thread` and `tenant` may be
/// `null` or absent; every `externalId` and `customer.email` may be `null` or absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardRequest {
    /// The requested card keys, in Plain's order.
    pub card_keys: Vec<String>,
    pub customer: Customer,
    /// Present when the cards are shown in a thread.
    #[serde(default)]
    pub thread: Option<Thread>,
    /// Present when the thread has a tenant.
    #[serde(default)]
    pub tenant: Option<Tenant>,
    /// When Plain signed the request (undocumented); read by the replay window only.
    #[serde(default)]
    pub timestamp: crate::verify::BodyTimestamp,
}

/// The customer the cards are for.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    /// `None` when Plain sent `null` or no email: contacts created by integrations can
    /// have none. Card services then get a `Customer` without `email`.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
}

// The email is customer data: keep it out of any `{:?}` that may reach a log.
impl std::fmt::Debug for Customer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customer")
            .field("id", &self.id)
            .field("email", &self.email.as_ref().map(|_| "[redacted]"))
            .field("external_id", &self.external_id)
            .finish()
    }
}

/// The thread the cards are shown in.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub id: String,
    #[serde(default)]
    pub external_id: Option<String>,
}

/// The tenant of the thread.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A request body that cannot be served; `field` is the JSON path of the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the body is not valid JSON: {message}")]
    Syntax { message: String },
    #[error("{field}: {message}")]
    Field { field: String, message: String },
}

impl RequestError {
    /// The JSON path of the bad field, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            RequestError::Syntax { .. } => None,
            RequestError::Field { field, .. } => Some(field),
        }
    }
}

/// The requested keys after validation: distinct, in first-seen order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardKeys(Vec<String>);

impl CardKeys {
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// The longest Plain id accepted (`customer.id`, `thread.id`, `tenant.id`), in bytes. Plain's
/// ids are about 30 characters (`c_01H…`, a prefix and a ULID); the cap only keeps a forged
/// request from sending kilobytes into cache keys, logs and card services.
pub const MAX_ID_BYTES: usize = 256;
/// The longest `externalId` accepted, in bytes: set by the customer's own systems, so more room
/// than Plain's ids.
pub const MAX_EXTERNAL_ID_BYTES: usize = 512;
/// The longest `customer.email` accepted, in bytes: a 64-byte local part, `@` and a 255-byte
/// domain (RFC 3696, section 3).
pub const MAX_EMAIL_BYTES: usize = 320;
/// Most characters of an identifier the gateway's own endpoints read (256): `customerId`,
/// `externalId`, `threadId` and card keys of `POST /admin/invalidate`, the workflow body of
/// `POST /actions/{name}`, the preview's. Plain's ids are about 30 characters and external ids
/// are other systems' ids, so this is generous, while a 60 KB id never reaches the cache's
/// keys or Plain's API.
pub const MAX_IDENTIFIER_CHARS: usize = 256;
/// The longest card key accepted, in bytes. Keys are names typed into Plain's card settings
/// (`usage`, `subscription-status`).
pub const MAX_CARD_KEY_BYTES: usize = 256;

/// Parses and checks a Plain request body. `max_keys` bounds the distinct keys; every
/// identifier is bounded by the caps above.
pub fn parse_request(body: &[u8], max_keys: usize) -> Result<(CardRequest, CardKeys), RequestError> {
    // Fast path: a well-formed body parses once, without tracking where the parser is.
    let request: CardRequest = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(_) => parse_with_path(body)?,
    };
    if request.customer.id.trim().is_empty() {
        return Err(RequestError::Field { field: "customer.id".into(), message: "must not be empty".into() });
    }
    check_lengths(&request)?;
    let keys = check_keys(&request.card_keys, max_keys)?;
    Ok((request, keys))
}

/// Every identifier of `request` within its cap; the first one over it is named.
fn check_lengths(request: &CardRequest) -> Result<(), RequestError> {
    let Customer { id, email, external_id } = &request.customer;
    let thread = request.thread.as_ref().map(|t| (&t.id, &t.external_id));
    let tenant = request.tenant.as_ref().map(|t| (&t.id, &t.external_id));
    let fields = [
        ("customer.id", Some(id), MAX_ID_BYTES),
        ("customer.email", email.as_ref(), MAX_EMAIL_BYTES),
        ("customer.externalId", external_id.as_ref(), MAX_EXTERNAL_ID_BYTES),
        ("thread.id", thread.map(|t| t.0), MAX_ID_BYTES),
        ("thread.externalId", thread.and_then(|t| t.1.as_ref()), MAX_EXTERNAL_ID_BYTES),
        ("tenant.id", tenant.map(|t| t.0), MAX_ID_BYTES),
        ("tenant.externalId", tenant.and_then(|t| t.1.as_ref()), MAX_EXTERNAL_ID_BYTES),
    ];
    for (field, value, cap) in fields {
        if let Some(value) = value.filter(|v| v.len() > cap) {
            return Err(too_long(field.to_owned(), value.len(), cap));
        }
    }
    Ok(())
}

fn too_long(field: String, len: usize, cap: usize) -> RequestError {
    RequestError::Field { field, message: format!("is {len} bytes long; at most {cap} are accepted") }
}

/// Parses again, tracking the JSON path, for an error that names the bad field.
fn parse_with_path(body: &[u8]) -> Result<CardRequest, RequestError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let request: CardRequest = serde_path_to_error::deserialize(&mut *de).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() || field == "." {
            // A missing top-level field is reported by serde at the root: name it.
            if let Some(missing) = missing_field(&inner.to_string()) {
                return RequestError::Field { field: missing, message: "is required".to_owned() };
            }
            if inner.is_syntax() || inner.is_eof() {
                return RequestError::Syntax { message: strip_position(&inner.to_string()) };
            }
        }
        let message = strip_position(&inner.to_string());
        match missing_field(&message) {
            Some(missing) => {
                RequestError::Field { field: format!("{field}.{missing}"), message: "is required".to_owned() }
            }
            None => RequestError::Field { field, message },
        }
    })?;
    de.end().map_err(|e| RequestError::Syntax { message: strip_position(&e.to_string()) })?;
    Ok(request)
}

fn check_keys(raw: &[String], max_keys: usize) -> Result<CardKeys, RequestError> {
    let mut keys: Vec<String> = Vec::with_capacity(raw.len().min(max_keys));
    for (i, key) in raw.iter().enumerate() {
        if key.len() > MAX_CARD_KEY_BYTES {
            return Err(too_long(format!("cardKeys[{i}]"), key.len(), MAX_CARD_KEY_BYTES));
        }
        if !is_valid_key(key) {
            return Err(RequestError::Field {
                field: format!("cardKeys[{i}]"),
                message: cardmesh_rules::key::CARD_KEY_RULE.to_owned(),
            });
        }
        if !keys.contains(key) {
            keys.push(key.clone());
            if keys.len() > max_keys {
                return Err(RequestError::Field {
                    field: "cardKeys".to_owned(),
                    message: format!("at most {max_keys} distinct card keys may be requested"),
                });
            }
        }
    }
    Ok(CardKeys(keys))
}

/// Plain's card-key rule (`[a-zA-Z0-9_-]+`), from the rules catalogue.
pub use cardmesh_rules::is_valid_card_key as is_valid_key;

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// serde_json appends " at line 1 column 42"; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<(CardRequest, CardKeys), RequestError> {
        parse_request(body.as_bytes(), 25)
    }

    #[test]
    fn parses_plain_example_and_ignores_unknown_fields() {
        let (req, keys) = parse(
            r#"{"cardKeys":["a","b","a"],"customer":{"id":"c_1","email":"ada@example.com",
                "externalId":null,"future":1},"thread":{"id":"th_1","externalId":null},
                "tenant":{"id":"te_1","externalId":"acme"},"somethingNew":{"x":[1]}}"#,
        )
        .unwrap();
        assert_eq!(keys.as_slice(), ["a", "b"]);
        assert_eq!(req.customer.external_id, None);
        assert_eq!(req.tenant.unwrap().external_id.as_deref(), Some("acme"));
        assert!(!format!("{:?}", req.customer).contains("ada@"));
    }

    #[test]
    fn thread_may_be_null_or_absent() {
        let (req, _) = parse(r#"{"cardKeys":[],"customer":{"id":"c"},"thread":null}"#).unwrap();
        assert!(req.thread.is_none() && req.tenant.is_none());
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = parse(r#"{"cardKeys":["a",3],"customer":{"id":"c"}}"#).unwrap_err();
        assert_eq!(err.field(), Some("cardKeys[1]"));
        let err = parse(r#"{"cardKeys":[],"customer":{"id":5}}"#).unwrap_err();
        assert_eq!(err.field(), Some("customer.id"));
        let err = parse(r#"{"cardKeys":"a","customer":{"id":"c"}}"#).unwrap_err();
        assert_eq!(err.field(), Some("cardKeys"));
    }

    #[test]
    fn missing_fields_are_named() {
        assert_eq!(parse(r#"{"customer":{"id":"c"}}"#).unwrap_err().field(), Some("cardKeys"));
        assert_eq!(parse(r#"{"cardKeys":[]}"#).unwrap_err().field(), Some("customer"));
        assert_eq!(parse(r#"{"cardKeys":[],"customer":{"email":"x"}}"#).unwrap_err().field(), Some("customer.id"));
    }

    #[test]
    fn syntax_errors_have_no_field() {
        assert!(matches!(parse("{not json").unwrap_err(), RequestError::Syntax { .. }));
        assert!(matches!(parse("").unwrap_err(), RequestError::Syntax { .. }));
    }

    #[test]
    fn trailing_characters_after_the_body_are_a_syntax_error() {
        let err = parse(r#"{"cardKeys":[],"customer":{"id":"c"}} x"#).unwrap_err();
        assert!(matches!(err, RequestError::Syntax { .. }), "{err:?}");
        assert!(err.to_string().contains("trailing"), "{err}");
        parse("{\"cardKeys\":[],\"customer\":{\"id\":\"c\"}}\n").expect("trailing whitespace is fine");
    }

    #[test]
    fn identifiers_over_their_cap_are_refused_naming_the_field() {
        let body = |customer: &str, rest: &str| format!(r#"{{"cardKeys":["a"],"customer":{customer}{rest}}}"#);
        let long = |n: usize| "x".repeat(n);
        let cases = [
            (body(&format!(r#"{{"id":"{}"}}"#, long(MAX_ID_BYTES + 1)), ""), "customer.id"),
            (body(&format!(r#"{{"id":"c","email":"{}@e.com"}}"#, long(MAX_EMAIL_BYTES)), ""), "customer.email"),
            (
                body(&format!(r#"{{"id":"c","externalId":"{}"}}"#, long(MAX_EXTERNAL_ID_BYTES + 1)), ""),
                "customer.externalId",
            ),
            (body(r#"{"id":"c"}"#, &format!(r#","thread":{{"id":"{}"}}"#, long(MAX_ID_BYTES + 1))), "thread.id"),
            (
                body(
                    r#"{"id":"c"}"#,
                    &format!(r#","thread":{{"id":"t","externalId":"{}"}}"#, long(MAX_EXTERNAL_ID_BYTES + 1)),
                ),
                "thread.externalId",
            ),
            (body(r#"{"id":"c"}"#, &format!(r#","tenant":{{"id":"{}"}}"#, long(MAX_ID_BYTES + 1))), "tenant.id"),
            (
                body(
                    r#"{"id":"c"}"#,
                    &format!(r#","tenant":{{"id":"t","externalId":"{}"}}"#, long(MAX_EXTERNAL_ID_BYTES + 1)),
                ),
                "tenant.externalId",
            ),
        ];
        for (body, field) in cases {
            let err = parse(&body).unwrap_err();
            assert_eq!(err.field(), Some(field), "{err}");
            assert!(err.to_string().contains("at most"), "{err}");
        }
        let key = long(MAX_CARD_KEY_BYTES + 1);
        let err = parse(&format!(r#"{{"cardKeys":["ok","{key}"],"customer":{{"id":"c"}}}}"#)).unwrap_err();
        assert_eq!(err.field(), Some("cardKeys[1]"));
        // At the caps everything is accepted.
        let (req, keys) = parse(&format!(
            r#"{{"cardKeys":["{}"],"customer":{{"id":"{}","email":"{}","externalId":"{}"}},
                "thread":{{"id":"{}","externalId":"{}"}},"tenant":{{"id":"{}","externalId":"{}"}}}}"#,
            long(MAX_CARD_KEY_BYTES),
            long(MAX_ID_BYTES),
            long(MAX_EMAIL_BYTES),
            long(MAX_EXTERNAL_ID_BYTES),
            long(MAX_ID_BYTES),
            long(MAX_EXTERNAL_ID_BYTES),
            long(MAX_ID_BYTES),
            long(MAX_EXTERNAL_ID_BYTES),
        ))
        .unwrap();
        assert_eq!((req.customer.id.len(), keys.as_slice()[0].len()), (MAX_ID_BYTES, MAX_CARD_KEY_BYTES));
    }

    #[test]
    fn bad_keys() {
        assert_eq!(
            parse(r#"{"cardKeys":["ok","no spaces"],"customer":{"id":"c"}}"#).unwrap_err().field(),
            Some("cardKeys[1]")
        );
        assert_eq!(parse(r#"{"cardKeys":[""],"customer":{"id":"c"}}"#).unwrap_err().field(), Some("cardKeys[0]"));
        let many: Vec<String> = (0..26).map(|i| format!("\"k{i}\"")).collect();
        let body = format!(r#"{{"cardKeys":[{}],"customer":{{"id":"c"}}}}"#, many.join(","));
        assert_eq!(parse(&body).unwrap_err().field(), Some("cardKeys"));
        let dupes: Vec<String> = (0..50).map(|i| format!("\"k{}\"", i % 25)).collect();
        let body = format!(r#"{{"cardKeys":[{}],"customer":{{"id":"c"}}}}"#, dupes.join(","));
        assert_eq!(parse(&body).unwrap().1.as_slice().len(), 25);
    }
}
